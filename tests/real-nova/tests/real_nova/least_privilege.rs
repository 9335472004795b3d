//! Least privilege against real Nova: the `overreach` test plugin (declares what a migrate
//! action needs) tries every admin request it did not declare and every path trick through the
//! host, with the harness's admin token on offer; Nova must show nothing done. Its twin
//! `overreach-declared` declares them, and Nova carries them out.

use crate::nova::*;
use crate::real_nova;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use wasm_action_host::{
    ActionError, Call, Phase, PhaseOutput, PhaseResult, Plugin, PluginEvent, Runtime,
};

/// The test plugins, compiled once for this binary.
fn plugins() -> &'static (Runtime, HashMap<&'static str, Plugin>) {
    static PLUGINS: OnceLock<(Runtime, HashMap<&'static str, Plugin>)> = OnceLock::new();
    PLUGINS.get_or_init(|| {
        let runtime = Runtime::new().expect("the engine starts");
        let plugins = ["overreach", "overreach-declared", "well-behaved"]
            .into_iter()
            .map(|name| {
                let (_, wasm) = test_plugins::ALL
                    .iter()
                    .find(|(n, _)| *n == name)
                    .expect("a built test plugin");
                (name, runtime.load(name, wasm).expect("loads"))
            })
            .collect();
        (runtime, plugins)
    })
}

/// Runs `plugin`'s execute as admin with `params`; returns its answer and the host's refusals.
async fn run(cloud: &RealBench, plugin: &str, params: Value) -> (PhaseResult, Vec<String>) {
    let (runtime, plugins) = plugins();
    let denials = Arc::new(Mutex::new(Vec::new()));
    let sink = denials.clone();
    let mut call = Call::new(&cloud.nova.endpoint, Some(cloud.nova.admin_token().into()));
    call.deadline = Some(Duration::from_secs(60));
    call.observer = Arc::new(move |event: &PluginEvent| {
        if let PluginEvent::Denied { reason, .. } = event {
            sink.lock().expect("denials").push(reason.clone());
        }
    });
    let answer = runtime
        .call(&plugins[plugin], &call, Phase::Execute, &params.to_string())
        .await
        .unwrap_or_else(|e| panic!("{plugin} answers: {e:?}"));
    let denials = denials.lock().expect("denials").clone();
    (answer, denials)
}

/// The attacks `overreach` knows, from the `attack` enum of its schema.
async fn attacks() -> Vec<String> {
    let (runtime, plugins) = plugins();
    let call = Call::new("http://127.0.0.1:9/v2.1", None);
    let schema = runtime
        .call(&plugins["overreach"], &call, Phase::Schema, "{}")
        .await;
    let Ok(Ok(PhaseOutput::Schema(schema))) = schema else {
        panic!("overreach's schema: {schema:?}")
    };
    let schema: Value = serde_json::from_str(&schema).expect("the schema is JSON");
    let names = schema["properties"]["attack"]["enum"]
        .as_array()
        .expect("an enum of attacks");
    names
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// Everything an attack could have changed, as an admin sees it in Nova.
async fn nova_state(cloud: &RealBench, id: &str) -> Value {
    let services = cloud
        .request("GET", "/v2.1/os-services?binary=nova-compute", None)
        .await;
    let servers = cloud
        .request("GET", "/v2.1/servers?all_tenants=1", None)
        .await;
    let server = cloud.server(id).await;
    json!({
        "services": services.body["services"].as_array().map(|all| all.iter()
            .map(|s| (s["host"].clone(), s["status"].clone())).collect::<Vec<_>>()),
        "servers": servers.body["servers"].as_array().map(Vec::len),
        "server": [server["status"], server["OS-EXT-SRV-ATTR:host"], server["locked"]],
        "actions": cloud.instance_actions(id).await,
    })
}

/// Whether Nova stops knowing the server within 10 s.
async fn gone_within(cloud: &RealBench, id: &str) -> bool {
    for _ in 0..200 {
        let found = cloud
            .request("GET", &format!("/v2.1/servers/{id}"), None)
            .await;
        if found.status == 404 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

#[tokio::test]
async fn overreach_is_refused_every_undeclared_request_and_nova_is_unchanged() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    let service = cloud.nova.compute_service("compute2").await["id"].clone();
    let before = nova_state(&cloud, &id).await;
    let attacks = attacks().await;
    assert!(attacks.len() >= 12, "{attacks:?}");
    for attack in &attacks {
        let params = json!({"attack": attack, "resource_id": id, "service_id": service});
        let (answer, denials) = run(&cloud, "overreach", params).await;
        assert!(
            matches!(&answer, Err(ActionError::Denied(p)) if p.message == "ErrorCode::HttpRequestDenied"),
            "{attack}: {answer:?}"
        );
        assert_eq!(denials.len(), 1, "{attack}: {denials:?}");
    }
    assert_eq!(nova_state(&cloud, &id).await, before, "Nova is unchanged");
    // nova-api's own request log: none of the attacks' paths ever arrived.
    for path in ["/action", "OS-SERVICES", "..", "%2F", "//"] {
        let seen = cloud.nova.request_versions(path).await;
        assert!(
            seen.is_empty(),
            "nova-api received a request with {path}: {seen:?}"
        );
    }
    let (answer, denials) = run(&cloud, "well-behaved", json!({"resource_id": id})).await;
    assert!(
        matches!(&answer, Ok(PhaseOutput::Outcome(o)) if o.summary == "status 200"),
        "the next call succeeds: {answer:?}"
    );
    assert!(denials.is_empty());
}

#[tokio::test]
async fn overreach_declared_twin_gets_its_declared_requests_carried_out() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    let victim = cloud.nova.server_on("compute2");
    let service = cloud.nova.compute_service("compute3").await["id"].clone();
    let twin = |attack: &str, server: &str| json!({"attack": attack, "resource_id": server, "service_id": service});

    let (answer, denials) = run(&cloud, "overreach-declared", twin("stop", &id)).await;
    assert!(
        denials.is_empty() && answer.is_ok(),
        "stop: {answer:?} {denials:?}"
    );
    cloud
        .wait_for_status(&id, "SHUTOFF", Duration::from_secs(30))
        .await;

    let (answer, _) = run(&cloud, "overreach-declared", twin("undeclared-action", &id)).await;
    assert!(answer.is_ok(), "lock: {answer:?}");
    assert_eq!(cloud.server(&id).await["locked"], true);

    let (answer, _) = run(&cloud, "overreach-declared", twin("disable-service", &id)).await;
    assert!(answer.is_ok(), "disable: {answer:?}");
    assert_eq!(
        cloud.nova.compute_service("compute3").await["status"],
        "disabled"
    );

    let (answer, _) = run(&cloud, "overreach-declared", twin("delete", &victim)).await;
    assert!(answer.is_ok(), "delete: {answer:?}");
    assert!(
        gone_within(&cloud, &victim).await,
        "Nova deleted the server the twin declared it may delete"
    );

    // Why a query may not override the method: Nova's router routes this GET as a DELETE.
    let third = cloud.nova.server_on("compute3");
    let answer = cloud
        .request(
            "GET",
            &format!("/v2.1/servers/{third}?_method=DELETE"),
            None,
        )
        .await;
    assert_eq!(answer.status, 204, "{answer:?}");
    assert!(
        gone_within(&cloud, &third).await,
        "a GET with ?_method=DELETE deleted it"
    );

    // And the path tricks stay refused even for a plugin that declares admin requests.
    let (answer, denials) = run(&cloud, "overreach-declared", twin("dot-segments", &id)).await;
    assert!(matches!(answer, Err(ActionError::Denied(_))), "{answer:?}");
    assert_eq!(denials.len(), 1);
}
