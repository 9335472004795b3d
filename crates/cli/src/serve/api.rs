//! The API of `serve`: its routes and handlers. Every answer is JSON; a problem is
//! `{"error": "..."}` with a sentence saying what went wrong and what to do.

use super::keystone::{Gate, require_token};
use crate::jobs::{Job, Jobs};
use action_plan::{Action, Plan, validate};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};
use std::sync::Arc;
use wasm_action_host::{PluginValidator, Registry};

/// The largest request body (a plan of a few thousand actions); a bigger one is a 413.
pub const MAX_BODY: usize = 1 << 20;

/// What every request handler needs.
pub struct Service {
    /// The plugins, for validation and `/v1/plugins`.
    pub registry: Arc<Registry>,
    /// The submitted plans.
    pub jobs: Jobs,
}

/// The API's routes (see [`EXAMPLES`](super::EXAMPLES)): `/healthz` open to all, like oslo's
/// healthcheck; everything under `/v1` behind `gate` when there is one.
pub fn router(service: Arc<Service>, gate: Option<Arc<Gate>>) -> Router {
    let v1 = Router::new()
        .route("/v1/plugins", get(plugins_view))
        .route("/v1/plans", post(submit_plan))
        .route("/v1/actions", post(submit_action))
        .route("/v1/plans/{id}", get(job_view))
        .route("/v1/actions/{id}", get(job_view))
        .route("/v1/plans/{id}/cancel", post(cancel_job))
        .route("/v1/actions/{id}/cancel", post(cancel_job))
        // An unknown /v1 path is behind the gate too: no answer to anyone without a token.
        .route("/v1/{*rest}", any(no_route));
    let v1 = match gate {
        Some(gate) => v1.layer(middleware::from_fn_with_state(gate, require_token)),
        None => v1,
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .merge(v1)
        .fallback(no_route)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(service)
}

type Shared = State<Arc<Service>>;

async fn healthz(State(service): Shared) -> Response {
    let body = json!({"status": "ok", "running_jobs": service.jobs.running()});
    (StatusCode::OK, Json(body)).into_response()
}

/// Prometheus' text format: the runtime's counters, with the plugin versions in service as they
/// are now. Open like `/healthz`: it names plugins, methods, statuses and action types, never a
/// server, a token or a parameter.
async fn metrics(State(service): Shared) -> Response {
    let metrics = service.registry.runtime().metrics();
    let report = service.registry.report();
    let versions = report.iter().flat_map(|plugin| {
        std::iter::once(&plugin.current)
            .chain(&plugin.draining)
            .map(|v| (v.name.as_str(), v.label.as_str(), v.digest.as_str()))
    });
    metrics.set_plugin_versions(versions);
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, content_type)],
        metrics.encode(),
    )
        .into_response()
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
    let message = match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => format!(
            "the body is larger than {} MiB, the most this API reads; nothing was run",
            MAX_BODY >> 20
        ),
        _ => format!("cannot read the body: {}", rejection.body_text()),
    };
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
    let version = wasm_action_host::json::version;
    let plugins: Vec<Value> = service
        .registry
        .report()
        .iter()
        .map(|p| json!({"name": p.current.name, "current": version(&p.current), "draining": p.draining.iter().map(version).collect::<Vec<_>>()}))
        .collect();
    reply(StatusCode::OK, json!({"plugins": plugins}))
}

/// `{"error": message}` with `status`.
pub fn problem(status: StatusCode, message: &str) -> Response {
    reply(status, json!({"error": message}))
}

/// `body` as JSON with `status`.
fn reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}
