//! The HTTP/1.1 server: one tokio task per connection (keep-alive), the request log, and the
//! headers Keystone puts on every answer.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use tokio::net::TcpListener;

use crate::routes::{Outcome, respond};
use crate::state::Shared;
use crate::views::RecordedRequest;

/// Accepts connections until the task is aborted; aborting it drops every connection too.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    nova_double::server::serve(listener, "keystone-double", move |request| {
        answer(shared.clone(), request)
    })
    .await;
}

/// Records the request, then answers it.
async fn answer(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    shared.lock().record_request(record(&parts, &body));
    let outcome = respond(&shared, &parts, &body);
    tracing::debug!(method = %parts.method, path = parts.uri.path(), status = outcome.status, "keystone-double");
    Ok(into_response(outcome, &shared.identity_url()))
}

fn record(parts: &http::request::Parts, body: &[u8]) -> RecordedRequest {
    RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_ascii_lowercase(), value)
            })
            .collect(),
        body: String::from_utf8_lossy(body).into_owned(),
    }
}

fn into_response(outcome: Outcome, identity_url: &str) -> Response<Full<Bytes>> {
    let body = outcome
        .body
        .as_ref()
        .map(|b| b.to_string())
        .unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if outcome.body.is_some() {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    headers.insert(header::VARY, HeaderValue::from_static("X-Auth-Token"));
    let request_id = format!("req-{}", uuid::Uuid::new_v4());
    let extra = [
        ("x-openstack-request-id", Some(request_id)),
        ("x-subject-token", outcome.subject_token),
        (
            "www-authenticate",
            (outcome.status == 401).then(|| format!("Keystone uri=\"{identity_url}\"")),
        ),
    ];
    for (name, value) in extra {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(&v).ok()) {
            headers.insert(name, value);
        }
    }
    response
}
