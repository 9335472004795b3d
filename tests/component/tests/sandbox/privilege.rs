//! Least privilege inside the compute endpoint: a plugin sends only the requests it declares,
//! under the operator's grants. `overreach` declares what a migrate action needs and tries
//! everything else; each attempt is refused before the host adds its token, named, counted, and
//! Nova sees nothing. Its twin `overreach-declared` declares the same requests and gets them
//! through. `legacy` (openstack:actions@0.1.0) declares nothing: only an operator's override
//! lets it send anything.

use crate::bench::*;
use serde_json::json;
use std::sync::Arc;
use wasm_action_host::sandbox::grants::Grants;
use wasm_action_host::{
    ActionError, HostError, LoadProblem, Phase, PhaseOutput, PhaseResult, Registry, Runtime,
    Settings,
};

/// Runs `overreach`'s `attack` and checks that the host refused it before Nova saw anything,
/// with a reason containing `rule`, that the server is as it was, and that a normal call works.
async fn assert_refused(attack: &str, rule: &str) {
    let scene = Scene::new().await;
    let answer = scene
        .run(
            "overreach",
            Phase::Execute,
            json!({"attack": attack, "resource_id": scene.server, "service_id": "1"}),
        )
        .await
        .expect("the plugin answers");
    let Err(ActionError::Denied(problem)) = &answer else {
        panic!("{attack}: expected denied, got {answer:?}")
    };
    assert_eq!(problem.message, "ErrorCode::HttpRequestDenied");
    assert!(
        scene.nova.requests().is_empty(),
        "{attack}: nothing reached Nova: {:?}",
        scene.nova.requests()
    );
    let denials = scene.denials();
    assert_eq!(denials.len(), 1, "{attack}: {denials:?}");
    assert!(denials[0].1.contains(rule), "{attack}: {denials:?}");
    let server = scene
        .nova
        .server(&scene.server)
        .expect("the server is still there");
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute1")
    );
    scene.normal_call_succeeds().await;
}

#[tokio::test]
async fn overreach_has_a_test_here_for_every_attack_its_schema_names() {
    let (runtime, plugins) = bench();
    let call = wasm_action_host::Call::new("http://127.0.0.1:9/v2.1", None);
    let schema = runtime
        .call(&plugins["overreach"], &call, Phase::Schema, "{}")
        .await;
    let Ok(Ok(PhaseOutput::Schema(schema))) = schema else {
        panic!("overreach's schema: {schema:?}")
    };
    let schema: serde_json::Value = serde_json::from_str(&schema).expect("JSON");
    let source: String = include_str!("privilege.rs").split_whitespace().collect();
    for attack in schema["properties"]["attack"]["enum"]
        .as_array()
        .expect("attacks")
    {
        let call = format!("assert_refused({attack}");
        assert!(source.contains(&call), "no test calls {call}, ...)");
    }
}

#[tokio::test]
async fn overreach_may_not_stop_a_server() {
    assert_refused(
        "stop",
        "the server action 'os-stop' is not one the plugin may send",
    )
    .await;
}

#[tokio::test]
async fn overreach_may_not_delete_a_server() {
    assert_refused("delete", "DELETE /servers/").await;
}

#[tokio::test]
async fn overreach_may_not_disable_a_compute_service() {
    assert_refused("disable-service", "PUT /os-services/1 matches no request").await;
}

#[tokio::test]
async fn overreach_may_not_create_a_server() {
    assert_refused("create-server", "POST /servers matches no request").await;
}

#[tokio::test]
async fn overreach_may_not_call_an_action_it_did_not_declare() {
    assert_refused(
        "undeclared-action",
        "'lock' is not one the plugin may send (migrate)",
    )
    .await;
}

#[tokio::test]
async fn overreach_may_not_hide_a_second_action_in_the_body() {
    assert_refused("two-actions", "exactly one action, not 2").await;
}

#[tokio::test]
async fn overreach_may_not_climb_out_with_dot_segments() {
    assert_refused("dot-segments", "a dot segment").await;
}

#[tokio::test]
async fn overreach_may_not_smuggle_an_encoded_slash() {
    assert_refused("encoded-slash", "hides a separator").await;
}

#[tokio::test]
async fn overreach_may_not_use_a_double_slash() {
    assert_refused("double-slash", "is empty").await;
}

#[tokio::test]
async fn overreach_may_not_add_trailing_segments() {
    assert_refused("trailing-junk", "/os-services matches no request").await;
}

#[tokio::test]
async fn overreach_may_not_play_case_games() {
    assert_refused("case", "GET /OS-SERVICES matches no request").await;
}

#[tokio::test]
async fn overreach_may_not_override_the_method_in_the_query() {
    assert_refused("method-override", "overrides the method (_method)").await;
}

#[tokio::test]
async fn overreach_may_not_put_a_query_on_an_action() {
    assert_refused(
        "query-on-action",
        "a POST with a query string is never allowed",
    )
    .await;
}

/// Runs `overreach-declared`'s `attack` and returns its answer and the requests Nova received.
async fn declared(scene: &Scene, attack: &str) -> PhaseResult {
    scene
        .run(
            "overreach-declared",
            Phase::Execute,
            json!({"attack": attack, "resource_id": scene.server, "service_id": "1"}),
        )
        .await
        .expect("the plugin answers")
}

#[tokio::test]
async fn overreach_declared_twin_stops_the_server_it_declared_it_may_stop() {
    let scene = Scene::new().await;
    let answer = declared(&scene, "stop").await;
    let Ok(PhaseOutput::Outcome(outcome)) = &answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert_eq!(outcome.summary, "stop: Nova answered 202");
    let requests = scene.nova.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("x-auth-token"), Some(ADMIN));
    for _ in 0..100 {
        if scene.nova.server(&scene.server).map(|s| s.status) == Some("SHUTOFF".into()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let server = scene.nova.server(&scene.server).expect("the server");
    assert_eq!(server.status, "SHUTOFF");
    assert!(scene.denials().is_empty());
}

#[tokio::test]
async fn overreach_declared_twin_gets_each_declared_request_to_nova() {
    for attack in [
        "delete",
        "disable-service",
        "create-server",
        "undeclared-action",
    ] {
        let scene = Scene::new().await;
        let answer = declared(&scene, attack).await;
        assert!(
            matches!(answer, Ok(PhaseOutput::Outcome(_))),
            "{attack}: {answer:?}"
        );
        assert_eq!(scene.nova.requests().len(), 1, "{attack} reached Nova");
        assert!(
            scene.denials().is_empty(),
            "{attack}: {:?}",
            scene.denials()
        );
    }
}

#[tokio::test]
async fn overreach_declared_twin_still_cannot_smuggle_a_path() {
    for attack in ["dot-segments", "encoded-slash", "double-slash", "case"] {
        let scene = Scene::new().await;
        let answer = declared(&scene, attack).await;
        assert!(
            matches!(answer, Err(ActionError::Denied(_))),
            "{attack}: {answer:?}"
        );
        assert!(scene.nova.requests().is_empty(), "{attack}");
    }
}

/// A runtime whose operator grants are `grants`.
fn runtime_with(grants: &str) -> Runtime {
    Runtime::with_settings(Settings {
        limits: LIMITS,
        max_concurrent_calls: 8,
        grants: Grants::parse(grants).expect("valid grants"),
        ..Settings::default()
    })
    .expect("the engine starts")
}

fn wasm_of(name: &str) -> &'static [u8] {
    let found = test_plugins::ALL.iter().find(|(n, _)| *n == name);
    found.expect("a built test plugin").1
}

#[tokio::test]
async fn legacy_plugin_loads_but_may_send_nothing_without_a_grant() {
    let scene = Scene::new().await;
    let (runtime, plugins) = bench();
    let legacy = &plugins["legacy"];
    assert_eq!(legacy.contract(), "openstack:actions@0.1.0");
    let params = json!({"resource_id": scene.server}).to_string();
    let answer = runtime
        .call(legacy, &scene.call, Phase::Execute, &params)
        .await
        .expect("the plugin answers");
    assert!(matches!(answer, Err(ActionError::Denied(_))), "{answer:?}");
    assert!(scene.nova.requests().is_empty());
    assert!(
        scene.denials()[0].1.contains("it may send none"),
        "{:?}",
        scene.denials()
    );
}

#[tokio::test]
async fn legacy_plugin_sends_what_the_operator_overrides() {
    let scene = Scene::new().await;
    let runtime = runtime_with("legacy override GET /servers/{id}\n");
    let legacy = runtime.load("legacy", wasm_of("legacy")).expect("loads");
    let params = json!({"resource_id": scene.server}).to_string();
    let answer = runtime
        .call(&legacy, &scene.call, Phase::Execute, &params)
        .await
        .expect("the plugin answers");
    let Ok(PhaseOutput::Outcome(outcome)) = &answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert_eq!(outcome.summary, "status 200");
    let permissions = legacy.permissions().expect("read at the first call");
    assert!(permissions.declared.is_empty());
    assert_eq!(permissions.overrides.len(), 1);
}

#[tokio::test]
async fn an_operator_narrows_migrate_so_that_it_cannot_start_a_migration() {
    let scene = Scene::new().await;
    let runtime = runtime_with(
        "migrate allow GET /servers/{id}\n\
         migrate allow GET /os-services\n\
         migrate allow POST /servers/{id}/action confirmResize revertResize\n",
    );
    let migrate = runtime
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("loads");
    let params = test_support::migrate::cold(&scene.server, "compute1", Some("compute2"));
    let answer = runtime
        .call(&migrate, &scene.call, Phase::Execute, &params.to_string())
        .await
        .expect("the plugin answers");
    assert!(answer.is_err(), "the migrate POST is refused: {answer:?}");
    assert!(
        scene
            .denials()
            .iter()
            .any(|(_, why)| why.contains("'migrate'")),
        "{:?}",
        scene.denials()
    );
    assert!(
        scene.nova.requests().iter().all(|r| r.method == "GET"),
        "Nova saw no mutation"
    );
    let server = scene.nova.server(&scene.server).expect("the server");
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute1")
    );
    assert!(scene.nova.migrations().is_empty());
}

#[tokio::test]
async fn an_operator_cannot_widen_with_allow() {
    let runtime = runtime_with("migrate allow POST /servers/{id}/action os-stop\n");
    let migrate = runtime
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("loads");
    let error = runtime.permissions(&migrate).await.expect_err("refused");
    let HostError::Load { problem, .. } = &error else {
        panic!("expected a load error, got {error:?}")
    };
    assert_eq!(*problem, LoadProblem::Grants);
    let message = wasm_action_host::chain(&error);
    assert!(
        message.contains("os-stop") && message.contains("override"),
        "{message}"
    );
}

#[tokio::test]
async fn the_plugin_report_shows_declared_granted_and_refused_requests() {
    let scene = Scene::new().await;
    let registry = Registry::new(Arc::new(runtime_with("")));
    let installed = registry
        .install("overreach", None, wasm_of("overreach").to_vec())
        .await
        .expect("installs");
    assert_eq!(installed.contract, "openstack:actions@0.2.0");
    assert_eq!(
        installed.declared,
        ["GET /servers/{id}", "POST /servers/{id}/action migrate"]
    );
    assert_eq!(installed.granted, installed.declared);
    let params = json!({"attack": "stop", "resource_id": scene.server}).to_string();
    for _ in 0..2 {
        let answer = registry
            .call("overreach", &scene.call, Phase::Execute, &params)
            .await
            .expect("answers");
        assert!(answer.result.is_err());
    }
    assert_eq!(registry.report()[0].current.denied, 2);
}

#[tokio::test]
async fn migrate_declares_exactly_what_it_sends() {
    let (runtime, plugins) = bench();
    let permissions = runtime
        .permissions(&plugins["migrate"])
        .await
        .expect("reads");
    let declared: Vec<String> = permissions
        .declared
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        declared,
        [
            "GET /servers/{id}",
            "POST /servers/{id}/action confirmResize migrate os-migrateLive revertResize",
            "GET /os-migrations",
            "GET /servers/{id}/migrations",
            "DELETE /servers/{id}/migrations/{migration_id}",
            "GET /os-services",
            "GET /servers/{id}/os-instance-actions/{request_id}",
        ]
    );
}
