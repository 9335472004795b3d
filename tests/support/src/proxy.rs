//! A faulting HTTP/1.1 proxy on `127.0.0.1`, between a client and an HTTP server (the Nova
//! double or real Nova), that does what a load balancer in front of nova-api does during an
//! outage: answer 503 (or 502, 504) itself, refuse connections, reset a connection once the
//! request is read, or lose the answer of a request that upstream did apply.
//!
//! By default it passes everything through: each request is read whole, sent to upstream on a
//! new connection with the method, target, headers (`Host` included) and body the client sent,
//! and upstream's status, headers and body are relayed back. Clients may keep their connection
//! alive for several requests.
//!
//! ```no_run
//! # async fn demo(nova: &nova_double::NovaDouble) {
//! use std::time::Duration;
//! use test_support::{FaultyProxy, Rule};
//!
//! let proxy = FaultyProxy::start(nova.addr()).await;
//! let endpoint = proxy.endpoint_for(&nova.endpoint()); // give this to the client
//! proxy.unavailable_for(Duration::from_secs(2), Rule::request("POST", "/action"));
//! proxy.lose_answer(1, Rule::path("/os-migrations"));
//! # }
//! ```

use std::convert::Infallible;
use std::future::pending;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, sleep, sleep_until};

/// Which requests a fault applies to: those with this method (any method if `None`; compared
/// without regard to case) whose target (path and query, as the client sent it) contains
/// `path_contains`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    /// The method, or `None` for any.
    pub method: Option<String>,
    /// A substring of the request target (`/v2.1/servers/ID/action?x=y`); `""` matches all.
    pub path_contains: String,
}

impl Rule {
    /// Every request.
    pub fn any() -> Rule {
        Rule::default()
    }

    /// Requests of any method whose target contains `path_contains`.
    pub fn path(path_contains: impl Into<String>) -> Rule {
        Rule {
            method: None,
            path_contains: path_contains.into(),
        }
    }

    /// `method` requests whose target contains `path_contains`.
    pub fn request(method: &str, path_contains: impl Into<String>) -> Rule {
        Rule {
            method: Some(method.to_string()),
            path_contains: path_contains.into(),
        }
    }

    fn matches(&self, method: &Method, target: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()))
            && target.contains(&self.path_contains)
    }
}

/// A running proxy. Dropping it stops it: its task is aborted, and its listener and every
/// connection close as soon as the runtime drops that task.
///
/// The faults apply to the requests read after they are set. A request is checked against them
/// once it is read completely, in this order: an answer window (the one set last wins), then
/// [`reset_after_request`](FaultyProxy::reset_after_request), then
/// [`lose_answer`](FaultyProxy::lose_answer); a request that matches none is forwarded. Each
/// fault applied is logged in [`faults_applied`](FaultyProxy::faults_applied) under one of these
/// names: `"unavailable"` (503), `"bad_gateway"` (502), `"gateway_timeout"` (504), `"answer"`
/// (another status of [`answer_for`](FaultyProxy::answer_for)), `"reset_after_request"`,
/// `"lose_answer"`. Refused connections carry no request and are not logged.
#[derive(Debug)]
pub struct FaultyProxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    refusals: mpsc::UnboundedSender<Refusal>,
    task: JoinHandle<()>,
}

impl FaultyProxy {
    /// The body of the proxy's own 503 answer, as HAProxy words it.
    pub const UNAVAILABLE_BODY: &'static str = "<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>";

    /// Starts a proxy to `upstream` on `127.0.0.1` with a free port. Must run inside a tokio
    /// runtime; panics if it cannot listen.
    pub async fn start(upstream: SocketAddr) -> FaultyProxy {
        let listener = listen(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .expect("the proxy listens on 127.0.0.1");
        let addr = listener
            .local_addr()
            .expect("a listening socket has an address");
        let shared = Arc::new(Shared::default());
        let (refusals, requests) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(listener, upstream, shared.clone(), requests));
        FaultyProxy {
            addr,
            upstream,
            shared,
            refusals,
            task,
        }
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `upstream_url` (`http://127.0.0.1:UPSTREAMPORT/v2.1`) with the proxy's address instead
    /// of upstream's (`http://127.0.0.1:PROXYPORT/v2.1`). Panics if `upstream_url` is not an
    /// `http://` URL on upstream's port.
    pub fn endpoint_for(&self, upstream_url: &str) -> String {
        let rest = upstream_url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("{upstream_url} is not an http:// URL"));
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let port = authority
            .rsplit_once(':')
            .and_then(|(_, port)| port.parse::<u16>().ok());
        assert_eq!(
            port,
            Some(self.upstream.port()),
            "{upstream_url} is not on the proxy's upstream {}",
            self.upstream
        );
        format!("http://{}{path}", self.addr)
    }

    /// For `duration` from now, answers every request matching `rule` itself, `503 Service
    /// Unavailable` with HAProxy's HTML page, without reaching upstream.
    pub fn unavailable_for(&self, duration: Duration, rule: Rule) {
        self.answer_window(duration, StatusCode::SERVICE_UNAVAILABLE, None, rule);
    }

    /// [`unavailable_for`](FaultyProxy::unavailable_for), the answers with `Retry-After:
    /// retry_after_secs`.
    pub fn unavailable_for_with_retry_after(
        &self,
        duration: Duration,
        retry_after_secs: u64,
        rule: Rule,
    ) {
        let status = StatusCode::SERVICE_UNAVAILABLE;
        self.answer_window(duration, status, Some(retry_after_secs), rule);
    }

    /// For `duration` from now, answers every request matching `rule` itself with `status`
    /// (502 and 504 as HAProxy words them, others with a bare HTML page), without reaching
    /// upstream. Panics if `status` is not an HTTP status code.
    pub fn answer_for(&self, duration: Duration, status: u16, rule: Rule) {
        let status = StatusCode::from_u16(status)
            .unwrap_or_else(|_| panic!("{status} is not an HTTP status code"));
        self.answer_window(duration, status, None, rule);
    }

    fn answer_window(
        &self,
        duration: Duration,
        status: StatusCode,
        retry_after: Option<u64>,
        rule: Rule,
    ) {
        self.shared.faults().answers.push(AnswerWindow {
            until: Instant::now() + duration,
            status,
            retry_after,
            rule,
        });
    }

    /// For `duration`, refuses new connections: the listening socket is closed (a client's
    /// connect fails with "connection refused") and bound again on the same port afterwards.
    /// The connections already open are closed too. Returns once the socket is closed; a
    /// refusal asked for during another one extends it.
    pub async fn refuse_for(&self, duration: Duration) {
        let (closed, done) = oneshot::channel();
        self.refusals
            .send(Refusal { duration, closed })
            .expect("the proxy's accept task runs as long as the proxy");
        done.await
            .expect("the proxy's accept task answers every refusal");
    }

    /// The next `count` requests matching `rule` are read completely, then the client's
    /// connection is reset (TCP RST) without forwarding them: they never reach upstream.
    pub fn reset_after_request(&self, count: usize, rule: Rule) {
        self.shared
            .faults()
            .resets
            .push(Counted { left: count, rule });
    }

    /// The next `count` requests matching `rule` are forwarded and upstream's answer is read,
    /// then the client's connection is reset (TCP RST) instead of relaying it: upstream applied
    /// the request, the client never learns.
    pub fn lose_answer(&self, count: usize, rule: Rule) {
        self.shared
            .faults()
            .losses
            .push(Counted { left: count, rule });
    }

    /// How many requests the proxy read completely (faulted or not).
    pub fn requests_seen(&self) -> usize {
        self.shared.requests_seen.load(Ordering::SeqCst)
    }

    /// How many requests upstream answered (the answer lost or not).
    pub fn forwarded(&self) -> usize {
        self.shared.forwarded.load(Ordering::SeqCst)
    }

    /// The faults applied so far, in order: the request's method and target, and the fault's
    /// name (see [`FaultyProxy`]).
    pub fn faults_applied(&self) -> Vec<(String, String, &'static str)> {
        self.shared.faults().applied.clone()
    }
}

impl Drop for FaultyProxy {
    fn drop(&mut self) {
        // The accept task owns the listener and every connection's task.
        self.task.abort();
    }
}

#[derive(Debug, Default)]
struct Shared {
    faults: Mutex<Faults>,
    requests_seen: AtomicUsize,
    forwarded: AtomicUsize,
}

impl Shared {
    fn faults(&self) -> MutexGuard<'_, Faults> {
        // A panicking test thread must not hide the log from the others.
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Default)]
struct Faults {
    answers: Vec<AnswerWindow>,
    resets: Vec<Counted>,
    losses: Vec<Counted>,
    applied: Vec<(String, String, &'static str)>,
}

#[derive(Debug)]
struct AnswerWindow {
    until: Instant,
    status: StatusCode,
    retry_after: Option<u64>,
    rule: Rule,
}

#[derive(Debug)]
struct Counted {
    left: usize,
    rule: Rule,
}

#[derive(Debug)]
enum Decision {
    Forward,
    Answer {
        status: StatusCode,
        retry_after: Option<u64>,
    },
    Reset,
    LoseAnswer,
}

impl Faults {
    /// The fault for a request read now, its use counted and logged.
    fn decide(&mut self, method: &Method, target: &str) -> Decision {
        let now = Instant::now();
        self.answers.retain(|window| window.until > now);
        let (decision, name) = if let Some(window) = self
            .answers
            .iter()
            .rev()
            .find(|window| window.rule.matches(method, target))
        {
            let name = match window.status {
                StatusCode::SERVICE_UNAVAILABLE => "unavailable",
                StatusCode::BAD_GATEWAY => "bad_gateway",
                StatusCode::GATEWAY_TIMEOUT => "gateway_timeout",
                _ => "answer",
            };
            let decision = Decision::Answer {
                status: window.status,
                retry_after: window.retry_after,
            };
            (decision, name)
        } else if take_one(&mut self.resets, method, target) {
            (Decision::Reset, "reset_after_request")
        } else if take_one(&mut self.losses, method, target) {
            (Decision::LoseAnswer, "lose_answer")
        } else {
            return Decision::Forward;
        };
        self.applied
            .push((method.to_string(), target.to_string(), name));
        decision
    }
}

/// Uses one of the first matching count, dropping it once spent.
fn take_one(faults: &mut Vec<Counted>, method: &Method, target: &str) -> bool {
    let Some(at) = faults
        .iter()
        .position(|fault| fault.left > 0 && fault.rule.matches(method, target))
    else {
        return false;
    };
    faults[at].left -= 1;
    if faults[at].left == 0 {
        faults.remove(at);
    }
    true
}

#[derive(Debug)]
struct Refusal {
    duration: Duration,
    closed: oneshot::Sender<()>,
}

/// A listening socket on `addr` that can be bound again as soon as it is closed, even while
/// connections it accepted linger in TIME_WAIT.
fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Accepts connections and serves each in its own task until aborted; closes the listener (and
/// the connections) for the refusals asked for.
async fn run(
    mut listener: TcpListener,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    mut refusals: mpsc::UnboundedReceiver<Refusal>,
) {
    let addr = listener
        .local_addr()
        .expect("a listening socket has an address");
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, upstream, shared.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            refusal = refusals.recv() => {
                let Some(refusal) = refusal else { return };
                drop(listener);
                connections.abort_all();
                let until = Instant::now() + refusal.duration;
                // The client may go on as soon as this is sent: the socket is closed.
                let _ = refusal.closed.send(());
                let Some(again) = refuse(addr, until, &mut refusals).await else { return };
                listener = again;
            }
        }
    }
}

/// Waits out a refusal (extended by those asked for meanwhile), then listens on `addr` again,
/// trying every 10 ms until the port can be bound. `None` once the proxy is gone.
async fn refuse(
    addr: SocketAddr,
    mut until: Instant,
    refusals: &mut mpsc::UnboundedReceiver<Refusal>,
) -> Option<TcpListener> {
    loop {
        tokio::select! {
            () = sleep_until(until) => break,
            refusal = refusals.recv() => {
                let refusal = refusal?;
                until = until.max(Instant::now() + refusal.duration);
                let _ = refusal.closed.send(());
            }
        }
    }
    loop {
        match listen(addr) {
            Ok(listener) => return Some(listener),
            Err(_) => sleep(Duration::from_millis(10)).await,
        }
    }
}

/// Serves one client connection (keep-alive) until it closes, or resets it when a request's
/// fault says so.
async fn serve_connection(stream: TcpStream, upstream: SocketAddr, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    // A second handle on the socket, to set SO_LINGER 0 on it once hyper's is gone: closing
    // the last handle then sends a reset.
    let Ok((stream, spare)) = with_spare_handle(stream) else {
        return;
    };
    let reset = Arc::new(Notify::new());
    let service = {
        let reset = reset.clone();
        service_fn(move |request| handle(request, upstream, shared.clone(), reset.clone()))
    };
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        () = reset.notified() => {
            // hyper's handle is dropped by now; when `spare` goes, the socket is reset.
            if let Ok(spare) = TcpStream::from_std(spare) {
                let _ = spare.set_zero_linger();
            }
        }
    }
}

fn with_spare_handle(stream: TcpStream) -> io::Result<(TcpStream, std::net::TcpStream)> {
    let stream = stream.into_std()?;
    let spare = stream.try_clone()?;
    Ok((TcpStream::from_std(stream)?, spare))
}

/// One request: read whole, then answered as its fault (if any) says. For a reset, the
/// connection's task is told and no answer ever comes.
async fn handle(
    request: Request<Incoming>,
    upstream: SocketAddr,
    shared: Arc<Shared>,
    reset: Arc<Notify>,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    shared.requests_seen.fetch_add(1, Ordering::SeqCst);
    let target = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.to_string(), |p| p.as_str().to_string());
    let decision = shared.faults().decide(&parts.method, &target);
    let request = Request::from_parts(parts, Full::new(body));
    match decision {
        Decision::Forward => Ok(match forward(upstream, &shared, request).await {
            Ok(answer) => answer,
            // What a load balancer answers when its backend is down, or talks nonsense.
            Err(Upstream::Unreachable) => own_answer(StatusCode::SERVICE_UNAVAILABLE, None),
            Err(Upstream::Broken) => own_answer(StatusCode::BAD_GATEWAY, None),
        }),
        Decision::Answer {
            status,
            retry_after,
        } => Ok(own_answer(status, retry_after)),
        Decision::Reset => reset_connection(&reset).await,
        Decision::LoseAnswer => {
            let _ = forward(upstream, &shared, request).await;
            reset_connection(&reset).await
        }
    }
}

async fn reset_connection(reset: &Notify) -> Result<Response<Full<Bytes>>, hyper::Error> {
    reset.notify_one();
    // The connection's task drops this future as it resets the connection.
    match pending::<Infallible>().await {}
}

#[derive(Debug)]
enum Upstream {
    Unreachable,
    Broken,
}

/// Sends `request` to upstream on a new connection; its answer, read whole, ready to relay.
async fn forward(
    upstream: SocketAddr,
    shared: &Shared,
    request: Request<Full<Bytes>>,
) -> Result<Response<Full<Bytes>>, Upstream> {
    let stream = TcpStream::connect(upstream)
        .await
        .map_err(|_| Upstream::Unreachable)?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| Upstream::Broken)?;
    let mut connection = pin!(connection);
    let mut exchange = pin!(async move {
        let response = sender.send_request(request).await?;
        shared.forwarded.fetch_add(1, Ordering::SeqCst);
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok::<_, hyper::Error>((parts, body))
    });
    // The connection is driven here (not spawned) so that nothing outlives the client's task.
    let answered = tokio::select! {
        biased;
        answered = &mut exchange => answered,
        driven = &mut connection => match driven {
            // Upstream closed after its answer: the answer is in.
            Ok(()) => exchange.await,
            Err(error) => Err(error),
        },
    };
    let (mut parts, body) = answered.map_err(|_| Upstream::Broken)?;
    strip_hop_by_hop(&mut parts.headers);
    Ok(Response::from_parts(parts, Full::new(body)))
}

/// Drops the headers about upstream's connection (the body is relayed whole, its framing
/// decided anew); `Content-Length` stays.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in [
        header::CONNECTION,
        header::TRANSFER_ENCODING,
        header::TE,
        header::TRAILER,
        header::UPGRADE,
        header::HeaderName::from_static("keep-alive"),
        header::HeaderName::from_static("proxy-connection"),
    ] {
        headers.remove(name);
    }
}

/// The proxy's own answer, an HTML page as HAProxy's.
fn own_answer(status: StatusCode, retry_after: Option<u64>) -> Response<Full<Bytes>> {
    let body = match status {
        StatusCode::SERVICE_UNAVAILABLE => FaultyProxy::UNAVAILABLE_BODY.to_string(),
        StatusCode::BAD_GATEWAY => "<html><body><h1>502 Bad Gateway</h1>The server returned an invalid or incomplete response.</body></html>".to_string(),
        StatusCode::GATEWAY_TIMEOUT => "<html><body><h1>504 Gateway Time-out</h1>The server didn't respond in time.</body></html>".to_string(),
        _ => format!(
            "<html><body><h1>{} {}</h1></body></html>",
            status.as_u16(),
            status.canonical_reason().unwrap_or_default()
        ),
    };
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
    if let Some(secs) = retry_after {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    response
}
