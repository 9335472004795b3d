//! Cold migration through Nova's own `migrate` action with a target host.

use crate::harness::*;
use serde_json::json;
use wasm_action_host::{ActionError, Phase};

#[tokio::test]
async fn cold_migration_moves_active_server_to_named_host() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let before = cloud.server(&id);
    let details = details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    let after = cloud.server(&id);
    assert_eq!(after.host, "compute3");
    assert_eq!(after.status, "ACTIVE");
    assert_eq!(after.task_state, None);
    assert_eq!(
        (
            after.id.as_str(),
            after.tenant_id.as_str(),
            after.user_id.as_str()
        ),
        (
            before.id.as_str(),
            before.tenant_id.as_str(),
            before.user_id.as_str()
        )
    );
    let migrations = cloud.migrations_of(&id);
    assert_eq!(migrations.len(), 1);
    assert_eq!(migrations[0].migration_type, "migration");
    assert_eq!(migrations[0].status, "confirmed");
    assert_eq!(migrations[0].dest_compute.as_deref(), Some("compute3"));
    assert_eq!(details["destination"], "compute3");
}

#[tokio::test]
async fn cold_migration_of_shutoff_server_stays_shutoff() {
    let cloud = Bench::start().await;
    let id = cloud.shutoff_on("compute2");
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute2", Some("compute1")))
            .await,
    );
    let after = cloud.server(&id);
    assert_eq!(
        (
            after.host.as_str(),
            after.status.as_str(),
            after.power_state
        ),
        ("compute1", "SHUTOFF", 4)
    );
    assert_eq!(cloud.migrations_of(&id)[0].status, "confirmed");
}

#[tokio::test]
async fn every_request_carries_a_microversion_of_at_least_2_56() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    let requests = cloud.nova.requests();
    assert!(requests.len() > 3);
    for request in &requests {
        let version = request
            .header("openstack-api-version")
            .expect("a version header on every request");
        let minor: u32 = version
            .trim_start_matches("compute 2.")
            .parse()
            .expect("compute 2.N");
        assert!(
            minor >= 56,
            "{} {} sent {version}",
            request.method,
            request.path
        );
    }
    let migrate = requests
        .iter()
        .find(|r| r.body.contains("\"migrate\""))
        .expect("a migrate request");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&migrate.body).expect("JSON"),
        json!({"migrate": {"host": "compute2"}})
    );
}

#[tokio::test]
async fn cold_migration_without_destination_lets_the_scheduler_choose() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let details = details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", None))
            .await,
    );
    let after = cloud.server(&id);
    assert_ne!(after.host, "compute1");
    assert_eq!(after.status, "ACTIVE");
    assert_eq!(details["destination"], after.host.as_str());
    let migrate = cloud
        .nova
        .requests()
        .into_iter()
        .find(|r| r.body.contains("\"migrate\""))
        .expect("a migrate request");
    assert_eq!(migrate.body, r#"{"migrate":null}"#);
}

#[tokio::test]
async fn outcome_names_the_migration_and_counts_every_request() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let details = details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    let migration = &cloud.migrations_of(&id)[0];
    assert_eq!(details["migration_uuid"], migration.uuid.as_str());
    assert_eq!(details["migration_status"], "confirmed");
    assert_eq!(details["api_calls"], cloud.nova.requests().len());
    let request_id = details["request_id"]
        .as_str()
        .expect("the migrate request id");
    let actions = cloud.nova.instance_actions(&id);
    assert!(
        actions
            .iter()
            .any(|a| a.action == "migrate" && a.request_id == request_id)
    );
}

#[tokio::test]
async fn confirm_resize_is_sent_once_after_verify_resize() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    let bodies: Vec<String> = cloud
        .nova
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.body)
        .collect();
    assert_eq!(
        bodies,
        vec![
            r#"{"migrate":{"host":"compute3"}}"#.to_string(),
            r#"{"confirmResize":null}"#.to_string()
        ]
    );
}

#[tokio::test]
async fn cold_migration_to_unknown_host_is_not_found_and_leaves_server_alone() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
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
    let after = cloud.server(&id);
    assert_eq!(
        (after.host.as_str(), after.status.as_str()),
        ("compute1", "ACTIVE")
    );
    assert!(cloud.migrations_of(&id).is_empty());
}

#[tokio::test]
async fn cold_migration_of_unknown_server_is_not_found() {
    let cloud = Bench::start().await;
    let error = error(
        cloud
            .run(
                Phase::Execute,
                &cold(NO_SUCH_SERVER, "compute1", Some("compute2")),
            )
            .await,
    );
    assert!(matches!(error, ActionError::NotFound(_)), "{error:?}");
    assert!(
        cloud.nova.requests().iter().all(|r| r.method == "GET"),
        "nothing but reads was sent"
    );
    assert!(cloud.nova.migrations().is_empty());
}

#[tokio::test]
async fn cold_migration_of_server_not_on_source_is_refused_before_any_change() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute2");
    let error = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    assert!(matches!(error, ActionError::Conflict(_)), "{error:?}");
    assert_eq!(cloud.server(&id).host, "compute2");
    assert!(cloud.nova.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn second_migration_while_the_first_runs_is_a_conflict() {
    let mut timings = nova_double::Timings::fast();
    timings.resize_migrate = std::time::Duration::from_millis(600);
    let cloud = Bench::with_timings(timings).await;
    let id = cloud.active_on("compute1");
    assert_eq!(
        cloud
            .nova_action(&id, json!({"migrate": {"host": "compute2"}}))
            .await,
        202
    );
    cloud.until(&id, |s| s.status == "RESIZE").await;
    let error = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    let ActionError::Conflict(problem) = error else {
        panic!("expected conflict, got {error:?}")
    };
    assert!(problem.message.contains("RESIZE"), "{}", problem.message);
    let done = cloud.until(&id, |s| s.status == "VERIFY_RESIZE").await;
    assert_eq!(
        done.host, "compute2",
        "the first migration went on untouched"
    );
    assert_eq!(cloud.migrations_of(&id).len(), 1);
}

#[tokio::test]
async fn nova_409_keeps_status_message_and_request_id() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(nova_double::Fault::HttpStatus {
        method: Some("POST".into()),
        path_contains: "/action".into(),
        status: 409,
        count: 1,
    });
    let error = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    let ActionError::Conflict(problem) = error else {
        panic!("expected conflict, got {error:?}")
    };
    let api = problem.api.expect("Nova's answer is kept");
    assert_eq!(api.status, 409);
    assert!(!api.message.is_empty());
    assert!(api.request_id.is_some());
    assert_eq!(cloud.server(&id).host, "compute1");
}
