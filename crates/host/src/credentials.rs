//! Where the token that the host adds to a plugin's requests comes from.
//!
//! The plugin never sees it. When Nova answers 401, the host asks its [`Credentials`] for a
//! fresh token and sends the request again, once.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// A boxed future, as returned by [`Credentials`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of tokens for outgoing requests (Keystone, a fixed token, ...).
pub trait Credentials: Send + Sync + fmt::Debug {
    /// The token to send now.
    fn token(&self) -> BoxFuture<'_, Result<String, String>>;
    /// Nova rejected `stale` with 401: a new token, or `None` when there is no better one.
    fn renew<'a>(&'a self, stale: &'a str) -> BoxFuture<'a, Result<Option<String>, String>>;
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
    fn token(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move { Ok(self.0.clone()) })
    }

    fn renew<'a>(&'a self, _stale: &'a str) -> BoxFuture<'a, Result<Option<String>, String>> {
        Box::pin(async { Ok(None) })
    }
}
