//! Sessions against the Keystone double: each method, catalog lookup, refusals, expiry and
//! renewal, and the whole chain to the Nova double.

use std::time::Duration;

use cloud_auth::{AuthError, AuthOptions, Interface, Secret, Session};
use keystone_double::{
    APP_CREDENTIAL_ID, APP_CREDENTIAL_NAME, APP_CREDENTIAL_SECRET, Config, Endpoint, KeystoneDouble,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{admin_env, resolve_owned};

async fn keystone(config: Config) -> KeystoneDouble {
    KeystoneDouble::start(config)
        .await
        .expect("the double starts")
}

async fn admin_session(keystone: &KeystoneDouble) -> Session {
    let options = resolve_owned(&admin_env(&keystone.endpoint())).expect("admin resolves");
    Session::connect(options)
        .await
        .expect("admin authenticates")
}

#[tokio::test]
async fn password_login_gets_a_token_and_the_public_compute_endpoint() {
    let keystone = keystone(Config::default()).await;
    let session = admin_session(&keystone).await;
    assert_eq!(
        session.compute_endpoint(),
        "http://nova-public.invalid/v2.1"
    );
    let token = session.token().await.expect("a token");
    assert_eq!(token.expose(), "admin:admin:admin");
    assert_eq!(keystone.tokens_issued(), 1);
}

#[tokio::test]
async fn application_credential_by_id_authenticates_without_a_scope() {
    let keystone = keystone(Config::default()).await;
    let options = resolve_owned(&[
        ("OS_AUTH_URL", keystone.endpoint()),
        ("OS_AUTH_TYPE", "v3applicationcredential".into()),
        ("OS_APPLICATION_CREDENTIAL_ID", APP_CREDENTIAL_ID.into()),
        (
            "OS_APPLICATION_CREDENTIAL_SECRET",
            APP_CREDENTIAL_SECRET.into(),
        ),
    ])
    .expect("resolves");
    let session = Session::connect(options).await.expect("authenticates");
    assert_eq!(
        session
            .token()
            .await
            .ok()
            .map(|t| t.expose().to_string())
            .as_deref(),
        Some("admin:admin:admin")
    );
    let sent = &keystone.requests()[0].body;
    assert!(!sent.contains("scope"), "{sent}");
}

#[tokio::test]
async fn application_credential_by_name_and_user_authenticates() {
    let keystone = keystone(Config::default()).await;
    let options = resolve_owned(&[
        ("OS_AUTH_URL", keystone.endpoint()),
        ("OS_APPLICATION_CREDENTIAL_NAME", APP_CREDENTIAL_NAME.into()),
        (
            "OS_APPLICATION_CREDENTIAL_SECRET",
            APP_CREDENTIAL_SECRET.into(),
        ),
        ("OS_USERNAME", "admin".into()),
        ("OS_USER_DOMAIN_NAME", "Default".into()),
    ])
    .expect("resolves");
    assert!(Session::connect(options).await.is_ok());
    assert_eq!(keystone.tokens_issued(), 1);
}

#[tokio::test]
async fn an_unknown_application_credential_is_refused_with_keystones_404_reason() {
    let keystone = keystone(Config::default()).await;
    let options = resolve_owned(&[
        ("OS_AUTH_URL", keystone.endpoint()),
        ("OS_APPLICATION_CREDENTIAL_ID", "no-such-credential".into()),
        ("OS_APPLICATION_CREDENTIAL_SECRET", "whatever".into()),
    ])
    .expect("resolves");
    match Session::connect(options).await {
        Err(AuthError::Refused {
            who,
            status,
            message,
        }) => {
            assert_eq!(who, "application credential 'no-such-credential'");
            assert_eq!(status, 404);
            let reason = "Could not find Application Credential: no-such-credential.";
            assert_eq!(message, reason);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn given_token_is_exchanged_for_a_project_scoped_one_and_not_renewed() {
    let keystone = keystone(Config::default()).await;
    let given = keystone
        .issue_token("demo", "demo")
        .expect("demo has a role on demo");
    let options = resolve_owned(&[
        ("OS_AUTH_URL", keystone.endpoint()),
        ("OS_TOKEN", given.clone()),
        ("OS_PROJECT_ID", "demo".into()),
    ])
    .expect("resolves");
    let session = Session::connect(options)
        .await
        .expect("the token is accepted");
    assert_eq!(
        session.token().await.ok().map(|t| t.expose().to_string()),
        Some(given.clone())
    );
    assert_eq!(session.renew(&given).await.ok(), Some(None));
    assert_eq!(keystone.tokens_issued(), 2);
}

/// Exchanges `token` for a project-scoped one, as `OS_TOKEN` does.
async fn exchange(keystone: &KeystoneDouble, token: &str) -> Result<Session, AuthError> {
    let options = resolve_owned(&[
        ("OS_AUTH_URL", keystone.endpoint()),
        ("OS_TOKEN", token.to_string()),
        ("OS_PROJECT_ID", "demo".into()),
    ])
    .expect("resolves");
    Session::connect(options).await
}

#[tokio::test]
async fn an_expired_or_unknown_given_token_is_refused_with_keystones_404_reason() {
    // Real Keystone 30 answers a presented token it cannot validate with 404, not 401.
    // Whole seconds, as Keystone's: the token expires within the second.
    let keystone = keystone(Config::default().with_token_lifetime(Duration::from_secs(1))).await;
    let given = keystone
        .issue_token("demo", "demo")
        .expect("demo has a role on demo");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for (token, reason) in [
        (given.as_str(), "Failed to validate token"),
        ("gAAAAABnot-a-token", "Could not recognize Fernet token"),
    ] {
        match exchange(&keystone, token).await {
            Err(AuthError::Refused {
                who,
                status,
                message,
            }) => {
                assert_eq!((who.as_str(), status), ("the given token", 404));
                assert!(message.contains(reason), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn given_token_with_an_endpoint_override_makes_no_call_at_all() {
    let options = AuthOptions::with_token("http://nova:8774/v2.1/", Secret::new("fixed"));
    let session = Session::connect(options).await.expect("no Keystone needed");
    assert_eq!(session.compute_endpoint(), "http://nova:8774/v2.1");
    assert_eq!(session.token().await.ok(), Some(Secret::new("fixed")));
    assert_eq!(session.renew("fixed").await.ok(), Some(None));
}

#[tokio::test]
async fn catalog_lookup_follows_interface_and_region() {
    let config = Config::default()
        .with_compute("RegionTwo", "http://two.invalid/v2.1")
        .with_endpoint(Endpoint {
            service_type: "compute".into(),
            interface: "internal".into(),
            region: "RegionThree".into(),
            url: "http://three-internal.invalid/v2.1/".into(),
        });
    let keystone = keystone(config).await;
    let mut vars = admin_env(&keystone.endpoint());
    vars.push(("OS_REGION_NAME", "RegionThree".into()));
    vars.push(("OS_INTERFACE", "internal".into()));
    let options = resolve_owned(&vars).expect("resolves");
    assert_eq!(options.interface, Interface::Internal);
    let session = Session::connect(options).await.expect("found");
    assert_eq!(
        session.compute_endpoint(),
        "http://three-internal.invalid/v2.1"
    );
}

#[tokio::test]
async fn missing_compute_endpoint_lists_what_the_catalog_has() {
    let keystone = keystone(Config::default()).await;
    let mut vars = admin_env(&keystone.endpoint());
    vars.push(("OS_REGION_NAME", "RegionTwo".into()));
    vars.push(("OS_INTERFACE", "internal".into()));
    let options = resolve_owned(&vars).expect("resolves");
    let error = Session::connect(options).await.err();
    assert!(
        matches!(error, Some(AuthError::NoComputeEndpoint { .. })),
        "{error:?}"
    );
    assert_eq!(
        error.map(|e| e.to_string()).unwrap_or_default(),
        "no compute endpoint for interface 'internal' in region 'RegionTwo'; the catalog has: \
         public/RegionOne, internal/RegionOne, admin/RegionOne"
    );
}

/// The real-Nova harness's catalog: compute public/internal/admin in RegionOne, public and
/// internal only in RegionTwo.
fn no_admin_compute_in_region_two() -> Config {
    let two = |interface: &str| Endpoint {
        service_type: "compute".into(),
        interface: interface.into(),
        region: "RegionTwo".into(),
        url: "http://nova-two.invalid/v2.1".into(),
    };
    Config::default()
        .with_endpoint(two("public"))
        .with_endpoint(two("internal"))
}

#[tokio::test]
async fn an_interface_the_region_lacks_for_compute_names_what_the_catalog_has() {
    let keystone = keystone(no_admin_compute_in_region_two()).await;
    let mut vars = admin_env(&keystone.endpoint());
    vars.push(("OS_REGION_NAME", "RegionTwo".into()));
    vars.push(("OS_INTERFACE", "admin".into()));
    let options = resolve_owned(&vars).expect("resolves");
    let error = Session::connect(options).await.err();
    assert_eq!(
        error.map(|e| e.to_string()).unwrap_or_default(),
        "no compute endpoint for interface 'admin' in region 'RegionTwo'; the catalog has: \
         public/RegionOne, internal/RegionOne, admin/RegionOne, public/RegionTwo, internal/RegionTwo"
    );
}

#[tokio::test]
async fn compute_endpoint_override_wins_over_the_catalog() {
    let keystone = keystone(Config::default()).await;
    let mut options = resolve_owned(&admin_env(&keystone.endpoint())).expect("resolves");
    options.compute_endpoint = Some("http://override.invalid/v2.1".into());
    let session = Session::connect(options).await.expect("authenticates");
    assert_eq!(session.compute_endpoint(), "http://override.invalid/v2.1");
    assert_eq!(keystone.tokens_issued(), 1);
}

#[tokio::test]
async fn wrong_password_is_a_refusal_that_names_the_user() {
    let keystone = keystone(Config::default()).await;
    let mut vars = admin_env(&keystone.endpoint());
    vars.retain(|(k, _)| *k != "OS_PASSWORD" && *k != "OS_USERNAME");
    vars.push(("OS_USERNAME", "demo".into()));
    vars.push(("OS_PASSWORD", "not-the-password".into()));
    let error = Session::connect(resolve_owned(&vars).expect("resolves"))
        .await
        .err();
    assert!(
        matches!(error, Some(AuthError::Refused { status: 401, .. })),
        "{error:?}"
    );
    let text = error.as_ref().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        text,
        "Keystone refused the credentials of user 'demo' (401): The request you have made \
         requires authentication."
    );
    assert!(!format!("{error:?}").contains("not-the-password"));
}

#[tokio::test]
async fn unreachable_keystone_is_reported_with_its_url() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v3", closed.local_addr().expect("addr"));
    drop(closed);
    let options = resolve_owned(&admin_env(&url)).expect("resolves");
    let error = Session::connect(options).await.err();
    let text = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.starts_with(&format!("cannot reach Keystone at {url}/auth/tokens: ")),
        "{text}"
    );
}

#[tokio::test]
async fn fresh_token_is_reused() {
    let keystone = keystone(Config::default()).await;
    let session = admin_session(&keystone).await;
    for _ in 0..3 {
        assert!(session.clone().token().await.is_ok());
    }
    assert_eq!(keystone.tokens_issued(), 1);
}

#[tokio::test]
async fn token_near_expiry_is_replaced_before_use() {
    // Keystone's lifetimes are whole seconds: 2 s shows as 2 s, so the margin is 1 s.
    let config = Config::default().with_token_lifetime(Duration::from_secs(2));
    let keystone = keystone(config).await;
    let session = admin_session(&keystone).await;
    assert!(session.token().await.is_ok());
    assert_eq!(keystone.tokens_issued(), 1);
    // Within half the lifetime of expiry (the margin is capped for short-lived tokens).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(session.token().await.is_ok());
    assert_eq!(keystone.tokens_issued(), 2);
}

#[tokio::test]
async fn renewing_a_stale_token_asks_keystone_once() {
    let config = Config {
        distinct_tokens: true,
        ..Config::default()
    };
    let keystone = keystone(config).await;
    let session = admin_session(&keystone).await;
    let stale = session.token().await.expect("a token");
    let (first, second) =
        tokio::join!(session.renew(stale.expose()), session.renew(stale.expose()));
    let (first, second) = (first.ok().flatten(), second.ok().flatten());
    assert!(first.is_some() && first != Some(stale.clone()), "{first:?}");
    assert_eq!(first, second);
    assert_eq!(keystone.tokens_issued(), 2);
    assert_eq!(session.token().await.ok(), first);
}

#[tokio::test]
async fn keystone_tokens_and_catalog_drive_the_nova_double() {
    let nova = nova_double::NovaDouble::start(nova_double::Config::default())
        .await
        .expect("nova starts");
    let config = Config::default().with_compute("RegionOne", &nova.endpoint());
    let keystone = keystone(config).await;
    let session = admin_session(&keystone).await;
    let token = session.token().await.expect("a token");
    let status = get_status(&nova.addr(), "/v2.1/servers", &token).await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert_eq!(session.compute_endpoint(), nova.endpoint());
}

/// The status line of a bare HTTP/1.1 GET, to keep the test free of an HTTP client.
async fn get_status(addr: &std::net::SocketAddr, path: &str, token: &Secret) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nX-Auth-Token: {}\r\nConnection: close\r\n\r\n",
        token.expose()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    answer.lines().next().unwrap_or_default().to_string()
}
