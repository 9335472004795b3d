//! What every built-in action shares: a schema in Watcher's shape, a declaration of the Nova
//! requests it sends, and a description.

use crate::harness::*;
use serde_json::Value;
use wasm_action_host::PhaseOutput;

#[tokio::test]
async fn every_action_has_a_closed_schema_titled_with_its_type() {
    let bench = Bench::start().await;
    for builtin in &builtin_plugins::ALL {
        let Ok(PhaseOutput::Schema(schema)) = bench.run(builtin.name, Schema, &json!({})).await
        else {
            panic!("{} has a schema", builtin.name)
        };
        let schema: Value = serde_json::from_str(&schema).expect("JSON");
        assert_eq!(schema["title"], builtin.name);
        assert_eq!(schema["additionalProperties"], false, "{}", builtin.name);
        assert!(schema["required"].is_array(), "{}", builtin.name);
    }
}

#[tokio::test]
async fn each_action_declares_only_what_it_needs() {
    let expected: [(&str, &[&str]); 7] = [
        (
            "migrate",
            &[
                "GET /servers/{id}",
                "POST /servers/{id}/action confirmResize migrate os-migrateLive revertResize",
                "GET /os-migrations",
                "GET /servers/{id}/migrations",
                "DELETE /servers/{id}/migrations/{migration_id}",
                "GET /os-services",
                "GET /servers/{id}/os-instance-actions/{request_id}",
            ],
        ),
        (
            "change_nova_service_state",
            &["GET /os-services", "PUT /os-services/{service_id}"],
        ),
        (
            "stop",
            &[
                "GET /servers/{id}",
                "POST /servers/{id}/action os-start os-stop",
            ],
        ),
        (
            "resize",
            &[
                "GET /servers/{id}",
                "POST /servers/{id}/action confirmResize resize revertResize",
                "GET /flavors/{flavor_id}",
                "GET /flavors/detail",
                "GET /os-migrations",
                "PUT /servers/{id}/metadata/{key}",
                "DELETE /servers/{id}/metadata/{key}",
            ],
        ),
        (
            "shelve",
            &[
                "GET /servers/{id}",
                "POST /servers/{id}/action shelve unshelve",
            ],
        ),
        ("nop", &[]),
        ("sleep", &[]),
    ];
    let runtime = wasm_action_host::Runtime::new().expect("engine");
    for (name, requests) in expected {
        let builtin = builtin_plugins::get(name).expect("built in");
        let plugin = runtime.load_builtin(name, builtin.wasm).expect("loads");
        let declared: Vec<String> = runtime
            .permissions(&plugin)
            .await
            .expect("declared")
            .declared
            .iter()
            .map(|rule| rule.to_string())
            .collect();
        assert_eq!(declared, requests, "{name}");
    }
}
