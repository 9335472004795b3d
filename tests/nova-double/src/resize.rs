//! The `resize` server action: a cold migration to another host (Nova's default
//! `allow_resize_to_same_host = False`, which the real harness keeps) with a new flavor, run by
//! [`crate::cold`] and settled by `confirmResize` / `revertResize` ([`crate::migrate`]). Checks
//! run in Nova's order: schema 400 → server 404 → state 409 → flavor 400. Any token of the
//! server's project may resize it (the harness's policy defaults allow it; another project
//! gets 404).

use std::sync::Arc;

use serde_json::Value;

use crate::api::{ApiError, Ctx, Reply, check_state};
use crate::cold::{self, ColdMigration};
use crate::flavors;
use crate::pyjson::{py_repr, py_str_repr};
use crate::schema::{has_required, invalid, no_additional, type_error};
use crate::state::Shared;

/// `{"resize": {"flavorRef": …}}`: 202, then `RESIZE` … `VERIFY_RESIZE` on another host.
pub(crate) fn resize(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    value: &Value,
) -> Result<Reply, ApiError> {
    let flavor_ref = flavor_ref(value)?;
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    check_state(server, "resize", &["active", "stopped"], &[None])?;
    let flavor = flavors::find(&flavor_ref)
        .ok_or_else(|| ApiError::bad_request(flavors::not_found_message(&flavor_ref)))?;
    if flavor.id == server.flavor.id {
        return Err(ApiError::bad_request(
            "When resizing, instances must change flavor!",
        ));
    }
    let source = server.host.clone();
    let job = ColdMigration::accept(&mut state, ctx, id, source, None, Some(flavor));
    drop(state);
    tokio::spawn(cold::run_migration(shared.clone(), job));
    Ok(Reply::accepted())
}

/// Nova's resize schema: an object with `flavorRef` (a non-empty string or an integer, read as
/// its string) and optionally `OS-DCF:diskConfig`, nothing else.
fn flavor_ref(value: &Value) -> Result<String, ApiError> {
    let Value::Object(object) = value else {
        return Err(type_error("resize", value, &["object"]));
    };
    let flavor_ref = match object.get("flavorRef") {
        Some(Value::String(text)) if text.is_empty() => {
            let repr = py_str_repr(text);
            return Err(invalid(
                "flavorRef",
                &Value::String(text.clone()),
                &format!("{repr} should be non-empty"),
            ));
        }
        Some(Value::String(text)) => Some(text.clone()),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        Some(other) => return Err(type_error("flavorRef", other, &["string", "integer"])),
        None => None,
    };
    let disk = object.get("OS-DCF:diskConfig");
    if let Some(disk) = disk.filter(|d| !matches!(d.as_str(), Some("AUTO" | "MANUAL"))) {
        let message = format!("{} is not one of ['AUTO', 'MANUAL']", py_repr(disk));
        return Err(invalid("OS-DCF:diskConfig", disk, &message));
    }
    has_required("resize", object, &["flavorRef"])?;
    no_additional("resize", object, &["flavorRef", "OS-DCF:diskConfig"])?;
    flavor_ref.ok_or_else(|| ApiError::bad_request("'flavorRef' is a required property"))
}
