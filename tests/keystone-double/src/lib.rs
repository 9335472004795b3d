//! A test double of the OpenStack identity API (Keystone v3) for everything a client needs to get
//! a token and find the compute (and, with [`Config::with_placement`], placement) endpoint:
//! `GET /v3`, `POST /v3/auth/tokens` with the `password`, `application_credential` and `token`
//! methods, `GET /v3/auth/tokens` (validation: 200 with the token, 404 for an unknown, expired
//! or revoked one, 403 unless the caller has `admin` or `service` or is the token's own user;
//! counted by [`KeystoneDouble::tokens_validated`]), `GET /v3/roles` (admin only), and the
//! service catalog (identity in `RegionOne` only, where bootstrap puts it).
//!
//! Answers have Keystone 30's shape: `201` with `X-Subject-Token` and a `token` body
//! (`expires_at`, `issued_at` in whole seconds as a fernet token has them, `user`, `project`,
//! `roles` with uuid ids, `catalog`), and `401` with Keystone's error body for wrong
//! credentials. The roles are bootstrap's (`admin` ⇒ `manager` ⇒ `member` ⇒ `reader`, and
//! `service`) plus any the configuration grants. Issued tokens read `USER:PROJECT:ROLES`
//! (`admin:admin:admin` for the default admin), the form the Nova double (`tests/nova-double`)
//! accepts, so a client can run the whole chain: Keystone double → token and catalog → Nova
//! double.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use keystone_double::{Config, KeystoneDouble};
//!
//! let keystone = KeystoneDouble::start(
//!     Config::default().with_compute("RegionOne", "http://127.0.0.1:8774/v2.1"),
//! )
//! .await?;
//! // OS_AUTH_URL=keystone.endpoint(), OS_USERNAME=admin, OS_PASSWORD=admin-password, ...
//! assert_eq!(keystone.tokens_issued(), 0);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod auth;
mod clock;
mod config;
mod routes;
mod state;
mod token;
mod views;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{
    ADMIN_PASSWORD, APP_CREDENTIAL_ID, APP_CREDENTIAL_NAME, APP_CREDENTIAL_SECRET,
    ApplicationCredential, Config, DEMO_PASSWORD, Domain, Endpoint, Project, User,
};
pub use views::RecordedRequest;

use state::{IssuedToken, Shared};

/// A running Keystone double. Dropping it (or [`KeystoneDouble::shutdown`]) stops the server and
/// closes its connections.
#[derive(Debug)]
pub struct KeystoneDouble {
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

impl KeystoneDouble {
    /// Starts a double on `127.0.0.1` with a free port. Must run inside a tokio runtime.
    pub async fn start(config: Config) -> std::io::Result<KeystoneDouble> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config, addr));
        let server = tokio::spawn(wire::serve(listener, shared.clone()));
        tracing::debug!(%addr, "keystone-double: listening");
        Ok(KeystoneDouble { shared, server })
    }

    /// The identity endpoint, as `OS_AUTH_URL` names it: `http://127.0.0.1:PORT/v3`.
    pub fn endpoint(&self) -> String {
        self.shared.identity_url()
    }

    /// The address the double listens on.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// How many tokens `POST /v3/auth/tokens` has issued (and [`KeystoneDouble::issue_token`]).
    pub fn tokens_issued(&self) -> u64 {
        self.shared.lock().issued
    }

    /// How many `GET /v3/auth/tokens` (token validations, as a service's keystonemiddleware
    /// sends them) the double has answered, whatever the answer.
    pub fn tokens_validated(&self) -> u64 {
        self.shared.lock().validations
    }

    /// Issues a token for user `user_id` on project `project_id` without a request, e.g. to
    /// stand for a token an operator got elsewhere (`OS_TOKEN`). `None` when the user has no
    /// role on the project. Counts as issued.
    pub fn issue_token(&self, user_id: &str, project_id: &str) -> Option<String> {
        let mut state = self.shared.lock();
        let roles = state
            .config
            .users
            .iter()
            .find(|u| u.id == user_id)?
            .roles
            .get(project_id)?
            .clone();
        let now = SystemTime::now();
        let token = IssuedToken {
            user_id: user_id.to_string(),
            project_id: Some(project_id.to_string()),
            roles,
            methods: vec!["password"],
            issued_at: clock::whole_seconds(now),
            expires_at: clock::whole_seconds(now + state.config.token_lifetime),
            application_credential: None,
        };
        state.issued += 1;
        let id = token.id(state.config.distinct_tokens.then_some(state.issued));
        state.tokens.insert(id.clone(), token);
        Some(id)
    }

    /// Makes every issued token invalid, as if they had all been revoked.
    pub fn revoke_all(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Revokes one token, as `DELETE /v3/auth/tokens` does: validating it is a 404 from now on.
    /// False when the double does not know it.
    pub fn revoke(&self, token: &str) -> bool {
        self.shared.lock().tokens.remove(token).is_some()
    }

    /// Changes how long tokens issued from now on live. Like a fernet token, a token's times
    /// are whole seconds (its expiry is cut to the second), so give at least 2 s to a token a
    /// test needs valid for a while.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.shared.lock().config.token_lifetime = lifetime;
    }

    /// Points every compute endpoint of `region` at `url` in catalogs issued from now on.
    pub fn set_compute(&self, region: &str, url: &str) {
        config::set_compute(&mut self.shared.lock().config.catalog, region, url);
    }

    /// The requests received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Stops the server and closes its connections (dropping the double does the same).
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for KeystoneDouble {
    fn drop(&mut self) {
        self.server.abort();
    }
}
