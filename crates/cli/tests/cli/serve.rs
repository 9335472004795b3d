//! `wasm-action serve`: submit, poll, cancel, and a draining shutdown.

use crate::bench::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::time::Duration;

async fn call(base: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let body = body.map(|b| b.to_string());
    let (status, bytes) =
        nova_double::client::request(method, &format!("{base}{path}"), &[], body.as_deref())
            .await
            .expect("the service answers");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn until_state(base: &str, id: &str, wanted: &str) -> Value {
    for _ in 0..1000 {
        let (_, job) = call(base, "GET", &format!("/v1/plans/{id}"), None).await;
        if job["state"] == wanted {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never reached {wanted}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_submitted_actions_and_plans_and_cancels_on_request() {
    let timings = nova_double::Timings {
        live_copy: Duration::from_secs(5),
        ..nova_double::Timings::fast()
    };
    let cloud = Cli::with_timings(timings).await;
    let (cold_server, live_server) = (cloud.active_on("compute1"), cloud.active_on("compute1"));
    let mut command = cloud.command(
        &["serve", "--listen", "127.0.0.1:0", "--os-cloud", "admin"],
        &[],
    );
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let ready = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("ready line");
        line
    })
    .await
    .expect("join");
    let base = serde_json::from_str::<Value>(&ready).expect("JSON ready line")["listening"]
        .as_str()
        .expect("address")
        .to_string();

    let cold = json!({"action_type": "migrate", "input_parameters": {"resource_id": cold_server, "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}});
    let (status, job) = call(&base, "POST", "/v1/actions", Some(cold)).await;
    assert_eq!(status, 202, "{job}");
    let done = until_state(&base, job["id"].as_str().expect("id"), "SUCCEEDED").await;
    assert_eq!(done["report"]["actions"][0]["state"], "SUCCEEDED");
    assert_eq!(
        cloud.nova.server(&cold_server).expect("server").host,
        "compute2"
    );

    let live = json!({"actions": [{"uuid": "l1", "action_type": "migrate", "input_parameters": {"resource_id": live_server, "migration_type": "live", "source_node": "compute1", "destination_node": "compute3"}}]});
    let (status, job) = call(&base, "POST", "/v1/plans", Some(live)).await;
    assert_eq!(status, 202, "{job}");
    let id = job["id"].as_str().expect("id").to_string();
    for _ in 0..500 {
        if cloud
            .nova
            .migrations()
            .iter()
            .any(|m| m.instance_uuid == live_server && m.status == "running")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, _) = call(&base, "POST", &format!("/v1/plans/{id}/cancel"), None).await;
    assert_eq!(status, 202);
    let cancelled = until_state(&base, &id, "CANCELLED").await;
    assert_eq!(cancelled["actions"]["l1"], "CANCELLED");
    assert_eq!(
        cloud.nova.server(&live_server).expect("server").host,
        "compute1",
        "the live migration was aborted"
    );

    let (status, problems) = call(
        &base,
        "POST",
        "/v1/plans",
        Some(json!({"actions": [{"uuid": "x", "action_type": "teleport"}]})),
    )
    .await;
    assert_eq!(status, 400, "{problems}");
    let (status, plugins) = call(&base, "GET", "/v1/plugins", None).await;
    assert_eq!(
        (status, plugins["plugins"][0]["name"].as_str()),
        (200, Some("migrate"))
    );

    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let status = tokio::task::spawn_blocking(move || child.wait().expect("exits"))
        .await
        .expect("join");
    assert_eq!(status.code(), Some(0), "a drained shutdown is a clean exit");
}
