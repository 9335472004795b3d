//! [`AuthError`]: what went wrong while resolving credentials or talking to Keystone, in words
//! an operator can act on. No variant carries a secret.

use std::path::{Path, PathBuf};

/// Why credentials could not be resolved, or Keystone gave no usable token or endpoint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A cloud was named but no `clouds.yaml` exists on the search path.
    #[error(
        "cloud '{cloud}' was asked for, but there is no clouds.yaml (looked in: {})",
        paths(searched)
    )]
    NoCloudsFile {
        /// The cloud asked for.
        cloud: String,
        /// Every path that was tried, in order.
        searched: Vec<PathBuf>,
    },
    /// The named cloud is not in the `clouds.yaml` that was found.
    #[error("cloud '{cloud}' not found in {} (clouds there: {})", file.display(), list(available))]
    CloudNotFound {
        /// The cloud asked for.
        cloud: String,
        /// The file that was read.
        file: PathBuf,
        /// The clouds it defines.
        available: Vec<String>,
    },
    /// A configuration file could not be read or is not valid YAML of the expected shape.
    #[error("cannot use {}: {reason}", path.display())]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it (never its content).
        reason: String,
    },
    /// A setting that the chosen auth type needs is not set anywhere.
    #[error("no {what}: {hint}")]
    Missing {
        /// The missing setting, e.g. `auth_url`.
        what: &'static str,
        /// Where it can be set.
        hint: String,
    },
    /// A (non-secret) setting has a value that cannot be used.
    #[error("{setting} '{value}' is not valid: {reason}")]
    Invalid {
        /// The setting, e.g. `interface`.
        setting: &'static str,
        /// Its value.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// `auth_type` names a method this crate does not implement.
    #[error(
        "auth type '{0}' is not supported (supported: password, v3password, \
         v3applicationcredential, token, v3token)"
    )]
    UnsupportedAuthType(String),
    /// The CA file (`OS_CACERT`, `cacert`) could not be used.
    #[error("cannot use the CA file {}: {reason}", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No answer from Keystone: connection, TLS or timeout.
    #[error("cannot reach Keystone at {url}: {reason}")]
    Unreachable {
        /// The URL that was tried.
        url: String,
        /// What failed.
        reason: String,
    },
    /// Keystone answered 401 (or 403): wrong credentials, or no access to the project.
    #[error("Keystone refused the credentials of {who} ({status}): {message}")]
    Refused {
        /// Whose credentials, e.g. `user 'demo'`.
        who: String,
        /// The HTTP status.
        status: u16,
        /// Keystone's message.
        message: String,
    },
    /// Keystone answered with another unexpected status.
    #[error("Keystone answered {status} at {url}: {message}")]
    Keystone {
        /// The URL that was asked.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Keystone's message, or the start of the body.
        message: String,
    },
    /// Keystone's answer is not a usable token (no `X-Subject-Token`, bad body, bad time).
    #[error("Keystone's answer at {url} is not a usable token: {reason}")]
    BadAnswer {
        /// The URL that was asked.
        url: String,
        /// What is missing or malformed.
        reason: String,
    },
    /// The service catalog has no compute endpoint for the interface and region.
    #[error(
        "no compute endpoint for interface '{interface}' in {}; {}",
        region_words(region.as_deref()),
        catalog_words(available)
    )]
    NoComputeEndpoint {
        /// The interface asked for.
        interface: String,
        /// The region asked for, if any.
        region: Option<String>,
        /// What the catalog has for compute, as `interface/region`.
        available: Vec<String>,
    },
    /// No region is configured and the catalog has compute endpoints in several.
    #[error(
        "the catalog has compute endpoints for interface '{interface}' in several regions ({}); \
         choose one with OS_REGION_NAME, region_name in clouds.yaml, or a region override",
        list(regions)
    )]
    AmbiguousRegion {
        /// The interface asked for.
        interface: String,
        /// The regions that have one.
        regions: Vec<String>,
    },
    /// A given token (`OS_TOKEN`) expired; it cannot be renewed without other credentials.
    #[error(
        "the given token expired at {expired_at}; a given token cannot be renewed, get a new one"
    )]
    TokenExpired {
        /// Keystone's `expires_at`.
        expired_at: String,
    },
}

impl AuthError {
    /// True when asking again later may succeed: Keystone unreachable, or answering 5xx or 429.
    /// A refusal (401/403), bad configuration or a malformed answer is not transient.
    pub fn is_transient(&self) -> bool {
        match self {
            AuthError::Unreachable { .. } => true,
            AuthError::Keystone { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

fn paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| show(p)).collect();
    shown.join(", ")
}

fn show(path: &Path) -> String {
    path.display().to_string()
}

fn region_words(region: Option<&str>) -> String {
    match region {
        Some(region) => format!("region '{region}'"),
        None => "any region".to_string(),
    }
}

fn catalog_words(available: &[String]) -> String {
    if available.is_empty() {
        "the catalog has no compute endpoints".to_string()
    } else {
        format!("the catalog has: {}", available.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::AuthError;

    #[test]
    fn an_unreachable_or_failing_keystone_is_transient() {
        let unreachable = AuthError::Unreachable {
            url: "http://keystone:5000/v3/auth/tokens".into(),
            reason: "connection refused".into(),
        };
        assert!(unreachable.is_transient());
        for status in [500, 502, 503, 504, 429] {
            let failing = AuthError::Keystone {
                url: "http://keystone:5000/v3/auth/tokens".into(),
                status,
                message: "Service Unavailable".into(),
            };
            assert!(failing.is_transient(), "{status}");
        }
    }

    #[test]
    fn a_refusal_or_a_bad_request_is_final() {
        let refused = AuthError::Refused {
            who: "user 'admin'".into(),
            status: 401,
            message: "The request you have made requires authentication.".into(),
        };
        assert!(!refused.is_transient());
        let bad = AuthError::Keystone {
            url: "http://keystone:5000/v3/auth/tokens".into(),
            status: 400,
            message: "Expecting to find domain in user".into(),
        };
        assert!(!bad.is_transient());
    }
}
