"""A real Nova 34 on 127.0.0.1 behind a real Keystone 30, for the actions' integration tests.

Built on Nova's own functional-test fixtures (shipped in the nova wheel): the real nova-api WSGI
app (v2.1), PlacementFixture, conductor, scheduler and compute1..N on a fake virt driver that a
test can slow down or make fail, Cinder/Neutron/Glance fixtures, ``fake://`` messaging, sqlite.
Everything Nova runs in this one (eventlet) process.

Keystone (``keystone_server.py``) is a child process this harness starts first, before it even
imports Nova, on a socket it binds for it; its SQLite database, fernet and credential keys live
in a temp dir that the harness removes when it ends. nova-api's own paste pipeline runs as
deployed: keystonemiddleware ``auth_token`` (``[keystone_authtoken]``: service user ``nova`` in
project ``service``, password auth, RegionOne) then ``NovaKeystoneContext``, under Nova's
default policy (RealPolicyFixture); the fixtures' auth stubs are off (``STUB_KEYSTONE =
False``). The harness's own requests (boots, stops) carry a Keystone token of ``admin`` scoped
to project ``demo``, where the servers are booted.

Usage: ``python harness.py [--servers N] [--boot-timeout S] [--token-expiration S]``. Prints one
JSON ready line on stdout: ``{"endpoint", "placement", "hosts", "servers": [{"id", "host"}],
"control", "keystone" (the auth URL, .../v3), "domain", "admin"/"demo"/"reader": {"username",
"password", "project", "user_id"}, "demo_project_id", "application_credential": {"id",
"secret", "name"}, "regions", "token_expiration", "startup_seconds", "phases", ...}``, then
serves until stdin closes or SIGTERM (Keystone is then killed, by its pid, and its files
removed; should this process die otherwise, Keystone gets SIGTERM from the kernel and its
stdin closes). Nova's logs are captured in memory; the last ones are printed to stderr on a
startup failure and served at ``GET <control>/log``.

Placement: the very WSGI app that PlacementFixture installs as an in-process intercept (which
Nova's services reach) is also served on a socket of its own, ``placement`` in the ready line
(``http://127.0.0.1:PORT``, the API at the root), behind the same keystonemiddleware, so other
processes see the same resource providers, inventories, usages and allocations.

Control API (no auth), under ``/_harness`` on the same port:
  GET/PUT/DELETE /_harness/faults   {"fail": ["finish_migration:error#1", ...],
                                      "delays": {"live_migration": 3}}
      "METHOD:KIND" with KIND "error" (default) or "rollback"; "#N" = the next N calls only.
  POST /_harness/servers            {"host": "compute1"}: boots one more server there (ACTIVE)
  POST /_harness/servers/ID/stop    os-stop, then wait for SHUTOFF
  GET  /_harness/requests           every compute API request: {"method", "path", "version"}
  GET  /_harness/log                the last 400 captured log lines
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

STARTED = time.time()

# ---------------------------------------------------------------------------------------------
# Keystone: a child process (keystone_server.py) on a socket the harness binds. It starts before
# this process imports Nova (≈ 2 s of imports that it spends setting itself up).

KEYSTONE_SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keystone_server.py")
# The service user keystone_server.py creates (project ``service``, roles admin and service):
# what nova-api's keystonemiddleware validates tokens with.
SERVICE_USER = {"username": "nova", "password": "nova-secret", "project": "service"}


class Keystone:
    """Real Keystone 30 in a child process that this harness owns.

    The harness binds its socket first (so the URL is known before Keystone is set up and
    nova-api's auth_token can be configured while Keystone starts) and hands the descriptor
    over. The child exits when our stdin pipe to it closes (we exited, however) and also gets
    SIGTERM from the kernel when we die; its SQLite database and keys live in ``directory``.
    """

    def __init__(self, directory, compute_url, placement_url, expiration):
        self.directory = directory
        self.expiration = expiration
        self.sock = bind()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v3"
        self.process = subprocess.Popen(
            [sys.executable, KEYSTONE_SERVER, "--dir", directory,
             "--listen-fd", str(self.sock.fileno()), "--compute-url", compute_url,
             "--placement-url", placement_url, "--expiration", str(expiration)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, pass_fds=[self.sock.fileno()])
        self.sock.close()  # Keystone's now
        self.ready = None

    def wait(self):
        """Keystone's ready line (users, projects, the application credential...)."""
        if self.ready is None:
            line = b""
            while not line.endswith(b"\n"):
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError(
                        f"Keystone exited before its ready line (status {self.process.poll()});"
                        f" keystone.log:\n{self.log_tail()}")
                line += chunk
            self.ready = json.loads(line)
        return self.ready

    def log_tail(self, lines=40):
        try:
            with open(os.path.join(self.directory, "keystone.log")) as f:
                return "".join(f.readlines()[-lines:])
        except OSError as error:
            return str(error)

    def token(self, user, password, project):
        """A project-scoped token (password auth, domain Default), for the harness's own calls."""
        body = json.dumps({"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": user, "domain": {"id": "default"}, "password": password}}},
            "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}).encode()
        request = urllib.request.Request(self.url + "/auth/tokens", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return response.headers["X-Subject-Token"]


def bind():
    """A listening socket on 127.0.0.1 at a free port (a plain one: Nova is not imported yet)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=3, help="servers to boot (one at a time)")
    parser.add_argument("--boot-timeout", type=float, default=60.0)
    parser.add_argument("--token-expiration", type=int,
                        default=int(os.environ.get("REAL_NOVA_TOKEN_EXPIRATION", "3600")),
                        help="Keystone's [token] expiration in seconds "
                             "(default: $REAL_NOVA_TOKEN_EXPIRATION or 3600)")
    return parser.parse_args()


if __name__ == "__main__":
    ARGS = parse_args()
    # Both APIs' sockets first: Keystone's catalog names them while Nova starts.
    NOVA_SOCK, PLACEMENT_SOCK = bind(), bind()
    KEYSTONE = Keystone(tempfile.mkdtemp(prefix="keystone-"),
                        f"http://127.0.0.1:{NOVA_SOCK.getsockname()[1]}/v2.1",
                        f"http://127.0.0.1:{PLACEMENT_SOCK.getsockname()[1]}",
                        ARGS.token_expiration)

# Nova's functional package applies its eventlet monkey patching on import; it must come first.
import nova.tests.functional  # noqa: F401,E402  isort:skip

import shutil  # noqa: E402
import signal  # noqa: E402
import threading  # noqa: E402
import traceback  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402

import eventlet  # noqa: E402
import eventlet.greenio  # noqa: E402
import eventlet.wsgi  # noqa: E402
# nova.api.wsgi uses webob.dec without importing it (nova's own imports usually did it first).
import webob.dec  # noqa: E402,F401
import wsgi_intercept  # noqa: E402
from keystoneauth1 import loading as ks_loading  # noqa: E402
from keystonemiddleware import auth_token  # noqa: E402

from nova import exception  # noqa: E402
from nova import conf as nova_conf  # noqa: E402
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
# Keystone: a child process (keystone_server.py) on a socket the harness binds.

def configure_auth_token(conf, keystone):
    """``[keystone_authtoken]`` as a deployment writes it for nova-api: the service user's
    password auth against our Keystone, RegionOne; tokens cached in process memory."""
    group = "keystone_authtoken"
    conf.register_opts(ks_loading.get_auth_plugin_conf_options("password"), group=group)
    return {
        "group": group,
        "www_authenticate_uri": keystone.url, "auth_url": keystone.url, "auth_type": "password",
        "username": SERVICE_USER["username"], "password": SERVICE_USER["password"],
        "project_name": SERVICE_USER["project"], "user_domain_name": "Default",
        "project_domain_name": "Default", "region_name": "RegionOne", "interface": "public",
        "service_token_roles_required": True,
    }


class PlacementAuth:
    """keystonemiddleware ``auth_token`` (the same ``[keystone_authtoken]`` as nova-api) in front
    of the fixture's Placement app, whose own auth is ``noauth2``.

    PlacementFixture runs Placement with ``auth_strategy = noauth2``, whose NoAuthMiddleware
    reads the identity from ``X-Auth-Token: USER:PROJECT`` and the roles from ``X-Roles``. Here
    the token is validated by Keystone first; the identity auth_token found (user id, project id,
    roles) is then handed on in that form, so Placement's own policy (``role:admin`` for
    providers, inventories, usages and allocations) decides on Keystone's roles. Version
    discovery at ``/`` needs no token, as in a real deployment.
    """

    def __init__(self, app, conf):
        self.app = app
        self.protected = auth_token.AuthProtocol(self.identified, {"oslo_config_config": conf})

    def identified(self, environ, start_response):
        environ["HTTP_X_AUTH_TOKEN"] = (
            f"{environ['HTTP_X_USER_ID']}:{environ['HTTP_X_PROJECT_ID']}")
        return self.app(environ, start_response)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "") in ("", "/"):
            return self.app(environ, start_response)
        return self.protected(environ, start_response)


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


class TokenClient(api_client.TestOpenStackClient):
    """The fixtures' API client with a real Keystone token: the harness's own requests pass
    keystonemiddleware too. A token is reused for at most half of Keystone's token lifetime
    (tests may make tokens expire in seconds), then a fresh one is issued."""

    def __init__(self, base_url, issue_token, lifetime):
        super().__init__("admin", base_url)
        self.issue_token = issue_token
        self.reuse = lifetime / 2
        self.token, self.issued = None, 0.0

    def api_request(self, relative_uri, *args, **kwargs):
        if self.token is None or time.time() - self.issued > self.reuse:
            self.token, self.issued = self.issue_token(), time.time()
        headers = kwargs.setdefault("headers", {})
        headers["X-Auth-Token"] = self.token
        return super().api_request(relative_uri, *args, **kwargs)


class Cloud(integrated_helpers._IntegratedTestBase):
    ADMIN_API = True
    # Real auth: keystonemiddleware auth_token and NovaKeystoneContext as in a deployment, in
    # front of both the fixture's in-process API and the one served on a socket.
    STUB_KEYSTONE = False
    # Set before setUp: the Keystone that nova-api's auth_token validates tokens against.
    keystone = None
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
        # Before OSAPIFixture loads the API (it comes after the computes in setUp).
        self.flags(**configure_auth_token(nova_conf.CONF, self.keystone))
        for host in self.HOSTS:
            self._start_compute(host)
        return self.computes[self.HOSTS[0]]

    def boot(self, count, timeout):
        """Boots ``count`` servers in Keystone's project ``demo`` (as its admin: a chosen host is
        an admin-only request), one at a time, round-robin on the hosts."""
        keystone = self.keystone.wait()
        admin = keystone["admin"]
        demo_admin = TokenClient(self.api_fixture.api.base_url, lambda: self.keystone.token(
            admin["username"], admin["password"], keystone["demo"]["project"]),
            self.keystone.expiration)
        demo_admin.microversion = "2.74"
        self.demo_admin = demo_admin
        self.api = demo_admin  # _build_server asks it for images and flavors
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


def listen(sock, app):
    """Serves ``app`` on ``sock`` (bound to 127.0.0.1 at a free port) with eventlet wsgi."""
    quiet = open(os.devnull, "w")
    eventlet.spawn(eventlet.wsgi.server, eventlet.greenio.GreenSocket(sock), app, log=quiet,
                   log_output=False)


def serve(cloud, nova_sock, placement_sock):
    """nova-api (its paste pipeline: keystonemiddleware auth_token, NovaKeystoneContext; with
    the control API, no auth) and Placement (auth_token too), each on a port of its own."""
    nova_api = REQUESTS.wrap(nova_wsgi.Loader().load_app("osapi_compute"))
    control = control_app(cloud)

    def app(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/_harness/"):
            return control(environ, start_response)
        return nova_api(environ, start_response)

    listen(nova_sock, app)
    listen(placement_sock, PlacementAuth(placement_app(cloud), nova_conf.CONF))


def main():
    args, keystone = ARGS, KEYSTONE
    # Only the ready line goes to stdout; anything the fixtures print goes to stderr.
    ready_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def shutdown(code):
        """Ends Keystone (the one child we started, by its pid) and its files, then us."""
        try:
            keystone.process.kill()
            keystone.process.wait(5)
        except Exception:
            pass
        shutil.rmtree(keystone.directory, ignore_errors=True)
        os._exit(code)

    signal.signal(signal.SIGTERM, lambda *_: shutdown(0))
    port, placement_port = NOVA_SOCK.getsockname()[1], PLACEMENT_SOCK.getsockname()[1]
    cloud = None
    try:
        Cloud.keystone = keystone
        phases = {"imported": round(time.time() - STARTED, 2)}
        cloud = Cloud()
        cloud.setUp()
        phases["nova_set_up"] = round(time.time() - STARTED, 2)
        keystone.wait()
        phases["keystone_ready"] = round(time.time() - STARTED, 2)
        servers = cloud.boot(args.servers, args.boot_timeout)
        phases["booted"] = round(time.time() - STARTED, 2)
        serve(cloud, NOVA_SOCK, PLACEMENT_SOCK)
    except Exception:
        traceback.print_exc()
        try:
            if keystone.ready is None:
                print("--- last keystone log lines ---\n" + keystone.log_tail(), file=sys.stderr)
            print("--- last nova log lines ---\n" + cloud.log_tail(60), file=sys.stderr)
        except Exception:
            pass
        sys.stderr.flush()
        shutdown(1)

    ks = keystone.wait()
    ready = {"endpoint": f"http://127.0.0.1:{port}/v2.1",
             "placement": f"http://127.0.0.1:{placement_port}", "hosts": list(Cloud.HOSTS),
             "servers": servers, "control": f"http://127.0.0.1:{port}/_harness",
             "keystone": ks["auth_url"], "domain": ks["domain"], "admin": ks["admin"],
             "demo": ks["demo"], "reader": ks["reader"],
             "demo_project_id": ks["demo_project_id"],
             "application_credential": ks["application_credential"],
             "regions": ks["regions"], "token_expiration": args.token_expiration,
             "keystone_startup_seconds": ks["startup_seconds"], "keystone_pid": ks["pid"],
             "keystone_steps": ks["steps"], "phases": phases,
             "startup_seconds": round(time.time() - STARTED, 2), "pid": os.getpid()}
    ready_out.write(json.dumps(ready) + "\n")
    ready_out.flush()

    # Serve until stdin closes (the test that started us ended). os.read is green under eventlet.
    while os.read(0, 4096):
        pass
    # Skip fixture cleanups: they can block, and the process (in-memory sqlite) ends here anyway.
    shutdown(0)


if __name__ == "__main__":
    main()
