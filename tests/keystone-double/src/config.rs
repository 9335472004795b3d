//! What the double knows: domains, projects, users with their passwords and roles, application
//! credentials, the service catalog, and how long tokens live.

use std::collections::BTreeMap;
use std::time::Duration;

/// The `admin` user's password in [`Config::default`].
pub const ADMIN_PASSWORD: &str = "admin-password";
/// The `demo` user's password in [`Config::default`].
pub const DEMO_PASSWORD: &str = "demo-password";
/// The id of the application credential in [`Config::default`] (user `admin`, project `admin`).
pub const APP_CREDENTIAL_ID: &str = "watcher-appcred-id";
/// The name of that application credential.
pub const APP_CREDENTIAL_NAME: &str = "watcher";
/// The secret of that application credential.
pub const APP_CREDENTIAL_SECRET: &str = "watcher-appcred-secret";

/// A Keystone domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// Domain id, e.g. `default`.
    pub id: String,
    /// Domain name, e.g. `Default`.
    pub name: String,
}

/// A project in a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Project id; tokens carry it, so it is what Nova sees as `tenant_id`.
    pub id: String,
    /// Project name.
    pub name: String,
    /// Id of the project's domain.
    pub domain_id: String,
}

/// A user, its password, and its roles on projects.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// User id; tokens carry it.
    pub id: String,
    /// User name (unique within its domain).
    pub name: String,
    /// Id of the user's domain.
    pub domain_id: String,
    /// The password that `password` authentication must present.
    pub password: String,
    /// Role names by project id.
    pub roles: BTreeMap<String, Vec<String>>,
}

impl User {
    /// A user of the `default` domain whose id is its name, with no roles yet.
    pub fn new(name: &str, password: &str) -> User {
        User {
            id: name.to_string(),
            name: name.to_string(),
            domain_id: "default".to_string(),
            password: password.to_string(),
            roles: BTreeMap::new(),
        }
    }

    /// The same user with `roles` on project `project_id`.
    pub fn with_roles(mut self, project_id: &str, roles: &[&str]) -> User {
        let names = roles.iter().map(|r| r.to_string()).collect();
        self.roles.insert(project_id.to_string(), names);
        self
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("domain_id", &self.domain_id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// An application credential: a secret that stands for one user on one project.
#[derive(Clone, PartialEq, Eq)]
pub struct ApplicationCredential {
    /// Credential id.
    pub id: String,
    /// Credential name (unique per user).
    pub name: String,
    /// The secret that authentication must present.
    pub secret: String,
    /// The owning user's id.
    pub user_id: String,
    /// The project its tokens are scoped to.
    pub project_id: String,
    /// The roles its tokens carry.
    pub roles: Vec<String>,
}

impl std::fmt::Debug for ApplicationCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApplicationCredential")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("user_id", &self.user_id)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

/// One catalog endpoint (identity endpoints pointing at the double are added on their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Service type, e.g. `compute`.
    pub service_type: String,
    /// `public`, `internal` or `admin`.
    pub interface: String,
    /// Region id, e.g. `RegionOne`.
    pub region: String,
    /// The endpoint URL.
    pub url: String,
}

/// The double's configuration. [`Config::default`] has domain `Default` (id `default`), projects
/// `admin` and `demo` (ids equal to names, as the Nova double's servers expect), user `admin`
/// (role `admin` on both projects, [`ADMIN_PASSWORD`]), user `demo` (`member` on `demo`,
/// [`DEMO_PASSWORD`]), one application credential of `admin` ([`APP_CREDENTIAL_ID`]), and compute
/// endpoints in `RegionOne` at `http://nova-{public,internal,admin}.invalid/v2.1`; no placement
/// endpoints until [`Config::with_placement`].
#[derive(Debug, Clone)]
pub struct Config {
    /// Known domains.
    pub domains: Vec<Domain>,
    /// Known projects.
    pub projects: Vec<Project>,
    /// Known users.
    pub users: Vec<User>,
    /// Known application credentials.
    pub application_credentials: Vec<ApplicationCredential>,
    /// Catalog endpoints besides identity.
    pub catalog: Vec<Endpoint>,
    /// How long an issued token is valid (Keystone's `[token] expiration`); its times are
    /// whole seconds, so the expiry is cut to the second.
    pub token_lifetime: Duration,
    /// When set, each token also carries a role `token-N` (N counts issued tokens), so no two
    /// tokens are equal; the Nova double ignores the extra role.
    pub distinct_tokens: bool,
}

impl Default for Config {
    fn default() -> Self {
        let project = |name: &str| Project {
            id: name.to_string(),
            name: name.to_string(),
            domain_id: "default".to_string(),
        };
        let compute = ["public", "internal", "admin"].map(|interface| Endpoint {
            service_type: "compute".to_string(),
            interface: interface.to_string(),
            region: "RegionOne".to_string(),
            url: format!("http://nova-{interface}.invalid/v2.1"),
        });
        Config {
            domains: vec![Domain {
                id: "default".to_string(),
                name: "Default".to_string(),
            }],
            projects: vec![project("admin"), project("demo")],
            users: vec![
                User::new("admin", ADMIN_PASSWORD)
                    .with_roles("admin", &["admin"])
                    .with_roles("demo", &["admin"]),
                User::new("demo", DEMO_PASSWORD).with_roles("demo", &["member"]),
            ],
            application_credentials: vec![ApplicationCredential {
                id: APP_CREDENTIAL_ID.to_string(),
                name: APP_CREDENTIAL_NAME.to_string(),
                secret: APP_CREDENTIAL_SECRET.to_string(),
                user_id: "admin".to_string(),
                project_id: "admin".to_string(),
                roles: vec!["admin".to_string()],
            }],
            catalog: compute.to_vec(),
            token_lifetime: Duration::from_secs(3600),
            distinct_tokens: false,
        }
    }
}

impl Config {
    /// Points every compute endpoint of `region` (public, internal, admin) at `url`, e.g. a
    /// Nova double's endpoint; adds the region when it had none.
    pub fn with_compute(mut self, region: &str, url: &str) -> Config {
        set_compute(&mut self.catalog, region, url);
        self
    }

    /// Points every placement endpoint of `region` (service type `placement`, public, internal,
    /// admin) at `url`, e.g. the real-Nova harness's Placement; adds them when there were none
    /// ([`Config::default`] has no placement endpoints). The catalog names the service
    /// `placement`.
    pub fn with_placement(mut self, region: &str, url: &str) -> Config {
        set_service(&mut self.catalog, "placement", region, url);
        self
    }

    /// Adds one catalog endpoint.
    pub fn with_endpoint(mut self, endpoint: Endpoint) -> Config {
        self.catalog.push(endpoint);
        self
    }

    /// Adds a user.
    pub fn with_user(mut self, user: User) -> Config {
        self.users.push(user);
        self
    }

    /// Sets how long tokens live.
    pub fn with_token_lifetime(mut self, lifetime: Duration) -> Config {
        self.token_lifetime = lifetime;
        self
    }
}

/// Replaces the compute endpoints of `region` by one per interface at `url`.
pub(crate) fn set_compute(catalog: &mut Vec<Endpoint>, region: &str, url: &str) {
    set_service(catalog, "compute", region, url);
}

/// Replaces the `service_type` endpoints of `region` by one per interface at `url`.
pub(crate) fn set_service(
    catalog: &mut Vec<Endpoint>,
    service_type: &str,
    region: &str,
    url: &str,
) {
    catalog.retain(|e| !(e.service_type == service_type && e.region == region));
    for interface in ["public", "internal", "admin"] {
        catalog.push(Endpoint {
            service_type: service_type.to_string(),
            interface: interface.to_string(),
            region: region.to_string(),
            url: url.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(service type, interface, region, url)` of every endpoint, sorted.
    fn endpoints(config: &Config) -> Vec<(&str, &str, &str, &str)> {
        let mut list: Vec<_> = config
            .catalog
            .iter()
            .map(|e| (&*e.service_type, &*e.interface, &*e.region, &*e.url))
            .collect();
        list.sort_unstable();
        list
    }

    #[test]
    fn with_placement_adds_the_three_interfaces_beside_compute() {
        let url = "http://127.0.0.1:8778";
        let config = Config::default()
            .with_compute("RegionOne", "http://127.0.0.1:8774/v2.1")
            .with_placement("RegionOne", url);
        let placement: Vec<_> = endpoints(&config)
            .into_iter()
            .filter(|e| e.0 == "placement")
            .collect();
        assert_eq!(
            placement,
            [
                ("placement", "admin", "RegionOne", url),
                ("placement", "internal", "RegionOne", url),
                ("placement", "public", "RegionOne", url),
            ]
        );
        let compute = endpoints(&config).into_iter().filter(|e| e.0 == "compute");
        assert!(
            compute
                .map(|e| e.3)
                .all(|u| u == "http://127.0.0.1:8774/v2.1")
        );
    }

    #[test]
    fn with_placement_again_replaces_that_region_only() {
        let config = Config::default()
            .with_placement("RegionOne", "http://old.invalid")
            .with_placement("RegionTwo", "http://two.invalid")
            .with_placement("RegionOne", "http://new.invalid");
        let placement: Vec<_> = endpoints(&config)
            .into_iter()
            .filter(|e| e.0 == "placement")
            .map(|e| (e.2, e.3))
            .collect();
        assert_eq!(placement.len(), 6, "{placement:?}");
        assert!(placement.iter().all(|&(region, url)| match region {
            "RegionOne" => url == "http://new.invalid",
            _ => url == "http://two.invalid",
        }));
    }
}
