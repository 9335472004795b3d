//! A whole action plan through Watcher's own applier: `DefaultActionPlanHandler` →
//! `DefaultApplier` → the taskflow workflow engine (parallel, threaded), with the plan and its
//! actions in Watcher's database (SQLite) and notifications on oslo.messaging's fake transport
//! instead of a message bus (`tests/watcher/plan.py`).

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

/// Runs `plan.py` with the venv's Python and returns its report line.
fn run_plan(scenario: &Value) -> Value {
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
    report
}
