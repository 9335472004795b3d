//! Migrations that Nova accepts and then fails, and a Nova that misbehaves.

use crate::harness::*;
use nova_double::{DriverStep, FailureKind, Fault, Timings};
use std::time::Duration;
use wasm_action_host::{ActionError, Phase};

#[tokio::test]
async fn cold_migration_to_disabled_host_fails_early_with_the_migration_status() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.set_service_status("compute3", false);
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    // Detected from Nova's state, not by running out the 30 s deadline (that would be timed-out).
    assert_eq!(failure.migration_status.as_deref(), Some("error"));
    assert_eq!(failure.server_status, "ACTIVE");
    assert_eq!(failure.host.as_deref(), Some("compute1"));
    let after = cloud.server(&id);
    assert_eq!(
        (after.host.as_str(), after.status.as_str()),
        ("compute1", "ACTIVE")
    );
    let migration = &cloud.migrations_of(&id)[0];
    assert_eq!(migration.status, "error");
    assert_eq!(
        failure.migration_uuid.as_deref(),
        Some(migration.uuid.as_str())
    );
}

#[tokio::test]
async fn cold_migration_rolled_back_by_the_driver_fails_with_migration_error() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(Fault::DriverFailure {
        step: DriverStep::MigrateDiskAndPowerOff,
        kind: FailureKind::Rollback,
    });
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(failure.migration_status.as_deref(), Some("error"));
    assert!(failure.request_id.is_some());
    let after = cloud.server(&id);
    assert_eq!(
        (after.host.as_str(), after.status.as_str()),
        ("compute1", "ACTIVE")
    );
}

#[tokio::test]
async fn cold_migration_failing_on_the_destination_reports_the_fault() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(Fault::DriverFailure {
        step: DriverStep::FinishMigration,
        kind: FailureKind::Error,
    });
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(failure.server_status, "ERROR");
    assert_eq!(failure.host.as_deref(), Some("compute2"));
    let fault = failure.fault.expect("Nova's fault is passed on");
    assert!(fault.contains("finish_migration"), "{fault}");
    assert_eq!(cloud.server(&id).status, "ERROR");
    assert_eq!(cloud.migrations_of(&id)[0].status, "error");
}

#[tokio::test]
async fn a_migration_slower_than_the_deadline_is_timed_out() {
    let mut timings = Timings::fast();
    timings.resize_migrate = Duration::from_secs(3);
    let mut cloud = Bench::with_timings(timings).await;
    cloud.call.deadline = Some(Duration::from_millis(500));
    let id = cloud.active_on("compute1");
    let error = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    let ActionError::TimedOut(message) = error else {
        panic!("expected timed-out, got {error:?}")
    };
    assert!(message.contains("VERIFY_RESIZE"), "{message}");
    assert_eq!(
        cloud.server(&id).status,
        "RESIZE",
        "Nova is still at it: nothing was faked"
    );
}

#[tokio::test]
async fn nova_5xx_on_a_mutation_is_an_api_fault_with_status_and_request_id() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(Fault::HttpStatus {
        method: Some("POST".into()),
        path_contains: id.clone(),
        status: 500,
        count: 1,
    });
    let error = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    let ActionError::Api(fault) = error else {
        panic!("expected api, got {error:?}")
    };
    assert_eq!(fault.status, 500);
    assert!(fault.request_id.is_some());
    assert!(cloud.nova.migrations().is_empty());
    assert_eq!(
        cloud.actions_posted(&id),
        vec!["migrate"],
        "a 500 is not sent again"
    );
}

#[tokio::test]
async fn a_503_on_a_read_is_sent_again_by_the_host() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(Fault::HttpStatus {
        method: Some("GET".into()),
        path_contains: id.clone(),
        status: 503,
        count: 2,
    });
    let readiness = readiness(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    assert_eq!(readiness, wasm_action_host::Readiness::Proceed);
    let reads = cloud
        .requests_about(&id)
        .into_iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(reads, 3, "two 503s, then the answer");
}

#[tokio::test]
async fn a_migrate_dropped_before_nova_took_it_is_sent_again_once_nova_shows_nothing() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(Fault::DropConnection {
        method: Some("POST".into()),
        path_contains: "/action".into(),
        count: 1,
    });
    let details = details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(cloud.server(&id).host, "compute2");
    let migrations = cloud.migrations_of(&id);
    assert_eq!(migrations.len(), 1, "one migration in Nova: {migrations:?}");
    assert_eq!(migrations[0].status, "confirmed");
    assert!(
        details.get("http_retries").is_none(),
        "the host never resends a POST"
    );
}

#[tokio::test]
async fn slow_nova_answers_are_waited_for() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(Fault::SlowResponse {
        method: Some("GET".into()),
        path_contains: id.clone(),
        delay: Duration::from_millis(300),
        count: 2,
    });
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(cloud.server(&id).host, "compute2");
}
