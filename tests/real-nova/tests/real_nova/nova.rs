//! Talking to real Nova directly (as an admin or another client), and running the component.

use crate::harness::RealNova;
use serde_json::Value;
use std::time::{Duration, Instant};
use wasm_action_host::{Call, Phase, PhaseResult};

pub use real_nova_tests::client::Answer;
pub use test_support::migrate::*;

/// A started real Nova plus a client for it.
pub struct RealBench {
    pub nova: RealNova,
}

impl RealBench {
    /// Starts a fresh harness; a failure to start fails the test with the harness's stderr.
    pub fn start() -> RealBench {
        let nova = RealNova::start().unwrap_or_else(|why| panic!("{why}"));
        eprintln!(
            "real-nova: harness ready in {:.1} s",
            nova.startup.as_secs_f64()
        );
        RealBench { nova }
    }

    /// Runs one phase of the real component with `token`; a host error fails the test.
    pub async fn run_as(&self, token: &str, phase: Phase, params: &Value) -> PhaseResult {
        self.run_at(&self.nova.endpoint, token, phase, params).await
    }

    /// Runs one phase as admin against `endpoint` (e.g. a proxy in front of Nova).
    pub async fn run_through(&self, endpoint: &str, phase: Phase, params: &Value) -> PhaseResult {
        self.run_at(endpoint, self.nova.admin_token(), phase, params)
            .await
    }

    async fn run_at(
        &self,
        endpoint: &str,
        token: &str,
        phase: Phase,
        params: &Value,
    ) -> PhaseResult {
        let (runtime, plugin) = plugin();
        call(runtime, plugin, endpoint, token, phase, params).await
    }

    /// Runs one phase as admin.
    pub async fn run(&self, phase: Phase, params: &Value) -> PhaseResult {
        self.run_as(self.nova.admin_token(), phase, params).await
    }

    /// One admin request to `path` (under the host, e.g. `/v2.1/servers`) at microversion 2.80.
    pub async fn request(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.nova.request(method, path, body).await
    }

    /// One request with `token` at microversion 2.80.
    pub async fn request_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Answer {
        self.nova.request_as(token, method, path, body).await
    }

    /// The server as real Nova shows it to an admin.
    pub async fn server(&self, id: &str) -> Value {
        self.nova.server(id).await
    }

    /// `GET /os-migrations?instance_uuid=` (2.80), newest first.
    pub async fn migrations_of(&self, id: &str) -> Vec<Value> {
        self.nova.migrations_of(id).await
    }

    /// The address nova-api listens on (for a proxy in front of it).
    pub fn addr(&self) -> std::net::SocketAddr {
        let authority = self.nova.endpoint.trim_start_matches("http://");
        let authority = authority.split('/').next().unwrap_or_default();
        authority
            .parse()
            .unwrap_or_else(|e| panic!("nova-api's address {authority}: {e}"))
    }

    /// The actions Nova recorded for a server (`GET /servers/{id}/os-instance-actions`),
    /// oldest first: `create`, `migrate`, `confirmResize`, ...
    pub async fn instance_actions(&self, id: &str) -> Vec<String> {
        let path = format!("/v2.1/servers/{id}/os-instance-actions");
        let answer = self.request("GET", &path, None).await;
        let mut actions: Vec<(String, String)> = answer.body["instanceActions"]
            .as_array()
            .unwrap_or_else(|| panic!("instance actions of {id}: {answer:?}"))
            .iter()
            .map(|a| {
                let text = |key: &str| a[key].as_str().unwrap_or_default().to_string();
                (text("start_time"), text("action"))
            })
            .collect();
        actions.sort();
        actions.into_iter().map(|(_, action)| action).collect()
    }

    /// Posts a server action as an admin client other than the action.
    pub async fn action(&self, id: &str, body: Value) -> Answer {
        self.request("POST", &format!("/v2.1/servers/{id}/action"), Some(body))
            .await
    }

    /// Polls (50 ms) until the server's status is `status`, at most `within`.
    pub async fn wait_for_status(&self, id: &str, status: &str, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let server = self.server(id).await;
            if server["status"] == status {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "server {id} not {status} within {within:?}: {server}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Disables the nova-compute service of `host` through the real os-services API.
    pub async fn disable_compute(&self, host: &str) {
        self.nova.set_compute_enabled(host, false).await;
    }

    /// Sets the fake driver's faults and delays through the harness's control endpoint.
    pub async fn inject(&self, faults: Value) {
        let path = self.nova.control_path("/faults");
        let answer = self.request("PUT", &path, Some(faults)).await;
        assert_eq!(answer.status, 200, "inject faults: {answer:?}");
    }

    /// Stops a server (os-stop through the harness, which waits for SHUTOFF).
    pub async fn stop(&self, id: &str) {
        self.nova.stop(id).await;
    }
}

/// `(host, status)` of a server as Nova shows it.
pub fn placement(server: &Value) -> (String, String) {
    let text = |key: &str| server[key].as_str().unwrap_or_default().to_string();
    (text("OS-EXT-SRV-ATTR:host"), text("status"))
}

impl RealBench {
    /// Runs one phase of the built-in action `action` as admin.
    pub async fn run_action(&self, action: &str, phase: Phase, params: &Value) -> PhaseResult {
        let (runtime, plugins) = test_support::actions::builtins();
        let (endpoint, token) = (&self.nova.endpoint, self.nova.admin_token());
        call(runtime, &plugins[action], endpoint, token, phase, params).await
    }
}

/// One phase of `plugin` with `token` against `endpoint` (120 s); a host error fails the test.
async fn call(
    runtime: &wasm_action_host::Runtime,
    plugin: &wasm_action_host::Plugin,
    endpoint: &str,
    token: &str,
    phase: Phase,
    params: &Value,
) -> PhaseResult {
    let mut call = Call::new(endpoint, Some(token.into()));
    call.deadline = Some(Duration::from_secs(120));
    runtime
        .call(plugin, &call, phase, &params.to_string())
        .await
        .unwrap_or_else(|e| panic!("the host gets an answer: {e:?}"))
}
