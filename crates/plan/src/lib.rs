//! Watcher action plans: parse, validate, and run them as a DAG over an abstract
//! [`ActionRunner`] (the CLI plugs in the WebAssembly plugin host).
//!
//! 1. [`Plan::from_path`] / [`Plan::from_json_str`] read Watcher's JSON: `{"uuid"?, "name"?,
//!    "actions": [{"uuid", "action_type", "input_parameters", "parents"}]}` or a bare array.
//! 2. [`validate`] reports every problem at once (unknown types, parameters the plugin's own
//!    validator rejects, duplicate uuids, missing parents, cycles, an empty plan) and only
//!    then hands out a [`ValidatedPlan`], the one thing an [`Executor`] runs.
//! 3. [`Executor::run`] runs the plan as a DAG, at most `max_parallel` actions at a time, each
//!    through pre-condition → execute → post-condition, and returns an [`ExecutionReport`]
//!    (a table through `Display`, JSON through `serde`). A [`StateObserver`] sees every state
//!    change.
//!
//! # States
//!
//! Watcher's: PENDING → ONGOING → SUCCEEDED | FAILED | SKIPPED | CANCELLED. A pre-condition's
//! `Skip` ends the action SKIPPED, and, as in Watcher, a SKIPPED parent counts as done: its
//! children run. A FAILED action's descendants end CANCELLED without starting; its siblings and
//! unrelated branches go on.
//!
//! # Cancellation
//!
//! Cancelling the [`CancellationToken`] given to [`Executor::run`] starts nothing more (every
//! PENDING action ends CANCELLED) and treats each action in flight by its step:
//! - in its pre-condition: the pre-condition's future is dropped and the action ends CANCELLED,
//!   without an abort, since a pre-condition only looks;
//! - in `execute`: [`ActionRunner::abort`] is called while the `execute` future is still
//!   polled (the plugin's execute usually has to see the abort happen, and a request in flight
//!   should complete); once abort returns, the `execute` future is dropped without waiting,
//!   because abort's answer says where the resource stands and execute could otherwise keep the
//!   plan waiting until its own deadline. The action ends CANCELLED with abort's summary, or
//!   FAILED with abort's error; whatever execute returned meanwhile is ignored;
//! - in its post-condition: the change is made, so the check runs to its end and the action
//!   ends SUCCEEDED or FAILED, as it really did.
//!
//! ```
//! use std::sync::Arc;
//! use action_plan::{
//!     Action, ActionFailure, ActionRunner, ActionState, BoxFuture, CancellationToken, Executor,
//!     Plan, Verdict, validate,
//! };
//!
//! struct Noop;
//! impl ActionRunner for Noop {
//!     fn pre_condition<'a>(&'a self, _: &'a Action) -> BoxFuture<'a, Result<Verdict, ActionFailure>> {
//!         Box::pin(async { Ok(Verdict::Proceed) })
//!     }
//!     fn execute<'a>(&'a self, a: &'a Action) -> BoxFuture<'a, Result<String, ActionFailure>> {
//!         Box::pin(async move { Ok(format!("did {}", a.uuid)) })
//!     }
//!     fn post_condition<'a>(&'a self, _: &'a Action) -> BoxFuture<'a, Result<(), ActionFailure>> {
//!         Box::pin(async { Ok(()) })
//!     }
//!     fn abort<'a>(&'a self, _: &'a Action) -> BoxFuture<'a, Result<String, ActionFailure>> {
//!         Box::pin(async { Ok("nothing to abort".into()) })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), action_plan::PlanError> {
//! let plan = Plan::from_json_str(r#"[
//!     {"uuid": "a", "action_type": "nop"},
//!     {"uuid": "b", "action_type": "nop", "parents": ["a"]}
//! ]"#)?;
//! let accept_all = |_: &str, _: &serde_json::Value| Ok(());
//! let plan = validate(plan, &["nop"], &accept_all).await?;
//! let report = Executor::new(Arc::new(Noop)).run(&plan, &CancellationToken::new()).await;
//! assert_eq!(report.state_of("b"), Some(ActionState::Succeeded));
//! println!("{report}");
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod action_task;
mod error;
mod executor;
mod graph;
mod plan;
mod report;
mod runner;
mod scheduler;
mod state;
mod table;
mod timestamp;
mod validate;

pub use error::PlanError;
pub use executor::{Executor, StateObserver};
pub use futures_core::future::BoxFuture;
pub use plan::{Action, Plan};
pub use report::{ActionReport, ExecutionReport, FailureReport, Totals};
pub use runner::{ActionFailure, ActionRunner, Step, Verdict};
pub use state::{ActionState, PlanState, StateChange};
pub use timestamp::Timestamp;
pub use tokio_util::sync::CancellationToken;
pub use validate::{
    AsyncValidator, ParameterValidator, ValidatedPlan, ValidationIssue, ValidationProblem,
    ValidationReport, validate,
};
