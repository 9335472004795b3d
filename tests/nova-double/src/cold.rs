//! What Nova does after accepting a cold migration or a resize (the same conductor and compute
//! path, a resize with a new flavor), a confirm or a revert, step by step with the configured
//! [`Timings`]. Each step locks the state briefly; none holds it while sleeping.

use std::sync::Arc;
use std::time::Duration;

use crate::api::Ctx;
use crate::config::Timings;
use crate::faults::{DriverStep, FailureKind};
use crate::flavors::Flavor;
use crate::state::{Shared, State};

/// An accepted `migrate` or `resize`.
#[derive(Debug, Clone)]
pub(crate) struct ColdMigration {
    server_id: String,
    migration_id: u64,
    request_id: String,
    source: String,
    requested: Option<String>,
    /// A resize (else a migration), and the flavor before and after (the same for a migration).
    resize: bool,
    old_flavor: &'static Flavor,
    new_flavor: &'static Flavor,
}

impl ColdMigration {
    /// Records what the API does before answering 202: the migration record
    /// (`pre-migrating`; type `resize` with a new flavor, else `migration`), the `migrate` or
    /// `resize` action, and `RESIZE`/`resize_prep` on the server.
    pub(crate) fn accept(
        state: &mut State,
        ctx: &Ctx<'_>,
        server_id: &str,
        source: String,
        requested: Option<String>,
        resize_to: Option<&'static Flavor>,
    ) -> Self {
        let requester = ctx.auth.requester();
        let (migration_type, action) = match resize_to {
            Some(_) => ("resize", "resize"),
            None => ("migration", "migrate"),
        };
        let migration_id = state.new_migration(
            server_id,
            &source,
            migration_type,
            "pre-migrating",
            &requester,
        );
        let old_flavor = state
            .migration(migration_id)
            .map_or(crate::flavors::DEFAULT_FLAVOR, |m| m.old_flavor);
        let new_flavor = resize_to.unwrap_or(old_flavor);
        state.update_migration(migration_id, |m| {
            m.source_node = Some(source.clone());
            m.new_flavor = new_flavor;
        });
        state.start_action(server_id, action, ctx.request_id, &requester);
        state.begin_event(server_id, ctx.request_id, "conductor_migrate_server");
        state.begin_event(server_id, ctx.request_id, "cold_migrate");
        state.update_server(server_id, |s| {
            s.settled_vm_state = s.vm_state;
            s.task_state = Some("resize_prep");
        });
        ColdMigration {
            server_id: server_id.to_string(),
            migration_id,
            request_id: ctx.request_id.to_string(),
            source,
            requested,
            resize: resize_to.is_some(),
            old_flavor,
            new_flavor,
        }
    }
}

/// An accepted `confirmResize` or `revertResize`.
#[derive(Debug, Clone)]
pub(crate) struct Settle {
    server_id: String,
    migration_id: u64,
    request_id: String,
}

impl Settle {
    pub(crate) fn start(
        state: &mut State,
        ctx: &Ctx<'_>,
        server_id: &str,
        migration_id: u64,
        action: &'static str,
    ) -> Self {
        state.start_action(server_id, action, ctx.request_id, &ctx.auth.requester());
        Settle {
            server_id: server_id.to_string(),
            migration_id,
            request_id: ctx.request_id.to_string(),
        }
    }
}

async fn pause(shared: &Shared, step: impl FnOnce(&Timings) -> Duration) {
    let duration = step(&shared.timings());
    tokio::time::sleep(duration).await;
}

/// Scheduling, prep, disk copy on the source, finish on the destination, `VERIFY_RESIZE`.
pub(crate) async fn run_migration(shared: Arc<Shared>, job: ColdMigration) {
    let destination = {
        let state = shared.lock();
        match &job.requested {
            Some(host) => Some(host.clone()).filter(|h| state.host_available(h)),
            None if job.resize => state.pick_destination_with_room(&job.source, job.new_flavor),
            None => state.pick_destination(&job.source),
        }
    };
    let Some(dest) = destination else {
        return fail_scheduling(&shared, &job).await;
    };
    begin_prep(&mut shared.lock(), &job, &dest);
    pause(&shared, |t| t.resize_prep).await;
    begin_disk_copy(&mut shared.lock(), &job);
    pause(&shared, |t| t.resize_migrate).await;
    let copied = finish_disk_copy(&mut shared.lock(), &job, &dest);
    if let Err(late) = copied {
        if let Some(late) = late {
            record_fault(&shared, &job, late).await;
        }
        return;
    }
    pause(&shared, |t| t.resize_finish / 2).await;
    shared.lock().update_server(&job.server_id, |s| {
        s.task_state = Some("resize_finish");
        s.flavor = job.new_flavor;
    });
    pause(&shared, |t| t.resize_finish / 2).await;
    let late = finish_resize(&mut shared.lock(), &job, &dest);
    if let Some(late) = late {
        record_fault(&shared, &job, late).await;
    }
}

/// No host can take the server (for a resize also: none has room for the new flavor): back to
/// where it was, migration `error` with no destination, action `Error`.
async fn fail_scheduling(shared: &Shared, job: &ColdMigration) {
    // As in real Nova 34: the migration turns `error` while the server is still RESIZE
    // (resize_prep); the server is back a moment later (≈0.34 s and ≈0.6 s there).
    pause(shared, |t| t.scheduler_failure * 3 / 5).await;
    {
        let mut state = shared.lock();
        state.set_migration_status(job.migration_id, "error");
        state.finish_event(&job.server_id, &job.request_id, "cold_migrate", false);
    }
    pause(shared, |t| t.scheduler_failure * 2 / 5).await;
    let mut state = shared.lock();
    state.update_server(&job.server_id, |s| {
        s.vm_state = s.settled_vm_state;
        s.task_state = None;
    });
    state.finish_event(
        &job.server_id,
        &job.request_id,
        "conductor_migrate_server",
        false,
    );
}

fn begin_prep(state: &mut State, job: &ColdMigration, dest: &str) {
    state.update_migration(job.migration_id, |m| {
        m.dest_compute = Some(dest.to_string());
        m.dest_node = Some(dest.to_string());
        m.dest_host = Some("192.168.0.1".to_string());
    });
    state.finish_event(&job.server_id, &job.request_id, "cold_migrate", true);
    state.finish_event(
        &job.server_id,
        &job.request_id,
        "conductor_migrate_server",
        true,
    );
    state.begin_event(&job.server_id, &job.request_id, "compute_prep_resize");
}

fn begin_disk_copy(state: &mut State, job: &ColdMigration) {
    state.update_server(&job.server_id, |s| s.task_state = Some("resize_migrating"));
    state.set_migration_status(job.migration_id, "migrating");
    state.finish_event(&job.server_id, &job.request_id, "compute_prep_resize", true);
    state.begin_event(&job.server_id, &job.request_id, "compute_resize_instance");
}

/// The disk is copied unless an injected failure says otherwise (`Err`: the migration ended).
fn finish_disk_copy(
    state: &mut State,
    job: &ColdMigration,
    dest: &str,
) -> Result<(), Option<LateFault>> {
    let step = DriverStep::MigrateDiskAndPowerOff;
    if let Some(kind) = state.faults.take_driver(step) {
        let source = job.source.clone();
        return Err(fail(
            state,
            job,
            kind,
            step,
            &source,
            "compute_resize_instance",
        ));
    }
    state.update_server(&job.server_id, |s| {
        s.task_state = Some("resize_migrated");
        s.host = dest.to_string();
    });
    state.set_migration_status(job.migration_id, "post-migrating");
    state.finish_event(
        &job.server_id,
        &job.request_id,
        "compute_resize_instance",
        true,
    );
    state.begin_event(&job.server_id, &job.request_id, "compute_finish_resize");
    Ok(())
}

fn finish_resize(state: &mut State, job: &ColdMigration, dest: &str) -> Option<LateFault> {
    let step = DriverStep::FinishMigration;
    if let Some(kind) = state.faults.take_driver(step) {
        return fail(state, job, kind, step, dest, "compute_finish_resize");
    }
    state.update_server(&job.server_id, |s| {
        s.vm_state = "resized";
        s.task_state = None;
    });
    state.set_migration_status(job.migration_id, "finished");
    state.finish_event(
        &job.server_id,
        &job.request_id,
        "compute_finish_resize",
        true,
    );
    None
}

/// A fault Nova records a moment after the server went to `ERROR` (as real Nova 34 does: it
/// saves `vm_state=error` first, then the fault and the migration's `error` after a placement
/// call), so a client can see `ERROR` with no fault yet.
pub(crate) struct LateFault {
    message: String,
    event: &'static str,
}

/// A driver failure on `host`: a rollback returns the server to the source as it was; an error
/// leaves it in `ERROR` on `host`, its fault and the migration's `error` following as a
/// [`LateFault`].
fn fail(
    state: &mut State,
    job: &ColdMigration,
    kind: FailureKind,
    step: DriverStep,
    host: &str,
    event: &'static str,
) -> Option<LateFault> {
    match kind {
        FailureKind::Rollback => {
            state.update_server(&job.server_id, |s| {
                s.vm_state = s.settled_vm_state;
                s.task_state = None;
                s.host = job.source.clone();
                s.flavor = job.old_flavor;
            });
            state.set_migration_status(job.migration_id, "error");
            state.finish_event(&job.server_id, &job.request_id, event, false);
            None
        }
        FailureKind::Error => {
            // A failed resize keeps (or gets back) its old flavor, as real Nova's does.
            state.update_server(&job.server_id, |s| {
                s.vm_state = "error";
                s.task_state = None;
                s.host = host.to_string();
                s.flavor = job.old_flavor;
            });
            let message = format!(
                "Migration error: injected driver failure in {} on {host}",
                step.driver_method()
            );
            Some(LateFault { message, event })
        }
    }
}

/// Records a [`LateFault`] after a short pause.
async fn record_fault(shared: &Shared, job: &ColdMigration, late: LateFault) {
    pause(shared, |t| t.resize_finish / 4).await;
    let mut state = shared.lock();
    state.update_server(&job.server_id, |s| s.fault = Some(late.message));
    state.set_migration_status(job.migration_id, "error");
    state.finish_event(&job.server_id, &job.request_id, late.event, false);
}

/// `confirmResize`: `VERIFY_RESIZE` for a while, then the original status on the destination.
pub(crate) async fn run_confirm(shared: Arc<Shared>, job: Settle) {
    pause(&shared, |t| t.confirm).await;
    let mut state = shared.lock();
    state.update_server(&job.server_id, |s| {
        s.vm_state = s.settled_vm_state;
        s.task_state = None;
    });
    state.set_migration_status(job.migration_id, "confirmed");
    state.finish_event(
        &job.server_id,
        &job.request_id,
        "compute_confirm_resize",
        true,
    );
}

/// `revertResize`: `REVERT_RESIZE` on the destination (new flavor), then on the source (old
/// flavor), then the original status on the source.
pub(crate) async fn run_revert(shared: Arc<Shared>, job: Settle) {
    pause(&shared, |t| t.revert / 2).await;
    {
        let mut state = shared.lock();
        let back = state
            .migration(job.migration_id)
            .and_then(|m| Some((m.source_compute.clone()?, m.old_flavor)));
        if let Some((source, old_flavor)) = back {
            state.update_server(&job.server_id, |s| {
                s.host = source;
                s.flavor = old_flavor;
            });
        }
        state.finish_event(
            &job.server_id,
            &job.request_id,
            "compute_revert_resize",
            true,
        );
        state.begin_event(
            &job.server_id,
            &job.request_id,
            "compute_finish_revert_resize",
        );
    }
    pause(&shared, |t| t.revert / 2).await;
    let mut state = shared.lock();
    state.update_server(&job.server_id, |s| {
        s.vm_state = s.settled_vm_state;
        s.task_state = None;
    });
    state.set_migration_status(job.migration_id, "reverted");
    state.finish_event(
        &job.server_id,
        &job.request_id,
        "compute_finish_revert_resize",
        true,
    );
}
