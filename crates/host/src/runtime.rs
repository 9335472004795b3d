//! The runtime: one wasmtime engine per process, plugins compiled once (and cached on disk),
//! and a fresh sandboxed instance, with its own limits, for every call.

use crate::bindings::{
    self, ActionError, ActionPlugin, ActionPluginPre, CONTRACTS, Context, Outcome, Readiness,
    v0_1_0,
};
use crate::cache::{self, ArtifactCache, Source};
use crate::call::Call;
use crate::engine::{Settings, engine_config, start_epoch_ticker};
use crate::error::{HostError, LoadProblem};
use crate::metrics::Metrics;
use crate::phase::{Phase, PhaseOutput, PhaseResult};
use crate::sandbox::budget::Budgets;
use crate::sandbox::grants::Permissions;
use crate::sandbox::limits::{Limit, Limits};
use crate::sandbox::requests::{RequestRule, RequestRules};
use crate::sandbox::{CallState, Sandbox};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    /// What the calls and the sandbox count.
    metrics: Arc<Metrics>,
    /// The request budget of each compute endpoint.
    budgets: Arc<Budgets>,
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
    pre: Contract,
    size: usize,
    source: Source,
    /// Why it was let in: the trust policy's reason, or that nothing was checked.
    trust: Arc<str>,
    /// What it may send: read from the plugin once (its `capabilities`), under the grants.
    permissions: Arc<tokio::sync::OnceCell<Arc<Permissions>>>,
    /// Its requests refused by the host, in all.
    denied: Arc<AtomicU64>,
}

/// A plugin by the contract version it was built for.
#[derive(Clone)]
enum Contract {
    /// `openstack:actions@0.2.0`: declares its requests.
    Latest(ActionPluginPre<CallState>),
    /// `openstack:actions@0.1.0`: declares nothing; may send only what the operator grants.
    V0_1_0(v0_1_0::ActionPluginPre<CallState>),
}

/// An instance of a plugin, by contract version.
enum Instance {
    Latest(ActionPlugin),
    V0_1_0(v0_1_0::ActionPlugin),
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("name", &self.name)
            .field("digest", &self.digest)
            .field("size", &self.size)
            .field("source", &self.source)
            .field("contract", &self.contract())
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

    /// Why it was let in: `signed by trusted key ...`, `pinned (...)`, `built in (...)`, or
    /// `not checked (no trust policy)`.
    pub fn trust(&self) -> &str {
        &self.trust
    }

    /// The contract it was built for, e.g. `openstack:actions@0.2.0`.
    pub fn contract(&self) -> &'static str {
        match self.pre {
            Contract::Latest(_) => CONTRACTS[0],
            Contract::V0_1_0(_) => CONTRACTS[1],
        }
    }

    /// What it declares and may send, once known ([`Runtime::permissions`] reads it).
    pub fn permissions(&self) -> Option<Arc<Permissions>> {
        self.permissions.get().cloned()
    }

    /// How many of its requests the host refused, in all.
    pub fn denied_requests(&self) -> u64 {
        self.denied.load(Ordering::Relaxed)
    }
}

impl Runtime {
    /// A runtime with default settings and no compilation cache.
    pub fn new() -> Result<Runtime, HostError> {
        Runtime::with_settings(Settings::default())
    }

    /// Sets up the engine, the linker with the sandbox's imports, the cache and the epoch ticker.
    pub fn with_settings(settings: Settings) -> Result<Runtime, HostError> {
        let nova_budget = settings.nova_budget;
        let engine_error = HostError::Engine;
        let engine = Engine::new(&engine_config(&settings)).map_err(engine_error)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(engine_error)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(engine_error)?;
        bindings::types::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(engine_error)?;
        bindings::host::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(engine_error)?;
        // The previous contract's imports: its types are the latest's, its host delegates.
        linker
            .instance("openstack:actions/types@0.1.0")
            .map_err(engine_error)?;
        v0_1_0::host::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s).map_err(engine_error)?;
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
            metrics: Arc::new(Metrics::new()),
            budgets: Arc::new(Budgets::new(nova_budget)),
        })
    }

    /// The settings it runs with.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The settings it was made with.
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
            None => "not checked (no trust policy)".into(),
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
            "built in (part of the installed program, not checked)",
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
            .contract(&component)
            .map_err(|(problem, e)| load_error(problem)(e))?;
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
            trust: trust.into(),
            permissions: Arc::default(),
            denied: Arc::default(),
        })
    }

    /// The contract `component` exports (the newest it does), ready to instantiate.
    fn contract(&self, component: &Component) -> Result<Contract, (LoadProblem, wasmtime::Error)> {
        let exports: Vec<String> = component
            .component_type()
            .exports(&self.engine)
            .map(|(name, _)| name.to_string())
            .collect();
        let exports_action = |contract: &str| {
            let action = contract.replace('@', "/action@");
            exports.contains(&action)
        };
        let pre = || {
            self.linker
                .instantiate_pre(component)
                .map_err(|e| (LoadProblem::Imports, e))
        };
        let contract = |e| (LoadProblem::Contract, e);
        if exports_action(CONTRACTS[0]) {
            Ok(Contract::Latest(
                ActionPluginPre::new(pre()?).map_err(contract)?,
            ))
        } else if exports_action(CONTRACTS[1]) {
            Ok(Contract::V0_1_0(
                v0_1_0::ActionPluginPre::new(pre()?).map_err(contract)?,
            ))
        } else {
            let exported = if exports.is_empty() {
                "nothing".into()
            } else {
                exports.join(", ")
            };
            Err(contract(wasmtime::Error::msg(format!(
                "it exports {exported}"
            ))))
        }
    }

    /// What `plugin` declares and may send under the settings' grants, read from the plugin
    /// once (a throwaway instance, which is also the check that it starts, answers
    /// `capabilities`) and kept with it.
    pub async fn permissions(&self, plugin: &Plugin) -> Result<Arc<Permissions>, HostError> {
        let known = plugin
            .permissions
            .get_or_try_init(|| self.read_permissions(plugin));
        known.await.cloned()
    }

    async fn read_permissions(&self, plugin: &Plugin) -> Result<Arc<Permissions>, HostError> {
        let permissions = self
            .settings
            .grants
            .permissions(&plugin.name, self.declared(plugin).await?)
            .map_err(|e| HostError::Load {
                plugin: plugin.name.to_string(),
                problem: LoadProblem::Grants,
                source: wasmtime::Error::new(e),
            })?;
        for rule in &permissions.overrides {
            tracing::warn!(plugin = %plugin.name, %rule, "granted by the operator beyond what the plugin declares");
        }
        Ok(Arc::new(permissions))
    }

    /// The requests `plugin` declares, each checked (none for a 0.1.0 plugin), from one
    /// throwaway instance: also the check that it starts.
    async fn declared(&self, plugin: &Plugin) -> Result<Vec<RequestRule>, HostError> {
        let load_error = |problem: LoadProblem| {
            move |source: wasmtime::Error| HostError::Load {
                plugin: plugin.name.to_string(),
                problem,
                source,
            }
        };
        let call = Call::new("http://127.0.0.1:9/", None);
        let mut sandbox = self.sandbox(plugin, &call, Arc::default())?;
        let instance = instantiate(plugin, &mut sandbox.store)
            .await
            .map_err(|e| start_error(plugin, e))?;
        let Instance::Latest(instance) = instance else {
            return Ok(Vec::new());
        };
        let grants = instance
            .openstack_actions_action()
            .call_capabilities(&mut sandbox.store)
            .await
            .map_err(load_error(LoadProblem::Start))?;
        grants
            .iter()
            .map(|g| RequestRule::new(&g.method, &g.path, &g.actions))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| load_error(LoadProblem::Capabilities)(wasmtime::Error::new(e)))
    }

    /// Creates one sandboxed instance of `plugin` and drops it without calling anything: a
    /// check that a freshly loaded plugin starts, and the measure of instantiation cost.
    pub async fn instantiate(&self, plugin: &Plugin) -> Result<(), HostError> {
        let call = Call::new("http://127.0.0.1:9/", None);
        let mut sandbox = self.sandbox(plugin, &call, Arc::default())?;
        let instance = instantiate(plugin, &mut sandbox.store).await;
        instance.map(drop).map_err(|e| start_error(plugin, e))
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
        let started = std::time::Instant::now();
        let answer = self.call_counted(plugin, call, phase, params).await;
        let outcome = match &answer {
            Ok(Ok(PhaseOutput::Readiness(Readiness::Skip(_)))) => "skipped",
            Ok(Ok(_)) => "ok",
            Ok(Err(error)) => crate::error::kind(error),
            Err(HostError::LimitExceeded { limit, .. }) => {
                self.metrics.limit(&plugin.name, limit);
                "limit-exceeded"
            }
            Err(_) => "host-error",
        };
        self.metrics
            .phase(&plugin.name, phase, outcome, started.elapsed());
        answer
    }

    async fn call_counted(
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
        let permissions = self.permissions(plugin).await?;
        let Sandbox {
            mut store,
            tripwire,
            stderr,
        } = self.sandbox(plugin, call, permissions.granted.clone())?;
        let wall_clock = limits.wall_clock_for(call.deadline);
        let stopped = |limit: Limit| HostError::LimitExceeded {
            plugin: plugin.name.to_string(),
            phase,
            limit,
        };
        let run = async {
            let instance = instantiate(plugin, &mut store)
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

    /// A fresh store for one call of `plugin`, with its limits and outbound policy: outgoing
    /// requests only to the endpoint, and there only `requests`.
    fn sandbox(
        &self,
        plugin: &Plugin,
        call: &Call,
        requests: Arc<RequestRules>,
    ) -> Result<Sandbox, HostError> {
        Sandbox::new(
            &self.engine,
            plugin.name.clone(),
            call,
            self.settings.limits,
            crate::sandbox::Accounts {
                requests,
                denied: plugin.denied.clone(),
                metrics: self.metrics.clone(),
                budgets: self.budgets.clone(),
            },
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

/// `Busy`, or the plugin's first instance not starting.
fn start_error(plugin: &Plugin, error: wasmtime::Error) -> HostError {
    busy(plugin, error).unwrap_or_else(|source| HostError::Load {
        plugin: plugin.name.to_string(),
        problem: LoadProblem::Start,
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

/// A fresh instance of `plugin` in `store`.
async fn instantiate(plugin: &Plugin, store: &mut Store<CallState>) -> wasmtime::Result<Instance> {
    Ok(match &plugin.pre {
        Contract::Latest(pre) => Instance::Latest(pre.instantiate_async(store).await?),
        Contract::V0_1_0(pre) => Instance::V0_1_0(pre.instantiate_async(store).await?),
    })
}

async fn invoke(
    instance: &Instance,
    store: &mut Store<CallState>,
    call: &Call,
    phase: Phase,
    params: &str,
) -> wasmtime::Result<PhaseResult> {
    let ctx = Context {
        compute_endpoint: call.compute_endpoint.clone(),
        request_id: call.request_id.clone(),
        deadline_ms: call
            .deadline
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    };
    // The two versions' `action` exports have the same functions and (latest) types.
    macro_rules! phases {
        ($action:expr) => {{
            let action = $action;
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
        }};
    }
    match instance {
        Instance::Latest(plugin) => phases!(plugin.openstack_actions_action()),
        Instance::V0_1_0(plugin) => phases!(plugin.openstack_actions_action()),
    }
}
