//! The binary as an operator runs it, against real Nova 34 behind real Keystone 30
//! (`tests/real-nova`'s harness): a clouds.yaml with password auth, and `apply` on a plan
//! shaped like Watcher's `host_maintenance` output. `REAL_NOVA=0` skips it, loudly.

use crate::bench::text;
use real_nova_tests::harness::{Account, RealNova};
use serde_json::{Value, json};
use std::process::{Command, Stdio};

/// A fresh real Nova behind real Keystone (tokens living `lifetime`, else an hour) and a
/// runtime to ask it with, or `None` (after a loud line) when `REAL_NOVA=0`.
fn real_nova(lifetime: Option<std::time::Duration>) -> Option<(RealNova, tokio::runtime::Runtime)> {
    if real_nova_tests::harness::disabled() {
        return None;
    }
    let nova = match lifetime {
        Some(lifetime) => RealNova::start_with_token_expiration(lifetime),
        None => RealNova::start(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    Some((nova.unwrap_or_else(|why| panic!("{why}")), runtime))
}

#[test]
fn apply_runs_a_host_maintenance_plan_on_real_nova_through_real_keystone() {
    let Some((nova, runtime)) = real_nova(None) else {
        return;
    };
    let active = nova.server_on("compute1");
    let stopped = runtime.block_on(nova.boot_on("compute1"));
    runtime.block_on(nova.stop(&stopped));

    let home = tempfile::tempdir().expect("temp home");
    let admin = &nova.admin;
    let clouds = format!(
        "clouds:\n  real:\n    auth:\n      auth_url: {url}\n      username: {user}\n      password: {password}\n      project_name: {project}\n      user_domain_name: {domain}\n      project_domain_name: {domain}\n    region_name: RegionOne\n    interface: public\n",
        url = nova.keystone,
        user = admin.username,
        password = admin.password,
        project = admin.project,
        domain = nova.domain,
    );
    std::fs::write(home.path().join("clouds.yaml"), clouds).expect("clouds.yaml");
    let plan = test_support::actions::host_maintenance("compute1", &[&active], &[&stopped]);
    let path = home.path().join("plan.json");
    std::fs::write(&path, plan.to_string()).expect("plan.json");
    let config = home.path().join("clouds.yaml");
    let output = run(
        home.path(),
        &[
            "apply",
            path.to_str().expect("utf-8"),
            "--os-cloud",
            "real",
            "--output",
            "json",
        ],
        &[("OS_CLIENT_CONFIG_FILE", config.to_str().expect("utf-8"))],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    assert_eq!(report["state"], "SUCCEEDED", "{report}");
    assert!(
        !text(&output).contains(&admin.password),
        "the password is in no output"
    );

    // What Nova shows, asked as an admin of its own.
    let service = runtime.block_on(nova.compute_service("compute1"));
    assert_eq!(
        (&service["status"], &service["disabled_reason"]),
        (&json!("disabled"), &json!("watcher_maintaining"))
    );
    let on_node = runtime.block_on(nova.request(
        "GET",
        "/v2.1/servers/detail?all_tenants=1&host=compute1",
        None,
    ));
    assert_eq!(on_node.body["servers"], json!([]), "{on_node:?}");
    for (id, status) in [(&active, "ACTIVE"), (&stopped, "SHUTOFF")] {
        let server = runtime.block_on(nova.server(id));
        assert_ne!(server["OS-EXT-SRV-ATTR:host"], "compute1", "{server}");
        assert_eq!(server["status"], status, "{server}");
    }
}

/// `OS_*` variables for `account`'s password on real Keystone, RegionOne.
fn password_env(nova: &RealNova, account: &Account) -> Vec<(&'static str, String)> {
    vec![
        ("OS_AUTH_URL", nova.keystone.clone()),
        ("OS_USERNAME", account.username.clone()),
        ("OS_PASSWORD", account.password.clone()),
        ("OS_PROJECT_NAME", account.project.clone()),
        ("OS_USER_DOMAIN_NAME", nova.domain.clone()),
        ("OS_PROJECT_DOMAIN_NAME", nova.domain.clone()),
        ("OS_REGION_NAME", "RegionOne".to_string()),
    ]
}

/// `env` as `run` takes it.
fn borrowed<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Runs the cold migration `cold` with `env` and checks that it was `denied` (exit 4) before
/// anything changed: no migration record, `server` still on `host`. Returns the output.
fn assert_denied_before_any_change(
    (nova, runtime): (&RealNova, &tokio::runtime::Runtime),
    home: &std::path::Path,
    env: &[(&str, &str)],
    cold: &str,
    (server, host): (&str, &str),
) -> std::process::Output {
    let output = run(home, &["run", "--params", cold, "--output", "json"], env);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(answer["error"]["kind"], "denied", "{answer}");
    assert!(runtime.block_on(nova.migrations_of(server)).is_empty());
    let unmoved = runtime.block_on(nova.server(server));
    assert_eq!(unmoved["OS-EXT-SRV-ATTR:host"], host, "{unmoved}");
    output
}

/// `wasm-action ARGS` with only HOME, the cache and `env`.
fn run(home: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasm-action"));
    command
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("WASM_ACTION_CACHE_DIR", home.join("cache"))
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

#[test]
fn the_cli_logs_in_every_way_an_operator_does_and_a_member_changes_nothing() {
    let Some((nova, runtime)) = real_nova(None) else {
        return;
    };
    let home = tempfile::tempdir().expect("temp home");
    let server = nova.server_on("compute2");
    let cold = json!({"resource_id": server, "migration_type": "cold",
        "source_node": "compute2", "destination_node": "compute3"})
    .to_string();
    let pre = ["run", "--phase", "pre-condition", "--params", cold.as_str()];
    let credential = &nova.application_credential;
    let token = nova.issue_token(&nova.admin).expect("a token");
    let clouds = format!(
        "clouds:\n  appcred:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: {url}\n      application_credential_id: {id}\n      application_credential_secret: {secret}\n    region_name: RegionTwo\n  token:\n    auth_type: v3token\n    auth:\n      auth_url: {url}\n      token: {token}\n      project_name: {project}\n      project_domain_name: {domain}\n    region_name: RegionOne\n",
        url = nova.keystone,
        id = credential.id,
        secret = credential.secret,
        token = token.id,
        project = nova.admin.project,
        domain = nova.domain,
    );
    std::fs::write(home.path().join("clouds.yaml"), clouds).expect("clouds.yaml");
    let config = home.path().join("clouds.yaml");
    let config = config.to_str().expect("utf-8");

    // An application credential from clouds.yaml, Nova found in RegionTwo of the real catalog.
    let output = run(
        home.path(),
        &[&pre[..], &["--os-cloud", "appcred"][..]].concat(),
        &[("OS_CLIENT_CONFIG_FILE", config)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    // A token from clouds.yaml (v3token), exchanged for a project-scoped one.
    let output = run(
        home.path(),
        &[&pre[..], &["--os-cloud", "token"][..]].concat(),
        &[("OS_CLIENT_CONFIG_FILE", config)],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    // Plain OS_* variables, the admin's password.
    let admin = &nova.admin;
    let admin_env = password_env(&nova, admin);
    let env = borrowed(&admin_env);
    let output = run(home.path(), &pre, &env);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    // A region the catalog lacks: a usage-level error naming what there is, before any action.
    let mut elsewhere = env.clone();
    elsewhere.retain(|(k, _)| *k != "OS_REGION_NAME");
    elsewhere.push(("OS_REGION_NAME", "RegionThree"));
    let output = run(home.path(), &pre, &elsewhere);
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("RegionThree") && said.contains("RegionOne") && said.contains("RegionTwo"),
        "{said}"
    );

    // An interface the region lacks for compute (RegionTwo has no admin endpoint): the same,
    // with the sentence the doubles' test expects.
    let mut no_admin = elsewhere.clone();
    no_admin.retain(|(k, _)| *k != "OS_REGION_NAME");
    no_admin.extend([("OS_REGION_NAME", "RegionTwo"), ("OS_INTERFACE", "admin")]);
    let output = run(home.path(), &pre, &no_admin);
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    let said = String::from_utf8_lossy(&output.stderr);
    let expected = "no compute endpoint for interface 'admin' in region 'RegionTwo'; the catalog \
                    has: ";
    assert!(said.contains(expected), "{said}");
    for available in ["public/RegionTwo", "internal/RegionTwo", "admin/RegionOne"] {
        assert!(said.contains(available), "{said}");
    }

    // A project member: Nova's own policy refuses a migration to a named host; nothing moves.
    let member_env = password_env(&nova, &nova.demo);
    let output = assert_denied_before_any_change(
        (&nova, &runtime),
        home.path(),
        &borrowed(&member_env),
        &cold,
        (&server, "compute2"),
    );
    for secret in [&admin.password, &nova.demo.password, &credential.secret] {
        assert!(
            !String::from_utf8_lossy(&output.stderr).contains(secret.as_str()),
            "no secret in any output"
        );
    }
}

#[test]
fn a_migration_that_outlives_its_token_renews_it_and_finishes() {
    // Tokens live 8 s; the driver takes 12 s to move the disk: the migration outlives the
    // token it started with, and keystonemiddleware refuses a token once it has expired.
    let lifetime = std::time::Duration::from_secs(8);
    let Some((nova, runtime)) = real_nova(Some(lifetime)) else {
        return;
    };
    let path = nova.control_path("/faults");
    let delays = json!({"fail": [], "delays": {"migrate_disk_and_power_off": 12}});
    let answer = runtime.block_on(nova.request("PUT", &path, Some(delays)));
    assert_eq!(answer.status, 200, "{answer:?}");
    let server = nova.server_on("compute1");
    let cold = json!({"resource_id": server, "migration_type": "cold",
        "source_node": "compute1", "destination_node": "compute3"})
    .to_string();
    let home = tempfile::tempdir().expect("temp home");
    let admin = &nova.admin;
    let admin_env = password_env(&nova, admin);
    let started = std::time::Instant::now();
    let output = run(
        home.path(),
        &["run", "--params", cold.as_str(), "--output", "json"],
        &borrowed(&admin_env),
    );
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        took > lifetime + std::time::Duration::from_secs(2),
        "it outlived its first token: {took:?}"
    );
    let answer: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(answer["status"], "succeeded", "{answer}");
    // The harness's own admin token has expired too: ask Nova with a fresh one.
    let fresh = nova.issue_token(admin).expect("a fresh admin token");
    let ask = |path: String| runtime.block_on(nova.request_as(&fresh.id, "GET", &path, None));
    let moved = ask(format!("/v2.1/servers/{server}")).body["server"].clone();
    assert_eq!(moved["OS-EXT-SRV-ATTR:host"], "compute3", "{moved}");
    assert_eq!(moved["status"], "ACTIVE", "{moved}");
    let migrations = ask(format!("/v2.1/os-migrations?instance_uuid={server}"));
    assert_eq!(
        migrations.body["migrations"][0]["status"], "confirmed",
        "{migrations:?}"
    );
}

#[test]
fn a_revoked_token_is_refused_with_keystones_reason_and_nothing_changes() {
    let Some((nova, runtime)) = real_nova(None) else {
        return;
    };
    let server = nova.server_on("compute1");
    let cold = json!({"resource_id": server, "migration_type": "cold",
        "source_node": "compute1", "destination_node": "compute2"})
    .to_string();
    // A token never shown to Nova (keystonemiddleware caches what it validated), revoked.
    let token = nova.issue_token(&nova.admin).expect("a token");
    real_nova_tests::keystone::revoke_token(&nova.keystone, nova.admin_token(), &token.id)
        .expect("revoked");
    let home = tempfile::tempdir().expect("temp home");

    // Exchanged at Keystone (OS_TOKEN with an auth URL): Keystone's own reason, nothing runs.
    let env = [
        ("OS_AUTH_URL", nova.keystone.as_str()),
        ("OS_TOKEN", token.id.as_str()),
        ("OS_PROJECT_NAME", nova.admin.project.as_str()),
        ("OS_PROJECT_DOMAIN_NAME", nova.domain.as_str()),
        ("OS_REGION_NAME", "RegionOne"),
    ];
    let output = run(home.path(), &["run", "--params", cold.as_str()], &env);
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("Keystone refused")
            && said.contains("the given token")
            && said.contains("(404): Failed to validate token"),
        "{said}"
    );

    // Straight to Nova (OS_TOKEN with the compute endpoint): Nova's 401 is `denied`.
    let env = [
        ("OS_COMPUTE_ENDPOINT", nova.endpoint.as_str()),
        ("OS_TOKEN", token.id.as_str()),
    ];
    let output = assert_denied_before_any_change(
        (&nova, &runtime),
        home.path(),
        &env,
        &cold,
        (&server, "compute1"),
    );
    for shown in [&text(&output), &said.to_string()] {
        assert!(!shown.contains(&token.id), "the token is in no output");
    }
}
