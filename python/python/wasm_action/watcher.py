"""``wasm_migrate``: OpenStack Watcher's migrate action, run by the sandboxed component.

Registered under the ``watcher_actions`` entry point, so Watcher's applier loads it like its
own actions. Parameters are those of Watcher's ``migrate`` (``resource_id``,
``migration_type``, ``source_node``, ``destination_node``): an operator changes only the
action name in a plan. The token and compute endpoint come from the same ``[nova]`` (or
``[watcher_clients_auth]``) options and Keystone session Watcher's own Nova helper uses; the
component never sees a password or the token.

How the outcomes map to Watcher's rules:

* pre_condition: server gone or not on ``source_node`` -> ``ActionSkipped``; a condition that
  forbids the action (disabled destination, ...) -> ``ActionExecutionFailure`` with the reason.
* execute / revert: success -> ``True``; a failure raises ``ActionExecutionFailure`` carrying
  Nova's reason (never a silent ``False``).
* abort: the migration was stopped (live aborted, or cold reverted from VERIFY_RESIZE) ->
  ``True`` (Watcher marks the action CANCELLED); an abort that could not happen raises.

Options, in ``[watcher_actions.wasm_migrate]``: ``component`` (a component file instead of the
built-in one), ``timeout`` (seconds, default 900), ``cache_dir``, ``memory_mib``.
"""

from __future__ import annotations

import threading
import uuid

from oslo_config import cfg
from oslo_log import log
from watcher import eventlet as eventlet_helper
from watcher.applier.actions import base
from watcher.common import exception
from watcher.common import nova_helper

import wasm_action

LOG = log.getLogger(__name__)

_plugins_lock = threading.Lock()
_plugins: dict = {}
_runtimes: dict = {}


def _warn_if_green():
    """Under eventlet patching (opt-in since Watcher 17) a native call blocks every green
    thread: actions would run one at a time. Say so once."""
    global _warned
    if not _warned and eventlet_helper.is_patched():
        _warned = True
        LOG.warning("wasm_migrate: eventlet monkey patching is on, so actions run one at a "
                    "time; Watcher's default threading mode runs them in parallel "
                    "(unset OS_WATCHER_DISABLE_EVENTLET_PATCHING)")


_warned = False


def _plugin(component, cache_dir, memory_mib):
    """One runtime per settings and one compiled plugin per component, for the process."""
    with _plugins_lock:
        settings = (cache_dir, memory_mib)
        runtime = _runtimes.get(settings)
        if runtime is None:
            runtime = wasm_action.Runtime(cache_dir=cache_dir, memory_mib=memory_mib)
            _runtimes[settings] = runtime
        key = (settings, component)
        plugin = _plugins.get(key)
        if plugin is None:
            plugin = runtime.load(component) if component else runtime.builtin("migrate")
            LOG.info("wasm_migrate: %r ready (%s)", plugin, plugin.source)
            _plugins[key] = plugin
        return plugin


class WasmMigrate(base.BaseAction):
    """Migrates a server to another compute host with Nova's own migrate (2.56+).

    Cold: ``migrate`` with a host, wait for VERIFY_RESIZE, ``confirmResize``, check the host.
    Live: ``os-migrateLive``, wait for the migration to complete. Revert migrates back to
    ``source_node``; abort stops a live migration or reverts a cold one in VERIFY_RESIZE.
    """

    MIGRATION_TYPE = "migration_type"
    LIVE_MIGRATION = "live"
    COLD_MIGRATION = "cold"
    DESTINATION_NODE = "destination_node"
    SOURCE_NODE = "source_node"

    @classmethod
    def get_config_opts(cls):
        return [
            cfg.StrOpt("component", help="A migrate component (.wasm) to run instead of the "
                       "one built into wasm_action."),
            cfg.FloatOpt("timeout", default=900.0, min=1.0,
                         help="Seconds a migration may take before it is reported as "
                         "timed out."),
            cfg.StrOpt("cache_dir", help="Where compiled components are kept (default "
                       "$WASM_ACTION_CACHE_DIR or ~/.cache/wasm-action)."),
            cfg.IntOpt("memory_mib", min=1, help="Largest memory of one sandbox (default 64)."),
        ]

    def __init__(self, config, osc=None):
        super().__init__(config, osc)
        self._nova = None

    def _option(self, name, default=None):
        # The loader's config is a dict of this action's options (``get_config_opts``).
        value = (self.config or {}).get(name)
        return default if value is None else value

    @property
    def plugin(self) -> wasm_action.Plugin:
        return _plugin(self._option("component"), self._option("cache_dir"),
                       self._option("memory_mib"))

    @property
    def schema(self):
        return self.plugin.schema()

    @property
    def migration_type(self):
        return self.input_parameters.get(self.MIGRATION_TYPE)

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
                "wasm_migrate verifies TLS: [nova] insecure = true is not supported; "
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
            "deadline": float(self._option("timeout", 900.0)),
            "request_id": f"req-{uuid.uuid4()}",
        }

    def _run(self, phase):
        params = dict(self.input_parameters)
        _warn_if_green()
        try:
            return self.plugin.run(phase, params, **self._context())
        except wasm_action.WasmActionError as e:
            LOG.error("wasm_migrate %s of server %s failed (%s): %s", phase,
                      params.get("resource_id"), e.kind, e)
            raise exception.ActionExecutionFailure(
                message=f"wasm_migrate {phase} failed ({e.kind}): {e}") from e

    def pre_condition(self):
        readiness = self._run("pre-condition")
        if not readiness.proceed:
            raise exception.ActionSkipped(readiness.reason)

    def execute(self):
        outcome = self._run("execute")
        LOG.info("wasm_migrate: %s", outcome.summary)
        return True

    def revert(self):
        outcome = self._run("revert")
        LOG.info("wasm_migrate revert: %s", outcome.summary)
        return True

    def abort(self):
        outcome = self._run("abort")
        LOG.info("wasm_migrate abort: %s", outcome.summary)
        return True

    def check_abort(self):
        # Both kinds can be stopped: live by Nova's abort, cold by reverting VERIFY_RESIZE.
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
        return "Moving a VM instance from source_node to destination_node (sandboxed)"
