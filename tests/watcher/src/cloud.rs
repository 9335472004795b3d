//! A small cloud for Watcher: a Keystone double whose catalog points at a Nova double.

use keystone_double::{ADMIN_PASSWORD, KeystoneDouble};
use nova_double::{MigrationView, NovaDouble, RecordedRequest, ServerSpec, ServerView, Timings};
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
        json!({
            "auth_url": self.keystone.endpoint(),
            "username": "admin",
            "password": ADMIN_PASSWORD,
            "project_name": "admin",
            "region_name": "RegionOne",
        })
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
