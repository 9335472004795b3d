//! The faulting proxy against a tiny upstream that answers 200 and counts what reached it.

use std::convert::Infallible;
use std::future::Future;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use test_support::{FaultyProxy, Rule};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::sleep;

/// A window that a test checks right after setting it, and again well after it ended.
const WINDOW: Duration = Duration::from_millis(800);
const WELL_AFTER: Duration = Duration::from_millis(1500);

/// Answers `200 upstream: METHOD TARGET BODY` (404 for targets with `/missing`), with the Host
/// it was sent in `x-seen-host`; counts the requests.
struct Upstream {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl Upstream {
    async fn start() -> Upstream {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("the upstream listens on 127.0.0.1");
        let addr = listener.local_addr().expect("a listener has an address");
        let hits = Arc::new(AtomicUsize::new(0));
        let counted = hits.clone();
        let task = tokio::spawn(nova_double::server::serve(
            listener,
            "upstream",
            move |request| answer(request, counted.clone()),
        ));
        Upstream { addr, hits, task }
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn answer(
    request: Request<Incoming>,
    hits: Arc<AtomicUsize>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    hits.fetch_add(1, Ordering::SeqCst);
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let target = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let text = format!(
        "upstream: {} {target} {}",
        parts.method,
        String::from_utf8_lossy(&body)
    );
    let status = if target.contains("/missing") {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    let host = parts.headers.get(http::header::HOST).cloned();
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "text/plain");
    if let Some(host) = host {
        response = response.header("x-seen-host", host);
    }
    Ok(response
        .body(Full::new(Bytes::from(text)))
        .expect("a valid response"))
}

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `method target` (with `body`) to `addr` on a new connection.
async fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    body: &str,
) -> Result<Answer, hyper::Error> {
    let stream = TcpStream::connect(addr).await.expect("the proxy accepts");
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    exchange(&mut sender, addr, method, target, body).await
}

/// `method target` on an open connection.
async fn exchange(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    method: &str,
    target: &str,
    body: &str,
) -> Result<Answer, hyper::Error> {
    let request = Request::builder()
        .method(method)
        .uri(target)
        .header("host", addr.to_string())
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid request");
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Tries `attempt` every 10 ms until it gives something, for at most 5 s.
async fn eventually<T, F: Future<Output = Option<T>>>(what: &str, attempt: impl Fn() -> F) -> T {
    for _ in 0..500 {
        if let Some(done) = attempt().await {
            return done;
        }
        sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: not within 5 s");
}

async fn started() -> (Upstream, FaultyProxy) {
    let upstream = Upstream::start().await;
    let proxy = FaultyProxy::start(upstream.addr).await;
    (upstream, proxy)
}

#[tokio::test]
async fn passes_status_headers_and_body_through() {
    let (upstream, proxy) = started().await;

    let got = send(proxy.addr(), "GET", "/v2.1/servers?all_tenants=1", "")
        .await
        .expect("an answer");
    assert_eq!(got.status, 200);
    assert_eq!(got.body, "upstream: GET /v2.1/servers?all_tenants=1 ");
    assert_eq!(got.header("content-type"), Some("text/plain"));
    // The Host the client sent, not upstream's address.
    assert_eq!(got.header("x-seen-host"), Some(&*proxy.addr().to_string()));

    let posted = send(proxy.addr(), "POST", "/v2.1/servers/s1/action", "{}")
        .await
        .expect("an answer");
    assert_eq!(
        (posted.status, posted.body.as_str()),
        (200, "upstream: POST /v2.1/servers/s1/action {}")
    );

    let missing = send(proxy.addr(), "GET", "/v2.1/missing", "")
        .await
        .expect("an answer");
    assert_eq!(missing.status, 404);

    assert_eq!(upstream.hits(), 3);
    assert_eq!((proxy.requests_seen(), proxy.forwarded()), (3, 3));
    assert!(proxy.faults_applied().is_empty());
}

#[tokio::test]
async fn keeps_a_connection_alive_for_several_requests() {
    let (upstream, proxy) = started().await;
    let stream = TcpStream::connect(proxy.addr())
        .await
        .expect("the proxy accepts");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("a handshake");
    tokio::spawn(connection);

    for n in 0..3 {
        let got = exchange(&mut sender, proxy.addr(), "GET", &format!("/v2.1/{n}"), "")
            .await
            .expect("an answer on the same connection");
        assert_eq!(got.body, format!("upstream: GET /v2.1/{n} "));
    }
    assert_eq!(upstream.hits(), 3);
}

#[tokio::test]
async fn answers_503_itself_for_the_window_then_passes_again() {
    let (upstream, proxy) = started().await;

    proxy.unavailable_for(WINDOW, Rule::any());
    let got = send(proxy.addr(), "GET", "/v2.1/servers", "")
        .await
        .expect("an answer");
    assert_eq!(got.status, 503);
    assert_eq!(got.header("content-type"), Some("text/html"));
    assert_eq!(got.header("retry-after"), None);
    assert_eq!(got.body, FaultyProxy::UNAVAILABLE_BODY);
    assert_eq!(
        got.body,
        "<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>"
    );
    assert_eq!(upstream.hits(), 0);
    assert_eq!((proxy.requests_seen(), proxy.forwarded()), (1, 0));

    sleep(WELL_AFTER).await;
    let after = send(proxy.addr(), "GET", "/v2.1/servers", "")
        .await
        .expect("an answer");
    assert_eq!(after.status, 200);
    assert_eq!(upstream.hits(), 1);
    assert_eq!(
        proxy.faults_applied(),
        [(
            "GET".to_string(),
            "/v2.1/servers".to_string(),
            "unavailable"
        )]
    );
}

#[tokio::test]
async fn answers_retry_after_502_and_504_as_asked() {
    let (upstream, proxy) = started().await;
    let long = Duration::from_secs(60);
    proxy.unavailable_for_with_retry_after(long, 30, Rule::path("/a"));
    proxy.answer_for(long, 502, Rule::path("/b"));
    proxy.answer_for(long, 504, Rule::path("/c"));

    let a = send(proxy.addr(), "GET", "/a", "")
        .await
        .expect("an answer");
    assert_eq!((a.status, a.header("retry-after")), (503, Some("30")));
    assert_eq!(a.body, FaultyProxy::UNAVAILABLE_BODY);

    let b = send(proxy.addr(), "GET", "/b", "")
        .await
        .expect("an answer");
    assert_eq!(
        (b.status, b.header("content-type")),
        (502, Some("text/html"))
    );
    assert!(b.body.contains("<h1>502 Bad Gateway</h1>"), "{}", b.body);

    let c = send(proxy.addr(), "GET", "/c", "")
        .await
        .expect("an answer");
    assert_eq!(
        (c.status, c.header("content-type")),
        (504, Some("text/html"))
    );
    assert!(
        c.body.contains("<h1>504 Gateway Time-out</h1>"),
        "{}",
        c.body
    );

    assert_eq!(upstream.hits(), 0);
    let names: Vec<_> = proxy
        .faults_applied()
        .into_iter()
        .map(|(_, _, name)| name)
        .collect();
    assert_eq!(names, ["unavailable", "bad_gateway", "gateway_timeout"]);
}

#[tokio::test]
async fn refuses_connections_for_the_window_then_accepts_again() {
    let (upstream, proxy) = started().await;
    // A connection open before the refusal is closed by it.
    let stream = TcpStream::connect(proxy.addr())
        .await
        .expect("the proxy accepts");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("a handshake");
    tokio::spawn(connection);
    exchange(&mut sender, proxy.addr(), "GET", "/before", "")
        .await
        .expect("an answer before the refusal");

    proxy.refuse_for(WINDOW).await;
    let refused = TcpStream::connect(proxy.addr())
        .await
        .expect_err("no connection during the refusal");
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    assert!(
        exchange(&mut sender, proxy.addr(), "GET", "/during", "")
            .await
            .is_err(),
        "the open connection was closed"
    );

    sleep(WELL_AFTER).await;
    let after = eventually("the proxy listens again", || async {
        TcpStream::connect(proxy.addr()).await.ok()?;
        send(proxy.addr(), "GET", "/after", "").await.ok()
    })
    .await;
    assert_eq!(after.status, 200);
    assert_eq!(upstream.hits(), 2);
}

#[tokio::test]
async fn resets_after_the_request_without_forwarding_it() {
    let (upstream, proxy) = started().await;
    proxy.reset_after_request(1, Rule::request("POST", "/action"));

    let failed = send(proxy.addr(), "POST", "/v2.1/servers/s1/action", "{}").await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(upstream.hits(), 0);
    assert_eq!((proxy.requests_seen(), proxy.forwarded()), (1, 0));

    // The count is spent: the next one goes through.
    let again = send(proxy.addr(), "POST", "/v2.1/servers/s1/action", "{}")
        .await
        .expect("an answer");
    assert_eq!(again.status, 200);
    assert_eq!(upstream.hits(), 1);
    assert_eq!(
        proxy.faults_applied(),
        [(
            "POST".to_string(),
            "/v2.1/servers/s1/action".to_string(),
            "reset_after_request"
        )]
    );
}

#[tokio::test]
async fn the_reset_is_a_tcp_reset() {
    let (upstream, proxy) = started().await;
    proxy.reset_after_request(1, Rule::any());

    let mut stream = TcpStream::connect(proxy.addr())
        .await
        .expect("the proxy accepts");
    let request = format!(
        "POST /v2.1/servers/s1/action HTTP/1.1\r\nHost: {}\r\nContent-Length: 2\r\n\r\n{{}}",
        proxy.addr()
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("the request is sent");
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer).await;
    assert_eq!(
        read.as_ref().map_err(|e| e.kind()),
        Err(ErrorKind::ConnectionReset),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(upstream.hits(), 0);
}

#[tokio::test]
async fn loses_the_answer_of_a_request_upstream_saw() {
    let (upstream, proxy) = started().await;
    proxy.lose_answer(1, Rule::path("/os-migrations"));

    let failed = send(
        proxy.addr(),
        "GET",
        "/v2.1/os-migrations?instance_uuid=s1",
        "",
    )
    .await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(upstream.hits(), 1);
    assert_eq!((proxy.requests_seen(), proxy.forwarded()), (1, 1));

    let again = send(proxy.addr(), "GET", "/v2.1/os-migrations", "")
        .await
        .expect("an answer");
    assert_eq!(again.status, 200);
    assert_eq!(upstream.hits(), 2);
    assert_eq!(
        proxy.faults_applied(),
        [(
            "GET".to_string(),
            "/v2.1/os-migrations?instance_uuid=s1".to_string(),
            "lose_answer"
        )]
    );
}

#[tokio::test]
async fn rules_pick_by_method_and_path() {
    let (upstream, proxy) = started().await;
    // Methods compare without regard to case.
    proxy.unavailable_for(Duration::from_secs(60), Rule::request("post", "/action"));
    proxy.reset_after_request(5, Rule::request("DELETE", "/servers/s2"));

    let status = |method: &'static str, target: &'static str| {
        let addr = proxy.addr();
        async move { send(addr, method, target, "").await.map(|a| a.status).ok() }
    };
    assert_eq!(status("GET", "/v2.1/servers/s1/action").await, Some(200));
    assert_eq!(status("POST", "/v2.1/servers").await, Some(200));
    assert_eq!(status("POST", "/v2.1/servers/s1/action").await, Some(503));
    assert_eq!(status("DELETE", "/v2.1/servers/s1").await, Some(200));
    assert_eq!(status("DELETE", "/v2.1/servers/s2").await, None);
    assert_eq!(status("GET", "/v2.1/servers/s2").await, Some(200));

    assert_eq!(upstream.hits(), 4);
    assert_eq!((proxy.requests_seen(), proxy.forwarded()), (6, 4));
    let applied: Vec<_> = proxy
        .faults_applied()
        .into_iter()
        .map(|(method, path, name)| format!("{method} {path} {name}"))
        .collect();
    assert_eq!(
        applied,
        [
            "POST /v2.1/servers/s1/action unavailable",
            "DELETE /v2.1/servers/s2 reset_after_request",
        ]
    );
}

#[tokio::test]
async fn answers_503_when_upstream_is_down() {
    let upstream = Upstream::start().await;
    let proxy = FaultyProxy::start(upstream.addr).await;
    let addr = upstream.addr;
    drop(upstream);
    eventually("the upstream is gone", || async {
        let refused = TcpStream::connect(addr).await.err()?;
        (refused.kind() == ErrorKind::ConnectionRefused).then_some(())
    })
    .await;

    let got = send(proxy.addr(), "GET", "/v2.1/servers", "")
        .await
        .expect("an answer");
    assert_eq!(got.status, 503);
    assert_eq!(proxy.forwarded(), 0);
}

#[tokio::test]
async fn stands_in_front_of_the_nova_double() {
    let nova = nova_double::NovaDouble::start(nova_double::Config::default())
        .await
        .expect("the Nova double starts");
    let proxy = FaultyProxy::start(nova.addr()).await;
    let endpoint = proxy.endpoint_for(&nova.endpoint());
    assert_eq!(endpoint, format!("http://{}/v2.1", proxy.addr()));

    let (status, _) =
        nova_double::client::admin_request("GET", &format!("{endpoint}/servers"), None)
            .await
            .expect("an answer through the proxy");
    assert_eq!(status, 200);

    proxy.unavailable_for(Duration::from_secs(60), Rule::path("/servers"));
    let (status, body) =
        nova_double::client::admin_request("GET", &format!("{endpoint}/servers"), None)
            .await
            .expect("the proxy's own answer");
    assert_eq!(status, 503);
    assert_eq!(body, FaultyProxy::UNAVAILABLE_BODY.as_bytes());
    assert_eq!(nova.requests().len(), 1);
}

#[tokio::test]
#[should_panic(expected = "is not on the proxy's upstream")]
async fn endpoint_for_wants_upstreams_port() {
    let (_upstream, proxy) = started().await;
    let port = proxy.addr().port();
    proxy.endpoint_for(&format!("http://127.0.0.1:{port}/v2.1"));
}

#[tokio::test]
async fn stops_listening_when_dropped() {
    let (_upstream, proxy) = started().await;
    let addr = proxy.addr();
    drop(proxy);
    // The listener closes once the runtime drops the aborted task: a connect racing that may
    // see a reset first.
    eventually("the proxy stops listening", || async {
        let refused = TcpStream::connect(addr).await.err()?;
        (refused.kind() == ErrorKind::ConnectionRefused).then_some(())
    })
    .await;
}
