//! The sandbox of one plugin call: a fresh `Store` whose state enforces one [`CallPolicy`].
//!
//! - [`allowlist`]: where outgoing requests may go (pure; the compute endpoint by default);
//! - [`credentials`]: where the token the host adds comes from (the plugin never sees it);
//! - `outbound`: every outgoing request, through wasmtime-wasi-http's `send_request` hook:
//!   allowlist, forged credential headers, the token, one retry after 401, the body limit;
//! - [`requests`]: what a plugin may ask of the compute endpoint (pure: rules and matching), and
//!   [`grants`]: the operator's narrowing or explicit widening of a plugin's declaration;
//! - [`retry`]: what is sent again after a transient fault, and how long the host waits;
//! - [`limits`]: memory, CPU (fuel), wall clock and response size, and the tripwire that
//!   records which one a call ran into;
//! - `tls`: HTTPS against an operator's private CA;
//! - `state`: the per-call `Store` data (no files, environment, arguments or sockets).

pub mod allowlist;
pub mod budget;
pub mod credentials;
pub mod grants;
pub mod limits;
mod outbound;
mod policy;
pub mod requests;
pub mod retry;
mod state;
mod tls;

use crate::call::Call;
use crate::error::HostError;
pub(crate) use policy::CallPolicy;
pub(crate) use state::CallState;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use wasmtime::{Engine, Store, UpdateDeadline};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;

/// How much of a plugin's stderr is kept for the error of a crashed call.
const STDERR_CAPACITY: usize = 16 * 1024;

/// A call's store and what the host reads back from it afterwards.
pub(crate) struct Sandbox {
    pub store: Store<CallState>,
    pub tripwire: limits::Tripwire,
    pub stderr: MemoryOutputPipe,
}

/// What a call's policy shares with the plugin and the runtime: the requests the plugin may
/// send and its count of refusals, the runtime's metrics and its endpoints' request budgets.
#[derive(Debug)]
pub(crate) struct Accounts {
    pub requests: Arc<requests::RequestRules>,
    pub denied: Arc<AtomicU64>,
    pub metrics: Arc<crate::metrics::Metrics>,
    pub budgets: Arc<budget::Budgets>,
}

impl Sandbox {
    /// A fresh store for one call of `plugin` under `call`'s policy and `limits`.
    pub fn new(
        engine: &Engine,
        plugin: Arc<str>,
        call: &Call,
        limits: limits::Limits,
        accounts: Accounts,
    ) -> Result<Sandbox, HostError> {
        let policy = CallPolicy::new(plugin, call, limits, accounts).map_err(HostError::Context)?;
        let tripwire = policy.tripwire.clone();
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let mut store = Store::new(engine, CallState::new(Arc::new(policy), stderr.clone()));
        store.limiter(|state| state.limiter());
        store.set_fuel(limits.cpu_fuel).map_err(HostError::Engine)?;
        // Yield to the executor at every tick so one busy plugin cannot starve the others.
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        store.set_epoch_deadline(1);
        Ok(Sandbox {
            store,
            tripwire,
            stderr,
        })
    }
}
