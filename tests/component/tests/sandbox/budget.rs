//! The request budget: a runtime's calls together keep each compute endpoint under its rate and
//! in-flight limit, and a 429 from a rate-limiting proxy is waited out, never a failure.

use nova_double::{Config, NovaDouble, ServerSpec, Timings};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasm_action_host::{Call, Phase, PhaseOutput, RequestBudget, Runtime, Settings};

/// A Nova double that answers at most `rate` requests a second (429 beyond), with `servers`
/// ACTIVE servers on compute1.
async fn rate_limited_nova(rate: u32, servers: usize) -> (NovaDouble, Vec<String>) {
    let nova = NovaDouble::start(Config {
        timings: Timings::fast(),
        max_requests_per_second: Some(rate),
        ..Config::default()
    })
    .await
    .expect("the double starts");
    let ids = (0..servers)
        .map(|_| nova.add_server(ServerSpec::active("compute1")))
        .collect();
    (nova, ids)
}

/// `ids` cold-migrated to compute2 at once through `runtime`; how many succeeded.
async fn migrate_all(runtime: &Arc<Runtime>, nova: &NovaDouble, ids: &[String]) -> usize {
    let plugin = Arc::new(
        runtime
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("loads"),
    );
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (runtime, plugin) = (runtime.clone(), plugin.clone());
            let mut call = Call::new(nova.endpoint(), Some("admin:admin".into()));
            call.deadline = Some(Duration::from_secs(60));
            let params = json!({"resource_id": id, "migration_type": "cold",
                "source_node": "compute1", "destination_node": "compute2"})
            .to_string();
            tokio::spawn(async move {
                let answer = runtime.call(&plugin, &call, Phase::Execute, &params).await;
                matches!(answer, Ok(Ok(PhaseOutput::Outcome(_))))
            })
        })
        .collect();
    let mut succeeded = 0;
    for task in tasks {
        succeeded += usize::from(task.await.expect("no task panicked"));
    }
    succeeded
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_keeps_the_endpoint_under_its_rate_and_nothing_fails() {
    let (nova, ids) = rate_limited_nova(20, 6).await;
    let runtime = Arc::new(
        Runtime::with_settings(Settings {
            nova_budget: RequestBudget {
                in_flight: 4,
                per_second: 18.0,
            },
            ..Settings::default()
        })
        .expect("engine"),
    );
    let started = Instant::now();
    assert_eq!(migrate_all(&runtime, &nova, &ids).await, ids.len());
    let requests = nova.requests().len();
    assert_eq!(nova.rate_limited(), 0, "the budget kept under the rate");
    assert!(nova.busiest_second() <= 20, "{}", nova.busiest_second());
    // 18 a second at most: the requests could not have taken less.
    let floor = Duration::from_secs_f64((requests - 1) as f64 / 18.0);
    assert!(
        started.elapsed() >= floor,
        "{requests} requests in {:?}",
        started.elapsed()
    );
    for id in &ids {
        assert_eq!(nova.server(id).expect("server").host, "compute2");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_even_for_a_post_and_applied_once() {
    let (nova, ids) = rate_limited_nova(4, 3).await;
    let runtime = Arc::new(
        Runtime::with_settings(Settings {
            nova_budget: RequestBudget::UNLIMITED,
            ..Settings::default()
        })
        .expect("engine"),
    );
    assert_eq!(migrate_all(&runtime, &nova, &ids).await, ids.len());
    assert!(nova.rate_limited() > 0, "the proxy did turn requests away");
    // Each migrate and confirmResize reached Nova once: a 429'd POST is not applied.
    let migrations = nova.migrations();
    assert_eq!(migrations.len(), ids.len(), "{migrations:?}");
    assert!(
        migrations.iter().all(|m| m.status == "confirmed"),
        "{migrations:?}"
    );
    let metrics = runtime.metrics().encode();
    assert!(
        metrics.contains(r#"method="POST",status="429""#)
            || metrics.contains(r#"method="GET",status="429""#),
        "{metrics}"
    );
}
