//! From an HTTP request to a Keystone answer: version documents, issuing and validating tokens,
//! and Keystone's error bodies.

use std::time::SystemTime;

use http::Method;
use serde_json::{Value, json};

use crate::auth::{Refusal, authenticate};
use crate::state::Shared;
use crate::token::token_body;

/// A status, an optional JSON body and the token to put in `X-Subject-Token`.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) subject_token: Option<String>,
}

impl Outcome {
    fn json(status: u16, body: Value) -> Outcome {
        Outcome {
            status,
            body: Some(body),
            subject_token: None,
        }
    }
}

/// Answers one request.
pub(crate) fn respond(shared: &Shared, parts: &http::request::Parts, body: &[u8]) -> Outcome {
    let path = parts.uri.path().trim_end_matches('/');
    let with_catalog = !parts.uri.query().unwrap_or("").contains("nocatalog");
    match (&parts.method, path) {
        (&Method::GET, "") => Outcome::json(300, versions(shared)),
        (&Method::GET, "/v3") => Outcome::json(200, json!({ "version": version(shared) })),
        (&Method::POST, "/v3/auth/tokens") => issue(shared, body, with_catalog),
        (&Method::GET, "/v3/auth/tokens") => validate(shared, &parts.headers, with_catalog),
        (_, "" | "/v3" | "/v3/auth/tokens") => error(
            405,
            "The method is not allowed for the requested URL.",
            "Method Not Allowed",
        ),
        _ => error(404, "The resource could not be found.", "Not Found"),
    }
}

fn issue(shared: &Shared, body: &[u8], with_catalog: bool) -> Outcome {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return bad_request("Expecting to find valid JSON in request body.");
    };
    let now = SystemTime::now();
    let mut state = shared.lock();
    let token = match authenticate(&state, &request, now) {
        Ok(token) => token,
        Err(Refusal::BadRequest(message)) => return bad_request(&message),
        Err(Refusal::Unauthorized) => return unauthorized(),
        Err(Refusal::TokenNotFound(message)) => return error(404, message, "Not Found"),
    };
    state.issued += 1;
    let serial = state.config.distinct_tokens.then_some(state.issued);
    let id = token.id(serial);
    let body = token_body(&state.config, &token, &shared.identity_url(), with_catalog);
    state.tokens.insert(id.clone(), token);
    tracing::debug!(issued = state.issued, "keystone-double: token issued");
    Outcome {
        status: 201,
        body: Some(body),
        subject_token: Some(id),
    }
}

/// `GET /v3/auth/tokens`: `X-Auth-Token` must be valid; `X-Subject-Token` is the one shown.
fn validate(shared: &Shared, headers: &http::HeaderMap, with_catalog: bool) -> Outcome {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = SystemTime::now();
    let mut state = shared.lock();
    state.validations += 1;
    if header("x-auth-token")
        .and_then(|t| state.valid_token(t, now))
        .is_none()
    {
        return unauthorized();
    }
    let subject = header("x-subject-token").unwrap_or_default();
    let Some(token) = state.valid_token(subject, now) else {
        // Real Keystone 30 (fernet): an expired token fails validation, an unknown one is not
        // recognised.
        let message = match state.tokens.contains_key(subject) {
            true => "Failed to validate token",
            false => "Could not recognize Fernet token",
        };
        return error(404, message, "Not Found");
    };
    Outcome {
        status: 200,
        body: Some(token_body(
            &state.config,
            token,
            &shared.identity_url(),
            with_catalog,
        )),
        subject_token: Some(subject.to_string()),
    }
}

fn version(shared: &Shared) -> Value {
    json!({
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{ "rel": "self", "href": format!("{}/", shared.identity_url()) }],
        "media-types": [{
            "base": "application/json",
            "type": "application/vnd.openstack.identity-v3+json",
        }],
    })
}

fn versions(shared: &Shared) -> Value {
    json!({ "versions": { "values": [version(shared)] } })
}

fn bad_request(message: &str) -> Outcome {
    let message = format!(
        "{message} The server could not comply with the request since it is either malformed or \
         otherwise incorrect. The client is assumed to be in error."
    );
    error(400, &message, "Bad Request")
}

fn unauthorized() -> Outcome {
    error(
        401,
        "The request you have made requires authentication.",
        "Unauthorized",
    )
}

fn error(code: u16, message: &str, title: &str) -> Outcome {
    Outcome::json(
        code,
        json!({ "error": { "code": code, "message": message, "title": title } }),
    )
}
