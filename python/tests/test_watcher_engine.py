"""The ``wasm`` Watcher workflow engine (``wasm_action.watcher_engine``) without a cloud: its
options, how a bad one is refused (and named), and what its action factory makes for each
action type. Needs Watcher 17 installed (the Watcher suite's venv)."""

import types
import uuid

import jsonschema
import pytest
from oslo_concurrency import processutils
from oslo_config import cfg
from watcher import conf as watcher_conf  # noqa: F401  (registers Watcher's options)
from watcher.applier.actions import factory
from watcher.applier.actions import delete
from watcher.applier.actions import migration
from watcher.applier.actions import nop
from watcher.common import exception
from watcher.common import utils
from watcher.conf import applier as applier_conf

import wasm_action
from wasm_action import watcher_engine
from wasm_action.watcher import (
    BUILTIN_MIGRATE,
    Component,
    SandboxedAction,
    SandboxedMigrate,
    WasmMigrate,
)

GROUP = "watcher_workflow_engines.wasm"


def selected(tmp_path, options="", engine="wasm"):
    """A fresh ConfigOpts that read a watcher.conf selecting ``engine``, with ``options`` in
    the wasm engine's group: what ``check_selected_engine`` sees at the applier's start."""
    path = tmp_path / "watcher.conf"
    path.write_text(f"[watcher_applier]\nworkflow_engine = {engine}\n\n[{GROUP}]\n{options}\n")
    conf = cfg.ConfigOpts()
    applier_conf.register_opts(conf)
    conf(["--config-file", str(path)], project="watcher")
    return conf


def refusal(tmp_path, options):
    with pytest.raises(watcher_engine.InvalidOption) as raised:
        watcher_engine.check_selected_engine(selected(tmp_path, options))
    assert isinstance(raised.value, exception.WatcherException)
    return str(raised.value)


def cold(server=None):
    return {"resource_id": server or str(uuid.uuid4()), "migration_type": "cold",
            "source_node": "compute1", "destination_node": "compute3"}


def record(action_type, input_parameters):
    """An action row as the factory reads it."""
    return types.SimpleNamespace(action_type=action_type, input_parameters=input_parameters)


def test_the_options_are_taskflows_and_the_sandboxs_with_their_defaults():
    opts = {o.name: o for o in watcher_engine.WasmWorkFlowEngine.get_config_opts()}
    assert set(opts) == {"max_workers", "action_execution_rule", "actions", "timeout",
                         "cache_dir", "memory_mib", "trust_pins", "trust_keys", "grants"}
    assert opts["max_workers"].default == processutils.get_worker_count()
    assert opts["action_execution_rule"].default == {}
    assert opts["actions"].default == {name: f"builtin:{name}" for name in (
        "migrate", "change_nova_service_state", "stop", "resize", "shelve", "nop", "sleep")}
    assert opts["timeout"].default == 900.0


def test_by_default_every_shipped_action_type_runs_its_builtin_component(tmp_path):
    settings = watcher_engine.check_selected_engine(selected(tmp_path))
    assert dict(settings.components) == {name: Component(builtin=name)
                                         for name in watcher_engine.BUILTIN_ACTIONS}
    assert settings.components["migrate"] == BUILTIN_MIGRATE
    assert settings.sandbox.timeout == 900.0


def test_options_from_a_config_file_are_read_and_converted(tmp_path):
    conf = selected(tmp_path, "actions = migrate:builtin:migrate, wasm_migrate:builtin:migrate\n"
                    "action_execution_rule = host_maintenance:ANY\nmax_workers = 3\n"
                    "timeout = 60\nmemory_mib = 32")
    settings = watcher_engine.check_selected_engine(conf)
    assert dict(settings.components) == {"migrate": BUILTIN_MIGRATE,
                                         "wasm_migrate": BUILTIN_MIGRATE}
    assert (settings.sandbox.timeout, settings.sandbox.memory_mib) == (60.0, 32)
    assert conf[GROUP].action_execution_rule == {"host_maintenance": "ANY"}
    assert conf[GROUP].max_workers == 3


def test_another_engine_selected_is_not_checked(tmp_path):
    conf = selected(tmp_path, "actions = migrate:/nonexistent/migrate.wasm", engine="taskflow")
    assert watcher_engine.check_selected_engine(conf) is None


def test_a_missing_component_file_is_refused_by_option_and_value(tmp_path):
    assert refusal(tmp_path, "actions = migrate:/nonexistent/migrate.wasm") == (
        f"[{GROUP}] actions = migrate:/nonexistent/migrate.wasm: "
        "no component file /nonexistent/migrate.wasm")


def test_an_action_type_watcher_does_not_know_is_refused(tmp_path):
    message = refusal(tmp_path, "actions = migrat:builtin:migrate")
    assert message.startswith(
        f"[{GROUP}] actions = migrat:builtin:migrate: 'migrat' is not an action type Watcher "
        "knows (watcher_actions: change_node_power_state, "), message
    assert "migrate, nop" in message and "wasm_migrate" in message


def test_an_unknown_builtin_is_refused_with_those_there_are(tmp_path):
    message = refusal(tmp_path, "actions = migrate:builtin:volume_migrate")
    assert message.startswith(f"[{GROUP}] actions = migrate:builtin:volume_migrate: "), message
    assert ("no built-in plugin named 'volume_migrate'; built in: migrate, "
            "change_nova_service_state, stop, resize, shelve, nop, sleep") in message


def test_an_empty_component_is_refused(tmp_path):
    assert refusal(tmp_path, "actions = migrate:") == (
        f"[{GROUP}] actions = migrate:: no component: builtin:NAME or the path of a .wasm file")


def test_a_file_that_is_not_a_component_is_refused(tmp_path):
    junk = tmp_path / "junk.wasm"
    junk.write_bytes(b"not a component")
    message = refusal(tmp_path, f"actions = migrate:{junk}")
    assert message.startswith(
        f"[{GROUP}] actions = migrate:{junk}: the component does not load (load): "), message


@pytest.mark.parametrize("option,problem", [("trust_pins", "no pins file"),
                                            ("trust_keys", "no public key file")])
def test_a_missing_trust_file_is_refused_by_option_and_value(tmp_path, option, problem):
    assert refusal(tmp_path, f"{option} = /nonexistent/trust") == (
        f"[{GROUP}] {option} = /nonexistent/trust: {problem} /nonexistent/trust")


def test_a_grants_file_that_cannot_be_used_is_refused_by_option_and_value(tmp_path):
    grants = tmp_path / "grants"
    grants.write_text("migrate widen GET /servers/{id}\n")
    message = refusal(tmp_path, f"grants = {grants}")
    assert message.startswith(f"[{GROUP}] grants = {grants}: grants line 1: "), message


def test_a_component_file_the_trust_options_refuse_is_refused_at_start(tmp_path):
    component = tmp_path / "migrate.wasm"
    component.write_bytes(bytes(wasm_action._native.Runtime.builtin("migrate")))
    pins = tmp_path / "pins.sha256"
    pins.write_text(f"{'0' * 64}  something-else.wasm\n")
    message = refusal(tmp_path, f"actions = migrate:{component}\ntrust_pins = {pins}")
    assert message.startswith(f"[{GROUP}] actions = migrate:{component}: the component does "
                              "not load (untrusted): "), message
    assert "neither pinned nor signed" in message


def test_builtin_components_need_no_pin_or_signature(tmp_path):
    pins = tmp_path / "pins.sha256"
    pins.write_text("# nothing pinned\n")
    settings = watcher_engine.check_selected_engine(selected(tmp_path, f"trust_pins = {pins}"))
    assert dict(settings.components) == {name: Component(builtin=name)
                                         for name in watcher_engine.BUILTIN_ACTIONS}
    assert settings.sandbox.trust_pins == str(pins)


@pytest.mark.parametrize("options,option", [("max_workers = 0", "max_workers"),
                                            ("timeout = soon", "timeout"),
                                            ("memory_mib = 0", "memory_mib")])
def test_a_value_oslo_config_refuses_is_named(tmp_path, options, option):
    message = refusal(tmp_path, options)
    assert message.startswith(f"[{GROUP}] {option}: "), message


@pytest.fixture(scope="module")
def made():
    """The engine's factory with the default options."""
    settings = watcher_engine.settings_from(utils.Struct(), GROUP)
    return watcher_engine.SandboxedActionFactory(settings)


def test_the_factory_makes_migrate_a_sandboxed_migrate_that_reports_itself_as_migrate(made):
    server = str(uuid.uuid4())
    action = made.make_action(record("migrate", cold(server)))
    assert type(action) is SandboxedMigrate
    assert (action.action_type, action.component) == ("migrate", BUILTIN_MIGRATE)
    assert action.schema == migration.Migrate(utils.Struct()).schema
    assert (action.migration_type, action.source_node, action.destination_node) == (
        "cold", "compute1", "compute3")
    assert action.check_abort()
    assert action.get_description() == (
        f"cold migration of server {server} from compute1 to compute3")


def test_the_factory_sandboxes_every_shipped_type_and_leaves_the_others_watchers(made):
    action = made.make_action(record("nop", {"message": "hello"}))
    assert type(action) is SandboxedAction
    assert (action.action_type, action.component) == ("nop", Component(builtin="nop"))
    assert action.schema == nop.Nop(utils.Struct()).schema
    server = str(uuid.uuid4())
    stop = made.make_action(record("stop", {"resource_id": server}))
    assert (stop.action_type, str(stop.component)) == ("stop", "builtin:stop")
    assert stop.get_description() == f"stop server {server}"
    other = made.make_action(record("delete", {"resource_id": server}))
    assert type(other) is delete.Delete


def test_migrate_parameters_are_held_to_watchers_own_schema(made):
    # Watcher's migrate requires migration_type, and so do the component and the engine.
    params = cold()
    del params["migration_type"]
    with pytest.raises(jsonschema.ValidationError):
        factory.ActionFactory().make_action(record("migrate", params))
    with pytest.raises((exception.Invalid, jsonschema.ValidationError)) as raised:
        made.make_action(record("migrate", params))
    assert "migration_type" in str(raised.value)


def test_migrate_parameters_are_held_to_the_components_validation(made):
    with pytest.raises(exception.Invalid) as raised:
        made.make_action(record("migrate", cold("not-a-uuid")))
    assert "resource_id" in str(raised.value)


def test_the_engine_has_the_sandboxed_factory():
    config = utils.Struct(actions={"migrate": "builtin:migrate"})
    engine = watcher_engine.WasmWorkFlowEngine(config)
    assert isinstance(engine.action_factory, watcher_engine.SandboxedActionFactory)
    assert dict(engine.settings.components) == {"migrate": BUILTIN_MIGRATE}


def test_the_engine_refuses_to_load_with_a_bad_option():
    with pytest.raises(watcher_engine.InvalidOption) as raised:
        watcher_engine.WasmWorkFlowEngine(utils.Struct(actions={"migrate": "/nonexistent.wasm"}))
    assert "actions = migrate:/nonexistent.wasm: no component file /nonexistent.wasm" in str(
        raised.value)


def test_wasm_migrate_is_the_same_implementation_under_its_own_name():
    action = WasmMigrate(utils.Struct())
    assert isinstance(action, SandboxedMigrate) and isinstance(action, SandboxedAction)
    assert (action.action_type, action.component) == ("wasm_migrate", BUILTIN_MIGRATE)
    assert WasmMigrate(utils.Struct(component="/x.wasm")).component == Component(path="/x.wasm")


def test_components_are_parsed_from_their_option_text():
    assert Component.parse("builtin:migrate") == BUILTIN_MIGRATE
    assert Component.parse(" /opt/a.wasm ") == Component(path="/opt/a.wasm")
    assert str(Component.parse("builtin:migrate")) == "builtin:migrate"
