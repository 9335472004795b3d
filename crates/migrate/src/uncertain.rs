//! When Nova's answer to a mutation never came back (a gateway's 502/503/504, a connection
//! lost after the request left), the host does not send it again: it may have been applied.
//! Here the action asks Nova what happened and goes on from there, sending the request again
//! only when Nova shows it did not start.

use crate::bindings::openstack::actions::host::Level;
use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::not_found;
use crate::http::sleep_ms;
use crate::migrate::{IN_PROGRESS, Move, log};
use crate::nova::{Posted, Server};
use crate::wait::describe;
use serde_json::{Value, json};

/// How long Nova gets to show a request it received before the action concludes it did not.
const SETTLE_MS: u64 = 1000;

/// Posts `migrate`; if its answer is lost and Nova shows no sign of it, posts it once more.
/// Returns the request id when Nova's answer said it (`None` when the answer was lost).
pub fn post_migrate(
    step: &Move,
    original: &str,
    body: &Value,
) -> Result<Option<String>, ActionError> {
    let lost = match step.nova.post_action(step.server_id, "migrate", body)? {
        Posted::Accepted(request_id) => return Ok(request_id),
        Posted::Uncertain(lost) => lost,
    };
    log(
        Level::Warn,
        &format!(
            "no answer from Nova to migrate of {} ({}); asking Nova whether it started",
            step.server_id,
            crate::errors::explain(&lost)
        ),
    );
    if started(step, original).map_err(|e| unknown(step, "migrate", &lost, &e))? {
        log(
            Level::Info,
            "Nova shows the migration under way: waiting for it",
        );
        return Ok(None);
    }
    log(
        Level::Info,
        &format!(
            "Nova shows no migration of {}: sending migrate again",
            step.server_id
        ),
    );
    match step.nova.post_action(step.server_id, "migrate", body)? {
        Posted::Accepted(request_id) => Ok(request_id),
        Posted::Uncertain(again) => match started(step, original) {
            Ok(true) => Ok(None),
            Ok(false) => Err(again),
            Err(e) => Err(unknown(step, "migrate", &again, &e)),
        },
    }
}

/// Posts `confirmResize`; if its answer is lost, reads the migration record: `confirming` or
/// `confirmed` means Nova has it; still `finished` (awaiting confirmation) means it did not
/// arrive, and it is posted once more.
pub fn post_confirm(step: &Move) -> Result<(), ActionError> {
    let body = json!({"confirmResize": null});
    let lost = match step
        .nova
        .post_action(step.server_id, "confirmResize", &body)?
    {
        Posted::Accepted(_) => return Ok(()),
        Posted::Uncertain(lost) => lost,
    };
    log(
        Level::Warn,
        &format!(
            "no answer from Nova to confirmResize of {} ({}); reading the migration record",
            step.server_id,
            crate::errors::explain(&lost)
        ),
    );
    let awaiting =
        awaiting_confirmation(step).map_err(|e| unknown(step, "confirmResize", &lost, &e))?;
    if !awaiting {
        log(
            Level::Info,
            "Nova has the confirmation: waiting for it to finish",
        );
        return Ok(());
    }
    log(
        Level::Info,
        &format!(
            "the migration of {} still awaits confirmation: confirming again",
            step.server_id
        ),
    );
    match step
        .nova
        .post_action(step.server_id, "confirmResize", &body)?
    {
        Posted::Accepted(_) => Ok(()),
        Posted::Uncertain(again) => match awaiting_confirmation(step) {
            Ok(false) => Ok(()),
            Ok(true) => Err(again),
            Err(e) => Err(unknown(step, "confirmResize", &again, &e)),
        },
    }
}

/// True when Nova shows the cold migration started: a task on the server, another status or
/// host, or a migration record in progress. Asked twice, a moment apart, so that a request
/// Nova is still taking in is seen.
fn started(step: &Move, original: &str) -> Result<bool, ActionError> {
    for attempt in 0..2 {
        if attempt > 0 {
            sleep_ms(SETTLE_MS);
        }
        let server = read(step)?;
        if server.task_state.is_some() || server.status != original || !server.is_on(step.source) {
            return Ok(true);
        }
        let migration = step.nova.latest_migration(step.server_id, "migration")?;
        if migration.is_some_and(|m| IN_PROGRESS.contains(&m.status.as_str())) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// True while the newest cold migration is `finished`, waiting for a confirmation Nova never
/// received; false once Nova took one (`confirming`, `confirmed`) or the server moved on.
fn awaiting_confirmation(step: &Move) -> Result<bool, ActionError> {
    for attempt in 0..2 {
        if attempt > 0 {
            sleep_ms(SETTLE_MS);
        }
        let migration = step.nova.latest_migration(step.server_id, "migration")?;
        if migration.is_none_or(|m| m.status != "finished") {
            return Ok(false);
        }
    }
    Ok(true)
}

fn read(step: &Move) -> Result<Server, ActionError> {
    step.nova
        .server(step.server_id)?
        .ok_or_else(|| not_found(format!("server {} disappeared", step.server_id), None))
}

/// Nova's answer was lost and Nova cannot be asked what happened: say so, and what to do.
fn unknown(step: &Move, what: &str, lost: &ActionError, asking: &ActionError) -> ActionError {
    let seen = step
        .nova
        .server(step.server_id)
        .ok()
        .flatten()
        .map_or_else(|| "unknown".to_string(), |s| describe(&s));
    ActionError::Transport(format!(
        "{what} of {} may or may not have been applied: its answer was lost ({}) and Nova \
         could not be asked since ({}); the server was last seen {seen}. Check it in Nova \
         (openstack server show / server migration list); revert or abort works from any state",
        step.server_id,
        crate::errors::explain(lost),
        crate::errors::explain(asking)
    ))
}
