//! The process-wide engine: its configuration (pooling, fuel, epochs) and the epoch ticker.

use crate::sandbox::budget::RequestBudget;
use crate::sandbox::grants::Grants;
use crate::sandbox::limits::Limits;
use crate::trust::TrustPolicy;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Instance slots kept free of calls.
const SPARE_SLOTS: u32 = 4;
/// How often the engine's epoch advances; a running guest yields to the executor at each tick.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// How the runtime is set up. `Settings::default()` suits an applier process.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Limits of every call.
    pub limits: Limits,
    /// Where compiled plugins are kept between runs (`None`: compile at every start).
    pub cache_dir: Option<PathBuf>,
    /// How many calls may run at once (instance slots of the pooling allocator; default 1000).
    pub max_concurrent_calls: u32,
    /// Pre-allocate instance slots (the pooling allocator; default) or allocate on demand.
    pub pooling: bool,
    /// The operator's narrowing (or explicit widening) of what each plugin may send; by
    /// default every plugin may send exactly what it declares.
    pub grants: Grants,
    /// Which components [`Runtime::load`](crate::Runtime::load) accepts: pinned or signed ones
    /// only (`None`, the default: every component).
    pub trust: Option<Arc<TrustPolicy>>,
    /// What every compute endpoint gets from this runtime's calls together: requests in flight
    /// and per second ([`RequestBudget::DEFAULT`]: 32 and 50).
    pub nova_budget: RequestBudget,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            limits: Limits::default(),
            cache_dir: None,
            max_concurrent_calls: 1000,
            pooling: true,
            grants: Grants::default(),
            trust: None,
            nova_budget: RequestBudget::DEFAULT,
        }
    }
}

pub(crate) fn engine_config(settings: &Settings) -> Config {
    // A few slots beyond the calls, so that a new version's start check (Registry::install)
    // finds one even when every call slot is busy.
    let slots = settings
        .max_concurrent_calls
        .max(1)
        .saturating_add(SPARE_SLOTS);
    let memory = settings.limits.memory_bytes;
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(slots)
        .total_core_instances(slots.saturating_mul(8))
        .total_memories(slots.saturating_mul(2))
        .total_tables(slots.saturating_mul(4))
        .total_stacks(slots)
        .max_memory_size(memory)
        // Give back a finished call's memory 16 slots at a time (one madvise each, not one per
        // call): a fresh sandbox 15 µs instead of 19, peak memory no higher (BENCHMARKS §1, §5).
        // A slot still queued is flushed as soon as an allocation would fail.
        .decommit_batch_size(16);
    let mut config = Config::new();
    config
        .epoch_interruption(true)
        .consume_fuel(true)
        .concurrency_support(false)
        // Reserve only what the memory limit allows, so a thousand slots stay affordable.
        .memory_reservation(memory as u64)
        .memory_guard_size(2 << 20);
    if settings.pooling {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// Advances the engine's epoch every tick until the runtime is dropped.
pub(crate) fn start_epoch_ticker(engine: &Engine) -> Arc<AtomicBool> {
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
