//! The flavors: the six that real Nova's functional fixtures create (`DefaultFlavorsFixture`,
//! what the real-Nova harness has), `GET /flavors[/detail]`, `GET /flavors/{id}`, and the
//! flavor a server shows.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::api::{ApiError, Ctx, Reply};
use crate::state::Shared;

/// A flavor of the double (all public, no ephemeral disk, no swap, never disabled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flavor {
    /// The flavor id, as `flavorRef` names it (`"1"` … `"6"`).
    pub id: &'static str,
    /// Its name, e.g. `m1.small`; what a server shows as `original_name` from 2.47.
    pub name: &'static str,
    /// Memory in MiB.
    pub ram: u32,
    /// Virtual CPUs.
    pub vcpus: u32,
    /// Root disk in GiB.
    pub disk: u32,
    /// Extra specs (only `m1.tiny.specs` has one).
    pub extra_specs: &'static [(&'static str, &'static str)],
    /// The database id that migration records show as `old_instance_type_id` /
    /// `new_instance_type_id`.
    pub db_id: u32,
}

const fn flavor(db_id: u32, id: &'static str, name: &'static str, ram: u32, vcpus: u32) -> Flavor {
    Flavor {
        id,
        name,
        ram,
        vcpus,
        disk: 0,
        extra_specs: &[],
        db_id,
    }
}

/// The flavors, in Nova's listing order (by flavor id): the same as the real-Nova harness.
pub const FLAVORS: [Flavor; 6] = [
    Flavor {
        disk: 1,
        ..flavor(1, "1", "m1.tiny", 512, 1)
    },
    Flavor {
        disk: 20,
        ..flavor(2, "2", "m1.small", 2048, 1)
    },
    Flavor {
        disk: 40,
        ..flavor(3, "3", "m1.medium", 4096, 2)
    },
    Flavor {
        disk: 80,
        ..flavor(4, "4", "m1.large", 8192, 4)
    },
    Flavor {
        disk: 160,
        ..flavor(5, "5", "m1.xlarge", 16384, 8)
    },
    Flavor {
        disk: 1,
        extra_specs: &[("hw:numa_nodes", "1")],
        ..flavor(6, "6", "m1.tiny.specs", 512, 1)
    },
];

/// The flavor servers get unless their [`crate::ServerSpec`] names another: `m1.tiny`.
pub(crate) const DEFAULT_FLAVOR: &Flavor = &FLAVORS[0];

/// The flavor with this id (ids only: Nova does not look flavors up by name here).
pub(crate) fn find(id: &str) -> Option<&'static Flavor> {
    FLAVORS.iter().find(|f| f.id == id)
}

/// Nova's 404 for an unknown flavor id (a 400 with the same words in `resize`).
pub(crate) fn not_found_message(id: &str) -> String {
    format!("Flavor {id} could not be found.")
}

/// `GET /flavors` and `GET /flavors/detail`, with the `minRam` / `minDisk` filters.
pub(crate) fn list(ctx: &Ctx<'_>, _shared: &Arc<Shared>, detail: bool) -> Result<Reply, ApiError> {
    let minimum = |name: &str| -> Result<u32, ApiError> {
        match ctx.query(name) {
            None => Ok(0),
            Some(value) => value
                .parse()
                .map_err(|_| ApiError::bad_request(format!("Invalid {name} filter [{value}]"))),
        }
    };
    let (min_ram, min_disk) = (minimum("minRam")?, minimum("minDisk")?);
    let flavors: Vec<Value> = FLAVORS
        .iter()
        .filter(|f| f.ram >= min_ram && f.disk >= min_disk)
        .map(|f| match detail {
            true => detail_json(ctx, f),
            false => summary_json(ctx, f),
        })
        .collect();
    Ok(Reply::ok(json!({ "flavors": flavors })))
}

/// `GET /flavors/{id}`; 404 in Nova's words for an unknown id (names are not ids).
pub(crate) fn show(ctx: &Ctx<'_>, _shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    let flavor = find(id).ok_or_else(|| ApiError::not_found(not_found_message(id)))?;
    Ok(Reply::ok(json!({ "flavor": detail_json(ctx, flavor) })))
}

fn links(ctx: &Ctx<'_>, flavor: &Flavor) -> Value {
    json!([
        {"rel": "self", "href": format!("{}/v2.1/flavors/{}", ctx.base, flavor.id)},
        {"rel": "bookmark", "href": format!("{}/flavors/{}", ctx.base, flavor.id)}
    ])
}

fn summary_json(ctx: &Ctx<'_>, flavor: &Flavor) -> Value {
    let mut body = json!({ "id": flavor.id, "name": flavor.name, "links": links(ctx, flavor) });
    if ctx.at_least(55) {
        body["description"] = Value::Null;
    }
    body
}

/// A flavor in full: `description` from 2.55, `extra_specs` from 2.61, and `swap` an empty
/// string for "none" before 2.75 (0 from 2.75), as real Nova 34 shows them.
fn detail_json(ctx: &Ctx<'_>, flavor: &Flavor) -> Value {
    let mut body = summary_json(ctx, flavor);
    let swap = if ctx.at_least(75) {
        json!(0)
    } else {
        json!("")
    };
    let fields = json!({
        "OS-FLV-DISABLED:disabled": false,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "disk": flavor.disk,
        "os-flavor-access:is_public": true,
        "ram": flavor.ram,
        "rxtx_factor": 1.0,
        "swap": swap,
        "vcpus": flavor.vcpus,
    });
    for (key, value) in fields.as_object().into_iter().flatten() {
        body[key] = value.clone();
    }
    if ctx.at_least(61) {
        body["extra_specs"] = extra_specs(flavor);
    }
    body
}

fn extra_specs(flavor: &Flavor) -> Value {
    let specs: Map<String, Value> = flavor
        .extra_specs
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Value::Object(specs)
}

/// The flavor in a server's JSON: embedded from 2.47 (with `original_name`), a reference to
/// the flavor before.
pub(crate) fn server_flavor_json(ctx: &Ctx<'_>, flavor: &Flavor) -> Value {
    if ctx.at_least(47) {
        json!({
            "vcpus": flavor.vcpus, "ram": flavor.ram, "disk": flavor.disk, "ephemeral": 0,
            "swap": 0, "original_name": flavor.name, "extra_specs": extra_specs(flavor)
        })
    } else {
        let href = format!("{}/flavors/{}", ctx.base, flavor.id);
        json!({"id": flavor.id, "links": [{"rel": "bookmark", "href": href}]})
    }
}
