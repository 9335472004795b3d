//! `wasm_migrate` (the component, from the wasm_action wheel) loaded by Watcher's own
//! `ActionFactory`, with Watcher's migrate parameters and Watcher's Keystone options.

use std::time::{Duration, Instant};

use nova_double::Fault;
use serde_json::json;
use watcher_tests::driver::{MIGRATION_PHASES, migrate_parameters};
use watcher_tests::{DoubleCloud, Scenario};

use crate::cloud;

fn wasm_migrate(cloud: &DoubleCloud, parameters: serde_json::Value) -> Scenario {
    Scenario::new(cloud).action("wasm_migrate", parameters)
}

#[test]
fn wasm_cold_migration_moves_the_server_and_confirms() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let run = wasm_migrate(
        &cloud,
        migrate_parameters(&id, "cold", "compute1", "compute3"),
    )
    .phases(&MIGRATION_PHASES)
    .run();
    run.assert_migrated();
    let server = cloud.assert_active_on(&id, "compute3");
    assert_eq!(
        (server.tenant_id.as_str(), server.user_id.as_str()),
        ("demo", "admin")
    );
    let migrations = cloud.migrations_of(&id);
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    assert_eq!(migrations[0].status, "confirmed");
    assert_eq!(cloud.actions_posted(&id), ["migrate", "confirmResize"]);
    let migrate = cloud
        .requests_about(&id)
        .into_iter()
        .find(|r| r.method == "POST");
    let migrate = migrate.expect("a migrate request");
    assert!(migrate.body.contains("compute3"), "{migrate:?}");
    assert!(
        migrate
            .header("openstack-api-version")
            .is_some_and(|v| v != "compute 2.1"),
        "without a microversion Nova ignores the host: {migrate:?}"
    );
}

#[test]
fn wasm_live_migration_moves_the_server() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let run = wasm_migrate(
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
fn wasm_pre_condition_skips_an_unknown_server() {
    let Some(cloud) = cloud() else { return };
    let missing = "8d7a2b7e-7f3c-4a55-9b1e-2f0c5a6d4e11";
    let run = wasm_migrate(
        &cloud,
        migrate_parameters(missing, "cold", "compute1", "compute3"),
    )
    .phases(&MIGRATION_PHASES)
    .run();
    let error = run.raised("pre_condition");
    assert_eq!(
        (error.class.as_str(), error.module.as_str()),
        ("ActionSkipped", "watcher.common.exception")
    );
    assert!(
        run.phases.iter().all(|p| p.phase != "execute"),
        "a skipped action is not executed"
    );
    assert!(cloud.nova.requests().iter().all(|r| r.method == "GET"));
    assert!(cloud.nova.migrations().is_empty());
}

#[test]
fn wasm_failed_migration_raises_within_seconds_and_leaves_the_server_on_its_source() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let parameters = migrate_parameters(&id, "cold", "compute1", "compute3");
    let checked = wasm_migrate(&cloud, parameters.clone())
        .phase("pre_condition")
        .run();
    checked.assert_returned("pre_condition", json!(null));
    // The destination goes away after the pre-condition passed: Nova accepts the migration,
    // then its scheduler finds no valid host and marks the migration `error`.
    cloud.nova.set_service_status("compute3", false);
    let run = wasm_migrate(&cloud, parameters).phase("execute").run();
    let error = run.raised("execute");
    assert_eq!(
        (error.class.as_str(), error.module.as_str()),
        ("ActionExecutionFailure", "watcher.common.exception"),
        "{}",
        run.log_tail()
    );
    // Reported from Nova's own record, not after the action's deadline (900 s) ran out: the
    // message names the failure kind and Nova's migration status. (How soon: the benchmarks.)
    assert!(
        error.message.contains("(migration-failed)") && error.message.contains("error"),
        "{}",
        error.message
    );
    cloud.assert_active_on(&id, "compute1");
    assert_eq!(cloud.migrations_of(&id)[0].status, "error");
    assert_eq!(
        cloud.actions_posted(&id),
        ["migrate"],
        "no confirm, no retry"
    );
}

#[test]
fn wasm_abort_in_verify_resize_from_a_second_thread_reverts_to_the_source() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    // The migrate and the confirmResize that follows it both wait 3 s before Nova handles them,
    // so the server is certainly in VERIFY_RESIZE, unconfirmed, when the abort comes.
    let hold = Duration::from_secs(3);
    cloud.nova.inject(Fault::SlowResponse {
        method: Some("POST".into()),
        path_contains: "/action".into(),
        delay: hold,
        count: 2,
    });
    let mut running = wasm_migrate(
        &cloud,
        migrate_parameters(&id, "cold", "compute1", "compute3"),
    )
    .phase("pre_condition")
    .execute_aborted_on_signal()
    .spawn();
    wait_for_posted(&cloud, &id, "confirmResize");
    assert_eq!(cloud.server(&id).status, "VERIFY_RESIZE");
    running.abort();
    let run = running.wait();
    run.assert_returned("abort", json!(true));
    let execute = run.phase("execute");
    assert!(
        execute.result != json!(true),
        "an aborted execute must not succeed: {execute:?}"
    );
    cloud.assert_active_on(&id, "compute1");
    assert_eq!(cloud.migrations_of(&id)[0].status, "reverted");
    assert!(
        cloud
            .actions_posted(&id)
            .contains(&"revertResize".to_string())
    );
}

#[test]
fn wasm_four_parallel_migrations_from_four_threads_all_succeed() {
    let Some(cloud) = cloud() else { return };
    let servers: Vec<String> = (0..4).map(|_| cloud.active_on("compute1")).collect();
    let destinations = ["compute2", "compute3", "compute2", "compute3"];
    let scenario = servers.iter().zip(destinations).fold(
        Scenario::new(&cloud),
        |scenario, (id, destination)| {
            let parameters = migrate_parameters(id, "cold", "compute1", destination);
            scenario.action("wasm_migrate", parameters)
        },
    );
    let run = scenario.parallel(&MIGRATION_PHASES).run();
    // The four executes overlapped in time: the binding released the GIL.
    let executes: Vec<_> = (0..4).map(|i| run.phase_of(i, "execute")).collect();
    let last_start = executes.iter().map(|p| p.start).max();
    let first_end = executes.iter().map(|p| p.start + p.seconds).min();
    assert!(
        last_start < first_end,
        "the executes ran one after another: {executes:?}"
    );
    for (index, (id, destination)) in servers.iter().zip(destinations).enumerate() {
        let execute = run.phase_of(index, "execute");
        assert!(
            execute.error.is_none() && execute.result == json!(true),
            "action {index}: {execute:?}\n{}",
            run.log_tail()
        );
        cloud.assert_active_on(id, destination);
        assert_eq!(cloud.migrations_of(id)[0].status, "confirmed");
    }
}

/// Waits until Nova has received (not necessarily handled) a `name` action about server `id`.
fn wait_for_posted(cloud: &DoubleCloud, id: &str, name: &str) {
    let started = Instant::now();
    while !cloud.actions_posted(id).iter().any(|a| a == name) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no {name} was posted"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn wasm_abort_with_nothing_to_abort_raises_instead_of_reporting_success() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let run = wasm_migrate(
        &cloud,
        migrate_parameters(&id, "cold", "compute1", "compute3"),
    )
    .phase("abort")
    .run();
    let error = run.raised("abort");
    assert_eq!(
        (error.class.as_str(), error.module.as_str()),
        ("ActionExecutionFailure", "watcher.common.exception")
    );
    assert!(
        error.message.contains("(conflict)") && error.message.contains("nothing to abort"),
        "{}",
        error.message
    );
    assert!(cloud.actions_posted(&id).is_empty(), "nothing was sent");
    assert_eq!(cloud.server(&id).host, "compute1");
}

#[test]
fn wasm_revert_after_execute_migrates_back_to_the_source() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let run = wasm_migrate(
        &cloud,
        migrate_parameters(&id, "cold", "compute1", "compute3"),
    )
    .phases(&["pre_condition", "execute", "revert"])
    .run();
    run.assert_returned("execute", json!(true));
    run.assert_returned("revert", json!(true));
    cloud.assert_active_on(&id, "compute1");
    assert_eq!(
        cloud.actions_posted(&id),
        ["migrate", "confirmResize", "migrate", "confirmResize"]
    );
    let migrations = cloud.migrations_of(&id);
    assert_eq!(migrations.len(), 2, "{migrations:?}");
    assert!(migrations.iter().all(|m| m.status == "confirmed"));
}
