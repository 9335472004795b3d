//! The policy of one call, built once from its [`Call`] and the runtime's [`Limits`]: what the
//! sandbox's parts (outgoing HTTP, memory limiter, host imports) consult while the call runs.

use super::allowlist::{AllowList, OriginError};
use super::budget::EndpointGate;
use super::credentials::Credentials;
use super::limits::{Limits, Tripwire};
use super::requests::RequestRules;
use crate::call::Call;
use crate::events::Observer;
use crate::metrics::Metrics;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;
use tokio_rustls::rustls::ClientConfig;

/// Everything the sandbox enforces for one call of one plugin.
pub(crate) struct CallPolicy {
    /// The plugin's name, for logs and events.
    pub plugin: Arc<str>,
    /// The call's request id, for logs.
    pub request_id: String,
    /// Where outgoing requests may go.
    pub allowed: AllowList,
    /// What the plugin may ask of the compute endpoint (declared, then the operator's grants).
    pub requests: Arc<RequestRules>,
    /// The compute endpoint's path (e.g. `/v2.1`): request rules are below it.
    pub base_path: String,
    /// The plugin's refused requests, in all (shared with its report).
    pub denied: Arc<AtomicU64>,
    /// Where the token added to allowed requests comes from.
    pub credentials: Option<Arc<dyn Credentials>>,
    /// Who hears the plugin's logs, progress and refusals.
    pub observer: Observer,
    /// Whom to trust for HTTPS; `None`: the Mozilla roots.
    pub tls: Option<Arc<ClientConfig>>,
    /// The limits of the call.
    pub limits: Limits,
    /// Records the first limit the call runs into.
    pub tripwire: Tripwire,
    /// When the call must be over: no retry waits past it.
    pub ends: Instant,
    /// Requests sent again after a transient failure, in all.
    pub retries: AtomicU32,
    /// The runtime's counters.
    pub metrics: Arc<Metrics>,
    /// The compute endpoint's request budget, shared by every call to it.
    pub gate: Arc<EndpointGate>,
}

impl std::fmt::Debug for CallPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallPolicy")
            .field("plugin", &self.plugin)
            .field("request_id", &self.request_id)
            .field("allowed", &self.allowed)
            .field("requests", &self.requests)
            .field("credentials", &self.credentials)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl CallPolicy {
    /// The policy of `call` for `plugin`: only the compute endpoint's origin, and there only
    /// the `requests` the plugin may send.
    pub fn new(
        plugin: Arc<str>,
        call: &Call,
        limits: Limits,
        accounts: super::Accounts,
    ) -> Result<CallPolicy, OriginError> {
        let super::Accounts {
            requests,
            denied,
            metrics,
            budgets,
        } = accounts;
        let parsed = url::Url::parse(&call.compute_endpoint).ok();
        let base_path = parsed
            .as_ref()
            .map(|url| url.path().trim_end_matches('/').to_string())
            .unwrap_or_default();
        let origin = parsed
            .as_ref()
            .map(|url| url.origin().ascii_serialization())
            .unwrap_or_default();
        Ok(CallPolicy {
            plugin,
            request_id: call.request_id.clone(),
            allowed: AllowList::for_endpoint(&call.compute_endpoint)?,
            requests,
            base_path,
            denied,
            credentials: call.credentials.clone(),
            observer: call.observer.clone(),
            tls: call.tls.clone(),
            limits,
            tripwire: Tripwire::default(),
            ends: Instant::now() + call.deadline.unwrap_or(limits.wall_clock),
            retries: AtomicU32::new(0),
            metrics,
            gate: budgets.gate(&origin),
        })
    }

    /// Until when the request starting now may be retried: its budget, within the call's time.
    pub fn retry_until(&self) -> Instant {
        (Instant::now() + self.limits.retry_budget).min(self.ends)
    }

    /// Adds a request's retries to the call's count.
    pub fn count_retries(&self, retries: u32) {
        self.retries.fetch_add(retries, Ordering::Relaxed);
        self.metrics.retried(&self.plugin, retries);
    }
}
