//! The bench: every built-in action loaded once per test binary, a fresh cloud of doubles per
//! test, and readers of what Nova shows.

use serde_json::Value;
use std::ops::Deref;
use std::time::Duration;
use test_support::Cloud;
use wasm_action_host::{ActionError, Call, Phase, PhaseOutput, PhaseResult, Readiness};

pub use nova_double::{Fault, Timings};
pub use serde_json::json;
pub use test_support::ADMIN;
pub use test_support::migrate::{details, error};
pub use wasm_action_host::Phase::*;

/// The doubles and an admin call with a 30 s deadline.
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
    /// Fresh doubles (compute1..3, fast steps).
    pub async fn start() -> Bench {
        let cloud = Cloud::start(Timings::fast()).await;
        let mut call = Call::new(cloud.nova.endpoint(), Some(ADMIN.into()));
        call.deadline = Some(Duration::from_secs(30));
        Bench { cloud, call }
    }

    /// Runs one phase of built-in `action`; a host error fails the test.
    pub async fn run(&self, action: &str, phase: Phase, params: &Value) -> PhaseResult {
        let (runtime, plugins) = test_support::actions::builtins();
        let plugin = &plugins[action];
        runtime
            .call(plugin, &self.call, phase, &params.to_string())
            .await
            .expect("the host gets an answer")
    }

    /// Posts a server action straight to the double, as another client would; the status.
    pub async fn nova_action(&self, id: &str, body: Value) -> u16 {
        let url = format!("{}/servers/{id}/action", self.nova.endpoint());
        let body = body.to_string();
        let (status, _) = nova_double::client::admin_request("POST", &url, Some(&body))
            .await
            .expect("the double answers");
        status
    }

    /// A nova-compute service as `GET /os-services?host=` shows it (2.80).
    pub async fn service(&self, host: &str) -> Value {
        let url = format!("{}/os-services?host={host}", self.nova.endpoint());
        let (status, body) = nova_double::client::admin_request("GET", &url, None)
            .await
            .expect("the double answers");
        assert_eq!(status, 200);
        let body: Value = serde_json::from_slice(&body).expect("JSON");
        body["services"][0].clone()
    }

    /// The requests Nova received that mutate something (not GET), as `METHOD path body`.
    pub fn mutations(&self) -> Vec<String> {
        self.nova
            .requests()
            .into_iter()
            .filter(|r| r.method != "GET")
            .map(|r| {
                format!("{} {} {}", r.method, r.path, r.body)
                    .trim_end()
                    .to_string()
            })
            .collect()
    }
}

/// The reason of a pre-condition that said skip.
pub fn skipped(result: PhaseResult) -> String {
    match result {
        Ok(PhaseOutput::Readiness(Readiness::Skip(reason))) => reason,
        other => panic!("expected a skip, got {other:?}"),
    }
}

/// Asserts a validate or post-condition passed.
pub fn done(result: PhaseResult) {
    match result {
        Ok(PhaseOutput::Done) => {}
        other => panic!("expected done, got {other:?}"),
    }
}

/// Asserts a pre-condition said proceed.
pub fn proceeds(result: PhaseResult) {
    match result {
        Ok(PhaseOutput::Readiness(Readiness::Proceed)) => {}
        other => panic!("expected proceed, got {other:?}"),
    }
}

/// The message of a `conflict`, `not-found`, `denied` or `unsupported`.
pub fn problem(error: &ActionError) -> String {
    match error {
        ActionError::Conflict(p)
        | ActionError::NotFound(p)
        | ActionError::Denied(p)
        | ActionError::Unsupported(p) => p.message.clone(),
        other => panic!("expected a problem, got {other:?}"),
    }
}

/// The invalid fields' paths of an `invalid-input`.
pub fn invalid_paths(result: PhaseResult) -> Vec<String> {
    match error(result) {
        ActionError::InvalidInput(fields) => fields.into_iter().map(|f| f.path).collect(),
        other => panic!("expected invalid-input, got {other:?}"),
    }
}
