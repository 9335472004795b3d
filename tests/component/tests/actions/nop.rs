//! `nop`: logs its message; its flags skip or fail a phase, as Watcher's own.

use crate::harness::*;
use wasm_action_host::ActionError;

#[tokio::test]
async fn logs_and_succeeds_without_a_request() {
    let bench = Bench::start().await;
    let params = json!({"message": "hello"});
    proceeds(bench.run("nop", PreCondition, &params).await);
    assert_eq!(
        details(bench.run("nop", Execute, &params).await)["message"],
        "hello"
    );
    done(bench.run("nop", PostCondition, &params).await);
    details(bench.run("nop", Revert, &params).await);
    details(bench.run("nop", Abort, &params).await);
    assert!(bench.nova.requests().is_empty());
}

#[tokio::test]
async fn the_flags_skip_and_fail_the_phases_they_name() {
    let bench = Bench::start().await;
    let reason = skipped(
        bench
            .run(
                "nop",
                PreCondition,
                &json!({"message": null, "skip_pre_condition": true}),
            )
            .await,
    );
    assert!(reason.contains("skip_pre_condition"));
    for (flag, phase) in [
        ("fail_pre_condition", PreCondition),
        ("fail_execute", Execute),
        ("fail_post_condition", PostCondition),
    ] {
        let params = json!({"message": "m", flag: true});
        let error = error(bench.run("nop", phase, &params).await);
        assert!(
            matches!(&error, ActionError::Conflict(p) if p.message.contains(flag)),
            "{flag}: {error:?}"
        );
    }
}

#[tokio::test]
async fn message_is_required_and_flags_are_booleans() {
    let bench = Bench::start().await;
    assert_eq!(
        invalid_paths(bench.run("nop", Validate, &json!({})).await),
        ["message"]
    );
    let paths = invalid_paths(
        bench
            .run(
                "nop",
                Validate,
                &json!({"message": "m", "fail_execute": "yes", "extra": 1}),
            )
            .await,
    );
    assert_eq!(paths, ["extra", "fail_execute"]);
}
