//! `wasm_action._native`: the host library seen from Python.
//!
//! Deliberately thin. It loads components and runs phases; every answer crosses as a
//! `(kind, json)` pair, in the host library's own JSON rendering (`wasm_action_host::json`),
//! that `python/wasm_action` turns into typed outcomes and exceptions, so the
//! Python API can be read (and subclassed) in Python. While a phase runs the GIL is released:
//! Watcher's worker threads run actions at the same time, each on its own sandbox.

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wasm_action_host as host;
use wasm_action_host::json;
use wasm_action_host::{
    BoxFuture, Call, Credentials, CredentialsError, HostError, Phase, PluginEvent, Settings,
};

/// The tokio runtime every call runs on (the plugin's HTTP connections live on its workers).
fn tokio() -> PyResult<&'static tokio::runtime::Runtime> {
    static TOKIO: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    TOKIO
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("wasm-action-io")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the I/O runtime: {e}")))
}

/// Loads plugins and runs their phases; one per process is enough (share it between threads).
#[pyclass(frozen, module = "wasm_action._native")]
struct Runtime {
    inner: Arc<host::Runtime>,
}

#[pymethods]
impl Runtime {
    /// A bad trust or grants file raises `ValueError(message, option, path)`, `option` being
    /// `trust_pins`, `trust_keys` or `grants`.
    #[new]
    #[pyo3(signature = (*, cache_dir=None, use_cache=true, memory_mib=None, cpu_fuel=None,
                        max_concurrent_calls=None, pooling=true, trust_pins=None,
                        trust_keys=None, grants=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        cache_dir: Option<PathBuf>,
        use_cache: bool,
        memory_mib: Option<usize>,
        cpu_fuel: Option<u64>,
        max_concurrent_calls: Option<u32>,
        pooling: bool,
        trust_pins: Option<PathBuf>,
        trust_keys: Option<Vec<PathBuf>>,
        grants: Option<PathBuf>,
    ) -> PyResult<Runtime> {
        let mut settings = Settings {
            cache_dir: match (use_cache, cache_dir) {
                (false, _) => None,
                (true, Some(dir)) => Some(dir),
                (true, None) => host::ArtifactCache::default_dir(),
            },
            pooling,
            ..Settings::default()
        };
        if let Some(mib) = memory_mib {
            if mib == 0 {
                return Err(PyValueError::new_err("memory_mib must be at least 1"));
            }
            settings.limits.memory_bytes = mib << 20;
        }
        if let Some(fuel) = cpu_fuel {
            settings.limits.cpu_fuel = fuel;
        }
        if let Some(calls) = max_concurrent_calls {
            if calls == 0 {
                return Err(PyValueError::new_err(
                    "max_concurrent_calls must be at least 1",
                ));
            }
            settings.max_concurrent_calls = calls;
        }
        let trust_keys = trust_keys.unwrap_or_default();
        if trust_pins.is_some() || !trust_keys.is_empty() {
            let policy = host::TrustPolicy::from_files(trust_pins.as_deref(), &trust_keys)
                .map_err(trust_settings_error)?;
            settings.trust = Some(Arc::new(policy));
        }
        if let Some(path) = grants {
            settings.grants = host::sandbox::grants::Grants::from_file(&path).map_err(|e| {
                PyValueError::new_err((host::chain(&e), "grants", path.display().to_string()))
            })?;
        }
        let inner = host::Runtime::with_settings(settings).map_err(host_error_to_runtime)?;
        Ok(Runtime {
            inner: Arc::new(inner),
        })
    }

    /// Compiles (or loads from the cache) a component. Returns `("ok", Plugin)` or
    /// `("host-error", json)`.
    fn load(&self, py: Python<'_>, name: &str, wasm: &[u8]) -> PyResult<(String, Py<PyAny>)> {
        let runtime = self.inner.clone();
        let loaded = py.detach(|| runtime.load(name, wasm));
        self.answer(py, loaded)
    }

    /// Loads a component built into this module, exempt from the trust policy (it is part of
    /// the installed module). Answers as `load`.
    fn load_builtin(&self, py: Python<'_>, name: &str) -> PyResult<(String, Py<PyAny>)> {
        let wasm = Runtime::builtin(name)?;
        let runtime = self.inner.clone();
        let loaded = py.detach(|| runtime.load_builtin(name, wasm));
        self.answer(py, loaded)
    }

    /// The plugin name a file name gives (`migrate@1.2.0.wasm` -> `migrate`), as the host's
    /// plugin directories read it; `None` when it is not `NAME[@VERSION].wasm`.
    #[staticmethod]
    fn plugin_name(path: PathBuf) -> Option<String> {
        host::plugin_name(&path).map(|(name, _version)| name)
    }

    /// The components built into this module: name -> bytes.
    #[staticmethod]
    fn builtin(name: &str) -> PyResult<&'static [u8]> {
        builtin_plugins::get(name)
            .map(|builtin| builtin.wasm)
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "no built-in plugin named '{name}'; built in: {}",
                    builtin_plugins::names().join(", ")
                ))
            })
    }

    fn __repr__(&self) -> String {
        let settings = self.inner.settings();
        format!(
            "Runtime(cache_dir={:?}, memory_mib={}, max_concurrent_calls={}, trust={:?})",
            settings.cache_dir,
            settings.limits.memory_bytes >> 20,
            settings.max_concurrent_calls,
            settings.trust
        )
    }
}

impl Runtime {
    /// `("ok", Plugin)` or `("host-error", json)`.
    fn answer(
        &self,
        py: Python<'_>,
        loaded: Result<host::Plugin, HostError>,
    ) -> PyResult<(String, Py<PyAny>)> {
        match loaded {
            Ok(plugin) => {
                let plugin = Plugin {
                    runtime: self.inner.clone(),
                    plugin,
                };
                Ok(("ok".into(), Py::new(py, plugin)?.into_any()))
            }
            Err(error) => Ok((
                "host-error".into(),
                json::host_error(&error)
                    .to_string()
                    .into_pyobject(py)?
                    .into_any()
                    .unbind(),
            )),
        }
    }
}

/// A compiled plugin bound to the runtime that loaded it.
#[pyclass(frozen, module = "wasm_action._native")]
struct Plugin {
    runtime: Arc<host::Runtime>,
    plugin: host::Plugin,
}

#[pymethods]
impl Plugin {
    #[getter]
    fn name(&self) -> &str {
        self.plugin.name()
    }

    #[getter]
    fn digest(&self) -> &str {
        self.plugin.digest()
    }

    #[getter]
    fn size(&self) -> usize {
        self.plugin.size()
    }

    /// Why it was let in: the trust policy's reason, or that nothing was checked.
    #[getter]
    fn trust(&self) -> &str {
        self.plugin.trust()
    }

    /// `"compiled"` or `"cache"`.
    #[getter]
    fn source(&self) -> &'static str {
        match self.plugin.source() {
            host::Source::Compiled => "compiled",
            host::Source::Cache => "cache",
        }
    }

    /// Runs one phase in a fresh sandbox, with the GIL released. Answers `(kind, json)`:
    /// `ok` (the phase's output), `action-error` (the action's typed failure) or `host-error`
    /// (the plugin could not answer: crash, limit, bad context).
    #[pyo3(signature = (phase, params, *, endpoint=None, token=None, renew=None,
                        request_id=None, deadline=None, cacert=None, on_event=None))]
    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        py: Python<'_>,
        phase: &str,
        params: &str,
        endpoint: Option<String>,
        token: Option<Py<PyAny>>,
        renew: Option<Py<PyAny>>,
        request_id: Option<String>,
        deadline: Option<f64>,
        cacert: Option<PathBuf>,
        on_event: Option<Py<PyAny>>,
    ) -> PyResult<(String, String)> {
        let phase: Phase = phase.parse().map_err(PyValueError::new_err)?;
        let offline = matches!(phase, Phase::Schema | Phase::Description | Phase::Validate);
        let endpoint = match endpoint {
            Some(endpoint) => endpoint,
            // These phases reach no service; the sandbox still needs an origin to allow.
            None if offline => "http://127.0.0.1:9/".into(),
            None => {
                return Err(PyValueError::new_err(format!(
                    "{phase} talks to the cloud: pass endpoint= (the compute endpoint)"
                )));
            }
        };
        let mut call = Call::new(endpoint, None);
        if let Some(token) = token {
            call.credentials = Some(Arc::new(PyCredentials { token, renew }));
        }
        if let Some(id) = request_id {
            call.request_id = id;
        }
        if let Some(seconds) = deadline {
            call.deadline = Some(Duration::try_from_secs_f64(seconds).map_err(|_| {
                PyValueError::new_err(format!("deadline must be positive seconds, not {seconds}"))
            })?);
        }
        if let Some(path) = cacert {
            let tls = cloud_auth::tls_config(Some(&path))
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            call.tls = Some(Arc::new(tls));
        }
        if let Some(callback) = on_event {
            call.observer = Arc::new(move |event: &PluginEvent| {
                let line = json::event(event).to_string();
                Python::attach(|py| {
                    if let Err(error) = callback.call1(py, (line,)) {
                        error.write_unraisable(py, None);
                    }
                });
            });
        }
        let tokio = tokio()?;
        let (runtime, plugin) = (self.runtime.clone(), self.plugin.clone());
        let answer = py.detach(|| {
            tokio.block_on(async move { runtime.call(&plugin, &call, phase, params).await })
        });
        Ok(match answer {
            Ok(Ok(output)) => ("ok".into(), json::output(&output).to_string()),
            Ok(Err(error)) => (
                "action-error".into(),
                json::action_error(&error).to_string(),
            ),
            Err(error) => ("host-error".into(), json::host_error(&error).to_string()),
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Plugin(name={:?}, digest={:?}, size={}, source={:?})",
            self.plugin.name(),
            &self.plugin.digest()[..12],
            self.plugin.size(),
            self.source()
        )
    }
}

/// Tokens from Python: a string, or a callable returning one (e.g. a keystoneauth session's
/// `get_token`), and optionally `renew(stale) -> str | None` for Nova's 401.
struct PyCredentials {
    token: Py<PyAny>,
    renew: Option<Py<PyAny>>,
}

impl std::fmt::Debug for PyCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PyCredentials(<redacted>)")
    }
}

impl PyCredentials {
    // A Python token source that fails is a refusal: keystoneauth has already made its own
    // retries (`connect_retries`) before it raises.
    fn current(&self) -> Result<String, CredentialsError> {
        Python::attach(|py| {
            let token = self.token.bind(py);
            let value = if token.is_callable() {
                token.call0()
            } else {
                Ok(token.clone())
            };
            value
                .and_then(|v| v.extract::<String>())
                .map_err(|e| CredentialsError::refused(format!("token source failed: {e}")))
        })
    }

    fn renewed(&self, stale: &str) -> Result<Option<String>, CredentialsError> {
        let Some(renew) = &self.renew else {
            return Ok(None);
        };
        Python::attach(|py| {
            renew
                .call1(py, (stale,))
                .and_then(|v| v.extract::<Option<String>>(py))
                .map_err(|e| CredentialsError::refused(format!("token renewal failed: {e}")))
        })
    }
}

impl Credentials for PyCredentials {
    fn token(&self) -> BoxFuture<'_, Result<String, CredentialsError>> {
        Box::pin(async move { self.current() })
    }

    fn renew<'a>(
        &'a self,
        stale: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, CredentialsError>> {
        Box::pin(async move { self.renewed(stale) })
    }
}

/// `ValueError(message, option, path)` for a trust file that cannot be used: `option` is the
/// keyword that named it (`trust_pins` or `trust_keys`).
fn trust_settings_error(error: host::TrustError) -> PyErr {
    use host::TrustError::{BadKey, BadPin, ReadKey, ReadPins};
    let (option, path) = match &error {
        ReadPins { path, .. } | BadPin { path, .. } => {
            ("trust_pins", Some(path.display().to_string()))
        }
        ReadKey { path, .. } | BadKey { path, .. } => {
            ("trust_keys", Some(path.display().to_string()))
        }
        _ => ("trust", None),
    };
    PyValueError::new_err((host::chain(&error), option, path))
}

fn host_error_to_runtime(error: HostError) -> PyErr {
    PyRuntimeError::new_err(host::chain(&error))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Runtime>()?;
    m.add_class::<Plugin>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
