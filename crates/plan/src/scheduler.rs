//! The DAG scheduler: which action starts when, and what a failure or a cancellation does to
//! the rest of the plan. Every state change happens here, so the observer sees them in order.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroUsize;
use std::sync::Arc;

use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::action_task::{Ending, run_action};
use crate::executor::StateObserver;
use crate::report::{ActionReport, ExecutionReport, FailureReport, Totals, millis};
use crate::runner::ActionRunner;
use crate::state::{ActionState, PlanState, StateChange};
use crate::timestamp::Timestamp;
use crate::validate::ValidatedPlan;

const CANCELLED_BEFORE_START: &str = "the plan was cancelled before this action started";

/// One action's report as it fills in, and when it started on the monotonic clock.
struct Slot {
    report: ActionReport,
    started: Option<Instant>,
}

/// The state of one run of a plan.
pub(crate) struct Scheduler<'a, R: ?Sized> {
    runner: &'a Arc<R>,
    observer: Option<&'a StateObserver>,
    max_parallel: usize,
    plan: &'a ValidatedPlan,
    slots: Vec<Slot>,
    /// How many parents of each action have not yet SUCCEEDED or been SKIPPED.
    waiting_on: Vec<usize>,
    ready: VecDeque<usize>,
    tasks: JoinSet<Ending>,
    task_action: HashMap<Id, usize>,
    cancelled: bool,
    started: Instant,
}

impl<'a, R: ActionRunner + ?Sized> Scheduler<'a, R> {
    pub(crate) fn new(
        runner: &'a Arc<R>,
        observer: Option<&'a StateObserver>,
        max_parallel: NonZeroUsize,
        plan: &'a ValidatedPlan,
    ) -> Self {
        let waiting_on = plan.graph().parent_count.clone();
        let ready = (0..waiting_on.len())
            .filter(|&i| waiting_on[i] == 0)
            .collect();
        Self {
            runner,
            observer,
            max_parallel: max_parallel.get(),
            plan,
            slots: plan.actions().map(pending_slot).collect(),
            waiting_on,
            ready,
            tasks: JoinSet::new(),
            task_action: HashMap::new(),
            cancelled: false,
            started: Instant::now(),
        }
    }

    /// Starts what can start, and reacts to every end and to `cancel`, until nothing runs.
    pub(crate) async fn drive(&mut self, cancel: &CancellationToken) {
        self.start_ready(cancel);
        while !self.tasks.is_empty() {
            tokio::select! {
                biased;
                () = cancel.cancelled(), if !self.cancelled => self.cancel_pending(),
                Some(joined) = self.tasks.join_next_with_id() => self.finish(joined),
            }
            self.start_ready(cancel);
        }
        // A validated plan has no action left here unless the plan was cancelled.
        self.cancel_pending_with("its parents never ended");
    }

    pub(crate) fn into_report(self) -> ExecutionReport {
        let actions: Vec<ActionReport> = self.slots.into_iter().map(|slot| slot.report).collect();
        let totals = Totals::of(&actions);
        let all_done = totals.succeeded + totals.skipped == totals.actions;
        let state = if self.cancelled && !all_done {
            PlanState::Cancelled
        } else if totals.failed > 0 {
            PlanState::Failed
        } else {
            PlanState::Succeeded
        };
        ExecutionReport {
            plan_uuid: self.plan.uuid().map(str::to_owned),
            plan_name: self.plan.name().map(str::to_owned),
            state,
            duration_ms: millis(self.started.elapsed()),
            totals,
            actions,
        }
    }

    fn start_ready(&mut self, cancel: &CancellationToken) {
        if cancel.is_cancelled() {
            self.cancel_pending();
            return;
        }
        while self.tasks.len() < self.max_parallel {
            let Some(index) = self.ready.pop_front() else {
                break;
            };
            if self.slots[index].report.state == ActionState::Pending {
                self.start(index, cancel);
            }
        }
    }

    fn start(&mut self, index: usize, cancel: &CancellationToken) {
        self.transition(index, ActionState::Ongoing);
        let slot = &mut self.slots[index];
        slot.started = Some(Instant::now());
        slot.report.started_at = Some(Timestamp::now());
        let task = run_action(
            Arc::clone(self.runner),
            self.plan.shared_action(index),
            cancel.clone(),
        );
        let handle = self.tasks.spawn(task);
        self.task_action.insert(handle.id(), index);
    }

    fn finish(&mut self, joined: Result<(Id, Ending), JoinError>) {
        let (id, ending) = match joined {
            Ok(ended) => ended,
            Err(error) => (error.id(), panicked(error)),
        };
        let Some(index) = self.task_action.remove(&id) else {
            return;
        };
        self.record(index, ending);
        let state = self.slots[index].report.state;
        if state.satisfies_children() {
            self.release_children(index);
        } else {
            self.cancel_descendants(index);
        }
    }

    fn record(&mut self, index: usize, ending: Ending) {
        let slot = &mut self.slots[index];
        let report = &mut slot.report;
        report.finished_at = Some(Timestamp::now());
        report.duration_ms = slot.started.map(|started| millis(started.elapsed()));
        report.summary = ending.summary;
        report.error = ending.error;
        report.skip_reason = ending.skip_reason;
        report.cancel_reason = ending.cancel_reason;
        self.transition(index, ending.state);
    }

    fn release_children(&mut self, index: usize) {
        for &child in &self.plan.graph().children[index] {
            self.waiting_on[child] = self.waiting_on[child].saturating_sub(1);
            if self.waiting_on[child] == 0 {
                self.ready.push_back(child);
            }
        }
    }

    /// Every PENDING descendant of an action that FAILED or was CANCELLED ends CANCELLED.
    fn cancel_descendants(&mut self, index: usize) {
        let ancestor = &self.slots[index].report;
        let reason = match ancestor.state {
            ActionState::Failed => format!("ancestor {} failed", ancestor.uuid),
            _ => format!("ancestor {} was cancelled", ancestor.uuid),
        };
        let mut queue = VecDeque::from([index]);
        while let Some(node) = queue.pop_front() {
            for &child in &self.plan.graph().children[node] {
                if self.slots[child].report.state == ActionState::Pending {
                    self.slots[child].report.cancel_reason = Some(reason.clone());
                    self.transition(child, ActionState::Cancelled);
                    queue.push_back(child);
                }
            }
        }
    }

    /// The plan was cancelled: nothing PENDING will start.
    fn cancel_pending(&mut self) {
        self.cancelled = true;
        self.cancel_pending_with(CANCELLED_BEFORE_START);
    }

    fn cancel_pending_with(&mut self, reason: &str) {
        self.ready.clear();
        for index in 0..self.slots.len() {
            if self.slots[index].report.state == ActionState::Pending {
                self.slots[index].report.cancel_reason = Some(reason.to_owned());
                self.transition(index, ActionState::Cancelled);
            }
        }
    }

    fn transition(&mut self, index: usize, to: ActionState) {
        let report = &mut self.slots[index].report;
        let from = std::mem::replace(&mut report.state, to);
        if let Some(observer) = self.observer {
            observer(&StateChange {
                uuid: report.uuid.clone(),
                action_type: report.action_type.clone(),
                from,
                to,
                at: Timestamp::now(),
            });
        }
    }
}

fn pending_slot(action: &crate::plan::Action) -> Slot {
    Slot {
        report: ActionReport {
            uuid: action.uuid.clone(),
            action_type: action.action_type.clone(),
            state: ActionState::Pending,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            summary: None,
            error: None,
            skip_reason: None,
            cancel_reason: None,
        },
        started: None,
    }
}

/// A runner that panicked fails its action (the task never returned an ending).
fn panicked(error: JoinError) -> Ending {
    let message = match error.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|text| (*text).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the runner panicked".to_owned()),
        Err(error) => format!("the action's task ended abnormally: {error}"),
    };
    Ending::failed(FailureReport {
        step: None,
        kind: "panic".to_owned(),
        message,
    })
}
