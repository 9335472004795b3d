//! Plugins by name and version, swapped atomically while calls run.
//!
//! Installing a plugin compiles it off the request path, then replaces the current version in
//! one step. A call leases the version that is current when it starts and finishes on it, however
//! many swaps happen meanwhile; a version that fails to load (or that the trust policy refuses)
//! is rejected and the old one keeps serving. [`Registry::report`] shows every version that
//! still runs calls.

use crate::cache::Source;
use crate::call::Call;
use crate::error::HostError;
use crate::phase::{Phase, PhaseResult};
use crate::runtime::{Plugin, Runtime};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::SystemTime;

/// One installed version of a plugin.
#[derive(Debug)]
struct Version {
    number: u64,
    label: String,
    plugin: Plugin,
    in_flight: AtomicUsize,
    installed_at: SystemTime,
}

/// What the registry tells about one version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionInfo {
    /// The plugin's name.
    pub name: String,
    /// The version's label: the one it was installed with (e.g. `1.2.0`), or `r<number>`.
    pub label: String,
    /// Install sequence number, unique per registry.
    pub number: u64,
    /// The component's hex SHA-256.
    pub digest: String,
    /// Calls running on this version now.
    pub in_flight: usize,
    /// Compiled at install, or loaded from the cache.
    pub source: Source,
    /// When it was installed.
    pub installed_at: SystemTime,
    /// The contract it was built for, e.g. `openstack:actions@0.2.0`.
    pub contract: &'static str,
    /// The requests it declares (`METHOD /path [ACTION ...]`; none for a 0.1.0 plugin).
    pub declared: Vec<String>,
    /// The requests it may send under the operator's grants.
    pub granted: Vec<String>,
    /// Its requests the host refused, in all.
    pub denied: u64,
    /// Why it was let in (see [`Plugin::trust`]).
    pub trust: String,
}

impl Version {
    fn info(&self) -> VersionInfo {
        let permissions = self.plugin.permissions();
        VersionInfo {
            name: self.plugin.name().to_string(),
            label: self.label.clone(),
            number: self.number,
            digest: self.plugin.digest().to_string(),
            in_flight: self.in_flight.load(Ordering::Acquire),
            source: self.plugin.source(),
            installed_at: self.installed_at,
            contract: self.plugin.contract(),
            declared: permissions
                .iter()
                .flat_map(|p| p.declared.iter().map(ToString::to_string))
                .collect(),
            granted: permissions
                .iter()
                .flat_map(|p| p.granted.rules().iter().map(ToString::to_string))
                .collect(),
            denied: self.plugin.denied_requests(),
            trust: self.plugin.trust().to_string(),
        }
    }
}

/// One plugin name: its current version and the replaced ones that may still run calls.
#[derive(Debug)]
struct Slot {
    current: Arc<Version>,
    replaced: Vec<Weak<Version>>,
}

/// A plugin and its versions, as [`Registry::report`] shows them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginReport {
    /// The version new calls get.
    pub current: VersionInfo,
    /// Replaced versions that still finish calls.
    pub draining: Vec<VersionInfo>,
}

/// A call's hold on the version it started on; the version lives at least as long.
#[derive(Debug)]
pub struct Lease {
    version: Arc<Version>,
}

impl Lease {
    /// The compiled plugin of the leased version.
    pub fn plugin(&self) -> &Plugin {
        &self.version.plugin
    }

    /// The leased version.
    pub fn version(&self) -> VersionInfo {
        self.version.info()
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.version.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A call's answer, with the version that gave it.
#[derive(Debug)]
pub struct Answer {
    /// The action's own answer.
    pub result: PhaseResult,
    /// The version the call ran on from start to end.
    pub version: VersionInfo,
}

/// The bytes of a version to install, and whether the trust policy applies to them.
enum Component {
    /// Given at run time (a file, a request): checked against the trust policy.
    Given(Vec<u8>),
    /// Compiled into this program: exempt.
    Builtin(&'static [u8]),
}

impl Component {
    fn bytes(&self) -> &[u8] {
        match self {
            Component::Given(wasm) => wasm,
            Component::Builtin(wasm) => wasm,
        }
    }

    fn load(&self, runtime: &Runtime, name: &str) -> Result<Plugin, HostError> {
        match self {
            Component::Given(wasm) => runtime.load(name, wasm),
            Component::Builtin(wasm) => runtime.load_builtin(name, wasm),
        }
    }
}

/// Installed plugins by name.
#[derive(Debug)]
pub struct Registry {
    runtime: Arc<Runtime>,
    slots: RwLock<HashMap<String, Slot>>,
    installs: AtomicU64,
}

impl Registry {
    /// An empty registry over `runtime`.
    pub fn new(runtime: Arc<Runtime>) -> Registry {
        Registry {
            runtime,
            slots: RwLock::new(HashMap::new()),
            installs: AtomicU64::new(0),
        }
    }

    /// The runtime it runs calls on.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// Checks `wasm` against the runtime's trust policy, compiles it on a blocking thread,
    /// starts one instance of it as a check, and makes it the current version of `name`.
    /// Installing the bytes that are already current changes nothing. On error (an untrusted,
    /// broken or incompatible component) the previous version stays current.
    pub async fn install(
        &self,
        name: &str,
        label: Option<&str>,
        wasm: Vec<u8>,
    ) -> Result<VersionInfo, HostError> {
        self.install_component(name, label, Component::Given(wasm))
            .await
    }

    /// [`Registry::install`] for a component compiled into this program, which is exempt from
    /// the trust policy ([`Runtime::load_builtin`]).
    pub async fn install_builtin(
        &self,
        name: &str,
        label: Option<&str>,
        wasm: &'static [u8],
    ) -> Result<VersionInfo, HostError> {
        self.install_component(name, label, Component::Builtin(wasm))
            .await
    }

    async fn install_component(
        &self,
        name: &str,
        label: Option<&str>,
        wasm: Component,
    ) -> Result<VersionInfo, HostError> {
        if let Some(current) = self.current(name)
            && current.digest == crate::cache::digest(wasm.bytes())
        {
            return Ok(current);
        }
        let runtime = self.runtime.clone();
        let owned = name.to_string();
        let loaded = tokio::task::spawn_blocking(move || wasm.load(&runtime, &owned))
            .await
            .map_err(|e| HostError::Load {
                plugin: name.into(),
                problem: crate::error::LoadProblem::CompilerCrashed,
                source: wasmtime::Error::new(e),
            })
            .and_then(|loaded| loaded);
        // A version that cannot even start, declares what is not a request or is narrowed
        // by the operator beyond its declaration is rejected before it can take a call.
        let plugin = match loaded {
            // Reading what it declares starts one instance of it.
            Ok(plugin) => self.runtime.permissions(&plugin).await.map(|_| plugin),
            Err(e) => Err(e),
        }
        .inspect_err(|e| tracing::error!(plugin = name, error = %crate::error::chain(e), "new version rejected; the current one keeps serving"))?;
        let number = self.installs.fetch_add(1, Ordering::AcqRel) + 1;
        let label = label.map_or_else(|| format!("r{number}"), str::to_string);
        let version = Arc::new(Version {
            number,
            label,
            plugin,
            in_flight: AtomicUsize::new(0),
            installed_at: SystemTime::now(),
        });
        let info = version.info();
        let mut slots = self.slots.write().unwrap_or_else(|p| p.into_inner());
        match slots.get_mut(name) {
            Some(slot) => {
                let old = std::mem::replace(&mut slot.current, version);
                tracing::info!(plugin = name, from = %old.label, to = %info.label, draining = old.in_flight.load(Ordering::Acquire), "plugin swapped");
                slot.replaced.retain(|w| w.strong_count() > 0);
                slot.replaced.push(Arc::downgrade(&old));
            }
            None => {
                tracing::info!(plugin = name, version = %info.label, "plugin installed");
                slots.insert(
                    name.to_string(),
                    Slot {
                        current: version,
                        replaced: Vec::new(),
                    },
                );
            }
        }
        Ok(info)
    }

    /// Removes `name`; calls already running on it finish.
    pub fn remove(&self, name: &str) -> bool {
        self.slots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name)
            .is_some()
    }

    /// The current version of `name`, if installed.
    pub fn current(&self, name: &str) -> Option<VersionInfo> {
        let slots = self.slots.read().unwrap_or_else(|p| p.into_inner());
        slots.get(name).map(|slot| slot.current.info())
    }

    /// Takes the current version of `name` for one call.
    pub fn lease(&self, name: &str) -> Result<Lease, HostError> {
        let slots = self.slots.read().unwrap_or_else(|p| p.into_inner());
        let slot = slots
            .get(name)
            .ok_or_else(|| HostError::UnknownPlugin(name.into()))?;
        slot.current.in_flight.fetch_add(1, Ordering::AcqRel);
        Ok(Lease {
            version: slot.current.clone(),
        })
    }

    /// Runs one phase on the current version of `name`.
    pub async fn call(
        &self,
        name: &str,
        call: &Call,
        phase: Phase,
        params: &str,
    ) -> Result<Answer, HostError> {
        let lease = self.lease(name)?;
        let result = self
            .runtime
            .call(lease.plugin(), call, phase, params)
            .await?;
        Ok(Answer {
            result,
            version: lease.version(),
        })
    }

    /// Every plugin with its current version and the replaced versions still running calls.
    pub fn report(&self) -> Vec<PluginReport> {
        let slots = self.slots.read().unwrap_or_else(|p| p.into_inner());
        let mut report: Vec<PluginReport> = slots
            .values()
            .map(|slot| PluginReport {
                current: slot.current.info(),
                draining: slot
                    .replaced
                    .iter()
                    .filter_map(Weak::upgrade)
                    .map(|v| v.info())
                    .filter(|v| v.in_flight > 0)
                    .collect(),
            })
            .collect();
        report.sort_by(|a, b| a.current.name.cmp(&b.current.name));
        report
    }
}
