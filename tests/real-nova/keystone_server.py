"""A real Keystone 30 on 127.0.0.1 for the real-Nova harness (run as a child of harness.py).

Usage: ``python keystone_server.py --dir DIR --listen-fd FD --compute-url URL --placement-url URL
[--expiration S]``. In this one
process (one Python start, not five ``keystone-manage`` runs): writes ``DIR/keystone.conf``
(SQLite database ``DIR/keystone.db``, fernet tokens, keys under ``DIR``), then what an operator
runs, in order, through keystone-manage's own code: ``db_sync``, ``fernet_setup``,
``credential_setup``, ``bootstrap`` (user ``admin``, project ``admin``, role ``admin`` and the
default ``member``/``reader``, region ``RegionOne``, identity endpoints). Serves Keystone's WSGI
app (``keystone.server.wsgi.initialize_public_application``, the app uWSGI/mod_wsgi load) on a
free port, then sets up the cloud through Keystone's own v3 API as an operator would (see
``populate``) and prints one JSON line on stdout. Serves until stdin closes (the harness that
started it is gone) or SIGTERM; also asks the kernel for SIGTERM when its parent dies.

SQLite, not MariaDB: Keystone's own test suite runs on SQLite and so does everything here; the
database is a file in the harness's temp dir, so a run is fresh by construction and nothing is
left behind even when the harness is SIGKILLed (no ``DROP DATABASE`` to miss).
"""

import argparse
import ctypes
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.request
import wsgiref.simple_server

STARTED = time.time()
STEPS = []  # (step, seconds since start when it began): the ready line's "steps"
ADMIN_PASSWORD = "admin-secret"
DEMO_PASSWORD = "demo-secret"
NOVA_PASSWORD = "nova-secret"
READER_PASSWORD = "reader-secret"
REGIONS = ("RegionOne", "RegionTwo")
INTERFACES = ("public", "internal", "admin")
# RegionTwo's compute has no admin endpoint: a client asking for one there must say so.
COMPUTE_INTERFACES = {"RegionOne": INTERFACES, "RegionTwo": ("public", "internal")}


def die_with_parent():
    """SIGTERM when the parent (the harness) dies, however it dies (Linux prctl)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl
        os._exit(0)


def write_conf(path, directory, expiration):
    fernet = os.path.join(directory, "fernet-keys")
    credential = os.path.join(directory, "credential-keys")
    text = f"""[DEFAULT]
log_file = {os.path.join(directory, "keystone.log")}
[database]
connection = sqlite:///{os.path.join(directory, "keystone.db")}
[token]
provider = fernet
expiration = {expiration}
[fernet_tokens]
key_repository = {fernet}
[fernet_receipts]
key_repository = {fernet}
[credential]
key_repository = {credential}
# One process serves: an in-memory cache is coherent, and makes each token validation ~0.01 s
# instead of ~0.1 s (the cloud set-up below: 1 s instead of 3 s).
[cache]
enabled = true
backend = dogpile.cache.memory
[identity]
# bcrypt at its cheapest: every user and password here is a test's.
password_hash_rounds = 4
"""
    with open(path, "w") as f:
        f.write(text)


def manage(conf, *argv):
    """One ``keystone-manage`` command, through its own ``main``, in this process."""
    from keystone.cmd import cli
    from oslo_config import cfg

    STEPS.append((argv[0], round(time.time() - STARTED, 2)))
    cfg.CONF.clear()  # each command parses its own arguments, as in a process of its own
    cli.main(argv=["keystone-manage", "--config-file", conf, *argv])


class ThreadingServer(socketserver.ThreadingMixIn, wsgiref.simple_server.WSGIServer):
    daemon_threads = True


class QuietHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, *args):
        pass


def listen(fd):
    """A WSGI server on the listening socket ``fd`` (bound by the harness to 127.0.0.1 at a free
    port, so the URL is known before we start), app to come."""
    server = ThreadingServer(("127.0.0.1", 0), QuietHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = socket.socket(fileno=fd)
    host, port = server.socket.getsockname()[:2]
    server.server_address, server.server_name, server.server_port = (host, port), host, port
    server.setup_environ()
    server.socket.listen(64)
    return server


def serve(server, conf):
    """Keystone's WSGI app (what ``keystone.server.wsgi.initialize_public_application`` builds,
    with our config file) on ``server``, in a thread."""
    from keystone.cmd import cli
    from keystone.common import provider_api
    from keystone.server.flask import core as flask_core
    from oslo_config import cfg

    # bootstrap registered Keystone's provider APIs in this process; the app registers its own.
    provider_api.ProviderAPIs._clear_registry_instances()
    cfg.CONF.clear()
    # The server parses no command line: no keystone-manage subcommand, none of our arguments.
    cfg.CONF.unregister_opt(cli.command_opt)
    sys.argv[1:] = []
    server.set_app(flask_core.initialize_application(name="public", config_files=[conf]))
    threading.Thread(target=server.serve_forever, daemon=True).start()


class Api:
    """Keystone's v3 API over HTTP, as an operator's client uses it."""

    def __init__(self, url):
        self.url = url
        self.token = None

    def call(self, method, path, body=None, expect=(200, 201, 204)):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("X-Auth-Token", self.token)
        try:
            with urllib.request.urlopen(request) as response:
                status, headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, headers, raw = error.code, error.headers, error.read()
        if status not in expect:
            raise RuntimeError(f"Keystone {method} {path}: {status} {raw[:500]!r}")
        return headers, (json.loads(raw) if raw else None)

    def login(self, user, password, project):
        headers, _ = self.call("POST", "/auth/tokens", password_auth(user, password, project))
        self.token = headers["X-Subject-Token"]

    def create(self, kind, body):
        """POST /v3/<kind>s {kind: body}; the new entity."""
        return self.call("POST", f"/{kind}s", {kind: body})[1][kind]

    def find(self, kind, name):
        found = self.call("GET", f"/{kind}s?name={name}")[1][f"{kind}s"]
        if len(found) != 1:
            raise RuntimeError(f"Keystone has {len(found)} {kind}s named {name!r}")
        return found[0]

    def grant(self, project, user, role):
        self.call("PUT", f"/projects/{project}/users/{user}/roles/{role}")


def password_auth(user, password, project):
    return {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"id": "default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}


def populate(url, compute_url, placement_url):
    """The cloud, through Keystone's API as the bootstrap admin: projects ``demo`` (the servers')
    and ``service``; users ``demo`` (member on demo), ``reader`` (reader on
    demo) and ``nova`` (the service user: admin and service on ``service``); ``admin`` gets admin
    on ``demo`` too (the harness boots servers there on a chosen host, an admin-only request);
    region RegionTwo; services ``compute`` (the same nova-api in both regions: public/internal/
    admin endpoints in RegionOne, public/internal in RegionTwo) and ``placement`` (RegionOne,
    public/internal/admin); an application credential of the admin user."""
    api = Api(url)
    api.login("admin", ADMIN_PASSWORD, "admin")
    admin = api.find("user", "admin")
    # bootstrap made them all (and ``manager``).
    roles = {name: api.find("role", name)["id"]
             for name in ("admin", "member", "reader", "service")}
    demo = api.create("project", {"name": "demo", "domain_id": "default",
                                  "description": "the servers' project"})
    service = api.create("project", {"name": "service", "domain_id": "default"})
    users = {}
    for name, password in (("demo", DEMO_PASSWORD), ("reader", READER_PASSWORD),
                           ("nova", NOVA_PASSWORD)):
        users[name] = api.create("user", {"name": name, "password": password,
                                          "domain_id": "default"})["id"]
    api.grant(demo["id"], users["demo"], roles["member"])
    api.grant(demo["id"], users["reader"], roles["reader"])
    api.grant(demo["id"], admin["id"], roles["admin"])
    api.grant(service["id"], users["nova"], roles["admin"])
    api.grant(service["id"], users["nova"], roles["service"])
    api.create("region", {"id": "RegionTwo", "description": "the same nova-api, a second region"})
    compute = api.create("service", {"type": "compute", "name": "nova",
                                     "description": "OpenStack Compute (the harness's nova-api)"})
    placement = api.create("service", {"type": "placement", "name": "placement",
                                       "description": "the harness's Placement"})
    for service_id, service_url, interfaces in (
            (compute["id"], compute_url, COMPUTE_INTERFACES),
            (placement["id"], placement_url, {REGIONS[0]: INTERFACES})):
        for region, region_interfaces in interfaces.items():
            for interface in region_interfaces:
                api.create("endpoint", {"service_id": service_id, "interface": interface,
                                        "region_id": region, "url": service_url})
    credential = api.call(
        "POST", f"/users/{admin['id']}/application_credentials",
        {"application_credential": {"name": "harness-admin",
                                    "description": "the harness's admin, as an app credential"}}
    )[1]["application_credential"]
    return {
        "auth_url": url,
        "domain": "Default",
        "admin": {"username": "admin", "password": ADMIN_PASSWORD, "project": "admin",
                  "user_id": admin["id"]},
        "demo": {"username": "demo", "password": DEMO_PASSWORD, "project": "demo",
                 "user_id": users["demo"]},
        "reader": {"username": "reader", "password": READER_PASSWORD, "project": "demo",
                   "user_id": users["reader"]},
        "service_user": {"username": "nova", "password": NOVA_PASSWORD, "project": "service"},
        "demo_project_id": demo["id"],
        "application_credential": {"id": credential["id"], "secret": credential["secret"],
                                   "name": credential["name"]},
        "regions": list(REGIONS),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="keystone.conf, database and keys go here")
    parser.add_argument("--listen-fd", type=int, required=True,
                        help="a listening socket on 127.0.0.1 to serve on (inherited)")
    parser.add_argument("--compute-url", required=True, help="the compute endpoint's URL")
    parser.add_argument("--placement-url", required=True, help="the placement endpoint's URL")
    parser.add_argument("--expiration", type=int, default=3600, help="[token] expiration, s")
    args = parser.parse_args()
    die_with_parent()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    ready_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    conf = os.path.join(args.dir, "keystone.conf")
    write_conf(conf, args.dir, args.expiration)
    user, group = str(os.getuid()), str(os.getgid())
    manage(conf, "db_sync")
    manage(conf, "fernet_setup", "--keystone-user", user, "--keystone-group", group)
    manage(conf, "credential_setup", "--keystone-user", user, "--keystone-group", group)
    server = listen(args.listen_fd)
    url = f"http://127.0.0.1:{server.server_address[1]}/v3"
    manage(conf, "bootstrap", "--bootstrap-password", ADMIN_PASSWORD,
           "--bootstrap-region-id", "RegionOne", "--bootstrap-public-url", url,
           "--bootstrap-internal-url", url, "--bootstrap-admin-url", url)
    STEPS.append(("serve", round(time.time() - STARTED, 2)))
    serve(server, conf)
    STEPS.append(("populate", round(time.time() - STARTED, 2)))
    ready = populate(url, args.compute_url, args.placement_url)
    ready["steps"] = dict(STEPS)
    ready["startup_seconds"] = round(time.time() - STARTED, 2)
    ready["pid"] = os.getpid()
    ready_out.write(json.dumps(ready) + "\n")
    ready_out.flush()
    while os.read(0, 4096):
        pass
    os._exit(0)


if __name__ == "__main__":
    main()
