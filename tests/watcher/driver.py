"""Runs OpenStack Watcher 17 actions the way watcher-applier does, for the Rust tests.

Usage: ``python driver.py SCENARIO`` where SCENARIO is JSON text or the path of a JSON file::

    {"cloud": {"auth_url": "http://127.0.0.1:PORT/v3", "username": "admin",
               "password": "...", "project_name": "admin", "region_name": "RegionOne"},
     "conf": {"nova": {"migration_interval": "0.2"}},      # optional: more options, by section
     "actions": [{"name": "migrate", "input_parameters": {...}}, ...],
     "steps": [{"phase": "pre_condition"},                 # action 0 unless "action": N
               {"phase": "execute", "abort": "stdin"},     # abort from a second thread when a
                                                           # line "abort" arrives on stdin ...
               {"phase": "execute", "abort_after": 1.5},   # ... or after 1.5 s
               {"parallel": ["pre_condition", "execute", "post_condition"]}]}  # one thread per
                                                           # action, each running these phases

It writes a watcher.conf as an operator would ([watcher_clients_auth] with password auth,
[nova] api_version and region), initialises Watcher with ``prepare_service`` as watcher-applier
does, and loads every action through ``ActionFactory.make_action`` (the stevedore loader of the
``watcher_actions`` entry points, then parameter validation), with no database. Each phase
(and each action's loading, as phase ``load``) prints one JSON line on stdout: ``{"step",
"action", "phase", "result", "error", "start", "seconds"}``; ``error`` is ``{"class", "module", "message"}`` or null. Watcher logs to stderr.
"""

import json
import os
import sys
import tempfile
import threading
import time
import types

PHASES = ("pre_condition", "execute", "post_condition", "revert", "abort")
T0 = time.monotonic()
_print_lock = threading.Lock()
_refused = set()  # indexes of actions whose pre_condition raised


def write_config(directory, cloud, extra):
    """watcher.conf: the clients' Keystone credentials, the Nova options, logs to stderr."""
    sections = {
        "DEFAULT": {"use_stderr": "true", "debug": "false"},
        "watcher_clients_auth": {
            "auth_type": "password",
            "auth_url": cloud["auth_url"],
            "username": cloud["username"],
            "password": cloud["password"],
            "project_name": cloud["project_name"],
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "nova": {"api_version": "2.56", "region_name": cloud.get("region_name", "RegionOne")},
    }
    for section, options in extra.items():
        sections.setdefault(section, {}).update(options)
    path = os.path.join(directory, "watcher.conf")
    with open(path, "w") as conf:
        for section, options in sections.items():
            conf.write(f"[{section}]\n")
            conf.writelines(f"{key} = {value}\n" for key, value in options.items())
            conf.write("\n")
    return path


def init_watcher(config_path):
    """What watcher-applier's main() does before it starts its service."""
    from watcher.cmd.eventlet import applier  # noqa: F401  (its package sets up oslo.service)
    from watcher import conf
    from watcher.common import service

    service.prepare_service(["watcher-applier", "--config-file", config_path], conf.CONF)


def make_action(spec):
    """The applier's own path: ActionFactory.make_action on a DB-less action record."""
    from watcher.applier.actions import factory
    from watcher.common import clients

    record = types.SimpleNamespace(
        action_type=spec["name"], input_parameters=spec.get("input_parameters", {}))
    return factory.ActionFactory().make_action(record, osc=clients.OpenStackClients())


def load(index, spec):
    """make_action, reported like a phase (``"phase": "load"``): what the applier pays before
    the first phase (stevedore, the action's options, for wasm_migrate its sandbox runtime and
    the compiled component, then parameter validation)."""
    start = time.monotonic()
    action = make_action(spec)
    emit({"step": None, "action": index, "phase": "load", "result": None, "error": None,
          "start": round(start - T0, 3), "seconds": round(time.monotonic() - start, 3)})
    return action


def emit(line):
    with _print_lock:
        print(json.dumps(line), flush=True)


def run_phase(step, index, action, phase):
    """Calls one phase and reports its return value or exception and its wall time. Like the
    applier, an action whose pre_condition raised (skipped or failed) is not executed."""
    if phase == "execute" and index in _refused:
        print(f"driver: execute of action {index} not run: its pre_condition raised",
              file=sys.stderr, flush=True)
        return
    start = time.monotonic()
    result, error = None, None
    try:
        result = getattr(action, phase)()
    except Exception as exc:  # noqa: BLE001  reporting every failure is the point
        if phase == "pre_condition":
            _refused.add(index)
        error = {"class": type(exc).__name__, "module": type(exc).__module__,
                 "message": str(exc)}
    if not isinstance(result, (bool, int, float, str, type(None))):
        result = repr(result)
    emit({"step": step, "action": index, "phase": phase, "result": result, "error": error,
          "start": round(start - T0, 3), "seconds": round(time.monotonic() - start, 3)})


def abort_signalled():
    """True once a line "abort" arrives on stdin; False when stdin closes first."""
    return any(line.strip() == "abort" for line in sys.stdin)


def run_with_abort(step, index, action, trigger):
    """Execute in this thread; abort from a second one, as the applier's cancel does."""
    def abort_later():
        if trigger == "stdin":
            if not abort_signalled():
                return
        else:
            time.sleep(float(trigger))
        run_phase(step, index, action, "abort")

    aborter = threading.Thread(target=abort_later, daemon=True)
    aborter.start()
    run_phase(step, index, action, "execute")
    aborter.join()


def run_parallel(step, actions, phases):
    """Each action runs `phases` in its own thread, all at once."""
    def sequence(index, action):
        for phase in phases:
            run_phase(step, index, action, phase)

    threads = [threading.Thread(target=sequence, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(scenario):
    with tempfile.TemporaryDirectory(prefix="watcher-driver-") as directory:
        init_watcher(write_config(directory, scenario["cloud"], scenario.get("conf", {})))
        actions = [load(index, spec) for index, spec in enumerate(scenario["actions"])]
        for step, spec in enumerate(scenario["steps"]):
            if "parallel" in spec:
                run_parallel(step, actions, spec["parallel"])
                continue
            index, phase = spec.get("action", 0), spec["phase"]
            if phase not in PHASES:
                raise SystemExit(f"unknown phase {phase!r}; known: {', '.join(PHASES)}")
            trigger = spec.get("abort") or spec.get("abort_after")
            if phase == "execute" and trigger is not None:
                run_with_abort(step, index, actions[index], trigger)
            else:
                run_phase(step, index, actions[index], phase)


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    text = sys.argv[1]
    if not text.lstrip().startswith("{"):
        with open(text) as file:
            text = file.read()
    run(json.loads(text))


if __name__ == "__main__":
    main()
