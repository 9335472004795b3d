"""Runs one Watcher action plan through Watcher 17's own applier code, with no message bus.

Usage: ``python plan.py SCENARIO`` (JSON text or a file)::

    {"cloud": {...as driver.py...}, "conf": {...optional, as driver.py...},
     "max_workers": 4,
     "actions": [{"uuid": "...", "action_type": "wasm_migrate",
                  "input_parameters": {...}, "parents": ["<uuid>", ...]}, ...]}

What watcher-applier does when the decision engine hands it a plan: the plan and its actions are
rows of Watcher's database (SQLite in a temporary directory here, schema from Watcher's own
models), and ``DefaultActionPlanHandler.execute`` runs them: ``DefaultApplier`` loads the
``taskflow`` workflow engine, which builds a graph flow of the actions and runs it with the
parallel engine; every action goes through the same pre-condition / execute / post-condition
container as in production, updating its state in the database. Notifications go to
oslo.messaging's ``noop`` driver over the ``fake`` transport instead of a bus.

Prints one JSON line: ``{"plan": {"state", "status_message"}, "seconds",
"actions": [{"uuid", "action_type", "state", "status_message"}, ...]}``.
"""

import json
import sys
import tempfile
import time

import driver  # the same watcher.conf and service setup as the action driver


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


def run(scenario):
    from oslo_config import cfg

    with tempfile.TemporaryDirectory(prefix="watcher-plan-") as directory:
        extra = {
            "DEFAULT": {"transport_url": "fake:/"},
            "oslo_messaging_notifications": {"driver": "noop"},
            "database": {"connection": f"sqlite:///{directory}/watcher.sqlite"},
            "watcher_applier": {"workflow_engine": "taskflow"},
            "watcher_workflow_engines.taskflow": {
                "max_workers": str(scenario.get("max_workers", 4))},
        }
        for section, options in scenario.get("conf", {}).items():
            extra.setdefault(section, {}).update(options)
        config = driver.write_config(directory, scenario["cloud"], extra)
        driver.init_watcher(config)

        from watcher import objects
        from watcher.applier.action_plan import default as plan_handler
        from watcher.common import context as watcher_context
        from watcher.common import rpc
        from watcher.db.sqlalchemy import migration

        rpc.init(cfg.CONF)
        migration.create_schema()
        serialise_sqlite_writers()
        context = watcher_context.make_context(is_admin=True)
        plan = create_plan(context, scenario["actions"])

        started = time.monotonic()
        plan_handler.DefaultActionPlanHandler(context, None, plan.uuid).execute()
        seconds = time.monotonic() - started

        plan = objects.ActionPlan.get_by_uuid(context, plan.uuid)
        actions = objects.Action.list(context, filters={"action_plan_uuid": plan.uuid})
        print(json.dumps({
            "plan": {"state": plan.state, "status_message": plan.status_message},
            "seconds": round(seconds, 3),
            "actions": [{"uuid": a.uuid, "action_type": a.action_type, "state": a.state,
                         "status_message": a.status_message} for a in actions],
        }), flush=True)


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
