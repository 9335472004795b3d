//! The server an operator names, as Nova shows it, looked up from the host side (not through a
//! plugin): by id (`GET /servers/{id}`), else by exact name in every project (`GET
//! /servers/detail?name=^NAME$&all_tenants=1`), at microversion 2.80, as `openstack server
//! migrate SERVER` finds it.

use crate::exit;
use cloud_auth::{ServiceError, Session};
use serde_json::Value;

/// Every request names the version the migrate component uses.
const MICROVERSION: (&str, &str) = ("openstack-api-version", "compute 2.80");

/// A server, with what a migration needs to know about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Its UUID.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Nova's status, e.g. `ACTIVE`.
    pub status: String,
    /// The compute host it is on (`OS-EXT-SRV-ATTR:host`), if it has one.
    pub host: Option<String>,
}

/// Why the named server could not be found.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// No server has that id or name.
    #[error("no server with a name or id of '{0}' exists")]
    NotFound(String),
    /// Several servers have that name.
    #[error("{} servers are named '{name}': {}; give the id instead", matches.len(), list(matches))]
    Ambiguous {
        /// The name asked for.
        name: String,
        /// Every server of that name.
        matches: Vec<Server>,
    },
    /// Nova answered with an error.
    #[error("Nova answered {status} to GET {url}: {message}")]
    Nova {
        /// The request.
        url: String,
        /// The status.
        status: u16,
        /// Nova's own message.
        message: String,
    },
    /// Nova's answer is not shaped like Nova's.
    #[error("cannot read Nova's answer to GET {url}: {reason}")]
    Unreadable {
        /// The request.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No answer, or no token.
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl LookupError {
    /// Naming no server, or two, is the operator's to fix (2); anything else is the cloud's (5).
    pub fn exit_code(&self) -> u8 {
        match self {
            LookupError::NotFound(_) | LookupError::Ambiguous { .. } => exit::USAGE,
            _ => exit::HOST_ERROR,
        }
    }
}

fn list(servers: &[Server]) -> String {
    let one = |s: &Server| format!("{} on {}", s.id, s.host.as_deref().unwrap_or("no host"));
    servers.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// The server whose id (when `name_or_id` is a UUID) or else exact name is `name_or_id`.
pub async fn find_server(
    session: &Session,
    endpoint: &str,
    name_or_id: &str,
) -> Result<Server, LookupError> {
    if uuid::Uuid::parse_str(name_or_id).is_ok()
        && let Some(server) = show_server(session, endpoint, name_or_id).await?
    {
        return Ok(server);
    }
    let pattern = format!("^{}$", regex_escape(name_or_id));
    let url = format!(
        "{endpoint}/servers/detail?name={}&all_tenants=1",
        percent_encode(&pattern)
    );
    let body = get_json(session, &url).await?.unwrap_or(Value::Null);
    let listed = body["servers"]
        .as_array()
        .ok_or_else(|| unreadable(&url, "no servers list"))?;
    // Nova matches names as a regular expression, without case on MySQL: keep exact names only.
    let mut matches = listed
        .iter()
        .map(|s| server(&url, s))
        .collect::<Result<Vec<_>, _>>()?;
    matches.retain(|s| s.name == name_or_id);
    match matches.len() {
        0 => Err(LookupError::NotFound(name_or_id.to_string())),
        1 => Ok(matches.remove(0)),
        _ => Err(LookupError::Ambiguous {
            name: name_or_id.to_string(),
            matches,
        }),
    }
}

/// `GET /servers/{id}`: the server, or `None` when Nova does not know it.
pub async fn show_server(
    session: &Session,
    endpoint: &str,
    id: &str,
) -> Result<Option<Server>, LookupError> {
    let url = format!("{endpoint}/servers/{}", percent_encode(id));
    match get_json(session, &url).await? {
        Some(body) => server(&url, &body["server"]).map(Some),
        None => Ok(None),
    }
}

/// The JSON body of a 200, `None` for a 404, an error for anything else.
async fn get_json(session: &Session, url: &str) -> Result<Option<Value>, LookupError> {
    let reply = session.get(url, &[MICROVERSION]).await?;
    let body: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
    match reply.status {
        200 => Ok(Some(body)),
        404 => Ok(None),
        status => Err(LookupError::Nova {
            url: url.to_string(),
            status,
            message: nova_message(&body, &reply.body),
        }),
    }
}

/// Nova's errors are `{"itemNotFound": {"code": 404, "message": "..."}}` and the like.
fn nova_message(body: &Value, raw: &[u8]) -> String {
    let message = body
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(|v| v["message"].as_str());
    match message {
        Some(message) => message.to_string(),
        None => String::from_utf8_lossy(raw).chars().take(200).collect(),
    }
}

fn server(url: &str, value: &Value) -> Result<Server, LookupError> {
    let text = |key: &str| value[key].as_str().map(str::to_string);
    Ok(Server {
        id: text("id").ok_or_else(|| unreadable(url, "a server without an id"))?,
        name: text("name").unwrap_or_default(),
        status: text("status").unwrap_or_default(),
        host: text("OS-EXT-SRV-ATTR:host"),
    })
}

fn unreadable(url: &str, reason: &str) -> LookupError {
    LookupError::Unreadable {
        url: url.to_string(),
        reason: reason.to_string(),
    }
}

/// A name as a regular expression that matches only itself (Python's `re.escape`, for the
/// characters that are special in Python's and MySQL's syntax).
fn regex_escape(name: &str) -> String {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Everything but RFC 3986's unreserved characters, percent-encoded as UTF-8.
fn percent_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                encoded.push(char::from(byte));
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_escaped_so_it_matches_only_itself() {
        assert_eq!(regex_escape("web-1"), "web-1");
        assert_eq!(regex_escape("a.b(c)*"), r"a\.b\(c\)\*");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(percent_encode("^web 1$"), "%5Eweb%201%24");
        assert_eq!(percent_encode(r"a\.b"), "a%5C.b");
    }

    #[test]
    fn ambiguity_lists_every_server_with_its_host() {
        let server = |id: &str, host: &str| Server {
            id: id.into(),
            name: "web".into(),
            status: "ACTIVE".into(),
            host: Some(host.into()),
        };
        let error = LookupError::Ambiguous {
            name: "web".into(),
            matches: vec![server("a", "compute1"), server("b", "compute2")],
        };
        assert_eq!(
            error.to_string(),
            "2 servers are named 'web': a on compute1, b on compute2; give the id instead"
        );
        assert_eq!(error.exit_code(), exit::USAGE);
    }
}
