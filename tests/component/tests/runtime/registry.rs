//! The registry: versions by name, atomic swaps, rejected broken versions, calls that finish on
//! the version they started on.

use crate::variant;
use nova_double::{Config, NovaDouble, ServerSpec, Timings};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasm_action_host::{Call, HostError, Phase, PhaseOutput, Registry, Runtime, Settings};

fn registry(slots: u32) -> Arc<Registry> {
    let settings = Settings {
        max_concurrent_calls: slots,
        ..Settings::default()
    };
    Arc::new(Registry::new(Arc::new(
        Runtime::with_settings(settings).expect("the engine starts"),
    )))
}

#[tokio::test]
async fn an_unknown_plugin_is_a_clear_error() {
    let registry = registry(4);
    let error = registry.lease("migrate").expect_err("nothing installed");
    assert!(
        matches!(&error, HostError::UnknownPlugin(name) if name == "migrate"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_broken_new_version_is_rejected_and_the_old_one_keeps_serving() {
    let registry = registry(4);
    let v1 = registry
        .install("migrate", Some("1.0.0"), builtin_plugins::MIGRATE.to_vec())
        .await
        .expect("installs");
    let error = registry
        .install(
            "migrate",
            Some("1.1.0"),
            b"\0asm\x0d\0\x01\0garbage".to_vec(),
        )
        .await
        .expect_err("rejected");
    assert!(matches!(error, HostError::Load { .. }), "{error:?}");
    let error = registry
        .install(
            "migrate",
            Some("2.0.0"),
            test_plugins::WRONG_CONTRACT.to_vec(),
        )
        .await
        .expect_err("rejected");
    assert!(
        error.to_string().contains("openstack:actions@0.2.0"),
        "{error}"
    );
    assert_eq!(
        registry.current("migrate").expect("still installed").digest,
        v1.digest
    );
    let call = Call::new("http://127.0.0.1:9/v2.1", None);
    let answer = registry
        .call("migrate", &call, Phase::Schema, "{}")
        .await
        .expect("serves");
    assert!(matches!(answer.result, Ok(PhaseOutput::Schema(_))));
    assert_eq!(answer.version.label, "1.0.0");
}

#[tokio::test]
async fn installing_the_same_bytes_again_changes_nothing() {
    let registry = registry(4);
    let first = registry
        .install("migrate", None, builtin_plugins::MIGRATE.to_vec())
        .await
        .expect("installs");
    let again = registry
        .install("migrate", None, builtin_plugins::MIGRATE.to_vec())
        .await
        .expect("installs");
    assert_eq!(
        (first.number, first.label.as_str()),
        (again.number, again.label.as_str())
    );
    let report = registry.report();
    assert_eq!(report.len(), 1);
    assert!(report[0].draining.is_empty());
}

#[tokio::test]
async fn a_swap_leaves_the_leased_version_draining_until_its_calls_end() {
    let registry = registry(4);
    let v1 = registry
        .install("migrate", Some("1"), builtin_plugins::MIGRATE.to_vec())
        .await
        .expect("installs");
    let lease = registry.lease("migrate").expect("lease");
    let v2 = registry
        .install("migrate", Some("2"), variant(builtin_plugins::MIGRATE, "2"))
        .await
        .expect("installs");
    let report = &registry.report()[0];
    assert_eq!(report.current.label, "2");
    assert_eq!(report.current.in_flight, 0);
    assert_eq!(report.draining.len(), 1);
    assert_eq!(
        (
            report.draining[0].label.as_str(),
            report.draining[0].in_flight
        ),
        ("1", 1)
    );
    assert_eq!(
        lease.plugin().digest(),
        v1.digest,
        "the lease keeps the old code"
    );
    drop(lease);
    assert!(registry.report()[0].draining.is_empty(), "drained");
    assert_eq!(
        registry.lease("migrate").expect("lease").plugin().digest(),
        v2.digest
    );
}

/// What one of the concurrent calls saw.
struct Finished {
    started_on: u64,
    ran_digest: String,
    finished_at: Instant,
    succeeded: bool,
}

/// Starts a cold migration of `server` on whatever version is current, in its own task.
fn spawn_migration(
    registry: &Arc<Registry>,
    endpoint: String,
    server: String,
    source: &'static str,
) -> tokio::task::JoinHandle<Finished> {
    let registry = registry.clone();
    tokio::spawn(async move {
        let lease = registry.lease("migrate").expect("lease");
        let params = json!({"resource_id": server, "migration_type": "cold", "source_node": source, "destination_node": "compute3"});
        let mut call = Call::new(endpoint, Some("admin:admin".into()));
        call.deadline = Some(Duration::from_secs(60));
        let result = registry
            .runtime()
            .call(lease.plugin(), &call, Phase::Execute, &params.to_string())
            .await;
        Finished {
            started_on: lease.version().number,
            ran_digest: lease.plugin().digest().to_string(),
            finished_at: Instant::now(),
            succeeded: matches!(result, Ok(Ok(PhaseOutput::Outcome(_)))),
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_migrations_survive_two_swaps_one_of_them_broken() {
    const CALLS: usize = 200;
    let registry = registry(256);
    let v1 = registry
        .install("migrate", Some("1"), builtin_plugins::MIGRATE.to_vec())
        .await
        .expect("installs");
    // Slow enough that the first wave is still migrating while v2 compiles and swaps in.
    let timings = Timings {
        resize_migrate: Duration::from_secs(3),
        ..Timings::fast()
    };
    let nova = NovaDouble::start(Config {
        timings,
        ..Config::default()
    })
    .await
    .expect("double");
    let sources = ["compute1", "compute2"];
    let servers: Vec<String> = (0..CALLS)
        .map(|i| nova.add_server(ServerSpec::active(sources[i % 2])))
        .collect();
    let mut tasks = Vec::new();
    for (i, server) in servers.iter().enumerate().take(CALLS / 2) {
        tasks.push(spawn_migration(
            &registry,
            nova.endpoint(),
            server.clone(),
            sources[i % 2],
        ));
    }
    // The whole first wave holds v1 before the swap, however slow the machine is.
    let ramp = Instant::now();
    while registry.report()[0].current.in_flight < CALLS / 2
        && ramp.elapsed() < Duration::from_secs(30)
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let v2 = registry
        .install("migrate", Some("2"), variant(builtin_plugins::MIGRATE, "2"))
        .await
        .expect("v2 installs");
    let swapped_at = Instant::now();
    let draining_at_swap: usize = registry.report()[0]
        .draining
        .iter()
        .map(|v| v.in_flight)
        .sum();
    let broken = registry
        .install("migrate", Some("3"), b"this is not a component".to_vec())
        .await;
    assert!(broken.is_err(), "the broken version is rejected");
    for (i, server) in servers.iter().enumerate().skip(CALLS / 2) {
        tasks.push(spawn_migration(
            &registry,
            nova.endpoint(),
            server.clone(),
            sources[i % 2],
        ));
    }
    let mut finished = Vec::new();
    for task in tasks {
        finished.push(task.await.expect("no call task panicked"));
    }
    assert_eq!(finished.len(), CALLS, "no call lost");
    assert_eq!(
        finished.iter().filter(|f| !f.succeeded).count(),
        0,
        "no call failed"
    );
    for f in &finished {
        assert!(
            f.started_on == v1.number || f.started_on == v2.number,
            "only v1 and v2 ever ran"
        );
        let expected = if f.started_on == v1.number {
            &v1.digest
        } else {
            &v2.digest
        };
        assert_eq!(
            &f.ran_digest, expected,
            "every call ran the version it started on"
        );
    }
    let old_across_swap = finished
        .iter()
        .filter(|f| f.started_on == v1.number && f.finished_at > swapped_at)
        .count();
    let on_new = finished
        .iter()
        .filter(|f| f.started_on == v2.number)
        .count();
    assert_eq!(
        draining_at_swap,
        CALLS / 2,
        "the whole first wave was in flight on v1 at the swap"
    );
    assert_eq!(old_across_swap, CALLS / 2, "and finished on v1 after it");
    assert_eq!(on_new, CALLS / 2, "the second wave ran on v2");
    assert_eq!(registry.current("migrate").expect("installed").label, "2");
    assert!(registry.report()[0].draining.is_empty(), "v1 drained");
    for server in &servers {
        assert_eq!(nova.server(server).expect("server").host, "compute3");
    }
    let confirmed = nova
        .migrations()
        .iter()
        .filter(|m| m.status == "confirmed")
        .count();
    assert_eq!(confirmed, CALLS);
}
