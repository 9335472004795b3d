"""Runs one Watcher action plan through Watcher 17's own applier code, with no message bus.

Usage: ``python plan.py SCENARIO`` (JSON text or a file)::

    {"cloud": {...as driver.py...}, "conf": {...optional, as driver.py...},
     "workflow_engine": "taskflow",        # or "wasm" ([watcher_applier] workflow_engine)
     "max_workers": 4,                     # [watcher_workflow_engines.<engine>] max_workers
     "start": true,                        # false: no Syncer.sync() before the plan
     "actions": [{"uuid": "...", "action_type": "migrate",
                  "input_parameters": {...}, "parents": ["<uuid>", ...]}, ...]}

What watcher-applier does at start and when the decision engine hands it a plan: the plan and
its actions are rows of Watcher's database (SQLite in a temporary directory here, schema from
Watcher's own models). First ``Syncer.sync()``, as watcher-applier's ``main`` runs it before its
RPC server (every ``watcher_actions`` entry point loaded, its description synced); an exception
there is the applier failing to start: reported as ``start.error``, and the plan is not run.
Then ``DefaultActionPlanHandler.execute`` runs the plan: ``DefaultApplier`` loads the selected
workflow engine, which builds a graph flow of the actions and runs it with taskflow's parallel
engine; every action goes through the same pre-condition / execute / post-condition container
as in production, updating its state in the database. Notifications go to oslo.messaging's
``noop`` driver over the ``fake`` transport instead of a bus.

Prints one JSON line: ``{"start": {"error"}, "engine", "plan": {"state", "status_message"},
"seconds", "actions": [{"uuid", "action_type", "state", "status_message", "class",
"reported_type"}, ...]}``. ``engine`` is the class of the workflow engine that ran the actions;
``class`` is the class of the action object its factory made for the container (null when none
was made), ``reported_type`` that object's ``action_type`` attribute, if it has one. ``error``
is ``{"class", "module", "message"}`` or null.
"""

import json
import sys
import tempfile
import time

import driver  # the same watcher.conf and service setup as the action driver

# What each action container got from its engine's action factory: uuid -> (engine, action).
_made = {}


def create_plan(context, actions):
    """Goal, strategy, audit and the action plan with its actions, as the decision engine
    would leave them (all PENDING / RECOMMENDED)."""
    from watcher import objects

    goal = objects.Goal(context, name="dummy", display_name="Dummy goal",
                        efficacy_specification=[])
    goal.create()
    strategy = objects.Strategy(context, name="dummy", display_name="Dummy strategy",
                                goal_id=goal.id, parameters_spec={})
    strategy.create()
    audit = objects.Audit(context, name="wasm-migrate-audit", audit_type="ONESHOT",
                          state=objects.audit.State.SUCCEEDED, goal_id=goal.id,
                          strategy_id=strategy.id, auto_trigger=False, parameters={},
                          scope=[])
    audit.create()
    plan = objects.ActionPlan(context, audit_id=audit.id, strategy_id=strategy.id,
                              state=objects.action_plan.State.RECOMMENDED,
                              global_efficacy=[])
    plan.create()
    for spec in actions:
        objects.Action(context, uuid=spec["uuid"], action_plan_id=plan.id,
                       action_type=spec["action_type"],
                       input_parameters=spec["input_parameters"],
                       parents=spec.get("parents", []),
                       state=objects.action.State.PENDING).create()
    return plan


def serialise_sqlite_writers():
    """SQLite stands in for Watcher's MySQL here. oslo.db opens SQLite transactions with a plain
    (deferred) BEGIN, which fails at once with "database is locked" when two of taskflow's
    threads upgrade to a write lock together. Make that BEGIN IMMEDIATE, so that writers queue
    for the lock (up to a minute, like MySQL's lock wait) instead of failing."""
    from oslo_db.sqlalchemy import enginefacade
    from sqlalchemy import event

    engine = enginefacade.writer.get_engine()

    @event.listens_for(engine, "connect")
    def _wait_for_the_lock(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout = 60000")

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _begin_immediate(_conn, _cursor, statement, parameters, _context, _many):
        if statement == "BEGIN":
            statement = "BEGIN IMMEDIATE"
        return statement, parameters


def record_actions_made():
    """Watches the containers' ``action`` property (where the engine's factory is called)
    without changing it, to report which class ran each action."""
    from watcher.applier.workflow_engine import base

    made = base.BaseTaskFlowActionContainer.action.fget

    def action(container):
        loaded = made(container)
        _made[container._db_action.uuid] = (container.engine, loaded)
        return loaded

    base.BaseTaskFlowActionContainer.action = property(action)


def qualified(thing):
    kind = type(thing)
    return f"{kind.__module__}.{kind.__qualname__}"


def error_of(exc):
    return {"class": type(exc).__name__, "module": type(exc).__module__, "message": str(exc)}


def start():
    """watcher-applier's main() between prepare_service and launching its service."""
    from watcher.applier import sync

    try:
        sync.Syncer().sync()
    except Exception as exc:  # noqa: BLE001  the applier would exit with it
        print(f"plan.py: watcher-applier would not start: {exc!r}", file=sys.stderr, flush=True)
        return error_of(exc)
    return None


def report_of(context, plan, start_error, seconds):
    from watcher import objects

    plan = objects.ActionPlan.get_by_uuid(context, plan.uuid)
    actions = objects.Action.list(context, filters={"action_plan_uuid": plan.uuid})
    engines = {qualified(engine) for engine, _ in _made.values()}

    def action(record):
        engine_and_action = _made.get(record.uuid)
        loaded = engine_and_action[1] if engine_and_action else None
        return {"uuid": record.uuid, "action_type": record.action_type, "state": record.state,
                "status_message": record.status_message,
                "class": qualified(loaded) if loaded is not None else None,
                "reported_type": getattr(loaded, "action_type", None)}

    return {
        "start": {"error": start_error},
        "engine": engines.pop() if len(engines) == 1 else sorted(engines) or None,
        "plan": {"state": plan.state, "status_message": plan.status_message},
        "seconds": seconds,
        "actions": [action(a) for a in actions],
    }


def run(scenario):
    from oslo_config import cfg

    engine = scenario.get("workflow_engine", "taskflow")
    with tempfile.TemporaryDirectory(prefix="watcher-plan-") as directory:
        extra = {
            "DEFAULT": {"transport_url": "fake:/"},
            "oslo_messaging_notifications": {"driver": "noop"},
            "database": {"connection": f"sqlite:///{directory}/watcher.sqlite"},
            "watcher_applier": {"workflow_engine": engine},
            f"watcher_workflow_engines.{engine}": {
                "max_workers": str(scenario.get("max_workers", 4))},
        }
        for section, options in scenario.get("conf", {}).items():
            extra.setdefault(section, {}).update(options)
        config = driver.write_config(directory, scenario["cloud"], extra)
        driver.init_watcher(config)

        from watcher.applier.action_plan import default as plan_handler
        from watcher.common import context as watcher_context
        from watcher.common import rpc
        from watcher.db.sqlalchemy import migration

        rpc.init(cfg.CONF)
        migration.create_schema()
        serialise_sqlite_writers()
        record_actions_made()
        context = watcher_context.make_context(is_admin=True)
        plan = create_plan(context, scenario["actions"])

        start_error = start() if scenario.get("start", True) else None
        started = time.monotonic()
        if start_error is None:
            plan_handler.DefaultActionPlanHandler(context, None, plan.uuid).execute()
        seconds = round(time.monotonic() - started, 3)
        print(json.dumps(report_of(context, plan, start_error, seconds)), flush=True)


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
