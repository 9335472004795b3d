//! What Nova does after accepting a live migration: pre-checks (synchronous before 2.34),
//! `queued` → `preparing` → `running` → `completed`, with aborts and injected driver failures.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::api::Ctx;
use crate::config::Timings;
use crate::faults::{DriverStep, FailureKind};
use crate::live::LiveRequest;
use crate::state::{Shared, State};

const NO_VALID_HOST: &str = "No valid host was found. There are not enough hosts available.";
const CONDUCTOR_EVENT: &str = "conductor_live_migrate_instance";
const COMPUTE_EVENT: &str = "compute_live_migration";

/// An accepted `os-migrateLive`.
#[derive(Debug)]
pub(crate) struct LiveMigration {
    server_id: String,
    migration_id: u64,
    request_id: String,
    source: String,
    request: LiveRequest,
    /// Set once the pre-checks passed.
    dest: Option<String>,
    abort: Arc<Notify>,
}

impl LiveMigration {
    /// What the API records before the pre-checks: the migration (`accepted`), the
    /// `live-migration` action, and `MIGRATING`/`migrating` on the server.
    pub(crate) fn accept(
        state: &mut State,
        ctx: &Ctx<'_>,
        server_id: &str,
        source: String,
        request: LiveRequest,
    ) -> Self {
        let requester = ctx.auth.requester();
        let migration_id =
            state.new_migration(server_id, &source, "live-migration", "accepted", &requester);
        state.start_action(server_id, "live-migration", ctx.request_id, &requester);
        state.begin_event(server_id, ctx.request_id, CONDUCTOR_EVENT);
        state.update_server(server_id, |s| s.task_state = Some("migrating"));
        let abort = state
            .migration(migration_id)
            .map(|m| m.abort.clone())
            .unwrap_or_default();
        LiveMigration {
            server_id: server_id.to_string(),
            migration_id,
            request_id: ctx.request_id.to_string(),
            source,
            request,
            dest: None,
            abort,
        }
    }

    /// The conductor's checks. On failure the migration is `error` (no destination recorded),
    /// the server `ACTIVE` on the source with no task, and the message says why.
    pub(crate) fn precheck(&mut self, state: &mut State) -> Result<(), String> {
        match destination(state, &self.server_id, &self.source, &self.request) {
            Ok(dest) => {
                state.update_migration(self.migration_id, |m| {
                    m.source_node = Some(self.source.clone());
                    m.dest_compute = Some(dest.clone());
                    m.dest_node = Some(dest.clone());
                });
                self.dest = Some(dest);
                Ok(())
            }
            Err(message) => {
                state.update_server(&self.server_id, |s| s.task_state = None);
                state.set_migration_status(self.migration_id, "error");
                state.finish_event(&self.server_id, &self.request_id, CONDUCTOR_EVENT, false);
                Err(message)
            }
        }
    }
}

/// Where the server may go, as the scheduler and `check_can_live_migrate_destination` decide.
fn destination(
    state: &mut State,
    server_id: &str,
    source: &str,
    request: &LiveRequest,
) -> Result<String, String> {
    let refuse = |forced_message: String| {
        if request.forced {
            forced_message
        } else {
            NO_VALID_HOST.to_string()
        }
    };
    let dest = match &request.host {
        Some(host) if host == source => {
            return Err(refuse(format!(
                "Unable to migrate instance ({server_id}) to current host ({source})."
            )));
        }
        Some(host) if !state.host_available(host) => {
            return Err(refuse(format!(
                "Compute service of {host} is unavailable at this time."
            )));
        }
        Some(host) => host.clone(),
        None => state
            .pick_destination(source)
            .ok_or_else(|| NO_VALID_HOST.to_string())?,
    };
    match state
        .faults
        .take_driver(DriverStep::CheckCanLiveMigrateDestination)
    {
        Some(_) => Err(refuse(format!(
            "Migration pre-check error: injected driver failure in check_can_live_migrate_destination on {dest}"
        ))),
        None => Ok(dest),
    }
}

async fn pause(shared: &Shared, step: impl FnOnce(&Timings) -> Duration) {
    let duration = step(&shared.timings());
    tokio::time::sleep(duration).await;
}

/// Sleeps for the step; true when an abort arrived first.
async fn pause_or_abort(
    shared: &Shared,
    abort: &Notify,
    step: impl FnOnce(&Timings) -> Duration,
) -> bool {
    let duration = step(&shared.timings());
    tokio::select! {
        () = tokio::time::sleep(duration) => false,
        () = abort.notified() => true,
    }
}

/// Runs an accepted live migration to its end.
pub(crate) async fn run(shared: Arc<Shared>, mut job: LiveMigration) {
    pause(&shared, |t| t.live_prepare / 2).await;
    if job.dest.is_none() {
        let checked = job.precheck(&mut shared.lock());
        if checked.is_err() {
            return;
        }
    }
    let dest = job.dest.clone().unwrap_or_default();
    set_phase(&mut shared.lock(), &job, "queued", true);
    if pause_or_abort(&shared, &job.abort, |t| t.live_prepare / 4).await {
        return cancel(&shared, &job).await;
    }
    set_phase(&mut shared.lock(), &job, "preparing", false);
    if pause_or_abort(&shared, &job.abort, |t| t.live_prepare / 4).await {
        return cancel(&shared, &job).await;
    }
    set_phase(&mut shared.lock(), &job, "running", false);
    if pause_or_abort(&shared, &job.abort, |t| t.live_copy).await {
        return cancel(&shared, &job).await;
    }
    let arrived = complete(&mut shared.lock(), &job, &dest);
    if arrived {
        // As in real Nova 34: the server is ACTIVE on the destination a moment before its
        // migration record turns `completed`.
        pause(&shared, |t| t.live_copy / 8).await;
        let mut state = shared.lock();
        state.set_migration_status(job.migration_id, "completed");
        state.finish_event(&job.server_id, &job.request_id, COMPUTE_EVENT, true);
    }
}

fn set_phase(state: &mut State, job: &LiveMigration, status: &'static str, first: bool) {
    state.set_migration_status(job.migration_id, status);
    if first {
        state.finish_event(&job.server_id, &job.request_id, CONDUCTOR_EVENT, true);
        state.begin_event(&job.server_id, &job.request_id, COMPUTE_EVENT);
    }
}

/// An accepted abort: the copy stops and the server stays on the source.
async fn cancel(shared: &Shared, job: &LiveMigration) {
    pause(shared, |t| t.service_step).await;
    let mut state = shared.lock();
    state.update_server(&job.server_id, |s| s.task_state = None);
    state.set_migration_status(job.migration_id, "cancelled");
    state.finish_event(&job.server_id, &job.request_id, COMPUTE_EVENT, true);
}

/// The copy ended: on the destination (true: the record is completed by the caller), or rolled
/// back / failed by an injected driver failure.
fn complete(state: &mut State, job: &LiveMigration, dest: &str) -> bool {
    let (status, ok) = match state.faults.take_driver(DriverStep::LiveMigration) {
        Some(FailureKind::Rollback) => {
            state.update_server(&job.server_id, |s| s.task_state = None);
            ("failed", false)
        }
        Some(FailureKind::Error) => {
            let message = format!(
                "Migration error: injected driver failure in live_migration on {}",
                job.source
            );
            state.update_server(&job.server_id, |s| {
                s.vm_state = "error";
                s.task_state = None;
                s.fault = Some(message);
            });
            ("error", false)
        }
        None => {
            state.update_server(&job.server_id, |s| {
                s.host = dest.to_string();
                s.task_state = None;
            });
            return true;
        }
    };
    state.set_migration_status(job.migration_id, status);
    state.finish_event(&job.server_id, &job.request_id, COMPUTE_EVENT, ok);
    false
}
