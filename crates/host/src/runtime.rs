//! The runtime: one wasmtime engine per process, plugins compiled once (and cached on disk),
//! and a fresh sandboxed instance, with its own limits, for every call.

use crate::bindings::{
    self, ActionError, ActionPlugin, ActionPluginPre, Context, Outcome, Readiness,
};
use crate::cache::{self, ArtifactCache, Source};
use crate::call::Call;
use crate::engine::{Settings, engine_config, start_epoch_ticker};
use crate::error::{HostError, LoadProblem};
use crate::phase::{Phase, PhaseOutput, PhaseResult};
use crate::sandbox::limits::{Limit, Limits};
use crate::sandbox::{CallState, Sandbox};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, PoolConcurrencyLimitError, Store, Trap};

/// Loads plugins and runs their phases. One per process; share it behind an `Arc`.
pub struct Runtime {
    engine: Engine,
    linker: Linker<CallState>,
    settings: Settings,
    cache: Option<ArtifactCache>,
    ticker: Arc<AtomicBool>,
    /// One permit per call slot: calls beyond `max_concurrent_calls` wait for one.
    call_slots: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.ticker.store(true, Ordering::Relaxed);
    }
}

/// A compiled plugin, ready to be instantiated for each call. Cheap to clone.
#[derive(Clone)]
pub struct Plugin {
    name: Arc<str>,
    digest: Arc<str>,
    pre: ActionPluginPre<CallState>,
    size: usize,
    source: Source,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("digest", &self.digest)
            .field("size", &self.size)
            .field("source", &self.source)
            .finish()
    }
}

impl Plugin {
    /// The name it was loaded under.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The hex SHA-256 of the component.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The size of the component, in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether it was compiled now or loaded from the cache.
    pub fn source(&self) -> Source {
        self.source
    }
}

impl Runtime {
    /// A runtime with default settings and no compilation cache.
    pub fn new() -> Result<Runtime, HostError> {
        Runtime::with_settings(Settings::default())
    }

    /// Sets up the engine, the linker with the sandbox's imports, the cache and the epoch ticker.
    pub fn with_settings(settings: Settings) -> Result<Runtime, HostError> {
        let engine_error = HostError::Engine;
        let engine = Engine::new(&engine_config(&settings)).map_err(engine_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(engine_error)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(engine_error)?;
        bindings::types::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(engine_error)?;
        bindings::host::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(engine_error)?;
        let cache = match &settings.cache_dir {
            Some(dir) => Some(ArtifactCache::new(dir).map_err(|source| HostError::Cache {
                dir: dir.clone(),
                source,
            })?),
            None => None,
        };
        let ticker = start_epoch_ticker(&engine);
        let call_slots = Arc::new(tokio::sync::Semaphore::new(
            settings.max_concurrent_calls.max(1) as usize,
        ));
        Ok(Runtime {
            engine,
            linker,
            settings,
            cache,
            ticker,
            call_slots,
        })
    }

    /// The settings it runs with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Checks a plugin against the trust policy (`Settings::trust`), if there is one, then
    /// compiles it (or loads it from the cache) and checks that it implements the contract.
    /// Compilation is CPU-bound: call it off the request path (e.g. in `spawn_blocking`).
    pub fn load(&self, name: &str, wasm: &[u8]) -> Result<Plugin, HostError> {
        let trust = match &self.settings.trust {
            Some(policy) => match policy.check(wasm) {
                Ok(trusted) => trusted.to_string(),
                Err(reason) => {
                    return Err(HostError::Untrusted {
                        plugin: name.into(),
                        reason,
                    });
                }
            },
            None => "not checked: no trust policy".into(),
        };
        self.compile(name, wasm, &trust)
    }

    /// Loads a component compiled into this program (such as `builtin_plugins::MIGRATE`)
    /// without a trust check: it is part of the installed program, as trusted as the program
    /// itself. Never pass it bytes read at run time; those go through [`Runtime::load`].
    pub fn load_builtin(&self, name: &str, wasm: &'static [u8]) -> Result<Plugin, HostError> {
        self.compile(
            name,
            wasm,
            "built in: part of the installed program, not checked",
        )
    }

    fn compile(&self, name: &str, wasm: &[u8], trust: &str) -> Result<Plugin, HostError> {
        let load_error = |problem: LoadProblem| {
            move |source: wasmtime::Error| HostError::Load {
                plugin: name.into(),
                problem,
                source,
            }
        };
        let started = Instant::now();
        let digest = cache::digest(wasm);
        let (component, source) = match &self.cache {
            Some(cache) => cache.component(&self.engine, &digest, wasm),
            None => Component::new(&self.engine, wasm).map(|c| (c, Source::Compiled)),
        }
        .map_err(load_error(LoadProblem::NotAComponent))?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(load_error(LoadProblem::Imports))?;
        let pre = ActionPluginPre::new(pre).map_err(load_error(LoadProblem::Contract))?;
        let how = match source {
            Source::Compiled => "compiled",
            Source::Cache => "loaded from cache",
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(
            plugin = name,
            digest = &digest[..12],
            bytes = wasm.len(),
            ms,
            trust,
            "plugin {how}"
        );
        Ok(Plugin {
            name: name.into(),
            digest: digest.into(),
            pre,
            size: wasm.len(),
            source,
        })
    }

    /// Creates one sandboxed instance of `plugin` and drops it without calling anything: a
    /// check that a freshly loaded plugin starts, and the measure of instantiation cost.
    pub async fn instantiate(&self, plugin: &Plugin) -> Result<(), HostError> {
        let call = Call::new("http://127.0.0.1:9/", None);
        let mut sandbox = self.sandbox(plugin, &call)?;
        let instance = plugin.pre.instantiate_async(&mut sandbox.store).await;
        instance.map(drop).map_err(|e| match busy(plugin, e) {
            Ok(busy) => busy,
            Err(source) => HostError::Load {
                plugin: plugin.name.to_string(),
                problem: LoadProblem::Start,
                source,
            },
        })
    }

    /// Runs one phase of a plugin in a fresh sandbox. `Ok` holds the action's own answer,
    /// success or typed failure; `Err` means the plugin could not answer. When all
    /// `max_concurrent_calls` slots are busy, the call waits for one.
    pub async fn call(
        &self,
        plugin: &Plugin,
        call: &Call,
        phase: Phase,
        params: &str,
    ) -> Result<PhaseResult, HostError> {
        let _slot = self
            .call_slots
            .acquire()
            .await
            .map_err(|_| HostError::ShuttingDown)?;
        let limits = self.settings.limits;
        let Sandbox {
            mut store,
            tripwire,
            stderr,
        } = self.sandbox(plugin, call)?;
        let wall_clock = limits.wall_clock_for(call.deadline);
        let stopped = |limit: Limit| HostError::LimitExceeded {
            plugin: plugin.name.to_string(),
            phase,
            limit,
        };
        let run = async {
            let instance = plugin
                .pre
                .instantiate_async(&mut store)
                .await
                .map_err(|e| instantiate_error(plugin, phase, e))?;
            invoke(&instance, &mut store, call, phase, params)
                .await
                .map_err(|e| trap_error(plugin, phase, limits, e, &stderr.contents()))
        };
        let answer = match tokio::time::timeout(wall_clock, run).await {
            Ok(answer) => answer,
            Err(_) => return Err(stopped(Limit::WallClock(wall_clock))),
        };
        let retries = store.data().retries();
        if retries > 0 {
            tracing::info!(plugin = %plugin.name, %phase, retries, "requests were sent again after transient faults");
        }
        // A tripped limit overrides whatever the plugin made of the refusal it saw.
        match tripwire.tripped() {
            Some(limit) => Err(stopped(limit)),
            None => answer.map(|result| result.map(|output| with_retries(output, retries))),
        }
    }

    /// A fresh store for one call of `plugin`, with its limits and outbound policy.
    fn sandbox(&self, plugin: &Plugin, call: &Call) -> Result<Sandbox, HostError> {
        Sandbox::new(
            &self.engine,
            plugin.name.clone(),
            call,
            self.settings.limits,
        )
    }
}

/// An outcome's details with the host's count of requests sent again after transient faults
/// (`http_retries`), when there were any and the details are a JSON object.
fn with_retries(output: PhaseOutput, retries: u32) -> PhaseOutput {
    let PhaseOutput::Outcome(mut outcome) = output else {
        return output;
    };
    if retries > 0
        && let Ok(serde_json::Value::Object(mut details)) = serde_json::from_str(&outcome.details)
    {
        details.insert("http_retries".into(), retries.into());
        outcome.details = serde_json::Value::Object(details).to_string();
    }
    PhaseOutput::Outcome(outcome)
}

/// `Busy` when the pooling allocator refused an instance, the error itself otherwise.
fn busy(plugin: &Plugin, error: wasmtime::Error) -> Result<HostError, wasmtime::Error> {
    error
        .downcast::<PoolConcurrencyLimitError>()
        .map(|source| HostError::Busy {
            plugin: plugin.name.to_string(),
            source,
        })
}

fn instantiate_error(plugin: &Plugin, phase: Phase, error: wasmtime::Error) -> HostError {
    busy(plugin, error).unwrap_or_else(|source| HostError::Instantiate {
        plugin: plugin.name.to_string(),
        phase,
        source,
    })
}

fn trap_error(
    plugin: &Plugin,
    phase: Phase,
    limits: Limits,
    error: wasmtime::Error,
    stderr: &[u8],
) -> HostError {
    if error.downcast_ref::<Trap>() == Some(&Trap::OutOfFuel) {
        return HostError::LimitExceeded {
            plugin: plugin.name.to_string(),
            phase,
            limit: Limit::Cpu(limits.cpu_fuel),
        };
    }
    HostError::Trap {
        plugin: plugin.name.to_string(),
        phase,
        // The guest's last words (a Rust panic message) say more than the trap itself.
        said: String::from_utf8_lossy(stderr).trim().to_string(),
        source: error,
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
