//! One action from start to end: pre-condition → execute → post-condition, and abort when the
//! plan is cancelled while `execute` is in flight.
//!
//! How a cancellation affects each step is described in the crate documentation.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::plan::Action;
use crate::report::FailureReport;
use crate::runner::{ActionFailure, ActionRunner, Step, Verdict};
use crate::state::ActionState;

/// How one action ended, as the scheduler records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ending {
    pub(crate) state: ActionState,
    pub(crate) summary: Option<String>,
    pub(crate) error: Option<FailureReport>,
    pub(crate) skip_reason: Option<String>,
    pub(crate) cancel_reason: Option<String>,
}

impl Ending {
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

    pub(crate) fn failed(error: FailureReport) -> Self {
        Self {
            error: Some(error),
            ..Self::ended(ActionState::Failed)
        }
    }

    fn failed_in(step: Step, failure: ActionFailure) -> Self {
        Self::failed(FailureReport::in_step(step, failure))
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

/// Runs `action` through its steps on `runner`, watching `cancel`.
pub(crate) async fn run_action<R: ActionRunner + ?Sized>(
    runner: Arc<R>,
    action: Arc<Action>,
    cancel: CancellationToken,
) -> Ending {
    let verdict = tokio::select! {
        biased;
        () = cancel.cancelled() => {
            return Ending::cancelled("the plan was cancelled during the pre-condition", None);
        }
        verdict = runner.pre_condition(&action) => verdict,
    };
    match verdict {
        Ok(Verdict::Proceed) => {}
        Ok(Verdict::Skip(reason)) => return Ending::skipped(reason),
        Err(failure) => return Ending::failed_in(Step::PreCondition, failure),
    }
    let summary = match execute_or_abort(&*runner, &action, &cancel).await {
        Executed::Finished(Ok(summary)) => summary,
        Executed::Finished(Err(failure)) => return Ending::failed_in(Step::Execute, failure),
        Executed::Aborted(Ok(summary)) => {
            let reason = "the plan was cancelled during execute; aborted";
            return Ending::cancelled(reason, Some(summary));
        }
        Executed::Aborted(Err(failure)) => return Ending::failed_in(Step::Abort, failure),
    };
    match runner.post_condition(&action).await {
        Ok(()) => Ending::succeeded(summary),
        Err(failure) => Ending::failed_in(Step::PostCondition, failure),
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
