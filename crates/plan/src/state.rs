//! Watcher's action and action plan states, and the state changes an observer sees.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::timestamp::Timestamp;

/// An action's state, as Watcher names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionState {
    /// Not started yet.
    Pending,
    /// Its pre-condition, execute or post-condition is running.
    Ongoing,
    /// Executed, and its post-condition held.
    Succeeded,
    /// A step failed (or, after a cancellation, its abort failed).
    Failed,
    /// Never started (the plan was cancelled, or an ancestor failed) or aborted.
    Cancelled,
    /// Its pre-condition found nothing to do; its children still run.
    Skipped,
}

impl ActionState {
    /// The state's name as Watcher spells it: `PENDING`, `ONGOING`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Ongoing => "ONGOING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
            Self::Skipped => "SKIPPED",
        }
    }

    /// Whether the action has ended (nothing will change its state again).
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Ongoing)
    }

    /// Whether children of an action in this state may start: SUCCEEDED, and SKIPPED as in
    /// Watcher (a skipped action's work was already done or not needed).
    pub fn satisfies_children(self) -> bool {
        matches!(self, Self::Succeeded | Self::Skipped)
    }
}

impl fmt::Display for ActionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a whole run of a plan ended, as Watcher names action plan states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PlanState {
    /// No action failed and the plan was not cancelled.
    Succeeded,
    /// At least one action failed, and the plan was not cancelled.
    Failed,
    /// The plan was cancelled and not every action had SUCCEEDED or been SKIPPED by then
    /// (a cancellation that came too late to change anything leaves the plan SUCCEEDED).
    Cancelled,
}

impl PlanState {
    /// The state's name as Watcher spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

impl fmt::Display for PlanState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One action moved from one state to another: what a progress observer receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateChange {
    /// The action's uuid.
    pub uuid: String,
    /// The action's type.
    pub action_type: String,
    /// The state it left.
    pub from: ActionState,
    /// The state it entered.
    pub to: ActionState,
    /// When.
    pub at: Timestamp,
}

impl fmt::Display for StateChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            uuid, from, to, at, ..
        } = self;
        write!(f, "{at} {uuid} ({}): {from} → {to}", self.action_type)
    }
}
