//! The Watcher `resize` action: `resize` to a flavor (by id or name), wait for VERIFY_RESIZE,
//! `confirmResize`, wait for the original status; a failure is reported as soon as Nova shows
//! it. The flavor it had is kept in the server's metadata (`watcher:previous_flavor`) so that
//! revert can resize it back: Nova's API shows no other record of it once confirmed.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use wasm_action_sdk::nova::Flavor;
use wasm_action_sdk::prelude::*;

struct Resize;

/// Where `execute` keeps the flavor the server had, for `revert`.
const PREVIOUS_FLAVOR: &str = "watcher:previous_flavor";
/// Statuses a server may be resized from.
const RESIZABLE: [&str; 2] = [status::ACTIVE, status::SHUTOFF];
const KIND: &str = status::migration::RESIZE;

#[derive(Debug)]
struct Params {
    id: String,
    flavor: String,
}

impl Action for Resize {
    const NAME: &'static str = "resize";
    const DESCRIPTION: &'static str =
        "Resize a server to another flavor (resize, then confirmResize).";
    const PARAMETERS: &'static [Field] = &[
        Field::uuid("resource_id", "UUID of the server to resize."),
        Field::text("flavor", "The flavor to resize to, by id or by name."),
    ];
    const REQUESTS: &'static [Request] = &[
        requests::SHOW_SERVER,
        Request::server_action(&["resize", "confirmResize", "revertResize"]),
        requests::SHOW_FLAVOR,
        requests::LIST_FLAVORS,
        requests::LIST_MIGRATIONS,
        requests::SET_METADATA_ITEM,
        requests::DELETE_METADATA_ITEM,
    ];
    type Params = Params;

    fn params(p: Parameters) -> Result<Params, Vec<FieldError>> {
        Ok(Params {
            id: p.text("resource_id").into(),
            flavor: p.text("flavor").into(),
        })
    }

    fn describe(p: &Params) -> String {
        format!("resize server {} to flavor {}", p.id, p.flavor)
    }

    /// A missing server is skipped, as one already of that flavor; an unknown flavor fails.
    fn pre_condition(cx: &Cx, p: &Params) -> Result<Readiness, ActionError> {
        let Some(server) = cx.nova.server(&p.id)? else {
            return Ok(Readiness::Skip(format!("server {} does not exist", p.id)));
        };
        let flavor = flavor(cx, &p.flavor)?;
        if server.flavor.as_deref() == Some(flavor.name.as_str()) {
            return Ok(Readiness::Skip(format!(
                "server {} is already of flavor {}",
                p.id, flavor.name
            )));
        }
        if !RESIZABLE.iter().any(|s| server.settled_in(s)) {
            return Err(conflict(
                format!(
                    "server {} is {}; resize needs it ACTIVE or SHUTOFF with no task",
                    p.id,
                    describe(&server)
                ),
                None,
            ));
        }
        Ok(Readiness::Proceed)
    }

    fn execute(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        let target = flavor(cx, &p.flavor)?;
        let server = cx.server(&p.id)?;
        let from = server.flavor.clone();
        if from.as_deref() == Some(target.name.as_str()) {
            return Ok(outcome(
                format!("server {} is already of flavor {}", p.id, target.name),
                json!({"server": p.id, "flavor": target.name}),
            ));
        }
        if let Some(from) = &from {
            cx.nova.set_metadata_item(&p.id, PREVIOUS_FLAVOR, from)?;
        }
        let resized = resize_to(cx, &server, &target);
        if resized.is_err() && cx.server(&p.id).is_ok_and(|s| s.flavor == from) {
            // Nothing changed: the record of the old flavor would only mislead.
            let _ = cx.nova.delete_metadata_item(&p.id, PREVIOUS_FLAVOR);
        }
        let done = resized?;
        Ok(outcome(
            format!(
                "resized {} from {} to {} in {:.1} s",
                p.id,
                from.as_deref().unwrap_or("?"),
                target.name,
                cx.elapsed_ms() as f64 / 1000.0
            ),
            json!({"server": p.id, "flavor": target.name, "previous_flavor": from,
                   "status": done.status, "host": done.host}),
        ))
    }

    /// `revertResize` while the resize awaits confirmation; after it, a resize back to the
    /// flavor `execute` recorded.
    fn revert(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        let server = cx.server(&p.id)?;
        if server.settled_in(status::VERIFY_RESIZE) {
            let back = revert_resize(cx, &p.id)?;
            let _ = cx.nova.delete_metadata_item(&p.id, PREVIOUS_FLAVOR);
            return Ok(outcome(
                format!("revert: resize of {} reverted ({})", p.id, describe(&back)),
                json!({"server": p.id, "how": "revertResize", "flavor": back.flavor}),
            ));
        }
        let Some(previous) = server.meta(PREVIOUS_FLAVOR).map(str::to_owned) else {
            return Err(unsupported(
                format!(
                    "server {} has no record of its previous flavor ({PREVIOUS_FLAVOR} metadata): \
                     resize it back by hand (openstack server resize --flavor OLD)",
                    p.id
                ),
                None,
            ));
        };
        if server.flavor.as_deref() == Some(previous.as_str()) {
            cx.nova.delete_metadata_item(&p.id, PREVIOUS_FLAVOR)?;
            return Ok(outcome(
                format!("revert: server {} is of flavor {previous} already", p.id),
                json!({"server": p.id, "how": "nothing to do", "flavor": previous}),
            ));
        }
        let target = flavor(cx, &previous)?;
        let done = resize_to(cx, &server, &target)?;
        cx.nova.delete_metadata_item(&p.id, PREVIOUS_FLAVOR)?;
        Ok(outcome(
            format!("revert: resized {} back to {previous}", p.id),
            json!({"server": p.id, "how": "resized back", "flavor": done.flavor}),
        ))
    }

    /// A resize that awaits confirmation is reverted; one under way cannot be stopped.
    fn abort(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        let server = cx.server(&p.id)?;
        if server.settled_in(status::VERIFY_RESIZE) {
            let back = revert_resize(cx, &p.id)?;
            let _ = cx.nova.delete_metadata_item(&p.id, PREVIOUS_FLAVOR);
            return Ok(outcome(
                format!("abort: resize of {} reverted ({})", p.id, describe(&back)),
                json!({"server": p.id, "how": "revertResize"}),
            ));
        }
        if server.status == status::RESIZE {
            return Err(unsupported(
                format!(
                    "server {} is {}: Nova cannot stop a resize before it reaches VERIFY_RESIZE; \
                     abort again then (it will be reverted) or revert after it completes",
                    p.id,
                    describe(&server)
                ),
                None,
            ));
        }
        Err(conflict(
            format!(
                "nothing to abort: server {} is {} with no resize pending",
                p.id,
                describe(&server)
            ),
            None,
        ))
    }

    fn post_condition(cx: &Cx, p: &Params) -> Result<(), ActionError> {
        let target = flavor(cx, &p.flavor)?;
        let server = cx.server(&p.id)?;
        let settled = RESIZABLE.iter().any(|s| server.settled_in(s));
        match settled && server.flavor.as_deref() == Some(target.name.as_str()) {
            true => Ok(()),
            false => Err(conflict(
                format!(
                    "server {} is {} of flavor {}, expected settled and of flavor {}",
                    p.id,
                    describe(&server),
                    server.flavor.as_deref().unwrap_or("?"),
                    target.name
                ),
                None,
            )),
        }
    }
}

/// The flavor named or numbered `wanted`, which must exist.
fn flavor(cx: &Cx, wanted: &str) -> Result<Flavor, ActionError> {
    cx.nova
        .find_flavor(wanted)?
        .ok_or_else(|| not_found(format!("flavor {wanted} does not exist"), None))
}

/// `resize`, wait for VERIFY_RESIZE, `confirmResize`, wait for the status it had.
fn resize_to(cx: &Cx, server: &Server, target: &Flavor) -> Result<Server, ActionError> {
    let id = &server.id;
    let original = server.status.clone();
    if !RESIZABLE.iter().any(|s| server.settled_in(s)) {
        return Err(conflict(
            format!(
                "server {id} is {}; resize needs it ACTIVE or SHUTOFF with no task",
                describe(server)
            ),
            None,
        ));
    }
    cx.nova.resize(id, &target.id, &original)?;
    progress(
        cx.phase,
        Some(10),
        &format!("resizing {id} to {}", target.name),
    );
    cx.wait_for_status(id, &[status::VERIFY_RESIZE], &[status::ERROR, &original])?;
    progress(cx.phase, Some(70), &format!("{id} resized, confirming"));
    cx.nova.confirm_resize(id, KIND)?;
    let done = cx.wait_for_status(id, &[&original], &[status::ERROR])?;
    progress(cx.phase, Some(100), &format!("{id} is {}", describe(&done)));
    Ok(done)
}

/// `revertResize`, then wait until the server is settled again.
fn revert_resize(cx: &Cx, id: &str) -> Result<Server, ActionError> {
    cx.nova.revert_resize(id)?;
    cx.wait_for_status(id, &RESIZABLE, &[status::ERROR])
}

wasm_action_sdk::export!(Resize);
