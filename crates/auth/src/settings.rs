//! One table of every setting: its `OS_*` variables, its `clouds.yaml` keys, and whether it is a
//! secret. Both sources produce the same [`Settings`], so precedence is a plain overlay.

use std::collections::BTreeMap;
use std::fmt;

use crate::secret::Secret;

/// A setting this crate understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Key {
    AuthType,
    AuthUrl,
    Username,
    UserId,
    Password,
    ProjectName,
    ProjectId,
    UserDomainName,
    UserDomainId,
    ProjectDomainName,
    ProjectDomainId,
    AppCredentialId,
    AppCredentialName,
    AppCredentialSecret,
    Token,
    Region,
    Interface,
    CaCert,
    ComputeEndpoint,
}

/// Where a setting comes from: variables (first set one wins) and `clouds.yaml` paths (first
/// present one wins; `auth.*` keys are also accepted at the top level, as openstacksdk does).
struct Spec {
    key: Key,
    env: &'static [&'static str],
    yaml: &'static [&'static str],
    secret: bool,
}

const fn spec(
    key: Key,
    env: &'static [&'static str],
    yaml: &'static [&'static str],
    secret: bool,
) -> Spec {
    Spec {
        key,
        env,
        yaml,
        secret,
    }
}

#[rustfmt::skip]
const TABLE: &[Spec] = &[
    spec(Key::AuthType, &["OS_AUTH_TYPE"], &["auth_type"], false),
    spec(Key::AuthUrl, &["OS_AUTH_URL"], &["auth.auth_url", "auth_url"], false),
    spec(Key::Username, &["OS_USERNAME"], &["auth.username", "username"], false),
    spec(Key::UserId, &["OS_USER_ID"], &["auth.user_id", "user_id"], false),
    spec(Key::Password, &["OS_PASSWORD"], &["auth.password", "password"], true),
    spec(Key::ProjectName, &["OS_PROJECT_NAME", "OS_TENANT_NAME"], &["auth.project_name", "auth.tenant_name", "project_name"], false),
    spec(Key::ProjectId, &["OS_PROJECT_ID", "OS_TENANT_ID"], &["auth.project_id", "auth.tenant_id", "project_id"], false),
    spec(Key::UserDomainName, &["OS_USER_DOMAIN_NAME"], &["auth.user_domain_name", "user_domain_name"], false),
    spec(Key::UserDomainId, &["OS_USER_DOMAIN_ID"], &["auth.user_domain_id", "user_domain_id"], false),
    spec(Key::ProjectDomainName, &["OS_PROJECT_DOMAIN_NAME"], &["auth.project_domain_name", "project_domain_name"], false),
    spec(Key::ProjectDomainId, &["OS_PROJECT_DOMAIN_ID"], &["auth.project_domain_id", "project_domain_id"], false),
    spec(Key::AppCredentialId, &["OS_APPLICATION_CREDENTIAL_ID"], &["auth.application_credential_id"], false),
    spec(Key::AppCredentialName, &["OS_APPLICATION_CREDENTIAL_NAME"], &["auth.application_credential_name"], false),
    spec(Key::AppCredentialSecret, &["OS_APPLICATION_CREDENTIAL_SECRET"], &["auth.application_credential_secret"], true),
    spec(Key::Token, &["OS_TOKEN", "OS_AUTH_TOKEN"], &["auth.token", "token"], true),
    spec(Key::Region, &["OS_REGION_NAME"], &["region_name"], false),
    spec(Key::Interface, &["OS_INTERFACE"], &["interface"], false),
    spec(Key::CaCert, &["OS_CACERT"], &["cacert"], false),
    spec(Key::ComputeEndpoint, &["OS_COMPUTE_ENDPOINT_OVERRIDE"], &["compute_endpoint_override"], false),
];

impl Key {
    fn spec(self) -> &'static Spec {
        TABLE
            .iter()
            .find(|s| s.key == self)
            .expect("every key has a row in TABLE")
    }

    /// The main variable, for messages: `OS_AUTH_URL`.
    pub(crate) fn env_name(self) -> &'static str {
        self.spec().env.first().copied().unwrap_or("")
    }

    /// The main `clouds.yaml` key, for messages: `auth.auth_url`.
    pub(crate) fn yaml_name(self) -> &'static str {
        self.spec().yaml.first().copied().unwrap_or("")
    }

    fn is_secret(self) -> bool {
        self.spec().secret
    }
}

/// Setting values by key; empty values count as unset.
#[derive(Clone, Default)]
pub(crate) struct Settings {
    values: BTreeMap<Key, String>,
}

impl Settings {
    /// Every setting found in `OS_*` variables (an empty variable yields to its alias).
    pub(crate) fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Settings {
        let mut settings = Settings::default();
        for spec in TABLE {
            let given = |name: &&str| env(name).filter(|v| !v.trim().is_empty());
            if let Some(value) = spec.env.iter().find_map(given) {
                settings.set(spec.key, value);
            }
        }
        settings
    }

    /// Every setting found in one cloud's entry; `lookup` reads a dotted path as a scalar.
    pub(crate) fn from_cloud(lookup: &dyn Fn(&str) -> Option<String>) -> Settings {
        let mut settings = Settings::default();
        for spec in TABLE {
            let given = |path: &&str| lookup(path).filter(|v| !v.trim().is_empty());
            if let Some(value) = spec.yaml.iter().find_map(given) {
                settings.set(spec.key, value);
            }
        }
        settings
    }

    /// Sets a value; an empty (or blank) one is ignored, like an unset variable.
    pub(crate) fn set(&mut self, key: Key, value: String) {
        if !value.trim().is_empty() {
            self.values.insert(key, value);
        }
    }

    /// A non-secret value, trimmed.
    pub(crate) fn get(&self, key: Key) -> Option<&str> {
        self.values.get(&key).map(|v| v.trim())
    }

    /// A secret value, as given (a password may end in a space).
    pub(crate) fn secret(&self, key: Key) -> Option<Secret> {
        self.values.get(&key).map(|v| Secret::new(v.clone()))
    }

    /// These settings with every value that `upper` has replaced by `upper`'s.
    pub(crate) fn overlay(mut self, upper: Settings) -> Settings {
        self.values.extend(upper.values);
        self
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in &self.values {
            if key.is_secret() {
                map.entry(key, &"<redacted>");
            } else {
                map.entry(key, value);
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_exactly_one_row() {
        for spec in TABLE {
            let rows = TABLE.iter().filter(|s| s.key == spec.key).count();
            assert_eq!(rows, 1, "{:?}", spec.key);
            assert!(
                !spec.env.is_empty() && !spec.yaml.is_empty(),
                "{:?}",
                spec.key
            );
        }
    }

    #[test]
    fn upper_layer_wins_and_empty_values_do_not_count() {
        let mut lower = Settings::default();
        lower.set(Key::Region, "RegionOne".into());
        lower.set(Key::Interface, "internal".into());
        let mut upper = Settings::default();
        upper.set(Key::Region, "RegionTwo".into());
        upper.set(Key::Interface, "  ".into());
        let merged = lower.overlay(upper);
        assert_eq!(merged.get(Key::Region), Some("RegionTwo"));
        assert_eq!(merged.get(Key::Interface), Some("internal"));
    }

    #[test]
    fn debug_redacts_secret_settings() {
        let mut settings = Settings::default();
        settings.set(Key::Password, "hunter2".into());
        settings.set(Key::Username, "demo".into());
        let shown = format!("{settings:?}");
        assert!(
            shown.contains("demo") && !shown.contains("hunter2"),
            "{shown}"
        );
    }
}
