//! Migration records: what Nova shows of a move, and aborting a live one.

use super::{Nova, text};
use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::from_response;
use crate::http::Verb;
use serde_json::Value;

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

impl Migration {
    /// True while the move is under way.
    pub fn in_progress(&self) -> bool {
        crate::status::migration::IN_PROGRESS.contains(&self.status.as_str())
    }
}

impl Nova {
    /// The newest migration record of `kind` (see [`crate::status::migration`]) of a server.
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

    /// `DELETE /servers/{id}/migrations/{migration}`: asks Nova to abort a live migration.
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
}

fn migrations(body: &Value) -> Vec<Migration> {
    let list = body.get("migrations").and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .map(|m| Migration {
            id: m.get("id").and_then(Value::as_u64).unwrap_or_default(),
            uuid: text(m, "uuid"),
            status: text(m, "status").unwrap_or_default(),
        })
        .collect()
}
