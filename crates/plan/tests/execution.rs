//! Running validated plans as a DAG: order, parallelism, skips and failures.

mod support;

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use action_plan::{ActionFailure, ActionState, CancellationToken, Executor, PlanState, Step};
use support::{FakeRunner, ms, valid_plan};

use ActionState::{Cancelled, Failed, Ongoing, Pending, Skipped, Succeeded};

fn executor(runner: &Arc<FakeRunner>, max_parallel: usize) -> Executor<FakeRunner> {
    let max_parallel = NonZeroUsize::new(max_parallel).expect("tests use a positive bound");
    Executor::new(Arc::clone(runner)).with_max_parallel(max_parallel)
}

fn states(report: &action_plan::ExecutionReport) -> Vec<(&str, ActionState)> {
    report
        .actions
        .iter()
        .map(|a| (a.uuid.as_str(), a.state))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn linear_chain_runs_each_action_after_its_parent_ended() {
    let plan = valid_plan(&[("a", &[]), ("b", &["a"]), ("c", &["b"])]).await;
    let runner = Arc::new(FakeRunner::new());
    let report = executor(&runner, 4)
        .run(&plan, &CancellationToken::new())
        .await;
    assert_eq!(
        states(&report),
        [("a", Succeeded), ("b", Succeeded), ("c", Succeeded)]
    );
    assert_eq!(runner.called("execute"), ["a", "b", "c"]);
    assert!(runner.when("pre_condition", "b") >= runner.when("post_condition", "a"));
    assert!(runner.when("pre_condition", "c") >= runner.when("post_condition", "b"));
    assert_eq!(
        (report.state, report.duration_ms),
        (PlanState::Succeeded, 300)
    );
}

#[tokio::test(start_paused = true)]
async fn diamond_runs_branches_together_and_joins_after_both() {
    let plan = valid_plan(&[("a", &[]), ("b", &["a"]), ("c", &["a"]), ("d", &["b", "c"])]).await;
    let runner = Arc::new(FakeRunner::new().taking("c", ms(300)));
    let report = executor(&runner, 4)
        .run(&plan, &CancellationToken::new())
        .await;
    assert!(report.actions.iter().all(|a| a.state == Succeeded));
    assert_eq!(runner.when("execute", "b"), runner.when("execute", "c"));
    assert!(runner.when("execute", "d") >= runner.when("executed", "c"));
    assert_eq!(report.duration_ms, 100 + 300 + 100);
}

#[tokio::test(start_paused = true)]
async fn plan_with_a_skip_and_a_failure_ends_in_exact_states() {
    // a ─┬─ b (skipped) ─┬─ d ── e (fails) ── f ── h
    //    ├─ c ───────────┘
    //    └─ g
    let plan = valid_plan(&[
        ("a", &[]),
        ("b", &["a"]),
        ("c", &["a"]),
        ("d", &["b", "c"]),
        ("e", &["d"]),
        ("f", &["e"]),
        ("g", &["a"]),
        ("h", &["f"]),
    ])
    .await;
    let runner = FakeRunner::new()
        .skipping("b", "server already on the destination")
        .failing_execute(
            "e",
            "migration-failed",
            "the destination refused the server",
        );
    let runner = Arc::new(runner);
    let report = executor(&runner, 2)
        .run(&plan, &CancellationToken::new())
        .await;
    let expected = [
        ("a", Succeeded),
        ("b", Skipped),
        ("c", Succeeded),
        ("d", Succeeded),
        ("e", Failed),
        ("f", Cancelled),
        ("g", Succeeded),
        ("h", Cancelled),
    ];
    assert_eq!(states(&report), expected);
    assert_eq!(report.state, PlanState::Failed);
    let h = report.action("h").expect("h is reported");
    assert_eq!(h.cancel_reason.as_deref(), Some("ancestor e failed"));
    assert_eq!(h.started_at, None);
    assert_eq!(
        runner.called("pre_condition"),
        ["a", "b", "c", "g", "d", "e"]
    );
}

#[tokio::test(start_paused = true)]
async fn no_more_than_max_parallel_actions_execute_at_once() {
    let uuids = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];
    let actions: Vec<(&str, &[&str])> = uuids.iter().map(|u| (*u, &[][..])).collect();
    let plan = valid_plan(&actions).await;
    let runner = Arc::new(FakeRunner::new());
    let report = executor(&runner, 3)
        .run(&plan, &CancellationToken::new())
        .await;
    assert_eq!(runner.peak_executing(), 3);
    assert_eq!(report.totals.succeeded, 10);
    assert_eq!(report.duration_ms, 4 * 100);
}

#[tokio::test(start_paused = true)]
async fn skipped_parent_still_lets_its_children_run() {
    let plan = valid_plan(&[("a", &[]), ("b", &["a"])]).await;
    let runner = Arc::new(FakeRunner::new().skipping("a", "nothing to do"));
    let report = executor(&runner, 1)
        .run(&plan, &CancellationToken::new())
        .await;
    assert_eq!(states(&report), [("a", Skipped), ("b", Succeeded)]);
    let a = report.action("a").expect("a is reported");
    assert_eq!(a.skip_reason.as_deref(), Some("nothing to do"));
    assert_eq!(runner.called("execute"), ["b"]);
    assert_eq!(report.state, PlanState::Succeeded);
}

#[tokio::test(start_paused = true)]
async fn failure_cancels_descendants_but_not_siblings() {
    let plan = valid_plan(&[
        ("a", &[]),
        ("b", &["a"]),
        ("c", &["a"]),
        ("d", &["b"]),
        ("e", &["c"]),
        ("f", &["d"]),
    ])
    .await;
    let runner = Arc::new(FakeRunner::new().failing_execute("b", "conflict", "host is down"));
    let report = executor(&runner, 4)
        .run(&plan, &CancellationToken::new())
        .await;
    let expected = [
        ("a", Succeeded),
        ("b", Failed),
        ("c", Succeeded),
        ("d", Cancelled),
        ("e", Succeeded),
        ("f", Cancelled),
    ];
    assert_eq!(states(&report), expected);
    let b = report.action("b").expect("b is reported");
    let error = b.error.as_ref().expect("b failed with an error");
    assert_eq!(
        (error.step, error.kind.as_str(), error.message.as_str()),
        (Some(Step::Execute), "conflict", "host is down")
    );
    assert!(
        !runner
            .called("pre_condition")
            .iter()
            .any(|u| u == "d" || u == "f")
    );
}

#[tokio::test(start_paused = true)]
async fn failed_pre_condition_fails_the_action_without_executing_it() {
    let plan = valid_plan(&[("a", &[])]).await;
    let failure = ActionFailure::new("not-found", "no such server");
    let runner = Arc::new(FakeRunner::new().with("a", |s| s.pre = Err(failure)));
    let report = executor(&runner, 1)
        .run(&plan, &CancellationToken::new())
        .await;
    let error = report.actions[0].error.as_ref().expect("a failed");
    assert_eq!(
        (report.actions[0].state, error.step),
        (Failed, Some(Step::PreCondition))
    );
    assert!(runner.called("execute").is_empty());
}

#[tokio::test(start_paused = true)]
async fn failed_post_condition_fails_the_action_after_execute() {
    let plan = valid_plan(&[("a", &[]), ("b", &["a"])]).await;
    let failure = ActionFailure::new("post-condition", "server is not on the destination");
    let runner = Arc::new(FakeRunner::new().with("a", |s| s.post = Err(failure)));
    let report = executor(&runner, 1)
        .run(&plan, &CancellationToken::new())
        .await;
    assert_eq!(states(&report), [("a", Failed), ("b", Cancelled)]);
    let error = report.actions[0].error.as_ref().expect("a failed");
    assert_eq!(error.step, Some(Step::PostCondition));
    assert_eq!(runner.called("executed"), ["a"]);
}

#[tokio::test(start_paused = true)]
async fn observer_sees_every_state_change_in_order() {
    let plan = valid_plan(&[("a", &[]), ("b", &["a"]), ("c", &["b"])]).await;
    let runner = Arc::new(
        FakeRunner::new()
            .skipping("a", "done already")
            .failing_execute("b", "x", "y"),
    );
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let executor = executor(&runner, 1).with_observer(move |change| {
        log.lock().expect("no panic holding the lock").push((
            change.uuid.clone(),
            change.from,
            change.to,
        ));
    });
    executor.run(&plan, &CancellationToken::new()).await;
    let seen = seen.lock().expect("no panic holding the lock").clone();
    let expected = [
        ("a", Pending, Ongoing),
        ("a", Ongoing, Skipped),
        ("b", Pending, Ongoing),
        ("b", Ongoing, Failed),
        ("c", Pending, Cancelled),
    ]
    .map(|(uuid, from, to)| (uuid.to_owned(), from, to));
    assert_eq!(seen, expected);
}

#[tokio::test(start_paused = true)]
async fn panicking_runner_fails_only_its_action() {
    let plan = valid_plan(&[("a", &[]), ("b", &[]), ("c", &["a"])]).await;
    let runner = Arc::new(FakeRunner::new().with("a", |s| s.panics = true));
    let report = executor(&runner, 2)
        .run(&plan, &CancellationToken::new())
        .await;
    assert_eq!(
        states(&report),
        [("a", Failed), ("b", Succeeded), ("c", Cancelled)]
    );
    let error = report.actions[0].error.as_ref().expect("a failed");
    assert_eq!((error.step, error.kind.as_str()), (None, "panic"));
    assert!(
        error.message.contains("scripted panic in a"),
        "{}",
        error.message
    );
}

#[test]
fn running_a_plan_is_a_send_future_usable_from_spawned_tasks() {
    fn assert_send<T: Send>(_: &T) {}
    let executor = Executor::new(Arc::new(FakeRunner::new()));
    let plan = futures_free_block_on_plan();
    let cancel = CancellationToken::new();
    assert_send(&executor.run(&plan, &cancel));
}

fn futures_free_block_on_plan() -> action_plan::ValidatedPlan {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime builds")
        .block_on(valid_plan(&[("a", &[])]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallelism_bound_holds_on_a_multi_threaded_runtime() {
    let uuids = ["1", "2", "3", "4", "5", "6"];
    let actions: Vec<(&str, &[&str])> = uuids.iter().map(|u| (*u, &[][..])).collect();
    let plan = valid_plan(&actions).await;
    let runner = FakeRunner::new();
    let runner = Arc::new(uuids.iter().fold(runner, |r, u| r.taking(u, ms(20))));
    let report = executor(&runner, 2)
        .run(&plan, &CancellationToken::new())
        .await;
    assert_eq!(report.totals.succeeded, 6);
    // Real threads: the bound must hold; whether two overlap depends on the machine's load.
    assert!(
        runner.peak_executing() <= 2,
        "peak {}",
        runner.peak_executing()
    );
}
