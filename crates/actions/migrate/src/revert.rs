//! Revert: back to `source_node`, the fastest correct way: `revertResize` when a resize awaits
//! confirmation, otherwise a migration of the same type back. Never reports what did not happen.

use crate::execute::{Move, migrate};
use crate::params::Params;
use wasm_action_sdk::prelude::*;

/// The revert phase.
pub fn run(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
    let id = &p.resource_id;
    let server = cx.server(id)?;
    if server.settled_in(status::VERIFY_RESIZE) {
        let back = revert_resize(cx, id, &p.source_node)?;
        let summary = format!("revert: resize of {id} reverted, back on {}", p.source_node);
        return Ok(undone(summary, id, "revertResize", back.host));
    }
    if server.is_on(&p.source_node) && server.task_state.is_none() {
        let summary = format!("revert: server {id} is already on {}", p.source_node);
        return Ok(undone(summary, id, "nothing to do", server.host));
    }
    let from = server.host.clone().unwrap_or_default();
    let step = Move {
        cx,
        server_id: id,
        source: &from,
        destination: Some(&p.source_node),
    };
    let moved = migrate(p.migration_type, &step)?;
    let summary = format!("revert: server {id} migrated back to {}", moved.host);
    Ok(undone(summary, id, "migrated back", Some(moved.host)))
}

/// The outcome of an undo (revert or abort).
pub fn undone(summary: String, id: &str, how: &str, host: Option<String>) -> Outcome {
    outcome(summary, json!({"server": id, "how": how, "host": host}))
}

/// `revertResize`, then wait until the server is settled back on `source`.
pub fn revert_resize(cx: &Cx, id: &str, source: &str) -> Result<Server, ActionError> {
    cx.nova.revert_resize(id)?;
    let server = cx.wait_for(id, "the server back on its source", |s| {
        let settled = s.settled_in(status::ACTIVE)
            || s.settled_in(status::SHUTOFF)
            || s.status == status::ERROR;
        Ok(if settled {
            Step::Done(s.clone())
        } else {
            Step::Pending
        })
    })?;
    if server.status == status::ERROR || !server.is_on(source) {
        let message = format!(
            "revertResize did not bring server {id} back: it is {}",
            describe(&server)
        );
        return Err(conflict(message, None));
    }
    Ok(server)
}
