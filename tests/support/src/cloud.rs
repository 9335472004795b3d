//! The Nova and Keystone doubles as one cloud, and what the tests read back from it.

use keystone_double::{ADMIN_PASSWORD, KeystoneDouble};
use nova_double::{Config, MigrationView, NovaDouble, RecordedRequest, ServerSpec, ServerView};
use serde_json::{Value, json};

pub use nova_double::Timings;

/// The admin token of the Nova double's auth stand-in (`USER:PROJECT[:ROLES]`).
pub const ADMIN: &str = "admin:admin";

/// A Nova double (hosts compute1..3) and a Keystone double whose catalog's compute endpoint
/// (RegionOne) is the Nova double; the Nova double's 401 names that Keystone.
#[derive(Debug)]
pub struct Cloud {
    /// The Nova double: seed servers, inject faults, read its state and requests.
    pub nova: NovaDouble,
    /// The Keystone double.
    pub keystone: KeystoneDouble,
}

impl Cloud {
    /// Both doubles, Nova with `timings`.
    pub async fn start(timings: Timings) -> Cloud {
        Cloud::start_with(timings, |_| {}).await
    }

    /// Both doubles, Nova with `timings` and Keystone's configuration adjusted by `keystone`.
    pub async fn start_with(
        timings: Timings,
        keystone: impl FnOnce(&mut keystone_double::Config),
    ) -> Cloud {
        let nova = NovaDouble::start(Config {
            timings,
            ..Config::default()
        })
        .await
        .expect("the Nova double starts");
        let mut config =
            keystone_double::Config::default().with_compute("RegionOne", &nova.endpoint());
        keystone(&mut config);
        let keystone = KeystoneDouble::start(config)
            .await
            .expect("the Keystone double starts");
        nova.set_www_authenticate_uri(&keystone.endpoint());
        Cloud { nova, keystone }
    }

    /// The Keystone double's admin, as Watcher's `[watcher_clients_auth]` takes it.
    pub fn admin_credentials(&self) -> Value {
        admin_credentials(&self.keystone)
    }

    /// Seeds an ACTIVE server on `host`; returns its id.
    pub fn active_on(&self, host: &str) -> String {
        self.nova.add_server(ServerSpec::active(host))
    }

    /// Seeds a SHUTOFF server on `host`; returns its id.
    pub fn shutoff_on(&self, host: &str) -> String {
        self.nova.add_server(ServerSpec::shutoff(host))
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

/// The admin of a Keystone double, as Watcher's `[watcher_clients_auth]` takes it.
pub fn admin_credentials(keystone: &KeystoneDouble) -> Value {
    json!({
        "auth_url": keystone.endpoint(),
        "username": "admin",
        "password": ADMIN_PASSWORD,
        "project_name": "admin",
        "region_name": "RegionOne",
    })
}
