//! `wasm-action serve`: submit, poll, cancel, a draining shutdown, bounded bodies and HTTPS.
//! Every call carries an admin token from the Keystone double; `serve_auth` covers refusals.

use crate::bench::*;
use crate::service::{Call, Served, until_state};
use serde_json::json;
use std::time::Duration;
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

fn admin_token(cloud: &Cli) -> String {
    cloud
        .keystone
        .issue_token("admin", "admin")
        .expect("admin has a role on admin")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_runs_submitted_actions_and_plans_and_cancels_on_request() {
    let timings = nova_double::Timings {
        live_copy: Duration::from_secs(5),
        ..nova_double::Timings::fast()
    };
    let cloud = Cli::with_timings(timings).await;
    let (cold_server, live_server) = (cloud.active_on("compute1"), cloud.active_on("compute1"));
    let served = Served::start(&cloud, &[]).await;
    let (base, token) = (served.base.clone(), admin_token(&cloud));

    let cold = json!({"action_type": "migrate", "input_parameters": {"resource_id": cold_server, "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}});
    let job = Call::new("POST", &base, "/v1/actions")
        .token(&token)
        .json(&cold)
        .answer()
        .await;
    assert_eq!(job.status, 202, "{job:?}");
    let id = job.body["id"].as_str().expect("id");
    let done = until_state(&base, &token, id, "SUCCEEDED").await;
    assert_eq!(done["report"]["actions"][0]["state"], "SUCCEEDED");
    assert_eq!(cloud.server(&cold_server).host, "compute2");

    let live = json!({"actions": [{"uuid": "l1", "action_type": "migrate", "input_parameters": {"resource_id": live_server, "migration_type": "live", "source_node": "compute1", "destination_node": "compute3"}}]});
    let job = Call::new("POST", &base, "/v1/plans")
        .token(&token)
        .json(&live)
        .answer()
        .await;
    assert_eq!(job.status, 202, "{job:?}");
    let id = job.body["id"].as_str().expect("id").to_string();
    for _ in 0..500 {
        let migrations = cloud.migrations_of(&live_server);
        if migrations.iter().any(|m| m.status == "running") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cancel = format!("/v1/plans/{id}/cancel");
    let cancelled = Call::new("POST", &base, &cancel)
        .token(&token)
        .answer()
        .await;
    assert_eq!(cancelled.status, 202);
    let cancelled = until_state(&base, &token, &id, "CANCELLED").await;
    assert_eq!(cancelled["actions"]["l1"], "CANCELLED");
    assert_eq!(
        cloud.server(&live_server).host,
        "compute1",
        "the live migration was aborted"
    );

    let teleport = json!({"actions": [{"uuid": "x", "action_type": "teleport"}]});
    let problems = Call::new("POST", &base, "/v1/plans")
        .token(&token)
        .json(&teleport)
        .answer()
        .await;
    assert_eq!(problems.status, 400, "{problems:?}");
    let plugins = Call::new("GET", &base, "/v1/plugins")
        .token(&token)
        .answer()
        .await;
    assert_eq!(plugins.status, 200);
    let mut names: Vec<&str> = plugins.body["plugins"]
        .as_array()
        .expect("a list of plugins")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    names.sort_unstable();
    let mut built_in = builtin_plugins::names();
    built_in.sort_unstable();
    assert_eq!(names, built_in, "every built-in action is served");

    let status = served.stop().await;
    assert_eq!(status.code(), Some(0), "a drained shutdown is a clean exit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_1_mib_is_413_with_a_json_problem_and_runs_nothing() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    let served = Served::start(&cloud, &[]).await;
    let token = admin_token(&cloud);
    let padding = "x".repeat(1 << 20);
    let big = json!({"action_type": "migrate", "padding": padding, "input_parameters": {"resource_id": server, "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}});
    let answer = Call::new("POST", &served.base, "/v1/actions")
        .token(&token)
        .json(&big)
        .answer()
        .await;
    assert_eq!(answer.status, 413, "{answer:?}");
    let message = answer.body["error"].as_str().unwrap_or_default();
    assert!(message.contains("1 MiB"), "{answer:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(cloud.requests_about(&server).is_empty(), "Nova heard of it");
    assert!(!served.log().contains("job started"), "{}", served.log());
}

/// A self-signed certificate for 127.0.0.1, written as PEM files; the certificate in DER.
fn self_signed(cloud: &Cli) -> (String, String, rcgen::Certificate) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .expect("a self-signed certificate");
    let cert = cloud.file("serve-cert.pem", &certified.cert.pem());
    let key = cloud.file("serve-key.pem", &certified.signing_key.serialize_pem());
    let path = |p: std::path::PathBuf| p.to_string_lossy().into_owned();
    (path(cert), path(key), certified.cert)
}

fn client_trusting(roots: RootCertStore) -> ClientConfig {
    let provider = std::sync::Arc::new(crypto::ring::default_provider());
    ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_over_tls_answers_a_client_that_trusts_its_certificate_and_no_other() {
    let cloud = Cli::start().await;
    let (cert, key, der) = self_signed(&cloud);
    let served = Served::start(&cloud, &["--tls-cert", &cert, "--tls-key", &key]).await;
    assert!(
        served.base.starts_with("https://127.0.0.1:"),
        "{}",
        served.base
    );
    let token = admin_token(&cloud);
    let mut roots = RootCertStore::empty();
    roots.add(der.der().clone()).expect("a trust anchor");
    let plugins = Call::new("GET", &served.base, "/v1/plugins")
        .token(&token)
        .tls(client_trusting(roots))
        .answer()
        .await;
    assert_eq!(plugins.status, 200, "{plugins:?}");
    let served_migrate = plugins.body["plugins"]
        .as_array()
        .expect("a list")
        .iter()
        .any(|p| p["name"] == "migrate");
    assert!(served_migrate, "{plugins:?}");

    let untrusting = Call::new("GET", &served.base, "/healthz")
        .tls(client_trusting(RootCertStore::empty()))
        .send()
        .await;
    let error = untrusting.expect_err("a client that does not trust the certificate");
    assert!(error.contains("certificate"), "{error}");
    let plain = Call::new("GET", &served.base.replace("https", "http"), "/healthz")
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP gets no answer: {plain:?}");
    assert_eq!(served.stop().await.code(), Some(0));
}

/// The value of the sample `name{labels}` in a Prometheus text exposition.
fn sample(text: &str, name: &str, labels: &str) -> Option<f64> {
    let wanted = format!("{name}{{{labels}}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&wanted))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_actions_phases_nova_requests_and_retries() {
    let cloud = Cli::start().await;
    let server = cloud.active_on("compute1");
    // One gateway 503 on the first GET of the server: sent again by the host, counted.
    cloud.nova.inject(nova_double::Fault::HttpStatus {
        method: Some("GET".into()),
        path_contains: format!("/servers/{server}"),
        status: 503,
        count: 1,
    });
    let served = Served::start(&cloud, &[]).await;
    let (base, token) = (served.base.clone(), admin_token(&cloud));
    let cold = json!({"action_type": "migrate", "input_parameters": {"resource_id": server, "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}});
    let job = Call::new("POST", &base, "/v1/actions")
        .token(&token)
        .json(&cold)
        .answer()
        .await;
    let id = job.body["id"].as_str().expect("id").to_string();
    until_state(&base, &token, &id, "SUCCEEDED").await;

    // Open like /healthz: no token.
    let metrics = Call::new("GET", &base, "/metrics").answer().await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.headers["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        metrics.headers
    );
    let text = &metrics.text;
    let get = |name: &str, labels: &str| {
        sample(text, name, labels).unwrap_or_else(|| panic!("no {name}{{{labels}}} in:\n{text}"))
    };
    assert_eq!(
        get(
            "wasm_action_actions_finished_total",
            r#"action_type="migrate",state="SUCCEEDED""#
        ),
        1.0
    );
    for phase in ["pre-condition", "execute", "post-condition"] {
        let labels = format!(r#"plugin="migrate",phase="{phase}",outcome="ok""#);
        assert_eq!(
            get("wasm_action_phase_duration_seconds_count", &labels),
            1.0,
            "{phase}"
        );
    }
    // migrate, then confirmResize: one POST answered 202, one 204; Nova saw exactly those.
    let posts = |status: &str| {
        let labels = format!(r#"plugin="migrate",method="POST",status="{status}""#);
        sample(text, "wasm_action_nova_requests_total", &labels).unwrap_or(0.0)
    };
    assert_eq!((posts("202"), posts("204")), (1.0, 1.0), "{text}");
    let gets = sample(
        text,
        "wasm_action_nova_requests_total",
        r#"plugin="migrate",method="GET",status="200""#,
    )
    .unwrap_or(0.0);
    let received = cloud
        .nova
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .count();
    assert_eq!(
        gets as usize + 1,
        received,
        "every GET counted, the 503 apart"
    );
    assert_eq!(
        get(
            "wasm_action_nova_requests_total",
            r#"plugin="migrate",method="GET",status="503""#
        ),
        1.0
    );
    assert_eq!(
        get("wasm_action_nova_retries_total", r#"plugin="migrate""#),
        1.0
    );
    let builtin = wasm_action_host::digest(builtin_plugins::MIGRATE);
    let versions = format!(r#"plugin="migrate",version="builtin",digest="{builtin}""#);
    assert_eq!(get("wasm_action_plugin_versions", &versions), 1.0);
    assert!(
        !text.contains(&server) && !text.contains(&token),
        "no server id or token in the metrics"
    );
}
