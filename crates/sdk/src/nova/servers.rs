//! Servers: the view an action needs, and the server actions (`os-stop`, `resize`, `migrate`,
//! ...), each sent through [`Nova::act`] so that a lost answer is asked about, not guessed.

use super::{Nova, text};
use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::{denied, from_response, transport};
use crate::http::Verb;
use crate::status;
use serde_json::{Value, json};

/// The view of a server an action needs.
#[derive(Clone, Debug)]
pub struct Server {
    /// Server UUID.
    pub id: String,
    /// API status, e.g. `ACTIVE`, `VERIFY_RESIZE`.
    pub status: String,
    /// `OS-EXT-STS:task_state`, when a task runs.
    pub task_state: Option<String>,
    /// `OS-EXT-SRV-ATTR:host` (none when shelved and offloaded).
    pub host: Option<String>,
    /// The flavor's name (`flavor.original_name`).
    pub flavor: Option<String>,
    /// The fault message, when Nova recorded one.
    pub fault: Option<String>,
    /// The server's metadata.
    pub metadata: serde_json::Map<String, Value>,
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

    /// A metadata value.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(Value::as_str)
    }
}

impl Nova {
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
                     (OS-EXT-SRV-ATTR:host is admin-only); these actions need an admin token"
                ),
                None,
            ));
        }
        Ok(Some(Server {
            id: id.into(),
            status: text(server, "status").unwrap_or_default(),
            task_state: text(server, "OS-EXT-STS:task_state"),
            host: text(server, "OS-EXT-SRV-ATTR:host"),
            flavor: server.get("flavor").and_then(|f| text(f, "original_name")),
            fault: server.get("fault").and_then(|f| text(f, "message")),
            metadata: server
                .get("metadata")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        }))
    }

    /// `os-stop`: powers the server off.
    pub fn stop(&self, id: &str) -> Result<Option<String>, ActionError> {
        self.act_on_task(id, "os-stop", Value::Null, status::ACTIVE)
    }

    /// `os-start`: powers the server on.
    pub fn start(&self, id: &str) -> Result<Option<String>, ActionError> {
        self.act_on_task(id, "os-start", Value::Null, status::SHUTOFF)
    }

    /// `shelve`, from `settled` (`ACTIVE` or `SHUTOFF`).
    pub fn shelve(&self, id: &str, settled: &str) -> Result<Option<String>, ActionError> {
        self.act_on_task(id, "shelve", Value::Null, settled)
    }

    /// `unshelve`, from `settled` (`SHELVED` or `SHELVED_OFFLOADED`).
    pub fn unshelve(&self, id: &str, settled: &str) -> Result<Option<String>, ActionError> {
        self.act_on_task(id, "unshelve", Value::Null, settled)
    }

    /// `resize` to flavor `flavor_id`, from `settled` (`ACTIVE` or `SHUTOFF`).
    pub fn resize(
        &self,
        id: &str,
        flavor_id: &str,
        settled: &str,
    ) -> Result<Option<String>, ActionError> {
        let args = json!({ "flavorRef": flavor_id });
        self.act_on_task(id, "resize", args, settled)
    }

    /// `confirmResize` of a server in `VERIFY_RESIZE`. A lost answer is told by the migration
    /// record of `kind`: still `finished` means Nova did not get it.
    pub fn confirm_resize(&self, id: &str, kind: &str) -> Result<(), ActionError> {
        self.act(id, "confirmResize", Value::Null, |nova| {
            let migration = nova.latest_migration(id, kind)?;
            Ok(migration.is_none_or(|m| m.status != status::migration::FINISHED))
        })
        .map(drop)
    }

    /// `revertResize` of a server in `VERIFY_RESIZE`.
    pub fn revert_resize(&self, id: &str) -> Result<(), ActionError> {
        self.act_on_task(id, "revertResize", Value::Null, status::VERIFY_RESIZE)
            .map(drop)
    }

    /// `os-migrateLive` to `host` (`None`: the scheduler picks), `block_migration` as given
    /// (`auto` lets Nova decide).
    pub fn live_migrate(
        &self,
        id: &str,
        host: Option<&str>,
        block_migration: &str,
    ) -> Result<Option<String>, ActionError> {
        let args = json!({"host": host, "block_migration": block_migration});
        self.act_on_task(id, "os-migrateLive", args, status::ACTIVE)
    }

    /// `PUT /servers/{id}/metadata/{key}`: sets one metadata item.
    pub fn set_metadata_item(&self, id: &str, key: &str, value: &str) -> Result<(), ActionError> {
        let body = json!({"meta": { key: value }});
        let what = format!("setting metadata {key} of server {id}");
        let path = format!("/servers/{id}/metadata/{key}");
        self.put(&path, &body, &what).map(drop)
    }

    /// `DELETE /servers/{id}/metadata/{key}`; a key already gone is fine.
    pub fn delete_metadata_item(&self, id: &str, key: &str) -> Result<(), ActionError> {
        let what = format!("deleting metadata {key} of server {id}");
        let response = self.send(Verb::Delete, &format!("/servers/{id}/metadata/{key}"), None)?;
        match response.status {
            200..=204 | 404 => Ok(()),
            _ => Err(from_response(&what, &response)),
        }
    }
}
