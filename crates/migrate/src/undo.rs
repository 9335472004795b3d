//! Revert and abort: putting the server back on `source_node`, and stopping a migration that
//! is under way. Neither reports something that did not happen.

use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::{conflict, not_found, unsupported};
use crate::migrate::{Move, Moved, migrate};
use crate::nova::{Nova, Server};
use crate::params::{MigrationType, Params};
use crate::wait::{Deadline, Step, describe, wait_for_status};
use serde_json::json;

/// What an undo did.
#[derive(Debug)]
pub enum Undone {
    /// The server was already on the source: nothing to do.
    AlreadyOnSource(Server),
    /// A pending resize was reverted with `revertResize`.
    ResizeReverted(Server),
    /// A running live migration was aborted.
    LiveAborted(Server),
    /// The server was migrated back.
    MigratedBack(Moved),
}

/// Watcher's revert: back to `source_node`. `revertResize` when a resize awaits confirmation
/// (faster, and the only correct way), otherwise a migration of the same type back.
pub fn revert(nova: &Nova, params: &Params, deadline: Deadline) -> Result<Undone, ActionError> {
    let server = read(nova, params)?;
    if server.settled_in("VERIFY_RESIZE") {
        return revert_resize(
            nova,
            &params.resource_id,
            &params.source_node,
            deadline,
            "revert",
        )
        .map(Undone::ResizeReverted);
    }
    if server.is_on(&params.source_node) && server.task_state.is_none() {
        return Ok(Undone::AlreadyOnSource(server));
    }
    let from = server.host.clone().unwrap_or_default();
    let step = Move {
        nova,
        server_id: &params.resource_id,
        source: &from,
        destination: Some(&params.source_node),
        deadline,
    };
    migrate(params.migration_type, &step).map(Undone::MigratedBack)
}

/// Stops a migration in progress, or says why it cannot.
pub fn abort(nova: &Nova, params: &Params, deadline: Deadline) -> Result<Undone, ActionError> {
    match params.migration_type {
        MigrationType::Live => abort_live(nova, params, deadline),
        MigrationType::Cold => abort_cold(nova, params, deadline),
    }
}

fn abort_cold(nova: &Nova, params: &Params, deadline: Deadline) -> Result<Undone, ActionError> {
    let server = read(nova, params)?;
    if server.settled_in("VERIFY_RESIZE") {
        return revert_resize(
            nova,
            &params.resource_id,
            &params.source_node,
            deadline,
            "abort",
        )
        .map(Undone::ResizeReverted);
    }
    if server.status == "RESIZE" {
        let message = format!(
            "server {} is {}: Nova cannot abort a cold migration before it reaches VERIFY_RESIZE; \
             abort again then (it will be reverted) or revert after it completes",
            server.id,
            describe(&server)
        );
        return Err(unsupported(message, None));
    }
    Err(conflict(
        format!(
            "nothing to abort: server {} is {} with no cold migration pending",
            server.id,
            describe(&server)
        ),
        None,
    ))
}

fn abort_live(nova: &Nova, params: &Params, deadline: Deadline) -> Result<Undone, ActionError> {
    let id = &params.resource_id;
    let running = nova.live_migrations_in_progress(id)?;
    let Some(migration) = running.into_iter().max_by_key(|m| m.id) else {
        let server = read(nova, params)?;
        return Err(conflict(
            format!(
                "nothing to abort: server {id} is {} with no live migration in progress",
                describe(&server)
            ),
            None,
        ));
    };
    nova.abort_live_migration(id, migration.id)?;
    let server = wait_for_status(
        nova,
        id,
        deadline,
        "abort",
        "the live migration to stop",
        |s| {
            Ok(if s.settled_in("ACTIVE") || s.status == "ERROR" {
                Step::Done(s.clone())
            } else {
                Step::Pending
            })
        },
    )?;
    if server.is_on(&params.source_node) && server.status == "ACTIVE" {
        return Ok(Undone::LiveAborted(server));
    }
    let message = format!(
        "the live migration was not aborted: server {id} is {}",
        describe(&server)
    );
    Err(conflict(message, None))
}

/// `revertResize`, then wait until the server is settled back on `source`.
pub fn revert_resize(
    nova: &Nova,
    id: &str,
    source: &str,
    deadline: Deadline,
    phase: &str,
) -> Result<Server, ActionError> {
    nova.server_action(id, "revertResize", &json!({"revertResize": null}))?;
    let server = wait_for_status(
        nova,
        id,
        deadline,
        phase,
        "the server back on its source",
        |s| {
            let settled = s.settled_in("ACTIVE") || s.settled_in("SHUTOFF") || s.status == "ERROR";
            Ok(if settled {
                Step::Done(s.clone())
            } else {
                Step::Pending
            })
        },
    )?;
    if server.status == "ERROR" || !server.is_on(source) {
        let message = format!(
            "revertResize did not bring server {id} back: it is {}",
            describe(&server)
        );
        return Err(conflict(message, None));
    }
    Ok(server)
}

fn read(nova: &Nova, params: &Params) -> Result<Server, ActionError> {
    let id = &params.resource_id;
    nova.server(id)?
        .ok_or_else(|| not_found(format!("server {id} does not exist"), None))
}
