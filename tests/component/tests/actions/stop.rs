//! `stop`: os-stop, then SHUTOFF as Nova shows it; revert starts the server again.

use crate::harness::*;
use wasm_action_host::ActionError;

fn stop(id: &str) -> serde_json::Value {
    json!({ "resource_id": id })
}

#[tokio::test]
async fn stops_an_active_server_and_nova_shows_it_shutoff() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    proceeds(bench.run("stop", PreCondition, &stop(&id)).await);
    let details = details(bench.run("stop", Execute, &stop(&id)).await);
    assert_eq!(details["status"], "SHUTOFF");
    let server = bench.server(&id);
    assert_eq!((server.status.as_str(), server.power_state), ("SHUTOFF", 4));
    assert_eq!(server.host, "compute1", "a stop does not move the server");
    done(bench.run("stop", PostCondition, &stop(&id)).await);
    let actions: Vec<String> = bench.mutations();
    assert_eq!(actions.len(), 1, "one os-stop reached Nova: {actions:?}");
    assert!(actions[0].contains("os-stop"), "{actions:?}");
}

#[tokio::test]
async fn a_stopped_or_missing_server_is_skipped_and_nothing_is_sent() {
    let bench = Bench::start().await;
    let id = bench.shutoff_on("compute2");
    let reason = skipped(bench.run("stop", PreCondition, &stop(&id)).await);
    assert!(reason.contains("already stopped"), "{reason}");
    let reason = skipped(
        bench
            .run(
                "stop",
                PreCondition,
                &stop(test_support::migrate::NO_SUCH_SERVER),
            )
            .await,
    );
    assert!(reason.contains("does not exist"), "{reason}");
    assert!(bench.mutations().is_empty());
}

#[tokio::test]
async fn revert_starts_the_server_again() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    details(bench.run("stop", Execute, &stop(&id)).await);
    let details = details(bench.run("stop", Revert, &stop(&id)).await);
    assert_eq!(details["how"], "os-start");
    assert_eq!(bench.server(&id).status, "ACTIVE");
}

#[tokio::test]
async fn a_server_nova_cannot_stop_fails_with_novas_answer_and_stays_as_it_was() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    // Another client starts a cold migration: Nova refuses os-stop while it runs (409).
    assert_eq!(
        bench
            .nova_action(&id, json!({"migrate": {"host": "compute2"}}))
            .await,
        202
    );
    let error = error(bench.run("stop", Execute, &stop(&id)).await);
    let ActionError::Conflict(problem) = &error else {
        panic!("expected conflict, got {error:?}")
    };
    let api = problem.api.as_ref().expect("Nova's answer is kept");
    assert_eq!(api.status, 409);
    assert!(
        api.message.contains("task_state"),
        "Nova's own message: {}",
        api.message
    );
    assert_ne!(bench.server(&id).status, "SHUTOFF");
}

#[tokio::test]
async fn a_lost_answer_to_os_stop_is_asked_about_and_sent_again_only_if_nova_lacks_it() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute3");
    // A load balancer's 503 before Nova saw the request: Nova shows no task, so it is sent again.
    bench.nova.inject(Fault::HttpStatus {
        method: Some("POST".into()),
        path_contains: "/action".into(),
        status: 503,
        count: 1,
    });
    details(bench.run("stop", Execute, &stop(&id)).await);
    assert_eq!(bench.server(&id).status, "SHUTOFF");
    let stops = bench.mutations();
    assert_eq!(stops.len(), 2, "the 503'd os-stop and one more: {stops:?}");
}

#[tokio::test]
async fn abort_says_a_stop_cannot_be_stopped() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    let error = error(bench.run("stop", Abort, &stop(&id)).await);
    assert!(matches!(error, ActionError::Unsupported(_)), "{error:?}");
    assert!(problem(&error).contains("revert starts it again"));
    assert!(bench.mutations().is_empty());
}
