//! Cold migration to a named host, and the destinations Nova refuses up front.

use crate::nova::*;
use crate::real_nova;
use serde_json::json;
use wasm_action_host::{ActionError, Phase};

#[tokio::test]
async fn cold_migration_moves_active_server_to_named_host() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    let before = cloud.server(&id).await;
    let params = cold(&id, "compute1", Some("compute3"));
    let details = details(cloud.run(Phase::Execute, &params).await);
    assert_eq!(details["destination"], "compute3");
    let after = cloud.server(&id).await;
    assert_eq!(placement(&after), ("compute3".into(), "ACTIVE".into()));
    assert_eq!(after["OS-EXT-STS:task_state"], serde_json::Value::Null);
    for key in ["id", "tenant_id", "user_id"] {
        assert_eq!(after[key], before[key], "{key} is unchanged");
    }
    let migrations = cloud.migrations_of(&id).await;
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    assert_eq!(migrations[0]["migration_type"], "migration");
    assert_eq!(migrations[0]["status"], "confirmed");
    assert_eq!(migrations[0]["source_compute"], "compute1");
    assert_eq!(migrations[0]["dest_compute"], "compute3");
    assert_eq!(details["migration_uuid"], migrations[0]["uuid"]);
    let post = cloud.run(Phase::PostCondition, &params).await;
    assert!(post.is_ok(), "post-condition: {post:?}");
}

#[tokio::test]
async fn cold_migration_of_shutoff_server_stays_shutoff() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute2");
    cloud.stop(&id).await;
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute2", Some("compute1")))
            .await,
    );
    let after = cloud.server(&id).await;
    assert_eq!(placement(&after), ("compute1".into(), "SHUTOFF".into()));
    assert_eq!(after["OS-EXT-STS:power_state"], 4);
    let migrations = cloud.migrations_of(&id).await;
    assert_eq!(migrations[0]["migration_type"], "migration");
    assert_eq!(migrations[0]["status"], "confirmed");
}

#[tokio::test]
async fn same_host_is_refused_by_validation_and_by_nova() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    // Ours: source == destination is bad input; nothing reaches Nova.
    let ours = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute1")))
            .await,
    );
    assert!(matches!(ours, ActionError::InvalidInput(_)), "{ours:?}");
    // A wrong source_node that names another host, with the server's real host as destination:
    // the action sees the server is not on the source and refuses before any POST.
    let wrong_source = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute2", Some("compute1")))
            .await,
    );
    assert!(
        matches!(wrong_source, ActionError::Conflict(_)),
        "{wrong_source:?}"
    );
    // Nova's own answer to the same-host migrate that would otherwise have been sent.
    let answer = cloud
        .action(&id, json!({"migrate": {"host": "compute1"}}))
        .await;
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(
        answer.body["badRequest"]["message"],
        "Cannot migrate to the host where the server exists."
    );
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute1".into(), "ACTIVE".into())
    );
    assert!(cloud.migrations_of(&id).await.is_empty());
}

#[tokio::test]
async fn cold_migration_to_unknown_host_is_not_found_and_leaves_server_alone() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    let error = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("no-such-host")))
            .await,
    );
    let ActionError::NotFound(problem) = error else {
        panic!("expected not-found, got {error:?}")
    };
    let api = problem.api.expect("Nova's answer is kept");
    assert_eq!(api.status, 400);
    assert_eq!(api.message, "Compute host no-such-host could not be found.");
    assert!(api.request_id.is_some_and(|r| r.starts_with("req-")));
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute1".into(), "ACTIVE".into())
    );
    assert!(cloud.migrations_of(&id).await.is_empty());
}

#[tokio::test]
async fn pre_condition_refuses_a_disabled_destination_as_a_conflict() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    cloud.disable_compute("compute3").await;
    let error = error(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute3")),
            )
            .await,
    );
    let ActionError::Conflict(problem) = error else {
        panic!("expected conflict, got {error:?}")
    };
    assert!(problem.message.contains("disabled"), "{problem:?}");
    assert!(cloud.migrations_of(&id).await.is_empty());
}
