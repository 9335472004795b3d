//! Nova's default policy: migrating to a named host is admin-only.

use crate::nova::*;
use crate::real_nova;
use serde_json::json;
use wasm_action_host::{ActionError, Phase};

#[tokio::test]
async fn non_admin_token_is_denied_and_nothing_moves() {
    let Some(cloud) = real_nova() else { return };
    let id = cloud.nova.server_on("compute1");
    let error = error(
        cloud
            .run_as(
                cloud.nova.demo_token(),
                Phase::Execute,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    // The action stops at its first read: Nova hides OS-EXT-SRV-ATTR:host from non-admins.
    let ActionError::Denied(problem) = error else {
        panic!("expected denied, got {error:?}")
    };
    assert!(problem.message.contains("admin"), "{problem:?}");
    // And Nova itself refuses the migrate that an action would send with this token.
    let path = format!("/v2.1/servers/{id}/action");
    let body = json!({"migrate": {"host": "compute2"}});
    let answer = cloud
        .request_as(cloud.nova.demo_token(), "POST", &path, Some(body))
        .await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(
        answer.body["forbidden"]["message"],
        "Policy doesn't allow os_compute_api:os-migrate-server:migrate:host to be performed."
    );
    assert_eq!(
        placement(&cloud.server(&id).await),
        ("compute1".into(), "ACTIVE".into())
    );
    assert!(cloud.migrations_of(&id).await.is_empty());
}
