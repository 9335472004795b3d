//! The host side of a plugin's outgoing HTTP: the allowlist, the credentials, the response limit.
//!
//! Every request a plugin makes passes through [`OutboundHooks::send_request`]. A request to an
//! origin outside the allowlist, one that carries credentials of its own, or one the plugin may
//! not send (its declared requests under the operator's grants: `requests`) is refused with
//! `HttpRequestDenied` before any token is added, logged with the plugin's name and the target,
//! and counted; an allowed one gets the host's token, and is sent again with a renewed token if
//! the service answers 401.

use super::credentials::CredentialsError;
use super::limits::{Limit, Tripwire};
use super::policy::CallPolicy;
use super::requests::{Permit, check_action_body};
use super::retry::{Backoff, Fate, retry_after};
use crate::events::PluginEvent;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Frame};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};
use std::time::SystemTime;
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

    /// What this request still needs to go out (a server action's body to be checked), or why
    /// it may not: outside the allowlist, with credentials of its own, or not among the
    /// requests the plugin may send. All of it is decided before any token is added.
    fn admission(&self, request: &Request<WasiBody>) -> Result<Permit, String> {
        let uri = request.uri();
        let scheme = uri.scheme_str().unwrap_or("https");
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if !self.policy.allowed.permits(scheme, authority) {
            return Err(format!(
                "{scheme}://{authority} is not in the outbound allowlist"
            ));
        }
        if let Some(header) = CREDENTIAL_HEADERS
            .iter()
            .find(|h| request.headers().contains_key(**h))
        {
            return Err(format!(
                "the plugin set the credential header '{header}' itself"
            ));
        }
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        self.policy
            .requests
            .check(request.method().as_str(), path, &self.policy.base_path)
    }
}

/// Refuses a request: logged with the plugin, method and path, told to the observer, counted.
fn deny(policy: &CallPolicy, target: &str, reason: String) -> HttpError {
    tracing::warn!(plugin = %policy.plugin, %target, %reason, "outgoing request denied");
    policy.denied.fetch_add(1, Ordering::Relaxed);
    policy.metrics.refused(&policy.plugin);
    (policy.observer)(&PluginEvent::Denied {
        plugin: policy.plugin.to_string(),
        target: target.to_string(),
        reason,
    });
    HttpError::HttpRequestDenied
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: Request<WasiBody>,
        options: Option<RequestOptions>,
        _io: IoFuture,
    ) -> Box<dyn Future<Output = Sent> + Send> {
        let policy = self.policy.clone();
        let target = format!("{} {}", request.method(), request.uri());
        let permit = match self.admission(&request) {
            Ok(permit) => permit,
            Err(reason) => {
                let denied = deny(&policy, &target, reason);
                return Box::new(async { Err(denied) });
            }
        };
        Box::new(async move {
            let (parts, body) = request.into_parts();
            let body = body.collect().await?.to_bytes();
            if body.len() > MAX_REQUEST_BODY {
                return Err(HttpError::HttpRequestBodySize(Some(body.len() as u64)));
            }
            if let Permit::ActionIn(actions) = &permit
                && let Err(reason) = check_action_body(&body, actions)
            {
                return Err(deny(&policy, &target, reason));
            }
            tracing::debug!(plugin = %policy.plugin, %target, "outgoing request");
            let mut backoff = Backoff::until(policy.retry_until());
            let outgoing = Outgoing {
                policy: &policy,
                parts: &parts,
                body: &body,
                options,
                target: &target,
            };
            let token = outgoing.token(&mut backoff).await?;
            let mut sent = outgoing.send(token.as_deref(), &mut backoff).await;
            if let Ok((response, _)) = &sent
                && response.status() == StatusCode::UNAUTHORIZED
                && let (Some(credentials), Some(stale)) = (&policy.credentials, &token)
                && let Some(fresh) = outgoing
                    .renewed(credentials.as_ref(), stale, &mut backoff)
                    .await?
            {
                tracing::info!(plugin = %policy.plugin, %target, "401 from the service: sending again with a renewed token");
                sent = outgoing.send(Some(&fresh), &mut backoff).await;
            }
            policy.count_retries(backoff.retries());
            limit_body(
                sent?,
                policy.limits.response_body_bytes,
                policy.tripwire.clone(),
            )
        })
    }
}

/// One outgoing request and what it takes to send it, again if need be.
struct Outgoing<'a> {
    policy: &'a CallPolicy,
    parts: &'a http::request::Parts,
    body: &'a Bytes,
    options: Option<RequestOptions>,
    target: &'a str,
}

impl Outgoing<'_> {
    /// Sends the request, again while its fate is transient and the budget lasts. A mutation
    /// whose answer was lost comes back as `ConnectionTerminated`: it may have been applied.
    async fn send(&self, token: Option<&str>, backoff: &mut Backoff) -> Sent {
        let policy = self.policy;
        loop {
            let turn = policy.gate.turn().await;
            if turn.waited > std::time::Duration::from_millis(1) {
                policy.metrics.budget_wait(&policy.plugin, turn.waited);
            }
            let sent = send_once(self.parts, self.body, token, self.options, &policy.tls).await;
            drop(turn);
            let status = sent.as_ref().ok().map(|(r, _)| r.status().as_u16());
            policy
                .metrics
                .request(&policy.plugin, self.parts.method.as_str(), status);
            let fate = match &sent {
                Ok((response, _)) => Fate::Answered(response.status()),
                Err(error) => Fate::of_error(error),
            };
            let Some(reason) = fate.retry_reason(&self.parts.method) else {
                return match (fate, sent) {
                    (Fate::AnswerLost, Err(error)) => {
                        tracing::warn!(plugin = %policy.plugin, target = %self.target, %error, "the answer was lost after the request was sent; it may have been applied, so it is not sent again");
                        Err(HttpError::ConnectionTerminated)
                    }
                    (_, sent) => sent,
                };
            };
            // Only an answer that is to be retried has its `Retry-After` read.
            let asked = match &sent {
                Ok((response, _)) => retry_after(response.headers(), SystemTime::now()),
                Err(_) => None,
            };
            let Some(delay) = backoff.next_delay(asked) else {
                tracing::warn!(plugin = %policy.plugin, target = %self.target, reason, retries = backoff.retries(), "giving up: the retry budget is spent");
                return sent;
            };
            tracing::debug!(plugin = %policy.plugin, target = %self.target, reason, delay_ms = delay.as_millis() as u64, "transient failure: sending again");
            drop(sent);
            tokio::time::sleep(delay).await;
        }
    }

    /// The token to send, asking again while the identity service is unavailable.
    async fn token(&self, backoff: &mut Backoff) -> Result<Option<String>, HttpError> {
        let Some(credentials) = &self.policy.credentials else {
            return Ok(None);
        };
        loop {
            match credentials.token().await {
                Ok(token) => return Ok(Some(token)),
                Err(error) => self.credentials_failed(error, backoff).await?,
            }
        }
    }

    /// A renewed token after a 401, asking again while the identity service is unavailable.
    async fn renewed(
        &self,
        credentials: &dyn super::credentials::Credentials,
        stale: &str,
        backoff: &mut Backoff,
    ) -> Result<Option<String>, HttpError> {
        loop {
            match credentials.renew(stale).await {
                Ok(fresh) => return Ok(fresh),
                Err(error) => self.credentials_failed(error, backoff).await?,
            }
        }
    }

    /// Waits before asking the identity service again when it is unavailable; a refusal (or an
    /// outage beyond the budget) ends the request: refused by the host, never sent.
    async fn credentials_failed(
        &self,
        error: CredentialsError,
        backoff: &mut Backoff,
    ) -> Result<(), HttpError> {
        let message = crate::error::chain(&error);
        if let CredentialsError::Unavailable(_) = error
            && let Some(delay) = backoff.next_delay(None)
        {
            tracing::debug!(plugin = %self.policy.plugin, target = %self.target, %message, delay_ms = delay.as_millis() as u64, "no token yet: asking again");
            tokio::time::sleep(delay).await;
            return Ok(());
        }
        tracing::error!(plugin = %self.policy.plugin, target = %self.target, %message, "no token for a plugin request: refused");
        (self.policy.observer)(&PluginEvent::Denied {
            plugin: self.policy.plugin.to_string(),
            target: self.target.to_string(),
            reason: format!("no token: {message}"),
        });
        Err(HttpError::HttpRequestDenied)
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
