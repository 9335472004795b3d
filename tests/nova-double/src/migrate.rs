//! The cold-migration server actions: `migrate`, `confirmResize`, `revertResize` (which settle a
//! `resize` too, see [`crate::resize`]). Checks run in
//! Nova's order (schema 400 → server 404 → policy 403 → state 409 → host 400); the work itself
//! runs in [`crate::cold`].

use std::sync::Arc;

use serde_json::Value;

use crate::api::{ApiError, Ctx, Reply, check_state};
use crate::cold::{self, ColdMigration, Settle};
use crate::schema::{host_or_null, no_additional, type_error};
use crate::state::{Server, Shared, State};

const MIGRATE_POLICY: &str = "os_compute_api:os-migrate-server:migrate";
const MIGRATE_HOST_POLICY: &str = "os_compute_api:os-migrate-server:migrate:host";

/// `{"migrate": null | {"host": …}}`.
pub(crate) fn migrate(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    value: &Value,
) -> Result<Reply, ApiError> {
    // Below 2.56 Nova neither validates the body nor reads `host`: the scheduler picks.
    let requested = if ctx.at_least(56) {
        requested_host(value)?
    } else {
        None
    };
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    authorize(ctx, server, requested.is_some())?;
    check_state(server, "migrate", &["active", "stopped"], &[None])?;
    let source = server.host.clone();
    if let Some(host) = &requested {
        if *host == source {
            return Err(ApiError::bad_request(
                "Cannot migrate to the host where the server exists.",
            ));
        }
        if state.host(host).is_none() {
            return Err(ApiError::bad_request(format!(
                "Compute host {host} could not be found."
            )));
        }
    }
    let job = ColdMigration::accept(&mut state, ctx, id, source, requested, None);
    drop(state);
    tokio::spawn(cold::run_migration(shared.clone(), job));
    Ok(Reply::accepted())
}

/// The 2.56 schema: `null` or an object whose only key is `host` (a non-empty name or null).
fn requested_host(value: &Value) -> Result<Option<String>, ApiError> {
    let object = match value {
        Value::Null => return Ok(None),
        Value::Object(object) => object,
        other => return Err(type_error("migrate", other, &["object", "null"])),
    };
    let host = match object.get("host") {
        Some(host) => host_or_null(host, true)?,
        None => None,
    };
    no_additional("migrate", object, &["host"])?;
    Ok(host)
}

/// Admins may do both; a project manager may migrate its own servers without naming a host.
fn authorize(ctx: &Ctx<'_>, server: &Server, with_host: bool) -> Result<(), ApiError> {
    if ctx.auth.is_admin() {
        Ok(())
    } else if with_host {
        Err(ApiError::policy(MIGRATE_HOST_POLICY))
    } else if ctx.auth.has_role("manager") && server.project_id == ctx.auth.project {
        Ok(())
    } else {
        Err(ApiError::policy(MIGRATE_POLICY))
    }
}

/// `{"confirmResize": null}`: 204 at once; the server leaves `VERIFY_RESIZE` a little later.
pub(crate) fn confirm_resize(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
) -> Result<Reply, ApiError> {
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    check_state(server, "confirmResize", &["resized"], &[None])?;
    let migration_id = finished_migration(&state, id)?;
    state.set_migration_status(migration_id, "confirming");
    let job = Settle::start(&mut state, ctx, id, migration_id, "confirmResize");
    state.begin_event(id, ctx.request_id, "compute_confirm_resize");
    drop(state);
    tokio::spawn(cold::run_confirm(shared.clone(), job));
    Ok(Reply::no_content())
}

/// `{"revertResize": null}`: 202; back to the source through `REVERT_RESIZE`.
pub(crate) fn revert_resize(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
) -> Result<Reply, ApiError> {
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    check_state(server, "revertResize", &["resized"], &[None])?;
    let migration_id = finished_migration(&state, id)?;
    state.set_migration_status(migration_id, "reverting");
    state.update_server(id, |s| s.task_state = Some("resize_reverting"));
    let job = Settle::start(&mut state, ctx, id, migration_id, "revertResize");
    state.begin_event(id, ctx.request_id, "compute_revert_resize");
    drop(state);
    tokio::spawn(cold::run_revert(shared.clone(), job));
    Ok(Reply::accepted())
}

/// The cold migration or resize waiting for confirmation; Nova answers 400 when a confirm or
/// revert is already under way.
fn finished_migration(state: &State, id: &str) -> Result<u64, ApiError> {
    state
        .migrations
        .iter()
        .rev()
        .find(|m| {
            m.instance_uuid == id
                && matches!(m.migration_type, "migration" | "resize")
                && m.status == "finished"
        })
        .map(|m| m.id)
        .ok_or_else(|| ApiError::bad_request("Instance has not been resized."))
}
