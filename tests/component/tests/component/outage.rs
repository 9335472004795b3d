//! Nova unavailable for longer than the host's retry budget: the action gives up with a typed
//! error that says where the server stands, and `revert` works from there. (Short outages are
//! ridden out: `faults.rs` and, through a faulting proxy, `proxy.rs`.)

use crate::harness::*;
use nova_double::{Fault, Timings};
use std::sync::OnceLock;
use std::time::Duration;
use wasm_action_host::{ActionError, Limits, Phase, Plugin, Runtime, Settings};

/// The component on a runtime whose retry budget is one second.
fn impatient() -> &'static (Runtime, Plugin) {
    static PLUGIN: OnceLock<(Runtime, Plugin)> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        let limits = Limits {
            retry_budget: Duration::from_secs(1),
            ..Limits::default()
        };
        let runtime = Runtime::with_settings(Settings {
            limits,
            max_concurrent_calls: 8,
            ..Settings::default()
        })
        .expect("the engine starts");
        let plugin = runtime
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("the built component loads");
        (runtime, plugin)
    })
}

/// Once Nova has the migrate, every read of the server answers 503.
async fn nova_unavailable_after_the_migrate(cloud: &Bench, id: &str) {
    while !cloud.actions_posted(id).contains(&"migrate".to_string()) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    cloud.nova.inject(Fault::HttpStatus {
        method: Some("GET".into()),
        path_contains: id.into(),
        status: 503,
        count: 10_000,
    });
}

#[tokio::test]
async fn an_outage_beyond_the_budget_ends_in_a_transport_error_naming_the_server_state() {
    let mut timings = Timings::fast();
    timings.resize_migrate = Duration::from_millis(300);
    let cloud = Bench::with_timings(timings).await;
    let id = cloud.active_on("compute1");
    let params = cold(&id, "compute1", Some("compute2"));
    // The pre-condition reads the server; the outage starts once the migration is asked for.
    let readiness = readiness(
        cloud
            .run_on(impatient(), Phase::PreCondition, &params)
            .await,
    );
    assert_eq!(readiness, wasm_action_host::Readiness::Proceed);
    let started = std::time::Instant::now();
    let (result, ()) = tokio::join!(
        cloud.run_on(impatient(), Phase::Execute, &params),
        nova_unavailable_after_the_migrate(&cloud, &id),
    );
    let error = error(result);
    let ActionError::Transport(message) = error else {
        panic!("expected transport, got {error:?}")
    };
    assert!(message.contains("lost contact with Nova"), "{message}");
    assert!(message.contains("503"), "{message}");
    assert!(
        message.contains(&id) && message.contains("revert"),
        "{message}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "gave up within the budget, not at the deadline: {:?}",
        started.elapsed()
    );
    // Nova went on without us: the resize waits for a confirmation nobody sent.
    let server = cloud.until(&id, |s| s.status == "VERIFY_RESIZE").await;
    assert_eq!(server.host, "compute2");
    assert_eq!(cloud.actions_posted(&id), vec!["migrate"]);
}

#[tokio::test]
async fn revert_works_from_where_an_outage_left_the_server() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let params = cold(&id, "compute1", Some("compute2"));
    // Nova resized the server, then the action lost contact before confirming.
    assert_eq!(
        cloud
            .nova_action(&id, serde_json::json!({"migrate": {"host": "compute2"}}))
            .await,
        202
    );
    cloud.until(&id, |s| s.status == "VERIFY_RESIZE").await;
    let outcome = details(cloud.run(Phase::Revert, &params).await);
    assert!(outcome.is_object(), "{outcome}");
    let server = cloud.until(&id, |s| s.status == "ACTIVE").await;
    assert_eq!(server.host, "compute1");
    assert_eq!(cloud.migrations_of(&id)[0].status, "reverted");
}

#[tokio::test]
async fn the_twin_without_an_outage_finishes() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    details(
        cloud
            .run_on(
                impatient(),
                Phase::Execute,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    assert_eq!(cloud.server(&id).host, "compute2");
}
