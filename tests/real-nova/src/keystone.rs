//! Tokens from the harness's real Keystone: `POST /v3/auth/tokens` over a plain blocking HTTP/1.1
//! request (the harness starts outside any runtime; no client library on purpose, so what
//! Keystone answers is seen as it is).

use crate::harness::Account;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A token Keystone issued: `X-Subject-Token` and the body (`{"token": {...}}`).
#[derive(Clone, Debug)]
pub struct Token {
    pub id: String,
    pub body: Value,
}

/// Password auth of `account`, scoped to its project (user and project in domain `default`).
pub fn password_auth(account: &Account) -> Value {
    json!({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": account.username, "domain": {"id": "default"},
            "password": account.password}}},
        "scope": {"project": {"name": account.project, "domain": {"id": "default"}}}}})
}

/// Application credential auth (id and secret; the scope is the credential's own).
pub fn app_credential_auth(id: &str, secret: &str) -> Value {
    json!({"auth": {"identity": {
        "methods": ["application_credential"],
        "application_credential": {"id": id, "secret": secret}}}})
}

/// `POST {auth_url}/auth/tokens` with `auth`; a token on 201, else the status and body.
pub fn issue_token(auth_url: &str, auth: &Value) -> Result<Token, String> {
    let (status, headers, body) = post(&format!("{auth_url}/auth/tokens"), auth)?;
    if status != 201 {
        return Err(format!(
            "Keystone answered {status} to POST /auth/tokens: {body}"
        ));
    }
    let id = header(&headers, "x-subject-token")
        .ok_or_else(|| format!("Keystone issued a token without X-Subject-Token: {headers}"))?;
    let body = serde_json::from_str(&body)
        .map_err(|e| format!("Keystone's token body is not JSON ({e}): {body}"))?;
    Ok(Token { id, body })
}

/// One blocking `POST` of JSON to an `http://` URL; `(status, raw headers, body)`.
pub fn post(url: &str, body: &Value) -> Result<(u16, String, String), String> {
    send("POST", url, &[], &body.to_string())
}

/// Revokes `token` with `admin_token` (`DELETE /v3/auth/tokens`, 204), as `openstack token
/// revoke` does.
pub fn revoke_token(auth_url: &str, admin_token: &str, token: &str) -> Result<(), String> {
    let headers = [("X-Auth-Token", admin_token), ("X-Subject-Token", token)];
    let (status, _, body) = send("DELETE", &format!("{auth_url}/auth/tokens"), &headers, "")?;
    match status {
        204 => Ok(()),
        _ => Err(format!(
            "Keystone answered {status} to the revocation: {body}"
        )),
    }
}

/// One blocking `GET` with `headers` to an `http://` URL; `(status, raw headers, body)`.
pub fn get(url: &str, headers: &[(&str, &str)]) -> Result<(u16, String, String), String> {
    send("GET", url, headers, "")
}

/// One blocking request with `headers` and a JSON `body` to an `http://` URL; `(status, raw
/// headers, body)`.
pub fn send(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<(u16, String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("not an http:// URL: {url}"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream =
        TcpStream::connect(authority).map_err(|e| format!("connect to {authority}: {e}"))?;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Accept: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send to {url}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("read from {url}: {e}"))?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP answer from {url}: {raw}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line from {url}: {head}"))?;
    Ok((status, head.to_string(), body.to_string()))
}

/// The value of header `name` (case-insensitive) in a raw HTTP head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}
