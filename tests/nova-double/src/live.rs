//! Live migration through the API: `os-migrateLive`, and the in-progress view and abort under
//! `/servers/{id}/migrations`. The work itself runs in [`crate::live_flow`].

use std::sync::Arc;

use serde_json::{Map, Value, json};
use tokio::sync::Notify;

use crate::api::{ApiError, Ctx, Reply, check_state};
use crate::live_flow::{self, LiveMigration};
use crate::migrations::server_migration_json;
use crate::pyjson::py_repr;
use crate::schema::{boolean_ish, has_required, host_or_null, invalid, no_additional, type_error};
use crate::state::{Server, Shared, State};

const LIVE_POLICY: &str = "os_compute_api:os-migrate-server:migrate_live";
const LIVE_HOST_POLICY: &str = "os_compute_api:os-migrate-server:migrate_live:host";

/// Statuses of a live migration that `/servers/{id}/migrations` shows.
const IN_PROGRESS: [&str; 4] = ["queued", "preparing", "running", "post-migrating"];

/// A validated `os-migrateLive` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LiveRequest {
    /// The requested destination (`None`: the scheduler picks).
    pub(crate) host: Option<String>,
    /// `force` (2.30–2.67): skip the scheduler.
    pub(crate) forced: bool,
}

/// `{"os-migrateLive": {"host": …, "block_migration": …}}`.
pub(crate) fn migrate_live(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    value: &Value,
) -> Result<Reply, ApiError> {
    let request = parse_request(ctx, value)?;
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    authorize(ctx, server, request.host.is_some())?;
    check_state(server, "os-migrateLive", &["active"], &[None])?;
    let source = server.host.clone();
    if let Some(host) = request.host.as_deref().filter(|h| state.host(h).is_none()) {
        return Err(ApiError::bad_request(format!(
            "Compute host {host} could not be found."
        )));
    }
    let mut job = LiveMigration::accept(&mut state, ctx, id, source, request);
    // Before 2.34 the conductor's pre-checks run while the client waits.
    if !ctx.at_least(34) {
        job.precheck(&mut state).map_err(ApiError::bad_request)?;
    }
    drop(state);
    tokio::spawn(live_flow::run(shared.clone(), job));
    Ok(Reply::accepted())
}

/// Admins may do both; a project manager may live-migrate its own servers without a host.
fn authorize(ctx: &Ctx<'_>, server: &Server, with_host: bool) -> Result<(), ApiError> {
    if ctx.auth.is_admin() {
        Ok(())
    } else if with_host {
        Err(ApiError::policy(LIVE_HOST_POLICY))
    } else if ctx.auth.has_role("manager") && server.project_id == ctx.auth.project {
        Ok(())
    } else {
        Err(ApiError::policy(LIVE_POLICY))
    }
}

/// The schema of the request's microversion: properties, then required keys, then extra keys.
fn parse_request(ctx: &Ctx<'_>, value: &Value) -> Result<LiveRequest, ApiError> {
    let Value::Object(object) = value else {
        return Err(type_error("os-migrateLive", value, &["object"]));
    };
    if let Some(block) = object.get("block_migration") {
        check_block_migration(ctx, block)?;
    }
    if let Some(disk) = object.get("disk_over_commit").filter(|_| !ctx.at_least(25)) {
        boolean_ish("disk_over_commit", disk)?;
    }
    let force_known = (30..68).contains(&ctx.version);
    let forced = match object.get("force").filter(|_| force_known) {
        Some(force) => boolean_ish("force", force)?,
        None => false,
    };
    let host = match object.get("host") {
        Some(host) => host_or_null(host, false)?,
        None => None,
    };
    check_keys(ctx, object)?;
    let host = host.filter(|h| !h.is_empty());
    if forced && host.is_none() {
        return Err(ApiError::bad_request(
            "Can't force to a non-provided destination",
        ));
    }
    Ok(LiveRequest { host, forced })
}

fn check_keys(ctx: &Ctx<'_>, object: &Map<String, Value>) -> Result<(), ApiError> {
    const FIELD: &str = "os-migrateLive";
    if !ctx.at_least(25) {
        let all = ["block_migration", "disk_over_commit", "host"];
        has_required(FIELD, object, &all)?;
        return no_additional(FIELD, object, &all);
    }
    has_required(FIELD, object, &["block_migration", "host"])?;
    if (30..68).contains(&ctx.version) {
        no_additional(FIELD, object, &["block_migration", "force", "host"])
    } else {
        no_additional(FIELD, object, &["block_migration", "host"])
    }
}

/// Below 2.25 a boolean-ish value; from 2.25 a boolean or `"auto"`.
fn check_block_migration(ctx: &Ctx<'_>, value: &Value) -> Result<(), ApiError> {
    if !ctx.at_least(25) {
        return boolean_ish("block_migration", value).map(|_| ());
    }
    match value {
        Value::Bool(_) => Ok(()),
        Value::String(s) if s == "auto" => Ok(()),
        Value::String(_) => Err(invalid(
            "block_migration",
            value,
            &format!("{} is not one of [True, False, 'auto']", py_repr(value)),
        )),
        other => Err(type_error("block_migration", other, &["boolean", "string"])),
    }
}

/// `GET /servers/{id}/migrations` (2.23+, admin): the live migrations in progress.
pub(crate) fn list_in_progress(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
) -> Result<Reply, ApiError> {
    if !ctx.at_least(23) {
        return Err(ApiError::no_resource());
    }
    ctx.require_admin("os_compute_api:servers:migrations:index")?;
    let state = shared.lock();
    ctx.visible_server(&state, id)?;
    let migrations: Vec<Value> = state
        .migrations
        .iter()
        .rev()
        .filter(|m| m.instance_uuid == id && m.migration_type == "live-migration")
        .filter(|m| IN_PROGRESS.contains(&m.status))
        .map(|m| server_migration_json(ctx, m))
        .collect();
    Ok(Reply::ok(json!({ "migrations": migrations })))
}

/// `GET /servers/{id}/migrations/{migration_id}` (2.23+, admin).
pub(crate) fn show_in_progress(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    mid: &str,
) -> Result<Reply, ApiError> {
    if !ctx.at_least(23) {
        return Err(ApiError::no_resource());
    }
    ctx.require_admin("os_compute_api:servers:migrations:show")?;
    let state = shared.lock();
    ctx.visible_server(&state, id)?;
    let migration = mid
        .parse()
        .ok()
        .and_then(|n| state.migration(n))
        .filter(|m| m.instance_uuid == id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "In-progress live migration {mid} is not found for server {id}."
            ))
        })?;
    if migration.migration_type != "live-migration" {
        let message = format!("Migration {mid} for server {id} is not live-migration.");
        return Err(ApiError::not_found(message));
    }
    if !IN_PROGRESS.contains(&migration.status) {
        let message = format!("Live migration {mid} for server {id} is not in progress.");
        return Err(ApiError::not_found(message));
    }
    Ok(Reply::ok(
        json!({ "migration": server_migration_json(ctx, migration) }),
    ))
}

/// `DELETE /servers/{id}/migrations/{migration_id}` (2.24+, admin): abort a running live
/// migration; from 2.65 also a queued or preparing one.
pub(crate) fn abort(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    mid: &str,
) -> Result<Reply, ApiError> {
    if !ctx.at_least(24) {
        return Err(ApiError::no_resource());
    }
    ctx.require_admin("os_compute_api:servers:migrations:delete")?;
    let mut state = shared.lock();
    let signal = abortable_migration(ctx, &state, id, mid)?;
    state.start_action(
        id,
        "live_migration_cancel",
        ctx.request_id,
        &ctx.auth.requester(),
    );
    drop(state);
    signal.notify_one();
    Ok(Reply::accepted())
}

/// Nova's checks, in order: server 404, server migrating 409, migration 404, status 400.
/// Returns the signal that stops the migration's task.
fn abortable_migration(
    ctx: &Ctx<'_>,
    state: &State,
    id: &str,
    mid: &str,
) -> Result<Arc<Notify>, ApiError> {
    let server = ctx.visible_server(state, id)?;
    check_state(
        server,
        "abort live migration",
        &["active"],
        &[Some("migrating")],
    )?;
    let migration = mid
        .parse()
        .ok()
        .and_then(|n| state.migration(n))
        .filter(|m| m.instance_uuid == id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Migration {mid} for instance {id} could not be found."
            ))
        })?;
    let abortable = match migration.status {
        "running" => true,
        "queued" | "preparing" => ctx.at_least(65),
        _ => false,
    };
    if !abortable {
        return Err(ApiError::bad_request(format!(
            "Migration {mid} state of instance {id} is {}. Cannot abort live migration while the migration is in this state.",
            migration.status
        )));
    }
    Ok(migration.abort.clone())
}
