//! What the host gives one plugin call besides its parameters.

use crate::events::Observer;
use crate::sandbox::credentials::{Credentials, StaticToken};
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::rustls::ClientConfig;

/// What the host gives one call besides the parameters.
#[derive(Clone)]
pub struct Call {
    /// The compute endpoint; also the only origin the plugin may reach.
    pub compute_endpoint: String,
    /// Where the token for the plugin's requests comes from (the plugin never sees it).
    pub credentials: Option<Arc<dyn Credentials>>,
    /// A request id for logs.
    pub request_id: String,
    /// How long the action may take (the plugin's own default when `None`).
    pub deadline: Option<Duration>,
    /// Receives the plugin's logs and progress.
    pub observer: Observer,
    /// Whom to trust for HTTPS (e.g. a private CA; see `cloud_auth::tls_config`); `None`: the
    /// Mozilla roots.
    pub tls: Option<Arc<ClientConfig>>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("compute_endpoint", &self.compute_endpoint)
            .field("credentials", &self.credentials)
            .field("request_id", &self.request_id)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Call {
    /// A call against `compute_endpoint` with a fixed `token`, a fresh request id, no observer.
    pub fn new(compute_endpoint: impl Into<String>, token: Option<String>) -> Call {
        Call {
            compute_endpoint: compute_endpoint.into(),
            credentials: token.map(|t| Arc::new(StaticToken::new(t)) as Arc<dyn Credentials>),
            request_id: format!("req-{}", uuid::Uuid::new_v4()),
            deadline: None,
            observer: crate::events::ignore(),
            tls: None,
        }
    }
}
