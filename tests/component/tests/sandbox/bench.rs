//! One runtime with small limits, so that limits trip fast, and the plugins loaded into it.

use nova_double::{Config, NovaDouble, ServerSpec, Timings};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use wasm_action_host::{
    Call, HostError, Limits, Phase, PhaseResult, Plugin, PluginEvent, Runtime, Settings,
};

/// The limits of this bench: low enough that hostile plugins hit them in well under a second.
pub const LIMITS: Limits = Limits {
    memory_bytes: 32 << 20,
    cpu_fuel: 200_000_000,
    wall_clock: Duration::from_secs(60),
    grace: Duration::from_secs(5),
    response_body_bytes: 1 << 20,
    retry_budget: Duration::from_secs(10),
};

/// The admin token of the double.
pub const ADMIN: &str = "admin:admin";

/// The runtime and every plugin of this bench, compiled once per test binary.
pub fn bench() -> &'static (Runtime, HashMap<&'static str, Plugin>) {
    static BENCH: OnceLock<(Runtime, HashMap<&'static str, Plugin>)> = OnceLock::new();
    BENCH.get_or_init(|| {
        let settings = Settings {
            limits: LIMITS,
            max_concurrent_calls: 64,
            ..Settings::default()
        };
        let runtime = Runtime::with_settings(settings).expect("the engine starts");
        let mut plugins = HashMap::new();
        for (name, wasm) in test_plugins::ALL
            .iter()
            .filter(|(name, _)| *name != "wrong-contract")
        {
            plugins.insert(
                *name,
                runtime.load(name, wasm).expect("the test plugin loads"),
            );
        }
        plugins.insert(
            "migrate",
            runtime
                .load("migrate", builtin_plugins::MIGRATE)
                .expect("migrate loads"),
        );
        (runtime, plugins)
    })
}

/// A double, a call against it that records the plugin's events, and a server on compute1.
pub struct Scene {
    pub nova: NovaDouble,
    pub call: Call,
    pub events: Arc<Mutex<Vec<PluginEvent>>>,
    pub server: String,
}

impl Scene {
    /// A fresh scene.
    pub async fn new() -> Scene {
        let nova = NovaDouble::start(Config {
            timings: Timings::fast(),
            ..Config::default()
        })
        .await
        .expect("the double starts");
        let server = nova.add_server(ServerSpec::active("compute1"));
        let events = Arc::new(Mutex::new(Vec::new()));
        let mut call = Call::new(nova.endpoint(), Some(ADMIN.into()));
        let sink = events.clone();
        call.observer = Arc::new(move |event: &PluginEvent| {
            sink.lock().expect("events lock").push(event.clone())
        });
        Scene {
            nova,
            call,
            events,
            server,
        }
    }

    /// Runs `phase` of the named plugin with `params`.
    pub async fn run(
        &self,
        plugin: &str,
        phase: Phase,
        params: serde_json::Value,
    ) -> Result<PhaseResult, HostError> {
        let (runtime, plugins) = bench();
        runtime
            .call(&plugins[plugin], &self.call, phase, &params.to_string())
            .await
    }

    /// The well-behaved plugin's execute, which must succeed after any hostile call: it reads
    /// the server and answers with the status Nova gave.
    pub async fn normal_call_succeeds(&self) {
        let answer = self
            .run(
                "well-behaved",
                Phase::Execute,
                serde_json::json!({"resource_id": self.server}),
            )
            .await;
        match answer {
            Ok(Ok(wasm_action_host::PhaseOutput::Outcome(outcome))) => {
                assert_eq!(outcome.summary, "status 200")
            }
            other => panic!("the normal call right after failed: {other:?}"),
        }
    }

    /// The denials the host reported.
    pub fn denials(&self) -> Vec<(String, String)> {
        let events = self.events.lock().expect("events lock");
        events
            .iter()
            .filter_map(|e| match e {
                PluginEvent::Denied { target, reason, .. } => {
                    Some((target.clone(), reason.clone()))
                }
                _ => None,
            })
            .collect()
    }
}
