//! `serve` lets in only callers whose Keystone token is valid and carries the required role, as
//! an OpenStack service does: each refusal (401, 403, 503) with nothing run, the cache of
//! validations, and `--no-auth` only on loopback.

use crate::bench::*;
use crate::service::{Answer, Call, Served};
use serde_json::{Value, json};
use std::time::Duration;
use test_support::Cloud;

/// A cold migration of `server`, as `POST /v1/actions` takes it.
fn cold_migration(server: &str) -> Value {
    json!({"action_type": "migrate", "input_parameters": {"resource_id": server,
        "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}})
}

/// Submits a cold migration of a fresh server with `token`; returns the answer and the server.
async fn submit(cloud: &Cli, served: &Served, token: Option<&str>) -> (Answer, String) {
    let server = cloud.active_on("compute1");
    let mut call = Call::new("POST", &served.base, "/v1/actions").json(&cold_migration(&server));
    if let Some(token) = token {
        call = call.token(token);
    }
    (call.answer().await, server)
}

/// Nova never heard of `server`, and the service started no job.
async fn assert_nothing_ran(cloud: &Cli, served: &Served, server: &str) {
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(cloud.requests_about(server).is_empty(), "Nova heard of it");
    assert!(!served.log().contains("job started"), "{}", served.log());
}

fn assert_unauthorized(answer: &Answer, keystone: &str) {
    assert_eq!(answer.status, 401, "{answer:?}");
    let challenge = answer.headers.get("www-authenticate");
    let expected = format!("Keystone uri=\"{keystone}\"");
    assert_eq!(
        challenge.and_then(|v| v.to_str().ok()),
        Some(expected.as_str())
    );
    assert!(
        answer.body["error"].is_string(),
        "a JSON problem: {answer:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_a_token_is_401_with_keystone_s_uri_and_runs_nothing() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &[]).await;
    let (answer, server) = submit(&cloud, &served, None).await;
    assert_unauthorized(&answer, &cloud.keystone.endpoint());
    let message = answer.body["error"].as_str().unwrap_or_default();
    assert!(message.contains("X-Auth-Token"), "{message}");
    assert_nothing_ran(&cloud, &served, &server).await;
    let unknown = Call::new("GET", &served.base, "/v1/nothing-here")
        .answer()
        .await;
    assert_eq!(unknown.status, 401, "every /v1 path is behind the token");
    assert_eq!(served.logged("refused: no X-Auth-Token").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_garbage_token_is_401_runs_nothing_and_is_asked_about_once() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &[]).await;
    for _ in 0..2 {
        let (answer, server) = submit(&cloud, &served, Some("garbage-token-xyzzy")).await;
        assert_unauthorized(&answer, &cloud.keystone.endpoint());
        assert_nothing_ran(&cloud, &served, &server).await;
    }
    let asked = cloud.keystone.tokens_validated();
    assert_eq!(
        asked, 1,
        "Keystone was asked once; its answer was remembered"
    );
    assert!(!served.log().contains("xyzzy"), "{}", served.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_401_and_runs_nothing() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &[]).await;
    // Whole seconds, as Keystone's: the token expires within the second.
    cloud.keystone.set_token_lifetime(Duration::from_secs(1));
    let token = cloud.keystone.issue_token("admin", "admin").expect("admin");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (answer, server) = submit(&cloud, &served, Some(&token)).await;
    assert_unauthorized(&answer, &cloud.keystone.endpoint());
    assert_nothing_ran(&cloud, &served, &server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_token_is_403_naming_the_required_role_and_runs_nothing() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &[]).await;
    let token = cloud.keystone.issue_token("demo", "demo").expect("member");
    let (answer, server) = submit(&cloud, &served, Some(&token)).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(answer.body["required_role"], "admin");
    let message = answer.body["error"].as_str().unwrap_or_default();
    assert!(message.contains("'admin'"), "{message}");
    assert!(!answer.body.to_string().contains(&token));
    assert_nothing_ran(&cloud, &served, &server).await;
    let refusals = served.logged("refused: the token lacks the required role");
    assert_eq!(refusals.len(), 1, "{}", served.log());
    assert_eq!(refusals[0]["user_id"], "demo");
    assert_eq!(refusals[0]["project_id"], "demo");
    assert_eq!(refusals[0]["status"], 403);
    assert!(!served.log().contains(&token), "{}", served.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_role_names_the_role_to_require() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &["--required-role", "Admin"]).await;
    let member = cloud.keystone.issue_token("demo", "demo").expect("member");
    let admin = cloud.keystone.issue_token("admin", "admin").expect("admin");
    let plugins = |token| Call::new("GET", &served.base, "/v1/plugins").token(token);
    // Compared without case, as oslo.policy does.
    assert_eq!(plugins(&admin).answer().await.status, 200);
    let refused = plugins(&member).answer().await;
    assert_eq!(refused.status, 403, "member does not imply admin");
    assert_eq!(refused.body["required_role"], "Admin");
    // Roles imply the ones below them (Keystone 30's bootstrap): admin carries reader too.
    let reader = Served::start(&cloud, &["--required-role", "reader"]).await;
    let plugins = |token| Call::new("GET", &reader.base, "/v1/plugins").token(token);
    assert_eq!(plugins(&admin).answer().await.status, 200);
    assert_eq!(plugins(&member).answer().await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_open_without_a_token() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &[]).await;
    let health = Call::new("GET", &served.base, "/healthz").answer().await;
    assert_eq!((health.status, &health.body["status"]), (200, &json!("ok")));
    assert_eq!(cloud.keystone.tokens_validated(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_validated_once_while_cached_and_refused_once_it_expires() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &[]).await;
    cloud.keystone.set_token_lifetime(Duration::from_secs(2));
    let token = cloud.keystone.issue_token("admin", "admin").expect("admin");
    let plugins = || Call::new("GET", &served.base, "/v1/plugins").token(&token);
    assert_eq!(plugins().answer().await.status, 200);
    assert_eq!(plugins().answer().await.status, 200);
    assert_eq!(
        cloud.keystone.tokens_validated(),
        1,
        "the second came from the cache"
    );
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let expired = plugins().answer().await;
    assert_unauthorized(&expired, &cloud.keystone.endpoint());
    assert_eq!(
        cloud.keystone.tokens_validated(),
        2,
        "not served from the cache"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_validated_again_after_the_token_cache_time() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &["--token-cache-time", "1"]).await;
    let token = cloud.keystone.issue_token("admin", "admin").expect("admin");
    let plugins = || Call::new("GET", &served.base, "/v1/plugins").token(&token);
    assert_eq!(plugins().answer().await.status, 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    cloud.keystone.revoke(&token);
    let revoked = plugins().answer().await;
    assert_unauthorized(&revoked, &cloud.keystone.endpoint());
    assert_eq!(cloud.keystone.tokens_validated(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_keystone_is_503_and_runs_nothing() {
    let cli = Cli::start().await;
    let server = cli.active_on("compute1");
    let served = Served::start(&cli, &[]).await;
    let token = cli.keystone.issue_token("admin", "admin").expect("admin");
    let Cli { cloud, home: _home } = cli;
    let Cloud { nova, keystone } = cloud;
    keystone.shutdown();
    let answer = Call::new("POST", &served.base, "/v1/actions")
        .token(&token)
        .json(&cold_migration(&server))
        .answer()
        .await;
    assert_eq!(answer.status, 503, "{answer:?}");
    assert!(
        answer.body["error"].is_string(),
        "a JSON problem: {answer:?}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(nova.requests().iter().all(|r| !r.path.contains(&server)));
    let refusals = served.logged("refused: cannot validate the token at Keystone");
    assert_eq!(refusals.len(), 1, "{}", served.log());
    assert!(!served.log().contains("job started"), "{}", served.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_auth_is_refused_at_start_on_a_non_loopback_address() {
    let cloud = Cli::start().await;
    let args = [
        "serve",
        "--no-auth",
        "--listen",
        "0.0.0.0:0",
        "--os-cloud",
        "admin",
    ];
    let output = cloud.run(&args, &[]).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let all = text(&output);
    assert!(
        all.contains("loopback") && all.contains("0.0.0.0:0"),
        "{all}"
    );
    assert_eq!(cloud.keystone.tokens_issued(), 0, "refused before Keystone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_auth_on_loopback_serves_without_a_token_and_says_so() {
    let cloud = Cli::start().await;
    let served = Served::start(&cloud, &["--no-auth"]).await;
    let plugins = Call::new("GET", &served.base, "/v1/plugins").answer().await;
    assert_eq!(plugins.status, 200, "{plugins:?}");
    assert!(
        served.log().contains("authentication is off"),
        "{}",
        served.log()
    );
    assert_eq!(cloud.keystone.tokens_validated(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_refuses_to_start_without_a_keystone_to_validate_tokens() {
    let cloud = Cli::start().await;
    let env = [
        ("OS_TOKEN", "admin:admin:admin"),
        ("OS_COMPUTE_ENDPOINT", &cloud.nova.endpoint()),
    ];
    let output = cloud.run(&["serve", "--listen", "127.0.0.1:0"], &env).await;
    assert_eq!(output.status.code(), Some(5), "{}", text(&output));
    let all = text(&output);
    assert!(
        all.contains("auth_url") && all.contains("--no-auth"),
        "{all}"
    );
}
