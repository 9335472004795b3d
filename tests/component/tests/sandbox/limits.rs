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
    let scene = Scene::new().await;
    let bombs = (0..3).map(|_| scene.run("memory-bomb", Phase::Execute, serde_json::json!({})));
    let normal = (0..5).map(|_| {
        scene.run(
            "well-behaved",
            Phase::Execute,
            serde_json::json!({"resource_id": scene.server}),
        )
    });
    let (bombs, normal) = tokio::join!(
        futures_join(bombs.collect()),
        futures_join(normal.collect())
    );
    assert!(
        bombs.iter().all(|r| matches!(
            r,
            Err(HostError::LimitExceeded {
                limit: Limit::Memory(_),
                ..
            })
        )),
        "{bombs:?}"
    );
    assert!(normal.iter().all(|r| matches!(r, Ok(Ok(_)))), "{normal:?}");
}

/// Runs futures concurrently on this task and collects their outputs in order.
async fn futures_join<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut handles = Vec::new();
    for future in futures {
        handles.push(Box::pin(future));
    }
    let mut outputs = Vec::new();
    // Poll all of them together: each yields at host calls and epoch ticks.
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (slot, result) in pending.iter_mut().zip(results.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(output) => {
                        *result = Some(output);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    for result in results {
        outputs.push(result.expect("every future finished"));
    }
    outputs
}
