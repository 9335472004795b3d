//! Live migration: `os-migrateLive` with `block_migration: auto`, then wait until the server is
//! ACTIVE elsewhere.

use super::{Move, Moved};
use wasm_action_sdk::prelude::*;

const KIND: &str = status::migration::LIVE;

/// Starts the live migration and follows it, failing as soon as Nova shows it failed.
pub fn migrate(step: &Move) -> Result<Moved, ActionError> {
    step.server_on_source(&[status::ACTIVE])?;
    let request_id = step
        .cx
        .nova
        .live_migrate(step.server_id, step.destination, "auto")?;
    step.accepted("live migration", "live-migrating", &request_id);
    let failed = |server: &Server, what: &str| step.failure(KIND, server, &request_id, what);
    let moved = step
        .cx
        .wait_for(step.server_id, "ACTIVE on another host", |server| {
            if server.status == status::ERROR {
                Err(failed(
                    server,
                    "the server went to ERROR during the live migration",
                ))
            } else if server.settled_in(status::ACTIVE) && server.is_on(step.source) {
                Err(failed(
                    server,
                    "Nova gave up: the server is still on its source host",
                ))
            } else if server.settled_in(status::ACTIVE) {
                Ok(Step::Done(server.clone()))
            } else {
                Ok(Step::Pending)
            }
        })?;
    if !step.arrived(&moved) {
        let message = format!(
            "Nova moved the server to {} instead of {}",
            moved.host_name(),
            step.target()
        );
        return Err(failed(&moved, &message));
    }
    step.finish(&moved, KIND, request_id)
}
