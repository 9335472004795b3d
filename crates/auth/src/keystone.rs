//! Keystone v3 `POST /v3/auth/tokens`: the request for each method, and reading the token,
//! its expiry and the catalog out of the answer.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::Catalog;
use crate::error::AuthError;
use crate::http::{HttpClient, Reply};
use crate::options::{AuthMethod, CredentialRef, DomainRef, ProjectScope, UserRef};
use crate::secret::Secret;
use crate::time::parse_timestamp;

/// A token Keystone issued.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub(crate) token: Secret,
    /// `token.expires_at` as Keystone wrote it, for messages.
    pub(crate) expires_at: String,
    /// How long it lives, measured on Keystone's clock (`expires_at - issued_at`) so that a
    /// skewed local clock does not matter; from the local clock when `issued_at` is missing.
    pub(crate) lifetime: Duration,
    pub(crate) catalog: Catalog,
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: TokenBody,
}

#[derive(Deserialize)]
struct TokenBody {
    expires_at: String,
    #[serde(default)]
    issued_at: Option<String>,
    #[serde(default)]
    catalog: Catalog,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: ErrorBody,
}

#[derive(Deserialize)]
struct ErrorBody {
    message: String,
}

/// `{auth_url}/v3/auth/tokens`; an auth URL that already ends in `/v3` is used as it is.
pub(crate) fn tokens_url(auth_url: &str) -> Result<String, AuthError> {
    let base = auth_url.trim().trim_end_matches('/');
    let lower = base.to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return Err(invalid_url(
            auth_url,
            "it must start with http:// or https://",
        ));
    }
    if lower.ends_with("/v2.0") {
        return Err(invalid_url(
            auth_url,
            "Identity v2.0 is gone; use the v3 URL",
        ));
    }
    if lower.ends_with("/v3") {
        Ok(format!("{base}/auth/tokens"))
    } else {
        Ok(format!("{base}/v3/auth/tokens"))
    }
}

fn invalid_url(auth_url: &str, reason: &str) -> AuthError {
    AuthError::Invalid {
        setting: "auth_url",
        value: auth_url.to_string(),
        reason: reason.to_string(),
    }
}

/// Asks Keystone for a token.
pub(crate) async fn issue(
    client: &HttpClient,
    url: &str,
    method: &AuthMethod,
    project: Option<&ProjectScope>,
) -> Result<Issued, AuthError> {
    let body = request_body(method, project).to_string().into_bytes();
    tracing::debug!(%url, who = %who(method), "asking Keystone for a token");
    let reply = client.post_json(url, body).await?;
    read_reply(url, reply, method)
}

/// The JSON body for `method`, scoped to `project` (never for application credentials).
pub(crate) fn request_body(method: &AuthMethod, project: Option<&ProjectScope>) -> Value {
    let identity = match method {
        AuthMethod::Password { user, password } => {
            let mut user = user_json(user);
            user["password"] = json!(password.expose());
            json!({ "methods": ["password"], "password": { "user": user } })
        }
        AuthMethod::ApplicationCredential { credential, secret } => {
            let mut section = match credential {
                CredentialRef::Id(id) => json!({ "id": id }),
                CredentialRef::Name { name, user } => {
                    json!({ "name": name, "user": user_json(user) })
                }
            };
            section["secret"] = json!(secret.expose());
            json!({ "methods": ["application_credential"], "application_credential": section })
        }
        AuthMethod::Token(token) => {
            json!({ "methods": ["token"], "token": { "id": token.expose() } })
        }
    };
    let mut auth = json!({ "identity": identity });
    let scoped = !matches!(method, AuthMethod::ApplicationCredential { .. });
    if let (true, Some(project)) = (scoped, project) {
        auth["scope"] = json!({ "project": project_json(project) });
    }
    json!({ "auth": auth })
}

fn domain_json(domain: &DomainRef) -> Value {
    match domain {
        DomainRef::Id(id) => json!({ "id": id }),
        DomainRef::Name(name) => json!({ "name": name }),
    }
}

fn user_json(user: &UserRef) -> Value {
    match user {
        UserRef::Id(id) => json!({ "id": id }),
        UserRef::Name { name, domain } => json!({ "name": name, "domain": domain_json(domain) }),
    }
}

fn project_json(project: &ProjectScope) -> Value {
    match project {
        ProjectScope::Id(id) => json!({ "id": id }),
        ProjectScope::Name { name, domain } => {
            json!({ "name": name, "domain": domain_json(domain) })
        }
    }
}

/// Whose credentials these are, for messages: `user 'demo'`.
pub(crate) fn who(method: &AuthMethod) -> String {
    let user = |user: &UserRef| match user {
        UserRef::Id(id) => format!("user id '{id}'"),
        UserRef::Name { name, .. } => format!("user '{name}'"),
    };
    match method {
        AuthMethod::Password { user: u, .. } => user(u),
        AuthMethod::ApplicationCredential { credential, .. } => match credential {
            CredentialRef::Id(id) => format!("application credential '{id}'"),
            CredentialRef::Name { name, user: u } => {
                format!("application credential '{name}' of {}", user(u))
            }
        },
        AuthMethod::Token(_) => "the given token".to_string(),
    }
}

fn read_reply(url: &str, reply: Reply, method: &AuthMethod) -> Result<Issued, AuthError> {
    let status = reply.status.as_u16();
    // Keystone answers a presented token it cannot validate (expired, revoked, garbage), and an
    // application credential id it does not know, with 404, not 401: a refusal all the same.
    let not_found = status == 404
        && matches!(
            method,
            AuthMethod::Token(_) | AuthMethod::ApplicationCredential { .. }
        );
    if status == 401 || status == 403 || not_found {
        return Err(AuthError::Refused {
            who: who(method),
            status,
            message: scrub(&error_message(&reply.body), method),
        });
    }
    if !reply.status.is_success() {
        return Err(AuthError::Keystone {
            url: url.to_string(),
            status,
            message: scrub(&error_message(&reply.body), method),
        });
    }
    let bad = |reason: String| AuthError::BadAnswer {
        url: url.to_string(),
        reason,
    };
    let token = reply
        .subject_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no X-Subject-Token header".to_string()))?;
    let answer: TokenAnswer =
        serde_json::from_slice(&reply.body).map_err(|e| bad(format!("the body: {e}")))?;
    let body = answer.token;
    let expires = parse_timestamp(&body.expires_at)
        .ok_or_else(|| bad(format!("expires_at '{}' is not a time", body.expires_at)))?;
    let issued = body.issued_at.as_deref().and_then(parse_timestamp);
    let lifetime = match issued {
        Some(issued) => expires.duration_since(issued).unwrap_or_default(),
        None => expires
            .duration_since(SystemTime::now())
            .unwrap_or_default(),
    };
    Ok(Issued {
        token: Secret::new(token),
        expires_at: body.expires_at,
        lifetime,
        catalog: body.catalog,
    })
}

/// Keystone's `error.message`, or the start of a body that is not Keystone's error JSON.
pub(crate) fn error_message(body: &[u8]) -> String {
    match serde_json::from_slice::<ErrorAnswer>(body) {
        Ok(answer) => answer.error.message,
        Err(_) => String::from_utf8_lossy(body).chars().take(200).collect(),
    }
}

/// Keystone does not echo secrets, but a proxy in front of it might: never pass one on.
fn scrub(message: &str, method: &AuthMethod) -> String {
    let secret = match method {
        AuthMethod::Password { password, .. } => password,
        AuthMethod::ApplicationCredential { secret, .. } => secret,
        AuthMethod::Token(token) => token,
    };
    if secret.expose().is_empty() {
        return message.to_string();
    }
    message.replace(secret.expose(), "<redacted>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_url_with_or_without_v3_gives_the_same_tokens_url() {
        for auth_url in [
            "http://k:5000",
            "http://k:5000/",
            "http://k:5000/v3",
            "http://k:5000/v3/",
        ] {
            let url = tokens_url(auth_url).ok();
            assert_eq!(
                url.as_deref(),
                Some("http://k:5000/v3/auth/tokens"),
                "{auth_url}"
            );
        }
        assert!(tokens_url("http://k:5000/v2.0").is_err());
        assert!(tokens_url("k:5000").is_err());
    }

    #[test]
    fn application_credentials_are_never_scoped() {
        let method = AuthMethod::ApplicationCredential {
            credential: CredentialRef::Id("ac".into()),
            secret: Secret::new("s"),
        };
        let body = request_body(&method, Some(&ProjectScope::Id("p".into())));
        assert!(body["auth"].get("scope").is_none(), "{body}");
        assert_eq!(
            body["auth"]["identity"]["application_credential"]["id"],
            "ac"
        );
    }

    #[test]
    fn a_message_that_echoes_the_secret_is_scrubbed() {
        let method = AuthMethod::Token(Secret::new("tok-123"));
        assert_eq!(scrub("bad token tok-123", &method), "bad token <redacted>");
    }
}
