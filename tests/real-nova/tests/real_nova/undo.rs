//! Revert and abort against real Nova.

use crate::nova::*;
use crate::real_nova;
use serde_json::json;
use std::time::Duration;
use wasm_action_host::Phase;

#[tokio::test]
async fn revert_after_cold_migration_migrates_back_to_the_source() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    let params = cold(&id, "compute1", Some("compute2"));
    details(cloud.run(Phase::Execute, &params).await);
    let details = details(cloud.run(Phase::Revert, &params).await);
    assert_eq!(details["how"], "migrated back");
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute1".into(), "ACTIVE".into())
    );
    let migrations = cloud.migrations_of(&id).await;
    assert_eq!(migrations.len(), 2, "{migrations:?}");
    assert_eq!(migrations[0]["dest_compute"], "compute1");
    assert_eq!(migrations[0]["status"], "confirmed");
}

#[tokio::test]
async fn abort_in_verify_resize_reverts_to_the_source() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    let answer = cloud
        .action(&id, json!({"migrate": {"host": "compute3"}}))
        .await;
    assert_eq!(answer.status, 202, "{answer:?}");
    cloud
        .wait_for_status(&id, "VERIFY_RESIZE", Duration::from_secs(60))
        .await;
    let details = details(
        cloud
            .run(Phase::Abort, &cold(&id, "compute1", Some("compute3")))
            .await,
    );
    assert_eq!(details["how"], "revertResize");
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute1".into(), "ACTIVE".into())
    );
    assert_eq!(cloud.migrations_of(&id).await[0]["status"], "reverted");
}
