//! [`AuthOptions`]: resolved credentials, and [`AuthOptions::resolve`], which finds them where
//! operators already keep them.
//!
//! Precedence, per setting (as the `openstack` CLI built on openstacksdk behaves): explicit
//! [`Overrides`] > `OS_*` variables > the named cloud's entry in `clouds.yaml` (with its
//! `secure.yaml` merged over it). The cloud is `Overrides::cloud`, else `OS_CLOUD`; without one,
//! only `OS_*` variables count. Empty variables count as unset.
//!
//! Understood: `OS_AUTH_TYPE`/`auth_type`, `OS_AUTH_URL`, `OS_USERNAME`, `OS_USER_ID`,
//! `OS_PASSWORD`, `OS_PROJECT_NAME`/`OS_TENANT_NAME`, `OS_PROJECT_ID`/`OS_TENANT_ID`,
//! `OS_{USER,PROJECT}_DOMAIN_{NAME,ID}`, `OS_APPLICATION_CREDENTIAL_{ID,NAME,SECRET}`,
//! `OS_TOKEN`/`OS_AUTH_TOKEN`, `OS_REGION_NAME`/`region_name`, `OS_INTERFACE`/`interface`,
//! `OS_CACERT`/`cacert`, `OS_COMPUTE_ENDPOINT_OVERRIDE`/`compute_endpoint_override`; in
//! `clouds.yaml` the `auth.*` keys under `auth:` (or, as openstacksdk tolerates, at the top of
//! the entry). Users and projects named without a domain are in domain `default`, as the
//! `openstack` CLI assumes. Without `auth_type`, an application-credential secret means
//! `v3applicationcredential`, a token without a password means `token`, else `password`.

use std::path::PathBuf;
use std::time::Duration;

use crate::clouds::{self, CloudSource};
use crate::error::AuthError;
use crate::secret::Secret;
use crate::settings::{Key, Settings};

/// How long one request to Keystone may take, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long before its expiry a token is replaced, by default.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// The domain of a user or project named without one, as the `openstack` CLI assumes.
pub const DEFAULT_DOMAIN_ID: &str = "default";

/// Settings given on the command line; each wins over the environment and `clouds.yaml`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--os-cloud`: the `clouds.yaml` entry to use (else `OS_CLOUD`).
    pub cloud: Option<String>,
    /// The compute endpoint to use instead of the catalog's.
    pub compute_endpoint: Option<String>,
    /// `--os-region-name`.
    pub region: Option<String>,
    /// `--os-interface`: `public`, `internal` or `admin`.
    pub interface: Option<String>,
}

/// A domain, by id or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainRef {
    /// `{"id": ...}`.
    Id(String),
    /// `{"name": ...}`.
    Name(String),
}

/// A user, by id or by name within a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// A user id, unique across domains.
    Id(String),
    /// A user name and its domain.
    Name {
        /// The user name.
        name: String,
        /// Its domain.
        domain: DomainRef,
    },
}

/// The project a token is scoped to, by id or by name within a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectScope {
    /// A project id.
    Id(String),
    /// A project name and its domain.
    Name {
        /// The project name.
        name: String,
        /// Its domain.
        domain: DomainRef,
    },
}

/// An application credential, by id or by name of one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialRef {
    /// The credential id.
    Id(String),
    /// The credential name and its owner.
    Name {
        /// The credential name.
        name: String,
        /// The user who owns it.
        user: UserRef,
    },
}

/// How to get a token. Secrets are [`Secret`]s, so `Debug` never shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthMethod {
    /// Keystone `password` (auth types `password`, `v3password`).
    Password {
        /// Who.
        user: UserRef,
        /// The password.
        password: Secret,
    },
    /// Keystone `application_credential` (auth type `v3applicationcredential`).
    ApplicationCredential {
        /// Which credential.
        credential: CredentialRef,
        /// Its secret.
        secret: Secret,
    },
    /// A token got elsewhere (auth types `token`, `v3token`): exchanged at Keystone for a
    /// project-scoped one when there is an auth URL, used as it is otherwise. Cannot be renewed.
    Token(Secret),
}

/// The interface of the catalog endpoint to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interface {
    /// `public` (the default).
    #[default]
    Public,
    /// `internal`.
    Internal,
    /// `admin`.
    Admin,
}

impl Interface {
    /// Parses `public`, `internal`, `admin` (any case, with or without Keystone v2's `URL`).
    pub fn parse(value: &str) -> Option<Interface> {
        let lower = value.trim().to_ascii_lowercase();
        match lower.strip_suffix("url").unwrap_or(&lower) {
            "public" => Some(Interface::Public),
            "internal" => Some(Interface::Internal),
            "admin" => Some(Interface::Admin),
            _ => None,
        }
    }

    /// `public`, `internal` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Interface::Public => "public",
            Interface::Internal => "internal",
            Interface::Admin => "admin",
        }
    }
}

/// Resolved credentials and where to find the compute API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthOptions {
    /// Keystone's URL, with or without `/v3`; `None` only for a given token with a compute
    /// endpoint override (then Keystone is never asked).
    pub auth_url: Option<String>,
    /// How to get a token.
    pub method: AuthMethod,
    /// The project to scope tokens to (application credentials carry their own).
    pub project: Option<ProjectScope>,
    /// The catalog region; `None` accepts a catalog whose compute endpoints are in one region.
    pub region: Option<String>,
    /// The catalog interface.
    pub interface: Interface,
    /// A compute endpoint that wins over the catalog.
    pub compute_endpoint: Option<String>,
    /// PEM file of the CAs that Keystone's certificate must chain to (else the Mozilla roots).
    pub ca_file: Option<PathBuf>,
    /// How long one request to Keystone may take.
    pub timeout: Duration,
    /// How long before expiry a token is replaced (at most half its lifetime).
    pub refresh_margin: Duration,
}

impl AuthOptions {
    /// A given token for a given compute endpoint: no Keystone at all.
    pub fn with_token(compute_endpoint: impl Into<String>, token: Secret) -> AuthOptions {
        AuthOptions {
            auth_url: None,
            method: AuthMethod::Token(token),
            project: None,
            region: None,
            interface: Interface::Public,
            compute_endpoint: Some(compute_endpoint.into()),
            ca_file: None,
            timeout: DEFAULT_TIMEOUT,
            refresh_margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// Resolves credentials from `overrides`, `OS_*` variables read through `env`, and
    /// `clouds.yaml` (see the module documentation for the precedence). `env` also supplies
    /// `OS_CLOUD`, `OS_CLIENT_CONFIG_FILE`, `XDG_CONFIG_HOME` and `HOME`; pass
    /// `&|name| std::env::var(name).ok()` for the process environment.
    pub fn resolve(
        overrides: &Overrides,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<AuthOptions, AuthError> {
        let cloud = overrides
            .cloud
            .clone()
            .or_else(|| env("OS_CLOUD"))
            .filter(|c| !c.trim().is_empty());
        let (base, source) = match cloud {
            Some(name) => {
                let (settings, source) = clouds::load(name.trim(), env)?;
                (settings, Some(source))
            }
            None => (Settings::default(), None),
        };
        let settings = base
            .overlay(Settings::from_env(env))
            .overlay(overrides_as_settings(overrides));
        crate::resolve::build(&settings, &Hints(source))
    }
}

fn overrides_as_settings(overrides: &Overrides) -> Settings {
    let mut settings = Settings::default();
    let given = [
        (Key::ComputeEndpoint, &overrides.compute_endpoint),
        (Key::Region, &overrides.region),
        (Key::Interface, &overrides.interface),
    ];
    for (key, value) in given {
        if let Some(value) = value {
            settings.set(key, value.clone());
        }
    }
    settings
}

/// Says where a missing setting can be given, naming the cloud and file when there is one.
#[derive(Debug)]
pub(crate) struct Hints(pub(crate) Option<CloudSource>);

impl Hints {
    pub(crate) fn set_one_of(&self, keys: &[Key]) -> String {
        let vars: Vec<&str> = keys.iter().map(|k| k.env_name()).collect();
        let yaml: Vec<&str> = keys.iter().map(|k| k.yaml_name()).collect();
        match &self.0 {
            Some(cloud) => format!(
                "set {} in cloud '{}' of {}, or {}",
                yaml.join(" or "),
                cloud.name,
                cloud.file.display(),
                vars.join(" or ")
            ),
            None => format!(
                "set {}, or name a cloud of clouds.yaml with OS_CLOUD or --os-cloud",
                vars.join(" or ")
            ),
        }
    }
}
