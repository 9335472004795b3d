//! Short outages of real nova-api behind a load balancer (a faulting proxy in front of it):
//! the migration finishes, and Nova's own instance actions show exactly one `migrate` and one
//! `confirmResize`.

use crate::nova::*;
use crate::real_nova;
use serde_json::Value;
use std::time::Duration;
use test_support::{FaultyProxy, Rule};
use wasm_action_host::Phase;

/// Returns once real Nova shows the server's cold migration under way.
async fn migration_under_way(cloud: &RealBench, id: &str) {
    loop {
        let server = cloud.server(id).await;
        if server["OS-EXT-STS:task_state"].is_string() || server["status"] != "ACTIVE" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What Nova shows after a cold migration to compute3 that went through `proxy`.
async fn assert_moved_once(cloud: &RealBench, id: &str) {
    let after = cloud.server(id).await;
    assert_eq!(placement(&after), ("compute3".into(), "ACTIVE".into()));
    let migrations = cloud.migrations_of(id).await;
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    assert_eq!(migrations[0]["status"], "confirmed");
    let actions = cloud.instance_actions(id).await;
    let moves: Vec<&str> = actions
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "create")
        .collect();
    assert_eq!(moves, vec!["migrate", "confirmResize"], "Nova's own record");
}

/// A cold migration to compute3 through `proxy` while `fault` happens, checked as Nova shows
/// it afterwards ([`assert_moved_once`]); the outcome's details.
async fn cold_migration_through(
    cloud: &RealBench,
    proxy: &FaultyProxy,
    id: &str,
    fault: impl std::future::Future<Output = ()>,
) -> Value {
    let endpoint = proxy.endpoint_for(&cloud.nova.endpoint);
    let params = cold(id, "compute1", Some("compute3"));
    let (result, ()) = tokio::join!(cloud.run_through(&endpoint, Phase::Execute, &params), fault);
    let details = details(result);
    assert_moved_once(cloud, id).await;
    details
}

#[tokio::test]
async fn a_503_window_during_a_cold_migration_on_real_nova_is_ridden_out() {
    let Some(cloud) = real_nova() else { return };
    let proxy = FaultyProxy::start(cloud.addr()).await;
    let id = cloud.nova.server_on("compute1");
    let details = cold_migration_through(&cloud, &proxy, &id, async {
        migration_under_way(&cloud, &id).await;
        proxy.unavailable_for(Duration::from_millis(2500), Rule::any());
    })
    .await;
    assert!(details["http_retries"].as_u64() > Some(0), "{details}");
    assert!(!proxy.faults_applied().is_empty());
}

#[tokio::test]
async fn a_lost_confirm_answer_on_real_nova_neither_fails_nor_leaves_the_resize_unconfirmed() {
    let Some(cloud) = real_nova() else { return };
    let proxy = FaultyProxy::start(cloud.addr()).await;
    let id = cloud.nova.server_on("compute1");
    cold_migration_through(&cloud, &proxy, &id, async {
        // The migrate's answer is back by now (Nova takes over a second to resize): the next
        // action posted is the confirmation.
        migration_under_way(&cloud, &id).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        proxy.lose_answer(1, Rule::request("POST", "/action"));
    })
    .await;
    let faults = proxy.faults_applied();
    assert_eq!(
        faults.len(),
        1,
        "the confirmation's answer was lost: {faults:?}"
    );
}
