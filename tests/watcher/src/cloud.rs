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

/// One HTTP answer from real Nova.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The body as JSON (`null` when it is not).
    pub body: Value,
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

    /// One request to real Nova at microversion 2.80 (`path` under the compute endpoint, e.g.
    /// `/servers`), with a token the Keystone double issued to its admin on project `admin`.
    pub fn request(&self, method: &str, path: &str) -> Answer {
        let token = self
            .keystone
            .issue_token("admin", "admin")
            .expect("the Keystone double's admin has a role on admin");
        let url = format!("{}{path}", self.nova.endpoint);
        let headers = [
            ("x-auth-token", token.as_str()),
            ("openstack-api-version", "compute 2.80"),
        ];
        let call = nova_double::client::request(method, &url, &headers, None);
        let (status, raw) = self.runtime.block_on(call).unwrap_or_else(|e| {
            let tail = self.nova.stderr_tail();
            panic!("real Nova answers {method} {path}: {e}\n{tail}")
        });
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Answer { status, body }
    }

    /// The server as real Nova shows it to an admin.
    pub fn server(&self, id: &str) -> Value {
        let answer = self.request("GET", &format!("/servers/{id}"));
        assert_eq!(answer.status, 200, "GET server {id}: {answer:?}");
        answer.body["server"].clone()
    }

    /// `GET /os-migrations?instance_uuid=` as an admin, newest first.
    pub fn migrations_of(&self, id: &str) -> Vec<Value> {
        let answer = self.request("GET", &format!("/os-migrations?instance_uuid={id}"));
        assert_eq!(answer.status, 200, "GET os-migrations: {answer:?}");
        answer.body["migrations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}
