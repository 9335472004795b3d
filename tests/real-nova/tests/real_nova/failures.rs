//! Migrations that real Nova accepts (202) and then fails.

use crate::nova::*;
use crate::real_nova;
use serde_json::json;
use wasm_action_host::Phase;

#[tokio::test]
async fn cold_migration_to_disabled_host_fails_with_migration_error() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    cloud.disable_compute("compute3").await;
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    // Seen from Nova's state, not by running out the deadline (that would be timed-out).
    assert_eq!(failure.migration_status.as_deref(), Some("error"));
    assert_eq!(failure.server_status, "ACTIVE");
    assert_eq!(failure.host.as_deref(), Some("compute1"));
    assert!(failure.request_id.is_some(), "{failure:?}");
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute1".into(), "ACTIVE".into())
    );
    let migrations = cloud.migrations_of(&id).await;
    assert_eq!(migrations[0]["status"], "error");
    assert_eq!(
        failure.migration_uuid.as_deref(),
        migrations[0]["uuid"].as_str()
    );
}

#[tokio::test]
async fn cold_migration_rolled_back_by_the_driver_fails_with_migration_error() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    cloud
        .inject(json!({"fail": ["migrate_disk_and_power_off:rollback#1"]}))
        .await;
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(failure.migration_status.as_deref(), Some("error"));
    assert_eq!(failure.server_status, "ACTIVE");
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute1".into(), "ACTIVE".into())
    );
    let migrations = cloud.migrations_of(&id).await;
    assert_eq!(migrations[0]["status"], "error");
    assert_eq!(migrations[0]["dest_compute"], "compute2");
}

#[tokio::test]
async fn cold_migration_failing_on_the_destination_reports_error_and_fault() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    cloud
        .inject(json!({"fail": ["finish_migration:error#1"]}))
        .await;
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(failure.server_status, "ERROR");
    assert_eq!(failure.host.as_deref(), Some("compute2"));
    let after = cloud.server(&id).await;
    assert_eq!(placement(&after), ("compute2".into(), "ERROR".into()));
    assert_eq!(after["fault"]["code"], 500);
    let nova_fault = "Migration error: injected driver failure in finish_migration on compute2";
    assert_eq!(after["fault"]["message"], nova_fault);
    assert!(
        after["fault"]["created"].is_string(),
        "Nova dates its faults"
    );
    assert!(
        after["fault"]["details"].is_string(),
        "and shows admins their details"
    );
    // Nova saves ERROR before the fault (after a placement call, in @wrap_instance_fault); the
    // action reads the server again until the fault is there, so it always carries Nova's.
    assert_eq!(failure.fault.as_deref(), Some(nova_fault));
    assert_eq!(cloud.migrations_of(&id).await[0]["status"], "error");
}

#[tokio::test]
async fn live_migration_rolled_back_by_the_driver_reports_the_failed_migration() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute2");
    cloud
        .inject(json!({"fail": ["live_migration:rollback#1"]}))
        .await;
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &live(&id, "compute2", Some("compute3")))
            .await,
    );
    assert_eq!(failure.migration_status.as_deref(), Some("failed"));
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute2".into(), "ACTIVE".into())
    );
    let migrations = cloud.migrations_of(&id).await;
    assert_eq!(migrations[0]["migration_type"], "live-migration");
    assert_eq!(migrations[0]["status"], "failed");
}

#[tokio::test]
async fn live_migration_failing_the_destination_check_fails_with_migration_error() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute2");
    cloud
        .inject(json!({"fail": ["check_can_live_migrate_destination#1"]}))
        .await;
    let failure = migration_failure(
        cloud
            .run(Phase::Execute, &live(&id, "compute2", Some("compute3")))
            .await,
    );
    // At 2.34+ the pre-checks run after the 202: the failure shows on the migration record.
    assert_eq!(failure.migration_status.as_deref(), Some("error"));
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute2".into(), "ACTIVE".into())
    );
    let migrations = cloud.migrations_of(&id).await;
    assert_eq!(migrations[0]["migration_type"], "live-migration");
    assert_eq!(migrations[0]["status"], "error");
}
