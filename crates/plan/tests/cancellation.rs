//! Cancelling a running plan: nothing new starts, actions in flight are aborted.

mod support;

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;

use action_plan::{ActionFailure, ActionState, CancellationToken, Executor, PlanState, Step};
use support::{FakeRunner, ms, valid_plan};

use ActionState::{Cancelled, Failed};

fn two_at_a_time(runner: &Arc<FakeRunner>) -> Executor<FakeRunner> {
    let two = NonZeroUsize::new(2).expect("2 is not zero");
    Executor::new(Arc::clone(runner)).with_max_parallel(two)
}

/// A token that cancels itself after `delay` on the (paused) tokio clock.
fn cancel_after(delay: Duration) -> CancellationToken {
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        trigger.cancel();
    });
    cancel
}

#[tokio::test(start_paused = true)]
async fn cancellation_stops_new_actions_and_aborts_running_ones() {
    let plan = valid_plan(&[("a", &[]), ("b", &[]), ("c", &["a"]), ("d", &[])]).await;
    let runner = FakeRunner::new()
        .taking("a", Duration::from_secs(10))
        .taking("b", Duration::from_secs(10));
    let runner = Arc::new(runner);
    let report = two_at_a_time(&runner)
        .run(&plan, &cancel_after(ms(1000)))
        .await;
    assert!(
        report.actions.iter().all(|a| a.state == Cancelled),
        "{report}"
    );
    let mut aborted = runner.called("abort");
    aborted.sort();
    assert_eq!(aborted, ["a", "b"]);
    assert_eq!(runner.called("pre_condition"), ["a", "b"]);
    assert!(runner.called("executed").is_empty());
    assert_eq!(
        runner.executing_now(),
        0,
        "execute futures are dropped after abort"
    );
    let a = report.action("a").expect("a is reported");
    assert_eq!(a.summary.as_deref(), Some("stopped"));
    let d = report.action("d").expect("d is reported");
    assert_eq!(
        d.cancel_reason.as_deref(),
        Some("the plan was cancelled before this action started")
    );
    assert_eq!(
        (report.state, report.duration_ms),
        (PlanState::Cancelled, 1010)
    );
}

#[tokio::test(start_paused = true)]
async fn failed_abort_leaves_the_action_failed_with_the_abort_error() {
    let plan = valid_plan(&[("a", &[])]).await;
    let refusal = ActionFailure::new(
        "unsupported",
        "a cold migration still resizing cannot be stopped",
    );
    let runner = FakeRunner::new()
        .taking("a", Duration::from_secs(10))
        .with("a", |s| s.abort = Err(refusal));
    let runner = Arc::new(runner);
    let report = two_at_a_time(&runner)
        .run(&plan, &cancel_after(ms(500)))
        .await;
    let a = &report.actions[0];
    let error = a.error.as_ref().expect("the abort failed");
    assert_eq!(
        (a.state, error.step, error.kind.as_str()),
        (Failed, Some(Step::Abort), "unsupported")
    );
    assert_eq!(report.state, PlanState::Cancelled);
}

#[tokio::test(start_paused = true)]
async fn plan_cancelled_before_it_runs_starts_nothing() {
    let plan = valid_plan(&[("a", &[]), ("b", &["a"])]).await;
    let runner = Arc::new(FakeRunner::new());
    let cancel = CancellationToken::new();
    cancel.cancel();
    let report = two_at_a_time(&runner).run(&plan, &cancel).await;
    assert!(
        report
            .actions
            .iter()
            .all(|a| a.state == Cancelled && a.started_at.is_none())
    );
    assert!(runner.calls().is_empty());
}

#[tokio::test(start_paused = true)]
async fn cancellation_during_pre_condition_cancels_without_abort() {
    let plan = valid_plan(&[("a", &[])]).await;
    let runner = Arc::new(FakeRunner::new().with("a", |s| s.pre_takes = Duration::from_secs(5)));
    let report = two_at_a_time(&runner)
        .run(&plan, &cancel_after(ms(1000)))
        .await;
    assert_eq!(report.actions[0].state, Cancelled);
    assert!(runner.called("abort").is_empty());
    assert!(runner.called("execute").is_empty());
    assert_eq!(report.duration_ms, 1000);
}

#[tokio::test(start_paused = true)]
async fn execute_keeps_running_while_abort_runs_and_abort_decides_the_state() {
    let plan = valid_plan(&[("a", &[])]).await;
    let runner = FakeRunner::new()
        .taking("a", ms(1500))
        .with("a", |s| s.abort_takes = Duration::from_secs(1));
    let runner = Arc::new(runner);
    let report = two_at_a_time(&runner)
        .run(&plan, &cancel_after(ms(1000)))
        .await;
    assert_eq!(
        runner.called("executed"),
        ["a"],
        "execute was still polled during abort"
    );
    assert!(runner.called("post_condition").is_empty());
    assert_eq!(
        (report.actions[0].state, report.duration_ms),
        (Cancelled, 2000)
    );
}
