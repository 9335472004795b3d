//! The rest of Watcher's Nova actions against real Nova 34: a success and a failure each, judged
//! by what Nova shows, and a plan shaped like `host_maintenance`'s output run end to end.

use crate::nova::*;
use crate::real_nova;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use wasm_action_host::{ActionError, Phase, PhaseOutput, PhaseResult, Readiness};

fn outcome(result: PhaseResult) -> Value {
    match result {
        Ok(PhaseOutput::Outcome(outcome)) => {
            serde_json::from_str(&outcome.details).expect("details are JSON")
        }
        other => panic!("expected an outcome, got {other:?}"),
    }
}

fn failed(result: PhaseResult) -> ActionError {
    match result {
        Err(error) => error,
        Ok(other) => panic!("expected an action error, got {other:?}"),
    }
}

/// Nova's own answer inside a `conflict`.
fn nova_refusal(error: &ActionError) -> (u16, String) {
    match error {
        ActionError::Conflict(problem) => {
            let api = problem.api.as_ref().expect("Nova's answer is kept");
            (api.status, api.message.clone())
        }
        other => panic!("expected a conflict with Nova's answer, got {other:?}"),
    }
}

/// Puts a server in VERIFY_RESIZE through Nova directly (a cold migration left unconfirmed).
async fn unconfirmed(bench: &RealBench, id: &str) {
    let answer = bench
        .action(id, json!({"migrate": {"host": "compute2"}}))
        .await;
    assert_eq!(answer.status, 202, "{answer:?}");
    bench
        .wait_for_status(id, "VERIFY_RESIZE", Duration::from_secs(60))
        .await;
}

#[tokio::test]
async fn change_nova_service_state_disables_with_a_reason_and_revert_enables() {
    let Some(bench) = real_nova() else { return };
    let params = json!({"resource_id": "9a1c2d4e-1111-4222-8333-944455556666",
        "resource_name": "compute3", "state": "disabled", "disabled_reason": "watcher_maintaining"});
    let run = |phase| bench.run_action("change_nova_service_state", phase, &params);
    assert!(matches!(
        run(Phase::PreCondition).await,
        Ok(PhaseOutput::Readiness(Readiness::Proceed))
    ));
    outcome(run(Phase::Execute).await);
    let service = bench.nova.compute_service("compute3").await;
    assert_eq!(
        (&service["status"], &service["disabled_reason"]),
        (&json!("disabled"), &json!("watcher_maintaining")),
        "{service}"
    );
    assert!(matches!(
        run(Phase::PreCondition).await,
        Ok(PhaseOutput::Readiness(Readiness::Skip(_)))
    ));
    outcome(run(Phase::Revert).await);
    let service = bench.nova.compute_service("compute3").await;
    assert_eq!(service["status"], "enabled", "{service}");

    // A host Nova has no compute service for: a typed not-found, nothing changed anywhere.
    let missing = json!({"resource_id": "x", "resource_name": "compute9", "state": "disabled"});
    let error = failed(
        bench
            .run_action("change_nova_service_state", Phase::Execute, &missing)
            .await,
    );
    assert!(matches!(error, ActionError::NotFound(_)), "{error:?}");
    for host in ["compute1", "compute2", "compute3"] {
        assert_eq!(bench.nova.compute_service(host).await["status"], "enabled");
    }
}

#[tokio::test]
async fn stop_stops_and_revert_starts_and_nova_refuses_a_resized_server() {
    let Some(bench) = real_nova() else { return };
    let id = bench.nova.server_on("compute1");
    let params = json!({ "resource_id": id });
    let details = outcome(bench.run_action("stop", Phase::Execute, &params).await);
    assert_eq!(details["status"], "SHUTOFF");
    let server = bench.server(&id).await;
    assert_eq!(placement(&server), ("compute1".into(), "SHUTOFF".into()));
    assert_eq!(server["OS-EXT-STS:power_state"], 4);
    outcome(bench.run_action("stop", Phase::Revert, &params).await);
    assert_eq!(bench.server(&id).await["status"], "ACTIVE");

    let other = bench.nova.server_on("compute3");
    unconfirmed(&bench, &other).await;
    let error = failed(
        bench
            .run_action("stop", Phase::Execute, &json!({ "resource_id": other }))
            .await,
    );
    let (status, message) = nova_refusal(&error);
    assert_eq!(status, 409);
    assert!(message.contains("vm_state resized"), "{message}");
    assert_eq!(bench.server(&other).await["status"], "VERIFY_RESIZE");
}

#[tokio::test]
async fn resize_confirms_records_the_old_flavor_and_revert_resizes_back() {
    let Some(bench) = real_nova() else { return };
    let id = bench.nova.server_on("compute1");
    let before = bench.server(&id).await["flavor"]["original_name"].clone();
    assert_eq!(before, "m1.tiny", "the harness boots m1.tiny");
    let params = json!({"resource_id": id, "flavor": "m1.small"});
    let details = outcome(bench.run_action("resize", Phase::Execute, &params).await);
    assert_eq!(details["previous_flavor"], "m1.tiny");
    let server = bench.server(&id).await;
    assert_eq!(server["flavor"]["original_name"], "m1.small");
    assert_eq!(server["status"], "ACTIVE");
    assert_eq!(server["metadata"]["watcher:previous_flavor"], "m1.tiny");
    let resizes: Vec<Value> = bench
        .migrations_of(&id)
        .await
        .into_iter()
        .filter(|m| m["migration_type"] == "resize")
        .collect();
    assert_eq!(resizes[0]["status"], "confirmed", "{resizes:?}");
    assert!(matches!(
        bench
            .run_action("resize", Phase::PostCondition, &params)
            .await,
        Ok(PhaseOutput::Done)
    ));

    outcome(bench.run_action("resize", Phase::Revert, &params).await);
    let server = bench.server(&id).await;
    assert_eq!(server["flavor"]["original_name"], "m1.tiny");
    assert_eq!(server["status"], "ACTIVE");
    assert!(
        server["metadata"].get("watcher:previous_flavor").is_none(),
        "{server}"
    );
}

#[tokio::test]
async fn a_resize_no_host_can_take_fails_as_soon_as_nova_gives_up() {
    let Some(bench) = real_nova() else { return };
    let id = bench.nova.server_on("compute2");
    // m1.large needs 8192 MB: every host has 8192 with 512 reserved. Nova accepts the resize,
    // then puts the server back as it was.
    let params = json!({"resource_id": id, "flavor": "m1.large"});
    let started = std::time::Instant::now();
    let error = failed(bench.run_action("resize", Phase::Execute, &params).await);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "reported when Nova gave up, not at the deadline"
    );
    assert!(
        matches!(&error, ActionError::Conflict(p) if p.message.contains("ACTIVE")),
        "{error:?}"
    );
    let server = bench.server(&id).await;
    assert_eq!(placement(&server), ("compute2".into(), "ACTIVE".into()));
    assert_eq!(server["flavor"]["original_name"], "m1.tiny");
    assert!(
        server["metadata"].get("watcher:previous_flavor").is_none(),
        "nothing changed, so no record: {server}"
    );
}

#[tokio::test]
async fn shelve_offloads_revert_unshelves_and_nova_refuses_a_resized_server() {
    let Some(bench) = real_nova() else { return };
    let id = bench.nova.server_on("compute1");
    let params = json!({ "resource_id": id });
    let details = outcome(bench.run_action("shelve", Phase::Execute, &params).await);
    assert_eq!(details["status"], "SHELVED_OFFLOADED");
    let server = bench.server(&id).await;
    assert_eq!(server["status"], "SHELVED_OFFLOADED");
    assert!(matches!(
        bench
            .run_action("shelve", Phase::PreCondition, &params)
            .await,
        Ok(PhaseOutput::Readiness(Readiness::Skip(_)))
    ));
    outcome(bench.run_action("shelve", Phase::Revert, &params).await);
    let server = bench.server(&id).await;
    assert_eq!(server["status"], "ACTIVE");
    assert!(server["OS-EXT-SRV-ATTR:host"].is_string(), "{server}");

    let other = bench.nova.server_on("compute3");
    unconfirmed(&bench, &other).await;
    let error = failed(
        bench
            .run_action("shelve", Phase::Execute, &json!({ "resource_id": other }))
            .await,
    );
    let (status, message) = nova_refusal(&error);
    assert_eq!(status, 409);
    assert!(message.contains("vm_state resized"), "{message}");
}

#[tokio::test]
async fn nop_and_sleep_succeed_and_fail_as_asked_without_a_request() {
    let Some(bench) = real_nova() else { return };
    let before = bench.nova.request_versions("/v2.1").await.len();
    outcome(
        bench
            .run_action("nop", Phase::Execute, &json!({"message": "hello"}))
            .await,
    );
    let error = failed(
        bench
            .run_action(
                "nop",
                Phase::Execute,
                &json!({"message": "m", "fail_execute": true}),
            )
            .await,
    );
    assert!(matches!(error, ActionError::Conflict(_)), "{error:?}");
    outcome(
        bench
            .run_action("sleep", Phase::Execute, &json!({"duration": 0.1}))
            .await,
    );
    let error = failed(
        bench
            .run_action("sleep", Phase::Execute, &json!({"duration": 3600}))
            .await,
    );
    assert!(matches!(error, ActionError::TimedOut(_)), "{error:?}");
    let after = bench.nova.request_versions("/v2.1").await.len();
    assert_eq!(before, after, "nop and sleep sent Nova nothing");
}

#[tokio::test]
async fn a_host_maintenance_plan_empties_and_disables_the_node_keeping_statuses() {
    let Some(bench) = real_nova() else { return };
    let active = bench.nova.server_on("compute1");
    let stopped = bench.nova.boot_on("compute1").await;
    bench.stop(&stopped).await;
    let plan = test_support::actions::host_maintenance("compute1", &[&active], &[&stopped]);
    let registry = Arc::new(wasm_action_host::Registry::new(Arc::new(
        wasm_action_host::Runtime::new().expect("engine"),
    )));
    for builtin in &builtin_plugins::ALL {
        registry
            .install_builtin(builtin.name, Some("builtin"), builtin.wasm)
            .await
            .expect("installs");
    }
    let plan = action_plan::Plan::from_json_str(&plan.to_string()).expect("a plan");
    let known = builtin_plugins::names()
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    let validator = wasm_action_host::PluginValidator::new(registry.clone());
    let validated = action_plan::validate(plan, &known, &validator)
        .await
        .expect("valid");
    let credentials = Arc::new(wasm_action_host::StaticToken::new(bench.nova.admin_token())) as _;
    let runner = wasm_action_host::PluginRunner::new(
        registry,
        bench.nova.endpoint.clone(),
        Some(credentials),
    )
    .with_deadline(Some(Duration::from_secs(120)));
    let report = action_plan::Executor::new(Arc::new(runner))
        .run(&validated, &action_plan::CancellationToken::new())
        .await;
    assert_eq!(report.state, action_plan::PlanState::Succeeded, "{report}");

    let service = bench.nova.compute_service("compute1").await;
    assert_eq!(
        (&service["status"], &service["disabled_reason"]),
        (&json!("disabled"), &json!("watcher_maintaining"))
    );
    let on_node = bench
        .request(
            "GET",
            "/v2.1/servers/detail?all_tenants=1&host=compute1",
            None,
        )
        .await;
    assert_eq!(
        on_node.body["servers"],
        json!([]),
        "compute1 is empty: {on_node:?}"
    );
    let (live_host, live_status) = placement(&bench.server(&active).await);
    assert_ne!(live_host, "compute1");
    assert_eq!(live_status, "ACTIVE");
    let (cold_host, cold_status) = placement(&bench.server(&stopped).await);
    assert_ne!(cold_host, "compute1");
    assert_eq!(cold_status, "SHUTOFF");
}
