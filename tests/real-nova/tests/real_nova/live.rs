//! Live migration through `os-migrateLive`.

use crate::nova::*;
use crate::real_nova;
use wasm_action_host::Phase;

#[tokio::test]
async fn live_migration_moves_server_and_nova_records_it() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute2");
    let before = cloud.server(&id).await;
    let params = live(&id, "compute2", Some("compute1"));
    let details = details(cloud.run(Phase::Execute, &params).await);
    let after = cloud.server(&id).await;
    assert_eq!(placement(&after), ("compute1".into(), "ACTIVE".into()));
    for key in ["id", "tenant_id", "user_id"] {
        assert_eq!(after[key], before[key], "{key} is unchanged");
    }
    let migrations = cloud.migrations_of(&id).await;
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    assert_eq!(migrations[0]["migration_type"], "live-migration");
    assert_eq!(migrations[0]["status"], "completed");
    assert_eq!(migrations[0]["dest_compute"], "compute1");
    assert_eq!(details["migration_uuid"], migrations[0]["uuid"]);
    // Nova shows the server in place just before the record completes: the outcome waits for it.
    assert_eq!(details["migration_status"], "completed");
    let post = cloud.run(Phase::PostCondition, &params).await;
    assert!(post.is_ok(), "post-condition: {post:?}");
}
