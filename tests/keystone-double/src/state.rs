//! The double's memory: its configuration, the tokens it issued, and the request log.
//! One `std::sync::Mutex` guards it; nobody holds it across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use crate::config::Config;
use crate::views::RecordedRequest;

/// How many requests the log keeps; a test never gets near it.
const REQUEST_LOG_LIMIT: usize = 10_000;

/// The state shared by the HTTP handlers and the test-facing API.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Where the double listens: identity endpoints and version links point here.
    pub(crate) addr: SocketAddr,
}

impl Shared {
    pub(crate) fn new(config: Config, addr: SocketAddr) -> Self {
        Shared {
            state: Mutex::new(State::new(config)),
            addr,
        }
    }

    /// Locks the state; a panic elsewhere never makes the double unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `http://127.0.0.1:PORT/v3`.
    pub(crate) fn identity_url(&self) -> String {
        format!("http://{}/v3", self.addr)
    }
}

/// Everything the double knows.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) config: Config,
    /// Role ids by name: the bootstrap roles and every role the configuration grants.
    pub(crate) role_ids: BTreeMap<String, String>,
    /// Issued tokens by their id (the `X-Subject-Token` value).
    pub(crate) tokens: HashMap<String, IssuedToken>,
    /// How many tokens were issued so far.
    pub(crate) issued: u64,
    /// How many `GET /v3/auth/tokens` were answered, whatever the answer.
    pub(crate) validations: u64,
    pub(crate) requests: Vec<RecordedRequest>,
}

/// The roles `keystone-manage bootstrap` creates in Keystone 30 (`service` implies nothing).
pub(crate) const BOOTSTRAP_ROLES: [&str; 5] = ["admin", "manager", "member", "reader", "service"];

impl State {
    pub(crate) fn new(config: Config) -> Self {
        let role_ids = role_ids(&config);
        State {
            config,
            role_ids,
            tokens: HashMap::new(),
            issued: 0,
            validations: 0,
            requests: Vec::new(),
        }
    }

    /// The id of role `name`: a uuid in hex, as Keystone gives every role.
    pub(crate) fn role_id(&self, name: &str) -> String {
        match self.role_ids.get(name) {
            Some(id) => id.clone(),
            None => uuid::Uuid::new_v4().simple().to_string(),
        }
    }

    pub(crate) fn record_request(&mut self, request: RecordedRequest) {
        if self.requests.len() >= REQUEST_LOG_LIMIT {
            self.requests.remove(0);
        }
        self.requests.push(request);
    }

    /// A token that was issued and has not expired yet.
    pub(crate) fn valid_token(&self, id: &str, now: SystemTime) -> Option<&IssuedToken> {
        self.tokens.get(id).filter(|t| t.expires_at > now)
    }
}

/// Whether `id` is a uuid in hex, as Keystone writes its ids (32 hex digits, no dashes).
#[cfg(test)]
pub(crate) fn is_uuid_hex(id: &str) -> bool {
    id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit())
}

/// A fresh uuid (hex) for each bootstrap role and each role a user or credential holds.
fn role_ids(config: &Config) -> BTreeMap<String, String> {
    let granted = config.users.iter().flat_map(|u| u.roles.values().flatten());
    let held = config.application_credentials.iter().flat_map(|c| &c.roles);
    let names = BOOTSTRAP_ROLES.iter().map(|r| r.to_string());
    names
        .chain(granted.chain(held).cloned())
        .map(|name| (name, uuid::Uuid::new_v4().simple().to_string()))
        .collect()
}

/// What a token stands for.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub(crate) user_id: String,
    /// `None` for an unscoped token.
    pub(crate) project_id: Option<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) methods: Vec<&'static str>,
    pub(crate) issued_at: SystemTime,
    pub(crate) expires_at: SystemTime,
    /// The application credential it was issued for, by id.
    pub(crate) application_credential: Option<String>,
}

impl IssuedToken {
    /// `USER:PROJECT:ROLES`, the form the Nova double reads; `serial` adds a role `token-N`.
    pub(crate) fn id(&self, serial: Option<u64>) -> String {
        let mut roles = self.roles.join(",");
        if let Some(n) = serial {
            if !roles.is_empty() {
                roles.push(',');
            }
            roles.push_str(&format!("token-{n}"));
        }
        match &self.project_id {
            Some(project) => format!("{}:{project}:{roles}", self.user_id),
            None => format!("{}::{roles}", self.user_id),
        }
    }
}
