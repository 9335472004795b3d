//! `GET /servers[/detail]`, `GET /servers/{id}`, `POST /servers/{id}/action` dispatch, and the
//! power actions `os-stop` / `os-start`. A server with no host (shelved and offloaded) shows
//! `null` host fields, an empty `hostId` and an empty `host_status`.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::api::{ApiError, Ctx, Reply, check_state};
use crate::clock::{iso_micros, iso_seconds};
use crate::name_filter::NameFilter;
use crate::state::{Server, Shared};
use crate::{flavors, live, migrate, resize, shelve};

/// `GET /servers/{id}`.
pub(crate) fn show(ctx: &Ctx<'_>, shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    let state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    Ok(Reply::ok(json!({ "server": server_json(ctx, server) })))
}

/// `GET /servers` and `GET /servers/detail`: the caller's project, or every project for an
/// admin asking `all_tenants`; admins may filter by `host`, anyone by `name` (a regular
/// expression in Nova; see [`NameFilter`]).
pub(crate) fn list(ctx: &Ctx<'_>, shared: &Arc<Shared>, detail: bool) -> Result<Reply, ApiError> {
    let admin = ctx.auth.is_admin();
    let all_projects = admin
        && ctx
            .query("all_tenants")
            .is_some_and(|v| v != "0" && v != "false");
    let host = ctx.query("host").filter(|_| admin);
    let name = ctx.query("name").map(NameFilter::parse).transpose()?;
    let state = shared.lock();
    let servers: Vec<Value> = state
        .server_order
        .iter()
        .filter_map(|id| state.servers.get(id))
        .filter(|s| all_projects || s.project_id == ctx.auth.project)
        .filter(|s| host.is_none_or(|h| s.host == h))
        .filter(|s| name.as_ref().is_none_or(|n| n.matches(&s.name)))
        .map(|s| match detail {
            true => server_json(ctx, s),
            false => json!({ "id": s.id, "name": s.name }),
        })
        .collect();
    Ok(Reply::ok(json!({ "servers": servers })))
}

/// The image every server of the double was booted from.
const IMAGE_ID: &str = "155d900f-4e14-4e4c-a73d-069cbf4541e6";

/// The server as Nova 34 shows it (the fields real Nova returns, gated by microversion); the
/// `OS-EXT-SRV-ATTR` fields and `host_status` are admin-only, `fault` is shown in `ERROR` only.
pub(crate) fn server_json(ctx: &Ctx<'_>, server: &Server) -> Value {
    let base = &ctx.base;
    let mut body = json!({
        "accessIPv4": "", "accessIPv6": "", "addresses": {}, "config_drive": "", "key_name": null,
        "created": iso_seconds(server.created),
        "flavor": flavors::server_flavor_json(ctx, server.flavor),
        "hostId": host_id(server),
        "image": {"id": IMAGE_ID, "links": [{"rel": "bookmark", "href": format!("{base}/images/{IMAGE_ID}")}]},
        "links": [
            {"rel": "self", "href": format!("{base}/v2.1/servers/{}", server.id)},
            {"rel": "bookmark", "href": format!("{base}/servers/{}", server.id)}
        ],
        "metadata": server.metadata,
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": if server.host.is_empty() { "" } else { "nova" },
        "OS-SRV-USG:launched_at": iso_micros(server.created),
        "OS-SRV-USG:terminated_at": null,
        "OS-EXT-STS:power_state": server.power_state,
        "OS-EXT-STS:task_state": server.task_state,
        "OS-EXT-STS:vm_state": server.vm_state,
        "os-extended-volumes:volumes_attached": [],
        "id": server.id,
        "name": server.name,
        "status": server.status(),
        "tenant_id": server.project_id,
        "updated": iso_seconds(server.updated),
        "user_id": server.user_id,
    });
    // Nova shows `progress` in these statuses only (its view's `_progress_statuses`).
    let progress = [
        "ACTIVE",
        "BUILD",
        "REBUILD",
        "RESIZE",
        "VERIFY_RESIZE",
        "MIGRATING",
    ];
    if progress.contains(&server.status()) {
        body["progress"] = json!(0);
    }
    add_versioned(ctx, &mut body);
    if ctx.auth.is_admin() {
        add_admin_fields(ctx, server, &mut body);
    }
    if let (Some(message), "error") = (&server.fault, server.vm_state) {
        body["fault"] =
            json!({ "code": 500, "message": message, "created": iso_seconds(server.updated) });
        if ctx.auth.is_admin() {
            body["fault"]["details"] = json!(format!(
                "Traceback (most recent call last):\n  nova.exception.MigrationError: {message}"
            ));
        }
    }
    body
}

/// Nova's `hostId`: SHA-224 of the project and the host, so tenants can tell hosts apart; empty
/// without a host.
fn host_id(server: &Server) -> String {
    use sha2::{Digest, Sha224};
    if server.host.is_empty() {
        return String::new();
    }
    let digest = Sha224::digest(format!("{}{}", server.project_id, server.host).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn add_versioned(ctx: &Ctx<'_>, body: &mut Value) {
    let fields: [(u32, &str, Value); 6] = [
        (9, "locked", json!(false)),
        (19, "description", Value::Null),
        (26, "tags", json!([])),
        (63, "trusted_image_certificates", Value::Null),
        (71, "server_groups", json!([])),
        (73, "locked_reason", Value::Null),
    ];
    for (minor, key, value) in fields {
        if ctx.at_least(minor) {
            body[key] = value;
        }
    }
}

fn add_admin_fields(ctx: &Ctx<'_>, server: &Server, body: &mut Value) {
    let host = Some(&server.host).filter(|h| !h.is_empty());
    body["OS-EXT-SRV-ATTR:host"] = json!(host);
    body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = json!(host);
    body["OS-EXT-SRV-ATTR:instance_name"] = json!(format!("instance-{:08x}", server.number));
    if ctx.at_least(3) {
        let extended = json!({
            "OS-EXT-SRV-ATTR:hostname": server.name, "OS-EXT-SRV-ATTR:kernel_id": "",
            "OS-EXT-SRV-ATTR:launch_index": 0, "OS-EXT-SRV-ATTR:ramdisk_id": "",
            "OS-EXT-SRV-ATTR:reservation_id": format!("r-{:08x}", server.number),
            "OS-EXT-SRV-ATTR:root_device_name": "/dev/sda", "OS-EXT-SRV-ATTR:user_data": null
        });
        for (key, value) in extended.as_object().into_iter().flatten() {
            body[key] = value.clone();
        }
    }
    if ctx.at_least(16) {
        body["host_status"] = json!(if host.is_some() { "UP" } else { "" });
    }
}

/// `POST /servers/{id}/action`: exactly one key names the action.
pub(crate) fn action(ctx: &Ctx<'_>, shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    let body = ctx.json_body()?;
    let (name, value) = match body.as_object() {
        Some(map) if map.len() == 1 => map.iter().next().ok_or_else(malformed)?,
        _ => return Err(malformed()),
    };
    match name.as_str() {
        "migrate" => migrate::migrate(ctx, shared, id, value),
        "confirmResize" => migrate::confirm_resize(ctx, shared, id),
        "revertResize" => migrate::revert_resize(ctx, shared, id),
        "os-migrateLive" => live::migrate_live(ctx, shared, id, value),
        "resize" => resize::resize(ctx, shared, id, value),
        "shelve" => shelve::shelve(ctx, shared, id),
        "shelveOffload" => shelve::shelve_offload(ctx, shared, id),
        "unshelve" => shelve::unshelve(ctx, shared, id, value),
        "os-stop" => change_power(ctx, shared, id, &STOP),
        "os-start" => change_power(ctx, shared, id, &START),
        other => Err(ApiError::bad_request(format!(
            "There is no such action: {other}"
        ))),
    }
}

fn malformed() -> ApiError {
    ApiError::bad_request("Malformed request body")
}

/// One power action: its name, the states it starts from, and where it ends.
struct PowerChange {
    action: &'static str,
    from: &'static [&'static str],
    task: &'static str,
    event: &'static str,
    vm_state: &'static str,
    power_state: u8,
}

const STOP: PowerChange = PowerChange {
    action: "stop",
    from: &["active", "error"],
    task: "powering-off",
    event: "compute_stop_instance",
    vm_state: "stopped",
    power_state: 4,
};

const START: PowerChange = PowerChange {
    action: "start",
    from: &["stopped"],
    task: "powering-on",
    event: "compute_start_instance",
    vm_state: "active",
    power_state: 1,
};

fn change_power(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    change: &'static PowerChange,
) -> Result<Reply, ApiError> {
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    // Nova checks the host (`check_instance_host`) before the state.
    if server.host.is_empty() {
        return Err(ApiError::conflict(format!("Instance {id} is not ready")));
    }
    check_state(server, change.action, change.from, &[None])?;
    state.update_server(id, |s| s.task_state = Some(change.task));
    state.start_action(id, change.action, ctx.request_id, &ctx.auth.requester());
    state.begin_event(id, ctx.request_id, change.event);
    let step = state.timings.service_step;
    drop(state);
    let (shared, id, request_id) = (shared.clone(), id.to_string(), ctx.request_id.to_string());
    tokio::spawn(async move {
        tokio::time::sleep(step).await;
        let mut state = shared.lock();
        state.update_server(&id, |s| {
            s.vm_state = change.vm_state;
            s.settled_vm_state = change.vm_state;
            s.power_state = change.power_state;
            s.task_state = None;
        });
        state.finish_event(&id, &request_id, change.event, true);
    });
    Ok(Reply::accepted())
}
