//! `wasm-action serve`: a small HTTP API to submit actions and plans, follow them and cancel
//! them, with the plugin directory watched for hot swap and a graceful, draining shutdown.
//! Callers authenticate as with any OpenStack service: a Keystone token with the required role
//! ([`keystone`]); the API may be served over HTTPS ([`tls`]).

mod api;
mod keystone;
mod tls;
mod token_cache;

use crate::cloud::{self, CloudArgs};
use crate::exit;
use crate::jobs::Jobs;
use crate::plugins::{self, PluginArgs};
use api::Service;
use cloud_auth::Session;
use keystone::Gate;
use serde_json::json;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tls::{TlsError, TlsListener};
use tokio_rustls::rustls::ServerConfig;
use wasm_action_host::{PluginRunner, Settings};

/// Examples shown by `wasm-action serve --help`.
pub const EXAMPLES: &str = "API (JSON):
  POST /v1/actions            {\"action_type\": \"migrate\", \"input_parameters\": {...}}  → 202 {\"id\": ...}
  POST /v1/plans              a Watcher action plan {\"actions\": [...]}                   → 202 {\"id\": ...} or 400 with every problem
  GET  /v1/plans/ID           state of each action, and the report once it is over (also /v1/actions/ID)
  POST /v1/plans/ID/cancel    no new actions; running ones are aborted through their plugin
  GET  /v1/plugins            plugin versions, digests and calls in flight
  GET  /healthz               open to all
  GET  /metrics               Prometheus metrics, open to all (no server ids, tokens or parameters):
                              wasm_action_actions_finished{action_type,state},
                              wasm_action_phase_duration_seconds{plugin,phase,outcome},
                              wasm_action_nova_requests{plugin,method,status}, wasm_action_nova_retries,
                              wasm_action_limits_hit{plugin,limit}, wasm_action_requests_refused{plugin},
                              wasm_action_plugin_versions{plugin,version,digest}

Every /v1 request needs a Keystone token in X-Auth-Token that carries --required-role (admin by
default), validated at Keystone with this service's own credentials and cached for at most
--token-cache-time: no token or a bad, expired or revoked one → 401; a valid token without the
role → 403; Keystone not answering → 503. A body over 1 MiB → 413. Nothing runs in any of these.

Example:
  wasm-action serve --os-cloud prod --listen 10.0.0.5:8787 \\
      --tls-cert /etc/wasm-action/cert.pem --tls-key /etc/wasm-action/key.pem
  curl -s -XPOST https://10.0.0.5:8787/v1/actions \\
      -H \"X-Auth-Token: $(openstack token issue -f value -c id)\" \\
      -d '{\"action_type\": \"migrate\", \"input_parameters\": {...}}'

SIGTERM or Ctrl-C stops accepting requests and waits for running jobs (up to --drain-timeout,
after which they are cancelled and their running actions aborted).";

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// The role a caller's Keystone token must carry (compared without case, as oslo.policy).
    #[arg(long, default_value = "admin", value_name = "ROLE")]
    pub required_role: String,
    /// Trust a validated token this long without asking Keystone again (never past the
    /// token's expiry; 0: ask every time), as keystonemiddleware's token_cache_time.
    #[arg(long, default_value = "300", value_name = "SECONDS")]
    pub token_cache_time: u64,
    /// Serve without authentication: anyone who can connect may run actions. Only allowed
    /// when --listen is a loopback address.
    #[arg(long, conflicts_with_all = ["required_role", "token_cache_time"])]
    pub no_auth: bool,
    /// Serve HTTPS with this PEM certificate (the server's first, then its chain).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// How many actions of one plan may run at once.
    #[arg(long, default_value = "4")]
    pub max_parallel: NonZeroUsize,
    /// Give each phase of each action at most this many seconds (default: the plugin's own).
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<u64>,
    /// On shutdown, wait this long for running jobs before cancelling them.
    #[arg(long, default_value = "900", value_name = "SECONDS")]
    pub drain_timeout: u64,
    #[command(flatten)]
    pub cloud: CloudArgs,
    #[command(flatten)]
    pub plugins: PluginArgs,
}

/// Why the service did not start, or stopped.
#[derive(Debug, thiserror::Error)]
enum ServeError {
    /// `--no-auth` on an address other hosts can reach.
    #[error(
        "--no-auth lets anyone who can connect run actions, so it is only allowed on a loopback \
         address (127.0.0.1 or ::1), and --listen {0} is not one; listen on 127.0.0.1, or drop \
         --no-auth so that callers present a Keystone token"
    )]
    OpenToTheNetwork(SocketAddr),
    /// `--tls-cert` / `--tls-key` cannot be served.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// Tokens cannot be validated without Keystone.
    #[error(
        "serve validates every caller's token at Keystone, but the cloud has no auth_url (a given \
         token with a compute endpoint override needs none); set OS_AUTH_URL or auth_url in \
         clouds.yaml, or use --no-auth on a loopback address"
    )]
    NoKeystone,
    /// The plugins or the cloud could not be set up (the message says which and why).
    #[error("{0}")]
    Setup(String),
    /// The address cannot be listened on.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: SocketAddr,
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving on {address}: {source}")]
    Serving {
        address: SocketAddr,
        source: std::io::Error,
    },
}

/// Serves until SIGTERM/Ctrl-C, then drains; returns the exit code.
pub async fn serve(args: ServeArgs, settings: Settings) -> u8 {
    match run_service(args, settings).await {
        Ok(()) => exit::SUCCESS,
        Err(error) => {
            errln!("error: {error}");
            match error {
                ServeError::OpenToTheNetwork(_) => exit::USAGE,
                _ => exit::HOST_ERROR,
            }
        }
    }
}

async fn run_service(args: ServeArgs, settings: Settings) -> Result<(), ServeError> {
    // The options first, so that a mistake shows before plugins compile or Keystone is asked.
    if args.no_auth && !args.listen.ip().is_loopback() {
        return Err(ServeError::OpenToTheNetwork(args.listen));
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tls::server_config(cert, key)?),
        _ => None,
    };
    let (registry, _watch) = plugins::registry(settings, &args.plugins)
        .await
        .map_err(ServeError::Setup)?;
    let connection = cloud::connect(&args.cloud)
        .await
        .map_err(ServeError::Setup)?;
    let gate = gate(&args, &connection.session)?;
    let runner = PluginRunner::new(
        registry.clone(),
        connection.endpoint,
        Some(connection.credentials),
    )
    .with_tls(connection.tls)
    .with_deadline(args.deadline.map(Duration::from_secs));
    let service = Arc::new(Service {
        registry,
        jobs: Jobs::new(Arc::new(runner), args.max_parallel),
    });
    listen(&args, tls, api::router(service.clone(), gate)).await?;
    drain(&service, Duration::from_secs(args.drain_timeout)).await;
    Ok(())
}

/// The gate in front of `/v1`, or none with `--no-auth` (said loudly).
fn gate(args: &ServeArgs, session: &Session) -> Result<Option<Arc<Gate>>, ServeError> {
    if args.no_auth {
        tracing::warn!(listen = %args.listen, "authentication is off (--no-auth): any process that can connect may run actions");
        return Ok(None);
    }
    let cache_time = Duration::from_secs(args.token_cache_time);
    let gate = Gate::new(session.clone(), args.required_role.clone(), cache_time)
        .ok_or(ServeError::NoKeystone)?;
    tracing::info!(required_role = %args.required_role, "callers need a Keystone token with the required role");
    Ok(Some(Arc::new(gate)))
}

/// Serves `app` on `--listen` (HTTPS with `tls`) until SIGTERM/Ctrl-C; returns once no request
/// is in flight any more.
async fn listen(
    args: &ServeArgs,
    tls: Option<Arc<ServerConfig>>,
    app: axum::Router,
) -> Result<(), ServeError> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| ServeError::Listen {
            address: args.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| ServeError::Listen {
        address: args.listen,
        source,
    })?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    // Before the ready line: a SIGTERM right after it must shut down gracefully.
    let mut signals = crate::stop::StopSignals::listen();
    // One line for scripts and tests that start us on port 0.
    outln!("{}", json!({"listening": format!("{scheme}://{address}")}));
    tracing::info!(%address, scheme, "serving");
    let stop = async move { signals.recv().await };
    let served = match tls {
        Some(config) => {
            let listener = TlsListener::new(listener, config);
            axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
        }
        None => {
            axum::serve(listener, app)
                .with_graceful_shutdown(stop)
                .await
        }
    };
    served.map_err(|source| ServeError::Serving { address, source })
}

/// Waits for the running jobs, up to `timeout`; then cancels the rest and waits for their aborts.
async fn drain(service: &Service, timeout: Duration) {
    let running = service.jobs.running();
    errln!("shutting down: no new requests; waiting for {running} running job(s)");
    if tokio::time::timeout(timeout, service.jobs.drain())
        .await
        .is_err()
    {
        errln!("drain timeout: cancelling the remaining jobs");
        service.jobs.cancel_all();
        service.jobs.drain().await;
    }
}
