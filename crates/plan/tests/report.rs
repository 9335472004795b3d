//! The execution report as JSON and as a table.

mod support;

use std::num::NonZeroUsize;
use std::sync::Arc;

use action_plan::{CancellationToken, ExecutionReport, Executor, validate};
use serde_json::{Value, json};
use support::{FakeRunner, ms, plan_of};

/// a succeeds (250 ms), b is skipped, c fails in execute, d is cancelled because of c.
async fn mixed_report() -> ExecutionReport {
    let mut plan = plan_of(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("d", &["c"])]);
    plan.uuid = Some("plan-1".to_owned());
    plan.name = Some("rebalance".to_owned());
    let accept_all = |_: &str, _: &Value| Ok(());
    let plan = validate(plan, &["nop"], &accept_all)
        .await
        .expect("the plan is valid");
    let runner = FakeRunner::new()
        .taking("a", ms(250))
        .with("a", |s| {
            s.execute = Ok("migrated s-1 to compute3".to_owned())
        })
        .skipping("b", "server already on compute3")
        .failing_execute("c", "migration-failed", "Nova put the server in ERROR");
    let one = NonZeroUsize::new(1).expect("1 is not zero");
    let executor = Executor::new(Arc::new(runner)).with_max_parallel(one);
    executor.run(&plan, &CancellationToken::new()).await
}

#[tokio::test(start_paused = true)]
async fn report_json_has_watcher_states_errors_and_totals() {
    let report = mixed_report().await;
    let mut json = serde_json::to_value(&report).expect("a report serialises");
    for action in json["actions"].as_array_mut().expect("actions is an array") {
        for field in ["started_at", "finished_at"] {
            if let Some(at) = action[field].as_str() {
                assert!(
                    at.len() == 24 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
                    "{at}"
                );
                action[field] = json!("<time>");
            }
        }
    }
    let expected = json!({
        "plan_uuid": "plan-1", "plan_name": "rebalance", "state": "FAILED", "duration_ms": 350,
        "totals": {"actions": 4, "succeeded": 1, "failed": 1, "skipped": 1, "cancelled": 1},
        "actions": [
            {"uuid": "a", "action_type": "nop", "state": "SUCCEEDED", "started_at": "<time>",
             "finished_at": "<time>", "duration_ms": 250, "summary": "migrated s-1 to compute3",
             "error": null, "skip_reason": null, "cancel_reason": null},
            {"uuid": "b", "action_type": "nop", "state": "SKIPPED", "started_at": "<time>",
             "finished_at": "<time>", "duration_ms": 0, "summary": null, "error": null,
             "skip_reason": "server already on compute3", "cancel_reason": null},
            {"uuid": "c", "action_type": "nop", "state": "FAILED", "started_at": "<time>",
             "finished_at": "<time>", "duration_ms": 100, "summary": null,
             "error": {"phase": "execute", "kind": "migration-failed",
                       "message": "Nova put the server in ERROR"},
             "skip_reason": null, "cancel_reason": null},
            {"uuid": "d", "action_type": "nop", "state": "CANCELLED", "started_at": null,
             "finished_at": null, "duration_ms": null, "summary": null, "error": null,
             "skip_reason": null, "cancel_reason": "ancestor c failed"}
        ]
    });
    assert_eq!(json, expected);
}

#[tokio::test(start_paused = true)]
async fn table_aligns_columns_and_ends_with_totals() {
    let table = mixed_report().await.to_table();
    let expected = "\
UUID  TYPE  STATE      DURATION  DETAIL
a     nop   SUCCEEDED    0.25 s  migrated s-1 to compute3
b     nop   SKIPPED      0.00 s  skipped: server already on compute3
c     nop   FAILED       0.10 s  execute: migration-failed: Nova put the server in ERROR
d     nop   CANCELLED         -  ancestor c failed
4 actions: 1 succeeded, 1 failed, 1 skipped, 1 cancelled; plan FAILED in 0.35 s";
    assert_eq!(table, expected);
}

#[tokio::test(start_paused = true)]
async fn state_changes_print_as_one_line_each() {
    let report = mixed_report().await;
    let change = action_plan::StateChange {
        uuid: "a".to_owned(),
        action_type: "migrate".to_owned(),
        from: action_plan::ActionState::Ongoing,
        to: action_plan::ActionState::Succeeded,
        at: action_plan::Timestamp(std::time::UNIX_EPOCH),
    };
    assert_eq!(
        change.to_string(),
        "1970-01-01T00:00:00.000Z a (migrate): ONGOING → SUCCEEDED"
    );
    assert_eq!(report.to_string(), report.to_table());
}
