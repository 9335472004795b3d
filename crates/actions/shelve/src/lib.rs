//! The Watcher `shelve` action: `shelve`, then wait until Nova shows the server SHELVED or
//! SHELVED_OFFLOADED (Nova offloads at once by default). Pre-condition: a server that is gone
//! or already shelved is skipped. Revert unshelves it.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use wasm_action_sdk::prelude::*;

struct Shelve;

/// Statuses a server may be shelved from.
const SHELVABLE: [&str; 2] = [status::ACTIVE, status::SHUTOFF];
/// A shelved server, offloaded or not.
const SHELVED: [&str; 2] = [status::SHELVED_OFFLOADED, status::SHELVED];

impl Action for Shelve {
    const NAME: &'static str = "shelve";
    const DESCRIPTION: &'static str =
        "Shelve a server and wait until it is SHELVED or SHELVED_OFFLOADED.";
    const PARAMETERS: &'static [Field] =
        &[Field::uuid("resource_id", "UUID of the server to shelve.")];
    const REQUESTS: &'static [Request] = &[
        requests::SHOW_SERVER,
        Request::server_action(&["shelve", "unshelve"]),
    ];
    type Params = String;

    fn params(p: Parameters) -> Result<String, Vec<FieldError>> {
        Ok(p.text("resource_id").into())
    }

    fn describe(id: &String) -> String {
        format!("shelve server {id}")
    }

    fn pre_condition(cx: &Cx, id: &String) -> Result<Readiness, ActionError> {
        let Some(server) = cx.nova.server(id)? else {
            return Ok(Readiness::Skip(format!("server {id} does not exist")));
        };
        if SHELVED.contains(&server.status.as_str()) {
            return Ok(Readiness::Skip(format!("server {id} is already shelved")));
        }
        if !SHELVABLE.iter().any(|s| server.settled_in(s)) {
            return Err(conflict(
                format!(
                    "server {id} is {}; shelve needs it ACTIVE or SHUTOFF with no task",
                    describe(&server)
                ),
                None,
            ));
        }
        Ok(Readiness::Proceed)
    }

    fn execute(cx: &Cx, id: &String) -> Result<Outcome, ActionError> {
        let server = cx.server(id)?;
        if SHELVED.iter().any(|s| server.settled_in(s)) {
            return Ok(outcome(
                format!("server {id} was already shelved"),
                json!({"server": id, "status": server.status}),
            ));
        }
        let request_id = cx.nova.shelve(id, &server.status)?;
        progress(
            cx.phase,
            Some(10),
            &format!("shelving {id} on {}", server.host_name()),
        );
        // A shelve Nova gives up on puts the server back as it was, with no task.
        let shelved = cx.wait_for_status(id, &SHELVED, &[status::ERROR, &server.status])?;
        Ok(outcome(
            format!(
                "shelved {id} ({}) in {:.1} s",
                shelved.status,
                cx.elapsed_ms() as f64 / 1000.0
            ),
            json!({"server": id, "status": shelved.status, "from_host": server.host, "request_id": request_id}),
        ))
    }

    /// Unshelves the server (Nova's scheduler picks its host); one not shelved is left alone.
    fn revert(cx: &Cx, id: &String) -> Result<Outcome, ActionError> {
        let server = cx.server(id)?;
        if !SHELVED.iter().any(|s| server.settled_in(s)) {
            return Ok(outcome(
                format!("revert: server {id} is not shelved ({})", describe(&server)),
                json!({"server": id, "how": "nothing to do"}),
            ));
        }
        cx.nova.unshelve(id, &server.status)?;
        let back = cx.wait_for_status(id, &SHELVABLE, &[status::ERROR, &server.status])?;
        Ok(outcome(
            format!("revert: unshelved {id}, {}", describe(&back)),
            json!({"server": id, "how": "unshelve", "status": back.status, "host": back.host}),
        ))
    }

    fn abort(cx: &Cx, id: &String) -> Result<Outcome, ActionError> {
        let server = cx.server(id)?;
        Err(unsupported(
            format!(
                "a shelve cannot be aborted once Nova has it (server {id} is {}); revert unshelves it",
                describe(&server)
            ),
            None,
        ))
    }

    fn post_condition(cx: &Cx, id: &String) -> Result<(), ActionError> {
        let server = cx.server(id)?;
        match SHELVED.iter().any(|s| server.settled_in(s)) {
            true => Ok(()),
            false => Err(conflict(
                format!("server {id} is {}, not shelved", describe(&server)),
                None,
            )),
        }
    }
}

wasm_action_sdk::export!(Shelve);
