//! No password, application-credential secret or token shows up where it should not.

use cloud_auth::{AuthOptions, Overrides, Session};
use keystone_double::{ADMIN_PASSWORD, Config, KeystoneDouble};

use crate::support::{admin_env, env, resolve_owned, tempdir, write};

const PASSWORD: &str = "pw-7f3a9c";
const APP_SECRET: &str = "ac-secret-51d2e8";
const TOKEN: &str = "tok-0b6e44";

fn assert_hidden(shown: &str) {
    for secret in [PASSWORD, APP_SECRET, TOKEN, ADMIN_PASSWORD] {
        assert!(!shown.contains(secret), "a secret leaked into: {shown}");
    }
}

#[tokio::test]
async fn secrets_from_clouds_yaml_never_show_in_debug_or_display() {
    let keystone = KeystoneDouble::start(Config::default())
        .await
        .expect("starts");
    let dir = tempdir();
    let clouds = format!(
        "clouds:
  pw:
    auth: {{auth_url: '{url}', username: admin, password: {PASSWORD}, project_name: admin}}
  ac:
    auth: {{auth_url: '{url}', application_credential_id: nope, application_credential_secret: {APP_SECRET}}}
  tok:
    auth_type: token
    auth: {{auth_url: '{url}', token: {TOKEN}, project_id: admin}}
",
        url = keystone.endpoint()
    );
    let file = write(dir.path(), "clouds.yaml", &clouds);
    let path = file.to_string_lossy().to_string();
    let mut shown = String::new();
    for cloud in ["pw", "ac", "tok"] {
        let vars = env(&[("OS_CLIENT_CONFIG_FILE", &path), ("OS_CLOUD", cloud)]);
        let options = AuthOptions::resolve(&Overrides::default(), &vars).expect("resolves");
        shown += &format!("{options:?}\n{:?}\n", options.method);
        // All three are refused by the double (wrong password, unknown credential, unknown
        // token): the errors must not carry the secret either.
        let error = Session::connect(options).await.expect_err("refused");
        shown += &format!("{error}\n{error:?}\n");
    }
    assert_hidden(&shown);
    assert!(shown.contains("<redacted>"), "{shown}");
}

#[tokio::test]
async fn a_connected_session_does_not_show_its_token_or_password() {
    let keystone = KeystoneDouble::start(Config::default())
        .await
        .expect("starts");
    let session = Session::connect(resolve_owned(&admin_env(&keystone.endpoint())).expect("ok"))
        .await
        .expect("authenticates");
    let token = session.token().await.expect("a token");
    let shown = format!("{session:?} {token:?}");
    assert_hidden(&shown);
    assert!(!shown.contains(token.expose()), "{shown}");
}

#[tokio::test]
async fn secrets_reach_keystone_only_in_the_authentication_body() {
    let keystone = KeystoneDouble::start(Config::default())
        .await
        .expect("starts");
    let session = Session::connect(resolve_owned(&admin_env(&keystone.endpoint())).expect("ok"))
        .await
        .expect("authenticates");
    let stale = session.token().await.expect("a token");
    assert!(session.renew(stale.expose()).await.is_ok());
    let requests = keystone.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(
            (request.method.as_str(), request.path.as_str()),
            ("POST", "/v3/auth/tokens")
        );
        assert!(request.body.contains(ADMIN_PASSWORD), "{}", request.body);
        let elsewhere = format!("{} {:?} {:?}", request.path, request.query, request.headers);
        assert!(!elsewhere.contains(ADMIN_PASSWORD), "{elsewhere}");
        assert_eq!(request.header("x-auth-token"), None);
    }
}
