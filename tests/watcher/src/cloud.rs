//! A small cloud for Watcher: the shared doubles ([`DoubleCloud`], the test-support `Cloud` on a
//! runtime of its own, for Watcher's blocking code), or real Nova 34 behind the real Keystone 30
//! that its harness serves ([`RealCloud`]).

use nova_double::Timings;
use real_nova_tests::harness::RealNova;
use serde_json::Value;
use std::ops::Deref;
use test_support::Cloud;

/// The test-support doubles on 127.0.0.1, serving from their own runtime until dropped.
#[derive(Debug)]
pub struct DoubleCloud {
    cloud: Cloud,
    // Last: the doubles' tasks stop before their runtime goes.
    _runtime: tokio::runtime::Runtime,
}

impl Deref for DoubleCloud {
    type Target = Cloud;

    fn deref(&self) -> &Cloud {
        &self.cloud
    }
}

impl DoubleCloud {
    /// Starts both doubles: hosts compute1..3, `timings` for Nova's steps, the catalog's
    /// compute endpoint (RegionOne) at the Nova double.
    pub fn start(timings: Timings) -> DoubleCloud {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the doubles");
        let cloud = runtime.block_on(Cloud::start(timings));
        DoubleCloud {
            cloud,
            _runtime: runtime,
        }
    }

    /// What Watcher's `[watcher_clients_auth]` needs: the Keystone double's admin.
    pub fn credentials(&self) -> Value {
        self.cloud.admin_credentials()
    }
}

/// Real Nova 34 (a fresh `tests/real-nova` harness: nova-api, conductor, scheduler, compute1..3
/// on a fake virt driver, one server booted per host) behind the harness's real Keystone, whose
/// catalog's compute (RegionOne, RegionTwo) and placement (RegionOne) endpoints are real Nova's
/// and Placement's; both validate Watcher's Keystone tokens with keystonemiddleware.
#[derive(Debug)]
pub struct RealCloud {
    /// The real Nova harness: its endpoint, its Keystone and the servers it booted.
    pub nova: RealNova,
    // For the harness client's requests.
    runtime: tokio::runtime::Runtime,
}

impl RealCloud {
    /// Starts real Nova and its Keystone (the venv is prepared once per process); a failure to
    /// start fails the test, with the harness's stderr.
    pub fn start() -> RealCloud {
        let nova = RealNova::start().unwrap_or_else(|why| panic!("{why}"));
        eprintln!(
            "real-nova: harness ready in {:.1} s",
            nova.startup.as_secs_f64()
        );
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime for the harness client");
        RealCloud { nova, runtime }
    }

    /// What Watcher's `[watcher_clients_auth]` needs: the real Keystone's admin (project
    /// `admin`), RegionOne.
    pub fn credentials(&self) -> Value {
        serde_json::json!({
            "auth_url": self.nova.keystone,
            "username": self.nova.admin.username,
            "password": self.nova.admin.password,
            "project_name": self.nova.admin.project,
            "region_name": "RegionOne",
        })
    }

    /// The server the harness booted on `host`.
    pub fn server_on(&self, host: &str) -> String {
        self.nova.server_on(host)
    }

    /// The server as real Nova shows it to an admin.
    pub fn server(&self, id: &str) -> Value {
        self.runtime.block_on(self.nova.server(id))
    }

    /// `GET /os-migrations?instance_uuid=` as an admin, newest first.
    pub fn migrations_of(&self, id: &str) -> Vec<Value> {
        self.runtime.block_on(self.nova.migrations_of(id))
    }

    /// Boots one more server on `host` (project `demo`) and waits until it is ACTIVE.
    pub fn boot_on(&self, host: &str) -> String {
        self.runtime.block_on(self.nova.boot_on(host))
    }

    /// Stops a server (os-stop, then SHUTOFF) through the harness.
    pub fn stop(&self, id: &str) {
        self.runtime.block_on(self.nova.stop(id))
    }

    /// The microversion of every compute API request nova-api received whose path contains
    /// `path_contains`, in order (from the harness's request log).
    pub fn request_versions(&self, path_contains: &str) -> Vec<String> {
        self.runtime
            .block_on(self.nova.request_versions(path_contains))
    }

    /// Every compute API request real Nova has received, in order: `(method, path)`.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.runtime.block_on(self.nova.requests())
    }

    /// Nova's own time for the server's instance actions named in `actions`, as Nova recorded
    /// them (from each action's start to the end of its last event).
    pub fn instance_action_seconds(&self, id: &str, actions: &[&str]) -> f64 {
        self.runtime
            .block_on(self.nova.instance_action_seconds(id, actions))
    }

    /// The nova-compute service of `host`, as `GET /os-services` shows it.
    pub fn compute_service(&self, host: &str) -> Value {
        self.runtime.block_on(self.nova.compute_service(host))
    }

    /// Disables the nova-compute service of `host`, as an operator would.
    pub fn disable_compute(&self, host: &str) {
        self.runtime
            .block_on(self.nova.set_compute_enabled(host, false))
    }

    /// Enables the nova-compute service of `host` again.
    pub fn enable_compute(&self, host: &str) {
        self.runtime
            .block_on(self.nova.set_compute_enabled(host, true))
    }
}
