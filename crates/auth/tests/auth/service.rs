//! `Session::get`: a GET to another of the cloud's services with the session's token.

use cloud_auth::{ServiceError, Session};
use keystone_double::{Config, KeystoneDouble};
use nova_double::{NovaDouble, ServerSpec};

use crate::support::{admin_env, resolve_owned};

async fn session_for(nova: &NovaDouble) -> (KeystoneDouble, Session) {
    let config = Config::default().with_compute("RegionOne", &nova.endpoint());
    let keystone = KeystoneDouble::start(config)
        .await
        .expect("the double starts");
    let options = resolve_owned(&admin_env(&keystone.endpoint())).expect("admin resolves");
    let session = Session::connect(options)
        .await
        .expect("admin authenticates");
    (keystone, session)
}

#[tokio::test]
async fn get_sends_the_session_token_and_the_given_headers() {
    let nova = NovaDouble::start(nova_double::Config::default())
        .await
        .expect("nova starts");
    let id = nova.add_server(ServerSpec::active("compute2"));
    let (_keystone, session) = session_for(&nova).await;
    let url = format!("{}/servers/{id}", session.compute_endpoint());
    let reply = session
        .get(&url, &[("openstack-api-version", "compute 2.80")])
        .await
        .expect("an answer");
    assert_eq!(reply.status, 200);
    let body: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    assert_eq!(body["server"]["OS-EXT-SRV-ATTR:host"], "compute2");
    let token = session.token().await.expect("a token");
    let sent = nova.requests().pop().expect("one request");
    let header = |name: &str| {
        sent.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(header("x-auth-token").as_deref(), Some(token.expose()));
    assert_eq!(
        header("openstack-api-version").as_deref(),
        Some("compute 2.80")
    );
}

#[tokio::test]
async fn a_service_that_does_not_answer_is_named_and_is_not_called_keystone() {
    let nova = NovaDouble::start(nova_double::Config::default())
        .await
        .expect("nova starts");
    let (_keystone, session) = session_for(&nova).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = closed.local_addr().expect("its address").port();
    drop(closed);
    let url = format!("http://127.0.0.1:{port}/v2.1/servers");
    let error = session.get(&url, &[]).await.expect_err("nobody listens");
    assert!(
        matches!(error, ServiceError::Unreachable { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot reach {url}")),
        "{message}"
    );
    assert!(!message.contains("Keystone"), "{message}");
}
