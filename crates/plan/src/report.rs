//! What a run of a plan did: per action and in total, for people (`Display`, a table) and for
//! programs (`serde`).

use serde::Serialize;

use crate::runner::{ActionFailure, Step};
use crate::state::{ActionState, PlanState};
use crate::timestamp::Timestamp;

/// An action's failure as the report records it: the runner's [`ActionFailure`] and the step
/// it came from, or a panic of the runner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureReport {
    /// The step that failed; `None` when the runner panicked. Serialised as `phase`, the key
    /// the JSON report has always used.
    #[serde(rename = "phase")]
    pub step: Option<Step>,
    /// The failure's kind, as the runner named it (`panic` for a panicking runner).
    pub kind: String,
    /// What went wrong.
    pub message: String,
}

impl FailureReport {
    /// The failure `failure` of step `step`.
    pub fn in_step(step: Step, failure: ActionFailure) -> Self {
        Self {
            step: Some(step),
            kind: failure.kind,
            message: failure.message,
        }
    }
}

impl std::fmt::Display for FailureReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.step {
            Some(step) => write!(f, "{step}: {}: {}", self.kind, self.message),
            None => write!(f, "{}: {}", self.kind, self.message),
        }
    }
}

/// What happened to one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionReport {
    /// The action's uuid.
    pub uuid: String,
    /// The action's type.
    pub action_type: String,
    /// Its final state.
    pub state: ActionState,
    /// When it started (became ONGOING); `None` if it never did.
    pub started_at: Option<Timestamp>,
    /// When it ended; `None` if it never started.
    pub finished_at: Option<Timestamp>,
    /// How long it ran, in milliseconds (monotonic clock); `None` if it never started.
    pub duration_ms: Option<u64>,
    /// `execute`'s summary when it succeeded, or `abort`'s when it was aborted.
    pub summary: Option<String>,
    /// Why it failed.
    pub error: Option<FailureReport>,
    /// Why its pre-condition skipped it.
    pub skip_reason: Option<String>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
}

impl ActionReport {
    /// The one-line detail a person wants: the error, skip or cancel reason, or the summary.
    pub fn detail(&self) -> String {
        let detail = if let Some(error) = &self.error {
            error.to_string()
        } else if let Some(reason) = &self.skip_reason {
            format!("skipped: {reason}")
        } else {
            match (&self.cancel_reason, &self.summary) {
                (Some(reason), Some(summary)) => format!("{reason}: {summary}"),
                (Some(text), None) | (None, Some(text)) => text.clone(),
                (None, None) => String::new(),
            }
        };
        detail.replace(['\n', '\r'], " ")
    }
}

/// How many actions ended in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// All actions of the plan.
    pub actions: usize,
    /// SUCCEEDED.
    pub succeeded: usize,
    /// FAILED.
    pub failed: usize,
    /// SKIPPED.
    pub skipped: usize,
    /// CANCELLED.
    pub cancelled: usize,
}

impl Totals {
    /// The totals of these action reports.
    pub fn of(actions: &[ActionReport]) -> Self {
        let count = |state| actions.iter().filter(|a| a.state == state).count();
        Self {
            actions: actions.len(),
            succeeded: count(ActionState::Succeeded),
            failed: count(ActionState::Failed),
            skipped: count(ActionState::Skipped),
            cancelled: count(ActionState::Cancelled),
        }
    }
}

/// What a run of a plan did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecutionReport {
    /// The plan's uuid, when the file named one.
    pub plan_uuid: Option<String>,
    /// The plan's name, when the file named one.
    pub plan_name: Option<String>,
    /// How the run ended.
    pub state: PlanState,
    /// How long the whole run took, in milliseconds.
    pub duration_ms: u64,
    /// How many actions ended in each state.
    pub totals: Totals,
    /// One entry per action, in plan order.
    pub actions: Vec<ActionReport>,
}

impl ExecutionReport {
    /// The report of the action with this uuid.
    pub fn action(&self, uuid: &str) -> Option<&ActionReport> {
        self.actions.iter().find(|action| action.uuid == uuid)
    }

    /// The final state of the action with this uuid.
    pub fn state_of(&self, uuid: &str) -> Option<ActionState> {
        self.action(uuid).map(|action| action.state)
    }
}

/// Milliseconds in `duration`, saturating.
pub(crate) fn millis(duration: std::time::Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
