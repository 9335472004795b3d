//! Abort: stop a migration under way, or say why it cannot. A live migration is aborted
//! through Nova; a cold one can only be reverted once it reaches `VERIFY_RESIZE`.

use crate::params::{MigrationType, Params};
use crate::revert::{revert_resize, undone};
use wasm_action_sdk::prelude::*;

/// The abort phase.
pub fn run(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
    match p.migration_type {
        MigrationType::Live => live(cx, p),
        MigrationType::Cold => cold(cx, p),
    }
}

fn cold(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
    let id = &p.resource_id;
    let server = cx.server(id)?;
    if server.settled_in(status::VERIFY_RESIZE) {
        let back = revert_resize(cx, id, &p.source_node)?;
        let summary = format!("abort: resize of {id} reverted, back on {}", p.source_node);
        return Ok(undone(summary, id, "revertResize", back.host));
    }
    if server.status == status::RESIZE {
        let message = format!(
            "server {id} is {}: Nova cannot abort a cold migration before it reaches VERIFY_RESIZE; \
             abort again then (it will be reverted) or revert after it completes",
            describe(&server)
        );
        return Err(unsupported(message, None));
    }
    Err(conflict(
        format!(
            "nothing to abort: server {id} is {} with no cold migration pending",
            describe(&server)
        ),
        None,
    ))
}

fn live(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
    let id = &p.resource_id;
    let running = cx.nova.live_migrations_in_progress(id)?;
    let Some(migration) = running.into_iter().max_by_key(|m| m.id) else {
        let server = cx.server(id)?;
        return Err(conflict(
            format!(
                "nothing to abort: server {id} is {} with no live migration in progress",
                describe(&server)
            ),
            None,
        ));
    };
    cx.nova.abort_live_migration(id, migration.id)?;
    let server = cx.wait_for(id, "the live migration to stop", |s| {
        Ok(
            if s.settled_in(status::ACTIVE) || s.status == status::ERROR {
                Step::Done(s.clone())
            } else {
                Step::Pending
            },
        )
    })?;
    if server.is_on(&p.source_node) && server.status == status::ACTIVE {
        let summary = format!(
            "abort: live migration of {id} aborted, still on {}",
            p.source_node
        );
        return Ok(undone(summary, id, "live migration aborted", server.host));
    }
    let message = format!(
        "the live migration was not aborted: server {id} is {}",
        describe(&server)
    );
    Err(conflict(message, None))
}
