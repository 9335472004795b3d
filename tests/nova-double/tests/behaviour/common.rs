//! A tiny HTTP client and polling helpers for the behaviour tests.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use nova_double::{Config, NovaDouble, ServerView, Timings};
use serde_json::Value;
use tokio::net::TcpStream;

/// A double with fast timings and the default hosts compute1..3.
pub async fn start() -> NovaDouble {
    let config = Config {
        timings: Timings::fast(),
        ..Config::default()
    };
    NovaDouble::start(config).await.expect("the double starts")
}

/// A double with fast timings except where `adjust` slows a step down, so that a test can
/// look at a state without racing a busy machine.
pub async fn start_with(adjust: impl FnOnce(&mut Timings)) -> NovaDouble {
    let nova = start().await;
    let mut timings = Timings::fast();
    adjust(&mut timings);
    nova.set_timings(timings);
    nova
}

/// Steps long enough (150 ms) for a poller to see every state even on a loaded machine.
pub fn observable(timings: &mut Timings) {
    let step = Duration::from_millis(150);
    timings.resize_prep = step;
    timings.resize_migrate = step;
    timings.resize_finish = step * 2;
    timings.revert = step * 2;
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    /// The body as JSON (`null` when empty).
    pub fn json(&self) -> Value {
        if self.text.is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&self.text).expect("the body is JSON")
    }

    /// The `message` of a Nova error body.
    pub fn message(&self) -> String {
        let body = self.json();
        let fault = body
            .as_object()
            .and_then(|o| o.values().next())
            .expect("an error body has one key");
        fault["message"].as_str().expect("a message").to_string()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Sends one request on a fresh connection. `path` is absolute (e.g. `/v2.1/servers`).
pub async fn send(
    double: &NovaDouble,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let stream = TcpStream::connect(double.addr()).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "nova");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request
        .body(Full::new(Bytes::from(body.to_string())))
        .expect("a valid request");
    let response = sender.send_request(request).await.expect("an answer");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let text = String::from_utf8(bytes.to_vec()).expect("UTF-8 body");
    Answer {
        status,
        headers,
        text,
    }
}

fn api_headers<'a>(token: &'a str, version: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut headers = vec![
        ("x-auth-token", token),
        ("content-type", "application/json"),
    ];
    if !version.is_empty() {
        headers.push(("openstack-api-version", version));
    }
    headers
}

/// `GET /v2.1{path}` as admin at `version` (e.g. `"compute 2.56"`, or `""` for none).
pub async fn get(double: &NovaDouble, path: &str, version: &str) -> Answer {
    let headers = api_headers("admin:admin", version);
    send(double, "GET", &format!("/v2.1{path}"), &headers, "").await
}

/// `POST /v2.1/servers/{id}/action` with `body`, as `token`.
pub async fn action_as(
    double: &NovaDouble,
    token: &str,
    id: &str,
    version: &str,
    body: &str,
) -> Answer {
    let headers = api_headers(token, version);
    let path = format!("/v2.1/servers/{id}/action");
    send(double, "POST", &path, &headers, body).await
}

/// `POST /v2.1/servers/{id}/action` with `body`, as admin.
pub async fn action(double: &NovaDouble, id: &str, version: &str, body: &str) -> Answer {
    action_as(double, "admin:admin", id, version, body).await
}

/// Polls the server until `done` holds; panics after 5 s.
pub async fn wait_for(
    double: &NovaDouble,
    id: &str,
    done: impl Fn(&ServerView) -> bool,
) -> ServerView {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let server = double.server(id).expect("the server exists");
        if done(&server) {
            return server;
        }
        assert!(Instant::now() < deadline, "timed out; server is {server:?}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Polls until `done` holds and returns every distinct (status, task_state, host) seen.
pub async fn trace(
    double: &NovaDouble,
    id: &str,
    done: impl Fn(&ServerView) -> bool,
) -> Vec<(String, Option<String>, String)> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen: Vec<(String, Option<String>, String)> = Vec::new();
    loop {
        let server = double.server(id).expect("the server exists");
        let step = (
            server.status.clone(),
            server.task_state.clone(),
            server.host.clone(),
        );
        if seen.last() != Some(&step) {
            seen.push(step);
        }
        if done(&server) {
            return seen;
        }
        assert!(Instant::now() < deadline, "timed out; seen {seen:?}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Idle and in one of the settled statuses.
pub fn settled(server: &ServerView) -> bool {
    server.task_state.is_none() && server.status != "RESIZE"
}

/// Polls the newest migration of `id` until its status is `status`; panics after 5 s.
pub async fn wait_for_migration(
    double: &NovaDouble,
    id: &str,
    status: &str,
) -> nova_double::MigrationView {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let newest = double
            .migrations()
            .into_iter()
            .find(|m| m.instance_uuid == id);
        if let Some(migration) = newest.filter(|m| m.status == status) {
            return migration;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for migration {status}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Writes `request` as is, then reads until the peer closes (or 5 s pass); returns what came.
pub async fn raw_exchange(stream: &TcpStream, request: &str) -> std::io::Result<Vec<u8>> {
    let mut pending = request.as_bytes();
    while !pending.is_empty() {
        stream.writable().await?;
        match stream.try_write(pending) {
            Ok(n) => pending = &pending[n..],
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) => return Err(e),
        }
    }
    let mut received = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline {
        let _ = tokio::time::timeout(Duration::from_millis(100), stream.readable()).await;
        match stream.try_read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => return Err(e),
        }
    }
    Ok(received)
}

/// `METHOD /v2.1{path}` as `token` at `version` with `body` (`""` for none).
pub async fn request(
    double: &NovaDouble,
    method: &str,
    path: &str,
    token: &str,
    version: &str,
    body: &str,
) -> Answer {
    let headers = api_headers(token, version);
    send(double, method, &format!("/v2.1{path}"), &headers, body).await
}

/// The events of the server's newest instance action, newest first as Nova lists them:
/// `(event, result)`.
pub async fn newest_action_events(double: &NovaDouble, id: &str) -> Vec<(String, Option<String>)> {
    let newest = double
        .instance_actions(id)
        .into_iter()
        .next()
        .expect("an instance action");
    let path = format!("/servers/{id}/os-instance-actions/{}", newest.request_id);
    let shown = get(double, &path, "compute 2.80").await.json();
    shown["instanceAction"]["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let name = e["event"].as_str().expect("an event name").to_string();
            (name, e["result"].as_str().map(str::to_string))
        })
        .collect()
}
