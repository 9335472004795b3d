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

#[tokio::test]
async fn a_401_is_retried_once_with_a_renewed_token() {
    let mut scene = Scene::new().await;
    let credentials = Arc::new(Rotating::default());
    scene.call.credentials = Some(credentials.clone());
    reject_next_request_with_401(&scene);
    let answer = scene
        .run(
            "well-behaved",
            Phase::Execute,
            serde_json::json!({"resource_id": scene.server}),
        )
        .await;
    let Ok(Ok(PhaseOutput::Outcome(outcome))) = answer else {
        panic!("expected an outcome, got {answer:?}")
    };
    assert_eq!(outcome.summary, "status 200");
    assert_eq!(credentials.renewals.load(Ordering::SeqCst), 1);
    let tokens: Vec<_> = scene
        .nova
        .requests()
        .iter()
        .map(|r| r.header("x-auth-token").unwrap_or_default().to_string())
        .collect();
    assert_eq!(tokens, vec!["admin:admin:old", "admin:admin:new"]);
}

#[tokio::test]
async fn the_twin_without_renewal_passes_the_401_on() {
    let scene = Scene::new().await;
    reject_next_request_with_401(&scene);
    let answer = scene
        .run(
            "well-behaved",
            Phase::Execute,
            serde_json::json!({"resource_id": scene.server}),
        )
        .await;
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
