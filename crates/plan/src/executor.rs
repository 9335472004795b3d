//! Runs a validated plan as a DAG: the public face of the scheduler.

use std::fmt;
use std::num::NonZeroUsize;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::report::ExecutionReport;
use crate::runner::ActionRunner;
use crate::scheduler::Scheduler;
use crate::state::StateChange;
use crate::validate::ValidatedPlan;

/// A progress callback: called for every state change of every action, in order, from the
/// task that drives the plan (keep it quick; hand slow work to a channel).
pub type StateObserver = Arc<dyn Fn(&StateChange) + Send + Sync>;

/// Runs validated plans on an [`ActionRunner`].
///
/// An action starts once all its parents ended SUCCEEDED or SKIPPED, and at most
/// `max_parallel` actions are ONGOING at once; ready actions start in the order they became
/// ready, roots in plan order. A FAILED action cancels its descendants (they never start)
/// while other branches go on. Cancelling the token passed to [`Executor::run`] starts nothing
/// more (PENDING → CANCELLED) and aborts the actions in flight, as the crate documentation's
/// *Cancellation* section describes step by step.
pub struct Executor<R: ?Sized> {
    runner: Arc<R>,
    max_parallel: NonZeroUsize,
    observer: Option<StateObserver>,
}

impl<R: ActionRunner + ?Sized> Executor<R> {
    /// How many actions run at once unless [`Executor::with_max_parallel`] says otherwise.
    pub const DEFAULT_MAX_PARALLEL: NonZeroUsize = NonZeroUsize::new(4).expect("4 is not zero");

    /// An executor running actions on `runner`, [`Self::DEFAULT_MAX_PARALLEL`] at a time,
    /// without an observer.
    pub fn new(runner: Arc<R>) -> Self {
        Self {
            runner,
            max_parallel: Self::DEFAULT_MAX_PARALLEL,
            observer: None,
        }
    }

    /// The same executor, running at most `max_parallel` actions at once.
    pub fn with_max_parallel(mut self, max_parallel: NonZeroUsize) -> Self {
        self.max_parallel = max_parallel;
        self
    }

    /// The same executor, calling `observer` on every state change.
    pub fn with_observer(
        mut self,
        observer: impl Fn(&StateChange) + Send + Sync + 'static,
    ) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Runs `plan` to its end, or until `cancel` is cancelled and the actions in flight have
    /// been aborted, and reports what every action did.
    ///
    /// Each action runs in its own tokio task (so the runner's work can use every worker
    /// thread); a panicking runner fails only that action. Dropping the returned future aborts
    /// those tasks without calling the runner's `abort`: cancel the token instead.
    pub async fn run(&self, plan: &ValidatedPlan, cancel: &CancellationToken) -> ExecutionReport {
        let observer = self.observer.as_ref();
        let mut scheduler = Scheduler::new(&self.runner, observer, self.max_parallel, plan);
        scheduler.drive(cancel).await;
        scheduler.into_report()
    }
}

impl<R: ?Sized> fmt::Debug for Executor<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("max_parallel", &self.max_parallel)
            .field("observer", &self.observer.is_some())
            .finish_non_exhaustive()
    }
}
