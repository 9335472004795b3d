//! Live migration: `os-migrateLive`, in-progress view, abort, and failures.

use std::time::Duration;

use nova_double::{DriverStep, FailureKind, Fault, ServerSpec};

use crate::common::{
    action, get, send, settled, start, start_with, trace, wait_for, wait_for_migration,
};

const AUTO_TO_COMPUTE3: &str =
    r#"{"os-migrateLive": {"host": "compute3", "block_migration": "auto"}}"#;

#[tokio::test]
async fn live_migration_completes_on_destination() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    let answer = action(&nova, &id, "compute 2.30", AUTO_TO_COMPUTE3).await;
    assert_eq!((answer.status, answer.text.as_str()), (202, ""));
    let seen = trace(&nova, &id, settled).await;
    let expected = vec![
        (
            "MIGRATING".to_string(),
            Some("migrating".to_string()),
            "compute2".to_string(),
        ),
        ("ACTIVE".to_string(), None, "compute3".to_string()),
    ];
    assert_eq!(seen, expected);
    let migration = wait_for_migration(&nova, &id, "completed").await;
    assert_eq!(migration.migration_type, "live-migration");
    let listed = get(
        &nova,
        &format!("/os-migrations?instance_uuid={id}"),
        "compute 2.59",
    )
    .await;
    assert_eq!(
        listed.json()["migrations"][0]["dest_host"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn live_migration_async_precheck_failure_marks_migration_error() {
    let nova = start_with(|t| t.live_prepare = Duration::from_secs(1)).await;
    let id = nova.add_server(ServerSpec::active("compute3"));
    let step = DriverStep::CheckCanLiveMigrateDestination;
    nova.inject(Fault::DriverFailure {
        step,
        kind: FailureKind::Error,
    });
    let body = r#"{"os-migrateLive": {"host": "compute1", "block_migration": "auto"}}"#;
    let answer = action(&nova, &id, "compute 2.34", body).await;
    assert_eq!(answer.status, 202);
    assert_eq!(
        nova.server(&id).map(|s| s.status).as_deref(),
        Some("MIGRATING")
    );
    let server = wait_for(&nova, &id, settled).await;
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute3")
    );
    let listed = get(
        &nova,
        &format!("/os-migrations?instance_uuid={id}&migration_type=live-migration"),
        "compute 2.80",
    )
    .await;
    let record = &listed.json()["migrations"][0];
    assert_eq!(record["status"], "error");
    assert_eq!(
        (
            record["dest_compute"].is_null(),
            record["source_node"].is_null()
        ),
        (true, true)
    );
}

#[tokio::test]
async fn live_migration_sync_precheck_failure_is_400_below_2_34() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    nova.set_service_status("compute3", false);
    let answer = action(&nova, &id, "compute 2.30", AUTO_TO_COMPUTE3).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.message(),
        "No valid host was found. There are not enough hosts available."
    );
    let server = nova.server(&id).expect("server");
    assert_eq!(
        (server.status.as_str(), server.task_state),
        ("ACTIVE", None)
    );
    assert_eq!(nova.migrations()[0].status, "error");
}

#[tokio::test]
async fn live_migration_to_unknown_host_is_400() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    let body = r#"{"os-migrateLive": {"host": "no-such-host", "block_migration": "auto"}}"#;
    let answer = action(&nova, &id, "compute 2.30", body).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.message(),
        "Compute host no-such-host could not be found."
    );
}

#[tokio::test]
async fn auto_block_migration_below_2_25_is_400() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    let answer = action(&nova, &id, "compute 2.24", AUTO_TO_COMPUTE3).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.message(),
        "Invalid input for field/attribute block_migration. Value: auto. 'auto' is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"
    );
    let body = r#"{"os-migrateLive": {"host": "compute3", "block_migration": false, "disk_over_commit": false}}"#;
    assert_eq!(action(&nova, &id, "compute 2.24", body).await.status, 202);
}

#[tokio::test]
async fn disk_over_commit_is_rejected_from_2_25() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    let body = r#"{"os-migrateLive": {"host": null, "block_migration": "auto", "disk_over_commit": false}}"#;
    let answer = action(&nova, &id, "compute 2.25", body).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer
            .message()
            .ends_with("Additional properties are not allowed ('disk_over_commit' was unexpected)")
    );
}

#[tokio::test]
async fn live_migration_of_shutoff_server_is_409() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::shutoff("compute2"));
    let body = r#"{"os-migrateLive": {"host": null, "block_migration": "auto"}}"#;
    let answer = action(&nova, &id, "compute 2.30", body).await;
    assert_eq!(answer.status, 409);
    assert_eq!(
        answer.message(),
        format!("Cannot 'os-migrateLive' instance {id} while it is in vm_state stopped")
    );
}

/// A double whose live copy lasts long enough to look at it.
async fn slow_copy() -> nova_double::NovaDouble {
    start_with(|t| t.live_copy = Duration::from_secs(3)).await
}

#[tokio::test]
async fn server_migrations_lists_the_running_live_migration() {
    let nova = slow_copy().await;
    let id = nova.add_server(ServerSpec::active("compute3"));
    action(
        &nova,
        &id,
        "compute 2.30",
        r#"{"os-migrateLive": {"host": null, "block_migration": "auto"}}"#,
    )
    .await;
    let running = wait_for_migration(&nova, &id, "running").await;
    let body = get(&nova, &format!("/servers/{id}/migrations"), "compute 2.80")
        .await
        .json();
    let listed = &body["migrations"][0];
    assert_eq!(listed["id"], running.id);
    assert_eq!(listed["server_uuid"], id.as_str());
    assert_eq!(listed["memory_total_bytes"], serde_json::Value::Null);
    assert_eq!(
        (listed["uuid"].as_str(), listed["project_id"].as_str()),
        (Some(running.uuid.as_str()), Some("admin"))
    );
}

#[tokio::test]
async fn abort_cancels_the_running_live_migration() {
    let nova = slow_copy().await;
    let id = nova.add_server(ServerSpec::active("compute3"));
    action(
        &nova,
        &id,
        "compute 2.30",
        AUTO_TO_COMPUTE3.replace("compute3", "compute1").as_str(),
    )
    .await;
    let running = wait_for_migration(&nova, &id, "running").await;
    let path = format!("/v2.1/servers/{id}/migrations/{}", running.id);
    let headers = [
        ("x-auth-token", "admin:admin"),
        ("openstack-api-version", "compute 2.24"),
    ];
    let answer = send(&nova, "DELETE", &path, &headers, "").await;
    assert_eq!(answer.status, 202);
    let server = wait_for(&nova, &id, settled).await;
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute3")
    );
    wait_for_migration(&nova, &id, "cancelled").await;
}

#[tokio::test]
async fn abort_of_an_unknown_migration_is_404() {
    let nova = slow_copy().await;
    let id = nova.add_server(ServerSpec::active("compute3"));
    action(
        &nova,
        &id,
        "compute 2.30",
        r#"{"os-migrateLive": {"host": null, "block_migration": "auto"}}"#,
    )
    .await;
    wait_for_migration(&nova, &id, "running").await;
    let path = format!("/v2.1/servers/{id}/migrations/999");
    let headers = [
        ("x-auth-token", "admin:admin"),
        ("openstack-api-version", "compute 2.24"),
    ];
    let answer = send(&nova, "DELETE", &path, &headers, "").await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.message(),
        format!("Migration 999 for instance {id} could not be found.")
    );
}

#[tokio::test]
async fn abort_after_completion_is_409() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute2"));
    action(&nova, &id, "compute 2.30", AUTO_TO_COMPUTE3).await;
    let done = wait_for_migration(&nova, &id, "completed").await;
    let path = format!("/v2.1/servers/{id}/migrations/{}", done.id);
    let headers = [
        ("x-auth-token", "admin:admin"),
        ("openstack-api-version", "compute 2.65"),
    ];
    let answer = send(&nova, "DELETE", &path, &headers, "").await;
    assert_eq!(answer.status, 409);
    assert_eq!(
        answer.message(),
        format!("Cannot 'abort live migration' instance {id} while it is in task_state None")
    );
}

#[tokio::test]
async fn live_migration_rollback_marks_migration_failed() {
    let nova = start().await;
    let id = nova.add_server(ServerSpec::active("compute3"));
    let step = DriverStep::LiveMigration;
    nova.inject(Fault::DriverFailure {
        step,
        kind: FailureKind::Rollback,
    });
    let body = r#"{"os-migrateLive": {"host": "compute1", "block_migration": "auto"}}"#;
    assert_eq!(action(&nova, &id, "compute 2.30", body).await.status, 202);
    let migration = wait_for_migration(&nova, &id, "failed").await;
    assert_eq!(migration.dest_compute.as_deref(), Some("compute1"));
    let server = wait_for(&nova, &id, settled).await;
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute3")
    );
}

#[tokio::test]
async fn the_server_arrives_a_moment_before_its_live_migration_completes() {
    let nova = crate::common::start().await;
    nova.set_timings(nova_double::Timings {
        live_copy: Duration::from_millis(800),
        ..nova_double::Timings::fast()
    });
    let id = nova.add_server(ServerSpec::active("compute1"));
    let body = r#"{"os-migrateLive": {"host": "compute2", "block_migration": "auto"}}"#;
    crate::common::action(&nova, &id, "compute 2.80", body).await;
    let arrived = crate::common::wait_for(&nova, &id, |s| {
        s.host == "compute2" && s.task_state.is_none()
    })
    .await;
    assert_eq!(arrived.status, "ACTIVE");
    let record = nova
        .migrations()
        .into_iter()
        .find(|m| m.instance_uuid == id)
        .expect("a record");
    assert_eq!(
        record.status, "running",
        "as in real Nova, the record completes just after"
    );
    crate::common::wait_for_migration(&nova, &id, "completed").await;
}
