//! One request through the raw `wasi:http` imports, and the mapping of its failures.
//!
//! A refusal by the host (`HttpRequestDenied`) becomes `denied` whose message is the error code
//! in Debug form, `ErrorCode::HttpRequestDenied`; any other failure becomes `transport`.

use crate::bindings::openstack::actions::types::{ActionError, Outcome};
use crate::bindings::wasi::http::outgoing_handler;
pub use crate::bindings::wasi::http::types::Method;
use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, IncomingBody, IncomingResponse, OutgoingBody, OutgoingRequest, Scheme,
};
use crate::bindings::wasi::io::streams::StreamError;
use crate::errors::{denied, transport};
use crate::outcome;

/// How many bytes one read asks the host for.
const READ_CHUNK: u64 = 64 * 1024;

/// Where a request goes: `scheme://authority/path?query`.
#[derive(Clone, Debug)]
pub struct Target {
    url: String,
    https: bool,
    authority: String,
    path_with_query: String,
}

impl Target {
    /// Parses an absolute `http://` or `https://` URL.
    pub fn parse(url: &str) -> Result<Target, String> {
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(format!("'{url}' must start with http:// or https://"));
        };
        let (authority, path) = match rest.find('/') {
            Some(slash) => rest.split_at(slash),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(format!("'{url}' has no host"));
        }
        Ok(Target {
            url: url.into(),
            https,
            authority: authority.into(),
            path_with_query: path.into(),
        })
    }

    /// The URL as it was given, for messages.
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Sends a GET to `target` with `headers` and waits for the response head.
pub fn get(target: &Target, headers: &[(&str, &str)]) -> Result<IncomingResponse, ActionError> {
    send(target, &Method::Get, headers, None)
}

/// Sends `method` to `target` with `headers` and `body`, and waits for the response head.
pub fn send(
    target: &Target,
    method: &Method,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<IncomingResponse, ActionError> {
    let url = target.url();
    let request = build_request(target, method, headers)?;
    // A request without a body leaves it untaken, so the host sends it at once.
    let outgoing = match body {
        Some(bytes) => Some((
            request.body().map_err(|()| {
                transport(format!(
                    "the body of the request to {url} was already taken"
                ))
            })?,
            bytes,
        )),
        None => None,
    };
    let pending = outgoing_handler::handle(request, None).map_err(|code| failed(url, code))?;
    // A host that refuses the request closes its body: the refusal, in the response, says why.
    let (written, finished) = match outgoing {
        Some((outgoing, bytes)) => (
            write_all(&outgoing, bytes),
            OutgoingBody::finish(outgoing, None).map_err(|code| failed(url, code)),
        ),
        None => (Ok(()), Ok(())),
    };
    pending.subscribe().block();
    match pending.get() {
        Some(Ok(Ok(response))) => {
            written.map_err(|e| transport(format!("writing the body of {url}: {e}")))?;
            finished?;
            Ok(response)
        }
        Some(Ok(Err(code))) => Err(failed(url, code)),
        Some(Err(())) | None => Err(transport(format!("no response from {url}"))),
    }
}

/// Writes `bytes` to the body of a request.
fn write_all(body: &OutgoingBody, bytes: &[u8]) -> Result<(), String> {
    let stream = body
        .write()
        .map_err(|()| "the body stream was already taken".to_string())?;
    stream
        .blocking_write_and_flush(bytes)
        .map_err(|e| format!("{e:?}"))
}

/// Reads the whole body of `response`, counting its bytes without keeping them.
///
/// On failure, returns the bytes read so far and the stream's error.
pub fn count_body(response: IncomingResponse) -> Result<u64, (u64, String)> {
    let body = response
        .consume()
        .map_err(|()| (0, "the response body was already taken".to_string()))?;
    let mut bytes = 0u64;
    {
        let stream = body
            .stream()
            .map_err(|()| (0, "the body stream was already taken".to_string()))?;
        loop {
            match stream.blocking_read(READ_CHUNK) {
                Ok(chunk) => bytes += chunk.len() as u64,
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err((bytes, e.to_debug_string()));
                }
            }
        }
    }
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

/// The outcome of a request that got an answer: `reached <url> with status <n>`.
pub fn reached(target: &Target, status: u16) -> Outcome {
    let details = serde_json::json!({ "url": target.url(), "status": status });
    outcome(
        format!("reached {} with status {status}", target.url()),
        details.to_string(),
    )
}

fn build_request(
    target: &Target,
    method: &Method,
    headers: &[(&str, &str)],
) -> Result<OutgoingRequest, ActionError> {
    let url = target.url();
    let fields = Fields::new();
    for (name, value) in headers {
        // A host may forbid a header outright; that is a refusal too.
        fields
            .append(name, value.as_bytes())
            .map_err(|e| denied(format!("{e:?}")))?;
    }
    let request = OutgoingRequest::new(fields);
    let scheme = if target.https {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let bad = |what: &str| transport(format!("cannot build the request to {url}: bad {what}"));
    request.set_method(method).map_err(|()| bad("method"))?;
    request
        .set_scheme(Some(&scheme))
        .map_err(|()| bad("scheme"))?;
    request
        .set_authority(Some(&target.authority))
        .map_err(|()| bad("authority"))?;
    request
        .set_path_with_query(Some(&target.path_with_query))
        .map_err(|()| bad("path"))?;
    Ok(request)
}

/// `denied` when the host refused the request, `transport` for any other failure.
fn failed(url: &str, code: ErrorCode) -> ActionError {
    match code {
        ErrorCode::HttpRequestDenied => denied(format!("{code:?}")),
        other => transport(format!("{url} failed: {other:?}")),
    }
}
