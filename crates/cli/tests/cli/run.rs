//! `wasm-action run`: one phase, exit codes that tell outcomes apart.

use crate::bench::*;
use serde_json::json;

fn params(server: &str, destination: &str) -> String {
    json!({"resource_id": server, "migration_type": "cold", "source_node": "compute1", "destination_node": destination}).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_executes_a_cold_migration_with_clouds_yaml_password_auth() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let output = cloud
        .run(
            &[
                "run",
                "--os-cloud",
                "admin",
                "--params",
                &params(&server, "compute2"),
                "--output",
                "json",
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(json(&output)["status"], "succeeded");
    assert_eq!(cloud.nova.server(&server).expect("server").host, "compute2");
    assert!(cloud.keystone.tokens_issued() >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_an_application_credential_works_too() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let output = cloud
        .run(
            &[
                "run",
                "--os-cloud",
                "appcred",
                "--phase",
                "pre-condition",
                "--params",
                &params(&server, "compute2"),
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_a_token_and_an_explicit_endpoint_needs_no_keystone() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let endpoint = cloud.nova.endpoint();
    let env = [
        ("OS_TOKEN", "admin:admin:admin"),
        ("OS_COMPUTE_ENDPOINT", endpoint.as_str()),
    ];
    let output = cloud
        .run(
            &[
                "run",
                "--phase",
                "pre-condition",
                "--params",
                &params(&server, "compute2"),
            ],
            &env,
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(cloud.keystone.tokens_issued(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skipped_pre_condition_exits_3() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute3");
    let output = cloud
        .run(
            &[
                "run",
                "--os-cloud",
                "admin",
                "--phase",
                "pre-condition",
                "--params",
                &params(&server, "compute2"),
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("skip"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_action_error_exits_4_with_its_kind() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let args = [
        "run",
        "--os-cloud",
        "admin",
        "--phase",
        "pre-condition",
        "--output",
        "json",
        "--params",
        &params(&server, "compute9"),
    ];
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let answer = json(&output);
    assert_eq!(answer["phase"], "pre-condition");
    assert_eq!(answer["status"], "failed");
    let error = &answer["error"];
    assert_eq!(error["kind"], "not-found");
    // The typed fields, as the library renders them for every surface; no Debug text.
    let problem = error["problem"].as_str().expect("the plugin's own message");
    assert!(problem.contains("compute9"), "{error}");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("not found: ")),
        "{error}"
    );
    assert!(error.get("detail").is_none(), "{error}");
    assert!(!error.to_string().contains("Problem {"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_exit_4_as_invalid_input_and_reach_no_service() {
    let cloud = Cli::start().await;
    let output = cloud
        .run(
            &[
                "run",
                "--os-cloud",
                "admin",
                "--output",
                "json",
                "--params",
                r#"{"resource_id": "nope"}"#,
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert_eq!(json(&output)["error"]["kind"], "invalid-input");
    assert!(cloud.nova.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_exits_5_with_a_clear_error() {
    let cloud = Cli::start().await;
    let output = cloud
        .run(
            &[
                "run",
                "--os-cloud",
                "wrong",
                "--phase",
                "pre-condition",
                "--params",
                &params("b9bab5bb-a8c3-4dd8-ae57-218338e27cd3", "compute2"),
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("401") || stderr.to_lowercase().contains("refused"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interface_the_catalog_lacks_for_compute_exits_5_naming_what_it_has() {
    // As the real-Nova harness's catalog: no admin compute endpoint in RegionTwo.
    let cloud = Cli::with_keystone(|config| {
        for interface in ["public", "internal"] {
            config.catalog.push(keystone_double::Endpoint {
                service_type: "compute".into(),
                interface: interface.into(),
                region: "RegionTwo".into(),
                url: "http://nova-two.invalid/v2.1".into(),
            });
        }
    })
    .await;
    let server = cloud.active_on("compute1");
    let pre = ["run", "--os-cloud", "admin", "--phase", "pre-condition"];
    let params = params(&server, "compute2");
    let args = [&pre[..], &["--params", params.as_str()][..]].concat();
    let env = [("OS_REGION_NAME", "RegionTwo"), ("OS_INTERFACE", "admin")];
    let output = cloud.run(&args, &env).await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains(
            "no compute endpoint for interface 'admin' in region 'RegionTwo'; the catalog has: \
             public/RegionOne, internal/RegionOne, admin/RegionOne, public/RegionTwo, \
             internal/RegionTwo"
        ),
        "{said}"
    );
    assert!(cloud.nova.requests().is_empty(), "nothing reached Nova");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2() {
    let cloud = Cli::start().await;
    let output = cloud
        .run(&["run", "--phase", "teleport", "--params", "{}"], &[])
        .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let output = cloud.run(&["run", "--os-cloud", "admin"], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_action_picks_a_built_in_action_by_its_watcher_type() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute2");
    let stop = json!({ "resource_id": server }).to_string();
    let output = cloud
        .run(
            &[
                "run",
                "--action",
                "stop",
                "--os-cloud",
                "admin",
                "--params",
                &stop,
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(
        cloud.nova.server(&server).expect("server").status,
        "SHUTOFF"
    );
    // Stopped now: the pre-condition skips it (exit 3).
    let output = cloud
        .run(
            &[
                "run",
                "--action",
                "stop",
                "--phase",
                "pre-condition",
                "--os-cloud",
                "admin",
                "--params",
                &stop,
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    // An action type that is not built in is a usage error naming those that are.
    let output = cloud
        .run(
            &["run", "--action", "volume_migrate", "--phase", "schema"],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("change_nova_service_state"),
        "{}",
        text(&output)
    );
}
