//! `shelve`, `shelveOffload` and `unshelve`, as real Nova 34 does them with its default `shelved_offload_time = 0`
//! (recorded in `recordings/server-actions-34.md`): a shelved server is offloaded at once and
//! loses its host; unshelving schedules it onto a host again and starts it. Checks: schema 400
//! (unshelve, by microversion) → server 404 → state 409; any token of the server's project may
//! do both. Neither creates a migration record.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::api::{ApiError, Ctx, Reply, check_state};
use crate::config::Timings;
use crate::faults::DriverStep;
use crate::schema::{has_required, no_additional, type_error};
use crate::state::{Shared, State};

/// The request a background step belongs to.
#[derive(Debug, Clone)]
struct Job {
    server_id: String,
    request_id: String,
}

async fn pause(shared: &Shared, step: impl FnOnce(&Timings) -> Duration) {
    let duration = step(&shared.timings());
    tokio::time::sleep(duration).await;
}

/// `{"shelve": …}` (Nova accepts any value): 202, then `shelving` → `SHELVED` /
/// `shelving_offloading` → `SHELVED_OFFLOADED`, and a moment later no host.
pub(crate) fn shelve(ctx: &Ctx<'_>, shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    let from = ["active", "stopped", "paused", "suspended"];
    check_state(server, "shelve", &from, &[None])?;
    state.update_server(id, |s| {
        s.settled_vm_state = s.vm_state;
        s.task_state = Some("shelving");
    });
    state.start_action(id, "shelve", ctx.request_id, &ctx.auth.requester());
    state.begin_event(id, ctx.request_id, "compute_shelve_instance");
    drop(state);
    let job = Job {
        server_id: id.to_string(),
        request_id: ctx.request_id.to_string(),
    };
    tokio::spawn(run_shelve(shared.clone(), job));
    Ok(Reply::accepted())
}

/// Power off and snapshot, then offload; a [`DriverStep::Snapshot`] failure puts the server
/// back as it was (no task), its action `Error`.
async fn run_shelve(shared: Arc<Shared>, job: Job) {
    const EVENT: &str = "compute_shelve_instance";
    pause(&shared, |t| t.shelve).await;
    {
        let mut state = shared.lock();
        if state.faults.take_driver(DriverStep::Snapshot).is_some() {
            state.update_server(&job.server_id, |s| {
                s.vm_state = s.settled_vm_state;
                s.task_state = None;
            });
            state.finish_event(&job.server_id, &job.request_id, EVENT, false);
            return;
        }
        state.update_server(&job.server_id, |s| {
            s.vm_state = "shelved";
            s.task_state = Some("shelving_offloading");
            s.power_state = 4;
        });
    }
    offload(&shared, &job, EVENT).await;
}

/// `SHELVED`/`shelving_offloading` → `SHELVED_OFFLOADED`, then no host; `event` succeeds.
async fn offload(shared: &Shared, job: &Job, event: &'static str) {
    pause(shared, |t| t.shelve_offload).await;
    shared.lock().update_server(&job.server_id, |s| {
        s.vm_state = "shelved_offloaded";
        s.settled_vm_state = "shelved_offloaded";
        s.task_state = None;
    });
    // Nova clears host and node only after updating the resource tracker and placement.
    pause(shared, |t| t.shelve_offload / 4).await;
    let mut state = shared.lock();
    state.update_server(&job.server_id, |s| s.host.clear());
    state.finish_event(&job.server_id, &job.request_id, event, true);
}

/// `{"shelveOffload": …}`: only a `SHELVED` server with no task may be offloaded; with
/// `shelved_offload_time = 0` a server never rests there, so in practice this is the 409
/// real Nova gave (`… while it is in vm_state shelved_offloaded` / `active`).
pub(crate) fn shelve_offload(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
) -> Result<Reply, ApiError> {
    const EVENT: &str = "compute_shelve_offload_instance";
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    check_state(server, "shelveOffload", &["shelved"], &[None])?;
    state.update_server(id, |s| s.task_state = Some("shelving_offloading"));
    state.start_action(id, "shelveOffload", ctx.request_id, &ctx.auth.requester());
    state.begin_event(id, ctx.request_id, EVENT);
    drop(state);
    let job = Job {
        server_id: id.to_string(),
        request_id: ctx.request_id.to_string(),
    };
    let shared = shared.clone();
    tokio::spawn(async move { offload(&shared, &job, EVENT).await });
    Ok(Reply::accepted())
}

/// `{"unshelve": …}`: 202, then `unshelving` (no host) → `spawning` (no host, then the chosen
/// host) → `ACTIVE` (also for a server that was `SHUTOFF` when shelved).
pub(crate) fn unshelve(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    value: &Value,
) -> Result<Reply, ApiError> {
    let requested = requested_host(ctx, value)?;
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    check_state(
        server,
        "unshelve",
        &["shelved", "shelved_offloaded"],
        &[None],
    )?;
    if let Some(host) = requested.as_deref().filter(|h| state.host(h).is_none()) {
        return Err(ApiError::bad_request(format!(
            "Compute host {host} could not be found."
        )));
    }
    state.update_server(id, |s| s.task_state = Some("unshelving"));
    state.start_action(id, "unshelve", ctx.request_id, &ctx.auth.requester());
    state.begin_event(id, ctx.request_id, "get_image_info");
    state.finish_event(id, ctx.request_id, "get_image_info", true);
    state.begin_event(id, ctx.request_id, "schedule_instances");
    drop(state);
    let job = Job {
        server_id: id.to_string(),
        request_id: ctx.request_id.to_string(),
    };
    tokio::spawn(run_unshelve(shared.clone(), job, requested));
    Ok(Reply::accepted())
}

/// The unshelve schemas: anything below 2.77; `null` or `{"availability_zone": …}` from 2.77;
/// from 2.91 also `host` (and a null zone), nothing else.
fn requested_host(ctx: &Ctx<'_>, value: &Value) -> Result<Option<String>, ApiError> {
    if !ctx.at_least(77) {
        return Ok(None);
    }
    let object = match value {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        other => return Err(type_error("unshelve", other, &["object", "null"])),
    };
    if !ctx.at_least(91) {
        if let Some(zone) = object.get("availability_zone").filter(|z| !z.is_string()) {
            return Err(type_error("availability_zone", zone, &["string"]));
        }
        has_required("unshelve", object, &["availability_zone"])?;
        no_additional("unshelve", object, &["availability_zone"])?;
        return Ok(None);
    }
    if let Some(zone) = object
        .get("availability_zone")
        .filter(|z| !z.is_string() && !z.is_null())
    {
        return Err(type_error("availability_zone", zone, &["string", "null"]));
    }
    let host = match object.get("host") {
        Some(Value::String(host)) => Some(host.clone()),
        Some(other) => return Err(type_error("host", other, &["string"])),
        None => None,
    };
    no_additional("unshelve", object, &["availability_zone", "host"])?;
    Ok(host)
}

/// Scheduling (the requested host, else the least loaded available one), then spawning. With
/// no host to take it the server stays `SHELVED_OFFLOADED`, its action `Error`.
async fn run_unshelve(shared: Arc<Shared>, job: Job, requested: Option<String>) {
    pause(&shared, |t| t.unshelve).await;
    let Some(host) = schedule(&mut shared.lock(), &job, requested) else {
        return;
    };
    // As recorded: `spawning` shows no host at first; the host appears while spawning.
    pause(&shared, |t| t.unshelve_spawn / 2).await;
    shared
        .lock()
        .update_server(&job.server_id, |s| s.host = host);
    pause(&shared, |t| t.unshelve_spawn / 2).await;
    let mut state = shared.lock();
    state.update_server(&job.server_id, |s| {
        s.vm_state = "active";
        s.settled_vm_state = "active";
        s.power_state = 1;
        s.task_state = None;
    });
    state.finish_event(
        &job.server_id,
        &job.request_id,
        "compute_unshelve_instance",
        true,
    );
}

/// The scheduler's pick for an unshelve (`None`: nothing can take it, the action failed); the
/// server starts `spawning`, still without a host.
fn schedule(state: &mut State, job: &Job, requested: Option<String>) -> Option<String> {
    let current = state
        .servers
        .get(&job.server_id)
        .map(|s| s.host.clone())
        .filter(|h| !h.is_empty());
    let host = match requested {
        Some(host) => Some(host).filter(|h| state.host_available(h)),
        None => current.or_else(|| state.pick_any_host()),
    };
    let ok = host.is_some();
    let task = if ok { Some("spawning") } else { None };
    state.update_server(&job.server_id, |s| s.task_state = task);
    state.finish_event(&job.server_id, &job.request_id, "schedule_instances", ok);
    if ok {
        state.begin_event(&job.server_id, &job.request_id, "compute_unshelve_instance");
    }
    host
}
