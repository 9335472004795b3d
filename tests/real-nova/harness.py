"""A real Nova 34 on 127.0.0.1, for the migrate action's integration tests.

Built on Nova's own functional-test fixtures (shipped in the nova wheel): the real nova-api WSGI
app (v2.1), PlacementFixture, conductor, scheduler and compute1..N on a fake virt driver that a
test can slow down or make fail, Cinder/Neutron/Glance fixtures, ``fake://`` messaging, sqlite.
Everything runs in this one (eventlet) process.

Usage: ``python harness.py [--servers N] [--boot-timeout S]``. Prints one JSON ready line on stdout:
``{"endpoint", "placement", "hosts", "servers": [{"id", "host"}], "control"}``, then serves until
stdin closes or SIGTERM. Nova's logs are captured in memory; the last ones are printed to stderr on
a startup failure and served at ``GET <control>/log``.

Placement: the very WSGI app that PlacementFixture installs as an in-process intercept (which
Nova's services reach) is also served on a socket of its own, ``placement`` in the ready line
(``http://127.0.0.1:PORT``, the API at the root), so other processes see the same resource
providers, inventories, usages and allocations. Its auth is the same stand-in as nova-api's.

Control API (no auth), under ``/_harness`` on the same port:
  GET/PUT/DELETE /_harness/faults   {"fail": ["finish_migration:error#1", ...],
                                      "delays": {"live_migration": 3}}
      "METHOD:KIND" with KIND "error" (default) or "rollback"; "#N" = the next N calls only.
  POST /_harness/servers            {"host": "compute1"}: boots one more server there (ACTIVE)
  POST /_harness/servers/ID/stop    os-stop, then wait for SHUTOFF
  GET  /_harness/requests           every compute API request: {"method", "path", "version"}
  GET  /_harness/log                the last 400 captured log lines
"""

import os
import sys

# Nova's functional package applies its eventlet monkey patching on import; it must come first.
import nova.tests.functional  # noqa: F401  isort:skip

import argparse  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import urllib.parse  # noqa: E402

import eventlet  # noqa: E402
import eventlet.wsgi  # noqa: E402
# nova.api.wsgi uses webob.dec without importing it (nova's own imports usually did it first).
import webob.dec  # noqa: E402,F401
import wsgi_intercept  # noqa: E402

from nova import exception  # noqa: E402
from nova.api import wsgi as nova_wsgi  # noqa: E402
from nova.tests.functional.api import client as api_client  # noqa: E402
from nova.tests.functional import integrated_helpers  # noqa: E402
from nova.virt import fake  # noqa: E402

# ---------------------------------------------------------------------------------------------
# The fake virt driver with injectable faults and delays.


# Driver steps that take faults and delays, and those whose failure Nova rolls back.
FAULTABLE = {"migrate_disk_and_power_off", "finish_migration", "finish_revert_migration",
             "check_can_live_migrate_destination", "live_migration", "snapshot"}
ROLLBACK = {"migrate_disk_and_power_off", "live_migration"}


class Faults:
    """Faults and delays shared by every compute service of this process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.fail = []  # [{"method", "kind", "remaining" (None = always)}]
        self.delays = {}

    def set(self, spec):
        fail = []
        for item in spec.get("fail", []):
            name, _, count = item.partition("#")
            method, _, kind = name.partition(":")
            kind = kind or "error"
            if kind not in ("error", "rollback"):
                raise ValueError(f"unknown fault kind {kind!r} in {item!r}")
            if method not in FAULTABLE:
                raise ValueError(f"{method!r} cannot fail; one of {sorted(FAULTABLE)}")
            if kind == "rollback" and method not in ROLLBACK:
                raise ValueError(f"only {sorted(ROLLBACK)} can roll back, not {method!r}")
            fail.append({"method": method, "kind": kind,
                         "remaining": int(count) if count else None})
        delays = {k: float(v) for k, v in spec.get("delays", {}).items()}
        unknown = set(delays) - FAULTABLE
        if unknown:
            raise ValueError(f"cannot delay {sorted(unknown)}; one of {sorted(FAULTABLE)}")
        with self.lock:
            self.fail, self.delays = fail, delays

    def view(self):
        with self.lock:
            return {"fail": [dict(f) for f in self.fail], "delays": dict(self.delays)}

    def take(self, method):
        """The fault kind for this call of ``method`` (None: no fault), and its delay."""
        with self.lock:
            delay = self.delays.get(method, 0)
            for fault in self.fail:
                if fault["method"] != method:
                    continue
                if fault["remaining"] is not None:
                    if fault["remaining"] <= 0:
                        continue
                    fault["remaining"] -= 1
                return fault["kind"], delay
            return None, delay


FAULTS = Faults()


class HarnessDriver(fake.MediumFakeDriver):
    """MediumFakeDriver whose migration steps (and shelve's snapshot) obey FAULTS."""

    def _step(self, method, instance):
        kind, delay = FAULTS.take(method)
        if delay:
            time.sleep(delay)
        if kind is None:
            return None
        message = f"injected driver failure in {method} on {self._host}"
        if kind == "rollback" and method == "migrate_disk_and_power_off":
            # Nova's resize error handler puts the instance back to its old state.
            raise exception.InstanceFaultRollback(
                inner_exception=exception.ResizeError(reason=message))
        if method == "check_can_live_migrate_destination":
            raise exception.MigrationPreCheckError(reason=message)
        if method == "snapshot":
            # shelve's (and createImage's) snapshot: not a migration, so no MigrationError.
            raise exception.NovaException(message)
        if kind == "rollback":
            return "rollback"
        raise exception.MigrationError(reason=message)

    def migrate_disk_and_power_off(self, context, instance, dest, *args, **kwargs):
        self._step("migrate_disk_and_power_off", instance)
        return super().migrate_disk_and_power_off(context, instance, dest, *args, **kwargs)

    def finish_migration(self, context, migration, instance, *args, **kwargs):
        self._step("finish_migration", instance)
        return super().finish_migration(context, migration, instance, *args, **kwargs)

    def finish_revert_migration(self, context, instance, *args, **kwargs):
        self._step("finish_revert_migration", instance)
        return super().finish_revert_migration(context, instance, *args, **kwargs)

    def snapshot(self, context, instance, image_id, update_task_state):
        self._step("snapshot", instance)
        return super().snapshot(context, instance, image_id, update_task_state)

    def check_can_live_migrate_destination(self, context, instance, *args, **kwargs):
        self._step("check_can_live_migrate_destination", instance)
        return super().check_can_live_migrate_destination(context, instance, *args, **kwargs)

    def live_migration(self, context, instance, dest, post_method, recover_method,
                       block_migration=False, migrate_data=None):
        if self._step("live_migration", instance) == "rollback":
            # What a real driver does when the copy fails: Nova rolls back to the source.
            recover_method(context, instance, dest, migrate_data)
            return
        post_method(context, instance, dest, block_migration, migrate_data)


# Nova loads drivers as ``nova.virt.<compute_driver>``.
fake.HarnessDriver = HarnessDriver

# ---------------------------------------------------------------------------------------------
# Auth stand-in.


def token_identity(environ):
    """``X-Auth-Token: USER:PROJECT[:ROLES]`` as ``(user, project, roles)``; None without one.

    Roles are comma-separated; default ``reader,member``; user ``admin`` always gets ``admin``.
    The Keystone double's tokens have this form (``admin:admin:admin``).
    """
    parts = (environ.get("HTTP_X_AUTH_TOKEN") or "").split(":")
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    user, project = parts[0], parts[1]
    roles = [r for r in (parts[2].split(",") if len(parts) > 2 else []) if r]
    roles = roles or ["reader", "member"]
    if user == "admin" and "admin" not in roles:
        roles.append("admin")
    return user, project, roles


def unauthorized(start_response):
    """keystonemiddleware's 401."""
    body = json.dumps({"error": {
        "code": 401, "title": "Unauthorized",
        "message": "The request you have made requires authentication."}}).encode()
    start_response("401 Unauthorized", [("Content-Type", "application/json"),
                                        ("Content-Length", str(len(body)))])
    return [body]


class TokenAuth:
    """A test-only stand-in for keystonemiddleware (Nova 34 has no noauth2): NOT real auth.

    The token (see ``token_identity``) becomes the headers that the functional fixtures' stubbed
    NovaKeystoneContext turns into a RequestContext. Without a token an API path answers 401 like
    keystonemiddleware; version discovery needs none.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.rstrip("/") in ("", "/v2", "/v2.1"):
            return self.app(environ, start_response)
        identity = token_identity(environ)
        if identity is None:
            return unauthorized(start_response)
        user, project, roles = identity
        environ["HTTP_X_AUTH_USER"] = user
        environ["HTTP_X_AUTH_PROJECT_ID"] = project
        environ["HTTP_X_ROLES"] = ",".join(roles)
        return self.app(environ, start_response)


class PlacementTokenAuth:
    """The same stand-in in front of the fixture's Placement app: NOT real auth.

    PlacementFixture runs Placement with ``auth_strategy = noauth2``: its NoAuthMiddleware reads
    ``X-Auth-Token: USER:PROJECT`` (so ``admin:admin:admin`` would be project ``admin:admin``)
    and the roles from ``X-Roles`` (or ``admin`` for user ``admin``, none otherwise). This
    rewrites a ``USER:PROJECT[:ROLES]`` token into that form, so a token means the same to both
    APIs; Placement's own policy (``role:admin`` for providers, inventories, usages,
    allocations) then decides. Without a token: 401, except version discovery at ``/``.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") in ("", "/"):
            return self.app(environ, start_response)
        identity = token_identity(environ)
        if identity is None:
            return unauthorized(start_response)
        user, project, roles = identity
        environ["HTTP_X_AUTH_TOKEN"] = f"{user}:{project}"
        environ["HTTP_X_ROLES"] = ",".join(roles)
        return self.app(environ, start_response)


def placement_app(cloud):
    """The WSGI app PlacementFixture installed as its wsgi-intercept (the one Nova's report
    client reaches), not a second instance: same config, database, policy."""
    endpoint = urllib.parse.urlsplit(cloud.placement_fixture.endpoint)
    key = (endpoint.hostname, endpoint.port or 80)
    try:
        app_fn, _script_name = wsgi_intercept._wsgi_intercept[key]
    except KeyError:
        raise RuntimeError(f"PlacementFixture's intercept for {key} is not installed; "
                           f"installed: {sorted(wsgi_intercept._wsgi_intercept)}") from None
    return app_fn()


# ---------------------------------------------------------------------------------------------
# The cloud: Nova's integrated functional test base, set up outside a test runner.


class Cloud(integrated_helpers._IntegratedTestBase):
    ADMIN_API = True
    # Real asynchrony: casts stay casts, so the API answers 202 and the work happens afterwards.
    CAST_AS_CALL = False
    HOSTS = ["compute1", "compute2", "compute3"]

    def runTest(self):  # testtools needs a test method; we never run one
        pass

    def _setup_compute_service(self):
        # The wheel installs the paste config under <venv>/etc, not next to the package.
        self.flags(api_paste_config=os.path.join(sys.prefix, "etc/nova/api-paste.ini"),
                   group="wsgi")
        self.flags(compute_driver="fake.HarnessDriver")
        for host in self.HOSTS:
            self._start_compute(host)
        return self.computes[self.HOSTS[0]]

    def boot(self, count, timeout):
        """Boots ``count`` servers in project ``demo``, one at a time, round-robin on the hosts."""
        base = self.api_fixture.api.base_url
        demo_admin = api_client.TestOpenStackClient(
            "admin", base, project_id="demo", roles=["reader", "member", "admin"])
        demo_admin.microversion = "2.74"
        self.demo_admin = demo_admin
        self.booted = 0
        return [self.boot_on(self.HOSTS[i % len(self.HOSTS)], timeout) for i in range(count)]

    def boot_on(self, host, timeout=60):
        """Boots one more server in project ``demo`` on ``host`` and waits for ACTIVE."""
        name = f"server{self.booted}"
        self.booted += 1
        body = self._build_server(name=name, networks="none", host=host)
        server = self.demo_admin.post_server({"server": body})
        deadline = time.time() + timeout
        while True:
            server = self.demo_admin.get_server(server["id"])
            if server["status"] == "ACTIVE":
                break
            if server["status"] == "ERROR" or time.time() > deadline:
                raise RuntimeError(
                    f"{name} on {host} did not become ACTIVE within {timeout} s "
                    f"(status {server['status']}): {server.get('fault')}")
            time.sleep(0.05)
        return {"id": server["id"], "host": server["OS-EXT-SRV-ATTR:host"]}

    def stop_server(self, server_id, timeout=30):
        self.demo_admin.post_server_action(server_id, {"os-stop": None})
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.demo_admin.get_server(server_id)["status"] == "SHUTOFF":
                return
            time.sleep(0.05)
        raise RuntimeError(f"server {server_id} did not stop within {timeout} s")

    def log_tail(self, lines=400):
        return "\n".join(self.stdlog.logger.output.splitlines()[-lines:])


# ---------------------------------------------------------------------------------------------
# Control endpoint and serving.


def control_app(cloud):
    def respond(start_response, status, payload):
        body = (payload if isinstance(payload, str) else json.dumps(payload)).encode()
        start_response(status, [("Content-Type", "application/json"),
                                ("Content-Length", str(len(body)))])
        return [body]

    def app(environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        try:
            if path == "/_harness/faults":
                if method in ("PUT", "POST"):
                    size = int(environ.get("CONTENT_LENGTH") or 0)
                    FAULTS.set(json.loads(environ["wsgi.input"].read(size) or b"{}"))
                elif method == "DELETE":
                    FAULTS.set({})
                return respond(start_response, "200 OK", FAULTS.view())
            if path.startswith("/_harness/servers/") and path.endswith("/stop"):
                cloud.stop_server(path.split("/")[3])
                return respond(start_response, "200 OK", {"status": "SHUTOFF"})
            if path == "/_harness/servers" and method == "POST":
                size = int(environ.get("CONTENT_LENGTH") or 0)
                spec = json.loads(environ["wsgi.input"].read(size) or b"{}")
                return respond(start_response, "200 OK", cloud.boot_on(spec["host"]))
            if path == "/_harness/requests":
                return respond(start_response, "200 OK", REQUESTS.view())
            if path == "/_harness/log":
                return respond(start_response, "200 OK", cloud.log_tail())
            return respond(start_response, "404 Not Found", {"error": f"no {method} {path}"})
        except Exception as error:  # a bad control request must not take the harness down
            return respond(start_response, "400 Bad Request", {"error": str(error)})

    return app


class RequestLog:
    """The compute API requests nova-api received: method, path and the microversion asked."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []

    def wrap(self, app):
        def logged(environ, start_response):
            with self.lock:
                self.requests.append({
                    "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO", ""),
                    "version": environ.get("HTTP_OPENSTACK_API_VERSION")
                    or environ.get("HTTP_X_OPENSTACK_NOVA_API_VERSION"),
                })
            return app(environ, start_response)
        return logged

    def view(self):
        with self.lock:
            return list(self.requests)


REQUESTS = RequestLog()


def listen(app):
    """Serves ``app`` on 127.0.0.1 at a free port (eventlet wsgi, quiet); returns the port."""
    sock = eventlet.listen(("127.0.0.1", 0))
    quiet = open(os.devnull, "w")
    eventlet.spawn(eventlet.wsgi.server, sock, app, log=quiet, log_output=False)
    return sock.getsockname()[1]


def serve(cloud):
    """nova-api (with the control API) and Placement, each on a port of its own."""
    nova_api = REQUESTS.wrap(TokenAuth(nova_wsgi.Loader().load_app("osapi_compute")))
    control = control_app(cloud)

    def app(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/_harness/"):
            return control(environ, start_response)
        return nova_api(environ, start_response)

    return listen(app), listen(PlacementTokenAuth(placement_app(cloud)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=3, help="servers to boot (one at a time)")
    parser.add_argument("--boot-timeout", type=float, default=60.0)
    args = parser.parse_args()

    # Only the ready line goes to stdout; anything the fixtures print goes to stderr.
    ready_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    started = time.time()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

    cloud = Cloud()
    try:
        cloud.setUp()
        servers = cloud.boot(args.servers, args.boot_timeout)
        port, placement_port = serve(cloud)
    except Exception:
        traceback.print_exc()
        try:
            print("--- last nova log lines ---\n" + cloud.log_tail(60), file=sys.stderr)
        except Exception:
            pass
        sys.stderr.flush()
        os._exit(1)

    ready = {"endpoint": f"http://127.0.0.1:{port}/v2.1",
             "placement": f"http://127.0.0.1:{placement_port}", "hosts": list(Cloud.HOSTS),
             "servers": servers, "control": f"http://127.0.0.1:{port}/_harness",
             "startup_seconds": round(time.time() - started, 2), "pid": os.getpid()}
    ready_out.write(json.dumps(ready) + "\n")
    ready_out.flush()

    # Serve until stdin closes (the test that started us ended). os.read is green under eventlet.
    while os.read(0, 4096):
        pass
    # Skip fixture cleanups: they can block, and the process (in-memory sqlite) ends here anyway.
    os._exit(0)


if __name__ == "__main__":
    main()
