//! Moving a server: cold through Nova's `migrate` action (then `confirmResize`), live through
//! `os-migrateLive`. Both detect failure as soon as Nova shows it, not at the deadline.

use crate::bindings::openstack::actions::host::{self, Level};
use crate::bindings::openstack::actions::types::{ActionError, MigrationFailure};
use crate::errors::{conflict, not_found};
use crate::nova::{Migration, Nova, Server};
use crate::params::MigrationType;
use crate::wait::{Deadline, Step, describe, wait_for_status};
use serde_json::json;

/// One move of one server, as asked.
#[derive(Debug)]
pub struct Move<'a> {
    /// The compute API.
    pub nova: &'a Nova,
    /// The server.
    pub server_id: &'a str,
    /// Where the server must be now.
    pub source: &'a str,
    /// Where it must go (`None`: the scheduler picks).
    pub destination: Option<&'a str>,
    /// When to give up.
    pub deadline: Deadline,
}

/// A finished move.
#[derive(Debug)]
pub struct Moved {
    /// Where the server is now.
    pub host: String,
    /// Its status, the same as before the move.
    pub status: String,
    /// Nova's migration record, as it stands at the end.
    pub migration: Option<Migration>,
    /// The request id of the request that started the move.
    pub request_id: Option<String>,
}

/// Statuses a server may be cold-migrated from (and returns to after `confirmResize`).
const COLD_STATUSES: [&str; 2] = ["ACTIVE", "SHUTOFF"];

/// Runs a move of the given type to completion.
pub fn migrate(kind: MigrationType, step: &Move) -> Result<Moved, ActionError> {
    match kind {
        MigrationType::Cold => cold_migrate(step),
        MigrationType::Live => live_migrate(step),
    }
}

/// The five steps: `migrate` with `host`, wait for `VERIFY_RESIZE`, check the host,
/// `confirmResize`, wait for the original status.
pub fn cold_migrate(step: &Move) -> Result<Moved, ActionError> {
    let server = server_on_source(step, &COLD_STATUSES)?;
    let original = server.status.clone();
    let body = match step.destination {
        Some(host) => json!({"migrate": {"host": host}}),
        None => json!({"migrate": null}),
    };
    let request_id = crate::uncertain::post_migrate(step, &original, &body)?;
    log(
        Level::Info,
        &format!(
            "Nova accepted migrate of {} to {} ({})",
            step.server_id,
            target(step),
            rid(&request_id)
        ),
    );
    host::progress(
        "execute",
        Some(10),
        &format!("migrating {} from {}", step.server_id, step.source),
    );
    let failed =
        |server: &Server, what: &str| failure(step, "migration", server, &request_id, what);
    let resized = wait_for_status(
        step.nova,
        step.server_id,
        step.deadline,
        "execute",
        "VERIFY_RESIZE",
        |server| {
            if server.settled_in("VERIFY_RESIZE") {
                Ok(Step::Done(server.clone()))
            } else if server.status == "ERROR" {
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
        },
    )?;
    if !arrived(step, &resized) {
        return revert_wrong_host(step, &resized, &request_id);
    }
    host::progress(
        "execute",
        Some(70),
        &format!("on {}, confirming the resize", resized.host_name()),
    );
    crate::uncertain::post_confirm(step)?;
    // Nova answers 204 while the server still shows VERIFY_RESIZE for a moment: wait it out.
    let done = wait_for_status(
        step.nova,
        step.server_id,
        step.deadline,
        "execute",
        &original,
        |server| {
            if server.settled_in(&original) {
                Ok(Step::Done(server.clone()))
            } else if server.status == "ERROR" {
                Err(failed(
                    server,
                    "the server went to ERROR while confirming the migration",
                ))
            } else {
                Ok(Step::Pending)
            }
        },
    )?;
    finish(step, &done, "migration", request_id)
}

/// `os-migrateLive` with `block_migration: auto`, then wait until the server is ACTIVE elsewhere.
pub fn live_migrate(step: &Move) -> Result<Moved, ActionError> {
    server_on_source(step, &["ACTIVE"])?;
    let body = json!({"os-migrateLive": {"host": step.destination, "block_migration": "auto"}});
    let request_id = step
        .nova
        .server_action(step.server_id, "os-migrateLive", &body)?;
    log(
        Level::Info,
        &format!(
            "Nova accepted live migration of {} to {} ({})",
            step.server_id,
            target(step),
            rid(&request_id)
        ),
    );
    host::progress(
        "execute",
        Some(10),
        &format!("live-migrating {} from {}", step.server_id, step.source),
    );
    let moved = wait_for_status(
        step.nova,
        step.server_id,
        step.deadline,
        "execute",
        "ACTIVE on another host",
        |server| {
            if server.status == "ERROR" {
                Err(failure(
                    step,
                    "live-migration",
                    server,
                    &request_id,
                    "the server went to ERROR during the live migration",
                ))
            } else if server.settled_in("ACTIVE") && server.is_on(step.source) {
                Err(failure(
                    step,
                    "live-migration",
                    server,
                    &request_id,
                    "Nova gave up: the server is still on its source host",
                ))
            } else if server.settled_in("ACTIVE") {
                Ok(Step::Done(server.clone()))
            } else {
                Ok(Step::Pending)
            }
        },
    )?;
    if !arrived(step, &moved) {
        let message = format!(
            "Nova moved the server to {} instead of {}",
            moved.host_name(),
            target(step)
        );
        return Err(failure(
            step,
            "live-migration",
            &moved,
            &request_id,
            &message,
        ));
    }
    finish(step, &moved, "live-migration", request_id)
}

/// Reads the server and refuses to move it unless it is on the source in an allowed status.
fn server_on_source(step: &Move, statuses: &[&str]) -> Result<Server, ActionError> {
    let server = step
        .nova
        .server(step.server_id)?
        .ok_or_else(|| not_found(format!("server {} does not exist", step.server_id), None))?;
    if !server.is_on(step.source) {
        let message = format!(
            "server {} is on {}, not on source_node {}",
            server.id,
            server.host_name(),
            step.source
        );
        return Err(conflict(message, None));
    }
    if server.task_state.is_some() || !statuses.contains(&server.status.as_str()) {
        let message = format!(
            "server {} is {}; it can move only when {} with no task",
            server.id,
            describe(&server),
            statuses.join(" or ")
        );
        return Err(conflict(message, None));
    }
    Ok(server)
}

/// True when the server is where it was asked to go (or, with no destination, anywhere else).
fn arrived(step: &Move, server: &Server) -> bool {
    match step.destination {
        Some(destination) => server.is_on(destination),
        None => !server.is_on(step.source),
    }
}

/// The scheduler put the server elsewhere (possible only without a version header, which we
/// always send, or a misbehaving cloud): put it back with `revertResize` and say so.
fn revert_wrong_host(
    step: &Move,
    server: &Server,
    request_id: &Option<String>,
) -> Result<Moved, ActionError> {
    let landed = server.host_name().to_string();
    log(
        Level::Warn,
        &format!(
            "server {} landed on {landed}, not {}: reverting",
            step.server_id,
            target(step)
        ),
    );
    let back = crate::undo::revert_resize(
        step.nova,
        step.server_id,
        step.source,
        step.deadline,
        "execute",
    )?;
    let message = format!(
        "Nova moved the server to {landed} instead of {}; the move was reverted",
        target(step)
    );
    Err(failure(step, "migration", &back, request_id, &message))
}

fn finish(
    step: &Move,
    server: &Server,
    kind: &str,
    request_id: Option<String>,
) -> Result<Moved, ActionError> {
    let migration = final_migration(step, kind)?;
    host::progress(
        "execute",
        Some(100),
        &format!("{} is {}", step.server_id, describe(server)),
    );
    Ok(Moved {
        host: server.host_name().into(),
        status: server.status.clone(),
        migration,
        request_id,
    })
}

/// The typed failure, with what Nova recorded about it (migration record, fault, instance action).
fn failure(
    step: &Move,
    kind: &str,
    server: &Server,
    request_id: &Option<String>,
    what: &str,
) -> ActionError {
    let settled = with_fault(step, server);
    let server = &settled;
    let migration = step
        .nova
        .latest_migration(step.server_id, kind)
        .ok()
        .flatten();
    let mut message = format!(
        "migration of {} to {} failed: {what}",
        step.server_id,
        target(step)
    );
    if migration.is_none() {
        let action = request_id.as_deref().and_then(|r| {
            step.nova
                .instance_action_message(step.server_id, r)
                .ok()
                .flatten()
        });
        if let Some(action) = action {
            message.push_str(&format!(" (instance action: {action})"));
        }
    }
    if let Some(fault) = &server.fault {
        message.push_str(&format!(": {fault}"));
    }
    log(Level::Error, &message);
    ActionError::MigrationFailed(MigrationFailure {
        message,
        server_status: server.status.clone(),
        migration_status: migration.as_ref().map(|m| m.status.clone()),
        migration_uuid: migration.and_then(|m| m.uuid),
        host: server.host.clone(),
        fault: server.fault.clone(),
        request_id: request_id.clone(),
    })
}

/// Migration statuses that are not the end of the story.
pub(crate) const IN_PROGRESS: [&str; 6] = [
    "accepted",
    "queued",
    "preparing",
    "running",
    "pre-migrating",
    "post-migrating",
];

/// The migration record once it has its final status: Nova shows the server in place a moment
/// before it marks a live migration `completed`, so read again for up to two seconds.
fn final_migration(step: &Move, kind: &str) -> Result<Option<Migration>, ActionError> {
    let mut migration = step.nova.latest_migration(step.server_id, kind)?;
    for _ in 0..10 {
        match &migration {
            Some(m) if IN_PROGRESS.contains(&m.status.as_str()) => crate::http::sleep_ms(200),
            _ => break,
        }
        migration = step.nova.latest_migration(step.server_id, kind)?;
    }
    Ok(migration)
}

/// Nova saves `ERROR` a moment before the fault that explains it (and the migration's `error`):
/// read the server again for up to a second rather than report a failure without its cause.
fn with_fault(step: &Move, server: &Server) -> Server {
    if server.status != "ERROR" || server.fault.is_some() {
        return server.clone();
    }
    for _ in 0..5 {
        crate::http::sleep_ms(200);
        match step.nova.server(step.server_id) {
            Ok(Some(again)) if again.fault.is_some() || again.status != "ERROR" => return again,
            _ => {}
        }
    }
    server.clone()
}

fn target<'a>(step: &Move<'a>) -> &'a str {
    step.destination
        .unwrap_or("a host of the scheduler's choice")
}

fn rid(request_id: &Option<String>) -> &str {
    request_id.as_deref().unwrap_or("no request id")
}

/// Writes a line to the host's log.
pub fn log(level: Level, message: &str) {
    host::log(level, message);
}
