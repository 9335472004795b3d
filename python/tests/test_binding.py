"""The Python binding against a Nova double.

Run by `tests/watcher` (cargo test, `binding.rs`) with the wheel installed in its venv, which
sets the environment:
NOVA_ENDPOINT     a Nova double's compute endpoint (fast timings) ...
NOVA_SERVERS      ... and at least 11 ACTIVE servers on it, comma-separated ids
TEST_PLUGINS_DIR  the hostile test plugins as <name>.wasm
"""

import json
import os
import threading
import time
import urllib.request
import uuid

import jsonschema
import pytest

import wasm_action

ADMIN = "admin:admin:admin"


class Nova:
    """The Nova double the test runner started (NOVA_ENDPOINT, NOVA_SERVERS)."""

    def __init__(self, servers):
        self.endpoint = os.environ["NOVA_ENDPOINT"]
        self.servers = os.environ["NOVA_SERVERS"].split(",")
        assert len(self.servers) >= servers, "NOVA_SERVERS has too few servers"

    def server(self, server_id):
        request = urllib.request.Request(f"{self.endpoint}/servers/{server_id}", headers={
            "X-Auth-Token": ADMIN, "OpenStack-API-Version": "compute 2.80"})
        with urllib.request.urlopen(request) as answer:
            return json.load(answer)["server"]

    def host_of(self, server_id):
        return self.server(server_id)["OS-EXT-SRV-ATTR:host"]


@pytest.fixture(scope="module")
def nova():
    return Nova(12)


@pytest.fixture(scope="module")
def migrate():
    return wasm_action.Runtime(use_cache=False).builtin("migrate")


def cold(server, source, destination="compute3"):
    return {"resource_id": server, "migration_type": "cold", "source_node": source,
            "destination_node": destination}


def test_schema_is_a_json_schema_that_accepts_watchers_parameters(migrate):
    schema = migrate.schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(cold(str(uuid.uuid4()), "compute1"), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"migration_type": "cold"}, schema)
    assert set(schema["required"]) >= {"resource_id", "source_node"}


def test_every_shipped_action_is_built_in_and_stop_stops_a_server(nova):
    runtime = wasm_action.Runtime(use_cache=False)
    for name in ("migrate", "change_nova_service_state", "stop", "resize", "shelve", "nop",
                 "sleep"):
        assert runtime.builtin(name).schema()["title"] == name
    with pytest.raises(ValueError) as raised:
        runtime.builtin("volume_migrate")
    assert "change_nova_service_state" in str(raised.value)
    server, stop = nova.servers[11], runtime.builtin("stop")
    stop.execute({"resource_id": server}, endpoint=nova.endpoint, token=ADMIN)
    assert nova.server(server)["status"] == "SHUTOFF"
    stop.revert({"resource_id": server}, endpoint=nova.endpoint, token=ADMIN)
    assert nova.server(server)["status"] == "ACTIVE"


def test_validate_names_every_wrong_field_and_calls_nothing(migrate):
    with pytest.raises(wasm_action.InvalidInput) as raised:
        migrate.validate({"resource_id": "x", "migration_type": "warm"})
    paths = [f.path for f in raised.value.fields]
    assert paths == ["resource_id", "migration_type", "source_node"]
    assert raised.value.kind == "invalid-input"
    assert isinstance(raised.value, wasm_action.ActionError)


def test_describe_says_what_the_parameters_do(migrate):
    server = str(uuid.uuid4())
    assert migrate.describe(cold(server, "compute1")) == (
        f"cold migration of server {server} from compute1 to compute3")


def test_cold_migration_moves_the_server_and_keeps_its_id(nova, migrate):
    server = nova.servers[0]
    source = nova.host_of(server)
    destination = "compute3" if source != "compute3" else "compute2"
    params = cold(server, source, destination)
    assert migrate.pre_condition(params, endpoint=nova.endpoint, token=ADMIN).proceed
    outcome = migrate.execute(params, endpoint=nova.endpoint, token=ADMIN)
    assert json.loads(outcome.details)["migration_status"] == "confirmed"
    assert nova.host_of(server) == destination
    assert nova.server(server)["status"] == "ACTIVE"
    migrate.post_condition(params, endpoint=nova.endpoint, token=ADMIN)
    # Now it is not on the source any more: the pre-condition says skip, with the reason.
    readiness = migrate.pre_condition(params, endpoint=nova.endpoint, token=ADMIN)
    assert not readiness.proceed and destination in readiness.reason


def test_each_action_error_variant_is_its_own_exception(nova, migrate):
    unknown = cold(str(uuid.uuid4()), "compute1")
    with pytest.raises(wasm_action.NotFound) as raised:
        migrate.execute(unknown, endpoint=nova.endpoint, token=ADMIN)
    assert raised.value.api is None or raised.value.api.status == 404
    server = nova.servers[1]
    here = nova.host_of(server)
    with pytest.raises(wasm_action.InvalidInput):
        migrate.execute(cold(server, here, here), endpoint=nova.endpoint, token=ADMIN)
    with pytest.raises(wasm_action.Denied):
        migrate.execute(cold(server, here), endpoint=nova.endpoint, token="demo:demo:member")
    with pytest.raises(wasm_action.TransportError):
        migrate.execute(cold(server, here), endpoint="http://127.0.0.1:9/v2.1", token=ADMIN)
    assert nova.host_of(server) == here


def test_host_errors_are_typed_and_the_runtime_keeps_serving(nova, migrate):
    runtime = wasm_action.Runtime(use_cache=False, memory_mib=16, cpu_fuel=200_000_000)
    plugins = os.environ["TEST_PLUGINS_DIR"]
    params = {"resource_id": nova.servers[2]}
    context = {"endpoint": nova.endpoint, "token": ADMIN}
    with pytest.raises(wasm_action.LimitExceeded) as raised:
        runtime.load(os.path.join(plugins, "memory-bomb.wasm")).execute(params, **context)
    assert raised.value.limit == "memory" and raised.value.phase == "execute"
    with pytest.raises(wasm_action.LimitExceeded) as raised:
        runtime.load(os.path.join(plugins, "spin.wasm")).execute(params, **context)
    assert raised.value.limit == "cpu"
    with pytest.raises(wasm_action.PluginCrashed, match="deliberate panic"):
        runtime.load(os.path.join(plugins, "panic.wasm")).execute(params, **context)
    with pytest.raises(wasm_action.LoadError, match="0.1.0"):
        runtime.load(os.path.join(plugins, "wrong-contract.wasm"))
    with pytest.raises(wasm_action.LoadError):
        runtime.load(b"not a component", name="junk")
    with pytest.raises(wasm_action.ContextError):
        migrate.execute(params, endpoint="not a url", token=ADMIN)
    with pytest.raises(ValueError, match="endpoint"):
        migrate.execute(params, token=ADMIN)
    well = runtime.load(os.path.join(plugins, "well-behaved.wasm"))
    assert well.name == "well-behaved"  # named as the host's plugin directories name files
    assert well.execute(params, **context).summary == "status 200"


def test_a_request_outside_the_endpoint_is_refused(nova):
    plugins = os.environ["TEST_PLUGINS_DIR"]
    runtime = wasm_action.Runtime(use_cache=False)
    events = []
    plugin = runtime.load(os.path.join(plugins, "forbidden-host.wasm"))
    with pytest.raises(wasm_action.Denied, match="HttpRequestDenied"):
        plugin.execute({"url": "http://127.0.0.1:9/steal"}, endpoint=nova.endpoint,
                       token=ADMIN, on_event=events.append)
    denied = [json.loads(e) for e in events if json.loads(e)["event"] == "denied"]
    assert denied and denied[0]["target"] == "GET http://127.0.0.1:9/steal"


def test_a_request_the_plugin_did_not_declare_is_refused_and_counted(nova):
    plugins = os.environ["TEST_PLUGINS_DIR"]
    plugin = wasm_action.Runtime(use_cache=False).load(os.path.join(plugins, "overreach.wasm"))
    events = []
    server = nova.servers[9]
    with pytest.raises(wasm_action.Denied, match="HttpRequestDenied"):
        plugin.execute({"attack": "stop", "resource_id": server}, endpoint=nova.endpoint,
                       token=ADMIN, on_event=events.append)
    denied = [json.loads(e) for e in events if json.loads(e)["event"] == "denied"]
    assert "'os-stop' is not one the plugin may send" in denied[0]["reason"], denied
    assert nova.server(server)["status"] == "ACTIVE"


def test_grants_narrow_migrate_so_that_nova_sees_no_migration(nova, tmp_path):
    grants = tmp_path / "grants"
    grants.write_text("migrate allow GET /servers/{id}\nmigrate allow GET /os-services\n")
    migrate = wasm_action.Runtime(use_cache=False, grants=grants).builtin("migrate")
    server = nova.servers[10]
    source = nova.host_of(server)
    with pytest.raises(wasm_action.ActionError):
        migrate.execute(cold(server, source), endpoint=nova.endpoint, token=ADMIN)
    assert nova.host_of(server) == source and nova.server(server)["status"] == "ACTIVE"


def test_a_grants_file_that_cannot_be_used_is_a_settings_error(tmp_path):
    grants = tmp_path / "grants"
    grants.write_text("migrate widen GET /servers/{id}\n")
    with pytest.raises(wasm_action.SettingsError, match="grants line 1") as raised:
        wasm_action.Runtime(use_cache=False, grants=grants)
    assert raised.value.option == "grants" and raised.value.path == str(grants)


def test_token_comes_from_a_callable_and_is_renewed_after_401(nova, migrate):
    issued, stale_seen = [], []

    def token():
        issued.append(1)
        return "" if len(issued) == 1 else ADMIN  # the first one Nova refuses (401)

    def renew(stale):
        stale_seen.append(stale)
        return ADMIN

    server = nova.servers[3]
    readiness = migrate.pre_condition(cold(server, nova.host_of(server)),
                                      endpoint=nova.endpoint, token=token, renew=renew)
    assert readiness.proceed
    assert stale_seen == [""] and len(issued) >= 1


def test_threads_run_actions_at_the_same_time(nova, migrate):
    """Each call releases the GIL: four migrations from four threads overlap in time."""
    servers = nova.servers[4:8]
    spans, errors = {}, []

    def run(server):
        try:
            source = nova.host_of(server)
            destination = "compute1" if source != "compute1" else "compute2"
            started = time.monotonic()
            migrate.execute(cold(server, source, destination), endpoint=nova.endpoint,
                            token=ADMIN)
            spans[server] = (started, time.monotonic(), destination)
        except Exception as e:  # reported below, with the server
            errors.append((server, e))

    threads = [threading.Thread(target=run, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    latest_start = max(s for s, _, _ in spans.values())
    earliest_end = min(e for _, e, _ in spans.values())
    assert latest_start < earliest_end, "the four calls ran one after another"
    for server, (_, _, destination) in spans.items():
        assert nova.host_of(server) == destination


def test_a_deadline_that_passes_is_timed_out(nova, migrate):
    server = nova.servers[8]
    source = nova.host_of(server)
    destination = "compute1" if source != "compute1" else "compute2"
    with pytest.raises(wasm_action.TimedOut) as raised:
        migrate.execute(cold(server, source, destination), endpoint=nova.endpoint, token=ADMIN,
                        deadline=0.05)
    assert raised.value.kind == "timed-out" and str(raised.value)


# The shapes the host library renders (`wasm_action_host::json`, crates/host/src/json.rs), one
# per variant, and the exception each becomes.
ACTION_ERRORS = [
    ({"kind": "invalid-input", "message": "invalid input: a b",
      "fields": [{"path": "a", "message": "b"}]},
     wasm_action.InvalidInput, {"fields": [wasm_action.FieldError("a", "b")]}),
    ({"kind": "not-found", "message": "not found: m [req-1]", "problem": "m",
      "api": {"status": 404, "message": "n", "request_id": "req-1"}},
     wasm_action.NotFound, {"api": wasm_action.ApiFault(404, "n", "req-1"), "message": "m"}),
    ({"kind": "conflict", "message": "conflict: m", "problem": "m", "api": None},
     wasm_action.Conflict, {"api": None}),
    ({"kind": "denied", "message": "denied: m", "problem": "m", "api": None},
     wasm_action.Denied, {"message": "m"}),
    ({"kind": "unsupported", "message": "unsupported: m", "problem": "m", "api": None},
     wasm_action.Unsupported, {}),
    ({"kind": "api", "message": "unexpected API answer: HTTP 500 boom",
      "api": {"status": 500, "message": "boom", "request_id": None}},
     wasm_action.ApiError, {"status": 500}),
    ({"kind": "migration-failed", "message": "migration failed: m (server ERROR on compute1)",
      "failure": {"message": "m", "server_status": "ERROR", "migration_status": "error",
                  "migration_uuid": "u", "host": "compute1", "fault": "No valid host",
                  "request_id": "req-2"}},
     wasm_action.MigrationFailed, {"server_status": "ERROR", "migration_status": "error",
                                   "host": "compute1", "fault": "No valid host"}),
    ({"kind": "timed-out", "message": "timed out: m", "detail": "m"},
     wasm_action.TimedOut, {"message": "m"}),
    ({"kind": "transport", "message": "transport: m", "detail": "m"},
     wasm_action.TransportError, {"message": "m"}),
    ({"kind": "cancelled", "message": "cancelled"}, wasm_action.Cancelled, {}),
]


@pytest.mark.parametrize("value,cls,attributes", ACTION_ERRORS,
                         ids=[v["kind"] for v, _, _ in ACTION_ERRORS])
def test_every_action_error_variant_has_its_exception(value, cls, attributes):
    error = wasm_action.errors.action_error(value)
    assert type(error) is cls and isinstance(error, wasm_action.ActionError)
    assert error.kind == value["kind"] and str(error)
    for name, expected in attributes.items():
        assert getattr(error, name) == expected


HOST_ERRORS = [
    ({"kind": "limit-exceeded", "message": "m", "plugin": "p", "phase": "execute",
      "limit": "wall-clock"}, wasm_action.LimitExceeded),
    ({"kind": "trap", "message": "m", "plugin": "p", "phase": "execute"},
     wasm_action.PluginCrashed),
    ({"kind": "load", "message": "m", "plugin": "p"}, wasm_action.LoadError),
    ({"kind": "context", "message": "m"}, wasm_action.ContextError),
    ({"kind": "busy", "message": "m", "plugin": "p"}, wasm_action.Busy),
    ({"kind": "engine", "message": "m"}, wasm_action.EngineError),
    ({"kind": "cache", "message": "m", "dir": "/x"}, wasm_action.EngineError),
    ({"kind": "instantiate", "message": "m", "plugin": "p", "phase": "execute"},
     wasm_action.PluginCrashed),
    ({"kind": "shutting-down", "message": "m"}, wasm_action.Busy),
    ({"kind": "unknown-plugin", "message": "m", "plugin": "p"}, wasm_action.LoadError),
]


@pytest.mark.parametrize("value,cls", HOST_ERRORS, ids=[v["kind"] for v, _ in HOST_ERRORS])
def test_every_host_failure_has_its_exception(value, cls):
    error = wasm_action.errors.host_error(value)
    assert type(error) is cls and isinstance(error, wasm_action.HostError)
    assert error.kind == value["kind"] and error.plugin == value.get("plugin")
