//! The test bench: the real built component in the real host, against a fresh cloud of doubles.

use nova_double::{ServerView, Timings};
use serde_json::Value;
use std::ops::Deref;
use std::time::Duration;
use test_support::Cloud;
use wasm_action_host::{Call, Phase, PhaseResult, Plugin, Runtime};

pub use test_support::ADMIN;
pub use test_support::migrate::*;

/// The doubles and the host's call settings for them.
pub struct Bench {
    pub cloud: Cloud,
    pub call: Call,
}

impl Deref for Bench {
    type Target = Cloud;

    fn deref(&self) -> &Cloud {
        &self.cloud
    }
}

impl Bench {
    /// Fresh doubles (compute1..3, fast steps) and an admin call with a 30 s deadline.
    pub async fn start() -> Bench {
        Bench::with_timings(Timings::fast()).await
    }

    /// Fresh doubles with the given step durations.
    pub async fn with_timings(timings: Timings) -> Bench {
        let cloud = Cloud::start(timings).await;
        let mut call = Call::new(cloud.nova.endpoint(), Some(ADMIN.into()));
        call.deadline = Some(Duration::from_secs(30));
        Bench { cloud, call }
    }

    /// Makes the host send `token` (or none) with the plugin's requests.
    pub fn use_token(&mut self, token: Option<&str>) {
        self.call.credentials =
            token.map(|t| std::sync::Arc::new(wasm_action_host::StaticToken::new(t)) as _);
    }

    /// Runs one phase; a host error fails the test (these tests are about the action's answers).
    pub async fn run(&self, phase: Phase, params: &Value) -> PhaseResult {
        self.run_on(plugin(), phase, params).await
    }

    /// As [`Bench::run`], on another runtime (other limits) and its load of the component.
    pub async fn run_on(
        &self,
        (runtime, plugin): &(Runtime, Plugin),
        phase: Phase,
        params: &Value,
    ) -> PhaseResult {
        runtime
            .call(plugin, &self.call, phase, &params.to_string())
            .await
            .expect("the host gets an answer")
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
