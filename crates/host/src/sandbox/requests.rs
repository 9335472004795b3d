//! What a plugin may ask of the compute endpoint: request rules (`METHOD /path/{template}
//! [ACTION ...]`) and the matching of an outgoing request against them (pure; no I/O).
//!
//! The host adds an admin token to what a plugin sends, so the allowlist (where a request goes)
//! is not enough: a plugin may send only the requests it declared (the contract's
//! `capabilities`), narrowed or, explicitly, widened by the operator ([`super::grants`]).
//! Matching is exact, segment by segment, on the path as Nova will decode it: a segment that is
//! empty, `.` or `..`, or that decodes to anything with `/`, `\`, `%`, `;`, `?`, `#` or a control
//! character matches nothing, so `..`, encoded slashes, double slashes, trailing junk and case
//! games get nothing through. A query string is allowed on `GET` and `HEAD` only, and a server
//! action's JSON body must hold exactly one top-level key, one of the rule's actions.

use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use std::collections::BTreeSet;
use std::fmt;

/// The methods a rule may name.
const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// One kind of request a plugin may send, e.g. `POST /servers/{id}/action migrate confirmResize`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRule {
    method: String,
    path: Vec<Segment>,
    actions: BTreeSet<String>,
}

/// One segment of a rule's path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// This exact text.
    Literal(String),
    /// Any one segment (`{name}`).
    Any(String),
}

/// Why a rule cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The method is not one of GET, HEAD, POST, PUT, PATCH, DELETE (upper case).
    #[error("'{0}' is not a method a rule may name (GET, HEAD, POST, PUT, PATCH or DELETE)")]
    Method(String),
    /// The path is not `/segment/...` with literal or `{name}` segments.
    #[error("'{0}' is not a path template like /servers/{{id}}/action")]
    Path(String),
    /// Actions on a path that is not a server action's, or none on one that is.
    #[error("{0}")]
    Actions(String),
    /// Nothing after the method, or nothing at all.
    #[error("'{0}' is not a rule: write METHOD /path [ACTION ...], e.g. GET /servers/{{id}}")]
    Shape(String),
}

impl RequestRule {
    /// A rule from its three parts, checked.
    pub fn new(method: &str, path: &str, actions: &[String]) -> Result<RequestRule, RuleError> {
        if !METHODS.contains(&method) {
            return Err(RuleError::Method(method.into()));
        }
        let segments = path_template(path).ok_or_else(|| RuleError::Path(path.into()))?;
        let is_action = matches!(segments.last(), Some(Segment::Literal(s)) if s == "action");
        if method == "POST" && matches!(segments.last(), Some(Segment::Any(_))) {
            return Err(RuleError::Path(format!(
                "{path} (a POST whose last segment is a placeholder would allow every server \
                 action: name the last segment)"
            )));
        }
        let actions: BTreeSet<String> = actions.iter().cloned().collect();
        if is_action && (method != "POST" || actions.is_empty()) {
            return Err(RuleError::Actions(format!(
                "{method} {path}: a server action is a POST naming its actions, e.g. POST {path} migrate"
            )));
        }
        if !is_action && !actions.is_empty() {
            return Err(RuleError::Actions(format!(
                "{method} {path}: only a path ending in /action takes action names"
            )));
        }
        if let Some(bad) = actions.iter().find(|a| !is_action_name(a)) {
            return Err(RuleError::Actions(format!("'{bad}' is not an action name")));
        }
        Ok(RequestRule {
            method: method.into(),
            path: segments,
            actions,
        })
    }

    /// A rule from its text, `METHOD /path [ACTION ...]`.
    pub fn parse(text: &str) -> Result<RequestRule, RuleError> {
        let mut words = text.split_whitespace();
        let (Some(method), Some(path)) = (words.next(), words.next()) else {
            return Err(RuleError::Shape(text.trim().into()));
        };
        let actions: Vec<String> = words.map(str::to_string).collect();
        RequestRule::new(method, path, &actions)
    }

    /// The method, e.g. `POST`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The actions a server-action rule allows (empty for other rules).
    pub fn actions(&self) -> &BTreeSet<String> {
        &self.actions
    }

    /// Whether everything `other` allows, this rule allows too.
    pub fn covers(&self, other: &RequestRule) -> bool {
        self.method == other.method
            && self.path.len() == other.path.len()
            && self
                .path
                .iter()
                .zip(&other.path)
                .all(|(mine, theirs)| match (mine, theirs) {
                    (Segment::Any(_), _) => true,
                    (Segment::Literal(a), Segment::Literal(b)) => a == b,
                    (Segment::Literal(_), Segment::Any(_)) => false,
                })
            && other.actions.is_subset(&self.actions)
    }

    /// Whether this rule's method and path match a request's (decoded) path segments.
    fn matches(&self, method: &str, segments: &[String]) -> bool {
        self.method == method
            && self.path.len() == segments.len()
            && self
                .path
                .iter()
                .zip(segments)
                .all(|(rule, seg)| match rule {
                    Segment::Literal(text) => text == seg,
                    Segment::Any(_) => true,
                })
    }
}

impl fmt::Display for RequestRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.method)?;
        for segment in &self.path {
            match segment {
                Segment::Literal(text) => write!(f, "/{text}")?,
                Segment::Any(name) => write!(f, "/{{{name}}}")?,
            }
        }
        for action in &self.actions {
            write!(f, " {action}")?;
        }
        Ok(())
    }
}

/// The segments of a template like `/servers/{id}/action`, if it is one.
fn path_template(path: &str) -> Option<Vec<Segment>> {
    let rest = path.strip_prefix('/')?;
    rest.split('/')
        .map(|segment| {
            if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let valid =
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                return valid.then(|| Segment::Any(name.into()));
            }
            let valid = !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            valid.then(|| Segment::Literal(segment.into()))
        })
        .collect()
}

fn is_action_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:".contains(c))
}

/// The rules one call runs under; empty: nothing may be sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestRules {
    rules: Vec<RequestRule>,
}

/// What a request needs besides its method and path, when they match.
#[derive(Debug, PartialEq, Eq)]
pub enum Permit {
    /// It may go.
    Granted,
    /// It may go if its JSON body names one of these server actions.
    ActionIn(BTreeSet<String>),
}

impl RequestRules {
    /// Rules from a list.
    pub fn new(rules: Vec<RequestRule>) -> RequestRules {
        RequestRules { rules }
    }

    /// The rules, in order.
    pub fn rules(&self) -> &[RequestRule] {
        &self.rules
    }

    /// Whether no request may be sent at all.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Checks a request's method and path-and-query, as sent, below the endpoint's `base`
    /// path (e.g. `/v2.1`). `Err` says why it is refused.
    pub fn check(&self, method: &str, path_and_query: &str, base: &str) -> Result<Permit, String> {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path_and_query, None),
        };
        if let Some(query) = query {
            if !matches!(method, "GET" | "HEAD") {
                return Err(format!("a {method} with a query string is never allowed"));
            }
            check_query(query)?;
        }
        let base = base.trim_end_matches('/');
        let Some(below) = path.strip_prefix(base).filter(|rest| rest.starts_with('/')) else {
            return Err(format!("{path} is outside the compute API ({base}/...)"));
        };
        let segments = decoded_segments(below)?;
        // A server action is granted only by a rule that names `action` itself, with its actions.
        let is_action = method == "POST" && segments.last().is_some_and(|s| s == "action");
        let matching: Vec<&RequestRule> = self
            .rules
            .iter()
            .filter(|rule| rule.matches(method, &segments))
            .filter(|rule| !is_action || !rule.actions.is_empty())
            .collect();
        if matching.is_empty() {
            return Err(format!(
                "{method} {below} matches no request the plugin may send ({})",
                self.summary()
            ));
        }
        if matching.iter().any(|rule| rule.actions.is_empty()) {
            return Ok(Permit::Granted);
        }
        let actions = matching.iter().flat_map(|r| r.actions.iter().cloned());
        Ok(Permit::ActionIn(actions.collect()))
    }

    /// The rules as one line, for refusals.
    pub fn summary(&self) -> String {
        if self.rules.is_empty() {
            return "it may send none".into();
        }
        let rules: Vec<String> = self.rules.iter().map(ToString::to_string).collect();
        format!("it may send: {}", rules.join("; "))
    }
}

/// Refuses a query that overrides the method: Nova's router (Routes' `RoutesMiddleware`) takes
/// `_method` from the query string as the method it routes on, so `GET /servers/x?_method=DELETE`
/// would delete the server. Keys are read as webob reads them: split on `&` and `;`, `+` a space,
/// percent-decoded.
fn check_query(query: &str) -> Result<(), String> {
    for pair in query.split(['&', ';']) {
        let key = pair.split('=').next().unwrap_or_default().replace('+', " ");
        let Some(key) = percent_decode(&key) else {
            return Err(format!(
                "the query key '{key}' is not validly percent-encoded"
            ));
        };
        if key.trim().eq_ignore_ascii_case("_method") {
            return Err("a query that overrides the method (_method) is never allowed".into());
        }
    }
    Ok(())
}

/// The decoded segments of a path below the endpoint, or why it is refused.
fn decoded_segments(path: &str) -> Result<Vec<String>, String> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    rest.split('/')
        .map(|raw| {
            let decoded = percent_decode(raw).ok_or_else(|| {
                format!("the path segment '{raw}' is not validly percent-encoded")
            })?;
            let unsafe_char = decoded
                .chars()
                .any(|c| c.is_control() || "/\\%;?#".contains(c));
            if decoded.is_empty() || decoded == "." || decoded == ".." || unsafe_char {
                return Err(format!(
                    "the path segment '{raw}' is empty, a dot segment or hides a separator"
                ));
            }
            Ok(decoded)
        })
        .collect()
}

/// `text` with its `%XX` escapes decoded, if they are valid UTF-8 escapes.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Checks that a server action's body names exactly one action, one of `allowed`.
pub fn check_action_body(body: &[u8], allowed: &BTreeSet<String>) -> Result<(), String> {
    let keys = top_level_keys(body)
        .map_err(|e| format!("a server action's body must be one JSON object ({e})"))?;
    match keys.as_slice() {
        [key] if allowed.contains(key) => Ok(()),
        [key] => Err(format!(
            "the server action '{key}' is not one the plugin may send ({})",
            allowed.iter().cloned().collect::<Vec<_>>().join(", ")
        )),
        keys => Err(format!(
            "a server action's body must name exactly one action, not {}",
            keys.len()
        )),
    }
}

/// Every top-level key of a JSON object, duplicates included, in order.
fn top_level_keys(body: &[u8]) -> Result<Vec<String>, serde_json::Error> {
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut keys = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                keys.push(key);
            }
            Ok(keys)
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let keys = (&mut deserializer).deserialize_map(Keys)?;
    deserializer.end()?;
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(texts: &[&str]) -> RequestRules {
        RequestRules::new(
            texts
                .iter()
                .map(|t| RequestRule::parse(t).expect("a valid rule"))
                .collect(),
        )
    }

    fn migrate_rules() -> RequestRules {
        rules(&[
            "GET /servers/{id}",
            "POST /servers/{id}/action migrate confirmResize",
            "GET /os-services",
        ])
    }

    const BASE: &str = "/v2.1";

    #[test]
    fn a_declared_request_is_granted() {
        let r = migrate_rules();
        assert_eq!(
            r.check("GET", "/v2.1/servers/abc", BASE),
            Ok(Permit::Granted)
        );
        assert_eq!(
            r.check("GET", "/v2.1/os-services?binary=nova-compute&host=c1", BASE),
            Ok(Permit::Granted)
        );
    }

    #[test]
    fn a_server_action_needs_its_body_checked() {
        let r = migrate_rules();
        let Ok(Permit::ActionIn(actions)) = r.check("POST", "/v2.1/servers/abc/action", BASE)
        else {
            panic!("expected a body check")
        };
        assert!(check_action_body(br#"{"migrate": {"host": "c3"}}"#, &actions).is_ok());
        assert!(check_action_body(br#"{"confirmResize": null}"#, &actions).is_ok());
    }

    #[test]
    fn an_undeclared_action_is_refused() {
        let actions: BTreeSet<String> = ["migrate".to_string()].into();
        let refused = check_action_body(br#"{"os-stop": null}"#, &actions).expect_err("refused");
        assert!(refused.contains("'os-stop'"), "{refused}");
    }

    #[test]
    fn a_body_naming_two_actions_is_refused() {
        let actions: BTreeSet<String> = ["migrate".to_string()].into();
        for body in [
            &br#"{"migrate": {}, "os-stop": null}"#[..],
            br#"{"migrate": {}, "migrate": {}}"#,
            br#"{}"#,
        ] {
            assert!(check_action_body(body, &actions).is_err());
        }
    }

    #[test]
    fn a_body_that_is_not_one_json_object_is_refused() {
        let actions: BTreeSet<String> = ["migrate".to_string()].into();
        for body in [
            &b"[]"[..],
            b"migrate",
            br#"{"migrate": {}} {"os-stop": null}"#,
            b"",
        ] {
            assert!(check_action_body(body, &actions).is_err());
        }
    }

    #[test]
    fn undeclared_methods_and_paths_are_refused() {
        let r = migrate_rules();
        for (method, path) in [
            ("DELETE", "/v2.1/servers/abc"),
            ("PUT", "/v2.1/os-services/abc"),
            ("POST", "/v2.1/servers"),
            ("get", "/v2.1/servers/abc"),
            ("GET", "/v2.1/os-hypervisors"),
        ] {
            let refused = r.check(method, path, BASE).expect_err("refused");
            assert!(refused.contains("matches no request"), "{refused}");
        }
    }

    #[test]
    fn dot_segments_are_refused() {
        let r = rules(&["GET /servers/{id}/os-instance-actions"]);
        for path in [
            "/v2.1/servers/../os-services",
            "/v2.1/servers/./os-instance-actions",
            "/v2.1/servers/%2e%2e/os-instance-actions",
            "/v2.1/servers/%2E%2E/os-instance-actions",
        ] {
            assert!(r.check("GET", path, BASE).is_err(), "{path}");
        }
    }

    #[test]
    fn encoded_separators_are_refused() {
        let r = migrate_rules();
        for path in [
            "/v2.1/servers/x%2F..%2Fos-services",
            "/v2.1/servers/x%2f..%2fos-services",
            "/v2.1/servers/x%5C..",
            "/v2.1/servers/x%252F",
            "/v2.1/servers/x;os-services",
            "/v2.1/servers/x%00",
            "/v2.1/servers/x%zz",
        ] {
            assert!(r.check("GET", path, BASE).is_err(), "{path}");
        }
    }

    #[test]
    fn double_slashes_and_trailing_junk_are_refused() {
        let r = migrate_rules();
        for path in [
            "/v2.1//servers/abc",
            "/v2.1/servers//abc",
            "/v2.1/servers/abc/",
            "/v2.1/servers/abc/extra",
            "/v2.1/servers/abc/action/x",
        ] {
            assert!(r.check("GET", path, BASE).is_err(), "{path}");
        }
    }

    #[test]
    fn case_games_are_refused() {
        let r = migrate_rules();
        for path in [
            "/v2.1/SERVERS/abc",
            "/v2.1/Os-Services",
            "/V2.1/servers/abc",
        ] {
            assert!(r.check("GET", path, BASE).is_err(), "{path}");
        }
    }

    #[test]
    fn a_query_is_refused_on_a_mutation() {
        let r = migrate_rules();
        let refused = r
            .check("POST", "/v2.1/servers/abc/action?x=1", BASE)
            .expect_err("refused");
        assert!(refused.contains("query"), "{refused}");
    }

    #[test]
    fn a_query_cannot_carry_a_path() {
        // The query is not part of the path Nova routes on: this is a GET of the server.
        let r = migrate_rules();
        assert_eq!(
            r.check("GET", "/v2.1/servers/abc?/../../os-services", BASE),
            Ok(Permit::Granted)
        );
        assert!(
            r.check("GET", "/v2.1/servers/abc%3F/../os-services", BASE)
                .is_err()
        );
    }

    #[test]
    fn a_query_that_overrides_the_method_is_refused() {
        // Nova's router would route these as DELETE /servers/abc.
        let r = migrate_rules();
        for query in [
            "_method=DELETE",
            "a=1&_method=DELETE",
            "a=_method;%5Fmethod=DELETE",
            "%5f%6d%65%74%68%6f%64=DELETE",
            "_METHOD=DELETE",
            "+_method=DELETE",
        ] {
            let refused = r
                .check("GET", &format!("/v2.1/servers/abc?{query}"), BASE)
                .expect_err(query);
            assert!(
                refused.contains("_method") || refused.contains("percent"),
                "{refused}"
            );
        }
        assert!(r.check("GET", "/v2.1/servers/abc?method=x", BASE).is_ok());
    }

    #[test]
    fn a_server_action_needs_a_rule_that_names_action() {
        // PUT /os-services/{id} must not grant POST /os-services/action either way.
        let r = rules(&["PUT /servers/{id}/{op}", "GET /servers/{id}/{op}"]);
        assert!(r.check("POST", "/v2.1/servers/abc/action", BASE).is_err());
    }

    #[test]
    fn a_post_rule_may_not_end_in_a_placeholder() {
        let refused = RequestRule::parse("POST /servers/{id}/{op}").expect_err("refused");
        assert!(
            refused.to_string().contains("every server action"),
            "{refused}"
        );
    }

    #[test]
    fn a_sign_is_not_a_hex_digit() {
        assert!(percent_decode("%+5").is_none());
        assert!(percent_decode("%-1").is_none());
    }

    #[test]
    fn requests_outside_the_endpoint_path_are_refused() {
        let r = migrate_rules();
        for path in ["/servers/abc", "/v2.10/servers/abc", "/v2.1"] {
            assert!(r.check("GET", path, BASE).is_err(), "{path}");
        }
        assert_eq!(r.check("GET", "/servers/abc", ""), Ok(Permit::Granted));
    }

    #[test]
    fn no_rules_refuse_everything() {
        let refused = RequestRules::default()
            .check("GET", "/v2.1/servers/abc", BASE)
            .expect_err("refused");
        assert!(refused.contains("it may send none"), "{refused}");
    }

    #[test]
    fn rules_are_checked_when_written() {
        for bad in [
            "get /servers/{id}",
            "GET servers",
            "GET /servers/{}",
            "GET /servers//x",
            "GET /servers/../x",
            "POST /servers/{id}/action",
            "GET /servers/{id}/action migrate",
            "GET /servers/{id} migrate",
            "POST /servers/{id}/action mi/grate",
            "GET",
            "",
        ] {
            assert!(RequestRule::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_rule_reads_back_as_written() {
        let text = "POST /servers/{id}/action confirmResize migrate";
        assert_eq!(RequestRule::parse(text).expect("valid").to_string(), text);
    }

    #[test]
    fn covers_is_about_method_path_and_actions() {
        let wide =
            RequestRule::parse("POST /servers/{id}/action migrate confirmResize").expect("valid");
        let narrow = RequestRule::parse("POST /servers/{id}/action migrate").expect("valid");
        let other = RequestRule::parse("POST /servers/{id}/action os-stop").expect("valid");
        let any = RequestRule::parse("GET /servers/{id}").expect("valid");
        let literal = RequestRule::parse("GET /servers/detail").expect("valid");
        assert!(wide.covers(&narrow));
        assert!(!narrow.covers(&wide));
        assert!(!wide.covers(&other));
        assert!(any.covers(&literal));
        assert!(!literal.covers(&any));
    }
}
