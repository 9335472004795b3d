//! `wasm-action serve` as a test sees it: started on port 0 with its log in a file, called over
//! HTTP or HTTPS with or without a token, and stopped with SIGTERM.

use crate::bench::Cli;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::ServerName;

/// A running `serve`; killed when dropped.
pub struct Served {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT` or `https://...`, from its ready line.
    pub base: String,
    log: PathBuf,
}

impl Served {
    /// `wasm-action -v --log-format json serve --listen 127.0.0.1:0 --os-cloud admin` with
    /// `args` added; returns once it has printed its ready line.
    pub async fn start(cli: &Cli, args: &[&str]) -> Served {
        let mut all = vec!["-v", "--log-format", "json", "serve"];
        all.extend_from_slice(&["--listen", "127.0.0.1:0", "--os-cloud", "admin"]);
        all.extend_from_slice(args);
        let log = cli
            .home
            .path()
            .join(format!("serve-{}.log", uuid::Uuid::new_v4()));
        let mut command = cli.command(&all, &[]);
        let stderr = std::fs::File::create(&log).expect("log file");
        command.stdout(Stdio::piped()).stderr(Stdio::from(stderr));
        let mut child = command.spawn().expect("starts");
        let stdout = child.stdout.take().expect("stdout");
        let ready = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            line
        })
        .await
        .expect("join");
        let log_text = std::fs::read_to_string(&log).unwrap_or_default();
        let ready: Value = serde_json::from_str(&ready)
            .unwrap_or_else(|_| panic!("no ready line; stderr: {log_text}"));
        let base = ready["listening"].as_str().expect("address").to_string();
        Served {
            child: Some(child),
            base,
            log,
        }
    }

    /// What it has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The fields of each log line whose message is `message`.
    pub fn logged(&self, message: &str) -> Vec<Value> {
        let lines = self.log();
        let lines = lines
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok());
        let fields = lines.map(|mut line| line["fields"].take());
        fields.filter(|f| f["message"] == message).collect()
    }

    /// SIGTERM, then its exit status once it has drained.
    pub async fn stop(mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success());
        tokio::task::spawn_blocking(move || child.wait().expect("exits"))
            .await
            .expect("join")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An answer: status, headers, and the body as JSON (`Null` when it is not).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Value,
    /// The body as text.
    pub text: String,
}

/// A request to the service.
pub struct Call<'a> {
    method: &'a str,
    url: String,
    token: Option<&'a str>,
    body: Option<String>,
    tls: Option<TlsConnector>,
}

impl<'a> Call<'a> {
    /// `method base+path`, without a token.
    pub fn new(method: &'a str, base: &str, path: &str) -> Call<'a> {
        Call {
            method,
            url: format!("{base}{path}"),
            token: None,
            body: None,
            tls: None,
        }
    }

    /// With `X-Auth-Token: token`.
    pub fn token(mut self, token: &'a str) -> Call<'a> {
        self.token = Some(token);
        self
    }

    /// With a JSON body.
    pub fn json(mut self, body: &Value) -> Call<'a> {
        self.body = Some(body.to_string());
        self
    }

    /// Over TLS, trusting the roots in `config`.
    pub fn tls(mut self, config: tokio_rustls::rustls::ClientConfig) -> Call<'a> {
        self.tls = Some(TlsConnector::from(Arc::new(config)));
        self
    }

    /// Sends it; an error when no HTTP answer came (refused connection, failed handshake).
    pub async fn send(self) -> Result<Answer, String> {
        let uri: http::Uri = self.url.parse().map_err(|e| format!("{e}"))?;
        let authority = uri.authority().expect("host").to_string();
        let tcp = tokio::net::TcpStream::connect(&authority)
            .await
            .map_err(|e| e.to_string())?;
        let mut request = http::Request::builder()
            .method(self.method)
            .uri(uri.path_and_query().map_or("/", |p| p.as_str()))
            .header("host", &authority);
        if let Some(token) = self.token {
            request = request.header("x-auth-token", token);
        }
        if self.body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(self.body.unwrap_or_default())))
            .map_err(|e| e.to_string())?;
        match self.tls {
            None => exchange(tcp, request).await,
            Some(tls) => {
                let host = uri.host().expect("host").to_string();
                let name = ServerName::try_from(host).map_err(|e| e.to_string())?;
                let stream = tls.connect(name, tcp).await.map_err(|e| e.to_string())?;
                exchange(stream, request).await
            }
        }
    }

    /// Sends it and expects an answer.
    pub async fn answer(self) -> Answer {
        let what = format!("{} {}", self.method, self.url);
        self.send()
            .await
            .unwrap_or_else(|e| panic!("{what}: no answer: {e}"))
    }
}

async fn exchange<S>(stream: S, request: http::Request<Full<Bytes>>) -> Result<Answer, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    Ok(Answer {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// Polls `GET /v1/plans/{id}` with `token` until the job is in state `wanted`.
pub async fn until_state(base: &str, token: &str, id: &str, wanted: &str) -> Value {
    for _ in 0..1000 {
        let job = Call::new("GET", base, &format!("/v1/plans/{id}"))
            .token(token)
            .answer()
            .await
            .body;
        if job["state"] == wanted {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job {id} never reached {wanted}");
}
