//! A small cloud for Watcher: a Keystone double whose catalog points at a Nova double
//! ([`Cloud`]), or at real Nova 34 ([`RealCloud`]).

use keystone_double::{ADMIN_PASSWORD, KeystoneDouble};
use nova_double::{MigrationView, NovaDouble, RecordedRequest, ServerSpec, ServerView, Timings};
use real_nova_tests::harness::RealNova;
use serde_json::{Value, json};

/// Keystone and Nova doubles on 127.0.0.1, serving from their own runtime until dropped.
#[derive(Debug)]
pub struct Cloud {
    /// The Nova double: seed servers, inject faults, read its state and requests.
    pub nova: NovaDouble,
    /// The Keystone double Watcher authenticates against.
    pub keystone: KeystoneDouble,
    // Last: the doubles' tasks stop before their runtime goes.
    _runtime: tokio::runtime::Runtime,
}

impl Cloud {
    /// Starts both doubles: hosts compute1..3, `timings` for Nova's steps, the catalog's
    /// compute endpoint (RegionOne) at the Nova double.
    pub fn start(timings: Timings) -> Cloud {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime for the doubles");
        let (nova, keystone) = runtime.block_on(async {
            let config = nova_double::Config {
                timings,
                ..nova_double::Config::default()
            };
            let nova = NovaDouble::start(config)
                .await
                .expect("the Nova double starts");
            let catalog =
                keystone_double::Config::default().with_compute("RegionOne", &nova.endpoint());
            let keystone = KeystoneDouble::start(catalog)
                .await
                .expect("the Keystone double starts");
            (nova, keystone)
        });
        Cloud {
            nova,
            keystone,
            _runtime: runtime,
        }
    }

    /// What Watcher's `[watcher_clients_auth]` needs: the Keystone double's admin.
    pub fn credentials(&self) -> Value {
        admin_credentials(&self.keystone)
    }

    /// Seeds an `ACTIVE` server on `host`; returns its id.
    pub fn active_on(&self, host: &str) -> String {
        self.nova.add_server(ServerSpec::active(host))
    }

    /// The server as Nova shows it now.
    pub fn server(&self, id: &str) -> ServerView {
        self.nova
            .server(id)
            .unwrap_or_else(|| panic!("the Nova double has no server {id}"))
    }

    /// Asserts that Nova shows server `id` ACTIVE on `host`; returns the server.
    pub fn assert_active_on(&self, id: &str, host: &str) -> ServerView {
        let server = self.server(id);
        assert_eq!(
            (server.host.as_str(), server.status.as_str()),
            (host, "ACTIVE"),
            "server {id}: {server:?}"
        );
        server
    }

    /// The migration records of one server, newest first.
    pub fn migrations_of(&self, id: &str) -> Vec<MigrationView> {
        let all = self.nova.migrations().into_iter();
        all.filter(|m| m.instance_uuid == id).collect()
    }

    /// The requests Nova received about one server (its path names it), oldest first.
    pub fn requests_about(&self, id: &str) -> Vec<RecordedRequest> {
        let all = self.nova.requests().into_iter();
        all.filter(|r| r.path.contains(id)).collect()
    }

    /// The server actions posted about one server (`migrate`, `confirmResize`, ...), in order.
    pub fn actions_posted(&self, id: &str) -> Vec<String> {
        let posted = self
            .requests_about(id)
            .into_iter()
            .filter(|r| r.method == "POST");
        let name = |r: RecordedRequest| {
            let body: Value = serde_json::from_str(&r.body).unwrap_or_default();
            body.as_object()
                .and_then(|o| o.keys().next().cloned())
                .unwrap_or_default()
        };
        posted.map(name).collect()
    }
}

fn admin_credentials(keystone: &KeystoneDouble) -> Value {
    json!({
        "auth_url": keystone.endpoint(),
        "username": "admin",
        "password": ADMIN_PASSWORD,
        "project_name": "admin",
        "region_name": "RegionOne",
    })
}

/// Real Nova 34 (a fresh `tests/real-nova` harness: nova-api, conductor, scheduler, compute1..3
/// on a fake virt driver, one server booted per host) behind the Keystone double, whose catalog's
/// compute endpoint is real Nova's. The harness's auth stand-in takes the double's tokens
/// (`USER:PROJECT:ROLES`) as they are.
#[derive(Debug)]
pub struct RealCloud {
    /// The real Nova harness: its endpoint and the servers it booted.
    pub nova: RealNova,
    /// The Keystone double Watcher authenticates against.
    pub keystone: KeystoneDouble,
    // Last: the double's tasks stop before their runtime goes.
    runtime: tokio::runtime::Runtime,
}

impl RealCloud {
    /// Starts real Nova (its venv is prepared once per process) and the Keystone double; a
    /// failure to start fails the test, with the harness's stderr.
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
            .expect("a tokio runtime for the Keystone double");
        let catalog = keystone_double::Config::default().with_compute("RegionOne", &nova.endpoint);
        let keystone = runtime
            .block_on(KeystoneDouble::start(catalog))
            .expect("the Keystone double starts");
        RealCloud {
            nova,
            keystone,
            runtime,
        }
    }

    /// What Watcher's `[watcher_clients_auth]` needs: the Keystone double's admin.
    pub fn credentials(&self) -> Value {
        admin_credentials(&self.keystone)
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
}
