//! An action written on the guest SDK: start a stopped server (`os-start`) and wait until Nova
//! shows it ACTIVE. Revert stops it again.
// The exports that `export!` generates are unsafe by nature; this code has none.
#![allow(unsafe_code)]

use wasm_action_sdk::prelude::*;

struct Start;

impl Action for Start {
    const NAME: &'static str = "start";
    const DESCRIPTION: &'static str = "Start a stopped server and wait until it is ACTIVE.";
    const PARAMETERS: &'static [Field] =
        &[Field::uuid("resource_id", "UUID of the server to start.")];
    // Everything the action may send; the host refuses anything else.
    const REQUESTS: &'static [Request] = &[
        requests::SHOW_SERVER,
        Request::server_action(&["os-start", "os-stop"]),
    ];
    type Params = String;

    fn params(p: Parameters) -> Result<String, Vec<FieldError>> {
        Ok(p.text("resource_id").into())
    }

    fn describe(id: &String) -> String {
        format!("start server {id}")
    }

    fn pre_condition(cx: &Cx, id: &String) -> Result<Readiness, ActionError> {
        Ok(match cx.nova.server(id)? {
            None => Readiness::Skip(format!("server {id} does not exist")),
            Some(s) if s.status == status::ACTIVE => Readiness::Skip(format!("{id} is running")),
            Some(_) => Readiness::Proceed,
        })
    }

    fn execute(cx: &Cx, id: &String) -> Result<Outcome, ActionError> {
        cx.nova.start(id)?;
        // Done when ACTIVE; failed at once if Nova shows ERROR, or SHUTOFF again with no task.
        let server =
            cx.wait_for_status(id, &[status::ACTIVE], &[status::ERROR, status::SHUTOFF])?;
        Ok(outcome(
            format!("{id} is {}", describe(&server)),
            json!({"server": id}),
        ))
    }

    fn revert(cx: &Cx, id: &String) -> Result<Outcome, ActionError> {
        cx.nova.stop(id)?;
        cx.wait_for_status(id, &[status::SHUTOFF], &[status::ERROR, status::ACTIVE])?;
        Ok(outcome(
            format!("{id} is stopped again"),
            json!({"server": id}),
        ))
    }

    fn post_condition(cx: &Cx, id: &String) -> Result<(), ActionError> {
        match cx.server(id)?.settled_in(status::ACTIVE) {
            true => Ok(()),
            false => Err(conflict(format!("server {id} is not running"), None)),
        }
    }
}

wasm_action_sdk::export!(Start);
