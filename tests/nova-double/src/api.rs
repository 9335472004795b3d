//! What every handler works with: who is asking ([`Auth`]), at which microversion ([`Ctx`]),
//! and the Nova-shaped answers ([`Reply`]) and errors ([`ApiError`]).

use http::HeaderMap;
use serde_json::{Value, json};

use crate::state::{Requester, Server, State};

/// Lowest and highest compute API microversions (2.1 … 2.104), as minor numbers.
pub(crate) const MIN_MINOR: u32 = 1;
pub(crate) const MAX_MINOR: u32 = 104;

/// The caller, from the recording's auth stand-in `X-Auth-Token: USER:PROJECT[:ROLES]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Auth {
    pub(crate) user: String,
    pub(crate) project: String,
    pub(crate) roles: Vec<String>,
}

impl Auth {
    /// Parses a token; `USER` alone means project `USER`. Empty tokens authenticate nobody.
    pub(crate) fn from_token(token: &str) -> Option<Auth> {
        let mut parts = token.trim().splitn(3, ':');
        let user = parts.next().filter(|u| !u.is_empty())?.to_string();
        let project = parts
            .next()
            .filter(|p| !p.is_empty())
            .unwrap_or(&user)
            .to_string();
        let roles = parts
            .next()
            .map(|r| r.split(',').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default();
        Some(Auth {
            user,
            project,
            roles,
        })
    }

    pub(crate) fn is_admin(&self) -> bool {
        self.user == "admin" || self.has_role("admin")
    }

    pub(crate) fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    pub(crate) fn requester(&self) -> Requester {
        Requester {
            project_id: self.project.clone(),
            user_id: self.user.clone(),
        }
    }
}

/// One authenticated API request, as handlers see it.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: &'a [u8],
    /// The microversion's minor number (the major is always 2).
    pub(crate) version: u32,
    pub(crate) auth: Auth,
    pub(crate) request_id: &'a str,
    /// `http://HOST:PORT` as the client addressed us, for the links in answers.
    pub(crate) base: String,
}

impl Ctx<'_> {
    pub(crate) fn at_least(&self, minor: u32) -> bool {
        self.version >= minor
    }

    /// The first value of query parameter `name`.
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The body as JSON; anything else is Nova's "Malformed request body".
    pub(crate) fn json_body(&self) -> Result<Value, ApiError> {
        serde_json::from_slice(self.body)
            .map_err(|_| ApiError::bad_request("Malformed request body"))
    }

    /// Admin-only policy `rule`.
    pub(crate) fn require_admin(&self, rule: &str) -> Result<(), ApiError> {
        if self.auth.is_admin() {
            Ok(())
        } else {
            Err(ApiError::policy(rule))
        }
    }

    /// The server `id` if it exists and the caller may see it (admins see every project).
    pub(crate) fn visible_server<'s>(
        &self,
        state: &'s State,
        id: &str,
    ) -> Result<&'s Server, ApiError> {
        state
            .servers
            .get(id)
            .filter(|s| self.auth.is_admin() || s.project_id == self.auth.project)
            .ok_or_else(|| ApiError::not_found(format!("Instance {id} could not be found.")))
    }
}

/// A successful answer.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
}

impl Reply {
    pub(crate) fn ok(body: Value) -> Self {
        Reply {
            status: 200,
            body: Some(body),
        }
    }

    pub(crate) fn accepted() -> Self {
        Reply {
            status: 202,
            body: None,
        }
    }

    pub(crate) fn no_content() -> Self {
        Reply {
            status: 204,
            body: None,
        }
    }
}

/// An error answer, rendered as Nova's `{"<faultName>": {"code": …, "message": …}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, message)
    }

    pub(crate) fn no_resource() -> Self {
        Self::not_found("The resource could not be found.")
    }

    pub(crate) fn policy(rule: &str) -> Self {
        Self::new(403, format!("Policy doesn't allow {rule} to be performed."))
    }

    /// Nova's `InstanceInvalidState` as the API words it.
    pub(crate) fn invalid_state(action: &str, id: &str, attr: &str, state: Option<&str>) -> Self {
        let state = state.unwrap_or("None");
        Self::conflict(format!(
            "Cannot '{action}' instance {id} while it is in {attr} {state}"
        ))
    }

    pub(crate) fn body(&self) -> Value {
        json!({ fault_name(self.status): { "code": self.status, "message": self.message } })
    }
}

/// Nova's name for an error body of this status.
pub(crate) fn fault_name(status: u16) -> &'static str {
    match status {
        400 => "badRequest",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "itemNotFound",
        409 => "conflictingRequest",
        415 => "badMediaType",
        _ => "computeFault",
    }
}

/// Nova's `check_instance_state`: vm_state first, then task_state (which must be one of `tasks`).
pub(crate) fn check_state(
    server: &Server,
    action: &str,
    vm_states: &[&str],
    tasks: &[Option<&str>],
) -> Result<(), ApiError> {
    if !vm_states.contains(&server.vm_state) {
        return Err(ApiError::invalid_state(
            action,
            &server.id,
            "vm_state",
            Some(server.vm_state),
        ));
    }
    if !tasks.contains(&server.task_state) {
        return Err(ApiError::invalid_state(
            action,
            &server.id,
            "task_state",
            server.task_state,
        ));
    }
    Ok(())
}

/// The requested microversion's minor number, from `OpenStack-API-Version: compute X.Y` or the
/// legacy `X-OpenStack-Nova-API-Version: X.Y`; 2.1 when neither names compute.
pub(crate) fn requested_version(headers: &HeaderMap) -> Result<u32, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let requested = match header("openstack-api-version") {
        Some(value) => value.split(',').find_map(|part| {
            let mut words = part.split_whitespace();
            let service = words.next()?;
            service
                .eq_ignore_ascii_case("compute")
                .then(|| words.collect::<Vec<_>>().join(" "))
        }),
        None => header("x-openstack-nova-api-version").map(|v| v.trim().to_string()),
    };
    requested.map_or(Ok(MIN_MINOR), |v| parse_version(&v))
}

fn parse_version(text: &str) -> Result<u32, ApiError> {
    if text == "latest" {
        return Ok(MAX_MINOR);
    }
    let number = |s: &str, zero_ok: bool| {
        let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        digits && (!s.starts_with('0') || (zero_ok && s == "0"))
    };
    let (major, minor) = text.split_once('.').unwrap_or((text, ""));
    if !number(major, false) || !number(minor, true) {
        return Err(ApiError::bad_request(format!(
            "API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum."
        )));
    }
    match (major, minor.parse::<u32>()) {
        ("2", Ok(minor)) if (MIN_MINOR..=MAX_MINOR).contains(&minor) => Ok(minor),
        _ => Err(ApiError::new(
            406,
            format!(
                "Version {text} is not supported by the API. Minimum is 2.{MIN_MINOR} and maximum is 2.{MAX_MINOR}."
            ),
        )),
    }
}

/// `a=1&b=x%20y` → `[("a","1"), ("b","x y")]`.
pub(crate) fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key, true), percent_decode(value, true))
        })
        .collect()
}

/// `%XX` escapes decoded; a `+` is a space in a query (`plus_is_space`), itself in a path.
pub(crate) fn percent_decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version_of(value: &str) -> Result<u32, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            "openstack-api-version",
            value.parse().expect("valid header"),
        );
        requested_version(&headers)
    }

    #[test]
    fn versions_parse_like_nova() {
        assert_eq!(version_of("compute 2.56"), Ok(56));
        assert_eq!(version_of("compute latest"), Ok(104));
        assert_eq!(version_of("placement 1.1"), Ok(1));
        assert_eq!(requested_version(&HeaderMap::new()), Ok(1));
        assert_eq!(version_of("compute 2.999").map_err(|e| e.status), Err(406));
        assert_eq!(version_of("compute 2.0").map_err(|e| e.status), Err(406));
        assert_eq!(version_of("compute 2.05").map_err(|e| e.status), Err(400));
    }

    #[test]
    fn tokens_name_user_project_and_roles() {
        let auth = Auth::from_token("demo:demo:manager,member").expect("valid token");
        assert_eq!(auth.project, "demo");
        assert!(auth.has_role("manager") && !auth.is_admin());
        assert!(Auth::from_token("admin:admin").is_some_and(|a| a.is_admin()));
        assert_eq!(Auth::from_token(""), None);
    }

    #[test]
    fn query_values_are_percent_decoded() {
        let query = parse_query(Some("host=compute%201&binary=nova-compute&x"));
        assert_eq!(query[0], ("host".to_string(), "compute 1".to_string()));
        assert_eq!(query[2], ("x".to_string(), String::new()));
    }
}
