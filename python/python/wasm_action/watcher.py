"""OpenStack Watcher actions run by sandboxed components.

One implementation, :class:`SandboxedAction`, runs a Watcher action type with a component; it
is used two ways:

* ``wasm_migrate`` (:class:`WasmMigrate`), registered under the ``watcher_actions`` entry point,
  so Watcher's applier loads it like its own actions: a plan names ``wasm_migrate`` instead of
  ``migrate``. Options in ``[watcher_actions.wasm_migrate]``: ``component`` (a component file
  instead of the built-in one), ``timeout`` (seconds, default 900), ``cache_dir``,
  ``memory_mib``, ``grants`` (narrow or widen the Nova requests components may send),
  ``trust_pins`` and ``trust_keys`` (load only pinned or signed component
  files).
* the ``wasm`` workflow engine (:mod:`wasm_action.watcher_engine`), which runs the action types
  Watcher's strategies emit (plain ``migrate``) with a component, and every other type with
  Watcher's own action.

Parameters are those of Watcher's ``migrate`` (``resource_id``, ``migration_type``,
``source_node``, ``destination_node``). The token and compute endpoint come from the same
``[nova]`` (or ``[watcher_clients_auth]``) options and Keystone session Watcher's own Nova
helper uses; the component never sees a password or the token.

How the outcomes map to Watcher's rules:

* pre_condition: server gone or not on ``source_node`` -> ``ActionSkipped``; a condition that
  forbids the action (disabled destination, ...) -> ``ActionExecutionFailure`` with the reason.
* execute / revert: success -> ``True``; a failure raises ``ActionExecutionFailure`` carrying
  Nova's reason (never a silent ``False``).
* abort: the migration was stopped (live aborted, or cold reverted from VERIFY_RESIZE) ->
  ``True`` (Watcher marks the action CANCELLED); an abort that could not happen raises.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Optional, Tuple

from oslo_config import cfg
from oslo_log import log
from watcher import eventlet as eventlet_helper
from watcher.applier.actions import base
from watcher.common import exception
from watcher.common import nova_helper

import wasm_action

LOG = log.getLogger(__name__)

BUILTIN_PREFIX = "builtin:"
#: Where ``wasm_migrate``'s own options are read.
OWN_GROUP = "watcher_actions.wasm_migrate"


@dataclass(frozen=True)
class Component:
    """Which component runs an action: one built into wasm_action (``builtin:NAME``) or a
    file (a path)."""

    builtin: Optional[str] = None
    path: Optional[str] = None

    @classmethod
    def parse(cls, text: str) -> "Component":
        """``builtin:NAME`` or the path of a component file."""
        text = text.strip()
        if text.startswith(BUILTIN_PREFIX):
            return cls(builtin=text[len(BUILTIN_PREFIX):])
        return cls(path=text)

    def load(self, runtime: wasm_action.Runtime) -> wasm_action.Plugin:
        if self.builtin is not None:
            return runtime.builtin(self.builtin)
        return runtime.load(self.path)

    def __str__(self) -> str:
        return BUILTIN_PREFIX + self.builtin if self.builtin is not None else str(self.path)


BUILTIN_MIGRATE = Component(builtin="migrate")


@dataclass(frozen=True)
class Sandbox:
    """The sandbox's settings for every call of an action: the call's deadline, where compiled
    components are kept, the largest memory of one instance, which component files are
    trusted (pinned digests, public keys; none: every file), and the operator's grants of Nova
    requests (none: each component sends what it declares)."""

    timeout: float = 900.0
    cache_dir: Optional[str] = None
    memory_mib: Optional[int] = None
    trust_pins: Optional[str] = None
    trust_keys: Tuple[str, ...] = ()
    grants: Optional[str] = None

    @staticmethod
    def options() -> list:
        """The options that set these, in the group of whoever declares them."""
        return [
            cfg.FloatOpt("timeout", default=900.0, min=1.0,
                         help="Seconds a migration may take before it is reported as "
                         "timed out."),
            cfg.StrOpt("cache_dir", help="Where compiled components are kept (default "
                       "$WASM_ACTION_CACHE_DIR or ~/.cache/wasm-action)."),
            cfg.IntOpt("memory_mib", min=1, help="Largest memory of one sandbox (default 64)."),
            cfg.StrOpt("trust_pins", help="A pins file (the lines sha256sum prints): with it or "
                       "trust_keys, only component files pinned there or signed by a "
                       "trust_keys key are loaded; built-in components always are."),
            cfg.ListOpt("trust_keys", default=[], help="Public key files (PEM, from "
                        "wasm-action keygen): component files signed by one of them "
                        "(wasm-action sign) are trusted."),
            cfg.StrOpt("grants", help="A grants file (PLUGIN allow|override METHOD /path "
                       "[ACTION ...] a line; see wasm-action plugins --help): narrows what "
                       "components may ask of Nova, or grants beyond what they declare."),
        ]

    @classmethod
    def from_config(cls, config) -> "Sandbox":
        """From a loader's config (a dict of the declared options); unset ones keep their
        defaults."""
        config = config or {}
        timeout = config.get("timeout")
        return cls(timeout=float(cls.timeout if timeout is None else timeout),
                   cache_dir=config.get("cache_dir"), memory_mib=config.get("memory_mib"),
                   trust_pins=config.get("trust_pins") or None,
                   trust_keys=tuple(config.get("trust_keys") or ()),
                   grants=config.get("grants") or None)

    def runtime_key(self) -> tuple:
        """What tells runtimes apart: everything but the call's deadline."""
        return (self.cache_dir, self.memory_mib, self.trust_pins, self.trust_keys, self.grants)


_plugins_lock = threading.Lock()
_plugins: dict = {}
_runtimes: dict = {}


def runtime(sandbox: Sandbox) -> wasm_action.Runtime:
    """One runtime per settings, for the process. Raises what creating one raises (e.g. for a
    cache directory that cannot be made)."""
    with _plugins_lock:
        return _runtime(sandbox)


def _runtime(sandbox):
    settings = sandbox.runtime_key()
    made = _runtimes.get(settings)
    if made is None:
        made = wasm_action.Runtime(cache_dir=sandbox.cache_dir, memory_mib=sandbox.memory_mib,
                                   trust_pins=sandbox.trust_pins, trust_keys=sandbox.trust_keys,
                                   grants=sandbox.grants)
        _runtimes[settings] = made
    return made


def plugin(component: Component, sandbox: Sandbox) -> wasm_action.Plugin:
    """One compiled plugin per component and settings, for the process. Raises what loading
    raises (``OSError`` for a file that cannot be read, ``ValueError`` for an unknown
    built-in, ``wasm_action.LoadError`` for a file that is not a component,
    ``wasm_action.Untrusted`` for one the trust options refuse)."""
    with _plugins_lock:
        key = (sandbox.runtime_key(), component)
        loaded = _plugins.get(key)
        if loaded is None:
            loaded = component.load(_runtime(sandbox))
            LOG.info("wasm_action: %s ready: %r (%s)", component, loaded, loaded.source)
            _plugins[key] = loaded
        return loaded


_warned = False


def _warn_if_green():
    """Under eventlet patching (opt-in since Watcher 17) a native call blocks every green
    thread: actions would run one at a time. Say so once."""
    global _warned
    if not _warned and eventlet_helper.is_patched():
        _warned = True
        LOG.warning("wasm_action: eventlet monkey patching is on, so sandboxed actions run one "
                    "at a time; Watcher's default threading mode runs them in parallel "
                    "(unset OS_WATCHER_DISABLE_EVENTLET_PATCHING)")


class SandboxedAction(base.BaseAction):
    """A Watcher action type run by a component, phase by phase, each call in a fresh sandbox.

    ``action_type`` is the type it runs as (what its logs and failure messages name);
    ``schema``, when given, is the JSON Schema Watcher's own action of that type declares, so
    that the parameters are held to what Watcher expects of the type as well as to the
    component's own validation.
    """

    def __init__(self, config, osc=None, *, action_type: str, component: Component,
                 sandbox: Sandbox, schema: Optional[dict] = None):
        super().__init__(config, osc)
        self.action_type = action_type
        self.component = component
        self.sandbox = sandbox
        self._schema = schema
        self._nova = None

    @staticmethod
    def of_type(action_type: str) -> type:
        """The class that runs ``action_type`` (its type's own attributes, e.g. migrate's)."""
        return {"migrate": SandboxedMigrate}.get(action_type, SandboxedAction)

    @property
    def plugin(self) -> wasm_action.Plugin:
        return plugin(self.component, self.sandbox)

    @property
    def schema(self):
        return self._schema if self._schema is not None else self.plugin.schema()

    def validate_parameters(self):
        # The component's own validation names every wrong field, then the JSON Schema as
        # Watcher does it.
        try:
            self.plugin.validate(dict(self.input_parameters))
        except wasm_action.InvalidInput as e:
            raise exception.Invalid(message=str(e))
        return super().validate_parameters()

    def _context(self):
        """Endpoint, token and CA from Watcher's own Nova connection (a Keystone session)."""
        if self._nova is None:
            self._nova = nova_helper.NovaHelper()
        connection = self._nova.connection
        session = connection.session
        endpoint = connection.compute.get_endpoint()
        verify = getattr(session, "verify", True)
        if verify is False and str(endpoint).startswith("https:"):
            raise exception.ActionExecutionFailure(message=(
                f"{self.action_type} verifies TLS: [nova] insecure = true is not supported; "
                "set [nova] cafile to the cloud's CA instead"))

        def renew(stale):
            session.invalidate()
            fresh = session.get_token()
            return fresh if fresh != stale else None

        return {
            "endpoint": endpoint,
            "token": session.get_token,
            "renew": renew,
            "cacert": verify if isinstance(verify, str) else None,
            "deadline": float(self.sandbox.timeout),
            "request_id": f"req-{uuid.uuid4()}",
        }

    def _run(self, phase):
        params = dict(self.input_parameters)
        _warn_if_green()
        try:
            return self.plugin.run(phase, params, **self._context())
        except wasm_action.WasmActionError as e:
            LOG.error("%s %s of %s failed (%s): %s", self.action_type, phase,
                      params.get(self.RESOURCE_ID), e.kind, e)
            raise exception.ActionExecutionFailure(
                message=f"{self.action_type} {phase} failed ({e.kind}): {e}") from e

    def pre_condition(self):
        readiness = self._run("pre-condition")
        if not readiness.proceed:
            raise exception.ActionSkipped(readiness.reason)

    def execute(self):
        outcome = self._run("execute")
        LOG.info("%s: %s", self.action_type, outcome.summary)
        return True

    def revert(self):
        outcome = self._run("revert")
        LOG.info("%s revert: %s", self.action_type, outcome.summary)
        return True

    def abort(self):
        outcome = self._run("abort")
        LOG.info("%s abort: %s", self.action_type, outcome.summary)
        return True

    def check_abort(self):
        # The component says whether there is something to stop: its abort raises when not.
        return True

    def post_condition(self):
        self._run("post-condition")

    def get_description(self):
        """The component's description of these parameters (a generic one without them)."""
        if self.input_parameters:
            try:
                return self.plugin.describe(dict(self.input_parameters))
            except wasm_action.InvalidInput:
                pass
        return f"{self.action_type}, run by the component {self.component} (sandboxed)"


class SandboxedMigrate(SandboxedAction):
    """Migrates a server to another compute host with Nova's own migrate (2.56+).

    Cold: ``migrate`` with a host, wait for VERIFY_RESIZE, ``confirmResize``, check the host.
    Live: ``os-migrateLive``, wait for the migration to complete. Revert migrates back to
    ``source_node``; abort stops a live migration or reverts a cold one in VERIFY_RESIZE (both
    kinds can be stopped, so ``check_abort`` is true for both).

    The attributes of Watcher's own ``Migrate`` that describe its parameters are here too.
    """

    MIGRATION_TYPE = "migration_type"
    LIVE_MIGRATION = "live"
    COLD_MIGRATION = "cold"
    DESTINATION_NODE = "destination_node"
    SOURCE_NODE = "source_node"

    @property
    def instance_uuid(self):
        return self.resource_id

    @property
    def migration_type(self):
        return self.input_parameters.get(self.MIGRATION_TYPE)

    @property
    def destination_node(self):
        return self.input_parameters.get(self.DESTINATION_NODE)

    @property
    def source_node(self):
        return self.input_parameters.get(self.SOURCE_NODE)

    def get_description(self):
        if self.input_parameters:
            return super().get_description()
        return "Moving a VM instance from source_node to destination_node (sandboxed)"


class WasmMigrate(SandboxedMigrate):
    """``wasm_migrate``: Watcher's migrate, run by the built-in migrate component (or the one
    ``[watcher_actions.wasm_migrate] component`` names).

    Being a ``watcher_actions`` entry point, it is also what Watcher's applier loads at start:
    :meth:`get_description` checks the ``wasm`` workflow engine's options then (see
    :func:`wasm_action.watcher_engine.check_selected_engine`).
    """

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.StrOpt("component", help="A migrate component (.wasm) to run instead of the "
                       "one built into wasm_action."),
        ] + Sandbox.options()

    def __init__(self, config, osc=None):
        path = (config or {}).get("component")
        component = Component(path=path) if path else BUILTIN_MIGRATE
        super().__init__(config, osc, action_type="wasm_migrate", component=component,
                         sandbox=Sandbox.from_config(config))

    def get_description(self):
        """The component's description of these parameters (a generic one without them).

        Watcher 17 calls this from one place only: ``Syncer.sync()`` (``applier/sync.py``),
        which ``watcher-applier`` runs at start, before its RPC server, on every
        ``watcher_actions`` entry point. The ``wasm`` workflow engine itself is loaded only
        when a plan is applied (``DefaultApplier.engine``), so this is where its options are
        checked at start, and this action's own sandbox options (a missing trust file): a bad
        one raises here, out of ``Syncer.sync()``, and the applier does not start.
        """
        from wasm_action import watcher_engine  # it imports this module

        watcher_engine.check_selected_engine()
        watcher_engine.check_sandbox(OWN_GROUP, self.sandbox)
        return super().get_description()
