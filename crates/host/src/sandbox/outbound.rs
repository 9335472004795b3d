//! The host side of a plugin's outgoing HTTP: the allowlist, the credentials, the response limit.
//!
//! Every request a plugin makes passes through [`OutboundHooks::send_request`]. A request to an
//! origin outside the allowlist, or one that carries credentials of its own, is refused with
//! `HttpRequestDenied` and logged with the plugin's name and the target; an allowed one gets the
//! host's token, and is sent again with a renewed token if the service answers 401.

use super::credentials::CredentialsError;
use super::limits::{Limit, Tripwire};
use super::policy::CallPolicy;
use crate::events::PluginEvent;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio_rustls::rustls::ClientConfig;
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

/// Headers that carry credentials: only the host may set them.
const CREDENTIAL_HEADERS: [&str; 5] = [
    "x-auth-token",
    "x-subject-token",
    "x-service-token",
    "authorization",
    "proxy-authorization",
];
/// Request bodies are buffered (to send them again after a 401); the migrate action's are tiny.
const MAX_REQUEST_BODY: usize = 1 << 20;

type IoFuture = Box<dyn Future<Output = Result<(), HttpError>> + Send>;
type Sent = Result<(Response<WasiBody>, IoFuture), HttpError>;

/// The outgoing-request hooks of one call, enforcing its [`CallPolicy`].
#[derive(Debug)]
pub(crate) struct OutboundHooks {
    policy: Arc<CallPolicy>,
}

impl OutboundHooks {
    /// Hooks that enforce `policy`.
    pub fn new(policy: Arc<CallPolicy>) -> Self {
        OutboundHooks { policy }
    }

    /// Why this request may not go out, if it may not.
    fn refusal(&self, request: &Request<WasiBody>) -> Option<String> {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("https");
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if !self.policy.allowed.permits(scheme, authority) {
            return Some(format!(
                "{scheme}://{authority} is not in the outbound allowlist"
            ));
        }
        let forged = CREDENTIAL_HEADERS
            .iter()
            .find(|h| request.headers().contains_key(**h));
        forged.map(|header| format!("the plugin set the credential header '{header}' itself"))
    }
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: Request<WasiBody>,
        options: Option<RequestOptions>,
        _io: IoFuture,
    ) -> Box<dyn Future<Output = Sent> + Send> {
        let policy = &self.policy;
        let target = format!("{} {}", request.method(), request.uri());
        if let Some(reason) = self.refusal(&request) {
            tracing::warn!(plugin = %policy.plugin, %target, %reason, "outgoing request denied");
            (policy.observer)(&PluginEvent::Denied {
                plugin: policy.plugin.to_string(),
                target,
                reason,
            });
            return Box::new(async { Err(HttpError::HttpRequestDenied) });
        }
        tracing::debug!(plugin = %policy.plugin, %target, "outgoing request");
        let policy = policy.clone();
        Box::new(async move {
            let (credentials, tls) = (&policy.credentials, &policy.tls);
            let (tripwire, limit, plugin) = (
                policy.tripwire.clone(),
                policy.limits.response_body_bytes,
                &policy.plugin,
            );
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            if body.len() > MAX_REQUEST_BODY {
                return Err(HttpError::HttpRequestBodySize(Some(body.len() as u64)));
            }
            let token = match &credentials {
                Some(c) => Some(c.token().await.map_err(credential_error)?),
                None => None,
            };
            let mut sent = send_once(&parts, &body, token.as_deref(), options, tls).await?;
            if sent.0.status() == StatusCode::UNAUTHORIZED
                && let (Some(c), Some(stale)) = (&credentials, &token)
                && let Some(fresh) = c.renew(stale).await.map_err(credential_error)?
            {
                tracing::info!(plugin = %plugin, %target, "401 from the service: sending again with a renewed token");
                sent = send_once(&parts, &body, Some(&fresh), options, tls).await?;
            }
            limit_body(sent, limit, tripwire)
        })
    }
}

async fn send_once(
    parts: &http::request::Parts,
    body: &Bytes,
    token: Option<&str>,
    options: Option<RequestOptions>,
    tls: &Option<Arc<ClientConfig>>,
) -> Sent {
    let mut request = Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone())
        .version(parts.version);
    if let Some(headers) = request.headers_mut() {
        headers.extend(parts.headers.clone());
        if let Some(token) = token {
            let value = HeaderValue::from_str(token).map_err(|_| {
                HttpError::InternalError(Some("the token is not a valid header value".into()))
            })?;
            headers.insert("x-auth-token", value);
        }
    }
    let body = Full::new(body.clone())
        .map_err(|never| match never {})
        .boxed_unsync();
    let request = request
        .body(body)
        .map_err(|e| HttpError::InternalError(Some(e.to_string())))?;
    if let Some(config) = tls
        && request.uri().scheme() == Some(&http::uri::Scheme::HTTPS)
    {
        return super::tls::send(request, config.clone(), options).await;
    }
    let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
    Ok((response.map(BodyExt::boxed_unsync), Box::new(io)))
}

fn credential_error(error: CredentialsError) -> HttpError {
    let message = crate::error::chain(&error);
    tracing::error!(%message, "cannot get a token for a plugin request");
    HttpError::InternalError(Some(format!("credentials: {message}")))
}

/// Refuses a body announced too large, and cuts one that turns out too large.
fn limit_body(sent: (Response<WasiBody>, IoFuture), limit: u64, tripwire: Tripwire) -> Sent {
    let (response, io) = sent;
    let announced = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limit) {
        tripwire.trip(Limit::ResponseBody(limit));
        return Err(HttpError::HttpResponseBodySize(announced));
    }
    let response = response.map(|inner| {
        LimitedBody {
            inner,
            seen: 0,
            limit,
            tripwire,
        }
        .boxed_unsync()
    });
    Ok((response, io))
}

/// A response body that errors (and trips the limit) once more than `limit` bytes went through.
struct LimitedBody {
    inner: WasiBody,
    seen: u64,
    limit: u64,
    tripwire: Tripwire,
}

impl Body for LimitedBody {
    type Data = Bytes;
    type Error = HttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, HttpError>>> {
        let this = &mut *self;
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.seen += data.len() as u64;
            if this.seen > this.limit {
                this.tripwire.trip(Limit::ResponseBody(this.limit));
                return Poll::Ready(Some(Err(HttpError::HttpResponseBodySize(Some(this.seen)))));
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}
