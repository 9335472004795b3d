//! [`Session::get`]: a `GET` to one of the cloud's services (Nova's server lookups in the CLI)
//! with the session's token and CA, outside any sandbox.

use bytes::Bytes;

use crate::error::AuthError;
use crate::http::HttpClient;
use crate::session::Session;

/// What a service answered.
#[derive(Debug, Clone)]
pub struct ServiceReply {
    /// The HTTP status, e.g. 200.
    pub status: u16,
    /// The whole body.
    pub body: Bytes,
}

/// Why a service gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No token: Keystone could not be reached or refused the credentials.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// The service did not answer: connection, TLS or timeout.
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The URL that was tried.
        url: String,
        /// What failed.
        reason: String,
    },
}

impl Session {
    /// `GET url` with the session's token as `X-Auth-Token` plus `headers`, trusting the
    /// session's CA, within its timeout. A 401 renews the token and asks once more. The token
    /// never appears in errors.
    pub async fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<ServiceReply, ServiceError> {
        let options = self.options();
        let client = HttpClient::for_url(url, options.ca_file.as_deref(), options.timeout)?;
        let token = self.token().await?;
        let reply = send(&client, url, token.expose(), headers).await?;
        if reply.status != 401 {
            return Ok(reply);
        }
        match self.renew(token.expose()).await? {
            Some(renewed) => send(&client, url, renewed.expose(), headers).await,
            None => Ok(reply),
        }
    }
}

async fn send(
    client: &HttpClient,
    url: &str,
    token: &str,
    headers: &[(&str, &str)],
) -> Result<ServiceReply, ServiceError> {
    let mut all = vec![("x-auth-token", token)];
    all.extend_from_slice(headers);
    match client.get(url, &all).await {
        Ok(reply) => Ok(ServiceReply {
            status: reply.status.as_u16(),
            body: reply.body,
        }),
        // The client was written for Keystone; say which service did not answer.
        Err(AuthError::Unreachable { url, reason }) => {
            Err(ServiceError::Unreachable { url, reason })
        }
        Err(other) => Err(other.into()),
    }
}
