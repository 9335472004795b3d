//! Both migrate actions, loaded by real Watcher 17, against REAL Nova 34 (the `tests/real-nova`
//! harness: nova-api, conductor, scheduler, compute1..3 on a fake virt driver) behind the
//! harness's real Keystone 30. Each test starts a fresh harness (≈ 6–14 s) and checks what
//! Watcher returned and what real Nova then shows an admin through its API. `REAL_NOVA=0` or
//! `REAL_WATCHER=0` skips them, loudly; a failed setup of either venv fails them.

use real_nova_tests::harness;
use serde_json::{Value, json};
use watcher_tests::driver::{MIGRATION_PHASES, migrate_parameters};
use watcher_tests::{RealCloud, Run, Scenario, venv};

/// A fresh real Nova behind the Keystone double, or `None` (after a loud line) when either
/// suite is disabled.
fn real_cloud() -> Option<RealCloud> {
    if harness::disabled() || venv::disabled() {
        return None;
    }
    Some(RealCloud::start())
}

/// Runs `action` (its name in `watcher_actions`) through all three phases, with Watcher's
/// options `conf` (section, key, value), and checks Watcher's results: `None`, `True`, `None`.
fn migrate(cloud: &RealCloud, action: &str, conf: &[(&str, &str, &str)], parameters: Value) -> Run {
    let scenario = Scenario::with_credentials(cloud.credentials());
    let scenario = conf.iter().fold(scenario, |s, (section, key, value)| {
        s.option(section, key, value)
    });
    let kind = parameters["migration_type"].to_string();
    let run = scenario
        .action(action, parameters)
        .phases(&MIGRATION_PHASES)
        .run();
    run.assert_migrated();
    eprintln!(
        "real Nova, {action} {kind}: execute {:.2} s, driver {:.2} s",
        run.phase("execute").seconds.as_secs_f64(),
        run.wall.as_secs_f64()
    );
    run
}

/// Asserts that real Nova shows server `id` ACTIVE on `destination`, with its id, project and
/// user unchanged from `before`, and one migration record of `kind` in `status`.
fn assert_moved(cloud: &RealCloud, before: &Value, destination: &str, kind: &str, status: &str) {
    let id = before["id"].as_str().unwrap_or_default();
    let after = cloud.server(id);
    assert_eq!(
        (&after["OS-EXT-SRV-ATTR:host"], &after["status"]),
        (&json!(destination), &json!("ACTIVE")),
        "{after}"
    );
    assert_eq!(after["OS-EXT-STS:task_state"], Value::Null, "{after}");
    for key in ["id", "tenant_id", "user_id"] {
        assert_eq!(after[key], before[key], "{key} is unchanged");
    }
    let migrations = cloud.migrations_of(id);
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    assert_eq!(migrations[0]["migration_type"], kind, "{migrations:?}");
    assert_eq!(migrations[0]["status"], status, "{migrations:?}");
    assert_eq!(migrations[0]["dest_compute"], destination, "{migrations:?}");
}

#[test]
fn wasm_cold_migration_on_real_nova_moves_the_server_and_confirms() {
    let Some(cloud) = real_cloud() else { return };
    let id = cloud.server_on("compute1");
    let before = cloud.server(&id);
    let parameters = migrate_parameters(&id, "cold", "compute1", "compute3");
    migrate(&cloud, "wasm_migrate", &[], parameters);
    assert_moved(&cloud, &before, "compute3", "migration", "confirmed");
}

#[test]
fn wasm_live_migration_on_real_nova_moves_the_server() {
    let Some(cloud) = real_cloud() else { return };
    let id = cloud.server_on("compute2");
    let before = cloud.server(&id);
    let parameters = migrate_parameters(&id, "live", "compute2", "compute1");
    migrate(&cloud, "wasm_migrate", &[], parameters);
    assert_moved(&cloud, &before, "compute1", "live-migration", "completed");
}

#[test]
fn own_cold_migration_on_real_nova_moves_the_server_and_confirms() {
    let Some(cloud) = real_cloud() else { return };
    let id = cloud.server_on("compute1");
    let before = cloud.server(&id);
    let parameters = migrate_parameters(&id, "cold", "compute1", "compute3");
    // Watcher polls every 5 s by default (≈ 12 s here); 0.2 s keeps the test short.
    let conf = [("nova", "migration_interval", "0.2")];
    migrate(&cloud, "migrate", &conf, parameters);
    assert_moved(&cloud, &before, "compute3", "migration", "confirmed");
}
