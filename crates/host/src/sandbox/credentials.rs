//! Where the token that the host adds to a plugin's requests comes from.
//!
//! The plugin never sees it. When Nova answers 401, the host asks its [`Credentials`] for a
//! fresh token and sends the request again, once.

use futures_core::future::BoxFuture;
use std::error::Error;
use std::fmt;

/// The cause of a [`CredentialsError`].
pub type Cause = Box<dyn Error + Send + Sync>;

/// Why no token could be had.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The identity service refused (wrong password, revoked credential, 401 on renewal):
    /// asking again will not help.
    #[error("the identity service refused the credentials")]
    Refused(#[source] Cause),
    /// The identity service could not be reached or answered with an error that may pass.
    #[error("the identity service is unavailable")]
    Unavailable(#[source] Cause),
}

impl CredentialsError {
    /// A refusal with a message.
    pub fn refused(message: impl Into<String>) -> CredentialsError {
        CredentialsError::Refused(message.into().into())
    }

    /// An outage with a message.
    pub fn unavailable(message: impl Into<String>) -> CredentialsError {
        CredentialsError::Unavailable(message.into().into())
    }
}

/// A source of tokens for outgoing requests (Keystone, a fixed token, ...).
pub trait Credentials: Send + Sync + fmt::Debug {
    /// The token to send now.
    fn token(&self) -> BoxFuture<'_, Result<String, CredentialsError>>;
    /// Nova rejected `stale` with 401: a new token, or `None` when there is no better one.
    fn renew<'a>(
        &'a self,
        stale: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, CredentialsError>>;
}

/// One fixed token (e.g. from `OS_AUTH_TOKEN`): nothing to renew it with.
#[derive(Clone)]
pub struct StaticToken(String);

impl StaticToken {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> StaticToken {
        StaticToken(token.into())
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(<redacted>)")
    }
}

impl Credentials for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<String, CredentialsError>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }

    fn renew<'a>(
        &'a self,
        _stale: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, CredentialsError>> {
        Box::pin(async { Ok(None) })
    }
}
