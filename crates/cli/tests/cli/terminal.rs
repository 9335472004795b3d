//! The terminal's manners: no colour codes in pipes, a closed pipe ends the command quietly,
//! each message said once. (Colour on a terminal is decided by `logging::colour`, unit-tested
//! there: a test has no terminal to offer.)

use crate::bench::*;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// The status a shell shows for a process stopped by SIGPIPE.
const BROKEN_PIPE: i32 = 141;

fn pre_condition_args(server: &str) -> Vec<String> {
    let params = json!({"resource_id": server, "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"});
    [
        "run",
        "--os-cloud",
        "admin",
        "--phase",
        "pre-condition",
        "-v",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["--params".to_string(), params.to_string()])
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_piped_to_a_file_carry_no_colour_codes_even_with_verbose() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let args = pre_condition_args(&server);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("INFO"), "-v logs at info: {stderr}");
    assert!(!stderr.contains("\x1b["), "{stderr:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_color_set_means_no_colour_codes() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let args = pre_condition_args(&server);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = cloud.run(&args, &[("NO_COLOR", "1")]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("INFO"), "-v logs at info: {stderr}");
    assert!(!stderr.contains("\x1b["), "{stderr:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_has_gone_ends_run_quietly() {
    let cloud = Cli::start().await;
    let mut command = cloud.command(&["run", "--phase", "schema"], &[]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("starts");
    // `| head -c0`: the reader is gone before the schema is written.
    drop(child.stdout.take());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().expect("exits"))
        .await
        .expect("join");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(output.status.code(), Some(BROKEN_PIPE), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_stops_after_the_first_line_ends_demo_quietly() {
    let cloud = Cli::start().await;
    let mut command = cloud.command(&["demo", "--timings", "fast"], &[]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("starts");
    let stdout = child.stdout.take().expect("piped");
    let output = tokio::task::spawn_blocking(move || {
        // `| head -1`: one line read, then the pipe is closed while the demo goes on writing.
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("a first line");
        assert!(first.contains("Nova stand-in"), "{first}");
        child.wait_with_output().expect("exits")
    })
    .await
    .expect("join");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(BROKEN_PIPE), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_plan_is_announced_once() {
    let cloud = Cli::start().await;
    let plan = json!({"actions": [{"uuid": "a", "action_type": "volume_migrate", "input_parameters": {}, "parents": []}]});
    let path = cloud.file("plan.json", &plan.to_string());
    let output = cloud
        .run(
            &[
                "apply",
                path.to_str().expect("utf-8"),
                "--os-cloud",
                "admin",
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("nothing was").count(), 1, "{stderr}");
    assert!(
        stderr.contains("the action plan has 1 problem; nothing was executed"),
        "{stderr}"
    );
    assert!(stderr.contains("volume_migrate"), "{stderr}");
}
