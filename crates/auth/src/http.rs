//! The smallest HTTP client Keystone needs: one `POST` of JSON (issue a token) or `GET` (validate
//! one) per connection (a token lasts hours and validations are cached, so pooling buys
//! nothing), over TCP or rustls with the `ring` provider.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

use crate::error::AuthError;

/// Keystone's largest answer is a token with a big catalog; this leaves ample room.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// What came back: status, `X-Subject-Token`, body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) subject_token: Option<String>,
    pub(crate) body: Bytes,
}

/// Sends requests to one service, with the TLS settings it needs.
#[derive(Clone)]
pub(crate) struct HttpClient {
    tls: Option<TlsConnector>,
    timeout: Duration,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("tls", &self.tls.is_some())
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl HttpClient {
    /// A client for `url`; `https` builds the TLS configuration now, so a bad CA file shows
    /// up before the first request.
    pub(crate) fn for_url(
        url: &str,
        ca_file: Option<&Path>,
        timeout: Duration,
    ) -> Result<HttpClient, AuthError> {
        let tls = if url.trim_start().to_ascii_lowercase().starts_with("https:") {
            Some(TlsConnector::from(Arc::new(tls_config(ca_file)?)))
        } else {
            None
        };
        Ok(HttpClient { tls, timeout })
    }

    /// `POST url` with a JSON body; the whole exchange is bounded by the timeout.
    pub(crate) async fn post_json(&self, url: &str, body: Vec<u8>) -> Result<Reply, AuthError> {
        self.send_bounded(Method::POST, url, &[], Some(body)).await
    }

    /// `GET url` with `headers`; the whole exchange is bounded by the timeout. Header values
    /// never appear in errors (they may be tokens).
    pub(crate) async fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
    ) -> Result<Reply, AuthError> {
        self.send_bounded(Method::GET, url, headers, None).await
    }

    async fn send_bounded(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Reply, AuthError> {
        let unreachable = |reason: String| AuthError::Unreachable {
            url: url.to_string(),
            reason,
        };
        let exchange = self.exchange(method, url, headers, body);
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(reply) => reply.map_err(unreachable),
            Err(_) => Err(unreachable(format!("no answer within {:?}", self.timeout))),
        }
    }

    async fn exchange(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Reply, String> {
        let uri: Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err("the URL must start with http:// or https://".to_string()),
        };
        let host = uri.host().ok_or("the URL has no host")?;
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let request = build_request(method, &uri, headers, body)?;
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| e.to_string())?;
        let _ = tcp.set_nodelay(true);
        match (&self.tls, https) {
            (Some(tls), true) => {
                let name = ServerName::try_from(host).map_err(|e| e.to_string())?;
                let stream = tls
                    .connect(name, tcp)
                    .await
                    .map_err(|e| format!("TLS: {e}"))?;
                send(stream, request).await
            }
            (None, true) => Err("this client was set up for plain HTTP".to_string()),
            (_, false) => send(tcp, request).await,
        }
    }
}

/// The request, with JSON headers and a body when there is one.
fn build_request(
    method: Method,
    uri: &Uri,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Result<Request<Full<Bytes>>, String> {
    let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut request = Request::builder()
        .method(method)
        .uri(target)
        .header(header::HOST, authority)
        .header(header::ACCEPT, "application/json")
        .header(
            header::USER_AGENT,
            concat!("cloud-auth/", env!("CARGO_PKG_VERSION")),
        );
    if body.is_some() {
        request = request.header(header::CONTENT_TYPE, "application/json");
    }
    for (name, value) in headers {
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| format!("the {name} header holds characters HTTP does not allow"))?;
        request = request.header(*name, value);
    }
    request
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())
}

async fn send<S>(stream: S, request: Request<Full<Bytes>>) -> Result<Reply, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    let connection = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string());
    let result = match response {
        Ok(response) => {
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_BODY)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            let subject_token = parts
                .headers
                .get("x-subject-token")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            Ok(Reply {
                status: parts.status,
                subject_token,
                body,
            })
        }
        Err(e) => Err(e),
    };
    connection.abort();
    result
}

/// rustls on `ring` (the provider the workspace already builds), trusting `ca_file` when
/// given, else the Mozilla roots (what Python's `requests` trusts through `certifi`).
pub fn tls_config(ca_file: Option<&Path>) -> Result<ClientConfig, AuthError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let unusable = |reason: String| AuthError::CaFile {
                path: path.to_path_buf(),
                reason,
            };
            let certs = CertificateDer::pem_file_iter(path).map_err(|e| unusable(e.to_string()))?;
            for cert in certs {
                let cert = cert.map_err(|e| unusable(e.to_string()))?;
                roots.add(cert).map_err(|e| unusable(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(unusable("it holds no PEM certificate".to_string()));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports rustls' default protocol versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}
