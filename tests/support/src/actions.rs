//! Every shipped action, and the plans that combine them.

use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;
use wasm_action_host::{Plugin, Runtime};

/// One engine and every built-in action compiled once per test binary, by action type.
pub fn builtins() -> &'static (Runtime, HashMap<&'static str, Plugin>) {
    static LOADED: OnceLock<(Runtime, HashMap<&'static str, Plugin>)> = OnceLock::new();
    LOADED.get_or_init(|| {
        let runtime = Runtime::new().expect("the engine starts");
        let plugins = builtin_plugins::ALL
            .iter()
            .map(|b| {
                let plugin = runtime
                    .load_builtin(b.name, b.wasm)
                    .unwrap_or_else(|e| panic!("{} loads: {e}", b.name));
                (b.name, plugin)
            })
            .collect();
        (runtime, plugins)
    })
}

/// A plan as Watcher's `host_maintenance` strategy writes it for `node` with no backup node:
/// disable the node's service (`disable`), then move every server off it (`move0`, `move1`,
/// ...: live for the `active` ones, cold for the `shutoff` ones, the scheduler choosing), each
/// after the disable.
pub fn host_maintenance(node: &str, active: &[&str], shutoff: &[&str]) -> Value {
    let mut actions = vec![json!({
        "uuid": "disable", "action_type": "change_nova_service_state", "parents": [],
        "input_parameters": {"resource_id": "9a1c2d4e-1111-4222-8333-944455556666",
            "resource_name": node, "state": "disabled",
            "disabled_reason": "watcher_maintaining"}})];
    let moves = active
        .iter()
        .map(|s| (s, "live"))
        .chain(shutoff.iter().map(|s| (s, "cold")));
    for (n, (server, kind)) in moves.enumerate() {
        actions.push(json!({
            "uuid": format!("move{n}"), "action_type": "migrate", "parents": ["disable"],
            "input_parameters": {"resource_id": server, "migration_type": kind,
                "source_node": node, "resource_name": format!("vm{n}")}}));
    }
    json!({ "actions": actions })
}
