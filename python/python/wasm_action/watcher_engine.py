"""``wasm``: a Watcher workflow engine that runs action types with sandboxed components.

Watcher's strategies emit the action type ``migrate``, and a second ``watcher_actions`` entry
point named ``migrate`` stops watcher-applier at start (stevedore's ``MultipleMatches``). The
plugin point Watcher supports is the workflow engine: this one is Watcher's own taskflow engine
(:class:`~watcher.applier.workflow_engine.default.DefaultWorkFlowEngine`: the same graph flow,
parallel executor, action containers and outcome rules) with one change, its action factory:
an action type mapped to a component runs in the sandbox
(:class:`~wasm_action.watcher.SandboxedAction`, the implementation ``wasm_migrate`` uses),
every other type (``volume_migrate``, ``delete``, ...) is Watcher's own action, loaded as
Watcher does.

Select it with ``[watcher_applier] workflow_engine = wasm``. Its options, in
``[watcher_workflow_engines.wasm]``:

``max_workers``, ``action_execution_rule``
    taskflow's own (same meaning and defaults: the CPU count, ``{}``).
``actions``
    action type -> component, ``builtin:NAME`` (shipped in wasm_action) or the path of a
    ``.wasm`` file; default: every type wasm_action ships (``migrate``,
    ``change_nova_service_state``, ``stop``, ``resize``, ``shelve``, ``nop``, ``sleep``), each
    ``builtin:TYPE``. Every key must be an action type Watcher knows (a ``watcher_actions``
    entry point).
``timeout``, ``cache_dir``, ``memory_mib``
    the sandbox's settings, as for ``wasm_migrate``.
``trust_pins``, ``trust_keys``, ``grants``
    a pins file (``sha256sum``'s lines) and public key files (PEM): with either, only component
    files pinned there or signed by one of the keys load; ``builtin:`` components always do.

A bad option stops watcher-applier at start (see :func:`check_selected_engine`), never
mid-plan. Watcher's loader reads the config files again for every plan; should they change
for the worse after the start, the engine refuses to load and that plan fails before any of
its actions runs.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Mapping, Optional

from oslo_config import cfg
from oslo_log import log
from watcher.applier.actions import factory
from watcher.applier.workflow_engine import default
from watcher.common import exception
from watcher.common.loader import default as loader

import wasm_action
from wasm_action.watcher import (
    BUILTIN_MIGRATE,
    Component,
    Sandbox,
    SandboxedAction,
    plugin,
    runtime,
)

LOG = log.getLogger(__name__)

ENGINES = "watcher_workflow_engines"
ACTIONS = "watcher_actions"
# Every Watcher action type wasm_action ships a component for: the engine runs them all
# sandboxed unless ``actions`` says otherwise.
BUILTIN_ACTIONS = ("migrate", "change_nova_service_state", "stop", "resize", "shelve", "nop",
                   "sleep")
DEFAULT_ACTIONS = {name: str(Component(builtin=name)) for name in BUILTIN_ACTIONS}


class InvalidOption(exception.WatcherException):
    """An option of the engine it cannot work with; the message names the option, its value
    and what is wrong."""

    def __init__(self, group: str, option: str, value: Optional[str], problem: str):
        self.group, self.option, self.value, self.problem = group, option, value, problem
        setting = option if value is None else f"{option} = {value}"
        super().__init__(message=f"[{group}] {setting}: {problem}")


@dataclass(frozen=True)
class Settings:
    """The engine's checked options: which component runs which action type, and the
    sandbox."""

    components: Mapping[str, Component] = field(default_factory=dict)
    sandbox: Sandbox = Sandbox()


def settings_from(config, group: str) -> Settings:
    """Checks the engine's options (a loader's config: a dict of them) and loads every
    component, so that nothing about them can fail later, in a plan. Raises
    :class:`InvalidOption`."""
    config = config or {}
    sandbox = Sandbox.from_config(config)
    check_sandbox(group, sandbox)
    actions = config.get("actions")
    actions = DEFAULT_ACTIONS if actions is None else actions
    known = sorted(loader.DefaultLoader(ACTIONS).list_available())
    components = {}
    for action_type, text in actions.items():
        components[action_type] = _component(group, action_type, str(text), known, sandbox)
    return Settings(components=components, sandbox=sandbox)


def check_sandbox(group: str, sandbox: Sandbox) -> None:
    """Sets up the runtime these sandbox options ask for, so that a bad one is found now: a
    trust file that is missing or unusable, a cache directory that cannot be made. Raises
    :class:`InvalidOption` naming the option."""
    keys = ",".join(sandbox.trust_keys)
    if sandbox.trust_pins is not None and not os.path.isfile(sandbox.trust_pins):
        raise InvalidOption(group, "trust_pins", sandbox.trust_pins,
                            f"no pins file {sandbox.trust_pins}")
    for key in sandbox.trust_keys:
        if not os.path.isfile(key):
            raise InvalidOption(group, "trust_keys", keys, f"no public key file {key}")
    try:
        runtime(sandbox)
    except wasm_action.SettingsError as e:
        value = {"trust_pins": sandbox.trust_pins, "grants": sandbox.grants}.get(e.option, keys)
        raise InvalidOption(group, e.option, value, str(e)) from e
    except Exception as e:  # noqa: BLE001  whatever the runtime refuses (memory_mib >= 1
        # is oslo.config's to check)
        raise InvalidOption(group, "cache_dir", sandbox.cache_dir,
                            f"the sandbox cannot be set up: {e}") from e


def _component(group, action_type, text, known, sandbox) -> Component:
    def invalid(problem, cause=None):
        error = InvalidOption(group, "actions", f"{action_type}:{text}", problem)
        error.__cause__ = cause
        return error

    if action_type not in known:
        raise invalid(f"{action_type!r} is not an action type Watcher knows (watcher_actions: "
                      f"{', '.join(known)})")
    if not text.strip():
        raise invalid("no component: builtin:NAME or the path of a .wasm file")
    component = Component.parse(text)
    if component.path is not None and not os.path.isfile(component.path):
        raise invalid(f"no component file {component.path}")
    try:
        plugin(component, sandbox)
    except ValueError as e:  # an unknown built-in: the message lists those there are
        raise invalid(str(e), e)
    except OSError as e:
        raise invalid(f"cannot read {component.path}: {e.strerror or e}", e)
    except wasm_action.WasmActionError as e:
        raise invalid(f"the component does not load ({e.kind}): {e}", e)
    return component


class SandboxedActionFactory(factory.ActionFactory):
    """Watcher's action factory, except for the types that have a component: those are
    :class:`~wasm_action.watcher.SandboxedAction` objects (``SandboxedMigrate`` for
    ``migrate``) reporting the type as theirs (``action_type``) and holding the parameters to
    the JSON Schema of Watcher's own action of that type as well as to the component's
    validation."""

    def __init__(self, settings: Settings):
        super().__init__()
        self.settings = settings
        self._schemas: dict = {}
        self._lock = threading.Lock()

    def make_action(self, object_action, osc=None):
        action_type = object_action.action_type
        component = self.settings.components.get(action_type)
        if component is None:
            return super().make_action(object_action, osc=osc)
        LOG.debug("Creating %s, run by the component %s", action_type, component)
        kind = SandboxedAction.of_type(action_type)
        action = kind({}, osc, action_type=action_type, component=component,
                      sandbox=self.settings.sandbox, schema=self.watcher_schema(action_type))
        action.input_parameters = object_action.input_parameters
        action.validate_parameters()
        return action

    def watcher_schema(self, action_type: str) -> dict:
        """The JSON Schema Watcher's own action of this type declares (loaded once)."""
        with self._lock:
            schema = self._schemas.get(action_type)
            if schema is None:
                schema = self.action_loader.load(name=action_type).schema
                self._schemas[action_type] = schema
            return schema


class WasmWorkFlowEngine(default.DefaultWorkFlowEngine):
    """Watcher's taskflow engine whose action factory runs the types of ``actions`` with
    components (see the module's documentation)."""

    def __init__(self, config, context=None, applier_manager=None):
        super().__init__(config, context=context, applier_manager=applier_manager)
        self.settings = settings_from(config, _group(cfg.CONF.watcher_applier.workflow_engine))
        self._action_factory = SandboxedActionFactory(self.settings)

    @classmethod
    def get_config_opts(cls):
        return super().get_config_opts() + [
            cfg.DictOpt("actions", default=dict(DEFAULT_ACTIONS),
                        help="Action types run by a sandboxed component, and the component: "
                        "builtin:NAME (shipped in wasm_action) or the path of a .wasm file, "
                        "e.g. migrate:builtin:migrate. Every other type is Watcher's own "
                        "action."),
        ] + Sandbox.options()


def _group(name: str) -> str:
    return f"{ENGINES}.{name}"


def check_selected_engine(conf: Optional[cfg.ConfigOpts] = None) -> Optional[Settings]:
    """Checks the options of the workflow engine ``[watcher_applier] workflow_engine`` selects,
    when it is this one (or a subclass); returns its settings, or ``None`` for another engine.
    Raises :class:`InvalidOption` naming the option and its value.

    Why here: Watcher 17 loads the workflow engine only when it applies a plan
    (``DefaultApplier.engine``, once per plan), so the engine's own constructor alone would
    find a bad option in the middle of the applier's life, failing a plan. What
    ``watcher-applier`` runs at start (``watcher/cmd/eventlet/applier.py``) is
    ``prepare_service``, then ``Syncer.sync()`` (``applier/sync.py``), which loads every
    ``watcher_actions`` entry point through Watcher's loader and calls its
    ``get_description()``, then the RPC server. ``wasm_migrate``, this package's action, is one
    of those entry points, and its ``get_description()`` calls this function: a bad option
    raises out of ``Syncer.sync()`` and the applier exits before it takes any plan. The options
    are read exactly as the loader will read them for each plan (its ``_load_plugin_config``:
    registered in ``[watcher_workflow_engines.NAME]``, config files re-read), and the
    components are compiled now, so a plan finds them ready.
    """
    conf = conf or cfg.CONF
    name = conf.watcher_applier.workflow_engine
    engines = loader.DefaultLoader(ENGINES, conf=conf)
    engine = engines.list_available().get(name)
    if not (isinstance(engine, type) and issubclass(engine, WasmWorkFlowEngine)):
        return None
    group = _group(name)
    try:
        config = engines._load_plugin_config(name, engine)
    except (cfg.Error, ValueError) as e:
        raise _unreadable(conf, group, engine, e) from e
    settings = settings_from(config, group)
    LOG.info("workflow engine %s: %s run in the sandbox (%s)", name,
             ", ".join(f"{t} by {c}" for t, c in settings.components.items()) or "no type",
             settings.sandbox)
    return settings


def _unreadable(conf, group, engine, error) -> InvalidOption:
    """The option oslo.config refuses to read (its value does not parse or is out of range)."""
    for opt in engine.get_config_opts():
        try:
            getattr(conf[group], opt.dest)
        except (cfg.Error, ValueError) as e:
            return InvalidOption(group, opt.name, None, str(e))
    return InvalidOption(group, "options", None, str(error))
