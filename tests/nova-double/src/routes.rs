//! From an HTTP request to a Nova answer: version documents, authentication, microversion,
//! content type, then the route table.

use std::sync::Arc;

use http::request::Parts;
use serde_json::{Value, json};

use crate::api::{ApiError, Auth, Ctx, Reply, parse_query, requested_version};
use crate::state::Shared;
use crate::{actions, flavors, hypervisors, live, metadata, migrations, servers, services};

/// What the HTTP layer writes back: a status, an optional JSON body, and the microversion to
/// announce in `OpenStack-API-Version` (only on API answers).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
    pub(crate) version: Option<u32>,
}

impl Outcome {
    fn plain(status: u16, body: Value) -> Self {
        Outcome {
            status,
            body: Some(body),
            version: None,
        }
    }
}

impl From<ApiError> for Outcome {
    fn from(error: ApiError) -> Self {
        Outcome::plain(error.status, error.body())
    }
}

/// Answers one request. Never awaits: handlers lock the state briefly and spawn the slow parts.
pub(crate) fn respond(
    shared: &Arc<Shared>,
    parts: &Parts,
    body: &[u8],
    request_id: &str,
) -> Outcome {
    let path = parts.uri.path();
    let get = parts.method == http::Method::GET;
    let Some(rest) = path
        .strip_prefix("/v2.1")
        .filter(|r| r.is_empty() || r.starts_with('/'))
    else {
        return match (get, path) {
            (true, "/") => Outcome::plain(200, versions_document(&base_url(parts))),
            _ => ApiError::no_resource().into(),
        };
    };
    match (get, rest) {
        (true, "" | "/") => {
            Outcome::plain(200, json!({ "version": v21_document(&base_url(parts)) }))
        }
        (false, "" | "/") => ApiError::no_resource().into(),
        _ => respond_api(shared, parts, body, request_id, rest),
    }
}

/// An API path: token (401), microversion (400/406), content type (415), then the route.
fn respond_api(
    shared: &Arc<Shared>,
    parts: &Parts,
    body: &[u8],
    request_id: &str,
    rest: &str,
) -> Outcome {
    let token = parts
        .headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok());
    let Some(auth) = token.and_then(Auth::from_token) else {
        return Outcome::plain(401, unauthorized());
    };
    let version = match requested_version(&parts.headers) {
        Ok(version) => version,
        Err(error) => return error.into(),
    };
    let ctx = Ctx {
        query: parse_query(parts.uri.query()),
        body,
        version,
        auth,
        request_id,
        base: base_url(parts),
    };
    let segments: Vec<&str> = rest.trim_matches('/').split('/').collect();
    let result = check_media_type(parts)
        .and_then(|()| route(&ctx, shared, parts.method.as_str(), &segments));
    let (status, body) = match result {
        Ok(reply) => (reply.status, reply.body),
        Err(error) => (error.status, Some(error.body())),
    };
    Outcome {
        status,
        body,
        version: Some(version),
    }
}

fn route(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    method: &str,
    segments: &[&str],
) -> Result<Reply, ApiError> {
    match (method, segments) {
        ("GET", ["servers"]) => servers::list(ctx, shared, false),
        ("GET", ["servers", "detail"]) => servers::list(ctx, shared, true),
        ("GET", ["servers", id]) => servers::show(ctx, shared, id),
        ("POST", ["servers", id, "action"]) => servers::action(ctx, shared, id),
        ("GET", ["servers", id, "migrations"]) => live::list_in_progress(ctx, shared, id),
        ("GET", ["servers", id, "migrations", mid]) => live::show_in_progress(ctx, shared, id, mid),
        ("DELETE", ["servers", id, "migrations", mid]) => live::abort(ctx, shared, id, mid),
        ("GET", ["servers", id, "metadata"]) => metadata::index(ctx, shared, id),
        ("POST", ["servers", id, "metadata"]) => metadata::create(ctx, shared, id),
        ("PUT", ["servers", id, "metadata"]) => metadata::update_all(ctx, shared, id),
        ("GET", ["servers", id, "metadata", key]) => metadata::show(ctx, shared, id, key),
        ("PUT", ["servers", id, "metadata", key]) => metadata::update(ctx, shared, id, key),
        ("DELETE", ["servers", id, "metadata", key]) => metadata::delete(ctx, shared, id, key),
        ("GET", ["servers", id, "os-instance-actions"]) => actions::list(ctx, shared, id),
        ("GET", ["servers", id, "os-instance-actions", request]) => {
            actions::show(ctx, shared, id, request)
        }
        ("GET", ["flavors"]) => flavors::list(ctx, shared, false),
        ("GET", ["flavors", "detail"]) => flavors::list(ctx, shared, true),
        ("GET", ["flavors", id]) => flavors::show(ctx, shared, id),
        ("GET", ["os-migrations"]) => migrations::list(ctx, shared),
        ("GET", ["os-services"]) => services::list(ctx, shared),
        ("PUT", ["os-services", id]) => services::update(ctx, shared, id),
        ("GET", ["os-hypervisors"]) => hypervisors::list(ctx, shared, false),
        ("GET", ["os-hypervisors", "detail"]) => hypervisors::list(ctx, shared, true),
        _ => Err(ApiError::no_resource()),
    }
}

/// A body sent as anything but JSON is refused. Like Nova, no Content-Type (or an empty one, or
/// `text/plain`, what some servers default to) counts as JSON.
fn check_media_type(parts: &Parts) -> Result<(), ApiError> {
    if !matches!(parts.method.as_str(), "POST" | "PUT") {
        return Ok(());
    }
    let Some(value) = parts.headers.get(http::header::CONTENT_TYPE) else {
        return Ok(());
    };
    let media = value
        .to_str()
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    let accepted = [
        "",
        "text/plain",
        "application/json",
        "application/vnd.openstack.compute+json",
    ];
    if accepted.iter().any(|a| media.eq_ignore_ascii_case(a)) {
        Ok(())
    } else {
        Err(ApiError::new(415, "Unsupported Content-Type"))
    }
}

/// `http://HOST:PORT` from the request's Host header, as Nova builds its links.
fn base_url(parts: &Parts) -> String {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn v21_version(base: &str) -> Value {
    json!({
        "id": "v2.1", "min_version": "2.1", "status": "CURRENT",
        "updated": "2013-07-23T11:33:21Z", "version": "2.104",
        "links": [{"rel": "self", "href": format!("{base}/v2.1/")}]
    })
}

/// `GET /v2.1/`: the version with its documentation link and media types, as real Nova 34.
fn v21_document(base: &str) -> Value {
    let mut version = v21_version(base);
    version["links"] = json!([
        {"rel": "self", "href": format!("{base}/v2.1/")},
        {"rel": "describedby", "type": "text/html", "href": "http://docs.openstack.org/"}
    ]);
    version["media-types"] = json!([{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}]);
    version
}

fn versions_document(base: &str) -> Value {
    let v20 = json!({
        "id": "v2.0", "min_version": "", "status": "DEPRECATED",
        "updated": "2025-07-04T12:00:00Z", "version": "",
        "links": [{"rel": "self", "href": format!("{base}/v2/")}]
    });
    json!({ "versions": [v20, v21_version(base)] })
}

fn unauthorized() -> Value {
    json!({"error": {
        "code": 401,
        "message": "The request you have made requires authentication.",
        "title": "Unauthorized"
    }})
}
