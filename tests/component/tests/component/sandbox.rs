//! Credentials are the host's: the plugin's requests get the host's token, and Nova's refusals
//! come back as `denied`.

use crate::harness::*;
use wasm_action_host::{ActionError, HostError, Phase, Readiness};

#[tokio::test]
async fn the_host_adds_its_token_to_every_request() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    let requests = cloud.nova.requests();
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|r| r.header("x-auth-token") == Some(ADMIN))
    );
}

#[tokio::test]
async fn without_a_token_nova_refuses_and_the_action_is_denied() {
    let mut cloud = Bench::start().await;
    cloud.use_token(None);
    let id = cloud.active_on("compute1");
    let error = error(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    let ActionError::Denied(problem) = error else {
        panic!("expected denied, got {error:?}")
    };
    assert_eq!(problem.api.map(|a| a.status), Some(401));
    assert!(
        cloud
            .nova
            .requests()
            .iter()
            .all(|r| r.header("x-auth-token").is_none())
    );
}

#[tokio::test]
async fn a_non_admin_token_is_denied_before_anything_is_sent() {
    let mut cloud = Bench::start().await;
    cloud.use_token(Some("demo:demo"));
    let id = cloud
        .nova
        .add_server(nova_double::ServerSpec::active("compute1").owned_by("demo", "demo"));
    for phase in [Phase::PreCondition, Phase::Execute] {
        let error = error(
            cloud
                .run(phase, &cold(&id, "compute1", Some("compute2")))
                .await,
        );
        let ActionError::Denied(problem) = error else {
            panic!("{phase}: expected denied, got {error:?}")
        };
        assert!(problem.message.contains("admin"), "{}", problem.message);
    }
    assert!(
        cloud.nova.requests().iter().all(|r| r.method == "GET"),
        "no change was attempted"
    );
    assert_eq!(cloud.server(&id).host, "compute1");
}

#[tokio::test]
async fn nova_403_on_migrate_is_denied_and_keeps_nova_answer() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    cloud.nova.inject(nova_double::Fault::HttpStatus {
        method: Some("POST".into()),
        path_contains: "/action".into(),
        status: 403,
        count: 1,
    });
    let error = error(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    let ActionError::Denied(problem) = error else {
        panic!("expected denied, got {error:?}")
    };
    let api = problem.api.expect("Nova's answer is kept");
    assert_eq!(api.status, 403);
    assert!(api.request_id.is_some());
    assert_eq!(cloud.server(&id).host, "compute1");
    assert!(cloud.nova.migrations().is_empty());
}

#[tokio::test]
async fn an_admin_token_twin_of_the_denial_succeeds() {
    let cloud = Bench::start().await;
    let id = cloud
        .nova
        .add_server(nova_double::ServerSpec::active("compute1").owned_by("demo", "demo"));
    details(
        cloud
            .run(Phase::Execute, &cold(&id, "compute1", Some("compute2")))
            .await,
    );
    assert_eq!(cloud.server(&id).host, "compute2");
}

#[tokio::test]
async fn an_unreachable_nova_is_a_transport_error() {
    let mut cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    // A port nothing listens on: bind one, learn it, close it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    cloud.call.compute_endpoint = format!("http://{closed}/v2.1");
    let error = error(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    assert!(matches!(error, ActionError::Transport(_)), "{error:?}");
}

#[tokio::test]
async fn a_compute_endpoint_that_is_not_a_url_is_a_host_error() {
    let (runtime, plugin) = plugin();
    let call = wasm_action_host::Call::new("nova.example:8774", None);
    let result = runtime.call(plugin, &call, Phase::PreCondition, "{}").await;
    assert!(matches!(result, Err(HostError::Context(_))), "{result:?}");
}

#[tokio::test]
async fn the_pre_condition_twin_with_a_token_proceeds() {
    let cloud = Bench::start().await;
    let id = cloud.active_on("compute1");
    let readiness = readiness(
        cloud
            .run(
                Phase::PreCondition,
                &cold(&id, "compute1", Some("compute2")),
            )
            .await,
    );
    assert_eq!(readiness, Readiness::Proceed);
}
