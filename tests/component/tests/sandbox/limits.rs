//! Limits that are not about one hostile behaviour: the wall clock, and many calls at once.

use crate::bench::*;
use std::time::Duration;
use wasm_action_host::{HostError, Limit, Limits, Phase, Runtime, Settings};

#[tokio::test]
async fn a_call_past_its_wall_clock_is_stopped_even_with_cpu_to_spare() {
    let limits = Limits {
        cpu_fuel: u64::MAX / 2,
        grace: Duration::from_millis(200),
        ..LIMITS
    };
    let runtime = Runtime::with_settings(Settings {
        limits,
        max_concurrent_calls: 4,
        ..Settings::default()
    })
    .expect("engine");
    let spin = runtime.load("spin", test_plugins::SPIN).expect("loads");
    let scene = Scene::new().await;
    let mut call = scene.call.clone();
    call.deadline = Some(Duration::from_millis(100));
    let error = runtime
        .call(&spin, &call, Phase::Execute, "{}")
        .await
        .expect_err("stopped");
    let HostError::LimitExceeded { limit, .. } = &error else {
        panic!("expected a limit, got {error:?}")
    };
    assert_eq!(*limit, Limit::WallClock(Duration::from_millis(300)));
    let well = runtime
        .load("well-behaved", test_plugins::WELL_BEHAVED)
        .expect("loads");
    let params = serde_json::json!({"resource_id": scene.server}).to_string();
    assert!(matches!(
        runtime.call(&well, &call, Phase::Execute, &params).await,
        Ok(Ok(_))
    ));
}

#[tokio::test]
async fn a_limit_hit_by_one_call_leaves_concurrent_calls_alone() {
    let scene = std::sync::Arc::new(Scene::new().await);
    let mut calls = tokio::task::JoinSet::new();
    for bomb in [true, true, true, false, false, false, false, false] {
        let scene = scene.clone();
        calls.spawn(async move {
            let answer = match bomb {
                true => {
                    scene
                        .run("memory-bomb", Phase::Execute, serde_json::json!({}))
                        .await
                }
                false => {
                    scene
                        .run(
                            "well-behaved",
                            Phase::Execute,
                            serde_json::json!({"resource_id": scene.server}),
                        )
                        .await
                }
            };
            (bomb, answer)
        });
    }
    let answers = calls.join_all().await;
    for (bomb, answer) in &answers {
        match bomb {
            true => assert!(
                matches!(
                    answer,
                    Err(HostError::LimitExceeded {
                        limit: Limit::Memory(_),
                        ..
                    })
                ),
                "{answer:?}"
            ),
            false => assert!(matches!(answer, Ok(Ok(_))), "{answer:?}"),
        }
    }
    assert_eq!(answers.len(), 8);
}
