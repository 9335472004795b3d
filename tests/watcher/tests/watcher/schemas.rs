//! Each built-in action's `input_parameters` against the JSON Schema of Watcher 17.0.0's own
//! action of that type, read from python-watcher itself: the same keys, the same required
//! ones, the same enums, closed to others.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;
use wasm_action_host::{Phase, PhaseOutput};
use watcher_tests::venv;

/// Prints `{type: schema}` for every type named on the command line, as Watcher's applier
/// loads its actions.
const WATCHER_SCHEMAS: &str = r#"
import json, sys
from watcher import conf  # noqa: F401  (registers Watcher's options)
from watcher.applier.loading import default
loader = default.DefaultActionLoader()
print(json.dumps({name: loader.load(name=name).schema for name in sys.argv[1:]}))
"#;

fn keys(schema: &Value, field: &str) -> BTreeSet<String> {
    match &schema[field] {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(list) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// A property's `enum`, wherever the schema keeps it (directly or in an `anyOf` branch).
fn enumeration(property: &Value) -> Option<Value> {
    if let Some(values) = property.get("enum") {
        return Some(values.clone());
    }
    property
        .get("anyOf")?
        .as_array()?
        .iter()
        .find_map(|branch| branch.get("enum").cloned())
}

#[tokio::test]
async fn every_built_in_action_takes_exactly_watchers_parameters() {
    if venv::disabled() {
        return;
    }
    let python = venv::python().unwrap_or_else(|e| panic!("{e}"));
    let names = builtin_plugins::names();
    let output = Command::new(&python)
        .args(["-c", WATCHER_SCHEMAS])
        .args(&names)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        output.status.success(),
        "python-watcher's schemas: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let watcher: Value = serde_json::from_slice(&output.stdout).expect("JSON from python");
    let runtime = wasm_action_host::Runtime::new().expect("engine");
    for builtin in &builtin_plugins::ALL {
        let plugin = runtime
            .load_builtin(builtin.name, builtin.wasm)
            .expect("loads");
        let call = wasm_action_host::Call::new("http://127.0.0.1:9", None);
        let Ok(PhaseOutput::Schema(ours)) = runtime
            .call(&plugin, &call, Phase::Schema, "{}")
            .await
            .expect("the host answers")
        else {
            panic!("{} has a schema", builtin.name)
        };
        let ours: Value = serde_json::from_str(&ours).expect("JSON");
        let theirs = &watcher[builtin.name];
        let name = builtin.name;
        assert_eq!(
            keys(&ours, "properties"),
            keys(theirs, "properties"),
            "{name}: keys"
        );
        assert_eq!(
            keys(&ours, "required"),
            keys(theirs, "required"),
            "{name}: required"
        );
        assert_eq!(
            theirs["additionalProperties"], false,
            "{name}: Watcher's is closed"
        );
        assert_eq!(
            ours["additionalProperties"], false,
            "{name}: ours is closed"
        );
        for key in keys(theirs, "properties") {
            assert_eq!(
                enumeration(&ours["properties"][&key]),
                enumeration(&theirs["properties"][&key]),
                "{name}.{key}: enum"
            );
        }
    }
}
