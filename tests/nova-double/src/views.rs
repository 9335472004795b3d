//! Read-only snapshots of the double's state, for assertions in tests.

/// A server as the API would show it, taken at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerView {
    /// Server UUID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `OS-EXT-SRV-ATTR:host`; empty while shelved and offloaded (Nova shows `null`).
    pub host: String,
    /// API status, e.g. `ACTIVE`, `RESIZE`, `VERIFY_RESIZE`, `SHELVED_OFFLOADED`, `ERROR`.
    pub status: String,
    /// `OS-EXT-STS:vm_state`, e.g. `active`, `stopped`, `resized`, `error`.
    pub vm_state: String,
    /// `OS-EXT-STS:task_state`, e.g. `resize_prep`, `migrating`.
    pub task_state: Option<String>,
    /// `OS-EXT-STS:power_state`: 1 running, 4 shutdown.
    pub power_state: u8,
    /// Owning project.
    pub tenant_id: String,
    /// Owning user.
    pub user_id: String,
    /// The `fault.message` shown while the server is in `ERROR`.
    pub fault: Option<String>,
    /// Its flavor's id (one of [`crate::FLAVORS`]); changed by a resize.
    pub flavor_id: String,
    /// Its `metadata`.
    pub metadata: std::collections::BTreeMap<String, String>,
}

/// A migration record as `GET /os-migrations` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationView {
    /// Integer id, as used by `DELETE /servers/{id}/migrations/{migration_id}`.
    pub id: u64,
    /// Migration UUID (shown from microversion 2.59).
    pub uuid: String,
    /// The migrated server.
    pub instance_uuid: String,
    /// `migration` (cold) or `live-migration`.
    pub migration_type: String,
    /// E.g. `pre-migrating`, `finished`, `confirmed`, `reverted`, `error`, `running`,
    /// `completed`, `failed`, `cancelled`.
    pub status: String,
    /// Source compute host.
    pub source_compute: Option<String>,
    /// Destination compute host, once the scheduler picked one.
    pub dest_compute: Option<String>,
    /// Project of the user who asked for the migration.
    pub project_id: String,
    /// User who asked for the migration.
    pub user_id: String,
}

/// An instance action as `GET /servers/{id}/os-instance-actions` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceActionView {
    /// E.g. `migrate`, `confirmResize`, `revertResize`, `live-migration`, `stop`, `start`.
    pub action: String,
    /// The `x-openstack-request-id` of the request that started it.
    pub request_id: String,
    /// `Error` once one of its events failed.
    pub message: Option<String>,
}

/// One HTTP request the double received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the query, e.g. `/v2.1/servers/<id>/action`.
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// Headers in arrival order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body, decoded as UTF-8 (invalid bytes replaced).
    pub body: String,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}
