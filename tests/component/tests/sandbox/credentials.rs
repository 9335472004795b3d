//! Re-authentication is the host's job: a 401 gets one retry with a renewed token.

use crate::bench::*;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use wasm_action_host::{BoxFuture, Credentials, CredentialsError, Phase, PhaseOutput};

/// Hands out `admin:admin:old` until asked to renew, then `admin:admin:new`.
#[derive(Debug, Default)]
struct Rotating {
    renewals: AtomicU32,
}

impl Credentials for Rotating {
    fn token(&self) -> BoxFuture<'_, Result<String, CredentialsError>> {
        let renewed = self.renewals.load(Ordering::SeqCst) > 0;
        Box::pin(async move {
            Ok(if renewed {
                "admin:admin:new"
            } else {
                "admin:admin:old"
            }
            .to_string())
        })
    }

    fn renew<'a>(
        &'a self,
        _stale: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, CredentialsError>> {
        self.renewals.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(Some("admin:admin:new".to_string())) })
    }
}

fn reject_next_request_with_401(scene: &Scene) {
    scene.nova.inject(nova_double::Fault::HttpStatus {
        method: Some("GET".into()),
        path_contains: "/servers/".into(),
        status: 401,
        count: 1,
    });
}

/// Nova rejects the next request with 401; the well-behaved plugin's execute then runs.
async fn execute_after_a_401(
    scene: &Scene,
) -> Result<wasm_action_host::PhaseResult, wasm_action_host::HostError> {
    reject_next_request_with_401(scene);
    scene
        .run(
            "well-behaved",
            Phase::Execute,
            serde_json::json!({"resource_id": scene.server}),
        )
        .await
}

/// The token of every request Nova received, in order.
fn tokens_nova_saw(scene: &Scene) -> Vec<String> {
    let requests = scene.nova.requests();
    let tokens = requests
        .iter()
        .map(|r| r.header("x-auth-token").unwrap_or_default());
    tokens.map(str::to_string).collect()
}

#[tokio::test]
async fn a_401_is_retried_once_with_a_renewed_token() {
    let mut scene = Scene::new().await;
    let credentials = Arc::new(Rotating::default());
    scene.call.credentials = Some(credentials.clone());
    let answer = execute_after_a_401(&scene).await;
    let Ok(Ok(PhaseOutput::Outcome(outcome))) = answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert_eq!(outcome.summary, "status 200");
    assert_eq!(credentials.renewals.load(Ordering::SeqCst), 1);
    let tokens = tokens_nova_saw(&scene);
    assert_eq!(tokens, vec!["admin:admin:old", "admin:admin:new"]);
}

#[tokio::test]
async fn the_twin_without_renewal_passes_the_401_on() {
    let scene = Scene::new().await;
    let answer = execute_after_a_401(&scene).await;
    let Ok(Ok(PhaseOutput::Outcome(outcome))) = answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert_eq!(outcome.summary, "status 401");
    assert_eq!(
        scene.nova.requests().len(),
        1,
        "a fixed token is not retried"
    );
}

/// A Keystone whose renewal fails with `failure` the first `outages` times, then works.
#[derive(Debug)]
struct FlakyRenewal {
    outages: AtomicU32,
    refuse: bool,
    asked: AtomicU32,
}

impl FlakyRenewal {
    fn new(outages: u32, refuse: bool) -> FlakyRenewal {
        FlakyRenewal {
            outages: AtomicU32::new(outages),
            refuse,
            asked: AtomicU32::new(0),
        }
    }
}

impl Credentials for FlakyRenewal {
    fn token(&self) -> BoxFuture<'_, Result<String, CredentialsError>> {
        Box::pin(async { Ok("admin:admin:old".to_string()) })
    }

    fn renew<'a>(
        &'a self,
        _stale: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, CredentialsError>> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let failing = self
            .outages
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let refuse = self.refuse;
        Box::pin(async move {
            match (failing, refuse) {
                (true, true) => Err(CredentialsError::refused("Keystone answered 401")),
                (true, false) => Err(CredentialsError::unavailable("Keystone answered 503")),
                (false, _) => Ok(Some("admin:admin:new".to_string())),
            }
        })
    }
}

#[tokio::test]
async fn a_renewal_that_fails_transiently_is_asked_again() {
    let mut scene = Scene::new().await;
    let keystone = Arc::new(FlakyRenewal::new(2, false));
    scene.call.credentials = Some(keystone.clone());
    let answer = execute_after_a_401(&scene).await;
    let Ok(Ok(PhaseOutput::Outcome(outcome))) = answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert_eq!(outcome.summary, "status 200");
    assert_eq!(
        keystone.asked.load(Ordering::SeqCst),
        3,
        "two outages, then a token"
    );
    let tokens = tokens_nova_saw(&scene);
    assert_eq!(tokens, vec!["admin:admin:old", "admin:admin:new"]);
}

#[tokio::test]
async fn a_refused_renewal_is_denied_at_once_and_not_asked_again() {
    let mut scene = Scene::new().await;
    let keystone = Arc::new(FlakyRenewal::new(5, true));
    scene.call.credentials = Some(keystone.clone());
    let answer = execute_after_a_401(&scene).await;
    let Ok(Err(wasm_action_host::ActionError::Denied(problem))) = answer else {
        panic!("expected denied, got {answer:?}")
    };
    assert!(problem.message.contains("HttpRequestDenied"), "{problem:?}");
    assert_eq!(
        keystone.asked.load(Ordering::SeqCst),
        1,
        "a refusal is final"
    );
    assert_eq!(scene.nova.requests().len(), 1, "nothing more reached Nova");
    let denials = scene.denials();
    assert!(
        denials
            .iter()
            .any(|(_, reason)| reason.starts_with("no token") && reason.contains("refused")),
        "{denials:?}"
    );
    scene.normal_call_succeeds().await;
}
