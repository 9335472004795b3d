"""Run OpenStack actions as sandboxed WebAssembly components, from Python.

    import wasm_action

    migrate = wasm_action.builtin("migrate")          # or wasm_action.load("my-action.wasm")
    params = {"resource_id": server_id, "migration_type": "cold",
              "source_node": "compute1", "destination_node": "compute3"}
    if migrate.pre_condition(params, endpoint=nova_url, token=token).proceed:
        outcome = migrate.execute(params, endpoint=nova_url, token=token)
        print(outcome.summary)

Each phase runs in a fresh sandbox with the GIL released, so threads may run actions at the
same time. The plugin reaches only ``endpoint``; the token is added by the host to its requests
and never enters the sandbox. Failures raise typed exceptions (see ``wasm_action.errors``).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence, Union

from . import _native
from .errors import (  # noqa: F401  (re-exported)
    ActionError,
    ApiError,
    ApiFault,
    Busy,
    Cancelled,
    Conflict,
    ContextError,
    Denied,
    EngineError,
    FieldError,
    HostError,
    InvalidInput,
    LimitExceeded,
    LoadError,
    MigrationFailed,
    NotFound,
    PluginCrashed,
    TimedOut,
    TransportError,
    SettingsError,
    TrustSettingsError,
    Unsupported,
    Untrusted,
    WasmActionError,
)
from .errors import action_error as _action_error
from .errors import host_error as _host_error

__version__ = _native.__version__

LOG = logging.getLogger("wasm_action")
_PLUGIN_LOG = logging.getLogger("wasm_action.plugin")
_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
}

Params = Union[str, Mapping[str, Any]]
Token = Union[str, Callable[[], str]]


@dataclass(frozen=True)
class Readiness:
    """The pre-condition's answer: go ahead, or skip with a reason."""

    proceed: bool
    reason: Optional[str] = None


@dataclass(frozen=True)
class Outcome:
    """What execute, revert or abort did: a one-line summary and details."""

    summary: str
    details: str


def log_event(line: str) -> None:
    """The default event sink: plugin logs and progress go to the ``wasm_action.plugin`` logger."""
    event = json.loads(line)
    kind = event["event"]
    if kind == "log":
        _PLUGIN_LOG.log(_LEVELS.get(event["level"], logging.INFO), "%s: %s",
                        event["plugin"], event["message"])
    elif kind == "progress":
        percent = event.get("percent")
        done = f" {percent}%" if percent is not None else ""
        _PLUGIN_LOG.info("%s %s%s: %s", event["plugin"], event["phase"], done, event["message"])
    elif kind == "denied":
        _PLUGIN_LOG.warning("%s: request refused by the sandbox: %s (%s)",
                            event["plugin"], event["target"], event["reason"])


class Runtime:
    """Loads plugins and runs their phases. One per process is enough; share it between threads.

    cache_dir             compiled plugins are kept here between runs (default
                          ``$WASM_ACTION_CACHE_DIR`` or ``~/.cache/wasm-action``)
    use_cache             False: compile at every load
    memory_mib            largest memory of one plugin instance (default 64)
    cpu_fuel              guest computation per call (default 10 billion; waiting costs none)
    max_concurrent_calls  calls beyond it wait for a free slot (default 1000)
    pooling               pre-allocate instance slots (default True)
    trust_pins            a pins file (the lines ``sha256sum`` prints): load only the components
                          pinned there or signed by a ``trust_keys`` key
    trust_keys            public key files (PEM, from ``wasm-action keygen``): load only the
                          components signed by one of them (``wasm-action sign``) or pinned
    grants                a grants file (``PLUGIN allow|override METHOD /path [ACTION ...]`` a
                          line): narrow what plugins may ask of Nova, or grant beyond what they
                          declare (see ``wasm-action plugins --help``)

    With ``trust_pins`` or ``trust_keys``, ``load`` raises ``Untrusted`` for any other
    component; built-in components are part of this module and always load. A trust file that
    cannot be used raises ``TrustSettingsError`` naming the keyword; a grants file that cannot
    be used, ``SettingsError``.
    """

    def __init__(self, *, cache_dir: Optional[Union[str, os.PathLike]] = None,
                 use_cache: bool = True, memory_mib: Optional[int] = None,
                 cpu_fuel: Optional[int] = None, max_concurrent_calls: Optional[int] = None,
                 pooling: bool = True, trust_pins: Optional[Union[str, os.PathLike]] = None,
                 trust_keys: Sequence[Union[str, os.PathLike]] = (),
                 grants: Optional[Union[str, os.PathLike]] = None):
        if cache_dir is None:
            cache_dir = os.environ.get("WASM_ACTION_CACHE_DIR")
        if isinstance(trust_keys, (str, os.PathLike)):
            trust_keys = [trust_keys]
        try:
            self._native = _native.Runtime(
                cache_dir=os.fspath(cache_dir) if cache_dir is not None else None,
                use_cache=use_cache, memory_mib=memory_mib, cpu_fuel=cpu_fuel,
                max_concurrent_calls=max_concurrent_calls, pooling=pooling,
                trust_pins=os.fspath(trust_pins) if trust_pins is not None else None,
                trust_keys=[os.fspath(k) for k in trust_keys],
                grants=os.fspath(grants) if grants is not None else None)
        except ValueError as e:
            if len(e.args) == 3:  # (message, option, path): a trust or grants file
                error = TrustSettingsError if e.args[1].startswith("trust") else SettingsError
                raise error(*e.args) from None
            raise

    def load(self, source: Union[str, os.PathLike, bytes], name: Optional[str] = None) -> "Plugin":
        """Compiles a component (a path or its bytes), or loads it from the cache."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            wasm = bytes(source)
            name = name or "plugin"
        else:
            path = os.fspath(source)
            with open(path, "rb") as f:
                wasm = f.read()
            name = name or _native.Runtime.plugin_name(path) or os.path.basename(path)
        kind, answer = self._native.load(name, wasm)
        if kind != "ok":
            raise _host_error(json.loads(answer))
        return Plugin(answer)

    def builtin(self, name: str = "migrate") -> "Plugin":
        """A component shipped inside this module (``migrate``); part of the module, so no
        trust policy applies to it."""
        kind, answer = self._native.load_builtin(name)
        if kind != "ok":
            raise _host_error(json.loads(answer))
        return Plugin(answer)

    def __repr__(self) -> str:
        return repr(self._native)


class Plugin:
    """A loaded plugin. Thread-safe; every call gets its own sandbox.

    The phases that talk to the cloud take the call's context as keywords:

    endpoint    the compute endpoint, e.g. ``https://nova.example:8774/v2.1`` (the only
                origin the plugin may reach)
    token       a token, or a callable returning one (e.g. ``session.get_token``)
    renew       ``renew(stale) -> token | None``, called once when Nova answers 401
    request_id  for logs (default: a fresh ``req-<uuid>``)
    deadline    seconds the action may take (default: the plugin's own, 900 for migrate)
    cacert      a CA bundle to trust for https (default: the Mozilla roots)
    on_event    ``on_event(json_line)`` for the plugin's logs and progress (default: logging)
    """

    def __init__(self, native):
        self._native = native

    name = property(lambda self: self._native.name, doc="The name it was loaded under.")
    digest = property(lambda self: self._native.digest, doc="SHA-256 of the component.")
    size = property(lambda self: self._native.size, doc="Size of the component in bytes.")
    source = property(lambda self: self._native.source,
                      doc="'compiled' (now) or 'cache' (from the cache directory).")
    trust = property(lambda self: self._native.trust,
                     doc="Why it was let in: 'signed by trusted key ...', 'pinned (...)', "
                     "'built in (...)' or 'not checked (no trust policy)'.")

    def run(self, phase: str, params: Params = "{}", *, endpoint: Optional[str] = None,
            token: Optional[Token] = None, renew: Optional[Callable[[str], Optional[str]]] = None,
            request_id: Optional[str] = None, deadline: Optional[float] = None,
            cacert: Optional[Union[str, os.PathLike]] = None,
            on_event: Optional[Callable[[str], None]] = log_event) -> Any:
        """Runs one phase by its contract name (``pre-condition``, ``execute``, ...)."""
        text = params if isinstance(params, str) else json.dumps(params)
        kind, answer = self._native.call(
            phase, text, endpoint=endpoint, token=token, renew=renew, request_id=request_id,
            deadline=deadline, cacert=os.fspath(cacert) if cacert is not None else None,
            on_event=on_event)
        value = json.loads(answer)
        if kind == "action-error":
            raise _action_error(value)
        if kind == "host-error":
            raise _host_error(value)
        if "schema" in value:
            return value["schema"]
        if "description" in value:
            return value["description"]
        if value["status"] in ("proceed", "skipped"):
            return Readiness(value["status"] == "proceed", value.get("reason"))
        if "summary" in value:
            details = value["details"]
            return Outcome(value["summary"],
                           details if isinstance(details, str) else json.dumps(details))
        return None

    def schema(self) -> dict:
        """The JSON Schema of the parameters."""
        return self.run("schema")

    def describe(self, params: Params) -> str:
        """A one-line description of what these parameters would do."""
        return self.run("description", params)

    def validate(self, params: Params) -> None:
        """Raises ``InvalidInput`` naming every wrong field; calls no service."""
        self.run("validate", params)

    def pre_condition(self, params: Params, **context) -> Readiness:
        """Should the action run now? Raises when it must not (e.g. disabled destination)."""
        return self.run("pre-condition", params, **context)

    def execute(self, params: Params, **context) -> Outcome:
        """Does it; returns when done or raises why not."""
        return self.run("execute", params, **context)

    def revert(self, params: Params, **context) -> Outcome:
        """Undoes it (for migrate: back to ``source_node``)."""
        return self.run("revert", params, **context)

    def abort(self, params: Params, **context) -> Outcome:
        """Stops it while it runs; raises when there is nothing it can stop."""
        return self.run("abort", params, **context)

    def post_condition(self, params: Params, **context) -> None:
        """Raises when the action's effect is not there."""
        self.run("post-condition", params, **context)

    def __repr__(self) -> str:
        return repr(self._native)


_default_lock = threading.Lock()
_default: Optional[Runtime] = None


def default_runtime() -> Runtime:
    """The process-wide runtime with default settings, created on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Runtime()
        return _default


def load(source: Union[str, os.PathLike, bytes], name: Optional[str] = None) -> Plugin:
    """``default_runtime().load(...)``."""
    return default_runtime().load(source, name)


def builtin(name: str = "migrate") -> Plugin:
    """``default_runtime().builtin(...)``: the migrate action shipped in this module."""
    return default_runtime().builtin(name)
