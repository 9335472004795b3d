//! `shelve`: offloaded as Nova does at once; revert unshelves.

use crate::harness::*;
use nova_double::{DriverStep, FailureKind};
use wasm_action_host::ActionError;

#[tokio::test]
async fn shelves_then_revert_unshelves() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute2");
    let params = json!({ "resource_id": id });
    proceeds(bench.run("shelve", PreCondition, &params).await);
    let executed = details(bench.run("shelve", Execute, &params).await);
    assert_eq!(executed["status"], "SHELVED_OFFLOADED");
    let server = bench.server(&id);
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("SHELVED_OFFLOADED", "")
    );
    done(bench.run("shelve", PostCondition, &params).await);
    let reason = skipped(bench.run("shelve", PreCondition, &params).await);
    assert!(reason.contains("already shelved"), "{reason}");
    let reverted = details(bench.run("shelve", Revert, &params).await);
    assert_eq!(reverted["how"], "unshelve");
    let server = bench.server(&id);
    assert_eq!(server.status, "ACTIVE");
    assert!(!server.host.is_empty(), "back on a host");
}

#[tokio::test]
async fn a_failed_snapshot_is_reported_as_soon_as_the_server_is_back() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    bench.nova.inject(Fault::DriverFailure {
        step: DriverStep::Snapshot,
        kind: FailureKind::Error,
    });
    let error = error(
        bench
            .run("shelve", Execute, &json!({ "resource_id": id }))
            .await,
    );
    assert!(
        matches!(&error, ActionError::Conflict(p) if p.message.contains("ACTIVE")),
        "{error:?}"
    );
    let server = bench.server(&id);
    assert_eq!(
        (server.status.as_str(), server.host.as_str()),
        ("ACTIVE", "compute1")
    );
}

#[tokio::test]
async fn abort_says_a_shelve_cannot_be_stopped() {
    let bench = Bench::start().await;
    let id = bench.active_on("compute1");
    let error = error(
        bench
            .run("shelve", Abort, &json!({ "resource_id": id }))
            .await,
    );
    assert!(matches!(error, ActionError::Unsupported(_)), "{error:?}");
    assert!(bench.mutations().is_empty());
}
