//! Helpers: an injected environment, clouds files in temporary directories, and doubles.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use cloud_auth::{AuthError, AuthOptions, Overrides};

/// An environment made of `pairs` and nothing else.
pub fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

/// Writes `name` (e.g. `clouds.yaml`) with `text` into `dir`.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the temporary directory is writable");
    path
}

/// A temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory can be made")
}

/// Resolves with no overrides.
pub fn resolve(pairs: &[(&str, &str)]) -> Result<AuthOptions, AuthError> {
    AuthOptions::resolve(&Overrides::default(), &env(pairs))
}

/// The password login of the Keystone double's default admin against `auth_url`.
pub fn admin_env(auth_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OS_AUTH_URL", auth_url.to_string()),
        ("OS_USERNAME", "admin".to_string()),
        ("OS_PASSWORD", keystone_double::ADMIN_PASSWORD.to_string()),
        ("OS_PROJECT_NAME", "admin".to_string()),
        ("OS_USER_DOMAIN_NAME", "Default".to_string()),
        ("OS_PROJECT_DOMAIN_NAME", "Default".to_string()),
    ]
}

/// Resolves owned pairs.
pub fn resolve_owned(pairs: &[(&str, String)]) -> Result<AuthOptions, AuthError> {
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    resolve(&borrowed)
}
