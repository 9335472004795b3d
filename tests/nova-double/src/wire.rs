//! The HTTP/1.1 server: one tokio task per connection (keep-alive), the request log, injected
//! HTTP faults, and the headers every answer carries.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde_json::json;
use tokio::net::TcpListener;

use crate::faults::HttpFault;
use crate::pyjson::to_nova_json;
use crate::routes::{Outcome, respond};
use crate::state::Shared;
use crate::views::RecordedRequest;

/// Why a connection was closed without an answer (a [`crate::Fault::DropConnection`]).
#[derive(Debug)]
struct ConnectionDropped;

impl fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for ConnectionDropped {}

/// Accepts connections until the task is aborted; aborting it drops every connection too.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    crate::server::serve(listener, "nova-double", move |request| {
        answer(shared.clone(), request)
    })
    .await;
}

/// Records the request, applies an injected HTTP fault if one matches, then answers.
async fn answer(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, ConnectionDropped> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|_| ConnectionDropped)?
        .to_bytes();
    let recorded = record(&parts, &body);
    let (fault, admitted) = {
        let mut state = shared.lock();
        state.record_request(recorded);
        let admitted = state.rate.as_mut().is_none_or(|rate| rate.admit());
        let fault = state
            .faults
            .take_http(parts.method.as_str(), parts.uri.path());
        (fault, admitted)
    };
    let request_id = format!("req-{}", uuid::Uuid::new_v4());
    if !admitted {
        return Ok(into_response(rate_limited(), &request_id));
    }
    let outcome = match fault {
        Some(HttpFault::Drop) => {
            tracing::debug!(method = %parts.method, path = parts.uri.path(), "nova-double: dropping connection");
            return Err(ConnectionDropped);
        }
        Some(HttpFault::Status(status)) => injected_status(status),
        Some(HttpFault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            respond(&shared, &parts, &body, &request_id)
        }
        None => respond(&shared, &parts, &body, &request_id),
    };
    tracing::debug!(method = %parts.method, path = parts.uri.path(), status = outcome.status, "nova-double");
    let unauthorized = outcome.status == 401;
    let mut response = into_response(outcome, &request_id);
    if unauthorized {
        // keystonemiddleware, in front of real Nova, says where to get a token.
        let uri = shared.lock().www_authenticate_uri.clone();
        let challenge = HeaderValue::from_str(&format!("Keystone uri=\"{uri}\""));
        if let Ok(challenge) = challenge {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, challenge);
        }
    }
    Ok(response)
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

/// What a rate-limiting proxy answers beyond its rate (the body is Nova's own `overLimit`).
fn rate_limited() -> Outcome {
    Outcome {
        status: 429,
        body: Some(json!({"overLimit": {"code": 429,
            "message": "This request was rate-limited.", "retryAfter": "1"}})),
        version: None,
    }
}

fn injected_status(status: u16) -> Outcome {
    let message = if status == 500 {
        "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach \
         the Nova API log if possible.\n<class 'Exception'>"
            .to_string()
    } else {
        format!("Injected fault: HTTP {status}")
    };
    Outcome {
        status,
        body: Some(json!({ "computeFault": { "code": status, "message": message } })),
        version: None,
    }
}

/// Status, JSON body, request id and (on API answers) Nova's microversion headers.
fn into_response(outcome: Outcome, request_id: &str) -> Response<Full<Bytes>> {
    let body = outcome.body.as_ref().map(to_nova_json).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if outcome.body.is_some() {
        // Real Nova names the charset on its error bodies only.
        let content_type = match outcome.status {
            400.. => "application/json; charset=UTF-8",
            _ => "application/json",
        };
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-openstack-request-id", value);
    }
    if outcome.status == 429 {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if let Some(minor) = outcome.version {
        let versions = [
            ("openstack-api-version", format!("compute 2.{minor}")),
            ("x-openstack-nova-api-version", format!("2.{minor}")),
        ];
        for (name, value) in versions {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        headers.append(
            header::VARY,
            HeaderValue::from_static("OpenStack-API-Version"),
        );
        headers.append(
            header::VARY,
            HeaderValue::from_static("X-OpenStack-Nova-API-Version"),
        );
    }
    response
}
