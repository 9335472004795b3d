//! A minimal HTTP/1.1 client for talking to the double (and other local test servers) the way
//! an admin's script would: one request per connection, the whole answer read.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};

/// The double's admin token (its auth stand-in takes `USER:PROJECT[:ROLES]`).
pub const ADMIN_TOKEN: &str = "admin:admin";

/// Sends `method url` with `headers` and an optional JSON `body` over a new connection;
/// returns the status and the body.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let broken = |e: &dyn std::fmt::Display| std::io::Error::other(format!("{method} {url}: {e}"));
    let uri: http::Uri = url.parse().map_err(|e| broken(&e))?;
    let authority = uri
        .authority()
        .ok_or_else(|| broken(&"no host in the URL"))?
        .to_string();
    let stream = tokio::net::TcpStream::connect(&authority).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| broken(&e))?;
    tokio::spawn(connection);
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut builder = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", &authority);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let request = builder
        .body(Full::new(Bytes::from(body.unwrap_or_default().to_string())))
        .map_err(|e| broken(&e))?;
    let response = sender.send_request(request).await.map_err(|e| broken(&e))?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| broken(&e))?
        .to_bytes();
    Ok((status, bytes.to_vec()))
}

/// [`request`] as the double's admin at microversion 2.80.
pub async fn admin_request(
    method: &str,
    url: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, Vec<u8>)> {
    let headers = [
        ("x-auth-token", ADMIN_TOKEN),
        ("openstack-api-version", "compute 2.80"),
    ];
    request(method, url, &headers, body).await
}
