//! From an HTTP request to a Keystone answer: version documents, issuing and validating tokens,
//! and Keystone's error bodies.

use std::time::SystemTime;

use http::Method;
use serde_json::{Value, json};

use crate::auth::{Refusal, authenticate};
use crate::state::{BOOTSTRAP_ROLES, IssuedToken, Shared, State};
use crate::token::{token_body, with_implied};

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
        (&Method::GET, "/v3/roles") => list_roles(shared, &parts.headers),
        (_, "" | "/v3" | "/v3/auth/tokens" | "/v3/roles") => error(
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
        Err(Refusal::MethodRefused(message)) => {
            let mut refused = error(401, &message, "Unauthorized");
            if let Some(body) = refused.body.as_mut() {
                body["error"]["identity"] = json!({});
            }
            return refused;
        }
        Err(Refusal::NotFound(message)) => return error(404, &message, "Not Found"),
    };
    state.issued += 1;
    let serial = state.config.distinct_tokens.then_some(state.issued);
    let id = token.id(serial);
    let body = token_body(&state, &token, &shared.identity_url(), with_catalog);
    state.tokens.insert(id.clone(), token);
    tracing::debug!(issued = state.issued, "keystone-double: token issued");
    Outcome {
        status: 201,
        body: Some(body),
        subject_token: Some(id),
    }
}

/// `GET /v3/auth/tokens`: `X-Auth-Token` must be valid; `X-Subject-Token` is the one shown, to
/// Keystone 30's `identity:validate_token` (admin, service, or the token's own user) only.
fn validate(shared: &Shared, headers: &http::HeaderMap, with_catalog: bool) -> Outcome {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let now = SystemTime::now();
    let mut state = shared.lock();
    state.validations += 1;
    let Some(caller) = caller(&state, headers, now).cloned() else {
        return unauthorized();
    };
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
    // Like Keystone, the subject is looked up first: an unknown one is a 404 to anyone.
    let allowed = has_any_role(&caller, &["admin", "service"]) || caller.user_id == token.user_id;
    if !allowed {
        return forbidden("identity:validate_token");
    }
    Outcome {
        status: 200,
        body: Some(token_body(
            &state,
            token,
            &shared.identity_url(),
            with_catalog,
        )),
        subject_token: Some(subject.to_string()),
    }
}

/// `GET /v3/roles`: the bootstrap roles and the configured ones, to an admin only
/// (`identity:list_roles`).
fn list_roles(shared: &Shared, headers: &http::HeaderMap) -> Outcome {
    let state = shared.lock();
    let Some(caller) = caller(&state, headers, SystemTime::now()) else {
        return unauthorized();
    };
    if !has_any_role(caller, &["admin"]) {
        return forbidden("identity:list_roles");
    }
    let url = format!("{}/roles", shared.identity_url());
    Outcome::json(
        200,
        json!({
            "roles": roles(&state, &url),
            "links": { "self": url, "previous": null, "next": null },
        }),
    )
}

/// Each role as Keystone lists it; bootstrap's own are immutable.
fn roles(state: &State, url: &str) -> Vec<Value> {
    let role = |(name, id): (&String, &String)| {
        let immutable = BOOTSTRAP_ROLES.contains(&name.as_str());
        json!({
            "id": id,
            "name": name,
            "domain_id": null,
            "description": null,
            "options": if immutable { json!({ "immutable": true }) } else { json!({}) },
            "links": { "self": format!("{url}/{id}") },
        })
    };
    state.role_ids.iter().map(role).collect()
}

/// The token the caller presented (`X-Auth-Token`), while it is valid.
fn caller<'a>(
    state: &'a State,
    headers: &http::HeaderMap,
    now: SystemTime,
) -> Option<&'a IssuedToken> {
    let token = headers.get("x-auth-token").and_then(|v| v.to_str().ok())?;
    state.valid_token(token, now)
}

/// Whether the token carries one of `roles`, directly or by implication.
fn has_any_role(token: &IssuedToken, roles: &[&str]) -> bool {
    with_implied(&token.roles)
        .iter()
        .any(|r| roles.contains(&r.as_str()))
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

fn forbidden(rule: &str) -> Outcome {
    let message = format!("You are not authorized to perform the requested action: {rule}.");
    error(403, &message, "Forbidden")
}

fn error(code: u16, message: &str, title: &str) -> Outcome {
    Outcome::json(
        code,
        json!({ "error": { "code": code, "message": message, "title": title } }),
    )
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddr};
    use std::time::Duration;

    use super::*;
    use crate::config::{Config, User};

    fn shared() -> Shared {
        let service = User::new("nova", "nova-password").with_roles("admin", &["service"]);
        let config = Config::default().with_user(service);
        Shared::new(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 5000)))
    }

    /// A token of `user` on `project` with the roles the configuration gives it.
    fn token(shared: &Shared, user: &str, project: &str) -> String {
        let mut state = shared.lock();
        let found = state.config.users.iter().find(|u| u.id == user);
        let roles = found.and_then(|u| u.roles.get(project)).cloned();
        let now = SystemTime::now();
        let token = IssuedToken {
            user_id: user.to_string(),
            project_id: Some(project.to_string()),
            roles: roles.expect("the user has a role on the project"),
            methods: vec!["password"],
            issued_at: now,
            expires_at: now + Duration::from_secs(60),
            application_credential: None,
        };
        let id = token.id(None);
        state.tokens.insert(id.clone(), token);
        id
    }

    fn get(shared: &Shared, path: &str, headers: &[(&str, &str)]) -> Outcome {
        let mut request = http::Request::builder().method("GET").uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (parts, ()) = request.body(()).expect("a request").into_parts();
        respond(shared, &parts, b"")
    }

    fn validate(shared: &Shared, caller: &str, subject: &str) -> Outcome {
        let headers = [("x-auth-token", caller), ("x-subject-token", subject)];
        get(shared, "/v3/auth/tokens", &headers)
    }

    #[test]
    fn a_member_validates_its_own_token_but_not_anothers() {
        let shared = shared();
        let demo = token(&shared, "demo", "demo");
        let admin = token(&shared, "admin", "admin");
        assert_eq!(validate(&shared, &demo, &demo).status, 200);
        let refused = validate(&shared, &demo, &admin);
        assert_eq!(refused.status, 403);
        let body = refused.body.expect("Keystone's error");
        assert_eq!(
            body["error"]["message"],
            "You are not authorized to perform the requested action: identity:validate_token."
        );
        // The subject is looked up first: an unknown token is a 404 to the member too.
        assert_eq!(validate(&shared, &demo, "gAAAAABnot-a-token").status, 404);
    }

    #[test]
    fn an_admin_or_a_service_user_validates_anyones_token() {
        let shared = shared();
        let demo = token(&shared, "demo", "demo");
        for caller in [
            token(&shared, "admin", "admin"),
            token(&shared, "nova", "admin"),
        ] {
            assert_eq!(validate(&shared, &caller, &demo).status, 200, "{caller}");
        }
    }

    #[test]
    fn an_admin_lists_the_bootstrap_roles_with_uuid_ids_and_a_member_may_not() {
        let shared = shared();
        let admin = token(&shared, "admin", "admin");
        let listed = get(&shared, "/v3/roles", &[("x-auth-token", &admin)]);
        assert_eq!(listed.status, 200);
        let body = listed.body.expect("roles");
        let roles = body["roles"].as_array().expect("a list");
        let mut names: Vec<&str> = roles.iter().filter_map(|r| r["name"].as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["admin", "manager", "member", "reader", "service"]);
        let ids = roles.iter().filter_map(|r| r["id"].as_str());
        assert!(ids.clone().all(crate::state::is_uuid_hex));
        assert!(
            ids.clone()
                .all(|id| shared.lock().role_ids.values().any(|v| v == id))
        );
        let demo = token(&shared, "demo", "demo");
        let refused = get(&shared, "/v3/roles", &[("x-auth-token", &demo)]);
        assert_eq!(refused.status, 403);
    }

    #[test]
    fn an_application_credential_with_a_scope_is_a_401_that_says_why() {
        let shared = shared();
        let body = json!({ "auth": {
            "identity": { "methods": ["application_credential"], "application_credential": {
                "id": crate::APP_CREDENTIAL_ID, "secret": crate::APP_CREDENTIAL_SECRET } },
            "scope": { "project": { "id": "admin" } },
        } });
        let request = http::Request::builder()
            .method("POST")
            .uri("/v3/auth/tokens")
            .body(())
            .expect("a request");
        let (parts, ()) = request.into_parts();
        let refused = respond(&shared, &parts, body.to_string().as_bytes());
        assert_eq!(refused.status, 401);
        assert_eq!(
            refused.body,
            Some(json!({ "error": {
                "code": 401,
                "identity": {},
                "message": "Error authenticating with application credential: Application \
                            credentials cannot request a scope.",
                "title": "Unauthorized",
            } }))
        );
    }
}
