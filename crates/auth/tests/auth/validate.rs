//! `Session::validate_token` against the Keystone double: a caller's token vouched for with its
//! user, project and roles, or refused when unknown, expired or revoked; Keystone's own failures
//! kept apart from a bad token; tokens never in an error.

use std::time::{Duration, SystemTime};

use cloud_auth::{Session, ValidationError};
use keystone_double::{Config, KeystoneDouble};

use crate::support::{admin_env, resolve_owned};

/// A double whose tokens differ per issue, and this service's session as its admin.
async fn keystone_and_service() -> (KeystoneDouble, Session) {
    let config = Config {
        distinct_tokens: true,
        ..Config::default()
    };
    let keystone = KeystoneDouble::start(config)
        .await
        .expect("the double starts");
    let options = resolve_owned(&admin_env(&keystone.endpoint())).expect("admin resolves");
    let session = Session::connect(options)
        .await
        .expect("admin authenticates");
    (keystone, session)
}

fn validations(keystone: &KeystoneDouble) -> Vec<keystone_double::RecordedRequest> {
    let requests = keystone.requests().into_iter();
    requests.filter(|r| r.method == "GET").collect()
}

#[tokio::test]
async fn a_member_token_is_vouched_for_with_its_user_project_and_roles() {
    let (keystone, service) = keystone_and_service().await;
    let caller = keystone
        .issue_token("demo", "demo")
        .expect("demo has a role");
    let token = service.validate_token(&caller).await.expect("valid");
    assert_eq!(token.user_id, "demo");
    assert_eq!(token.project_id.as_deref(), Some("demo"));
    // member implies reader, as Keystone 30's bootstrap makes it.
    assert!(
        token.has_role("member") && token.has_role("reader"),
        "{:?}",
        token.roles
    );
    assert!(!token.has_role("admin"));
    assert!(token.expires_at > SystemTime::now());
    let sent = validations(&keystone);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("x-subject-token"), Some(caller.as_str()));
    let own = service.token().await.expect("own token");
    assert_eq!(sent[0].header("x-auth-token"), Some(own.expose()));
    assert_eq!(sent[0].query.as_deref(), Some("nocatalog"));
    assert_eq!(keystone.tokens_validated(), 1);
}

#[tokio::test]
async fn an_unknown_token_is_not_valid_and_its_error_does_not_quote_it() {
    let (_keystone, service) = keystone_and_service().await;
    let error = service.validate_token("garbage-token-xyzzy").await;
    let error = error.expect_err("Keystone does not know it");
    assert!(matches!(error, ValidationError::NotValid), "{error:?}");
    assert!(!error.is_transient());
    assert!(!error.to_string().contains("xyzzy"), "{error}");
}

#[tokio::test]
async fn an_expired_token_is_not_valid() {
    let (keystone, service) = keystone_and_service().await;
    // Whole seconds, as Keystone's: the token expires within the second.
    keystone.set_token_lifetime(Duration::from_secs(1));
    let caller = keystone.issue_token("admin", "admin").expect("admin");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let error = service.validate_token(&caller).await;
    assert!(matches!(error, Err(ValidationError::NotValid)), "{error:?}");
}

#[tokio::test]
async fn a_revoked_token_is_not_valid() {
    let (keystone, service) = keystone_and_service().await;
    let caller = keystone.issue_token("admin", "admin").expect("admin");
    assert!(service.validate_token(&caller).await.is_ok());
    assert!(keystone.revoke(&caller));
    let error = service.validate_token(&caller).await;
    assert!(matches!(error, Err(ValidationError::NotValid)), "{error:?}");
}

#[tokio::test]
async fn a_refused_service_token_is_renewed_once_and_the_validation_asked_again() {
    let (keystone, service) = keystone_and_service().await;
    keystone.revoke_all(); // this service's own token with the rest
    let caller = keystone.issue_token("admin", "admin").expect("admin");
    let token = service.validate_token(&caller).await.expect("valid");
    assert_eq!(token.user_id, "admin");
    assert_eq!(
        keystone.tokens_validated(),
        2,
        "refused once, then asked again"
    );
    assert_eq!(
        keystone.tokens_issued(),
        3,
        "login, the caller's, the renewal"
    );
}

#[tokio::test]
async fn an_unreachable_keystone_is_a_transient_keystone_error_not_a_bad_token() {
    let (keystone, service) = keystone_and_service().await;
    let caller = keystone.issue_token("admin", "admin").expect("admin");
    keystone.shutdown();
    let error = service.validate_token(&caller).await;
    let error = error.expect_err("nobody to ask");
    assert!(matches!(error, ValidationError::Keystone(_)), "{error:?}");
    assert!(error.is_transient(), "{error}");
    assert!(!error.to_string().contains(&caller), "{error}");
}

#[tokio::test]
async fn a_token_with_a_line_break_is_refused_without_asking_keystone() {
    let (keystone, service) = keystone_and_service().await;
    let error = service
        .validate_token("admin:admin:admin\r\nX-Evil: 1")
        .await;
    assert!(matches!(error, Err(ValidationError::NotValid)), "{error:?}");
    assert_eq!(keystone.tokens_validated(), 0);
}
