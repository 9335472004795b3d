//! `wasm-action migrate SERVER`: `openstack server migrate`'s words, against the doubles.

use crate::bench::*;
use nova_double::ServerSpec;

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_id_a_cold_migration_to_a_host_moves_the_server_and_is_confirmed() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let output = cloud
        .run(
            &[
                "migrate",
                "--os-cloud",
                "admin",
                "--host",
                "compute3",
                &server,
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    cloud.assert_active_on(&server, "compute3");
    let migrations = cloud.migrations_of(&server);
    assert_eq!(migrations.len(), 1, "{migrations:?}");
    assert_eq!(migrations[0].migration_type, "migration");
    assert_eq!(migrations[0].status, "confirmed");
    assert!(
        stdout(&output).contains(&format!("server {server} (")),
        "{}",
        text(&output)
    );
    assert!(
        stdout(&output).contains("is now on compute3, ACTIVE"),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_name_the_server_is_found_in_any_project() {
    let cloud = Cli::start().await;
    let server = cloud.nova.add_server(
        ServerSpec::shutoff("compute1")
            .named("web-1")
            .owned_by("shop", "bob"),
    );
    let args = [
        "migrate",
        "--os-cloud",
        "admin",
        "--host",
        "compute2",
        "web-1",
    ];
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let now = cloud.server(&server);
    assert_eq!(
        (now.host.as_str(), now.status.as_str()),
        ("compute2", "SHUTOFF")
    );
    assert!(
        stdout(&output).contains(&format!(
            "server {server} (web-1) is now on compute2, SHUTOFF"
        )),
        "{}",
        text(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_migration_keeps_the_server_running_on_the_new_host() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let args = [
        "migrate",
        "--os-cloud",
        "admin",
        "--live-migration",
        "--block-migration",
        "--wait",
        "--host",
        "compute2",
        &server,
    ];
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    cloud.assert_active_on(&server, "compute2");
    let migrations = cloud.migrations_of(&server);
    assert_eq!(migrations[0].migration_type, "live-migration");
    assert_eq!(migrations[0].status, "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_two_servers_share_is_refused_listing_both_and_nothing_is_sent() {
    let cloud = Cli::start().await;
    let first = cloud
        .nova
        .add_server(ServerSpec::active("compute1").named("web"));
    let second = cloud.nova.add_server(
        ServerSpec::active("compute2")
            .named("web")
            .owned_by("shop", "bob"),
    );
    let output = cloud
        .run(&["migrate", "--os-cloud", "admin", "web"], &[])
        .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&format!("{first} on compute1")), "{stderr}");
    assert!(
        stderr.contains(&format!("{second} on compute2")),
        "{stderr}"
    );
    only_gets_reached_nova(&cloud);
    assert!(cloud.migrations_of(&first).is_empty());
    assert!(cloud.migrations_of(&second).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_server_is_a_clear_not_found() {
    let cloud = Cli::start().await;
    cloud.active_on("compute1");
    for name in ["ghost", "00000000-0000-4000-8000-000000000000"] {
        let output = cloud
            .run(&["migrate", "--os-cloud", "admin", name], &[])
            .await;
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(&format!("no server with a name or id of '{name}' exists")),
            "{stderr}"
        );
    }
    only_gets_reached_nova(&cloud);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_says_what_would_happen_and_only_reads_nova() {
    let cloud = Cli::start().await;
    let server = cloud
        .nova
        .add_server(ServerSpec::active("compute1").named("web-1"));
    let args = [
        "migrate",
        "--os-cloud",
        "admin",
        "--host",
        "compute3",
        "--dry-run",
        "web-1",
    ];
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let expected = format!("would cold-migrate server {server} (web-1) from compute1 to compute3");
    assert!(stdout(&output).contains(&expected), "{}", text(&output));
    only_gets_reached_nova(&cloud);
    assert!(cloud.migrations_of(&server).is_empty());
    cloud.assert_active_on(&server, "compute1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_to_a_disabled_host_says_why_it_would_not_run() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    cloud.nova.set_service_status("compute3", false);
    let args = [
        "migrate",
        "--os-cloud",
        "admin",
        "--host",
        "compute3",
        "--dry-run",
        &server,
    ];
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert!(stdout(&output).contains("disabled"), "{}", text(&output));
    only_gets_reached_nova(&cloud);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_migration_without_live_migration_is_refused_before_anything_runs() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let output = cloud
        .run(
            &[
                "migrate",
                "--os-cloud",
                "admin",
                "--block-migration",
                &server,
            ],
            &[],
        )
        .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--live-migration"), "{stderr}");
    assert!(cloud.nova.requests().is_empty());
    assert_eq!(cloud.keystone.tokens_issued(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_and_cold_together_are_refused() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let output = cloud
        .run(&["migrate", "--live-migration", "--cold", &server], &[])
        .await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(cloud.nova.requests().is_empty());
}
