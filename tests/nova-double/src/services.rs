//! `GET /os-services` and `PUT /os-services/{id}` (2.53+): the compute hosts' `nova-compute`
//! services as an operator (or a pre-condition check) sees them, after the conductor and the
//! scheduler (listed, always up and enabled; the double does not update them).

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::{ApiError, Ctx, Reply};
use crate::clock::iso_micros;
use crate::pyjson::py_repr;
use crate::schema::{boolean_ish, invalid, no_additional_in_body, type_error};
use crate::state::{Host, INTERNAL_SERVICES, Shared};

/// `GET /os-services?binary=…&host=…` (admin): the conductor and the scheduler, then one
/// `nova-compute` per host, as real Nova 34 lists them.
pub(crate) fn list(ctx: &Ctx<'_>, shared: &Arc<Shared>) -> Result<Reply, ApiError> {
    ctx.require_admin("os_compute_api:os-services:list")?;
    let wanted = |binary: &str, host: &str| {
        ctx.query("binary").is_none_or(|b| b == binary)
            && ctx.query("host").is_none_or(|h| h == host)
    };
    let state = shared.lock();
    let internal = INTERNAL_SERVICES
        .iter()
        .zip(&state.internal_service_uuids)
        .enumerate()
        .filter(|(_, ((binary, host), _))| wanted(binary, host))
        .map(|(index, ((binary, host), uuid))| {
            let id = if ctx.at_least(53) {
                json!(uuid)
            } else {
                json!(index + 1)
            };
            internal_json(ctx, id, binary, host)
        });
    let computes = state
        .hosts
        .iter()
        .filter(|h| wanted("nova-compute", &h.name))
        .map(|h| service_json(ctx, h));
    let services: Vec<Value> = internal.chain(computes).collect();
    Ok(Reply::ok(json!({ "services": services })))
}

fn internal_json(ctx: &Ctx<'_>, id: Value, binary: &str, host: &str) -> Value {
    let mut body = json!({
        "binary": binary, "disabled_reason": null, "host": host, "id": id, "state": "up",
        "status": "enabled", "updated_at": iso_micros(SystemTime::now()), "zone": "internal",
    });
    if ctx.at_least(11) {
        body["forced_down"] = json!(false);
    }
    body
}

fn service_json(ctx: &Ctx<'_>, host: &Host) -> Value {
    let id = if ctx.at_least(53) {
        json!(host.service_uuid)
    } else {
        json!(host.service_id)
    };
    let mut body = json!({
        "binary": "nova-compute",
        "disabled_reason": host.disabled_reason,
        "host": host.name,
        "id": id,
        "state": host.state(),
        "status": host.status(),
        // An up service heartbeats; a down one shows its last heartbeat.
        "updated_at": iso_micros(if host.is_up() { SystemTime::now() } else { host.updated_at }),
        "zone": "nova",
    });
    if ctx.at_least(11) {
        body["forced_down"] = json!(host.forced_down);
    }
    body
}

/// The fields a 2.53 service update may carry.
#[derive(Debug, Default)]
struct ServiceUpdate {
    enable: Option<bool>,
    disabled_reason: Option<String>,
    forced_down: Option<bool>,
}

/// `PUT /os-services/{uuid}` with `status`, `disabled_reason` and/or `forced_down` (2.53+),
/// checked in Nova's order: schema, uuid, policy, service, meaning.
pub(crate) fn update(ctx: &Ctx<'_>, shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    if !ctx.at_least(53) {
        return Err(ApiError::no_resource());
    }
    let update = parse_update(&ctx.json_body()?)?;
    if Uuid::parse_str(id).is_err() {
        return Err(ApiError::bad_request(format!("Invalid uuid {id}")));
    }
    ctx.require_admin("os_compute_api:os-services:update")?;
    let mut state = shared.lock();
    let host = state
        .hosts
        .iter_mut()
        .find(|h| h.service_uuid == id)
        .ok_or_else(|| ApiError::not_found(format!("Service {id} could not be found.")))?;
    if update.enable == Some(true) && update.disabled_reason.is_some() {
        return Err(ApiError::bad_request(
            "Specifying 'disabled_reason' with status 'enabled' is invalid.",
        ));
    }
    if update.enable.is_none() && update.forced_down.is_none() {
        return Err(ApiError::bad_request(
            "No updates were requested. Fields 'status' or 'forced_down' should be specified.",
        ));
    }
    if let Some(enable) = update.enable {
        host.enabled = enable;
        host.disabled_reason = if enable { None } else { update.disabled_reason };
    }
    if let Some(forced_down) = update.forced_down {
        host.forced_down = forced_down;
    }
    host.updated_at = SystemTime::now();
    Ok(Reply::ok(json!({ "service": service_json(ctx, host) })))
}

/// The 2.53 update schema.
fn parse_update(body: &Value) -> Result<ServiceUpdate, ApiError> {
    let Value::Object(object) = body else {
        return Err(ApiError::bad_request(format!(
            "{} is not of type 'object'",
            py_repr(body)
        )));
    };
    let mut update = ServiceUpdate::default();
    if let Some(status) = object.get("status") {
        update.enable = Some(parse_status(status)?);
    }
    if let Some(reason) = object.get("disabled_reason") {
        update.disabled_reason = Some(parse_reason(reason)?);
    }
    if let Some(forced) = object.get("forced_down") {
        update.forced_down = Some(boolean_ish("forced_down", forced)?);
    }
    no_additional_in_body(object, &["status", "disabled_reason", "forced_down"])?;
    Ok(update)
}

fn parse_status(status: &Value) -> Result<bool, ApiError> {
    match status.as_str() {
        Some("enabled") => Ok(true),
        Some("disabled") => Ok(false),
        Some(_) => Err(invalid(
            "status",
            status,
            &format!("{} is not one of ['enabled', 'disabled']", py_repr(status)),
        )),
        None => Err(type_error("status", status, &["string"])),
    }
}

fn parse_reason(reason: &Value) -> Result<String, ApiError> {
    let repr = py_repr(reason);
    match reason.as_str() {
        Some("") => Err(invalid(
            "disabled_reason",
            reason,
            &format!("{repr} should be non-empty"),
        )),
        Some(text) if text.chars().count() > 255 => Err(invalid(
            "disabled_reason",
            reason,
            &format!("{repr} is too long"),
        )),
        Some(text) => Ok(text.to_string()),
        None => Err(type_error("disabled_reason", reason, &["string"])),
    }
}
