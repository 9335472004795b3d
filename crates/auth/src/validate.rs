//! Keystone v3 `GET /v3/auth/tokens`: is a caller's token valid, and whose is it? What
//! keystonemiddleware's `auth_token` asks for every request to an OpenStack service.
//!
//! The service sends its own token as `X-Auth-Token` and the caller's as `X-Subject-Token`;
//! Keystone answers 200 with the token's user, project, roles and expiry, or 404 when it does
//! not know the token (malformed, expired or revoked). Neither token ever reaches an error
//! message: Keystone's own 404 message quotes the token, so it is never passed on.

use std::time::SystemTime;

use serde::Deserialize;

use crate::error::AuthError;
use crate::http::HttpClient;
use crate::secret::Secret;
use crate::time::parse_timestamp;

/// A token Keystone vouched for: whose it is and which roles it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidatedToken {
    /// The user's id.
    pub user_id: String,
    /// The user's name, when Keystone gave it.
    pub user_name: Option<String>,
    /// The project the token is scoped to (`None` for unscoped, domain- or system-scoped ones).
    pub project_id: Option<String>,
    /// The project's name, when scoped to one.
    pub project_name: Option<String>,
    /// The role names the token carries (none for an unscoped token).
    pub roles: Vec<String>,
    /// When the token stops being valid (Keystone's `expires_at`).
    pub expires_at: SystemTime,
}

impl ValidatedToken {
    /// Whether the token carries `role`; role names compare without regard to case, as
    /// oslo.policy's `role:` check does.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r.eq_ignore_ascii_case(role))
    }
}

/// Why a token could not be vouched for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// Keystone does not know the token: it is malformed, has expired or was revoked.
    #[error(
        "the token is not valid (unknown to Keystone, expired or revoked); get a new one, \
         e.g. with `openstack token issue`"
    )]
    NotValid,
    /// Keystone could not tell: unreachable, failing, or refusing this service's own token.
    #[error("cannot validate the token at Keystone: {0}")]
    Keystone(#[source] AuthError),
}

impl ValidationError {
    /// True when asking again later may succeed (Keystone unreachable, or answering 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            ValidationError::NotValid => false,
            ValidationError::Keystone(error) => error.is_transient(),
        }
    }
}

/// One validation's outcome, before the session decides whether to renew its own token.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Keystone refused the service's own token (401): renew it and ask once more.
    ServiceTokenRefused(AuthError),
    /// Anything else.
    Final(ValidationError),
}

#[derive(Deserialize)]
struct Answer {
    token: Body,
}

#[derive(Deserialize)]
struct Body {
    expires_at: String,
    user: Named,
    #[serde(default)]
    project: Option<Named>,
    #[serde(default)]
    roles: Vec<Role>,
}

#[derive(Deserialize)]
struct Named {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct Role {
    name: String,
}

/// Whether `token` can be sent at all: a token with characters HTTP does not allow in a header,
/// or an empty one, is not a token Keystone issued.
pub(crate) fn is_presentable(token: &str) -> bool {
    !token.is_empty() && http::HeaderValue::from_str(token).is_ok()
}

/// `GET {tokens_url}?nocatalog` with `service` as `X-Auth-Token` and `subject` as
/// `X-Subject-Token`.
pub(crate) async fn validate(
    client: &HttpClient,
    tokens_url: &str,
    service: &Secret,
    subject: &str,
) -> Result<ValidatedToken, Failure> {
    let url = format!("{tokens_url}?nocatalog");
    let headers = [
        ("X-Auth-Token", service.expose()),
        ("X-Subject-Token", subject),
    ];
    let keystone = |error| Failure::Final(ValidationError::Keystone(error));
    let reply = client.get(&url, &headers).await.map_err(keystone)?;
    let scrub = |body: &[u8]| scrubbed_message(body, &[service.expose(), subject]);
    match reply.status.as_u16() {
        200 => {
            let token = read_token(&url, &reply.body).map_err(keystone)?;
            // As keystonemiddleware: a token that has expired by our clock is not valid, even
            // if Keystone's clock has not got there yet.
            if token.expires_at <= SystemTime::now() {
                return Err(Failure::Final(ValidationError::NotValid));
            }
            Ok(token)
        }
        404 => Err(Failure::Final(ValidationError::NotValid)),
        status @ (401 | 403) => {
            let refused = AuthError::Refused {
                who: "this service's own token (it validates callers' tokens)".to_string(),
                status,
                message: scrub(&reply.body),
            };
            match status {
                401 => Err(Failure::ServiceTokenRefused(refused)),
                _ => Err(keystone(refused)),
            }
        }
        status => Err(keystone(AuthError::Keystone {
            url,
            status,
            message: scrub(&reply.body),
        })),
    }
}

/// The token in a 200 answer.
fn read_token(url: &str, body: &[u8]) -> Result<ValidatedToken, AuthError> {
    let bad = |reason: String| AuthError::BadAnswer {
        url: url.to_string(),
        reason,
    };
    let answer: Answer = serde_json::from_slice(body).map_err(|e| bad(format!("the body: {e}")))?;
    let token = answer.token;
    let expires_at = parse_timestamp(&token.expires_at)
        .ok_or_else(|| bad(format!("expires_at '{}' is not a time", token.expires_at)))?;
    let (project_id, project_name) = match token.project {
        Some(project) => (Some(project.id), project.name),
        None => (None, None),
    };
    Ok(ValidatedToken {
        user_id: token.user.id,
        user_name: token.user.name,
        project_id,
        project_name,
        roles: token.roles.into_iter().map(|r| r.name).collect(),
        expires_at,
    })
}

/// Keystone's `error.message` (or the start of the body), with every token in it removed.
fn scrubbed_message(body: &[u8], tokens: &[&str]) -> String {
    let mut message = crate::keystone::error_message(body);
    for token in tokens.iter().filter(|t| !t.is_empty()) {
        message = message.replace(token, "<redacted>");
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_user_project_roles_and_expiry_of_a_project_token() {
        let body =
            br#"{"token": {"methods": ["password"], "expires_at": "2026-11-24T19:02:33.073651Z",
            "user": {"id": "u1", "name": "alice", "domain": {"id": "default"}},
            "project": {"id": "p1", "name": "ops", "domain": {"id": "default"}},
            "roles": [{"id": "r1", "name": "admin"}, {"id": "r2", "name": "reader"}]}}"#;
        let token = read_token("http://k/v3/auth/tokens", body).expect("a token");
        assert_eq!(token.user_id, "u1");
        assert_eq!(token.project_id.as_deref(), Some("p1"));
        assert_eq!(token.roles, ["admin", "reader"]);
        assert!(token.has_role("Admin"), "roles compare without case");
        assert!(!token.has_role("member"));
    }

    #[test]
    fn an_unscoped_token_has_no_project_and_no_roles() {
        let body = br#"{"token": {"expires_at": "2026-11-24T19:02:33Z", "user": {"id": "u1"}}}"#;
        let token = read_token("http://k/v3/auth/tokens", body).expect("a token");
        assert_eq!((token.project_id, token.roles.len()), (None, 0));
    }

    #[test]
    fn an_answer_without_a_user_or_expiry_is_a_bad_answer() {
        let no_user = br#"{"token": {"expires_at": "2026-11-24T19:02:33Z"}}"#;
        let bad_time = br#"{"token": {"expires_at": "soon", "user": {"id": "u"}}}"#;
        for body in [&no_user[..], &bad_time[..]] {
            let error = read_token("http://k/v3/auth/tokens", body);
            assert!(
                matches!(error, Err(AuthError::BadAnswer { .. })),
                "{error:?}"
            );
        }
    }

    #[test]
    fn keystone_messages_lose_both_tokens() {
        let body =
            br#"{"error": {"code": 404, "message": "Could not find token: sub-123 (by svc-9)."}}"#;
        let message = scrubbed_message(body, &["svc-9", "sub-123"]);
        assert_eq!(message, "Could not find token: <redacted> (by <redacted>).");
    }

    #[test]
    fn empty_tokens_or_ones_with_control_characters_are_never_sent() {
        assert!(is_presentable("gAAAAABk-token_id"));
        assert!(!is_presentable(""));
        assert!(!is_presentable("two\nlines"));
    }
}
