"""Real Watcher 17 services, deployed as an operator deploys them, for the services suite.

Usage: ``python services.py SPEC`` (JSON text)::

    {"cloud": {"auth_url", "username", "password", "project_name", "region_name"},
     "workflow_engine": "wasm" | "taskflow", "appliers": 2, "dir": "target/watcher-services/RUN"}

Starts, each on its own: a fresh MariaDB database (schema by ``watcher-db-manage upgrade``), a
RabbitMQ virtual host of its own (its own ``control_exchange`` too), ``watcher-api`` on a free
port, ``watcher-decision-engine``, and N ``watcher-applier`` processes with distinct
``[DEFAULT] host``. Every process logs to a file under ``dir``. The database and the bus come
from the environment, with the machine's defaults:

    WATCHER_DB_URL         mysql+pymysql://root@127.0.0.1:3306  (a database is created in it)
    WATCHER_TRANSPORT_URL  rabbit://guest:guest@127.0.0.1:5672/ (a vhost is created in it)

Prints one JSON line when ready (``{"api", "appliers", "logs", "started": {name: seconds}}``),
or ``{"error": ...}`` if anything could not start, then takes one JSON command per stdin line
and answers each with one JSON line:

    {"op": "audit", "goal", "strategy", "parameters"}   run a ONESHOT audit to its end;
        answers {"audit", "plans": [...]} with each plan's actions (detail, with parameters)
    {"op": "start", "plan": UUID}                         POST /v1/action_plans/UUID/start
    {"op": "wait", "plans": [UUID...], "timeout": S}      poll until every plan has ended
    {"op": "log", "name": NAME}                           the whole log file of one process

At end of input (or SIGTERM) every process it started is stopped by its pid, the database
dropped and the vhost deleted.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid

import requests

import driver  # the same watcher.conf as the other Watcher tests

VENV_BIN = os.path.dirname(sys.executable)
API_VERSION = "infra-optim 1.5"  # adds status_message
# watcher-api without Keystone: the policy still wants an admin's headers.
ADMIN_HEADERS = {"X-Roles": "admin", "X-Project-Id": "admin", "X-User-Id": "admin",
                 "X-Project-Name": "admin", "X-User-Name": "admin",
                 "OpenStack-API-Version": API_VERSION, "Content-Type": "application/json"}
PLAN_ENDED = {"SUCCEEDED", "FAILED", "CANCELLED", "SUPERSEDED"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deployment:
    """Everything one run started, so that it can all be stopped."""

    def __init__(self, spec):
        self.spec = spec
        self.run = uuid.uuid4().hex[:10]
        self.dir = os.path.abspath(spec["dir"])
        os.makedirs(self.dir, exist_ok=True)
        self.processes = {}  # name -> Popen
        self.logs = {}
        self.database = None
        self.vhost = None
        self.api = None

    # -- the database and the bus ---------------------------------------------------------

    def create_database(self):
        import pymysql

        base = os.environ.get("WATCHER_DB_URL", "mysql+pymysql://root@127.0.0.1:3306")
        url = urllib.parse.urlparse(base)
        self.db_args = dict(host=url.hostname or "127.0.0.1", port=url.port or 3306,
                            user=urllib.parse.unquote(url.username or "root"),
                            password=urllib.parse.unquote(url.password or ""))
        name = f"watcher_{self.run}"
        connection = pymysql.connect(**self.db_args)
        with connection, connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        self.database = name
        return f"{base.rstrip('/')}/{name}?charset=utf8mb4"

    def drop_database(self):
        if not self.database:
            return
        import pymysql

        connection = pymysql.connect(**self.db_args)
        with connection, connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {self.database}")
        self.database = None

    def create_vhost(self):
        base = os.environ.get("WATCHER_TRANSPORT_URL", "rabbit://guest:guest@127.0.0.1:5672/")
        url = urllib.parse.urlparse(base)
        user = urllib.parse.unquote(url.username or "guest")
        vhost = f"watcher-{self.run}"
        for args in (["add_vhost", vhost], ["set_permissions", "-p", vhost, user, ".*", ".*", ".*"]):
            subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                           timeout=60)
        self.vhost = vhost
        return urllib.parse.urlunparse(url._replace(path="/" + vhost))

    def delete_vhost(self):
        if self.vhost:
            subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost],
                           capture_output=True, timeout=60)
            self.vhost = None

    # -- configuration ----------------------------------------------------------------------

    def write_config(self, database_url, transport_url):
        """The clients' part as every Watcher test writes it (driver.py), plus the services'."""
        region = self.spec["cloud"].get("region_name", "RegionOne")
        self.api_port = free_port()
        engine = self.spec.get("workflow_engine", "taskflow")
        self.config = driver.write_config(self.dir, self.spec["cloud"], {
            "DEFAULT": {"transport_url": transport_url, "control_exchange": f"watcher-{self.run}",
                        "enable_authentication": "False", "debug": "True",
                        "use_stderr": "False"},
            "api": {"host": "127.0.0.1", "port": self.api_port, "workers": 1},
            "database": {"connection": database_url},
            "oslo_messaging_notifications": {"driver": "noop"},
            "nova": {"valid_interfaces": "public"},
            "placement": {"region_name": region, "valid_interfaces": "public"},
            "collector": {"collector_plugins": "compute"},
            "watcher_applier": {"workflow_engine": engine},
            "watcher_workflow_engines.taskflow": {"max_workers": 4},
            "watcher_workflow_engines.wasm": {"max_workers": 4},
        })

    def host_config(self, name):
        path = os.path.join(self.dir, f"{name}.conf")
        with open(path, "w") as f:
            f.write(f"[DEFAULT]\nhost = {name}\n")
        return path

    # -- processes ----------------------------------------------------------------------------

    def start_process(self, name, command):
        log = os.path.join(self.dir, f"{name}.log")
        self.logs[name] = log
        out = open(log, "ab")
        env = dict(os.environ)
        # Watcher 17's default: threads, no eventlet patching.
        env.setdefault("OS_WATCHER_DISABLE_EVENTLET_PATCHING", "true")
        self.processes[name] = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=self.dir, env=env, start_new_session=True)
        out.close()

    def service(self, binary, name, extra_config=None):
        command = [os.path.join(VENV_BIN, binary), "--config-file", self.config]
        if extra_config:
            command += ["--config-file", extra_config]
        command += ["--log-file", os.path.join(self.dir, f"{name}.log")]
        self.start_process(name, command)

    def wait_for_log(self, name, marker, timeout):
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            self.check_alive(name)
            try:
                with open(self.logs[name], errors="replace") as f:
                    if marker in f.read():
                        return time.monotonic() - start
            except FileNotFoundError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not log {marker!r} within {timeout} s; see {self.logs[name]}")

    def check_alive(self, name):
        code = self.processes[name].poll()
        if code is not None:
            raise RuntimeError(f"{name} exited with {code} at start; see {self.logs[name]}:\n"
                               + tail(self.logs[name]))

    def start(self):
        started = {}
        t = time.monotonic()
        database_url = self.create_database()
        transport_url = self.create_vhost()
        self.write_config(database_url, transport_url)
        subprocess.run([os.path.join(VENV_BIN, "watcher-db-manage"), "--config-file", self.config,
                        "upgrade"], check=True, capture_output=True, timeout=300, cwd=self.dir)
        started["database"] = time.monotonic() - t

        t = time.monotonic()
        self.service("watcher-decision-engine", "decision-engine")
        self.api = f"http://127.0.0.1:{self.api_port}"
        # The WSGI entry point under its own small server: the eventlet `watcher-api` cannot run
        # with Watcher 17's default threading backend.
        self.start_process("api", [os.path.join(VENV_BIN, "watcher-api-wsgi"), "--host",
                                   "127.0.0.1", "--port", str(self.api_port), "--",
                                   "--config-file", self.config,
                                   "--log-file", os.path.join(self.dir, "api.log")])
        appliers = [f"applier-{chr(ord('a') + i)}" for i in range(self.spec.get("appliers", 2))]
        # One after another, as an operator rolls them out: Watcher 17's appliers each sync the
        # action descriptions into the database at start, and two starting at the same moment
        # race (ActionDescriptionAlreadyExists stops the second).
        for name in appliers:
            t_applier = time.monotonic()
            self.service("watcher-applier", name, self.host_config(name))
            # The applier is ready once its RPC server consumes from the bus.
            self.wait_for_log(name, "AMQPListener connection consume", 120)
            started[name] = time.monotonic() - t_applier
        self.wait_for_log("decision-engine", "AMQPListener connection consume", 120)
        self.wait_api(120)
        # The decision engine has synced goals and strategies once the API lists them.
        self.wait_for(lambda: any(g["name"] == "cluster_maintaining"
                                  for g in self.get("/v1/goals")["goals"]), 120, "goals synced")
        started["services"] = time.monotonic() - t
        return {"api": self.api, "appliers": appliers, "logs": self.logs, "started": started,
                "database": self.database, "vhost": self.vhost}

    def wait_api(self, timeout):
        def up():
            self.check_alive("api")
            try:
                return requests.get(self.api + "/", timeout=2).status_code == 200
            except requests.RequestException:
                return False
        self.wait_for(up, timeout, "watcher-api answering")

    @staticmethod
    def wait_for(check, timeout, what):
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            try:
                if check():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"timed out waiting for {what}")

    def stop(self):
        for name, process in self.processes.items():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        try:
            self.drop_database()
        finally:
            self.delete_vhost()

    # -- the REST API, as the watcher CLI uses it ---------------------------------------------

    def get(self, path):
        answer = requests.get(self.api + path, headers=ADMIN_HEADERS, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def post(self, path, body):
        answer = requests.post(self.api + path, headers=ADMIN_HEADERS, json=body, timeout=30)
        if answer.status_code >= 400:
            raise RuntimeError(f"POST {path}: {answer.status_code} {answer.text}")
        return answer.json() if answer.text else {}

    def plan_view(self, plan_uuid):
        plan = self.get(f"/v1/action_plans/{plan_uuid}")
        actions = self.get(f"/v1/actions/detail?action_plan_uuid={plan_uuid}")["actions"]
        keep = ("uuid", "action_type", "state", "status_message", "input_parameters", "parents")
        return {"uuid": plan["uuid"], "state": plan["state"], "hostname": plan.get("hostname"),
                "status_message": plan.get("status_message"),
                "actions": [{k: a.get(k) for k in keep} for a in actions]}

    def audit(self, command):
        body = {"audit_type": "ONESHOT", "goal": command["goal"],
                "strategy": command.get("strategy"), "parameters": command.get("parameters", {}),
                "auto_trigger": False}
        audit = self.post("/v1/audits", body)
        start = time.monotonic()
        while True:
            audit = self.get(f"/v1/audits/{audit['uuid']}")
            if audit["state"] in ("SUCCEEDED", "FAILED", "CANCELLED", "SUSPENDED"):
                break
            if time.monotonic() - start > command.get("timeout", 180):
                raise RuntimeError(f"audit {audit['uuid']} still {audit['state']}")
            time.sleep(0.5)
        plans = self.get(f"/v1/action_plans?audit_uuid={audit['uuid']}")["action_plans"]
        return {"audit": {"uuid": audit["uuid"], "state": audit["state"]},
                "seconds": time.monotonic() - start,
                "plans": [self.plan_view(p["uuid"]) for p in plans]}

    def start_plan(self, command):
        self.post(f"/v1/action_plans/{command['plan']}/start", {})
        return {"started": command["plan"], "at": time.time()}

    def wait_plans(self, command):
        start = time.monotonic()
        pending = list(command["plans"])
        ended = {}
        while pending:
            for plan_uuid in list(pending):
                view = self.plan_view(plan_uuid)
                if view["state"] in PLAN_ENDED:
                    view["seconds"] = time.monotonic() - start
                    ended[plan_uuid] = view
                    pending.remove(plan_uuid)
            if pending and time.monotonic() - start > command.get("timeout", 600):
                raise RuntimeError(f"plans {pending} did not end in {command.get('timeout', 600)} s")
            time.sleep(0.3)
        return {"plans": [ended[p] for p in command["plans"]], "seconds": time.monotonic() - start}

    def answer(self, command):
        op = command.get("op")
        if op == "audit":
            return self.audit(command)
        if op == "start":
            return self.start_plan(command)
        if op == "wait":
            return self.wait_plans(command)
        if op == "log":
            with open(self.logs[command["name"]], errors="replace") as f:
                return {"log": f.read()}
        raise ValueError(f"unknown op {op!r}")


def tail(path, lines=60):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except FileNotFoundError:
        return ""


def say(value):
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def main():
    spec = json.loads(sys.argv[1])
    deployment = Deployment(spec)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        try:
            say(deployment.start())
        except Exception as error:  # noqa: BLE001 — reported whole to the test
            say({"error": f"{type(error).__name__}: {error}"})
            return 1
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                say(deployment.answer(json.loads(line)))
            except Exception as error:  # noqa: BLE001
                say({"error": f"{type(error).__name__}: {error}"})
    finally:
        deployment.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
