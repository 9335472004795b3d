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

/// Posts `migrate`; if its answer is lost and Nova shows no sign of it (no task on the server,
/// same status and host, no migration record in progress), posts it once more. Returns the
/// request id when Nova's answer said it (`None` when the answer was lost).
pub fn post_migrate(
    step: &Move,
    original: &str,
    body: &Value,
) -> Result<Option<String>, ActionError> {
    post_unless_taken(step, "migrate", body, |step| {
        let server = read(step)?;
        if server.task_state.is_some() || server.status != original || !server.is_on(step.source) {
            return Ok(true);
        }
        let migration = step.nova.latest_migration(step.server_id, "migration")?;
        Ok(migration.is_some_and(|m| IN_PROGRESS.contains(&m.status.as_str())))
    })
}

/// Posts `confirmResize`; if its answer is lost, reads the migration record: `confirming` or
/// `confirmed` means Nova has it; still `finished` (awaiting confirmation) means it did not
/// arrive, and it is posted once more.
pub fn post_confirm(step: &Move) -> Result<(), ActionError> {
    let body = json!({"confirmResize": null});
    post_unless_taken(step, "confirmResize", &body, |step| {
        let migration = step.nova.latest_migration(step.server_id, "migration")?;
        Ok(migration.is_none_or(|m| m.status != "finished"))
    })
    .map(drop)
}

/// Posts server action `name`. When its answer is lost, asks Nova whether it took it
/// (`taken`, asked twice a moment apart so that a request Nova is still taking in is seen) and
/// posts it once more only when it did not.
fn post_unless_taken(
    step: &Move,
    name: &str,
    body: &Value,
    taken: impl Fn(&Move) -> Result<bool, ActionError>,
) -> Result<Option<String>, ActionError> {
    let seen = |step: &Move| -> Result<bool, ActionError> {
        if taken(step)? {
            return Ok(true);
        }
        sleep_ms(SETTLE_MS);
        taken(step)
    };
    let lost = match step.nova.post_action(step.server_id, name, body)? {
        Posted::Accepted(request_id) => return Ok(request_id),
        Posted::Uncertain(lost) => lost,
    };
    log(
        Level::Warn,
        &format!(
            "no answer from Nova to {name} of {} ({}); asking Nova whether it took it",
            step.server_id,
            crate::errors::explain(&lost)
        ),
    );
    if seen(step).map_err(|e| unknown(step, name, &lost, &e))? {
        log(Level::Info, &format!("Nova has the {name}: waiting for it"));
        return Ok(None);
    }
    log(
        Level::Info,
        &format!(
            "Nova shows no {name} of {}: sending it again",
            step.server_id
        ),
    );
    match step.nova.post_action(step.server_id, name, body)? {
        Posted::Accepted(request_id) => Ok(request_id),
        Posted::Uncertain(again) => match seen(step) {
            Ok(true) => Ok(None),
            Ok(false) => Err(again),
            Err(e) => Err(unknown(step, name, &again, &e)),
        },
    }
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
