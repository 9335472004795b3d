//! A test double of the OpenStack compute API (Nova 34, microversions 2.1–2.104) for everything
//! a server-migration tool uses: servers, cold and live migration, resize, confirm/revert,
//! shelve/unshelve, stop/start, server metadata, flavors, migrations, services, hypervisors and
//! instance actions.
//!
//! It answers like the recorded sessions with real Nova in `tests/nova-double/recordings/`
//! (`compute-api-34.md`, `server-actions-34.md`): the same
//! status codes, bodies, messages, headers and state transitions, with configurable delays and
//! injectable faults. Everything lives in memory; it serves on `127.0.0.1` and stops when dropped.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use nova_double::{Config, NovaDouble, ServerSpec, Timings};
//!
//! let nova = NovaDouble::start(Config { timings: Timings::fast(), ..Config::default() }).await?;
//! let server = nova.add_server(ServerSpec::active("compute1"));
//! // Point a client at nova.endpoint() with `X-Auth-Token: admin:admin` ...
//! assert_eq!(nova.server(&server).map(|s| s.status), Some("ACTIVE".to_string()));
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod actions;
mod api;
pub mod client;
mod clock;
mod cold;
mod config;
mod faults;
mod flavors;
mod hypervisors;
mod live;
mod live_flow;
mod metadata;
mod migrate;
mod migrations;
mod name_filter;
mod pyjson;
mod resize;
mod routes;
mod schema;
pub mod server;
mod servers;
mod services;
mod shelve;
mod state;
mod views;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{Config, DEFAULT_WWW_AUTHENTICATE_URI, PowerStatus, ServerSpec, Timings};
pub use faults::{DriverStep, FailureKind, Fault};
pub use flavors::{FLAVORS, Flavor};
pub use views::{InstanceActionView, MigrationView, RecordedRequest, ServerView};

use state::Shared;

/// A running Nova double. Dropping it (or [`NovaDouble::shutdown`]) stops the server and closes
/// its connections.
#[derive(Debug)]
pub struct NovaDouble {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl NovaDouble {
    /// Starts a double on `127.0.0.1` with a free port. Must run inside a tokio runtime.
    pub async fn start(config: Config) -> std::io::Result<NovaDouble> {
        Self::start_on(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await
    }

    /// Starts a double on a chosen address (port 0: any free port).
    pub async fn start_on(config: Config, addr: SocketAddr) -> std::io::Result<NovaDouble> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(&config));
        let server = tokio::spawn(wire::serve(listener, shared.clone()));
        tracing::debug!(%addr, "nova-double: listening");
        Ok(NovaDouble {
            shared,
            addr,
            server,
        })
    }

    /// The compute endpoint as a service catalog lists it: `http://127.0.0.1:PORT/v2.1`.
    pub fn endpoint(&self) -> String {
        format!("http://{}/v2.1", self.addr)
    }

    /// The address the double listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The compute hosts, in configuration order.
    pub fn hosts(&self) -> Vec<String> {
        self.shared
            .lock()
            .hosts
            .iter()
            .map(|h| h.name.clone())
            .collect()
    }

    /// Seeds a server; returns its new UUID.
    pub fn add_server(&self, spec: ServerSpec) -> String {
        self.shared.lock().add_server(spec)
    }

    /// The server as it is now, if it exists.
    pub fn server(&self, id: &str) -> Option<ServerView> {
        let state = self.shared.lock();
        let s = state.servers.get(id)?;
        Some(ServerView {
            id: s.id.clone(),
            name: s.name.clone(),
            host: s.host.clone(),
            status: s.status().to_string(),
            vm_state: s.vm_state.to_string(),
            task_state: s.task_state.map(str::to_string),
            power_state: s.power_state,
            tenant_id: s.project_id.clone(),
            user_id: s.user_id.clone(),
            fault: s.fault.clone().filter(|_| s.vm_state == "error"),
            flavor_id: s.flavor.id.to_string(),
            metadata: s.metadata.clone(),
        })
    }

    /// Every migration record, cold and live, newest first.
    pub fn migrations(&self) -> Vec<MigrationView> {
        let state = self.shared.lock();
        let views = state.migrations.iter().rev().map(|m| MigrationView {
            id: m.id,
            uuid: m.uuid.clone(),
            instance_uuid: m.instance_uuid.clone(),
            migration_type: m.migration_type.to_string(),
            status: m.status.to_string(),
            source_compute: m.source_compute.clone(),
            dest_compute: m.dest_compute.clone(),
            project_id: m.project_id.clone(),
            user_id: m.user_id.clone(),
        });
        views.collect()
    }

    /// The instance actions of a server, newest first (empty for an unknown server).
    pub fn instance_actions(&self, server_id: &str) -> Vec<InstanceActionView> {
        let state = self.shared.lock();
        let Some(server) = state.servers.get(server_id) else {
            return Vec::new();
        };
        let views = server.actions.iter().rev().map(|a| InstanceActionView {
            action: a.action.to_string(),
            request_id: a.request_id.clone(),
            message: a.message.map(str::to_string),
        });
        views.collect()
    }

    /// Enables or disables a host's `nova-compute` service, like `PUT /os-services/{id}`.
    /// Unknown hosts are ignored.
    pub fn set_service_status(&self, host: &str, enabled: bool) {
        if let Some(h) = self.shared.lock().host_mut(host) {
            h.enabled = enabled;
            h.disabled_reason = None;
            h.updated_at = std::time::SystemTime::now();
        }
    }

    /// Makes a host's service report state `up` or `down` (as if its heartbeats stopped).
    /// Unknown hosts are ignored.
    pub fn set_service_up(&self, host: &str, up: bool) {
        if let Some(h) = self.shared.lock().host_mut(host) {
            if h.up && !up {
                h.updated_at = std::time::SystemTime::now();
            }
            h.up = up;
        }
    }

    /// Adds a fault; faults of one kind apply in the order they were injected.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().faults.add(fault);
    }

    /// Removes every fault still waiting to happen.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Names the Keystone that a 401 points clients at (`WWW-Authenticate: Keystone uri=`), e.g.
    /// a Keystone double started after this double.
    pub fn set_www_authenticate_uri(&self, uri: &str) {
        self.shared.lock().www_authenticate_uri = uri.to_string();
    }

    /// Changes the step durations; steps already sleeping keep their old duration.
    pub fn set_timings(&self, timings: Timings) {
        self.shared.lock().timings = timings;
    }

    /// The requests received so far, oldest first (the last 100 000 at most).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.iter().cloned().collect()
    }

    /// Requests turned away with 429 under [`Config::max_requests_per_second`].
    pub fn rate_limited(&self) -> u64 {
        self.shared.lock().rate.as_ref().map_or(0, |r| r.refused)
    }

    /// The most requests answered in any one second under
    /// [`Config::max_requests_per_second`] (0 without a limit).
    pub fn busiest_second(&self) -> usize {
        self.shared.lock().rate.as_ref().map_or(0, |r| r.busiest)
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Stops the server and closes its connections (dropping the double does the same).
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for NovaDouble {
    fn drop(&mut self) {
        self.server.abort();
    }
}
