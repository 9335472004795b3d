//! The in-memory cloud: hosts, servers, migrations, instance actions, faults and the request log.
//! One `std::sync::Mutex` guards it; nobody holds it across an `.await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use tokio::sync::Notify;
use uuid::Uuid;

use crate::config::{Config, PowerStatus, ServerSpec, Timings};
use crate::faults::FaultBook;
use crate::flavors::{self, Flavor};
use crate::views::RecordedRequest;

/// The control-plane services real Nova lists before the computes: `(binary, host)`; their
/// integer ids are 1 and 2, zone `internal`.
pub(crate) const INTERNAL_SERVICES: [(&str, &str); 2] = [
    ("nova-conductor", "conductor"),
    ("nova-scheduler", "scheduler"),
];

/// How many requests the log keeps (the oldest go first), so a long demo does not grow forever.
const REQUEST_LOG_LIMIT: usize = 100_000;

/// The state shared by the HTTP handlers, the background tasks and the test-facing API.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
}

impl Shared {
    pub(crate) fn new(config: &Config) -> Self {
        let hosts = config.hosts.iter().enumerate().map(Host::new).collect();
        Shared {
            state: Mutex::new(State {
                hosts,
                servers: HashMap::new(),
                server_order: Vec::new(),
                migrations: Vec::new(),
                faults: FaultBook::default(),
                internal_service_uuids: INTERNAL_SERVICES.map(|_| Uuid::new_v4().to_string()),
                timings: config.timings,
                requests: VecDeque::new(),
                rate: config.max_requests_per_second.map(RateWindow::new),
                www_authenticate_uri: config.www_authenticate_uri.clone(),
            }),
        }
    }

    /// Locks the state; a panic elsewhere never makes the double unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn timings(&self) -> Timings {
        self.lock().timings
    }
}

/// Everything the double knows.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) hosts: Vec<Host>,
    pub(crate) servers: HashMap<String, Server>,
    pub(crate) server_order: Vec<String>,
    /// Oldest first; a migration's id is its index + 1.
    pub(crate) migrations: Vec<Migration>,
    pub(crate) faults: FaultBook,
    /// The UUIDs of [`INTERNAL_SERVICES`].
    pub(crate) internal_service_uuids: [String; 2],
    pub(crate) timings: Timings,
    pub(crate) requests: VecDeque<RecordedRequest>,
    pub(crate) rate: Option<RateWindow>,
    /// The Keystone a 401 names (`WWW-Authenticate`).
    pub(crate) www_authenticate_uri: String,
}

/// The requests answered in the last second, against a limit.
#[derive(Debug)]
pub(crate) struct RateWindow {
    limit: u32,
    answered: VecDeque<std::time::Instant>,
    /// Requests turned away with 429.
    pub(crate) refused: u64,
    /// The most requests answered in any one second.
    pub(crate) busiest: usize,
}

impl RateWindow {
    fn new(limit: u32) -> RateWindow {
        RateWindow {
            limit,
            answered: VecDeque::new(),
            refused: 0,
            busiest: 0,
        }
    }

    /// Whether a request arriving now may be answered (and counts it if so).
    pub(crate) fn admit(&mut self) -> bool {
        let now = std::time::Instant::now();
        while self
            .answered
            .front()
            .is_some_and(|t| now.duration_since(*t) >= std::time::Duration::from_secs(1))
        {
            self.answered.pop_front();
        }
        if self.answered.len() >= self.limit as usize {
            self.refused += 1;
            return false;
        }
        self.answered.push_back(now);
        self.busiest = self.busiest.max(self.answered.len());
        true
    }
}

/// A compute host: its `nova-compute` service and its hypervisor.
#[derive(Debug)]
pub(crate) struct Host {
    pub(crate) name: String,
    /// The service's integer id (before 2.53): 3, 4, … as in real Nova, where the conductor
    /// and the scheduler registered first (1 and 2).
    pub(crate) service_id: usize,
    /// The hypervisor's integer id (before 2.53): 1, 2, …
    pub(crate) hypervisor_id: usize,
    pub(crate) service_uuid: String,
    pub(crate) hypervisor_uuid: String,
    pub(crate) enabled: bool,
    pub(crate) disabled_reason: Option<String>,
    pub(crate) forced_down: bool,
    pub(crate) up: bool,
    pub(crate) updated_at: SystemTime,
}

impl Host {
    fn new((index, name): (usize, &String)) -> Self {
        Host {
            name: name.clone(),
            service_id: index + 1 + INTERNAL_SERVICES.len(),
            hypervisor_id: index + 1,
            service_uuid: Uuid::new_v4().to_string(),
            hypervisor_uuid: Uuid::new_v4().to_string(),
            enabled: true,
            disabled_reason: None,
            forced_down: false,
            up: true,
            updated_at: SystemTime::now(),
        }
    }

    /// Whether the scheduler may place a server here.
    pub(crate) fn available(&self) -> bool {
        self.enabled && self.is_up()
    }

    pub(crate) fn is_up(&self) -> bool {
        self.up && !self.forced_down
    }

    pub(crate) fn state(&self) -> &'static str {
        if self.is_up() { "up" } else { "down" }
    }

    pub(crate) fn status(&self) -> &'static str {
        if self.enabled { "enabled" } else { "disabled" }
    }
}

/// A server and its history of instance actions.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) host: String,
    pub(crate) vm_state: &'static str,
    pub(crate) task_state: Option<&'static str>,
    pub(crate) power_state: u8,
    pub(crate) project_id: String,
    pub(crate) user_id: String,
    pub(crate) fault: Option<String>,
    pub(crate) updated: SystemTime,
    /// When it was booted, and its boot number (for `instance-0000000N`).
    pub(crate) created: SystemTime,
    pub(crate) number: usize,
    /// The vm_state a resize returns to (`active` or `stopped`).
    pub(crate) settled_vm_state: &'static str,
    /// Its flavor: the new one from `resize_finish` on, the old one again after a revert.
    pub(crate) flavor: &'static Flavor,
    /// `metadata`, ordered by key as Nova's JSON shows it.
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) actions: Vec<InstanceAction>,
}

impl Server {
    /// The API `status`, derived from vm_state and task_state like Nova's state map.
    pub(crate) fn status(&self) -> &'static str {
        match (self.vm_state, self.task_state) {
            ("active", Some("migrating")) => "MIGRATING",
            ("resized", Some("resize_reverting")) => "REVERT_RESIZE",
            ("active" | "stopped", Some(task)) if task.starts_with("resize_") => "RESIZE",
            ("active", _) => "ACTIVE",
            ("stopped", _) => "SHUTOFF",
            ("resized", _) => "VERIFY_RESIZE",
            ("shelved", _) => "SHELVED",
            ("shelved_offloaded", _) => "SHELVED_OFFLOADED",
            ("error", _) => "ERROR",
            _ => "UNKNOWN",
        }
    }
}

/// A migration record, cold or live.
#[derive(Debug)]
pub(crate) struct Migration {
    pub(crate) id: u64,
    pub(crate) uuid: String,
    pub(crate) instance_uuid: String,
    pub(crate) migration_type: &'static str,
    pub(crate) status: &'static str,
    pub(crate) source_compute: Option<String>,
    pub(crate) source_node: Option<String>,
    pub(crate) dest_compute: Option<String>,
    pub(crate) dest_node: Option<String>,
    pub(crate) dest_host: Option<String>,
    pub(crate) project_id: String,
    pub(crate) user_id: String,
    /// The server's flavor before and after (the same but for a resize).
    pub(crate) old_flavor: &'static Flavor,
    pub(crate) new_flavor: &'static Flavor,
    /// When the record was created and last changed.
    pub(crate) created_at: SystemTime,
    pub(crate) updated_at: SystemTime,
    /// Wakes the live-migration task when an abort was accepted.
    pub(crate) abort: Arc<Notify>,
}

/// One instance action (`migrate`, `confirmResize`, …) and its events.
#[derive(Debug)]
pub(crate) struct InstanceAction {
    pub(crate) action: &'static str,
    pub(crate) request_id: String,
    pub(crate) project_id: String,
    pub(crate) user_id: String,
    pub(crate) message: Option<&'static str>,
    pub(crate) start_time: SystemTime,
    pub(crate) updated_at: SystemTime,
    pub(crate) events: Vec<ActionEvent>,
}

/// One event of an instance action, e.g. `compute_prep_resize`.
#[derive(Debug)]
pub(crate) struct ActionEvent {
    pub(crate) event: &'static str,
    pub(crate) start_time: SystemTime,
    pub(crate) finish_time: Option<SystemTime>,
    pub(crate) result: Option<&'static str>,
}

/// Who asked: the project and user a migration or action is recorded under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Requester {
    pub(crate) project_id: String,
    pub(crate) user_id: String,
}

impl State {
    pub(crate) fn add_server(&mut self, spec: ServerSpec) -> String {
        let id = Uuid::new_v4().to_string();
        let (vm_state, power_state) = match spec.status {
            PowerStatus::Active => ("active", 1),
            PowerStatus::Shutoff => ("stopped", 4),
        };
        let server = Server {
            id: id.clone(),
            name: spec.name,
            host: spec.host,
            vm_state,
            task_state: None,
            power_state,
            project_id: spec.project_id,
            user_id: spec.user_id,
            fault: None,
            updated: SystemTime::now(),
            created: SystemTime::now(),
            number: self.server_order.len() + 1,
            settled_vm_state: vm_state,
            flavor: flavors::find(&spec.flavor_id).unwrap_or(flavors::DEFAULT_FLAVOR),
            metadata: BTreeMap::new(),
            actions: Vec::new(),
        };
        self.servers.insert(id.clone(), server);
        self.server_order.push(id.clone());
        id
    }

    pub(crate) fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    pub(crate) fn host_mut(&mut self, name: &str) -> Option<&mut Host> {
        self.hosts.iter_mut().find(|h| h.name == name)
    }

    pub(crate) fn host_available(&self, name: &str) -> bool {
        self.host(name).is_some_and(Host::available)
    }

    /// The scheduler: the available host other than `source` with the fewest servers.
    pub(crate) fn pick_destination(&self, source: &str) -> Option<String> {
        let load = |host: &str| self.servers.values().filter(|s| s.host == host).count();
        self.hosts
            .iter()
            .filter(|h| h.name != source && h.available())
            .min_by_key(|h| load(&h.name))
            .map(|h| h.name.clone())
    }

    /// The scheduler for a resize: like [`State::pick_destination`], among the hosts with room
    /// for `flavor`.
    pub(crate) fn pick_destination_with_room(
        &self,
        source: &str,
        flavor: &Flavor,
    ) -> Option<String> {
        let load = |host: &str| self.servers.values().filter(|s| s.host == host).count();
        self.hosts
            .iter()
            .filter(|h| h.name != source && h.available())
            .filter(|h| crate::hypervisors::has_room(self, &h.name, flavor))
            .min_by_key(|h| load(&h.name))
            .map(|h| h.name.clone())
    }

    /// The scheduler for a server that has no host (unshelve): any available host, the one
    /// with the fewest servers first.
    pub(crate) fn pick_any_host(&self) -> Option<String> {
        self.pick_destination("")
    }

    /// Changes a server (if it still exists) and stamps its `updated`.
    pub(crate) fn update_server(&mut self, id: &str, change: impl FnOnce(&mut Server)) {
        if let Some(server) = self.servers.get_mut(id) {
            change(server);
            server.updated = SystemTime::now();
        }
    }

    /// Creates a migration record for `server_id` leaving `source`; returns its id.
    pub(crate) fn new_migration(
        &mut self,
        server_id: &str,
        source: &str,
        migration_type: &'static str,
        status: &'static str,
        requester: &Requester,
    ) -> u64 {
        let id = self.migrations.len() as u64 + 1;
        let flavor = self
            .servers
            .get(server_id)
            .map_or(flavors::DEFAULT_FLAVOR, |s| s.flavor);
        self.migrations.push(Migration {
            id,
            uuid: Uuid::new_v4().to_string(),
            instance_uuid: server_id.to_string(),
            migration_type,
            status,
            source_compute: Some(source.to_string()),
            source_node: None,
            dest_compute: None,
            dest_node: None,
            dest_host: None,
            project_id: requester.project_id.clone(),
            user_id: requester.user_id.clone(),
            old_flavor: flavor,
            new_flavor: flavor,
            created_at: SystemTime::now(),
            updated_at: SystemTime::now(),
            abort: Arc::new(Notify::new()),
        });
        id
    }

    pub(crate) fn migration(&self, id: u64) -> Option<&Migration> {
        let index = usize::try_from(id).ok()?.checked_sub(1)?;
        self.migrations.get(index)
    }

    /// Changes a migration, if it exists.
    pub(crate) fn update_migration(&mut self, id: u64, change: impl FnOnce(&mut Migration)) {
        let index = usize::try_from(id).ok().and_then(|i| i.checked_sub(1));
        if let Some(migration) = index.and_then(|i| self.migrations.get_mut(i)) {
            change(migration);
            migration.updated_at = SystemTime::now();
        }
    }

    pub(crate) fn set_migration_status(&mut self, id: u64, status: &'static str) {
        self.update_migration(id, |m| m.status = status);
    }

    pub(crate) fn record_request(&mut self, request: RecordedRequest) {
        if self.requests.len() >= REQUEST_LOG_LIMIT {
            self.requests.pop_front();
        }
        self.requests.push_back(request);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        let config = Config {
            hosts: ["a", "b", "c"].map(String::from).to_vec(),
            timings: Timings::fast(),
            ..Config::default()
        };
        Shared::new(&config)
            .state
            .into_inner()
            .expect("fresh mutex")
    }

    #[test]
    fn scheduler_prefers_the_least_loaded_available_host() {
        let mut state = state();
        state.add_server(ServerSpec::active("a"));
        state.add_server(ServerSpec::active("b"));
        assert_eq!(state.pick_destination("a").as_deref(), Some("c"));
        if let Some(host) = state.host_mut("c") {
            host.enabled = false;
        }
        assert_eq!(state.pick_destination("a").as_deref(), Some("b"));
    }

    #[test]
    fn scheduler_finds_nothing_when_every_other_host_is_down() {
        let mut state = state();
        for name in ["b", "c"] {
            if let Some(host) = state.host_mut(name) {
                host.up = false;
            }
        }
        assert_eq!(state.pick_destination("a"), None);
    }
}
