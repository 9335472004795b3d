//! The jobs of `serve`: plans (a single action is a plan of one) running on the plugin host,
//! with their live states, final reports and cancellation.

use action_plan::{CancellationToken, ExecutionReport, Executor, ValidatedPlan};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use wasm_action_host::PluginRunner;

/// One submitted plan.
#[derive(Debug)]
pub struct Job {
    id: String,
    states: Mutex<BTreeMap<String, String>>,
    report: Mutex<Option<ExecutionReport>>,
    cancel: CancellationToken,
}

impl Job {
    /// The job's state document, as `GET /v1/plans/{id}` shows it.
    pub fn view(&self) -> Value {
        let report = lock(&self.report).clone();
        let state = match &report {
            Some(report) => report.state.to_string(),
            None if self.cancel.is_cancelled() => "CANCELLING".to_string(),
            None => "ONGOING".to_string(),
        };
        json!({"id": self.id, "state": state, "actions": *lock(&self.states), "report": report})
    }

    /// Asks the job to stop: no new actions, running ones aborted. False when already over.
    pub fn cancel(&self) -> bool {
        if lock(&self.report).is_some() {
            return false;
        }
        self.cancel.cancel();
        true
    }
}

/// Every job of this process, and what they run on.
pub struct Jobs {
    runner: Arc<PluginRunner>,
    max_parallel: NonZeroUsize,
    jobs: Mutex<HashMap<String, Arc<Job>>>,
    running: tokio_util::task::TaskTracker,
}

impl Jobs {
    /// Jobs running on `runner`, each plan at most `max_parallel` actions at a time.
    pub fn new(runner: Arc<PluginRunner>, max_parallel: NonZeroUsize) -> Jobs {
        Jobs {
            runner,
            max_parallel,
            jobs: Mutex::new(HashMap::new()),
            running: tokio_util::task::TaskTracker::new(),
        }
    }

    /// Starts a validated plan; returns its job.
    pub fn start(&self, plan: ValidatedPlan) -> Arc<Job> {
        let id = format!("job-{}", uuid::Uuid::new_v4());
        let states = plan
            .actions()
            .map(|a| (a.uuid.clone(), "PENDING".to_string()))
            .collect();
        let job = Arc::new(Job {
            id: id.clone(),
            states: Mutex::new(states),
            report: Mutex::new(None),
            cancel: CancellationToken::new(),
        });
        lock(&self.jobs).insert(id.clone(), job.clone());
        let watched = job.clone();
        let metrics = self.runner.registry().runtime().metrics().clone();
        let executor = Executor::new(self.runner.clone())
            .with_max_parallel(self.max_parallel)
            .with_observer(move |change| {
                lock(&watched.states).insert(change.uuid.clone(), change.to.to_string());
                if change.to.is_final() {
                    metrics.action_finished(&change.action_type, &change.to.to_string());
                }
            });
        let finished = job.clone();
        self.running.spawn(async move {
            let report = executor.run(&plan, &finished.cancel).await;
            tracing::info!(job = %finished.id, state = %report.state, "job finished");
            *lock(&finished.report) = Some(report);
        });
        tracing::info!(job = %id, "job started");
        job
    }

    /// A job by id.
    pub fn get(&self, id: &str) -> Option<Arc<Job>> {
        lock(&self.jobs).get(id).cloned()
    }

    /// How many jobs are still running.
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// Waits until every running job has finished (no new job may start meanwhile).
    pub async fn drain(&self) {
        self.running.close();
        self.running.wait().await;
    }

    /// Cancels every running job (their running actions are aborted).
    pub fn cancel_all(&self) {
        for job in lock(&self.jobs).values() {
            job.cancel();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
