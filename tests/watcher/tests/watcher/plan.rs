//! A whole action plan through Watcher's own applier: `Syncer.sync()` as watcher-applier runs
//! it at start, then `DefaultActionPlanHandler` → `DefaultApplier` → the selected workflow
//! engine (Watcher's taskflow, or our `wasm`: taskflow with plain `migrate` run by the
//! component), parallel and threaded, with the plan and its actions in Watcher's database
//! (SQLite) and notifications on oslo.messaging's fake transport instead of a message bus
//! (`tests/watcher/plan.py`).

use std::process::Command;

use nova_double::{DriverStep, FailureKind, Fault};
use serde_json::{Value, json};
use watcher_tests::driver::migrate_parameters;
use watcher_tests::venv;

use crate::cloud;

#[test]
fn taskflow_runs_a_wasm_migrate_plan_with_parallel_branches_a_skip_and_a_child() {
    let Some(cloud) = cloud() else { return };
    let (a, b, c) = (
        cloud.active_on("compute1"),
        cloud.active_on("compute1"),
        cloud.active_on("compute2"),
    );
    let missing = "0b8a4f0e-5d2b-4c1e-9a3f-7e6d5c4b3a21";
    // a and b move in parallel; c (a child of both) moves after them; the unknown server's
    // action is skipped by its pre-condition and the plan still succeeds.
    let uuids = [
        "a0000000-0000-4000-8000-000000000001",
        "a0000000-0000-4000-8000-000000000002",
        "a0000000-0000-4000-8000-000000000003",
        "a0000000-0000-4000-8000-000000000004",
    ];
    let action = |uuid: &str, parameters: Value, parents: &[&str]| {
        json!({"uuid": uuid, "action_type": "wasm_migrate", "input_parameters": parameters,
               "parents": parents})
    };
    let scenario = json!({
        "cloud": cloud.credentials(),
        "max_workers": 4,
        "actions": [
            action(uuids[0], migrate_parameters(&a, "cold", "compute1", "compute3"), &[]),
            action(uuids[1], migrate_parameters(&b, "live", "compute1", "compute2"), &[]),
            action(uuids[2], migrate_parameters(&c, "cold", "compute2", "compute1"),
                   &[uuids[0], uuids[1]]),
            action(uuids[3], migrate_parameters(missing, "cold", "compute1", "compute3"), &[]),
        ],
    });
    let report = run_plan(&scenario);
    assert_eq!(report["plan"]["state"], "SUCCEEDED", "{report:#}");
    let state = |uuid: &str| {
        let actions = report["actions"].as_array().cloned().unwrap_or_default();
        let action = actions.into_iter().find(|a| a["uuid"] == uuid);
        action.map(|a| (a["state"].clone(), a["status_message"].clone()))
    };
    for uuid in &uuids[..3] {
        assert_eq!(
            state(uuid).map(|s| s.0),
            Some(json!("SUCCEEDED")),
            "{report:#}"
        );
    }
    let (skipped, why) = state(uuids[3]).expect("the fourth action");
    assert_eq!(skipped, "SKIPPED", "{report:#}");
    assert!(
        why.as_str().is_some_and(|m| m.contains("does not exist")),
        "{why}"
    );
    for (id, host) in [(&a, "compute3"), (&b, "compute2"), (&c, "compute1")] {
        cloud.assert_active_on(id, host);
    }
    // The child started only after both parents were done: its migration is the newest record.
    let created = |id: &str| cloud.migrations_of(id)[0].id;
    assert!(created(&c) > created(&a) && created(&c) > created(&b));
}

#[test]
fn taskflow_marks_a_failed_wasm_migrate_failed_with_novas_reason() {
    let Some(cloud) = cloud() else { return };
    let (a, child) = (cloud.active_on("compute1"), cloud.active_on("compute2"));
    // Nova accepts the migration, then the source's driver fails and Nova rolls back.
    cloud.nova.inject(Fault::DriverFailure {
        step: DriverStep::MigrateDiskAndPowerOff,
        kind: FailureKind::Rollback,
    });
    let uuids = [
        "b0000000-0000-4000-8000-000000000001",
        "b0000000-0000-4000-8000-000000000002",
    ];
    let scenario = json!({
        "cloud": cloud.credentials(),
        "actions": [
            {"uuid": uuids[0], "action_type": "wasm_migrate", "parents": [],
             "input_parameters": migrate_parameters(&a, "cold", "compute1", "compute3")},
            {"uuid": uuids[1], "action_type": "wasm_migrate", "parents": [uuids[0]],
             "input_parameters": migrate_parameters(&child, "cold", "compute2", "compute1")},
        ],
    });
    let report = run_plan(&scenario);
    assert_eq!(report["plan"]["state"], "FAILED", "{report:#}");
    let actions = report["actions"].as_array().cloned().unwrap_or_default();
    let find = |uuid: &str| actions.iter().find(|x| x["uuid"] == uuid).cloned();
    let first = find(uuids[0]).expect("the first action");
    assert_eq!(first["state"], "FAILED", "{report:#}");
    let message = first["status_message"].as_str().unwrap_or_default();
    assert!(
        message.contains("execute") && message.contains("migration-failed"),
        "Watcher's record should say why: {message}"
    );
    cloud.assert_active_on(&a, "compute1");
    assert_eq!(cloud.migrations_of(&a)[0].status, "error");
    // Watcher 17's own rule, not ours: with the default execution rule its decider lets the
    // children of a failed action run (it only skips them under the `ANY` rule).
    let child_state = find(uuids[1]).expect("the child")["state"].clone();
    assert_eq!(child_state, "SUCCEEDED", "{report:#}");
    assert_eq!(cloud.server(&child).host, "compute1");
}

/// The engine class the `wasm` entry point loads, and the classes its factory makes.
const WASM_ENGINE: &str = "wasm_action.watcher_engine.WasmWorkFlowEngine";
const SANDBOXED_MIGRATE: &str = "wasm_action.watcher.SandboxedMigrate";
const WATCHERS_MIGRATE: &str = "watcher.applier.actions.migration.Migrate";
const WATCHERS_NOP: &str = "watcher.applier.actions.nop.Nop";
const SANDBOXED_ACTION: &str = "wasm_action.watcher.SandboxedAction";
/// The microversion the migrate component asks Nova for (Watcher's own, through openstacksdk,
/// asks for the highest it shares with Nova: 2.100 on the double).
const COMPONENT_MICROVERSION: &str = "compute 2.80";

/// A plan of a plain `migrate` (cold, compute1 → compute3) of `server` and a `nop` after it.
fn migrate_then_nop(
    cloud: &watcher_tests::DoubleCloud,
    engine: &str,
    server: &str,
    uuids: [&str; 2],
) -> Value {
    json!({
        "cloud": cloud.credentials(),
        "workflow_engine": engine,
        "conf": {"nova": {"migration_interval": "0.2"}},
        "actions": [
            {"uuid": uuids[0], "action_type": "migrate", "parents": [],
             "input_parameters": migrate_parameters(server, "cold", "compute1", "compute3")},
            {"uuid": uuids[1], "action_type": "nop", "parents": [uuids[0]],
             "input_parameters": {"message": "after the migration"}},
        ],
    })
}

#[test]
fn wasm_engine_runs_plain_migrate_and_nop_in_the_sandbox_by_default() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let uuids = [
        "c0000000-0000-4000-8000-000000000001",
        "c0000000-0000-4000-8000-000000000002",
    ];
    let run = run_plan_logged(&migrate_then_nop(&cloud, "wasm", &id, uuids));
    let report = &run.report;
    assert_eq!(report["start"]["error"], Value::Null, "{report:#}");
    assert_eq!(report["engine"], WASM_ENGINE, "{report:#}");
    assert_eq!(report["plan"]["state"], "SUCCEEDED", "{report:#}");
    let migrate = action(report, uuids[0]);
    assert_eq!(
        (
            &migrate["state"],
            &migrate["class"],
            &migrate["reported_type"]
        ),
        (
            &json!("SUCCEEDED"),
            &json!(SANDBOXED_MIGRATE),
            &json!("migrate")
        ),
        "{report:#}"
    );
    // Every type wasm_action ships runs sandboxed unless the `actions` option says otherwise.
    let nop = action(report, uuids[1]);
    assert_eq!(
        (&nop["state"], &nop["class"], &nop["reported_type"]),
        (&json!("SUCCEEDED"), &json!(SANDBOXED_ACTION), &json!("nop")),
        "{report:#}"
    );
    cloud.assert_active_on(&id, "compute3");
    assert_eq!(cloud.actions_posted(&id), ["migrate", "confirmResize"]);
    // The sandbox did it: every request about the server carries the component's microversion,
    // and the component's own log lines are in Watcher's log.
    let requests = cloud.requests_about(&id);
    let versions: Vec<_> = requests
        .iter()
        .map(|r| r.header("openstack-api-version"))
        .collect();
    assert!(
        !versions.is_empty() && versions.iter().all(|v| *v == Some(COMPONENT_MICROVERSION)),
        "{versions:?}"
    );
    let accepted = format!("migrate: Nova accepted migrate of {id} to compute3");
    assert!(
        run.log
            .lines()
            .any(|l| l.contains("wasm_action.plugin") && l.contains(&accepted)),
        "no line of the component's in Watcher's log:\n{}",
        run.log
    );
}

#[test]
fn taskflow_twin_runs_plain_migrate_with_watchers_own_action() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let uuids = [
        "d0000000-0000-4000-8000-000000000001",
        "d0000000-0000-4000-8000-000000000002",
    ];
    let run = run_plan_logged(&migrate_then_nop(&cloud, "taskflow", &id, uuids));
    let report = &run.report;
    assert_eq!(
        report["engine"], "watcher.applier.workflow_engine.default.DefaultWorkFlowEngine",
        "{report:#}"
    );
    assert_eq!(report["plan"]["state"], "SUCCEEDED", "{report:#}");
    let migrate = action(report, uuids[0]);
    assert_eq!(
        (&migrate["state"], &migrate["class"]),
        (&json!("SUCCEEDED"), &json!(WATCHERS_MIGRATE)),
        "{report:#}"
    );
    assert_eq!(
        action(report, uuids[1])["class"],
        WATCHERS_NOP,
        "{report:#}"
    );
    cloud.assert_active_on(&id, "compute3");
    assert_eq!(cloud.actions_posted(&id), ["migrate", "confirmResize"]);
    let requests = cloud.requests_about(&id);
    assert!(
        !requests.is_empty()
            && requests
                .iter()
                .all(|r| r.header("openstack-api-version") != Some(COMPONENT_MICROVERSION)),
        "{requests:?}"
    );
    assert!(!run.log.contains("wasm_action.plugin"), "{}", run.log);
}

#[test]
fn wasm_engine_keeps_the_outcome_rules_for_plain_migrate_a_skip_and_a_failure_with_novas_reason() {
    let Some(cloud) = cloud() else { return };
    let a = cloud.active_on("compute1");
    let missing = "0b8a4f0e-5d2b-4c1e-9a3f-7e6d5c4b3a22";
    // Nova accepts the migration, then the source's driver fails and Nova rolls back.
    cloud.nova.inject(Fault::DriverFailure {
        step: DriverStep::MigrateDiskAndPowerOff,
        kind: FailureKind::Rollback,
    });
    let uuids = [
        "f0000000-0000-4000-8000-000000000001",
        "f0000000-0000-4000-8000-000000000002",
    ];
    let scenario = json!({
        "cloud": cloud.credentials(),
        "workflow_engine": "wasm",
        "actions": [
            {"uuid": uuids[0], "action_type": "migrate", "parents": [],
             "input_parameters": migrate_parameters(&a, "cold", "compute1", "compute3")},
            {"uuid": uuids[1], "action_type": "migrate", "parents": [],
             "input_parameters": migrate_parameters(missing, "cold", "compute1", "compute3")},
        ],
    });
    let report = run_plan(&scenario);
    assert_eq!(report["plan"]["state"], "FAILED", "{report:#}");
    let failed = action(&report, uuids[0]);
    assert_eq!(failed["state"], "FAILED", "{report:#}");
    let message = failed["status_message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Action failed in execute: migrate execute failed (migration-failed)"),
        "Watcher's record should say why, under the type's own name: {message}"
    );
    let skipped = action(&report, uuids[1]);
    assert_eq!(skipped["state"], "SKIPPED", "{report:#}");
    let why = skipped["status_message"].as_str().unwrap_or_default();
    assert!(why.contains("does not exist"), "{why}");
    cloud.assert_active_on(&a, "compute1");
    assert_eq!(cloud.migrations_of(&a)[0].status, "error");
}

/// The `wasm` engine told to run `migrate` with a component file that is not there.
fn missing_component(cloud: &watcher_tests::DoubleCloud, server: &str, start: bool) -> Value {
    let mut scenario = migrate_then_nop(
        cloud,
        "wasm",
        server,
        [
            "e0000000-0000-4000-8000-000000000001",
            "e0000000-0000-4000-8000-000000000002",
        ],
    );
    scenario["conf"]["watcher_workflow_engines.wasm"] =
        json!({"actions": format!("migrate:{MISSING_COMPONENT}")});
    scenario["start"] = json!(start);
    scenario
}

const MISSING_COMPONENT: &str = "/nonexistent/migrate.wasm";
const MISSING_COMPONENT_MESSAGE: &str = "[watcher_workflow_engines.wasm] actions = \
     migrate:/nonexistent/migrate.wasm: no component file /nonexistent/migrate.wasm";

#[test]
fn wasm_engine_with_a_missing_component_file_stops_the_applier_at_start() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    let report = run_plan(&missing_component(&cloud, &id, true));
    let error = &report["start"]["error"];
    assert_eq!(
        (&error["class"], &error["module"], &error["message"]),
        (
            &json!("InvalidOption"),
            &json!("wasm_action.watcher_engine"),
            &json!(MISSING_COMPONENT_MESSAGE)
        ),
        "{report:#}"
    );
    // The applier never took the plan.
    assert_eq!(report["plan"]["state"], "RECOMMENDED", "{report:#}");
    assert_no_action_ran(&cloud, &report);
}

#[test]
fn wasm_engine_loaded_for_a_plan_with_a_bad_option_fails_the_plan_before_any_action() {
    let Some(cloud) = cloud() else { return };
    let id = cloud.active_on("compute1");
    // No start check (as if the option changed after the applier started: Watcher's loader
    // reads the config files again for every plan): the engine itself refuses to load.
    let run = run_plan_logged(&missing_component(&cloud, &id, false));
    let report = &run.report;
    assert_eq!(report["plan"]["state"], "FAILED", "{report:#}");
    assert_no_action_ran(&cloud, report);
    assert!(run.log.contains(MISSING_COMPONENT_MESSAGE), "{}", run.log);
}

/// Every action still PENDING, none made by a factory, and no request reached Nova.
fn assert_no_action_ran(cloud: &watcher_tests::DoubleCloud, report: &Value) {
    for action in report["actions"].as_array().into_iter().flatten() {
        assert_eq!(
            (&action["state"], &action["class"]),
            (&json!("PENDING"), &Value::Null),
            "{report:#}"
        );
    }
    let requests = cloud.nova.requests();
    assert!(requests.is_empty(), "{requests:?}");
}

/// The report's entry for action `uuid`; panics when there is none.
fn action<'a>(report: &'a Value, uuid: &str) -> &'a Value {
    let actions = report["actions"].as_array().into_iter().flatten();
    let mut found = actions.filter(|a| a["uuid"] == uuid);
    found
        .next()
        .unwrap_or_else(|| panic!("no action {uuid}: {report:#}"))
}

/// What `plan.py` reported, and all that Watcher logged.
struct PlanRun {
    report: Value,
    log: String,
}

/// Runs `plan.py` with the venv's Python and returns its report line.
fn run_plan(scenario: &Value) -> Value {
    run_plan_logged(scenario).report
}

/// Runs `plan.py` with the venv's Python and returns its report line and its stderr.
fn run_plan_logged(scenario: &Value) -> PlanRun {
    let python = venv::python().unwrap_or_else(|e| panic!("{e}"));
    let output = Command::new(&python)
        .arg(venv::crate_dir().join("plan.py"))
        .arg(scenario.to_string())
        .current_dir(venv::crate_dir())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run plan.py with {}: {e}", python.display()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().collect();
    let tail = tail[tail.len().saturating_sub(60)..].join("\n");
    assert!(
        output.status.success(),
        "plan.py failed ({}):\n{tail}",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    let mut report: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("plan.py printed no report ({e}): {stdout}\n{tail}"));
    // Watcher's error lines ride along, so that a failed assertion shows why.
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(" ERROR "))
        .take(20)
        .collect();
    report["watcher_errors"] = json!(errors);
    PlanRun {
        report,
        log: stderr.into_owned(),
    }
}
