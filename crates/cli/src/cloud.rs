//! Which cloud to act on, the way OpenStack operators already configure it: `--os-cloud` /
//! `OS_CLOUD` with `clouds.yaml`, or `OS_*` variables; Keystone v3 password, application
//! credential or token; the compute endpoint from the catalog, or given explicitly.

use cloud_auth::{AuthError, AuthOptions, Overrides, Session};
use std::sync::Arc;
use tokio_rustls::rustls::ClientConfig;
use wasm_action_host::{BoxFuture, Call, Credentials, CredentialsError};

/// Cloud selection options shared by `run`, `migrate`, `apply` and `serve`.
#[derive(Debug, Clone, clap::Args)]
pub struct CloudArgs {
    /// The clouds.yaml entry to use [env: OS_CLOUD]; clouds.yaml is looked for in ./,
    /// ~/.config/openstack/ and /etc/openstack/ (or OS_CLIENT_CONFIG_FILE).
    #[arg(long = "os-cloud", value_name = "NAME")]
    pub cloud: Option<String>,
    /// The region whose compute endpoint to use [env: OS_REGION_NAME].
    #[arg(long = "os-region-name", value_name = "REGION")]
    pub region: Option<String>,
    /// The catalog interface: public, internal or admin [env: OS_INTERFACE; default: public].
    #[arg(long = "os-interface", value_name = "INTERFACE")]
    pub interface: Option<String>,
    /// Use this compute endpoint instead of the catalog's (with OS_TOKEN, no Keystone is needed).
    #[arg(
        long,
        env = "OS_COMPUTE_ENDPOINT",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub compute_endpoint: Option<String>,
}

/// Where the plugins' requests go, and what the host adds to them.
pub struct Connection {
    /// The compute endpoint.
    pub endpoint: String,
    /// The token source.
    pub credentials: Arc<dyn Credentials>,
    /// The CA to trust for HTTPS when `OS_CACERT`/`cacert` names one (else the Mozilla roots).
    pub tls: Option<Arc<ClientConfig>>,
    /// The Keystone session behind `credentials` (`serve` also validates callers' tokens with it).
    pub session: Session,
}

impl Connection {
    /// A plugin call to this cloud: its compute endpoint, token source and CA.
    pub fn call(&self) -> Call {
        let mut call = Call::new(self.endpoint.clone(), None);
        call.credentials = Some(self.credentials.clone());
        call.tls = self.tls.clone();
        call
    }
}

/// Authenticates (when needed) and finds the compute endpoint.
pub async fn connect(args: &CloudArgs) -> Result<Connection, String> {
    let overrides = Overrides {
        cloud: args.cloud.clone(),
        compute_endpoint: args.compute_endpoint.clone(),
        region: args.region.clone(),
        interface: args.interface.clone(),
    };
    let options = AuthOptions::resolve(&overrides, &|name| std::env::var(name).ok())
        .map_err(|e| e.to_string())?;
    let tls = match &options.ca_file {
        Some(path) => Some(Arc::new(
            cloud_auth::tls_config(Some(path)).map_err(|e| e.to_string())?,
        )),
        None => None,
    };
    let session = Session::connect(options).await.map_err(|e| e.to_string())?;
    let endpoint = session.compute_endpoint().to_string();
    tracing::info!(compute_endpoint = %endpoint, "connected");
    Ok(Connection {
        endpoint,
        credentials: Arc::new(SessionCredentials(session.clone())),
        tls,
        session,
    })
}

/// A Keystone session as the host's token source.
#[derive(Debug)]
struct SessionCredentials(Session);

impl Credentials for SessionCredentials {
    fn token(&self) -> BoxFuture<'_, Result<String, CredentialsError>> {
        Box::pin(async move {
            self.0
                .token()
                .await
                .map(|t| t.expose().to_string())
                .map_err(credentials_error)
        })
    }

    fn renew<'a>(
        &'a self,
        stale: &'a str,
    ) -> BoxFuture<'a, Result<Option<String>, CredentialsError>> {
        Box::pin(async move {
            let renewed = self.0.renew(stale).await.map_err(credentials_error)?;
            Ok(renewed.map(|t| t.expose().to_string()))
        })
    }
}

fn credentials_error(error: AuthError) -> CredentialsError {
    if error.is_transient() {
        CredentialsError::Unavailable(error.into())
    } else {
        CredentialsError::Refused(error.into())
    }
}
