//! `wasm-action serve`: a small HTTP API to submit actions and plans, follow them and cancel
//! them, with the plugin directory watched for hot swap and a graceful, draining shutdown.

use crate::cloud::{self, CloudArgs};
use crate::exit;
use crate::jobs::{Job, Jobs};
use crate::plugins::{self, PluginArgs};
use action_plan::{Action, Plan, validate};
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;
use wasm_action_host::{PluginRunner, PluginValidator, Registry, Settings};

/// Examples shown by `wasm-action serve --help`.
pub const EXAMPLES: &str = "API (JSON):
  POST /v1/actions            {\"action_type\": \"migrate\", \"input_parameters\": {...}}  → 202 {\"id\": ...}
  POST /v1/plans              a Watcher action plan {\"actions\": [...]}                   → 202 {\"id\": ...} or 400 with every problem
  GET  /v1/plans/ID           state of each action, and the report once it is over (also /v1/actions/ID)
  POST /v1/plans/ID/cancel    no new actions; running ones are aborted through their plugin
  GET  /v1/plugins            plugin versions, digests and calls in flight
  GET  /healthz

Example:
  wasm-action serve --os-cloud prod --plugin-dir /var/lib/wasm-action/plugins --listen 127.0.0.1:8787
  curl -s -XPOST localhost:8787/v1/actions -d '{\"action_type\": \"migrate\", \"input_parameters\": {...}}'

SIGTERM or Ctrl-C stops accepting requests and waits for running jobs (up to --drain-timeout,
after which they are cancelled and their running actions aborted).";

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (keep it on a trusted interface: the API has no auth of its own).
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
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

/// What every request handler needs.
struct Service {
    registry: Arc<Registry>,
    jobs: Jobs,
}

/// Serves until SIGTERM/Ctrl-C, then drains; returns the exit code.
pub async fn serve(args: ServeArgs, settings: Settings) -> u8 {
    match run_service(args, settings).await {
        Ok(()) => exit::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            exit::HOST_ERROR
        }
    }
}

async fn run_service(args: ServeArgs, settings: Settings) -> Result<(), String> {
    let (registry, _watch) = plugins::registry(settings, &args.plugins).await?;
    let connection = cloud::connect(&args.cloud).await?;
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
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // One line for scripts and tests that start us on port 0.
    println!("{}", json!({"listening": format!("http://{address}")}));
    tracing::info!(%address, "serving");
    let accept = tokio::spawn(accept_loop(listener, service.clone()));
    crate::stand_in::wait_for_stop().await;
    accept.abort();
    let running = service.jobs.running();
    eprintln!("shutting down: no new requests; waiting for {running} running job(s)");
    if tokio::time::timeout(
        Duration::from_secs(args.drain_timeout),
        service.jobs.drain(),
    )
    .await
    .is_err()
    {
        eprintln!("drain timeout: cancelling the remaining jobs");
        service.jobs.cancel_all();
        service.jobs.drain().await;
    }
    Ok(())
}

async fn accept_loop(listener: tokio::net::TcpListener, service: Arc<Service>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let service = service.clone();
        tokio::spawn(async move {
            let handler = hyper::service::service_fn(move |request| {
                let service = service.clone();
                async move { Ok::<_, std::convert::Infallible>(route(&service, request).await) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, handler)
                .await;
        });
    }
}

async fn route(service: &Service, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (&method, parts.as_slice()) {
        (&Method::GET, ["healthz"]) => reply(
            StatusCode::OK,
            json!({"status": "ok", "running_jobs": service.jobs.running()}),
        ),
        (&Method::GET, ["v1", "plugins"]) => reply(StatusCode::OK, plugins_view(&service.registry)),
        (&Method::POST, ["v1", "plans"]) => submit(service, request, false).await,
        (&Method::POST, ["v1", "actions"]) => submit(service, request, true).await,
        (&Method::GET, ["v1", "plans" | "actions", id]) => {
            with_job(service, id, |job| reply(StatusCode::OK, job.view()))
        }
        (&Method::POST, ["v1", "plans" | "actions", id, "cancel"]) => {
            with_job(service, id, |job| match job.cancel() {
                true => reply(StatusCode::ACCEPTED, job.view()),
                false => problem(StatusCode::CONFLICT, "the job is already over"),
            })
        }
        _ => problem(
            StatusCode::NOT_FOUND,
            &format!("no route for {method} {path}; see `wasm-action serve --help`"),
        ),
    }
}

async fn submit(
    service: &Service,
    request: Request<Incoming>,
    single: bool,
) -> Response<Full<Bytes>> {
    let body = match Limited::new(request.into_body(), 1 << 20).collect().await {
        Ok(body) => body.to_bytes(),
        Err(e) => {
            return problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("cannot read the body: {e}"),
            );
        }
    };
    let plan = if single {
        single_action(&body)
    } else {
        Plan::from_json_str(&String::from_utf8_lossy(&body)).map_err(|e| e.to_string())
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(message) => return problem(StatusCode::BAD_REQUEST, &message),
    };
    let known: Vec<String> = service
        .registry
        .report()
        .into_iter()
        .map(|p| p.current.name)
        .collect();
    match validate(
        plan,
        &known,
        &PluginValidator::new(service.registry.clone()),
    )
    .await
    {
        Ok(validated) => reply(StatusCode::ACCEPTED, service.jobs.start(validated).view()),
        Err(report) => reply(
            StatusCode::BAD_REQUEST,
            json!({"error": "the plan is not valid; nothing was run", "problems": report}),
        ),
    }
}

/// `{"action_type", "input_parameters", "uuid"?}` as a plan of one action.
fn single_action(body: &[u8]) -> Result<Plan, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    let action_type = value["action_type"]
        .as_str()
        .ok_or("'action_type' (a string) is required")?;
    let uuid = value["uuid"]
        .as_str()
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let parameters = value
        .get("input_parameters")
        .cloned()
        .unwrap_or_else(|| json!({}));
    Ok(Plan::new(vec![
        Action::new(uuid, action_type).with_parameters(parameters),
    ]))
}

fn with_job(
    service: &Service,
    id: &str,
    f: impl FnOnce(&Job) -> Response<Full<Bytes>>,
) -> Response<Full<Bytes>> {
    match service.jobs.get(id) {
        Some(job) => f(&job),
        None => problem(StatusCode::NOT_FOUND, &format!("no job {id}")),
    }
}

fn plugins_view(registry: &Registry) -> Value {
    let version = |v: &wasm_action_host::VersionInfo| json!({"label": v.label, "number": v.number, "digest": v.digest, "in_flight": v.in_flight});
    let plugins: Vec<Value> = registry
        .report()
        .iter()
        .map(|p| json!({"name": p.current.name, "current": version(&p.current), "draining": p.draining.iter().map(version).collect::<Vec<_>>()}))
        .collect();
    json!({"plugins": plugins})
}

fn problem(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    reply(status, json!({"error": message}))
}

fn reply(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}
