//! [`Session`]: a token and the compute endpoint, kept fresh for as long as the process runs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use crate::error::AuthError;
use crate::http::HttpClient;
use crate::keystone::{self, Issued};
use crate::options::{AuthMethod, AuthOptions};
use crate::secret::Secret;
use crate::settings::Key;
use crate::validate::{self, Failure, ValidatedToken, ValidationError};

/// An authenticated session: the compute endpoint and a token that is replaced before it
/// expires. Cheap to clone (an `Arc`); clones share the token, and one re-authentication at a
/// time runs for all of them.
#[derive(Debug, Clone)]
pub struct Session {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    options: AuthOptions,
    compute_endpoint: String,
    /// `None` for a given token used without Keystone.
    keystone: Option<Keystone>,
    current: Mutex<Current>,
}

#[derive(Debug)]
struct Keystone {
    client: HttpClient,
    tokens_url: String,
}

/// The token in use and, when Keystone issued it, until when it is valid.
#[derive(Debug)]
struct Current {
    token: Secret,
    expiry: Option<Expiry>,
}

#[derive(Debug, Clone)]
struct Expiry {
    /// On the local monotonic clock: when the request was sent plus Keystone's lifetime.
    valid_until: Instant,
    lifetime: Duration,
    /// As Keystone wrote it, for messages.
    expires_at: String,
}

impl Current {
    fn from_issued(issued: Issued, sent: Instant) -> Current {
        let expiry = Expiry {
            valid_until: sent + issued.lifetime,
            lifetime: issued.lifetime,
            expires_at: issued.expires_at,
        };
        Current {
            token: issued.token,
            expiry: Some(expiry),
        }
    }

    /// Valid for longer than the margin (at most half the lifetime, so that a short-lived
    /// token does not make every call re-authenticate).
    fn is_fresh(&self, margin: Duration) -> bool {
        let Some(expiry) = &self.expiry else {
            return true;
        };
        let margin = margin.min(expiry.lifetime / 2);
        expiry.valid_until.saturating_duration_since(Instant::now()) > margin
    }

    fn has_expired(&self) -> bool {
        self.expiry
            .as_ref()
            .is_some_and(|e| Instant::now() >= e.valid_until)
    }
}

impl Session {
    /// Authenticates once and finds the compute endpoint (the override, else the catalog's
    /// for the interface and region). A given token with a compute endpoint override and no
    /// auth URL makes no request at all.
    pub async fn connect(options: AuthOptions) -> Result<Session, AuthError> {
        let Some(auth_url) = options.auth_url.as_deref() else {
            return Self::without_keystone(options);
        };
        let tokens_url = keystone::tokens_url(auth_url)?;
        let client = HttpClient::for_url(&tokens_url, options.ca_file.as_deref(), options.timeout)?;
        let keystone = Keystone { client, tokens_url };
        let sent = Instant::now();
        let issued = keystone.issue(&options).await?;
        let compute_endpoint = match &options.compute_endpoint {
            Some(endpoint) => endpoint.trim_end_matches('/').to_string(),
            None => issued
                .catalog
                .compute_endpoint(options.interface, options.region.as_deref())?,
        };
        tracing::info!(%compute_endpoint, expires_at = %issued.expires_at, "authenticated with Keystone");
        let current = Current::from_issued(issued, sent);
        Ok(Session::new(
            options,
            compute_endpoint,
            Some(keystone),
            current,
        ))
    }

    fn without_keystone(options: AuthOptions) -> Result<Session, AuthError> {
        let (AuthMethod::Token(token), Some(endpoint)) =
            (&options.method, &options.compute_endpoint)
        else {
            return Err(AuthError::Missing {
                what: "auth_url",
                hint: format!(
                    "set {}; only a given token with a compute endpoint override works without one",
                    Key::AuthUrl.env_name()
                ),
            });
        };
        let current = Current {
            token: token.clone(),
            expiry: None,
        };
        let endpoint = endpoint.trim_end_matches('/').to_string();
        Ok(Session::new(options, endpoint, None, current))
    }

    fn new(
        options: AuthOptions,
        compute_endpoint: String,
        keystone: Option<Keystone>,
        current: Current,
    ) -> Session {
        let inner = Inner {
            options,
            compute_endpoint,
            keystone,
            current: Mutex::new(current),
        };
        Session {
            inner: Arc::new(inner),
        }
    }

    /// The compute endpoint, without a trailing `/`, e.g. `https://nova.example:8774/v2.1`.
    pub fn compute_endpoint(&self) -> &str {
        &self.inner.compute_endpoint
    }

    /// The options the session was made with (the CA file and timeout for other services).
    pub(crate) fn options(&self) -> &AuthOptions {
        &self.inner.options
    }

    /// Keystone's URL as configured (`auth_url`), or `None` for a given token used without
    /// Keystone.
    pub fn auth_url(&self) -> Option<&str> {
        self.inner.options.auth_url.as_deref()
    }

    /// Asks Keystone whether a caller's `token` is valid and whose it is (`GET
    /// /v3/auth/tokens`, this session's own token as `X-Auth-Token`), as an OpenStack service's
    /// keystonemiddleware does. This session's token is renewed like for any other request,
    /// and once more when Keystone refuses it. Nothing is cached here.
    pub async fn validate_token(&self, token: &str) -> Result<ValidatedToken, ValidationError> {
        let Some(keystone) = &self.inner.keystone else {
            return Err(ValidationError::Keystone(AuthError::Missing {
                what: "auth_url",
                hint: format!(
                    "tokens are validated at Keystone; set {} (or auth_url in clouds.yaml)",
                    Key::AuthUrl.env_name()
                ),
            }));
        };
        if !validate::is_presentable(token) {
            return Err(ValidationError::NotValid);
        }
        let own = self.token().await.map_err(ValidationError::Keystone)?;
        match keystone.validate(&own, token).await {
            Err(Failure::ServiceTokenRefused(refused)) => {
                let renewed = self.renew(own.expose()).await;
                match renewed.map_err(ValidationError::Keystone)? {
                    Some(own) => keystone.validate(&own, token).await.map_err(final_error),
                    None => Err(ValidationError::Keystone(refused)),
                }
            }
            outcome => outcome.map_err(final_error),
        }
    }

    /// The token to send now; re-authenticates first when it is about to expire (keeping the
    /// current one while it lasts if Keystone cannot be reached). A given token that has
    /// expired is an error ([`AuthError::TokenExpired`]).
    pub async fn token(&self) -> Result<Secret, AuthError> {
        let mut current = self.inner.current.lock().await;
        if current.is_fresh(self.inner.options.refresh_margin) {
            return Ok(current.token.clone());
        }
        if !self.can_renew() {
            return match &current.expiry {
                Some(expiry) if current.has_expired() => Err(AuthError::TokenExpired {
                    expired_at: expiry.expires_at.clone(),
                }),
                _ => Ok(current.token.clone()),
            };
        }
        match self.reauthenticate(&mut current).await {
            Ok(()) => Ok(current.token.clone()),
            // Keystone may be down for a moment: the old token still works until it expires.
            Err(error) if !current.has_expired() => {
                tracing::warn!(%error, "cannot renew the token yet; using the current one");
                Ok(current.token.clone())
            }
            Err(error) => Err(error),
        }
    }

    /// A service refused `stale`: a fresh token, or `None` when the token was given and cannot
    /// be renewed. When another caller already replaced `stale`, its replacement is returned
    /// without asking Keystone again.
    pub async fn renew(&self, stale: &str) -> Result<Option<Secret>, AuthError> {
        if !self.can_renew() {
            return Ok(None);
        }
        let mut current = self.inner.current.lock().await;
        let replaced = current.token.expose() != stale;
        if replaced && current.is_fresh(self.inner.options.refresh_margin) {
            return Ok(Some(current.token.clone()));
        }
        self.reauthenticate(&mut current).await?;
        Ok(Some(current.token.clone()))
    }

    /// Password and application credentials can get a new token; a given token cannot.
    fn can_renew(&self) -> bool {
        self.inner.keystone.is_some() && !matches!(self.inner.options.method, AuthMethod::Token(_))
    }

    async fn reauthenticate(&self, current: &mut Current) -> Result<(), AuthError> {
        let Some(keystone) = &self.inner.keystone else {
            return Ok(());
        };
        let sent = Instant::now();
        let issued = keystone.issue(&self.inner.options).await?;
        tracing::info!(expires_at = %issued.expires_at, "re-authenticated with Keystone");
        *current = Current::from_issued(issued, sent);
        Ok(())
    }
}

impl Keystone {
    async fn issue(&self, options: &AuthOptions) -> Result<Issued, AuthError> {
        let project = options.project.as_ref();
        keystone::issue(&self.client, &self.tokens_url, &options.method, project).await
    }

    async fn validate(&self, own: &Secret, subject: &str) -> Result<ValidatedToken, Failure> {
        validate::validate(&self.client, &self.tokens_url, own, subject).await
    }
}

/// A refusal of this service's token after its renewal is final too.
fn final_error(failure: Failure) -> ValidationError {
    match failure {
        Failure::ServiceTokenRefused(refused) => ValidationError::Keystone(refused),
        Failure::Final(error) => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync + Clone>() {}

    #[test]
    fn session_can_be_shared_across_tasks() {
        assert_send_sync::<Session>();
    }

    #[test]
    fn short_lived_tokens_are_fresh_for_half_their_life() {
        let current = Current {
            token: Secret::new("t"),
            expiry: Some(Expiry {
                valid_until: Instant::now() + Duration::from_secs(30),
                lifetime: Duration::from_secs(30),
                expires_at: String::new(),
            }),
        };
        assert!(current.is_fresh(Duration::from_secs(60)));
        assert!(!current.has_expired());
    }
}
