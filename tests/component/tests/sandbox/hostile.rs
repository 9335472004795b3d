//! One test per hostile plugin: stopped with the right error, and the host keeps serving.

use crate::bench::*;
use serde_json::json;
use wasm_action_host::{ActionError, HostError, Limit, Phase, PhaseOutput, Runtime};

/// Like wasmtime's `assert_test_exists`: every built test plugin has a test in this file or in
/// `privilege.rs` whose name starts with the plugin's name (`memory-bomb` → `fn memory_bomb_...`).
#[test]
fn every_hostile_plugin_has_a_test() {
    let source = [include_str!("hostile.rs"), include_str!("privilege.rs")].concat();
    for (name, _) in test_plugins::ALL {
        let test = format!("fn {}_", name.replace('-', "_"));
        assert!(
            source.contains(&test),
            "the test plugin '{name}' has no test (`{test}...`)"
        );
    }
}

#[tokio::test]
async fn spin_is_stopped_by_the_cpu_limit() {
    let scene = Scene::new().await;
    let error = scene
        .run("spin", Phase::Execute, json!({}))
        .await
        .expect_err("a spinning plugin cannot answer");
    let HostError::LimitExceeded { limit, plugin, .. } = &error else {
        panic!("expected a limit, got {error:?}")
    };
    assert_eq!(
        (*limit, plugin.as_str()),
        (Limit::Cpu(LIMITS.cpu_fuel), "spin")
    );
    assert!(error.to_string().contains("CPU limit"), "{error}");
    scene.normal_call_succeeds().await;
}

#[tokio::test]
async fn memory_bomb_is_stopped_by_the_memory_limit() {
    let scene = Scene::new().await;
    let error = scene
        .run("memory-bomb", Phase::Execute, json!({}))
        .await
        .expect_err("the bomb cannot answer");
    let HostError::LimitExceeded { limit, .. } = &error else {
        panic!("expected a limit, got {error:?}")
    };
    assert_eq!(*limit, Limit::Memory(LIMITS.memory_bytes));
    assert!(
        error.to_string().contains("memory limit (32 MiB)"),
        "{error}"
    );
    scene.normal_call_succeeds().await;
}

#[tokio::test]
async fn panic_is_a_trap_that_carries_the_panic_message() {
    let scene = Scene::new().await;
    let error = scene
        .run("panic", Phase::Execute, json!({}))
        .await
        .expect_err("a panic cannot answer");
    let HostError::Trap { said, phase, .. } = &error else {
        panic!("expected a trap, got {error:?}")
    };
    assert_eq!(*phase, Phase::Execute);
    assert!(said.contains("hostile plugin: deliberate panic"), "{said}");
    let message = wasm_action_host::chain(&error);
    assert!(
        message.contains("crashed during execute") && message.contains("deliberate panic"),
        "{message}"
    );
    let source = std::error::Error::source(&error).expect("the trap is the source");
    assert!(source.to_string().contains("wasm"), "{source}");
    scene.normal_call_succeeds().await;
}

#[tokio::test]
async fn forbidden_host_is_refused_and_never_reached() {
    let scene = Scene::new().await;
    let elsewhere = Scene::new().await;
    let url = format!("{}/servers", elsewhere.nova.endpoint());
    let answer = scene
        .run("forbidden-host", Phase::Execute, json!({"url": url}))
        .await
        .expect("the plugin answers");
    let Err(ActionError::Denied(problem)) = answer else {
        panic!("expected denied, got {answer:?}")
    };
    assert_eq!(problem.message, "ErrorCode::HttpRequestDenied");
    assert!(
        elsewhere.nova.requests().is_empty(),
        "the forbidden host saw nothing"
    );
    let denials = scene.denials();
    assert_eq!(denials.len(), 1);
    assert!(
        denials[0]
            .0
            .contains(&elsewhere.nova.addr().port().to_string()),
        "{denials:?}"
    );
    assert!(
        denials[0].1.contains("not in the outbound allowlist"),
        "{denials:?}"
    );
    scene.normal_call_succeeds().await;
}

#[tokio::test]
async fn the_compute_endpoint_twin_of_forbidden_host_is_reached() {
    let scene = Scene::new().await;
    let url = format!("{}/servers/{}", scene.nova.endpoint(), scene.server);
    let answer = scene
        .run("forbidden-host", Phase::Execute, json!({"url": url}))
        .await
        .expect("the plugin answers");
    let Ok(PhaseOutput::Outcome(outcome)) = answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert_eq!(outcome.summary, format!("reached {url} with status 200"));
    assert!(scene.denials().is_empty());
}

#[tokio::test]
async fn forged_auth_header_is_refused_not_stripped() {
    let scene = Scene::new().await;
    let answer = scene
        .run("forged-auth", Phase::Execute, json!({}))
        .await
        .expect("the plugin answers");
    let Err(ActionError::Denied(problem)) = answer else {
        panic!("expected denied, got {answer:?}")
    };
    assert_eq!(problem.message, "ErrorCode::HttpRequestDenied");
    assert!(
        scene.nova.requests().is_empty(),
        "the forged request never left the host"
    );
    assert!(
        scene.denials()[0].1.contains("x-auth-token"),
        "{:?}",
        scene.denials()
    );
    scene.normal_call_succeeds().await;
}

#[tokio::test]
async fn well_behaved_twin_of_forged_auth_gets_the_host_token() {
    let scene = Scene::new().await;
    scene.normal_call_succeeds().await;
    let requests = scene.nova.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("x-auth-token"), Some(ADMIN));
}

#[tokio::test]
async fn huge_response_is_stopped_by_the_response_body_limit() {
    let scene = Scene::new().await;
    for (framing, endpoint) in [
        ("announced", huge_server(true).await),
        ("streamed", huge_server(false).await),
    ] {
        let mut call = scene.call.clone();
        call.compute_endpoint = endpoint;
        let (runtime, plugins) = bench();
        let error = runtime
            .call(&plugins["huge-response"], &call, Phase::Execute, "{}")
            .await
            .expect_err(framing);
        let HostError::LimitExceeded { limit, .. } = &error else {
            panic!("{framing}: expected a limit, got {error:?}")
        };
        assert_eq!(
            *limit,
            Limit::ResponseBody(LIMITS.response_body_bytes),
            "{framing}"
        );
    }
    scene.normal_call_succeeds().await;
}

#[tokio::test]
async fn a_response_under_the_body_limit_is_read_whole() {
    let scene = Scene::new().await;
    let answer = scene
        .run(
            "huge-response",
            Phase::Execute,
            json!({"path": format!("/servers/{}", scene.server)}),
        )
        .await;
    let Ok(Ok(PhaseOutput::Outcome(outcome))) = answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert!(outcome.summary.starts_with("read "), "{}", outcome.summary);
}

#[tokio::test]
async fn wrong_contract_version_is_refused_at_load() {
    let runtime = Runtime::new().expect("the engine starts");
    let error = runtime
        .load("wrong-contract", test_plugins::WRONG_CONTRACT)
        .expect_err("must be refused");
    let HostError::Load { problem, .. } = &error else {
        panic!("expected a load error, got {error:?}")
    };
    assert_eq!(*problem, wasm_action_host::LoadProblem::Contract);
    let message = wasm_action_host::chain(&error);
    assert!(message.contains("openstack:actions@0.2.0"), "{message}");
    assert!(
        message.contains("it exports openstack:actions/action@0.9.0"),
        "{message}"
    );
    assert!(
        runtime
            .load("well-behaved", test_plugins::WELL_BEHAVED)
            .is_ok(),
        "the right contract loads"
    );
}

#[tokio::test]
async fn snoop_finds_no_environment_arguments_files_or_sockets() {
    let scene = Scene::new().await;
    // A listener that is really there: the plugin still may not reach it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let addr = listener.local_addr().expect("addr").to_string();
    let answer = scene
        .run("snoop", Phase::Execute, json!({"addr": addr}))
        .await
        .expect("the plugin answers");
    let Ok(PhaseOutput::Outcome(outcome)) = answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    let found: serde_json::Value = serde_json::from_str(&outcome.details).expect("JSON details");
    assert_eq!(found["env"], json!([]), "no environment");
    assert_eq!(found["args"], json!([]), "no arguments");
    for probe in ["read_root", "read_file", "write_file", "tcp", "dns"] {
        let result = found[probe].as_str().unwrap_or_default();
        assert!(
            result.starts_with("error: "),
            "{probe} must fail, got {result:?}"
        );
    }
    assert!(
        listener.accept().is_err(),
        "nothing connected to the listener"
    );
    scene.normal_call_succeeds().await;
}

/// A server that answers every request with 8 MiB, with a Content-Length or chunked.
async fn huge_server(announced: bool) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let chunk = vec![b'x'; 64 * 1024];
                let head = if announced {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
                        128 * chunk.len()
                    )
                } else {
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".to_string()
                };
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                for _ in 0..128 {
                    let written = if announced {
                        socket.write_all(&chunk).await
                    } else {
                        let framed = [
                            format!("{:x}\r\n", chunk.len()).into_bytes(),
                            chunk.clone(),
                            b"\r\n".to_vec(),
                        ]
                        .concat();
                        socket.write_all(&framed).await
                    };
                    if written.is_err() {
                        return;
                    }
                }
                if !announced {
                    let _ = socket.write_all(b"0\r\n\r\n").await;
                }
            });
        }
    });
    format!("http://{addr}/v2.1")
}

/// The value of `name{labels}` in a runtime's metrics.
fn sample(runtime: &Runtime, name: &str, labels: &str) -> Option<f64> {
    let wanted = format!("{name}{{{labels}}} ");
    runtime
        .metrics()
        .encode()
        .lines()
        .find_map(|line| line.strip_prefix(&wanted).map(str::to_owned))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test]
async fn memory_bomb_and_forbidden_host_are_counted_in_the_runtime_s_metrics() {
    // A runtime of its own, so that no other test's calls are counted.
    let settings = wasm_action_host::Settings {
        limits: LIMITS,
        ..wasm_action_host::Settings::default()
    };
    let runtime = Runtime::with_settings(settings).expect("engine");
    let load = |name: &str| {
        let wasm = test_plugins::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, wasm)| *wasm)
            .expect("built");
        runtime.load(name, wasm).expect("loads")
    };
    let (bomb, forbidden) = (load("memory-bomb"), load("forbidden-host"));
    let scene = Scene::new().await;
    let elsewhere = Scene::new().await;
    let url = format!("{}/servers", elsewhere.nova.endpoint());
    for _ in 0..2 {
        let refused = runtime
            .call(
                &forbidden,
                &scene.call,
                Phase::Execute,
                &json!({"url": url}).to_string(),
            )
            .await;
        assert!(
            matches!(refused, Ok(Err(ActionError::Denied(_)))),
            "{refused:?}"
        );
    }
    let stopped = runtime.call(&bomb, &scene.call, Phase::Execute, "{}").await;
    assert!(
        matches!(stopped, Err(HostError::LimitExceeded { .. })),
        "{stopped:?}"
    );
    assert_eq!(
        sample(
            &runtime,
            "wasm_action_requests_refused_total",
            r#"plugin="forbidden-host""#
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &runtime,
            "wasm_action_limits_hit_total",
            r#"plugin="memory-bomb",limit="memory""#
        ),
        Some(1.0)
    );
    let phases = r#"plugin="memory-bomb",phase="execute",outcome="limit-exceeded""#;
    assert_eq!(
        sample(&runtime, "wasm_action_phase_duration_seconds_count", phases),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &runtime,
            "wasm_action_phase_duration_seconds_count",
            r#"plugin="forbidden-host",phase="execute",outcome="denied""#
        ),
        Some(2.0)
    );
    assert!(elsewhere.nova.requests().is_empty());
}
