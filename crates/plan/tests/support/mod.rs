//! A scripted, recording fake runner and plan builders shared by the integration tests.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use action_plan::{
    Action, ActionFailure, ActionRunner, BoxFuture, Plan, ValidatedPlan, Verdict, validate,
};
use tokio::time::{Instant, sleep};

/// How one action behaves in the fake runner.
#[derive(Debug, Clone)]
pub struct Script {
    pub pre: Result<Verdict, ActionFailure>,
    pub pre_takes: Duration,
    pub execute: Result<String, ActionFailure>,
    pub execute_takes: Duration,
    pub post: Result<(), ActionFailure>,
    pub abort: Result<String, ActionFailure>,
    pub abort_takes: Duration,
    pub panics: bool,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            pre: Ok(Verdict::Proceed),
            pre_takes: Duration::ZERO,
            execute: Ok("done".to_owned()),
            execute_takes: Duration::from_millis(100),
            post: Ok(()),
            abort: Ok("stopped".to_owned()),
            abort_takes: Duration::from_millis(10),
            panics: false,
        }
    }
}

/// One runner call: which step of which action, and when (paused tokio clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub step: &'static str,
    pub uuid: String,
    pub at: Instant,
}

/// Plays each action's [`Script`] and records every call and the peak of concurrent executes.
#[derive(Debug, Default)]
pub struct FakeRunner {
    scripts: HashMap<String, Script>,
    calls: Mutex<Vec<Call>>,
    executing: AtomicUsize,
    peak_executing: AtomicUsize,
}

impl FakeRunner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Action `uuid` follows `edit` applied to the default script.
    pub fn with(mut self, uuid: &str, edit: impl FnOnce(&mut Script)) -> Self {
        edit(self.scripts.entry(uuid.to_owned()).or_default());
        self
    }

    pub fn skipping(self, uuid: &str, reason: &str) -> Self {
        self.with(uuid, |s| s.pre = Ok(Verdict::Skip(reason.to_owned())))
    }

    pub fn failing_execute(self, uuid: &str, kind: &str, message: &str) -> Self {
        self.with(uuid, |s| s.execute = Err(ActionFailure::new(kind, message)))
    }

    pub fn taking(self, uuid: &str, execute_takes: Duration) -> Self {
        self.with(uuid, |s| s.execute_takes = execute_takes)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls
            .lock()
            .expect("no test panics while holding the log")
            .clone()
    }

    /// The uuids that had `step` called, in call order.
    pub fn called(&self, step: &str) -> Vec<String> {
        let calls = self.calls();
        calls
            .into_iter()
            .filter(|c| c.step == step)
            .map(|c| c.uuid)
            .collect()
    }

    /// When `step` of `uuid` was (first) recorded.
    pub fn when(&self, step: &str, uuid: &str) -> Instant {
        self.calls()
            .into_iter()
            .find(|c| c.step == step && c.uuid == uuid)
            .map(|c| c.at)
            .unwrap_or_else(|| panic!("{step} of {uuid} was never recorded"))
    }

    /// How many execute futures are alive now (dropped ones are not).
    pub fn executing_now(&self) -> usize {
        self.executing.load(Ordering::SeqCst)
    }

    pub fn peak_executing(&self) -> usize {
        self.peak_executing.load(Ordering::SeqCst)
    }

    fn script(&self, uuid: &str) -> Script {
        self.scripts.get(uuid).cloned().unwrap_or_default()
    }

    fn log(&self, step: &'static str, uuid: &str) {
        let call = Call {
            step,
            uuid: uuid.to_owned(),
            at: Instant::now(),
        };
        self.calls
            .lock()
            .expect("no test panics while holding the log")
            .push(call);
    }
}

/// Counts an execute in flight until dropped, even when the engine drops the future.
struct Executing<'a>(&'a FakeRunner);

impl<'a> Executing<'a> {
    fn enter(runner: &'a FakeRunner) -> Self {
        let now = runner.executing.fetch_add(1, Ordering::SeqCst) + 1;
        runner.peak_executing.fetch_max(now, Ordering::SeqCst);
        Self(runner)
    }
}

impl Drop for Executing<'_> {
    fn drop(&mut self) {
        self.0.executing.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ActionRunner for FakeRunner {
    fn pre_condition<'a>(
        &'a self,
        action: &'a Action,
    ) -> BoxFuture<'a, Result<Verdict, ActionFailure>> {
        Box::pin(async move {
            self.log("pre_condition", &action.uuid);
            let script = self.script(&action.uuid);
            sleep(script.pre_takes).await;
            script.pre
        })
    }

    fn execute<'a>(&'a self, action: &'a Action) -> BoxFuture<'a, Result<String, ActionFailure>> {
        Box::pin(async move {
            self.log("execute", &action.uuid);
            let _executing = Executing::enter(self);
            let script = self.script(&action.uuid);
            sleep(script.execute_takes).await;
            assert!(!script.panics, "scripted panic in {}", action.uuid);
            self.log("executed", &action.uuid);
            script.execute
        })
    }

    fn post_condition<'a>(
        &'a self,
        action: &'a Action,
    ) -> BoxFuture<'a, Result<(), ActionFailure>> {
        Box::pin(async move {
            self.log("post_condition", &action.uuid);
            self.script(&action.uuid).post
        })
    }

    fn abort<'a>(&'a self, action: &'a Action) -> BoxFuture<'a, Result<String, ActionFailure>> {
        Box::pin(async move {
            self.log("abort", &action.uuid);
            let script = self.script(&action.uuid);
            sleep(script.abort_takes).await;
            script.abort
        })
    }
}

/// A plan of `nop` actions, each given as `(uuid, parents)`.
pub fn plan_of(actions: &[(&str, &[&str])]) -> Plan {
    Plan::new(
        actions
            .iter()
            .map(|(uuid, parents)| Action::new(*uuid, "nop").with_parents(parents.iter().copied()))
            .collect(),
    )
}

/// [`plan_of`], validated with every parameter accepted.
pub async fn valid_plan(actions: &[(&str, &[&str])]) -> ValidatedPlan {
    let accept_all = |_: &str, _: &serde_json::Value| Ok(());
    validate(plan_of(actions), &["nop"], &accept_all)
        .await
        .expect("the test plan is valid")
}

/// `n` milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}
