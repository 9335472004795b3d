//! `wasm-action serve`: a small HTTP API to submit actions and plans, follow them and cancel
//! them, with the plugin directory watched for hot swap and a graceful, draining shutdown.

use crate::cloud::{self, CloudArgs};
use crate::exit;
use crate::jobs::{Job, Jobs};
use crate::plugins::{self, PluginArgs};
use action_plan::{Action, Plan, validate};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::Duration;
use wasm_action_host::{PluginRunner, PluginValidator, Registry, Settings};

/// The largest request body (a plan of a few thousand actions).
const MAX_BODY: usize = 1 << 20;

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
    axum::serve(listener, router(service.clone()))
        .with_graceful_shutdown(crate::stand_in::wait_for_stop())
        .await
        .map_err(|e| format!("serving on {address}: {e}"))?;
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

/// The API's routes (see [`EXAMPLES`]).
fn router(service: Arc<Service>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/v1/plugins", get(plugins_view))
        .route("/v1/plans", post(submit_plan))
        .route("/v1/actions", post(submit_action))
        .route("/v1/plans/{id}", get(job_view))
        .route("/v1/actions/{id}", get(job_view))
        .route("/v1/plans/{id}/cancel", post(cancel_job))
        .route("/v1/actions/{id}/cancel", post(cancel_job))
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(service)
}

type Shared = State<Arc<Service>>;

async fn healthz(State(service): Shared) -> Response {
    let body = json!({"status": "ok", "running_jobs": service.jobs.running()});
    (StatusCode::OK, Json(body)).into_response()
}

async fn no_route(method: Method, uri: Uri) -> Response {
    let message = format!(
        "no route for {method} {}; see `wasm-action serve --help`",
        uri.path()
    );
    problem(StatusCode::NOT_FOUND, &message)
}

async fn submit_plan(State(service): Shared, body: Result<Bytes, BytesRejection>) -> Response {
    let plan = body.map_err(rejected).and_then(|body| {
        Plan::from_json_str(&String::from_utf8_lossy(&body))
            .map_err(|e| problem(StatusCode::BAD_REQUEST, &e.to_string()))
    });
    match plan {
        Ok(plan) => submit(&service, plan).await,
        Err(response) => response,
    }
}

async fn submit_action(State(service): Shared, body: Result<Bytes, BytesRejection>) -> Response {
    let plan = body.map_err(rejected).and_then(|body| {
        single_action(&body).map_err(|message| problem(StatusCode::BAD_REQUEST, &message))
    });
    match plan {
        Ok(plan) => submit(&service, plan).await,
        Err(response) => response,
    }
}

/// A body that could not be read (too large, or the connection failed), as a JSON problem.
fn rejected(rejection: BytesRejection) -> Response {
    let message = format!("cannot read the body: {}", rejection.body_text());
    problem(rejection.status(), &message)
}

/// Validates the whole plan with the plugins' own validators, then starts it.
async fn submit(service: &Service, plan: Plan) -> Response {
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

async fn job_view(State(service): Shared, Path(id): Path<String>) -> Response {
    with_job(&service, &id, |job| reply(StatusCode::OK, job.view()))
}

async fn cancel_job(State(service): Shared, Path(id): Path<String>) -> Response {
    with_job(&service, &id, |job| match job.cancel() {
        true => reply(StatusCode::ACCEPTED, job.view()),
        false => problem(StatusCode::CONFLICT, "the job is already over"),
    })
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

fn with_job(service: &Service, id: &str, f: impl FnOnce(&Job) -> Response) -> Response {
    match service.jobs.get(id) {
        Some(job) => f(&job),
        None => problem(StatusCode::NOT_FOUND, &format!("no job {id}")),
    }
}

async fn plugins_view(State(service): Shared) -> Response {
    let version = |v: &wasm_action_host::VersionInfo| json!({"label": v.label, "number": v.number, "digest": v.digest, "in_flight": v.in_flight});
    let plugins: Vec<Value> = service
        .registry
        .report()
        .iter()
        .map(|p| json!({"name": p.current.name, "current": version(&p.current), "draining": p.draining.iter().map(version).collect::<Vec<_>>()}))
        .collect();
    reply(StatusCode::OK, json!({"plugins": plugins}))
}

fn problem(status: StatusCode, message: &str) -> Response {
    reply(status, json!({"error": message}))
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}
