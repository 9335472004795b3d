//! Revert: back to `source_node`, the fastest correct way.

use crate::harness::*;
use serde_json::json;
use wasm_action_host::Phase;

#[tokio::test]
async fn revert_after_cold_migration_migrates_back_to_the_source() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let params = cold(&id, "compute1", Some("compute3"));
    details(cloud.run(Phase::Execute, &params).await);
    let details = details(cloud.run(Phase::Revert, &params).await);
    assert_eq!(details["how"], "migrated back");
    let after = cloud.server(&id);
    assert_eq!(
        (after.host.as_str(), after.status.as_str()),
        ("compute1", "ACTIVE")
    );
    let migrations = cloud.migrations_of(&id);
    assert_eq!(migrations.len(), 2);
    assert_eq!(migrations[0].dest_compute.as_deref(), Some("compute1"));
    assert_eq!(migrations[0].status, "confirmed");
}

#[tokio::test]
async fn revert_after_live_migration_live_migrates_back() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let params = live(&id, "compute1", Some("compute2"));
    details(cloud.run(Phase::Execute, &params).await);
    details(cloud.run(Phase::Revert, &params).await);
    assert_eq!(cloud.server(&id).host, "compute1");
    let migrations = cloud.migrations_of(&id);
    assert_eq!(migrations[0].migration_type, "live-migration");
    assert_eq!(migrations[0].dest_compute.as_deref(), Some("compute1"));
}

#[tokio::test]
async fn revert_in_verify_resize_uses_revert_resize() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    assert_eq!(
        cloud
            .nova_action(&id, json!({"migrate": {"host": "compute2"}}))
            .await,
        202
    );
    cloud.until(&id, |s| s.status == "VERIFY_RESIZE").await;
    cloud.nova.clear_requests();
    let details = details(
        cloud
            .run(Phase::Revert, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(details["how"], "revertResize");
    let after = cloud.server(&id);
    assert_eq!(
        (after.host.as_str(), after.status.as_str()),
        ("compute1", "ACTIVE")
    );
    assert_eq!(cloud.migrations_of(&id)[0].status, "reverted");
    let posts: Vec<String> = cloud
        .nova
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.body)
        .collect();
    assert_eq!(posts, vec![r#"{"revertResize":null}"#.to_string()]);
}

#[tokio::test]
async fn revert_when_already_on_the_source_changes_nothing() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let details = details(
        cloud
            .run(Phase::Revert, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(details["how"], "nothing to do");
    assert!(cloud.nova.requests().iter().all(|r| r.method == "GET"));
    assert!(cloud.nova.migrations().is_empty());
}
