//! `resize`: to a flavor by name or id, confirmed; the old flavor kept for revert.

use crate::harness::*;
use nova_double::{DriverStep, FailureKind};
use serde_json::Value;
use wasm_action_host::ActionError;

fn resize(id: &str, flavor: &str) -> Value {
    json!({"resource_id": id, "flavor": flavor})
}

#[tokio::test]
async fn resizes_by_name_confirms_and_keeps_the_old_flavor_for_revert() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    let params = resize(&id, "m1.small");
    proceeds(bench.run("resize", PreCondition, &params).await);
    let executed = details(bench.run("resize", Execute, &params).await);
    assert_eq!(
        (
            executed["flavor"].as_str(),
            executed["previous_flavor"].as_str()
        ),
        (Some("m1.small"), Some("m1.tiny"))
    );
    let server = bench.server(&id);
    assert_eq!(
        (server.flavor_id.as_str(), server.status.as_str()),
        ("2", "ACTIVE")
    );
    assert_eq!(
        server
            .metadata
            .get("watcher:previous_flavor")
            .map(String::as_str),
        Some("m1.tiny")
    );
    let resizes: Vec<_> = bench
        .nova
        .migrations()
        .into_iter()
        .filter(|m| m.migration_type == "resize")
        .collect();
    assert_eq!(resizes.len(), 1);
    assert_eq!(resizes[0].status, "confirmed");
    done(bench.run("resize", PostCondition, &params).await);
    let reason = skipped(bench.run("resize", PreCondition, &params).await);
    assert!(reason.contains("already of flavor m1.small"), "{reason}");

    let reverted = details(bench.run("resize", Revert, &params).await);
    assert_eq!(reverted["how"], "resized back");
    let server = bench.server(&id);
    assert_eq!(
        (server.flavor_id.as_str(), server.status.as_str()),
        ("1", "ACTIVE")
    );
    assert!(
        server.metadata.is_empty(),
        "the record is gone: {:?}",
        server.metadata
    );
}

#[tokio::test]
async fn a_stopped_server_is_resized_by_flavor_id_and_stays_stopped() {
    let bench = Bench::start().await;
    let id = bench.shutoff_on("compute2");
    details(bench.run("resize", Execute, &resize(&id, "3")).await);
    let server = bench.server(&id);
    assert_eq!(
        (server.flavor_id.as_str(), server.status.as_str()),
        ("3", "SHUTOFF")
    );
}

#[tokio::test]
async fn an_unknown_flavor_fails_the_pre_condition_and_nothing_changes() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    let error = error(
        bench
            .run("resize", PreCondition, &resize(&id, "m9.huge"))
            .await,
    );
    assert!(
        matches!(&error, ActionError::NotFound(p) if p.message.contains("flavor m9.huge")),
        "{error:?}"
    );
    assert!(bench.mutations().is_empty());
}

#[tokio::test]
async fn a_driver_failure_is_reported_as_soon_as_nova_shows_it() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    bench.nova.inject(Fault::DriverFailure {
        step: DriverStep::FinishMigration,
        kind: FailureKind::Error,
    });
    let error = error(bench.run("resize", Execute, &resize(&id, "m1.small")).await);
    let message = problem(&error);
    assert!(
        message.contains("ERROR") && message.contains("injected driver failure"),
        "{message}"
    );
    assert_eq!(bench.server(&id).status, "ERROR");
    let confirms = bench
        .mutations()
        .iter()
        .filter(|m| m.contains("confirmResize"))
        .count();
    assert_eq!(confirms, 0, "nothing confirmed after the failure");
}

#[tokio::test]
async fn abort_reverts_a_resize_that_awaits_confirmation() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    assert_eq!(
        bench
            .nova_action(&id, json!({"resize": {"flavorRef": "2"}}))
            .await,
        202
    );
    let cloud = &bench.cloud;
    for _ in 0..500 {
        if cloud.server(&id).status == "VERIFY_RESIZE" && cloud.server(&id).task_state.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let executed = details(bench.run("resize", Abort, &resize(&id, "m1.small")).await);
    assert_eq!(executed["how"], "revertResize");
    let server = bench.server(&id);
    assert_eq!(
        (
            server.flavor_id.as_str(),
            server.status.as_str(),
            server.host.as_str()
        ),
        ("1", "ACTIVE", "compute1")
    );
}
