//! A Nova client in openstacksdk's vocabulary: each call names its microversion and is counted,
//! so an outcome can say how many requests an action made.
//!
//! Reads that fail for a moment are retried by the host. A mutation whose answer was lost (a
//! gateway's 502/503/504, a connection cut after the request left) is not: it may have been
//! applied. [`Nova::act`] asks Nova whether it took it and sends it again only when it did not.

mod flavors;
mod migrations;
mod servers;
mod services;

pub use flavors::Flavor;
pub use migrations::Migration;
pub use servers::Server;
pub use services::Service;

use crate::bindings::openstack::actions::types::{ActionError, FieldError, RequestGrant};
use crate::errors::{explain, from_response, not_found, transport};
use crate::http::{self, Endpoint, Failed, Response, Verb, sleep_ms};
use crate::log;
use serde_json::Value;
use std::cell::Cell;

/// Every request names its microversion: without one Nova silently ignores `host` in `migrate`.
/// 2.80 is the lowest that has everything used here: `host` for migrate (2.56), `block_migration:
/// auto` (2.25), asynchronous live-migration checks (2.34), the embedded flavor of a server
/// (2.47), service updates by uuid (2.53), migration uuids (2.59), aborting queued live
/// migrations (2.65) and the project of a migration (2.80).
pub const MICROVERSION: &str = "2.80";

/// How long Nova gets to show a request it received before the action concludes it did not.
const SETTLE_MS: u64 = 1000;

/// One kind of request an action may send (its `capabilities`): `{name}` is one path segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// The path template below the compute endpoint.
    pub path: &'static str,
    /// For a server action, the actions the body may name.
    pub actions: &'static [&'static str],
}

impl Request {
    /// `GET path`.
    pub const fn get(path: &'static str) -> Request {
        Request {
            method: "GET",
            path,
            actions: &[],
        }
    }

    /// `PUT path`.
    pub const fn put(path: &'static str) -> Request {
        Request {
            method: "PUT",
            path,
            actions: &[],
        }
    }

    /// `DELETE path`.
    pub const fn delete(path: &'static str) -> Request {
        Request {
            method: "DELETE",
            path,
            actions: &[],
        }
    }

    /// `POST /servers/{id}/action` naming one of `actions` (e.g. `os-stop`).
    pub const fn server_action(actions: &'static [&'static str]) -> Request {
        Request {
            method: "POST",
            path: "/servers/{id}/action",
            actions,
        }
    }

    /// The contract's form.
    pub fn grant(&self) -> RequestGrant {
        RequestGrant {
            method: self.method.into(),
            path: self.path.into(),
            actions: self.actions.iter().map(|a| (*a).into()).collect(),
        }
    }
}

/// The requests behind the client's reads and writes other than server actions.
pub mod requests {
    use super::Request;

    /// [`Nova::server`](super::Nova::server).
    pub const SHOW_SERVER: Request = Request::get("/servers/{id}");
    /// [`Nova::latest_migration`](super::Nova::latest_migration).
    pub const LIST_MIGRATIONS: Request = Request::get("/os-migrations");
    /// [`Nova::live_migrations_in_progress`](super::Nova::live_migrations_in_progress).
    pub const SERVER_MIGRATIONS: Request = Request::get("/servers/{id}/migrations");
    /// [`Nova::abort_live_migration`](super::Nova::abort_live_migration).
    pub const ABORT_LIVE_MIGRATION: Request =
        Request::delete("/servers/{id}/migrations/{migration_id}");
    /// [`Nova::service`](super::Nova::service).
    pub const LIST_SERVICES: Request = Request::get("/os-services");
    /// [`Nova::set_service_status`](super::Nova::set_service_status).
    pub const UPDATE_SERVICE: Request = Request::put("/os-services/{service_id}");
    /// [`Nova::instance_action_message`](super::Nova::instance_action_message).
    pub const SHOW_INSTANCE_ACTION: Request =
        Request::get("/servers/{id}/os-instance-actions/{request_id}");
    /// [`Nova::find_flavor`](super::Nova::find_flavor), by id.
    pub const SHOW_FLAVOR: Request = Request::get("/flavors/{flavor_id}");
    /// [`Nova::find_flavor`](super::Nova::find_flavor), by name.
    pub const LIST_FLAVORS: Request = Request::get("/flavors/detail");
    /// [`Nova::set_metadata_item`](super::Nova::set_metadata_item).
    pub const SET_METADATA_ITEM: Request = Request::put("/servers/{id}/metadata/{key}");
    /// [`Nova::delete_metadata_item`](super::Nova::delete_metadata_item).
    pub const DELETE_METADATA_ITEM: Request = Request::delete("/servers/{id}/metadata/{key}");
}

/// What became of a mutation that was sent.
#[derive(Debug)]
pub enum Posted {
    /// Nova accepted it, with this request id.
    Accepted(Option<String>),
    /// No answer from Nova itself (a gateway's 502/503/504, or a lost connection): it may or may
    /// not have been applied.
    Uncertain(ActionError),
}

/// The compute API at one endpoint.
#[derive(Debug)]
pub struct Nova {
    endpoint: Endpoint,
    calls: Cell<u32>,
}

impl Nova {
    /// A client for the compute endpoint `url`.
    pub fn new(url: &str) -> Result<Nova, ActionError> {
        let endpoint = Endpoint::parse(url).map_err(|message| {
            ActionError::InvalidInput(vec![FieldError {
                path: "context.compute-endpoint".into(),
                message,
            }])
        })?;
        Ok(Nova {
            endpoint,
            calls: Cell::new(0),
        })
    }

    /// How many requests this client has made.
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    fn send(&self, verb: Verb, path: &str, body: Option<&Value>) -> Result<Response, ActionError> {
        Ok(self.try_send(verb, path, body)?)
    }

    fn try_send(&self, verb: Verb, path: &str, body: Option<&Value>) -> Result<Response, Failed> {
        self.calls.set(self.calls.get() + 1);
        let headers = [("openstack-api-version", format!("compute {MICROVERSION}"))];
        let body = body.map(Value::to_string);
        http::send(&self.endpoint, verb, path, &headers, body.as_deref())
    }

    /// `GET path` as JSON; `None` on 404.
    fn get_json(&self, what: &str, path: &str) -> Result<Option<Value>, ActionError> {
        let response = self.send(Verb::Get, path, None)?;
        match response.status {
            200 => parse_json(what, &response).map(Some),
            404 => Ok(None),
            _ => Err(from_response(what, &response)),
        }
    }

    /// Sends a mutation, telling a refusal apart from an answer that never came back.
    pub fn mutate(
        &self,
        verb: Verb,
        path: &str,
        body: Option<&Value>,
        what: &str,
    ) -> Result<(Posted, Option<Value>), ActionError> {
        match self.try_send(verb, path, body) {
            Ok(response) => match response.status {
                200..=204 => {
                    let answer = serde_json::from_slice(&response.body).ok();
                    Ok((Posted::Accepted(response.request_id), answer))
                }
                502..=504 => Ok((Posted::Uncertain(from_response(what, &response)), None)),
                _ => Err(from_response(what, &response)),
            },
            Err(Failed {
                error,
                maybe_applied: true,
            }) => Ok((Posted::Uncertain(error), None)),
            Err(failed) => Err(failed.error),
        }
    }

    /// `PUT path` with `body`: setting a value is idempotent, so an answer a gateway lost is
    /// sent once more. Returns Nova's answer when it is JSON.
    pub fn put(&self, path: &str, body: &Value, what: &str) -> Result<Option<Value>, ActionError> {
        match self.mutate(Verb::Put, path, Some(body), what)? {
            (Posted::Accepted(_), answer) => Ok(answer),
            (Posted::Uncertain(lost), _) => {
                log::warn(&format!(
                    "no answer from Nova to {what} ({}); sending it again",
                    explain(&lost)
                ));
                match self.mutate(Verb::Put, path, Some(body), what)? {
                    (Posted::Accepted(_), answer) => Ok(answer),
                    (Posted::Uncertain(again), _) => Err(again),
                }
            }
        }
    }

    /// `POST /servers/{id}/action` with `{name: args}`, telling a refusal apart from an answer
    /// that never came back.
    pub fn post_action(&self, id: &str, name: &str, args: Value) -> Result<Posted, ActionError> {
        let body = serde_json::json!({ name: args });
        let what = format!("{name} of server {id}");
        let path = format!("/servers/{id}/action");
        self.mutate(Verb::Post, &path, Some(&body), &what)
            .map(|(posted, _)| posted)
    }

    /// Server action `name` with `args`, sent once more only if its answer was lost and Nova
    /// shows no sign of it: `taken` asks Nova (twice, a moment apart, so that a request Nova is
    /// still taking in is seen). Returns the request id when Nova's answer said it.
    pub fn act(
        &self,
        id: &str,
        name: &str,
        args: Value,
        taken: impl Fn(&Nova) -> Result<bool, ActionError>,
    ) -> Result<Option<String>, ActionError> {
        let seen = |nova: &Nova| -> Result<bool, ActionError> {
            if taken(nova)? {
                return Ok(true);
            }
            sleep_ms(SETTLE_MS);
            taken(nova)
        };
        let lost = match self.post_action(id, name, args.clone())? {
            Posted::Accepted(request_id) => return Ok(request_id),
            Posted::Uncertain(lost) => lost,
        };
        log::warn(&format!(
            "no answer from Nova to {name} of {id} ({}); asking Nova whether it took it",
            explain(&lost)
        ));
        if seen(self).map_err(|e| self.unknown(id, name, &lost, &e))? {
            log::info(&format!("Nova has the {name}: waiting for it"));
            return Ok(None);
        }
        log::info(&format!("Nova shows no {name} of {id}: sending it again"));
        match self.post_action(id, name, args)? {
            Posted::Accepted(request_id) => Ok(request_id),
            Posted::Uncertain(again) => match seen(self) {
                Ok(true) => Ok(None),
                Ok(false) => Err(again),
                Err(e) => Err(self.unknown(id, name, &again, &e)),
            },
        }
    }

    /// Server action `name` that Nova either takes or refuses, for the simple actions whose
    /// lost answer is told by the server's task: taken when Nova shows a task on the server or
    /// it is no longer `settled`'s status.
    pub fn act_on_task(
        &self,
        id: &str,
        name: &str,
        args: Value,
        settled: &str,
    ) -> Result<Option<String>, ActionError> {
        self.act(id, name, args, |nova| {
            let server = nova.existing_server(id)?;
            Ok(server.task_state.is_some() || server.status != settled)
        })
    }

    /// Nova's answer was lost and Nova cannot be asked what happened: say so, and what to do.
    fn unknown(
        &self,
        id: &str,
        what: &str,
        lost: &ActionError,
        asking: &ActionError,
    ) -> ActionError {
        let seen = self
            .server(id)
            .ok()
            .flatten()
            .map_or_else(|| "unknown".to_string(), |s| crate::wait::describe(&s));
        transport(format!(
            "{what} of {id} may or may not have been applied: its answer was lost ({}) and Nova \
             could not be asked since ({}); the server was last seen {seen}. Check it in Nova \
             (openstack server show / server migration list); revert or abort works from any state",
            explain(lost),
            explain(asking)
        ))
    }

    /// The message Nova recorded for the instance action of `request_id` (`Error` on failure).
    pub fn instance_action_message(
        &self,
        id: &str,
        request_id: &str,
    ) -> Result<Option<String>, ActionError> {
        let path = format!("/servers/{id}/os-instance-actions/{request_id}");
        let body = self.get_json(&format!("reading instance action {request_id}"), &path)?;
        Ok(body.and_then(|b| {
            b.get("instanceAction")?
                .get("message")?
                .as_str()
                .map(str::to_owned)
        }))
    }

    /// Server `id`, which must exist.
    pub fn existing_server(&self, id: &str) -> Result<Server, ActionError> {
        self.server(id)?
            .ok_or_else(|| not_found(format!("server {id} does not exist"), None))
    }
}

fn parse_json(what: &str, response: &Response) -> Result<Value, ActionError> {
    serde_json::from_slice(&response.body)
        .map_err(|e| transport(format!("{what}: the answer is not JSON: {e}")))
}

/// A text field of a JSON object.
fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}
