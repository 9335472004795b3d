//! The Watcher `stop` action: `os-stop`, then wait until Nova shows the server SHUTOFF.
//! Pre-condition: a server that is gone or already stopped is skipped. Revert starts it again.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use wasm_action_sdk::prelude::*;

struct Stop;

/// Watcher waits 8 × 10 s for a server to stop.
const DEADLINE_MS: u64 = 80_000;

impl Action for Stop {
    const NAME: &'static str = "stop";
    const DESCRIPTION: &'static str = "Stop a server (os-stop) and wait until it is SHUTOFF.";
    const PARAMETERS: &'static [Field] =
        &[Field::uuid("resource_id", "UUID of the server to stop.")];
    const REQUESTS: &'static [Request] = &[
        requests::SHOW_SERVER,
        Request::server_action(&["os-stop", "os-start"]),
    ];
    const DEFAULT_DEADLINE_MS: u64 = DEADLINE_MS;
    type Params = String;

    fn params(p: Parameters) -> Result<String, Vec<FieldError>> {
        Ok(p.text("resource_id").into())
    }

    fn describe(id: &String) -> String {
        format!("stop server {id}")
    }

    fn pre_condition(cx: &Cx, id: &String) -> Result<Readiness, ActionError> {
        let Some(server) = cx.nova.server(id)? else {
            return Ok(Readiness::Skip(format!("server {id} does not exist")));
        };
        if server.status == status::SHUTOFF {
            return Ok(Readiness::Skip(format!("server {id} is already stopped")));
        }
        if !server.settled_in(status::ACTIVE) {
            return Err(conflict(
                format!(
                    "server {id} is {}; os-stop needs it ACTIVE with no task",
                    describe(&server)
                ),
                None,
            ));
        }
        Ok(Readiness::Proceed)
    }

    fn execute(cx: &Cx, id: &String) -> Result<Outcome, ActionError> {
        let server = cx.server(id)?;
        if server.settled_in(status::SHUTOFF) {
            return Ok(outcome(
                format!("server {id} was already stopped"),
                json!({"server": id, "status": server.status}),
            ));
        }
        let request_id = cx.nova.stop(id)?;
        progress(
            cx.phase,
            Some(10),
            &format!("stopping {id} on {}", server.host_name()),
        );
        // A stop that Nova gives up on leaves the server ACTIVE with no task: fail then, not at
        // the deadline.
        let stopped =
            cx.wait_for_status(id, &[status::SHUTOFF], &[status::ERROR, status::ACTIVE])?;
        Ok(outcome(
            format!(
                "stopped {id} on {} in {:.1} s",
                stopped.host_name(),
                cx.elapsed_ms() as f64 / 1000.0
            ),
            json!({"server": id, "status": stopped.status, "host": stopped.host, "request_id": request_id}),
        ))
    }

    /// Starts the server again (`os-start`); one already running is left as it is.
    fn revert(cx: &Cx, id: &String) -> Result<Outcome, ActionError> {
        let server = cx.server(id)?;
        if server.settled_in(status::ACTIVE) {
            return Ok(outcome(
                format!("revert: server {id} is already running"),
                json!({"server": id, "how": "nothing to do"}),
            ));
        }
        cx.nova.start(id)?;
        let started =
            cx.wait_for_status(id, &[status::ACTIVE], &[status::ERROR, status::SHUTOFF])?;
        Ok(outcome(
            format!("revert: started {id} on {}", started.host_name()),
            json!({"server": id, "how": "os-start", "status": started.status}),
        ))
    }

    fn abort(cx: &Cx, id: &String) -> Result<Outcome, ActionError> {
        let server = cx.server(id)?;
        Err(unsupported(
            format!(
                "a stop cannot be aborted: Nova powers the server off once it has os-stop (server {id} is {}); revert starts it again",
                describe(&server)
            ),
            None,
        ))
    }

    fn post_condition(cx: &Cx, id: &String) -> Result<(), ActionError> {
        let server = cx.server(id)?;
        match server.settled_in(status::SHUTOFF) {
            true => Ok(()),
            false => Err(conflict(
                format!("server {id} is {}, not stopped", describe(&server)),
                None,
            )),
        }
    }
}

wasm_action_sdk::export!(Stop);
