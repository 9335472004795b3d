//! The test bench: the real built component in the real host, against a fresh Nova double.

use nova_double::{Config, MigrationView, NovaDouble, ServerSpec, ServerView, Timings};
use serde_json::Value;
use std::sync::OnceLock;
use std::time::Duration;
use wasm_action_host::{Call, Phase, PhaseOutput, PhaseResult, Plugin, Readiness, Runtime};

pub use crate::phases::*;

/// The admin token of the double's auth stand-in (`USER:PROJECT[:ROLES]`).
pub const ADMIN: &str = "admin:admin";

/// One engine and one compiled component per test binary: compiling is the slow part.
pub fn plugin() -> &'static (Runtime, Plugin) {
    static PLUGIN: OnceLock<(Runtime, Plugin)> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        let runtime = Runtime::new().expect("the engine starts");
        let plugin = runtime
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("the built component loads");
        (runtime, plugin)
    })
}

/// A Nova double with fast timings and the host's call settings for it.
pub struct Cloud {
    pub nova: NovaDouble,
    pub call: Call,
}

impl Cloud {
    /// A fresh double (compute1..3, fast steps) and an admin call with a 30 s deadline.
    pub async fn start() -> Cloud {
        Cloud::with_timings(Timings::fast()).await
    }

    /// A fresh double with the given step durations.
    pub async fn with_timings(timings: Timings) -> Cloud {
        let nova = NovaDouble::start(Config {
            timings,
            ..Config::default()
        })
        .await
        .expect("the double starts");
        let mut call = Call::new(nova.endpoint(), Some(ADMIN.into()));
        call.deadline = Some(Duration::from_secs(30));
        Cloud { nova, call }
    }

    /// Makes the host send `token` (or none) with the plugin's requests.
    pub fn use_token(&mut self, token: Option<&str>) {
        self.call.credentials =
            token.map(|t| std::sync::Arc::new(wasm_action_host::StaticToken::new(t)) as _);
    }

    /// Adds an ACTIVE server on `host`.
    pub fn active_on(&self, host: &str) -> String {
        self.nova.add_server(ServerSpec::active(host))
    }

    /// Adds a SHUTOFF server on `host`.
    pub fn shutoff_on(&self, host: &str) -> String {
        self.nova.add_server(ServerSpec::shutoff(host))
    }

    /// Runs one phase; a host error fails the test (these tests are about the action's answers).
    pub async fn run(&self, phase: Phase, params: &Value) -> PhaseResult {
        let (runtime, plugin) = plugin();
        runtime
            .call(plugin, &self.call, phase, &params.to_string())
            .await
            .expect("the host gets an answer")
    }

    /// The server as the double holds it.
    pub fn server(&self, id: &str) -> ServerView {
        self.nova.server(id).expect("the server exists")
    }

    /// The migrations of one server, newest first.
    pub fn migrations_of(&self, id: &str) -> Vec<MigrationView> {
        self.nova
            .migrations()
            .into_iter()
            .filter(|m| m.instance_uuid == id)
            .collect()
    }

    /// Posts a server action straight to the double, as another client would.
    pub async fn nova_action(&self, id: &str, body: Value) -> u16 {
        let path = format!("/v2.1/servers/{id}/action");
        self.nova_request("POST", &path, Some(body)).await
    }

    /// Sends one admin request to the double at microversion 2.80; returns the status.
    pub async fn nova_request(&self, method: &str, path: &str, body: Option<Value>) -> u16 {
        let url = format!("http://{}{path}", self.nova.addr());
        let body = body.map(|b| b.to_string());
        let (status, _) = nova_double::client::admin_request(method, &url, body.as_deref())
            .await
            .expect("the double answers");
        status
    }

    /// Waits (polling the double's state, at most 10 s) until `check` holds for the server.
    pub async fn until(&self, id: &str, check: impl Fn(&ServerView) -> bool) -> ServerView {
        for _ in 0..1000 {
            let server = self.server(id);
            if check(&server) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "server {id} never reached the expected state: {:?}",
            self.server(id)
        );
    }
}

/// The readiness a pre-condition answered.
pub fn readiness(result: PhaseResult) -> Readiness {
    match result {
        Ok(PhaseOutput::Readiness(readiness)) => readiness,
        other => panic!("expected a readiness, got {other:?}"),
    }
}

/// A UUID that no server has.
pub const NO_SUCH_SERVER: &str = "00000000-0000-4000-8000-000000000000";
