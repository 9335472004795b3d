//! `GET /os-hypervisors` and `GET /os-hypervisors/detail` (admin): each compute host's one
//! hypervisor, as an operator, or Watcher's pre-condition through openstacksdk, sees it.
//!
//! The recording in `tests/nova-double/recordings/compute-api-34.md` has no hypervisor answers; these follow answers of
//! real Nova 34.0.0 recorded on the tests/real-nova harness (`recordings/os-hypervisors.md`), and
//! Nova's `api/openstack/compute/hypervisors.py`: the `id`s become UUIDs and the
//! `hypervisor_hostname_pattern`/`with_servers` queries appear at 2.53, 2.88 drops the resource
//! figures and adds `uptime` (null on the fake driver), `servers` is listed when asked for (and
//! `[]` for an empty host from 2.75). Paging (`limit`/`marker`) is not modelled.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::api::{ApiError, Ctx, Reply};
use crate::flavors::Flavor;
use crate::schema::query_boolean;
use crate::state::{Host, Shared, State};

/// What Nova's fake virt driver reports for every host (`MediumFakeDriver`).
const VCPUS: u64 = 10;
const MEMORY_MB: u64 = 8192;
const LOCAL_GB: u64 = 1028;
/// Memory held back for the host itself (`reserved_host_memory_mb`).
const RESERVED_MEMORY_MB: u64 = 512;
/// The fake driver's `cpu_info`, an object from 2.28 and its JSON text before.
const CPU_INFO: &str = r#"{"arch": "x86_64", "model": "Nehalem", "vendor": "Intel", "features": ["pge", "clflush"], "topology": {"cores": 1, "threads": 1, "sockets": 4}}"#;
/// The compute hosts' `my_ip`, as the double's migration records show it (`dest_host`).
const HOST_IP: &str = "192.168.0.1";

/// `GET /os-hypervisors` (`detail` false) and `GET /os-hypervisors/detail` (`detail` true).
pub(crate) fn list(ctx: &Ctx<'_>, shared: &Arc<Shared>, detail: bool) -> Result<Reply, ApiError> {
    let rule = if detail { "list-detail" } else { "list" };
    ctx.require_admin(&format!("os_compute_api:os-hypervisors:{rule}"))?;
    // Both queries exist from 2.53; before, Nova ignores them.
    let pattern = ctx
        .query("hypervisor_hostname_pattern")
        .filter(|_| ctx.at_least(53));
    let with_servers = match ctx.query("with_servers").filter(|_| ctx.at_least(53)) {
        Some(value) => query_boolean("with_servers", value)?,
        None => false,
    };
    let state = shared.lock();
    let hypervisors: Vec<Value> = state
        .hosts
        .iter()
        .filter(|h| pattern.is_none_or(|p| h.name.contains(p)))
        .map(|h| view(ctx, &state, h, detail, with_servers))
        .collect();
    if let (Some(pattern), true) = (pattern, hypervisors.is_empty()) {
        return Err(ApiError::not_found(format!(
            "No hypervisor matching '{pattern}' could be found."
        )));
    }
    Ok(Reply::ok(json!({ "hypervisors": hypervisors })))
}

/// One hypervisor, in Nova's field order.
fn view(ctx: &Ctx<'_>, state: &State, host: &Host, detail: bool, with_servers: bool) -> Value {
    let uuids = ctx.at_least(53);
    let mut body = json!({
        "id": if uuids { json!(host.hypervisor_uuid) } else { json!(host.hypervisor_id) },
        "hypervisor_hostname": host.name,
        "state": host.state(),
        "status": host.status(),
    });
    if detail {
        body["hypervisor_type"] = json!("fake");
        body["hypervisor_version"] = json!(1000);
        body["host_ip"] = json!(HOST_IP);
        body["service"] = json!({
            "id": if uuids { json!(host.service_uuid) } else { json!(host.service_id) },
            "host": host.name,
            "disabled_reason": host.disabled_reason,
        });
        if ctx.at_least(88) {
            body["uptime"] = Value::Null;
        } else {
            add_resources(ctx, &mut body, &usage_on(state, host));
        }
    }
    let servers = servers_on(state, host);
    if !servers.is_empty() && with_servers {
        body["servers"] = json!(servers);
    } else if with_servers && ctx.at_least(75) {
        body["servers"] = json!([]);
    }
    body
}

/// What the servers on a host use, by their current flavors.
#[derive(Debug, Default)]
struct Usage {
    count: u64,
    vcpus: u64,
    ram: u64,
    disk: u64,
}

fn usage_on(state: &State, host: &Host) -> Usage {
    usage_of(state, &host.name)
}

fn usage_of(state: &State, host: &str) -> Usage {
    let on_host = state.servers.values().filter(|s| s.host == host);
    on_host.fold(Usage::default(), |usage, s| Usage {
        count: usage.count + 1,
        vcpus: usage.vcpus + u64::from(s.flavor.vcpus),
        ram: usage.ram + u64::from(s.flavor.ram),
        disk: usage.disk + u64::from(s.flavor.disk),
    })
}

/// Whether `host` has room for one more server of `flavor`, as placement decides with Nova's
/// initial allocation ratios (vCPU 4.0, RAM 1.0, disk 1.0) and the reserved memory. Only a
/// resize asks: cold and live migrations and unshelve place servers without counting (the
/// benchmarks pack hundreds of `m1.tiny` servers on a host).
pub(crate) fn has_room(state: &State, host: &str, flavor: &Flavor) -> bool {
    let usage = usage_of(state, host);
    usage.vcpus + u64::from(flavor.vcpus) <= VCPUS * 4
        && RESERVED_MEMORY_MB + usage.ram + u64::from(flavor.ram) <= MEMORY_MB
        && usage.disk + u64::from(flavor.disk) <= LOCAL_GB
}

/// The resource figures shown before 2.88, from the flavors of the servers on the host (the
/// harness boots `m1.tiny`: 1 vCPU, 512 MB, 1 GB each). In-flight claims are not modelled.
fn add_resources(ctx: &Ctx<'_>, body: &mut Value, usage: &Usage) {
    let memory_used = RESERVED_MEMORY_MB + usage.ram;
    let figures: [(&str, i64); 11] = [
        ("vcpus", VCPUS as i64),
        ("memory_mb", MEMORY_MB as i64),
        ("local_gb", LOCAL_GB as i64),
        ("vcpus_used", usage.vcpus as i64),
        ("memory_mb_used", memory_used as i64),
        ("local_gb_used", usage.disk as i64),
        ("free_ram_mb", MEMORY_MB as i64 - memory_used as i64),
        ("free_disk_gb", LOCAL_GB as i64 - usage.disk as i64),
        ("current_workload", 0),
        ("running_vms", usage.count as i64),
        ("disk_available_least", 0),
    ];
    for (name, value) in figures {
        body[name] = json!(value);
    }
    body["cpu_info"] = if ctx.at_least(28) {
        serde_json::from_str(CPU_INFO).expect("CPU_INFO is JSON")
    } else {
        json!(CPU_INFO)
    };
}

/// `{"name", "uuid"}` of the servers on `host`, in boot order.
fn servers_on(state: &State, host: &Host) -> Vec<Value> {
    let on_host = state
        .server_order
        .iter()
        .filter_map(|id| state.servers.get(id))
        .filter(|s| s.host == host.name);
    let view = |s: &crate::state::Server| json!({ "name": format!("instance-{:08x}", s.number), "uuid": s.id });
    on_host.map(view).collect()
}
