//! Outgoing HTTP through the raw `wasi:http` imports, and sleeping on `wasi:clocks` pollables.
//! The host decides where a request may go and adds the credentials; this module never sees them.

use crate::bindings::openstack::actions::types::ActionError;
use crate::bindings::wasi::clocks::monotonic_clock;
use crate::bindings::wasi::http::outgoing_handler;
use crate::bindings::wasi::http::types::{
    ErrorCode, Fields, IncomingBody, Method, OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use crate::bindings::wasi::io::streams::StreamError;
use crate::errors::{denied, transport};

/// Larger answers are refused: no Nova answer an action reads comes close.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// `blocking-write-and-flush` takes at most 4096 bytes per call.
const WRITE_CHUNK: usize = 4096;
/// A Nova that accepted the connection but never answers must not hold the action forever.
const FIRST_BYTE_TIMEOUT_NS: u64 = 60_000_000_000;

/// Where a service lives: `scheme://authority/base-path`.
#[derive(Clone, Debug)]
pub struct Endpoint {
    https: bool,
    authority: String,
    base_path: String,
}

impl Endpoint {
    /// Parses an endpoint URL such as `http://127.0.0.1:8774/v2.1`.
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(format!(
                "compute endpoint '{url}' must start with http:// or https://"
            ));
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.is_empty() {
            return Err(format!("compute endpoint '{url}' has no host"));
        }
        let base_path = format!("/{}", path.trim_end_matches('/'));
        let base_path = base_path.trim_end_matches('/').to_string();
        Ok(Endpoint {
            https,
            authority: authority.into(),
            base_path,
        })
    }

    /// The URL of `path` (which starts with `/`) under this endpoint, for messages.
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}{}{path}", self.authority, self.base_path)
    }
}

/// An HTTP method this action uses.
#[derive(Clone, Copy, Debug)]
pub enum Verb {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

/// An answer, fully read.
#[derive(Debug)]
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// `x-openstack-request-id`, when the service sent one.
    pub request_id: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
}

/// A request that got no answer.
#[derive(Debug)]
pub struct Failed {
    /// What to report if nothing more can be learnt.
    pub error: ActionError,
    /// The request may have reached the service (its answer was lost): a mutation may have
    /// been applied, and must not be sent again before the service says it was not.
    pub maybe_applied: bool,
}

impl From<Failed> for ActionError {
    fn from(failed: Failed) -> ActionError {
        failed.error
    }
}

/// Sends one request with `headers` (and a JSON `body`) and reads the whole answer.
pub fn send(
    endpoint: &Endpoint,
    verb: Verb,
    path: &str,
    headers: &[(&str, String)],
    body: Option<&str>,
) -> Result<Response, Failed> {
    let url = endpoint.url(path);
    let not_sent = |error: ActionError| Failed {
        error,
        maybe_applied: false,
    };
    let lost = |error: ActionError| Failed {
        error,
        maybe_applied: true,
    };
    let request = build_request(endpoint, verb, path, headers, body.is_some())
        .map_err(|e| not_sent(transport(format!("cannot build the request to {url}: {e}"))))?;
    // A request without a body leaves it untaken: the host sends it at once, without waiting
    // for the guest to finish an empty body.
    let outgoing = match body {
        Some(body) => Some((
            request
                .body()
                .map_err(|()| not_sent(transport("request body already taken".into())))?,
            body,
        )),
        None => None,
    };
    let options = RequestOptions::new();
    // Ignored by hosts that do not support it; the host's own timeouts still apply.
    let _ = options.set_first_byte_timeout(Some(FIRST_BYTE_TIMEOUT_NS));
    let pending = outgoing_handler::handle(request, Some(options))
        .map_err(|code| not_sent(request_failed(&url, &code)))?;
    if let Some((outgoing, body)) = outgoing {
        write_body(outgoing, body).map_err(|e| {
            lost(transport(format!(
                "cannot send the request body to {url}: {e}"
            )))
        })?;
    }
    pending.subscribe().block();
    let response = match pending.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => {
            return Err(Failed {
                maybe_applied: answer_lost(&code),
                error: request_failed(&url, &code),
            });
        }
        Some(Err(())) | None => return Err(lost(transport(format!("no response from {url}")))),
    };
    let status = response.status();
    let request_id = header_value(&response.headers(), "x-openstack-request-id");
    let incoming = response
        .consume()
        .map_err(|()| lost(transport("response body already taken".into())))?;
    let body = read_body(incoming)
        .map_err(|e| lost(transport(format!("reading the answer of {url}: {e}"))))?;
    Ok(Response {
        status,
        request_id,
        body,
    })
}

fn build_request(
    endpoint: &Endpoint,
    verb: Verb,
    path: &str,
    headers: &[(&str, String)],
    has_body: bool,
) -> Result<OutgoingRequest, String> {
    let fields = Fields::new();
    for (name, value) in headers {
        fields
            .append(name, value.as_bytes())
            .map_err(|e| format!("header {name}: {e:?}"))?;
    }
    if has_body {
        fields
            .append("content-type", b"application/json")
            .map_err(|e| format!("{e:?}"))?;
    }
    let request = OutgoingRequest::new(fields);
    let method = match verb {
        Verb::Get => Method::Get,
        Verb::Post => Method::Post,
        Verb::Put => Method::Put,
        Verb::Delete => Method::Delete,
    };
    let scheme = if endpoint.https {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let full_path = format!("{}{path}", endpoint.base_path);
    request
        .set_method(&method)
        .map_err(|()| "bad method".to_string())?;
    request
        .set_scheme(Some(&scheme))
        .map_err(|()| "bad scheme".to_string())?;
    request
        .set_authority(Some(&endpoint.authority))
        .map_err(|()| "bad authority".to_string())?;
    request
        .set_path_with_query(Some(&full_path))
        .map_err(|()| format!("bad path {full_path}"))?;
    Ok(request)
}

fn write_body(body: OutgoingBody, bytes: &str) -> Result<(), String> {
    {
        let stream = body
            .write()
            .map_err(|()| "body stream already taken".to_string())?;
        for chunk in bytes.as_bytes().chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| format!("{e:?}"))?;
        }
    }
    OutgoingBody::finish(body, None).map_err(|e| format!("{e:?}"))
}

fn read_body(body: IncomingBody) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    {
        let stream = body
            .stream()
            .map_err(|()| "body stream already taken".to_string())?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => return Err(e.to_debug_string()),
            }
            if bytes.len() > MAX_BODY_BYTES {
                return Err(format!("answer larger than {MAX_BODY_BYTES} bytes"));
            }
        }
    }
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

fn header_value(fields: &Fields, name: &str) -> Option<String> {
    let values = fields.get(name);
    values
        .first()
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// Codes the host gives when the request was sent and its answer lost.
fn answer_lost(code: &ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::ConnectionTerminated
            | ErrorCode::ConnectionReadTimeout
            | ErrorCode::HttpResponseIncomplete
            | ErrorCode::HttpResponseTimeout
            | ErrorCode::HttpProtocolError
    )
}

fn request_failed(url: &str, code: &ErrorCode) -> ActionError {
    match code {
        ErrorCode::HttpRequestDenied => denied(
            format!(
                "the host refused the request to {url}: it is outside this plugin's outbound \
                 allowlist, or the host has no valid token for it (see the host's log)"
            ),
            None,
        ),
        ErrorCode::ConnectionTerminated => transport(format!(
            "the connection to {url} ended after the request was sent: it may have been applied"
        )),
        ErrorCode::ConnectionRefused => transport(format!("connection to {url} refused")),
        ErrorCode::ConnectionTimeout | ErrorCode::ConnectionReadTimeout => {
            transport(format!("{url} did not answer in time ({code:?})"))
        }
        other => transport(format!("request to {url} failed: {other:?}")),
    }
}

/// Milliseconds on the monotonic clock.
pub fn now_ms() -> u64 {
    monotonic_clock::now() / 1_000_000
}

/// Sleeps without burning CPU: the host parks the plugin until the clock fires.
pub fn sleep_ms(ms: u64) {
    monotonic_clock::subscribe_duration(ms.saturating_mul(1_000_000)).block();
}
