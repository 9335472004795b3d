//! Who may use the `/v1` API: a caller whose Keystone token (`X-Auth-Token`) is valid and
//! carries the required role, decided the way an OpenStack service's keystonemiddleware
//! (`auth_token`) and oslo.policy's `role:` check decide it.
//!
//! The token is validated at Keystone with this service's own token (`GET /v3/auth/tokens`)
//! and Keystone's answer cached by the token's hash ([`TokenCache`]). No token or a bad one is a 401
//! with `WWW-Authenticate: Keystone uri="..."`; a valid token without the role a 403 naming the
//! role; Keystone not answering a 503. In every case nothing runs, and no token is logged.

use super::api::problem;
use super::token_cache::{CAPACITY, TokenCache, Verdict};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cloud_auth::{Session, ValidatedToken, ValidationError};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The header a caller's token comes in, as in every OpenStack API.
const TOKEN_HEADER: &str = "x-auth-token";

/// The gate in front of `/v1`: Keystone to ask, the role to require, and what it already knows.
#[derive(Debug)]
pub struct Gate {
    session: Session,
    required_role: String,
    cache: TokenCache,
    /// `Keystone uri="<auth_url>"`, sent with every 401 as keystonemiddleware does.
    www_authenticate: HeaderValue,
}

/// Why a request is turned away.
#[derive(Debug)]
enum Refusal {
    NoToken,
    NotValid,
    MissingRole(Arc<ValidatedToken>),
    KeystoneUnavailable(ValidationError),
}

impl Gate {
    /// A gate that validates tokens with `session` and requires `required_role`, trusting a
    /// validated token for at most `cache_time`. `None` when the session has no Keystone
    /// (no `auth_url`) to ask.
    pub fn new(session: Session, required_role: String, cache_time: Duration) -> Option<Gate> {
        let auth_url = session.auth_url()?;
        let www_authenticate = HeaderValue::from_str(&format!("Keystone uri=\"{auth_url}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("Keystone"));
        Some(Gate {
            session,
            required_role,
            cache: TokenCache::new(cache_time, CAPACITY),
            www_authenticate,
        })
    }

    /// The caller's validated token, when it may pass.
    async fn admit(&self, header: Option<&HeaderValue>) -> Result<Arc<ValidatedToken>, Refusal> {
        let header = header.ok_or(Refusal::NoToken)?;
        // Keystone issues visible ASCII only; anything else cannot be one of its tokens.
        let token = header.to_str().map_err(|_| Refusal::NotValid)?;
        let caller = match self.cache.get(token) {
            Some(Verdict::Valid(caller)) => caller,
            Some(Verdict::NotValid) => return Err(Refusal::NotValid),
            None => self.validate(token).await?,
        };
        match caller.has_role(&self.required_role) {
            true => Ok(caller),
            false => Err(Refusal::MissingRole(caller)),
        }
    }

    /// Asks Keystone, and remembers its answer (not a failure to get one).
    async fn validate(&self, token: &str) -> Result<Arc<ValidatedToken>, Refusal> {
        match self.session.validate_token(token).await {
            Ok(validated) => {
                let validated = Arc::new(validated);
                self.cache.insert(token, Verdict::Valid(validated.clone()));
                Ok(validated)
            }
            Err(ValidationError::NotValid) => {
                self.cache.insert(token, Verdict::NotValid);
                Err(Refusal::NotValid)
            }
            Err(error) => Err(Refusal::KeystoneUnavailable(error)),
        }
    }

    /// The answer to a refused request.
    fn refuse(&self, refusal: Refusal) -> Response {
        let role = &self.required_role;
        let unauthorized = |message: &str| {
            let mut response = problem(StatusCode::UNAUTHORIZED, message);
            let value = self.www_authenticate.clone();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
            response
        };
        match refusal {
            Refusal::NoToken => unauthorized(
                "this API needs a Keystone token in the X-Auth-Token header, e.g. \
                 -H \"X-Auth-Token: $(openstack token issue -f value -c id)\"; nothing was run",
            ),
            Refusal::NotValid => unauthorized(
                "the token in X-Auth-Token is not valid (unknown to Keystone, expired or \
                 revoked); get a new one with `openstack token issue`; nothing was run",
            ),
            Refusal::MissingRole(_) => {
                let message = format!(
                    "the token is valid but lacks the role '{role}' that this API requires; use \
                     a token scoped to a project where you have '{role}'; nothing was run"
                );
                let body = json!({"error": message, "required_role": role});
                (StatusCode::FORBIDDEN, axum::Json(body)).into_response()
            }
            Refusal::KeystoneUnavailable(_) => problem(
                StatusCode::SERVICE_UNAVAILABLE,
                "cannot validate the token at Keystone right now; nothing was run; try again later",
            ),
        }
    }
}

impl Refusal {
    /// One line per refusal: who (when known), what was asked, and why; never the token.
    fn log(&self, method: &Method, path: &str, required_role: &str) {
        match self {
            Refusal::NoToken => {
                tracing::info!(%method, path, status = 401, "refused: no X-Auth-Token")
            }
            Refusal::NotValid => {
                tracing::info!(%method, path, status = 401, "refused: the token is not valid")
            }
            Refusal::MissingRole(caller) => tracing::info!(
                %method, path, status = 403,
                user_id = %caller.user_id,
                project_id = caller.project_id.as_deref().unwrap_or("-"),
                required_role,
                "refused: the token lacks the required role"
            ),
            Refusal::KeystoneUnavailable(error) => tracing::warn!(
                %method, path, status = 503, error = %error,
                "refused: cannot validate the token at Keystone"
            ),
        }
    }
}

/// The middleware: lets a caller with a valid token and the role through (its validated token
/// in the request's extensions), answers everyone else.
pub async fn require_token(
    State(gate): State<Arc<Gate>>,
    mut request: Request,
    next: Next,
) -> Response {
    match gate.admit(request.headers().get(TOKEN_HEADER)).await {
        Ok(caller) => {
            tracing::debug!(
                method = %request.method(), path = request.uri().path(),
                user_id = %caller.user_id,
                project_id = caller.project_id.as_deref().unwrap_or("-"),
                "authenticated"
            );
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(refusal) => {
            refusal.log(request.method(), request.uri().path(), &gate.required_role);
            gate.refuse(refusal)
        }
    }
}
