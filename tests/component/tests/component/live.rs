//! Live migration through `os-migrateLive`.

use crate::harness::*;
use nova_double::{DriverStep, FailureKind, Fault};
use wasm_action_host::{ActionError, Phase};

#[tokio::test]
async fn live_migration_moves_server_and_nova_records_it() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute2");
    let details = details(
        cloud
            .run(Phase::Execute, &live(&id, "compute2", Some("compute3")))
            .await,
    );
    let after = cloud.server(&id);
    assert_eq!(
        (
            after.host.as_str(),
            after.status.as_str(),
            after.task_state.as_deref()
        ),
        ("compute3", "ACTIVE", None)
    );
    let migration = &cloud.migrations_of(&id)[0];
    assert_eq!(
        (migration.migration_type.as_str(), migration.status.as_str()),
        ("live-migration", "completed")
    );
    assert_eq!(details["migration_uuid"], migration.uuid.as_str());
    // The double, like Nova, completes the record just after the server arrives.
    assert_eq!(details["migration_status"], "completed");
    let post = cloud
        .nova
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("a live-migrate request");
    assert_eq!(
        post.body,
        r#"{"os-migrateLive":{"block_migration":"auto","host":"compute3"}}"#
    );
}

#[tokio::test]
async fn live_migration_with_failing_destination_check_fails_early() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute2");
    cloud.nova.inject(Fault::DriverFailure {
        step: DriverStep::CheckCanLiveMigrateDestination,
        kind: FailureKind::Error,
    });
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &live(&id, "compute2", Some("compute1")))
            .await,
    );
    assert_eq!(failure.migration_status.as_deref(), Some("error"));
    assert_eq!(failure.host.as_deref(), Some("compute2"));
    let after = cloud.server(&id);
    assert_eq!(
        (after.host.as_str(), after.status.as_str()),
        ("compute2", "ACTIVE")
    );
}

#[tokio::test]
async fn live_migration_rolled_back_reports_the_failed_migration() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute2");
    cloud.nova.inject(Fault::DriverFailure {
        step: DriverStep::LiveMigration,
        kind: FailureKind::Rollback,
    });
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &live(&id, "compute2", Some("compute1")))
            .await,
    );
    assert_eq!(failure.migration_status.as_deref(), Some("failed"));
    assert_eq!(cloud.server(&id).host, "compute2");
    assert_eq!(cloud.migrations_of(&id)[0].status, "failed");
}

#[tokio::test]
async fn live_migration_to_disabled_host_fails_with_migration_error() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute2");
    cloud.nova.set_service_status("compute1", false);
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &live(&id, "compute2", Some("compute1")))
            .await,
    );
    assert_eq!(failure.migration_status.as_deref(), Some("error"));
    assert_eq!(cloud.server(&id).host, "compute2");
}

#[tokio::test]
async fn live_migration_of_shutoff_server_is_refused_without_a_request() {
    let cloud = Bench::start().await;
    let id = cloud.shutoff_on("compute2");
    let error = error(
        cloud
            .run(Phase::Execute, &live(&id, "compute2", Some("compute1")))
            .await,
    );
    assert!(matches!(error, ActionError::Conflict(_)), "{error:?}");
    assert!(cloud.nova.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(cloud.server(&id).status, "SHUTOFF");
}
