//! Cold migration: `migrate` with `host`, wait for `VERIFY_RESIZE`, check the host,
//! `confirmResize`, wait for the original status.

use super::{Move, Moved};
use crate::params::MigrationType;
use crate::pre_condition::movable_statuses;
use wasm_action_sdk::prelude::*;

const KIND: &str = status::migration::COLD;

/// The five steps, failing as soon as Nova shows the migration failed.
pub fn migrate(step: &Move) -> Result<Moved, ActionError> {
    let server = step.server_on_source(movable_statuses(MigrationType::Cold))?;
    let original = server.status.clone();
    let args = match step.destination {
        Some(host) => json!({"host": host}),
        None => Value::Null,
    };
    let request_id = post_migrate(step, &original, args)?;
    step.accepted("migrate", "migrating", &request_id);
    let failed = |server: &Server, what: &str| step.failure(KIND, server, &request_id, what);
    let resized = step
        .cx
        .wait_for(step.server_id, status::VERIFY_RESIZE, |server| {
            if server.settled_in(status::VERIFY_RESIZE) {
                Ok(Step::Done(server.clone()))
            } else if server.status == status::ERROR {
                Err(failed(
                    server,
                    "the server went to ERROR during the migration",
                ))
            } else if server.settled_in(&original) && server.is_on(step.source) {
                Err(failed(
                    server,
                    "Nova gave up: the server is back on its source host",
                ))
            } else {
                Ok(Step::Pending)
            }
        })?;
    if !step.arrived(&resized) {
        return revert_wrong_host(step, &resized, &request_id);
    }
    progress(
        step.cx.phase,
        Some(70),
        &format!("on {}, confirming the resize", resized.host_name()),
    );
    step.cx.nova.confirm_resize(step.server_id, KIND)?;
    // Nova answers 204 while the server still shows VERIFY_RESIZE for a moment: wait it out.
    let done = step.cx.wait_for(step.server_id, &original, |server| {
        if server.settled_in(&original) {
            Ok(Step::Done(server.clone()))
        } else if server.status == status::ERROR {
            Err(failed(
                server,
                "the server went to ERROR while confirming the migration",
            ))
        } else {
            Ok(Step::Pending)
        }
    })?;
    step.finish(&done, KIND, request_id)
}

/// Posts `migrate`; if its answer is lost and Nova shows no sign of it (no task on the server,
/// same status and host, no migration record in progress), posts it once more.
fn post_migrate(step: &Move, original: &str, args: Value) -> Result<Option<String>, ActionError> {
    step.cx.nova.act(step.server_id, "migrate", args, |nova| {
        let server = nova.existing_server(step.server_id)?;
        if server.task_state.is_some() || server.status != original || !server.is_on(step.source) {
            return Ok(true);
        }
        let migration = nova.latest_migration(step.server_id, KIND)?;
        Ok(migration.is_some_and(|m| m.in_progress()))
    })
}

/// The scheduler put the server elsewhere (possible only without a version header, which we
/// always send, or a misbehaving cloud): put it back with `revertResize` and say so.
fn revert_wrong_host(
    step: &Move,
    server: &Server,
    request_id: &Option<String>,
) -> Result<Moved, ActionError> {
    let landed = server.host_name().to_string();
    log::warn(&format!(
        "server {} landed on {landed}, not {}: reverting",
        step.server_id,
        step.target()
    ));
    let back = crate::revert::revert_resize(step.cx, step.server_id, step.source)?;
    let message = format!(
        "Nova moved the server to {landed} instead of {}; the move was reverted",
        step.target()
    );
    Err(step.failure(KIND, &back, request_id, &message))
}
