//! Watcher's pre-condition rules: skip what has nothing to do, refuse what cannot work.

use crate::harness::*;
use wasm_action_host::{ActionError, Phase, Readiness};

#[tokio::test]
async fn proceeds_for_server_on_source_with_healthy_destination() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let readiness = readiness(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    assert_eq!(readiness, Readiness::Proceed);
    assert!(
        cloud.nova.requests().iter().all(|r| r.method == "GET"),
        "a pre-condition only reads"
    );
}

#[tokio::test]
async fn skips_a_server_that_does_not_exist() {
    let cloud = Bench::start().await;
    let readiness = readiness(
        cloud
            .run(
                Phase::PreCondition,
                &cold(NO_SUCH_SERVER, "compute1", Some("compute2")),
            )
            .await,
    );
    let Readiness::Skip(reason) = readiness else {
        panic!("expected skip")
    };
    assert!(reason.contains("does not exist"), "{reason}");
}

#[tokio::test]
async fn skips_a_server_that_is_not_on_the_source() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute3");
    let readiness = readiness(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    let Readiness::Skip(reason) = readiness else {
        panic!("expected skip")
    };
    assert!(reason.contains("compute3"), "{reason}");
    assert_eq!(cloud.server(&id).host, "compute3");
}

#[tokio::test]
async fn refuses_a_disabled_destination() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.set_service_status("compute2", false);
    let error = error(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    let ActionError::Conflict(problem) = error else {
        panic!("expected conflict, got {error:?}")
    };
    assert!(problem.message.contains("disabled"), "{}", problem.message);
}

#[tokio::test]
async fn refuses_a_destination_that_is_down() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.set_service_up("compute2", false);
    let error = error(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    let ActionError::Conflict(problem) = error else {
        panic!("expected conflict, got {error:?}")
    };
    assert!(problem.message.contains("down"), "{}", problem.message);
}

#[tokio::test]
async fn refuses_an_unknown_destination() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let error = error(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute9")),
            )
            .await,
    );
    assert!(matches!(error, ActionError::NotFound(_)), "{error:?}");
}

#[tokio::test]
async fn refuses_live_migration_of_a_shutoff_server() {
    let cloud = Bench::start().await;
    let id = cloud.shutoff_on("compute1");
    let error = error(
        cloud
            .run(
                Phase::PreCondition,
                &live(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    assert!(matches!(error, ActionError::Conflict(_)), "{error:?}");
}

#[tokio::test]
async fn proceeds_with_cold_migration_of_a_shutoff_server() {
    let cloud = Bench::start().await;
    let id = cloud.shutoff_on("compute1");
    let readiness = readiness(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    assert_eq!(readiness, Readiness::Proceed);
}

#[tokio::test]
async fn refuses_a_server_in_error() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(nova_double::Fault::DriverFailure {
        step: nova_double::DriverStep::FinishMigration,
        kind: nova_double::FailureKind::Error,
    });
    assert_eq!(
        cloud
            .nova_action(&id, serde_json::json!({"migrate": {"host": "compute3"}}))
            .await,
        202
    );
    let broken = cloud.until(&id, |s| s.status == "ERROR").await;
    let error = error(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, &broken.host, Some("compute2")),
            )
            .await,
    );
    let ActionError::Conflict(problem) = error else {
        panic!("expected conflict, got {error:?}")
    };
    assert!(problem.message.contains("ERROR"), "{}", problem.message);
}
