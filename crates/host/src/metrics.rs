//! What the host counts, in Prometheus' text format: every runtime keeps one [`Metrics`] and
//! the sandbox, the calls and the embedder (actions' final states, plugin versions) feed it.
//! `wasm-action serve` exposes it on `/metrics`; an applier engine can do the same with
//! [`Metrics::encode`].

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Duration;

use crate::phase::Phase;
use crate::sandbox::limits::Limit;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    plugin: String,
    method: String,
    /// The HTTP status, or `none` when no answer came.
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PluginLabels {
    plugin: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PhaseLabels {
    plugin: String,
    phase: String,
    /// `ok`, `skipped`, the action error's kind, or `host-error`.
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LimitLabels {
    plugin: String,
    limit: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action_type: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    plugin: String,
    version: String,
    digest: String,
}

/// The host's counters, histograms and gauges.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    retries: Family<PluginLabels, Counter>,
    denied: Family<PluginLabels, Counter>,
    phases: Family<PhaseLabels, Histogram>,
    limits: Family<LimitLabels, Counter>,
    actions: Family<ActionLabels, Counter>,
    plugins: Family<VersionLabels, Gauge>,
    budget_waits: Family<PluginLabels, Counter<f64>>,
}

/// Phase durations from 10 ms to about 20 min.
fn phase_buckets() -> Histogram {
    Histogram::new([
        0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0,
    ])
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty metrics, every family registered under the `wasm_action` prefix.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("wasm_action");
        let requests = Family::<RequestLabels, Counter>::default();
        let retries = Family::<PluginLabels, Counter>::default();
        let denied = Family::<PluginLabels, Counter>::default();
        let phases =
            Family::<PhaseLabels, Histogram>::new_with_constructor(phase_buckets as fn() -> _);
        let limits = Family::<LimitLabels, Counter>::default();
        let actions = Family::<ActionLabels, Counter>::default();
        let plugins = Family::<VersionLabels, Gauge>::default();
        let budget_waits = Family::<PluginLabels, Counter<f64>>::default();
        registry.register(
            "nova_requests",
            "Requests plugins sent to the compute endpoint, each attempt, by HTTP status (none: no answer)",
            requests.clone(),
        );
        registry.register(
            "nova_retries",
            "Requests sent again after a transient fault (502/503/504, a lost connection)",
            retries.clone(),
        );
        registry.register(
            "requests_refused",
            "Requests the sandbox refused: outside the allowlist or not among those the plugin may send",
            denied.clone(),
        );
        registry.register(
            "phase_duration_seconds",
            "Plugin phases, by plugin, phase and outcome",
            phases.clone(),
        );
        registry.register(
            "limits_hit",
            "Calls stopped by a sandbox limit (memory, cpu, wall_clock, response_body)",
            limits.clone(),
        );
        registry.register(
            "actions_finished",
            "Actions that reached a final state, by Watcher action type and state",
            actions.clone(),
        );
        registry.register(
            "plugin_versions",
            "Plugin versions in service (1 for each)",
            plugins.clone(),
        );
        registry.register(
            "budget_wait_seconds",
            "Time requests waited for their turn under the compute endpoint's request budget",
            budget_waits.clone(),
        );
        Metrics {
            budget_waits,
            registry,
            requests,
            retries,
            denied,
            phases,
            limits,
            actions,
            plugins,
        }
    }

    /// One attempt of an outgoing request: its HTTP status, or `None` when no answer came.
    pub(crate) fn request(&self, plugin: &str, method: &str, status: Option<u16>) {
        let labels = RequestLabels {
            plugin: plugin.into(),
            method: method.into(),
            status: status.map_or_else(|| "none".into(), |s| s.to_string()),
        };
        self.requests.get_or_create(&labels).inc();
    }

    /// Requests sent again.
    pub(crate) fn retried(&self, plugin: &str, retries: u32) {
        if retries > 0 {
            let labels = PluginLabels {
                plugin: plugin.into(),
            };
            self.retries
                .get_or_create(&labels)
                .inc_by(u64::from(retries));
        }
    }

    /// A request that waited `waited` for its turn under the endpoint's budget.
    pub(crate) fn budget_wait(&self, plugin: &str, waited: Duration) {
        let labels = PluginLabels {
            plugin: plugin.into(),
        };
        self.budget_waits
            .get_or_create(&labels)
            .inc_by(waited.as_secs_f64());
    }

    /// A request the sandbox refused.
    pub(crate) fn refused(&self, plugin: &str) {
        let labels = PluginLabels {
            plugin: plugin.into(),
        };
        self.denied.get_or_create(&labels).inc();
    }

    /// A phase that ended with `outcome` after `took`.
    pub(crate) fn phase(&self, plugin: &str, phase: Phase, outcome: &str, took: Duration) {
        let labels = PhaseLabels {
            plugin: plugin.into(),
            phase: phase.as_str().into(),
            outcome: outcome.into(),
        };
        self.phases
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
    }

    /// A call stopped by `limit`.
    pub(crate) fn limit(&self, plugin: &str, limit: &Limit) {
        let name = match limit {
            Limit::Memory(_) => "memory",
            Limit::Cpu(_) => "cpu",
            Limit::WallClock(_) => "wall_clock",
            Limit::ResponseBody(_) => "response_body",
        };
        let labels = LimitLabels {
            plugin: plugin.into(),
            limit: name.into(),
        };
        self.limits.get_or_create(&labels).inc();
    }

    /// An action of `action_type` that reached its final `state` (e.g. `SUCCEEDED`).
    pub fn action_finished(&self, action_type: &str, state: &str) {
        let labels = ActionLabels {
            action_type: action_type.into(),
            state: state.into(),
        };
        self.actions.get_or_create(&labels).inc();
    }

    /// Replaces the plugin versions in service: `(plugin, version, digest)` each.
    pub fn set_plugin_versions<'a>(
        &self,
        versions: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) {
        self.plugins.clear();
        for (plugin, version, digest) in versions {
            let labels = VersionLabels {
                plugin: plugin.into(),
                version: version.into(),
                digest: digest.into(),
            };
            self.plugins.get_or_create(&labels).set(1);
        }
    }

    /// Everything, in Prometheus' text exposition format (OpenMetrics).
    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
