//! Short outages of nova-api behind its load balancer, through a faulting proxy: every one is
//! ridden out, and Nova accepts exactly one `migrate` and one `confirmResize`.

use crate::harness::*;
use nova_double::Timings;
use serde_json::Value;
use std::time::Duration;
use test_support::{FaultyProxy, Rule};
use wasm_action_host::Phase;

/// The bench's call goes through a proxy in front of the Nova double.
async fn behind_a_proxy() -> (Bench, FaultyProxy) {
    let mut timings = Timings::fast();
    // Long enough for an outage to begin while Nova resizes.
    timings.resize_migrate = Duration::from_millis(600);
    let mut cloud = Bench::with_timings(timings).await;
    let proxy = FaultyProxy::start(cloud.nova.addr()).await;
    cloud.call.compute_endpoint = proxy.endpoint_for(&cloud.nova.endpoint());
    (cloud, proxy)
}

/// Returns once Nova itself has received the server's `migrate`.
async fn migrate_reached_nova(cloud: &Bench, id: &str) {
    while !cloud.actions_posted(id).iter().any(|a| a == "migrate") {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Runs a cold migration to compute2 while `fault` happens, and checks what Nova shows:
/// the server ACTIVE on compute2, one `migrate` and one `confirmResize` received, the
/// migration confirmed. Returns the outcome's details.
async fn cold_migration_during(
    cloud: &Bench,
    id: &str,
    fault: impl std::future::Future<Output = ()>,
) -> Value {
    let params = cold(id, "compute1", Some("compute2"));
    let (result, ()) = tokio::join!(cloud.run(Phase::Execute, &params), fault);
    let details = details(result);
    cloud.assert_active_on(id, "compute2");
    assert_eq!(
        cloud.actions_posted(id),
        vec!["migrate", "confirmResize"],
        "exactly one of each reached Nova"
    );
    let migrations = cloud.migrations_of(id);
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    assert_eq!(migrations[0].status, "confirmed");
    details
}

#[tokio::test]
async fn a_503_window_with_an_html_body_during_a_cold_migration_is_ridden_out() {
    let (cloud, proxy) = behind_a_proxy().await;
    let id = cloud.active_on("compute1");
    let details = cold_migration_during(&cloud, &id, async {
        migrate_reached_nova(&cloud, &id).await;
        proxy.unavailable_for(Duration::from_millis(2500), Rule::any());
    })
    .await;
    let retries = details["http_retries"].as_u64().unwrap_or_default();
    assert!(retries > 0, "the host counted its retries: {details}");
    let faults = proxy.faults_applied();
    assert!(!faults.is_empty(), "the outage happened");
}

#[tokio::test]
async fn a_window_of_refused_connections_is_ridden_out() {
    let (cloud, proxy) = behind_a_proxy().await;
    let id = cloud.active_on("compute1");
    let details = cold_migration_during(&cloud, &id, async {
        migrate_reached_nova(&cloud, &id).await;
        proxy.refuse_for(Duration::from_millis(1500)).await;
    })
    .await;
    assert!(details["http_retries"].as_u64() > Some(0), "{details}");
}

#[tokio::test]
async fn a_migrate_reset_before_it_reached_nova_is_sent_again() {
    let (cloud, proxy) = behind_a_proxy().await;
    let id = cloud.active_on("compute1");
    proxy.reset_after_request(1, Rule::request("POST", "/action"));
    cold_migration_during(&cloud, &id, async {}).await;
    assert_eq!(proxy.faults_applied().len(), 1);
}

#[tokio::test]
async fn a_lost_migrate_answer_is_not_sent_again_when_nova_took_it() {
    let (cloud, proxy) = behind_a_proxy().await;
    let id = cloud.active_on("compute1");
    proxy.lose_answer(1, Rule::request("POST", "/action"));
    cold_migration_during(&cloud, &id, async {}).await;
    assert_eq!(proxy.faults_applied().len(), 1);
}

#[tokio::test]
async fn a_lost_confirm_answer_neither_fails_the_migration_nor_leaves_it_unconfirmed() {
    let (cloud, proxy) = behind_a_proxy().await;
    let id = cloud.active_on("compute1");
    cold_migration_during(&cloud, &id, async {
        migrate_reached_nova(&cloud, &id).await;
        // The next action posted is the confirmation: Nova takes it, the answer is lost.
        proxy.lose_answer(1, Rule::request("POST", "/action"));
    })
    .await;
    let faults = proxy.faults_applied();
    assert_eq!(faults.len(), 1, "{faults:?}");
}

#[tokio::test]
async fn a_confirm_answered_503_by_the_gateway_is_sent_again_once_nova_shows_it_missing() {
    let (cloud, proxy) = behind_a_proxy().await;
    let id = cloud.active_on("compute1");
    cold_migration_during(&cloud, &id, async {
        migrate_reached_nova(&cloud, &id).await;
        proxy.unavailable_for(
            Duration::from_millis(1500),
            Rule::request("POST", "/action"),
        );
    })
    .await;
}

#[tokio::test]
async fn the_twin_through_the_proxy_without_a_fault_needs_no_retry() {
    let (cloud, proxy) = behind_a_proxy().await;
    let id = cloud.active_on("compute1");
    let details = cold_migration_during(&cloud, &id, async {}).await;
    assert!(details.get("http_retries").is_none(), "{details}");
    assert!(proxy.faults_applied().is_empty());
}
