//! The contract between the engine and whatever really runs an action (in the CLI, the
//! WebAssembly plugin host): the four steps of Watcher's `BaseAction` (its methods
//! `pre_condition`, `execute`, `post_condition` and `abort`), as boxed futures.
//!
//! Every [`ActionRunner`] method returns a [`BoxFuture`] (`futures_core`'s boxed, sendable
//! future that may borrow for `'a`), so the trait stays object safe (`Arc<dyn ActionRunner>`
//! works).

use futures_core::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::plan::Action;

/// What an action's pre-condition decided: run it, or skip it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The action can run.
    Proceed,
    /// The action has nothing to do (e.g. the server is already elsewhere); it ends SKIPPED with
    /// this reason and its children still run.
    Skip(String),
}

/// Why a step of an action failed: a machine-readable kind (e.g. `conflict`,
/// `migration-failed`) and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct ActionFailure {
    /// The failure's kind, as the plugin names it.
    pub kind: String,
    /// What went wrong, in a sentence.
    pub message: String,
}

impl ActionFailure {
    /// A failure of `kind` saying `message`.
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            message: message.into(),
        }
    }
}

/// The step of an action (one of the [`ActionRunner`] methods) that a failure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// [`ActionRunner::pre_condition`].
    PreCondition,
    /// [`ActionRunner::execute`].
    Execute,
    /// [`ActionRunner::post_condition`].
    PostCondition,
    /// [`ActionRunner::abort`], called when the plan was cancelled during `execute`.
    Abort,
}

impl Step {
    /// The step's name as Watcher spells the method: `pre_condition`, `execute`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PreCondition => "pre_condition",
            Self::Execute => "execute",
            Self::PostCondition => "post_condition",
            Self::Abort => "abort",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Runs the steps of one action; the engine decides when and in which order.
///
/// The engine calls `pre_condition`, then `execute`, then `post_condition`, each at most once
/// per action, and `abort` only while `execute` is in flight and the plan is cancelled. Calls for
/// different actions run concurrently (up to the executor's `max_parallel`).
pub trait ActionRunner: Send + Sync + 'static {
    /// Checks that the action can run: `Ok(Proceed)`, `Ok(Skip(reason))`, or a failure.
    fn pre_condition<'a>(
        &'a self,
        action: &'a Action,
    ) -> BoxFuture<'a, Result<Verdict, ActionFailure>>;

    /// Does the action's work; `Ok` carries a one-line summary of what was done.
    fn execute<'a>(&'a self, action: &'a Action) -> BoxFuture<'a, Result<String, ActionFailure>>;

    /// Checks that the work is really done.
    fn post_condition<'a>(&'a self, action: &'a Action)
    -> BoxFuture<'a, Result<(), ActionFailure>>;

    /// Stops an `execute` in flight; `Ok` carries a summary of what abort did.
    fn abort<'a>(&'a self, action: &'a Action) -> BoxFuture<'a, Result<String, ActionFailure>>;
}
