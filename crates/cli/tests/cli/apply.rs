//! `wasm-action apply`: validation first, then the DAG with Watcher's states.

use crate::bench::*;
use serde_json::{Value, json};

fn migrate(uuid: &str, server: &str, source: &str, destination: &str, parents: &[&str]) -> Value {
    json!({"uuid": uuid, "action_type": "migrate", "parents": parents,
           "input_parameters": {"resource_id": server, "migration_type": "cold", "source_node": source, "destination_node": destination}})
}

fn state(report: &Value, uuid: &str) -> String {
    let actions = report["actions"].as_array().expect("actions in the report");
    let action = actions
        .iter()
        .find(|a| a["uuid"] == uuid)
        .unwrap_or_else(|| panic!("no {uuid} in {report}"));
    action["state"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_six_action_plan_with_a_diamond_ends_in_the_exact_states() {
    let cloud = Cli::start().await;
    let (s1, s2, s3, s4, s5) = (
        cloud.active_on("compute1"),
        cloud.active_on("compute1"),
        cloud.active_on("compute1"),
        cloud.active_on("compute2"),
        cloud.active_on("compute2"),
    );
    let missing = "00000000-0000-4000-8000-000000000000";
    let plan = json!({"actions": [
        migrate("a", &s1, "compute1", "compute2", &[]),
        migrate("b", &s2, "compute1", "compute3", &["a"]),
        migrate("c", &s3, "compute1", "compute9", &["a"]),      // unknown destination: fails
        migrate("d", &s4, "compute2", "compute3", &["b", "c"]),  // below the failure: cancelled
        migrate("e", missing, "compute1", "compute2", &["b"]),   // no such server: skipped
        migrate("f", &s5, "compute2", "compute1", &["e"]),       // a skipped parent is done
    ]});
    let path = cloud.file("plan.json", &plan.to_string());
    let args = [
        "apply",
        path.to_str().expect("utf-8 path"),
        "--os-cloud",
        "admin",
        "--output",
        "json",
        "--max-parallel",
        "2",
    ];
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let report = json(&output);
    let states: Vec<String> = ["a", "b", "c", "d", "e", "f"]
        .iter()
        .map(|u| state(&report, u))
        .collect();
    assert_eq!(
        states,
        [
            "SUCCEEDED",
            "SUCCEEDED",
            "FAILED",
            "CANCELLED",
            "SKIPPED",
            "SUCCEEDED"
        ]
    );
    assert_eq!(report["state"], "FAILED");
    let host = |s: &str| cloud.nova.server(s).expect("server").host;
    assert_eq!(
        [host(&s1), host(&s2), host(&s3), host(&s4), host(&s5)],
        ["compute2", "compute3", "compute1", "compute2", "compute1"]
    );
    let with_durations = report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| a["duration_ms"].is_u64())
        .count();
    assert!(
        with_durations >= 4,
        "the actions that ran have durations: {report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_maintenance_plan_disables_the_node_and_empties_it_keeping_statuses() {
    let cloud = Cli::start().await;
    let active = [cloud.active_on("compute1"), cloud.active_on("compute1")];
    let shutoff = [cloud.shutoff_on("compute1")];
    let bystander = cloud.active_on("compute2");
    let plan = test_support::actions::host_maintenance(
        "compute1",
        &active.iter().map(String::as_str).collect::<Vec<_>>(),
        &shutoff.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let path = cloud.file("plan.json", &plan.to_string());
    let args = [
        "apply",
        path.to_str().expect("utf-8 path"),
        "--os-cloud",
        "admin",
        "--output",
        "json",
    ];
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = json(&output);
    assert_eq!(report["state"], "SUCCEEDED", "{report}");
    for uuid in ["disable", "move0", "move1", "move2"] {
        assert_eq!(state(&report, uuid), "SUCCEEDED", "{uuid}: {report}");
    }
    // Nova's own view: the node disabled with Watcher's reason, empty, every status kept.
    let url = format!("{}/os-services?host=compute1", cloud.nova.endpoint());
    let (_, body) = nova_double::client::admin_request("GET", &url, None)
        .await
        .expect("the double answers");
    let services: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(services["services"][0]["status"], "disabled");
    assert_eq!(
        services["services"][0]["disabled_reason"],
        "watcher_maintaining"
    );
    for id in &active {
        let server = cloud.nova.server(id).expect("server");
        assert_ne!(server.host, "compute1");
        assert_eq!(server.status, "ACTIVE");
    }
    let moved = cloud.nova.server(&shutoff[0]).expect("server");
    assert_ne!(moved.host, "compute1");
    assert_eq!(moved.status, "SHUTOFF");
    assert_eq!(
        cloud.nova.server(&bystander).expect("server").host,
        "compute2"
    );
    let kinds: Vec<String> = cloud
        .nova
        .migrations()
        .iter()
        .map(|m| m.migration_type.clone())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "live-migration").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "migration").count(),
        1,
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_plan_is_reported_whole_and_nothing_runs() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let plan = json!({"actions": [
        migrate("a", &server, "compute1", "compute2", &["c"]),
        migrate("b", "not-a-uuid", "compute1", "compute2", &[]),
        {"uuid": "c", "action_type": "volume_migrate", "input_parameters": {}, "parents": ["a"]},
        migrate("d", &server, "compute1", "compute2", &["ghost"]),
    ]});
    let path = cloud.file("plan.json", &plan.to_string());
    let output = cloud
        .run(
            &[
                "apply",
                path.to_str().expect("utf-8"),
                "--os-cloud",
                "admin",
                "--output",
                "json",
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let problems = json(&output)["problems"].to_string();
    for expected in ["volume_migrate", "not-a-uuid", "ghost", "cycle"] {
        assert!(
            problems.contains(expected),
            "'{expected}' missing from {problems}"
        );
    }
    assert!(cloud.nova.requests().is_empty(), "nothing ran");
    assert_eq!(cloud.keystone.tokens_issued(), 0, "not even a login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_starts_nothing_more_and_aborts_the_running_action() {
    let timings = nova_double::Timings {
        live_copy: std::time::Duration::from_secs(5),
        ..nova_double::Timings::fast()
    };
    let cloud = Cli::with_timings(timings).await;
    let (s1, s2) = (cloud.active_on("compute1"), cloud.active_on("compute1"));
    let live = |uuid: &str, server: &str, parents: &[&str]| {
        json!({"uuid": uuid, "action_type": "migrate", "parents": parents,
        "input_parameters": {"resource_id": server, "migration_type": "live", "source_node": "compute1", "destination_node": "compute2"}})
    };
    let path = cloud.file(
        "plan.json",
        &json!({"actions": [live("a", &s1, &[]), live("b", &s2, &["a"])]}).to_string(),
    );
    let mut command = cloud.command(
        &[
            "apply",
            path.to_str().expect("utf-8"),
            "--os-cloud",
            "admin",
            "--output",
            "json",
        ],
        &[],
    );
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().expect("starts");
    // Only once the first migration runs is the signal handler surely in place; a loaded machine
    // (a debug build compiling the component at start) may take seconds to get there.
    let running = || {
        cloud
            .nova
            .migrations()
            .first()
            .is_some_and(|m| m.status == "running")
    };
    let waiting = std::time::Instant::now();
    while !running() {
        assert!(
            waiting.elapsed() < std::time::Duration::from_secs(60),
            "the first live migration never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Our own child, by its pid.
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().expect("exits"))
        .await
        .expect("join");
    assert_eq!(output.status.code(), Some(130), "{}", text(&output));
    let report = json(&output);
    assert_eq!(
        (state(&report, "a").as_str(), state(&report, "b").as_str()),
        ("CANCELLED", "CANCELLED")
    );
    assert_eq!(
        cloud.nova.migrations()[0].status,
        "cancelled",
        "the live migration was really aborted"
    );
    assert_eq!(cloud.nova.server(&s1).expect("server").host, "compute1");
    assert!(
        cloud
            .nova
            .migrations()
            .iter()
            .all(|m| m.instance_uuid != s2),
        "b never started"
    );
}
