//! One action from start to end: pre-condition → execute → post-condition, and abort when the
//! plan is cancelled while `execute` is in flight.
//!
//! How a cancellation affects each phase is described in the crate documentation.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::plan::Action;
use crate::report::ActionError;
use crate::runner::{ActionFailure, ActionRunner, Phase, Readiness};
use crate::state::ActionState;

/// How one action ended, as the scheduler records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub(crate) state: ActionState,
    pub(crate) summary: Option<String>,
    pub(crate) error: Option<ActionError>,
    pub(crate) skip_reason: Option<String>,
    pub(crate) cancel_reason: Option<String>,
}

impl Outcome {
    fn ended(state: ActionState) -> Self {
        Self {
            state,
            summary: None,
            error: None,
            skip_reason: None,
            cancel_reason: None,
        }
    }

    fn succeeded(summary: String) -> Self {
        Self {
            summary: Some(summary),
            ..Self::ended(ActionState::Succeeded)
        }
    }

    pub(crate) fn failed(error: ActionError) -> Self {
        Self {
            error: Some(error),
            ..Self::ended(ActionState::Failed)
        }
    }

    fn failed_in(phase: Phase, failure: ActionFailure) -> Self {
        Self::failed(ActionError::in_phase(phase, failure))
    }

    fn skipped(reason: String) -> Self {
        Self {
            skip_reason: Some(reason),
            ..Self::ended(ActionState::Skipped)
        }
    }

    fn cancelled(reason: &str, summary: Option<String>) -> Self {
        Self {
            summary,
            cancel_reason: Some(reason.to_owned()),
            ..Self::ended(ActionState::Cancelled)
        }
    }
}

/// How `execute` ended: by itself, or through an abort after a cancellation.
enum Executed {
    Finished(Result<String, ActionFailure>),
    Aborted(Result<String, ActionFailure>),
}

/// Runs `action` through its phases on `runner`, watching `cancel`.
pub(crate) async fn run_action<R: ActionRunner + ?Sized>(
    runner: Arc<R>,
    action: Arc<Action>,
    cancel: CancellationToken,
) -> Outcome {
    let readiness = tokio::select! {
        biased;
        () = cancel.cancelled() => {
            return Outcome::cancelled("the plan was cancelled during the pre-condition", None);
        }
        readiness = runner.pre_condition(&action) => readiness,
    };
    match readiness {
        Ok(Readiness::Proceed) => {}
        Ok(Readiness::Skip(reason)) => return Outcome::skipped(reason),
        Err(failure) => return Outcome::failed_in(Phase::PreCondition, failure),
    }
    let summary = match execute_or_abort(&*runner, &action, &cancel).await {
        Executed::Finished(Ok(summary)) => summary,
        Executed::Finished(Err(failure)) => return Outcome::failed_in(Phase::Execute, failure),
        Executed::Aborted(Ok(summary)) => {
            let reason = "the plan was cancelled during execute; aborted";
            return Outcome::cancelled(reason, Some(summary));
        }
        Executed::Aborted(Err(failure)) => return Outcome::failed_in(Phase::Abort, failure),
    };
    match runner.post_condition(&action).await {
        Ok(()) => Outcome::succeeded(summary),
        Err(failure) => Outcome::failed_in(Phase::PostCondition, failure),
    }
}

/// `execute`, or, once `cancel` fires, `abort` while `execute` keeps being polled.
async fn execute_or_abort<R: ActionRunner + ?Sized>(
    runner: &R,
    action: &Action,
    cancel: &CancellationToken,
) -> Executed {
    let mut execute = runner.execute(action);
    tokio::select! {
        biased;
        result = &mut execute => return Executed::Finished(result),
        () = cancel.cancelled() => {}
    }
    let mut abort = runner.abort(action);
    let mut execute_ended = false;
    loop {
        tokio::select! {
            biased;
            result = &mut abort => return Executed::Aborted(result),
            _ = &mut execute, if !execute_ended => execute_ended = true,
        }
    }
}
