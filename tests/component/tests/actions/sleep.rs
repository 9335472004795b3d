//! `sleep`: waits its duration on the host's clock.

use crate::harness::*;
use std::time::{Duration, Instant};
use wasm_action_host::ActionError;

#[tokio::test]
async fn sleeps_the_duration_given_and_sends_nothing() {
    let bench = Bench::start().await;
    let started = Instant::now();
    let details = details(bench.run("sleep", Execute, &json!({"duration": 0.3})).await);
    let took = started.elapsed();
    assert_eq!(details["duration_ms"], 300);
    assert!(took >= Duration::from_millis(300), "slept {took:?}");
    assert!(bench.nova.requests().is_empty());
}

#[tokio::test]
async fn a_duration_beyond_the_deadline_times_out_at_once() {
    let mut bench = Bench::start().await;
    bench.call.deadline = Some(Duration::from_secs(1));
    let started = Instant::now();
    let error = error(bench.run("sleep", Execute, &json!({"duration": 60})).await);
    assert!(matches!(error, ActionError::TimedOut(_)), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "it did not wait to find out"
    );
}

#[tokio::test]
async fn a_negative_or_textual_duration_is_invalid() {
    let bench = Bench::start().await;
    for duration in [json!(-1), json!("5")] {
        assert_eq!(
            invalid_paths(
                bench
                    .run("sleep", Validate, &json!({"duration": duration}))
                    .await
            ),
            ["duration"]
        );
    }
    details(bench.run("sleep", Abort, &json!({"duration": 5})).await);
}
