//! Abort: stop what can be stopped, and say so when it cannot.

use crate::harness::*;
use nova_double::Timings;
use serde_json::json;
use std::time::Duration;
use wasm_action_host::{ActionError, Phase};

#[tokio::test]
async fn abort_in_verify_resize_reverts_to_the_source() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    assert_eq!(
        cloud
            .nova_action(&id, json!({"migrate": {"host": "compute3"}}))
            .await,
        202
    );
    cloud.until(&id, |s| s.status == "VERIFY_RESIZE").await;
    let details = details(
        cloud
            .run(Phase::Abort, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    assert_eq!(details["how"], "revertResize");
    let after = cloud.server(&id);
    assert_eq!(
        (after.host.as_str(), after.status.as_str()),
        ("compute1", "ACTIVE")
    );
    assert_eq!(cloud.migrations_of(&id)[0].status, "reverted");
}

#[tokio::test]
async fn abort_while_resizing_is_unsupported_and_changes_nothing() {
    let mut timings = Timings::fast();
    timings.resize_migrate = Duration::from_millis(800);
    let cloud = Bench::with_timings(timings).await;
    let id = cloud.active_on("compute1");
    assert_eq!(
        cloud
            .nova_action(&id, json!({"migrate": {"host": "compute3"}}))
            .await,
        202
    );
    cloud.until(&id, |s| s.status == "RESIZE").await;
    cloud.nova.clear_requests();
    let error = error(
        cloud
            .run(Phase::Abort, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    let ActionError::Unsupported(problem) = error else {
        panic!("expected unsupported, got {error:?}")
    };
    assert!(
        problem.message.contains("VERIFY_RESIZE"),
        "{}",
        problem.message
    );
    assert!(
        cloud.nova.requests().iter().all(|r| r.method == "GET"),
        "no abort was faked"
    );
    let later = cloud.until(&id, |s| s.status == "VERIFY_RESIZE").await;
    assert_eq!(later.host, "compute3", "the migration went on");
}

#[tokio::test]
async fn abort_of_a_running_live_migration_cancels_it() {
    let mut timings = Timings::fast();
    timings.live_copy = Duration::from_secs(5);
    let cloud = Bench::with_timings(timings).await;
    let id = cloud.active_on("compute1");
    let migrate = json!({"os-migrateLive": {"host": "compute2", "block_migration": "auto"}});
    assert_eq!(cloud.nova_action(&id, migrate).await, 202);
    for _ in 0..500 {
        if cloud
            .migrations_of(&id)
            .first()
            .is_some_and(|m| m.status == "running")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let details = details(
        cloud
            .run(Phase::Abort, &live(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(details["how"], "live migration aborted");
    let after = cloud.server(&id);
    assert_eq!(
        (after.host.as_str(), after.status.as_str()),
        ("compute1", "ACTIVE")
    );
    assert_eq!(cloud.migrations_of(&id)[0].status, "cancelled");
    assert!(cloud.nova.requests().iter().any(|r| r.method == "DELETE"));
}

#[tokio::test]
async fn abort_with_nothing_in_progress_is_a_conflict_not_a_success() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    for params in [
        cold(&id, "compute1", Some("compute2")),
        live(&id, "compute1", Some("compute2")),
    ] {
        let error = error(cloud.run(Phase::Abort, &params).await);
        let ActionError::Conflict(problem) = error else {
            panic!("expected conflict, got {error:?}")
        };
        assert!(
            problem.message.contains("nothing to abort"),
            "{}",
            problem.message
        );
    }
    assert!(cloud.nova.requests().iter().all(|r| r.method == "GET"));
}
