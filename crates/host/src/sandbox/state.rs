//! The state of one plugin call: a fresh one per call, dropped with its `Store`.

use super::limits::MemoryLimiter;
use super::outbound::OutboundHooks;
use super::policy::CallPolicy;
use crate::bindings::{Level, host, types, v0_1_0};
use crate::events::PluginEvent;
use std::sync::Arc;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Everything a call's `Store` holds.
pub(crate) struct CallState {
    policy: Arc<CallPolicy>,
    wasi: WasiCtx,
    http: WasiHttpCtx,
    hooks: OutboundHooks,
    table: ResourceTable,
    limiter: MemoryLimiter,
}

impl std::fmt::Debug for CallState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallState")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl CallState {
    /// State for one call under `policy`: no files, no environment, no arguments, no sockets;
    /// outgoing HTTP only, through the policy's hooks; what it writes to stderr (a panic
    /// message) is kept in `stderr` for the host's error.
    pub fn new(policy: Arc<CallPolicy>, stderr: MemoryOutputPipe) -> Self {
        let wasi = WasiCtx::builder()
            .stderr(stderr)
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        CallState {
            hooks: OutboundHooks::new(policy.clone()),
            limiter: MemoryLimiter::new(policy.limits.memory_bytes, policy.tripwire.clone()),
            policy,
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        }
    }

    /// Requests of this call sent again after transient faults.
    pub fn retries(&self) -> u32 {
        self.policy
            .retries
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The memory limiter of this call's store.
    pub fn limiter(&mut self) -> &mut MemoryLimiter {
        &mut self.limiter
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for CallState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl types::Host for CallState {}

impl host::Host for CallState {
    fn log(&mut self, level: Level, message: String) {
        let (plugin, request_id) = (&*self.policy.plugin, self.policy.request_id.as_str());
        let name = match level {
            Level::Debug => {
                tracing::debug!(plugin, request_id, "{message}");
                "debug"
            }
            Level::Info => {
                tracing::info!(plugin, request_id, "{message}");
                "info"
            }
            Level::Warn => {
                tracing::warn!(plugin, request_id, "{message}");
                "warn"
            }
            Level::Error => {
                tracing::error!(plugin, request_id, "{message}");
                "error"
            }
        };
        (self.policy.observer)(&PluginEvent::Log {
            plugin: plugin.into(),
            level: name,
            message,
        });
    }

    fn progress(&mut self, phase: String, percent: Option<u8>, message: String) {
        let (plugin, request_id) = (&*self.policy.plugin, self.policy.request_id.as_str());
        tracing::info!(plugin, request_id, phase, percent, "{message}");
        (self.policy.observer)(&PluginEvent::Progress {
            plugin: plugin.into(),
            phase,
            percent,
            message,
        });
    }
}

/// The previous contract's host import: the same, with its own `level` type.
impl v0_1_0::host::Host for CallState {
    fn log(&mut self, level: v0_1_0::host::Level, message: String) {
        let level = match level {
            v0_1_0::host::Level::Debug => Level::Debug,
            v0_1_0::host::Level::Info => Level::Info,
            v0_1_0::host::Level::Warn => Level::Warn,
            v0_1_0::host::Level::Error => Level::Error,
        };
        host::Host::log(self, level, message);
    }

    fn progress(&mut self, phase: String, percent: Option<u8>, message: String) {
        host::Host::progress(self, phase, percent, message);
    }
}
