//! `wasm-action plugins` and `--grants`: what each plugin declares, and the operator narrowing
//! it, as Nova then shows.

use crate::bench::*;
use serde_json::json;

/// Writes `text` as a grants file in the test's home and returns its path.
fn grants_file(cloud: &Cli, text: &str) -> String {
    let path = cloud.home.path().join("grants");
    std::fs::write(&path, text).expect("writing the grants file");
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_shows_what_migrate_declares() {
    let cloud = Cli::start().await;
    let output = cloud.run(&["plugins", "--output", "json"], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = json(&output);
    let migrate = report["plugins"]
        .as_array()
        .expect("a list")
        .iter()
        .find(|p| p["name"] == "migrate")
        .expect("migrate is listed");
    assert_eq!(migrate["current"]["contract"], "openstack:actions@0.2.0");
    let declared = migrate["current"]["declared"].as_array().expect("a list");
    assert_eq!(declared.len(), 7);
    assert!(declared.contains(&json!(
        "POST /servers/{id}/action confirmResize migrate os-migrateLive revertResize"
    )));
    assert_eq!(
        migrate["current"]["granted"],
        migrate["current"]["declared"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_narrow_migrate_and_nova_sees_no_migration() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let grants = grants_file(
        &cloud,
        "# read only\nmigrate allow GET /servers/{id}\nmigrate allow GET /os-services\n",
    );
    let params = json!({"resource_id": server, "migration_type": "cold",
        "source_node": "compute1", "destination_node": "compute2"});
    let output = cloud
        .run(
            &[
                "run",
                "--os-cloud",
                "admin",
                "--grants",
                &grants,
                "--params",
                &params.to_string(),
                "--output",
                "json",
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("matches no request"),
        "the refusal is logged: {}",
        text(&output)
    );
    let server = cloud.nova.server(&server).expect("server");
    assert_eq!(
        (server.host.as_str(), server.status.as_str()),
        ("compute1", "ACTIVE")
    );
    assert!(cloud.nova.migrations().is_empty());
    only_gets_reached_nova(&cloud);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_that_widen_with_allow_are_refused_with_the_way_to_do_it() {
    let cloud = Cli::start().await;
    let grants = grants_file(&cloud, "migrate allow POST /servers/{id}/action os-stop\n");
    let output = cloud.run(&["plugins", "--grants", &grants], &[]).await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("does not declare") && stderr.contains("override"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_grants_line_is_a_usage_error_naming_the_line() {
    let cloud = Cli::start().await;
    let grants = grants_file(
        &cloud,
        "migrate allow GET /servers/{id}\nmigrate widen GET /x\n",
    );
    let output = cloud.run(&["plugins", "--grants", &grants], &[]).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("grants line 2") && stderr.contains("widen"),
        "{stderr}"
    );
}
