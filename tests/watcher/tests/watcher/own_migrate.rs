//! Watcher's own `migrate` (`watcher.applier.actions.migration:Migrate`), unchanged, against the
//! doubles: the Keystone double must satisfy keystoneauth, the Nova double openstacksdk.

use serde_json::json;
use watcher_tests::Scenario;
use watcher_tests::driver::{MIGRATION_PHASES, migrate_parameters};

use crate::cloud;

/// Watcher's own action, polling every 0.2 s instead of its default 5 s to keep tests short.
fn own_migrate(cloud: &watcher_tests::DoubleCloud, parameters: serde_json::Value) -> Scenario {
    Scenario::new(cloud)
        .option("nova", "migration_interval", "0.2")
        .action("migrate", parameters)
}

#[test]
fn own_cold_migration_moves_the_server_and_confirms() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let run = own_migrate(
        &cloud,
        migrate_parameters(&id, "cold", "compute1", "compute3"),
    )
    .phases(&MIGRATION_PHASES)
    .run();
    run.assert_migrated();
    cloud.assert_active_on(&id, "compute3");
    let migrations = cloud.migrations_of(&id);
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    assert_eq!(migrations[0].status, "confirmed");
    assert_eq!(migrations[0].migration_type, "migration");
    assert_eq!(cloud.actions_posted(&id), ["migrate", "confirmResize"]);
}

#[test]
fn own_live_migration_moves_the_server() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let run = own_migrate(
        &cloud,
        migrate_parameters(&id, "live", "compute1", "compute2"),
    )
    .phases(&MIGRATION_PHASES)
    .run();
    run.assert_migrated();
    cloud.assert_active_on(&id, "compute2");
    let migrations = cloud.migrations_of(&id);
    assert_eq!(migrations[0].status, "completed");
    assert_eq!(migrations[0].migration_type, "live-migration");
    assert_eq!(cloud.actions_posted(&id), ["os-migrateLive"]);
}

#[test]
fn own_pre_condition_skips_an_unknown_server() {
    let Some(cloud) = cloud() else { return };
    let missing = "8d7a2b7e-7f3c-4a55-9b1e-2f0c5a6d4e11";
    let run = own_migrate(
        &cloud,
        migrate_parameters(missing, "cold", "compute1", "compute3"),
    )
    .phase("pre_condition")
    .run();
    let error = run.raised("pre_condition");
    assert_eq!(
        (error.class.as_str(), error.module.as_str()),
        ("ActionSkipped", "watcher.common.exception")
    );
    assert!(error.message.contains(missing), "{error:?}");
    assert!(cloud.nova.requests().iter().all(|r| r.method == "GET"));
    assert!(cloud.nova.migrations().is_empty());
}

#[test]
fn own_failed_migration_returns_false_without_a_cause_after_its_whole_budget() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    cloud.nova.set_service_status("compute3", false); // after the pre-condition, as in §8
    // A budget of 10 polls of 0.2 s instead of 180 of 5 s (900 s).
    let run = own_migrate(
        &cloud,
        migrate_parameters(&id, "cold", "compute1", "compute3"),
    )
    .option("nova", "migration_max_retries", "10")
    .phase("execute")
    .run();
    run.assert_returned("execute", json!(false));
    let execute = run.phase("execute");
    assert!(
        execute.seconds >= std::time::Duration::from_secs(2),
        "{execute:?}"
    );
    assert_eq!(cloud.migrations_of(&id)[0].status, "error");
    assert_eq!(cloud.server(&id).host, "compute1");
}
