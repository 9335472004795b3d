//! `POST /v3/auth/tokens`: who is authenticating (password, application credential or token),
//! for which project, and with which roles — or why Keystone would refuse.

use std::time::SystemTime;

use serde_json::Value;

use crate::clock::whole_seconds;
use crate::config::{Project, User};
use crate::state::{IssuedToken, State};

/// Why an authentication request fails: Keystone's 400 or 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Malformed request (400), with Keystone's message.
    BadRequest(String),
    /// Wrong or unknown credentials, or no access to the scope (401).
    Unauthorized,
    /// A refusal by an authentication method that Keystone explains (401 with the message and
    /// an `identity` member), e.g. an application credential that requests a scope.
    MethodRefused(String),
    /// Something the request names that Keystone cannot find (404, with its message): a
    /// presented token (the `token` method) it cannot validate, or an application credential
    /// id it does not know.
    NotFound(String),
}

/// What a successful authentication grants, before it becomes a token.
#[derive(Debug, Clone)]
struct Grant {
    user_id: String,
    project_id: Option<String>,
    roles: Vec<String>,
    methods: Vec<&'static str>,
    /// Set when the grant cannot outlive another token (the `token` method).
    expires_at: Option<SystemTime>,
    application_credential: Option<String>,
}

/// Authenticates one request body against the state; the token is not stored yet.
pub(crate) fn authenticate(
    state: &State,
    body: &Value,
    now: SystemTime,
) -> Result<IssuedToken, Refusal> {
    let auth = body
        .get("auth")
        .ok_or_else(|| bad("Expecting to find auth in request body."))?;
    let identity = auth
        .get("identity")
        .ok_or_else(|| bad("Expecting to find identity in auth."))?;
    let method = identity
        .get("methods")
        .and_then(Value::as_array)
        .and_then(|m| m.first())
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Expecting to find methods in identity."))?;
    let section = identity
        .get(method)
        .ok_or_else(|| bad(&format!("Expecting to find {method} in identity.")))?;
    let scope = auth.get("scope");
    let lifetime = state.config.token_lifetime;
    let grant = match method {
        "password" => password(state, section, scope)?,
        "application_credential" => application_credential(state, section, scope)?,
        "token" => by_token(state, section, scope, now)?,
        other => {
            return Err(bad(&format!(
                "Attempted to authenticate with an unsupported method: {other}"
            )));
        }
    };
    Ok(IssuedToken {
        user_id: grant.user_id,
        project_id: grant.project_id,
        roles: grant.roles,
        methods: grant.methods,
        issued_at: whole_seconds(now),
        expires_at: grant
            .expires_at
            .unwrap_or_else(|| whole_seconds(now + lifetime)),
        application_credential: grant.application_credential,
    })
}

fn password(state: &State, section: &Value, scope: Option<&Value>) -> Result<Grant, Refusal> {
    let user_ref = section
        .get("user")
        .ok_or_else(|| bad("Expecting to find user in password."))?;
    let user = find_user(state, user_ref)?;
    let given = user_ref.get("password").and_then(Value::as_str);
    if given != Some(user.password.as_str()) {
        return Err(Refusal::Unauthorized);
    }
    scoped(state, user, scope, vec!["password"])
}

fn application_credential(
    state: &State,
    section: &Value,
    scope: Option<&Value>,
) -> Result<Grant, Refusal> {
    if scope.is_some() {
        return Err(Refusal::MethodRefused(
            "Error authenticating with application credential: Application credentials cannot \
             request a scope."
                .to_string(),
        ));
    }
    let secret = section.get("secret").and_then(Value::as_str);
    let credential = if let Some(id) = section.get("id").and_then(Value::as_str) {
        // Keystone 30 looks an id up as a resource: an unknown one is a 404 that names it.
        let found = state
            .config
            .application_credentials
            .iter()
            .find(|c| c.id == id);
        let missing = || Refusal::NotFound(format!("Could not find Application Credential: {id}."));
        Some(found.ok_or_else(missing)?)
    } else {
        let name = section
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("Expecting to find id or name in application_credential."))?;
        let user = section
            .get("user")
            .ok_or_else(|| bad("Expecting to find user in application_credential."))?;
        let user = find_user(state, user)?;
        let owned = state.config.application_credentials.iter();
        owned
            .clone()
            .find(|c| c.name == name && c.user_id == user.id)
    };
    let credential = credential.ok_or(Refusal::Unauthorized)?;
    if secret != Some(credential.secret.as_str()) {
        return Err(Refusal::Unauthorized);
    }
    Ok(Grant {
        user_id: credential.user_id.clone(),
        project_id: Some(credential.project_id.clone()),
        roles: credential.roles.clone(),
        methods: vec!["application_credential"],
        expires_at: None,
        application_credential: Some(credential.id.clone()),
    })
}

/// A new token for the same user; like Keystone, it expires when the presented one does.
fn by_token(
    state: &State,
    section: &Value,
    scope: Option<&Value>,
    now: SystemTime,
) -> Result<Grant, Refusal> {
    let id = section
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Expecting to find id in token."))?;
    let presented = match (state.valid_token(id, now), state.tokens.contains_key(id)) {
        (Some(token), _) => token.clone(),
        (None, true) => return Err(not_found("Failed to validate token")),
        (None, false) => return Err(not_found("Could not recognize Fernet token")),
    };
    let user = state
        .config
        .users
        .iter()
        .find(|u| u.id == presented.user_id)
        .ok_or(Refusal::Unauthorized)?;
    // Like Keystone, a token without a scope in the request gets an unscoped token.
    let mut grant = scoped(state, user, scope, Vec::new())?;
    // Keystone 30 lists the methods of a Python set (`list(set(...))`, in an order that changes
    // with its process's hash seed): here `token`, then the presented token's own methods.
    let earlier = presented.methods.iter().copied().filter(|m| *m != "token");
    grant.methods = ["token"].into_iter().chain(earlier).collect();
    grant.expires_at = Some(presented.expires_at);
    Ok(grant)
}

fn scoped(
    state: &State,
    user: &User,
    scope: Option<&Value>,
    methods: Vec<&'static str>,
) -> Result<Grant, Refusal> {
    let project = match scope {
        None => None,
        Some(scope) => Some(find_project(state, scope)?),
    };
    let roles = match project {
        Some(p) => user.roles.get(&p.id).cloned().unwrap_or_default(),
        None => Vec::new(),
    };
    if project.is_some() && roles.is_empty() {
        return Err(Refusal::Unauthorized);
    }
    Ok(Grant {
        user_id: user.id.clone(),
        project_id: project.map(|p| p.id.clone()),
        roles,
        methods,
        expires_at: None,
        application_credential: None,
    })
}

/// `{"id": ...}` or `{"name": ..., "domain": {"id" | "name": ...}}`; unknown users are a 401.
fn find_user<'a>(state: &'a State, user: &Value) -> Result<&'a User, Refusal> {
    if let Some(id) = user.get("id").and_then(Value::as_str) {
        return state
            .config
            .users
            .iter()
            .find(|u| u.id == id)
            .ok_or(Refusal::Unauthorized);
    }
    let name = user
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Expecting to find id or name in user."))?;
    let domain = domain_id(state, user.get("domain"), "user")?;
    let found = state
        .config
        .users
        .iter()
        .find(|u| u.name == name && u.domain_id == domain);
    found.ok_or(Refusal::Unauthorized)
}

fn find_project<'a>(state: &'a State, scope: &Value) -> Result<&'a Project, Refusal> {
    let project = scope
        .get("project")
        .ok_or_else(|| bad("The double supports project scope only."))?;
    let projects = &state.config.projects;
    if let Some(id) = project.get("id").and_then(Value::as_str) {
        return projects
            .iter()
            .find(|p| p.id == id)
            .ok_or(Refusal::Unauthorized);
    }
    let name = project
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Expecting to find id or name in project."))?;
    let domain = domain_id(state, project.get("domain"), "project")?;
    let found = projects
        .iter()
        .find(|p| p.name == name && p.domain_id == domain);
    found.ok_or(Refusal::Unauthorized)
}

/// The id of `{"id": ...}` or `{"name": ...}`; a name must be known.
fn domain_id(state: &State, domain: Option<&Value>, of: &str) -> Result<String, Refusal> {
    let domain = domain.ok_or_else(|| bad(&format!("Expecting to find domain in {of}.")))?;
    if let Some(id) = domain.get("id").and_then(Value::as_str) {
        return Ok(id.to_string());
    }
    let name = domain
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Expecting to find id or name in domain."))?;
    let known = state.config.domains.iter().find(|d| d.name == name);
    known.map(|d| d.id.clone()).ok_or(Refusal::Unauthorized)
}

fn not_found(message: &str) -> Refusal {
    Refusal::NotFound(message.to_string())
}

fn bad(message: &str) -> Refusal {
    Refusal::BadRequest(message.to_string())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::config::{APP_CREDENTIAL_ID, APP_CREDENTIAL_SECRET, Config, DEMO_PASSWORD};

    fn state() -> State {
        State::new(Config::default())
    }

    fn password(user: &str, password: &str, project: &str) -> Value {
        json!({ "auth": {
            "identity": { "methods": ["password"], "password": { "user": {
                "name": user, "domain": { "name": "Default" }, "password": password } } },
            "scope": { "project": { "name": project, "domain": { "id": "default" } } },
        } })
    }

    #[test]
    fn password_grants_the_roles_on_the_scoped_project() {
        let token = authenticate(
            &state(),
            &password("demo", DEMO_PASSWORD, "demo"),
            SystemTime::now(),
        );
        let id = token.map(|t| t.id(None));
        assert_eq!(id, Ok("demo:demo:member".to_string()));
    }

    #[test]
    fn wrong_password_or_project_without_a_role_is_unauthorized() {
        let now = SystemTime::now();
        let wrong = authenticate(&state(), &password("demo", "nope", "demo"), now);
        assert_eq!(wrong.err(), Some(Refusal::Unauthorized));
        let no_role = authenticate(&state(), &password("demo", DEMO_PASSWORD, "admin"), now);
        assert_eq!(no_role.err(), Some(Refusal::Unauthorized));
    }

    fn application_credential(id: &str, secret: &str) -> Value {
        json!({ "auth": { "identity": {
            "methods": ["application_credential"],
            "application_credential": { "id": id, "secret": secret },
        } } })
    }

    #[test]
    fn application_credential_with_a_scope_is_refused_with_keystones_reason() {
        let mut body = application_credential(APP_CREDENTIAL_ID, APP_CREDENTIAL_SECRET);
        body["auth"]["scope"] = json!({ "project": { "id": "admin" } });
        let refused = authenticate(&state(), &body, SystemTime::now());
        let reason = "Error authenticating with application credential: Application credentials \
                      cannot request a scope.";
        assert_eq!(refused.err(), Some(Refusal::MethodRefused(reason.into())));
    }

    #[test]
    fn an_unknown_application_credential_id_is_not_found_and_a_wrong_secret_unauthorized() {
        let now = SystemTime::now();
        let unknown = authenticate(&state(), &application_credential("nope", "x"), now);
        let reason = "Could not find Application Credential: nope.";
        assert_eq!(unknown.err(), Some(Refusal::NotFound(reason.into())));
        let wrong = authenticate(
            &state(),
            &application_credential(APP_CREDENTIAL_ID, "x"),
            now,
        );
        assert_eq!(wrong.err(), Some(Refusal::Unauthorized));
    }

    #[test]
    fn tokens_are_issued_and_expire_on_whole_seconds() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_millis(951_782_400_750);
        let token = authenticate(&state(), &password("demo", DEMO_PASSWORD, "demo"), now);
        let token = token.map_err(|e| format!("{e:?}")).expect("demo logs in");
        let whole = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(token.issued_at, whole);
        assert_eq!(token.expires_at, whole + Duration::from_secs(3600));
    }

    #[test]
    fn token_method_keeps_the_presented_expiry() {
        let mut state = state();
        let earlier = SystemTime::now();
        let presented = authenticate(&state, &password("demo", DEMO_PASSWORD, "demo"), earlier);
        let presented = presented
            .map_err(|e| format!("{e:?}"))
            .expect("demo logs in");
        state.tokens.insert(presented.id(None), presented.clone());
        let body = json!({ "auth": {
            "identity": { "methods": ["token"], "token": { "id": presented.id(None) } },
            "scope": { "project": { "id": "demo" } },
        } });
        let later = earlier + Duration::from_secs(60);
        let token = authenticate(&state, &body, later).map_err(|e| format!("{e:?}"));
        let token = token.expect("the token is valid");
        assert_eq!(token.expires_at, presented.expires_at);
        assert_eq!(token.methods, vec!["token", "password"]);
    }

    #[test]
    fn a_body_without_identity_is_a_bad_request() {
        let refused = authenticate(&state(), &json!({ "auth": {} }), SystemTime::now());
        assert!(matches!(refused, Err(Refusal::BadRequest(m)) if m.contains("identity")));
    }
}
