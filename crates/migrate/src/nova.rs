//! A small Nova client: the few compute API calls the migrate action makes, each with the
//! microversion it needs, counted so the outcome can say how many requests were made.

use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::{denied, from_response, transport};
use crate::http::{self, Endpoint, Failed, Response, Verb};
use serde_json::Value;
use std::cell::Cell;

/// Every request names its microversion: without one Nova silently ignores `host` in `migrate`.
/// 2.80 is the lowest that has everything used here: `host` for migrate (2.56), `block_migration:
/// auto` (2.25), asynchronous live-migration checks (2.34), migration uuids (2.59), aborting queued
/// live migrations (2.65) and the project of a migration (2.80).
pub const MICROVERSION: &str = "2.80";

/// What became of a server action that was posted.
#[derive(Debug)]
pub enum Posted {
    /// Nova accepted it, with this request id.
    Accepted(Option<String>),
    /// No answer from Nova itself (a gateway's 502/503/504, or a lost connection): it may or may
    /// not have been applied.
    Uncertain(ActionError),
}

/// The view of a server this action needs.
#[derive(Clone, Debug)]
pub struct Server {
    /// Server UUID.
    pub id: String,
    /// API status, e.g. `ACTIVE`, `VERIFY_RESIZE`.
    pub status: String,
    /// `OS-EXT-STS:task_state`, when a task runs.
    pub task_state: Option<String>,
    /// `OS-EXT-SRV-ATTR:host`.
    pub host: Option<String>,
    /// The fault message, when Nova recorded one.
    pub fault: Option<String>,
}

impl Server {
    /// True when the server is in `status` with no task running.
    pub fn settled_in(&self, status: &str) -> bool {
        self.status == status && self.task_state.is_none()
    }

    /// True when the server is on `host`.
    pub fn is_on(&self, host: &str) -> bool {
        self.host.as_deref() == Some(host)
    }

    /// The host, for messages.
    pub fn host_name(&self) -> &str {
        self.host.as_deref().unwrap_or("no host")
    }
}

/// A migration record from `/os-migrations` or `/servers/{id}/migrations`.
#[derive(Clone, Debug)]
pub struct Migration {
    /// The integer id (used to abort a live migration).
    pub id: u64,
    /// The uuid.
    pub uuid: Option<String>,
    /// e.g. `finished`, `confirmed`, `error`, `running`.
    pub status: String,
}

/// A nova-compute service, as `/os-services` reports it.
#[derive(Clone, Debug)]
pub struct Service {
    /// `enabled` or `disabled`.
    pub status: String,
    /// `up` or `down`.
    pub state: String,
    /// Why an operator disabled it.
    pub disabled_reason: Option<String>,
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
            ActionError::InvalidInput(vec![
                crate::bindings::openstack::actions::types::FieldError {
                    path: "context.compute-endpoint".into(),
                    message,
                },
            ])
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

    fn get_json(&self, what: &str, path: &str) -> Result<Option<Value>, ActionError> {
        let response = self.send(Verb::Get, path, None)?;
        match response.status {
            200 => parse_json(what, &response).map(Some),
            404 => Ok(None),
            _ => Err(from_response(what, &response)),
        }
    }

    /// `GET /servers/{id}`; `None` when Nova does not know the server.
    pub fn server(&self, id: &str) -> Result<Option<Server>, ActionError> {
        let what = format!("reading server {id}");
        let Some(body) = self.get_json(&what, &format!("/servers/{id}"))? else {
            return Ok(None);
        };
        let server = body
            .get("server")
            .ok_or_else(|| transport(format!("{what}: no 'server' in the answer")))?;
        // Nova shows where a server runs to admins only; without it nothing here can be checked.
        if server.get("OS-EXT-SRV-ATTR:host").is_none() {
            return Err(denied(
                format!(
                    "{what}: Nova does not show the server's host to these credentials \
                     (OS-EXT-SRV-ATTR:host is admin-only); migrating to a named host needs an admin token"
                ),
                None,
            ));
        }
        let text = |key: &str| server.get(key).and_then(Value::as_str).map(str::to_owned);
        Ok(Some(Server {
            id: id.into(),
            status: text("status").unwrap_or_default(),
            task_state: text("OS-EXT-STS:task_state"),
            host: text("OS-EXT-SRV-ATTR:host"),
            fault: server
                .get("fault")
                .and_then(|f| f.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned),
        }))
    }

    /// `POST /servers/{id}/action`; returns Nova's request id of the accepted action.
    pub fn server_action(
        &self,
        id: &str,
        name: &str,
        body: &Value,
    ) -> Result<Option<String>, ActionError> {
        match self.post_action(id, name, body)? {
            Posted::Accepted(request_id) => Ok(request_id),
            Posted::Uncertain(error) => Err(error),
        }
    }

    /// `POST /servers/{id}/action`, telling a refusal apart from an answer that never came
    /// back: a gateway's 502/503/504 or a lost connection leave it open whether Nova applied
    /// the action, and the caller must ask Nova before sending it again.
    pub fn post_action(&self, id: &str, name: &str, body: &Value) -> Result<Posted, ActionError> {
        let what = format!("{name} of server {id}");
        match self.try_send(Verb::Post, &format!("/servers/{id}/action"), Some(body)) {
            Ok(response) => match response.status {
                200 | 202 | 204 => Ok(Posted::Accepted(response.request_id)),
                502..=504 => Ok(Posted::Uncertain(from_response(&what, &response))),
                _ => Err(from_response(&what, &response)),
            },
            Err(Failed {
                error,
                maybe_applied: true,
            }) => Ok(Posted::Uncertain(error)),
            Err(failed) => Err(failed.error),
        }
    }

    /// The newest migration of `kind` (`migration` or `live-migration`) of a server, if any.
    pub fn latest_migration(&self, id: &str, kind: &str) -> Result<Option<Migration>, ActionError> {
        let path = format!("/os-migrations?instance_uuid={id}&migration_type={kind}");
        let body = self.get_json(&format!("listing migrations of {id}"), &path)?;
        Ok(body
            .as_ref()
            .and_then(|b| migrations(b).into_iter().max_by_key(|m| m.id)))
    }

    /// The live migrations of a server that are still in progress.
    pub fn live_migrations_in_progress(&self, id: &str) -> Result<Vec<Migration>, ActionError> {
        let body = self.get_json(
            &format!("listing migrations of {id}"),
            &format!("/servers/{id}/migrations"),
        )?;
        Ok(body.as_ref().map(migrations).unwrap_or_default())
    }

    /// `DELETE /servers/{id}/migrations/{mid}`: asks Nova to abort a live migration.
    pub fn abort_live_migration(&self, id: &str, migration: u64) -> Result<(), ActionError> {
        let response = self.send(
            Verb::Delete,
            &format!("/servers/{id}/migrations/{migration}"),
            None,
        )?;
        match response.status {
            202 | 204 => Ok(()),
            _ => Err(from_response(
                &format!("aborting migration {migration} of {id}"),
                &response,
            )),
        }
    }

    /// The nova-compute service of `host`, if there is one.
    pub fn compute_service(&self, host: &str) -> Result<Option<Service>, ActionError> {
        let path = format!("/os-services?binary=nova-compute&host={host}");
        let body = self.get_json(&format!("reading the compute service of {host}"), &path)?;
        let service = body
            .as_ref()
            .and_then(|b| b.get("services")?.as_array()?.first().cloned());
        Ok(service.map(|s| {
            let text = |key: &str| s.get(key).and_then(Value::as_str).map(str::to_owned);
            Service {
                status: text("status").unwrap_or_default(),
                state: text("state").unwrap_or_default(),
                disabled_reason: text("disabled_reason"),
            }
        }))
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
}

fn parse_json(what: &str, response: &Response) -> Result<Value, ActionError> {
    serde_json::from_slice(&response.body)
        .map_err(|e| transport(format!("{what}: the answer is not JSON: {e}")))
}

fn migrations(body: &Value) -> Vec<Migration> {
    let list = body.get("migrations").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .map(|m| {
            let text = |key: &str| m.get(key).and_then(Value::as_str).map(str::to_owned);
            Migration {
                id: m.get("id").and_then(Value::as_u64).unwrap_or_default(),
                uuid: text("uuid"),
                status: text("status").unwrap_or_default(),
            }
        })
        .collect()
}
