//! The runtime: one wasmtime engine per process, plugins compiled once, and a fresh sandboxed
//! instance for every call.

use crate::bindings::{
    ActionError, ActionPlugin, ActionPluginPre, Context, Outcome, Readiness, openstack,
};
use crate::error::HostError;
use crate::events::Observer;
use crate::outbound::OutboundHooks;
use crate::phase::{Phase, PhaseOutput, PhaseResult};
use crate::policy::AllowList;
use crate::state::CallState;
use http::HeaderValue;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, Store, UpdateDeadline};

/// How often the engine's epoch advances; guests yield to the executor at each tick.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// The wall-clock limit of a call whose context gives no deadline.
const DEFAULT_WALL_CLOCK: Duration = Duration::from_secs(930);
/// Time a call may run beyond the deadline it gave the plugin, to report the timeout itself.
const DEADLINE_GRACE: Duration = Duration::from_secs(30);

/// Loads plugins and runs their phases. One per process; cheap to share behind an `Arc`.
pub struct Runtime {
    engine: Engine,
    linker: Linker<CallState>,
    ticker: Arc<AtomicBool>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").finish_non_exhaustive()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker.store(true, Ordering::Relaxed);
    }
}

/// A compiled plugin, ready to be instantiated for each call.
#[derive(Clone)]
pub struct Plugin {
    name: Arc<str>,
    pre: ActionPluginPre<CallState>,
    size: usize,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("size", &self.size)
            .finish()
    }
}

impl Plugin {
    /// The name it was loaded under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The size of the component, in bytes.
    pub fn size(&self) -> usize {
        self.size
    }
}

/// What the host gives one call besides the parameters.
#[derive(Clone)]
pub struct Call {
    /// The compute endpoint; also the only origin the plugin may reach.
    pub compute_endpoint: String,
    /// The token the host adds to the plugin's requests (the plugin never sees it).
    pub token: Option<String>,
    /// A request id for logs.
    pub request_id: String,
    /// How long the action may take (the plugin's own default when `None`).
    pub deadline: Option<Duration>,
    /// Receives the plugin's logs and progress.
    pub observer: Observer,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("compute_endpoint", &self.compute_endpoint)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("request_id", &self.request_id)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Call {
    /// A call against `compute_endpoint` with `token`, a fresh request id and no observer.
    pub fn new(compute_endpoint: impl Into<String>, token: Option<String>) -> Call {
        Call {
            compute_endpoint: compute_endpoint.into(),
            token,
            request_id: format!("req-{}", uuid::Uuid::new_v4()),
            deadline: None,
            observer: crate::events::ignore(),
        }
    }
}

impl Runtime {
    /// Sets up the engine, the linker with the sandbox's imports, and the epoch ticker.
    pub fn new() -> Result<Runtime, HostError> {
        let engine_error = |e: wasmtime::Error| HostError::Engine(format!("{e:#}"));
        let mut config = Config::new();
        config.epoch_interruption(true).concurrency_support(false);
        let engine = Engine::new(&config).map_err(engine_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(engine_error)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(engine_error)?;
        openstack::actions::types::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(engine_error)?;
        openstack::actions::host::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(engine_error)?;
        let ticker = start_epoch_ticker(&engine);
        Ok(Runtime {
            engine,
            linker,
            ticker,
        })
    }

    /// Compiles a plugin and checks that it implements the contract.
    pub fn load(&self, name: &str, wasm: &[u8]) -> Result<Plugin, HostError> {
        let load_error = |e: wasmtime::Error| HostError::Load {
            plugin: name.into(),
            reason: format!("{e:#}"),
        };
        let component = Component::new(&self.engine, wasm).map_err(load_error)?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(load_error)?;
        let pre = ActionPluginPre::new(pre).map_err(load_error)?;
        tracing::info!(plugin = name, bytes = wasm.len(), "plugin loaded");
        Ok(Plugin {
            name: name.into(),
            pre,
            size: wasm.len(),
        })
    }

    /// Runs one phase of a plugin in a fresh sandbox. `Ok` holds the action's own answer,
    /// success or typed failure; `Err` means the plugin could not answer.
    pub async fn call(
        &self,
        plugin: &Plugin,
        call: &Call,
        phase: Phase,
        params: &str,
    ) -> Result<PhaseResult, HostError> {
        let allowed = AllowList::for_endpoint(&call.compute_endpoint)
            .map_err(|e| HostError::Context(format!("compute endpoint: {e}")))?;
        let token =
            match &call.token {
                Some(t) => Some(HeaderValue::from_str(t).map_err(|_| {
                    HostError::Context("the token is not a valid header value".into())
                })?),
                None => None,
            };
        let hooks = OutboundHooks::new(plugin.name.clone(), allowed, token, call.observer.clone());
        let state = CallState::new(
            plugin.name.clone(),
            call.request_id.clone(),
            hooks,
            call.observer.clone(),
        );
        let mut store = Store::new(&self.engine, state);
        // Yield to the executor at every tick so one busy plugin cannot starve the others.
        store.epoch_deadline_callback(|_| Ok(UpdateDeadline::Yield(1)));
        store.set_epoch_deadline(1);
        let limit = call
            .deadline
            .map_or(DEFAULT_WALL_CLOCK, |d| d + DEADLINE_GRACE);
        let trap = |e: wasmtime::Error| HostError::Trap {
            plugin: plugin.name.to_string(),
            phase: phase.to_string(),
            reason: format!("{e:?}"),
        };
        let run = async {
            let instance = plugin
                .pre
                .instantiate_async(&mut store)
                .await
                .map_err(trap)?;
            invoke(&instance, &mut store, call, phase, params)
                .await
                .map_err(trap)
        };
        match tokio::time::timeout(limit, run).await {
            Ok(result) => result,
            Err(_) => Err(HostError::WallClock {
                plugin: plugin.name.to_string(),
                phase: phase.to_string(),
                limit,
            }),
        }
    }
}

async fn invoke(
    instance: &ActionPlugin,
    store: &mut Store<CallState>,
    call: &Call,
    phase: Phase,
    params: &str,
) -> wasmtime::Result<PhaseResult> {
    let action = instance.openstack_actions_action();
    let ctx = Context {
        compute_endpoint: call.compute_endpoint.clone(),
        request_id: call.request_id.clone(),
        deadline_ms: call
            .deadline
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    };
    let outcome = |r: Result<Outcome, ActionError>| r.map(PhaseOutput::Outcome);
    Ok(match phase {
        Phase::Schema => Ok(PhaseOutput::Schema(action.call_schema(&mut *store).await?)),
        Phase::Description => action
            .call_description(&mut *store, params)
            .await?
            .map(PhaseOutput::Description),
        Phase::Validate => action
            .call_validate(&mut *store, params)
            .await?
            .map(|()| PhaseOutput::Done),
        Phase::PreCondition => action
            .call_pre_condition(&mut *store, &ctx, params)
            .await?
            .map(|r: Readiness| PhaseOutput::Readiness(r)),
        Phase::Execute => outcome(action.call_execute(&mut *store, &ctx, params).await?),
        Phase::Revert => outcome(action.call_revert(&mut *store, &ctx, params).await?),
        Phase::Abort => outcome(action.call_abort(&mut *store, &ctx, params).await?),
        Phase::PostCondition => action
            .call_post_condition(&mut *store, &ctx, params)
            .await?
            .map(|()| PhaseOutput::Done),
    })
}

/// Advances the engine's epoch every tick until the runtime is dropped.
fn start_epoch_ticker(engine: &Engine) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let (engine, stopped) = (engine.weak(), stop.clone());
    std::thread::Builder::new()
        .name("wasm-epoch-ticker".into())
        .spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                match engine.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })
        .expect("spawning the epoch ticker thread");
    stop
}
