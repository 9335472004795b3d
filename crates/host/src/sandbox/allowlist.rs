//! Where a plugin may send requests: a pure allowlist of origins (scheme, host, port).
//!
//! The default and only entry is the compute endpoint the host gave the plugin. URLs are parsed
//! with the `url` crate (WHATWG rules, as Spin's allowed-hosts does), so hosts are compared in
//! their normalised form: lower-case names, IDNA, IPv4 and IPv6 literals in canonical form.
//! Matching is exact on scheme, host and port (the scheme's default filled in); no wildcards,
//! no redirects, no user info.

use std::fmt;
use url::{Host, Url};

/// Why a URL cannot name an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OriginError {
    /// It does not parse as an absolute URL.
    #[error("'{url}' is not an absolute URL")]
    NotAUrl {
        /// The text given.
        url: String,
        /// What the parser found.
        #[source]
        source: url::ParseError,
    },
    /// Only `http` and `https` are served.
    #[error("'{url}': scheme '{scheme}' is not http or https")]
    Scheme {
        /// The text given.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// `user:password@` in a URL would carry credentials past the host's own.
    #[error("'{url}': user info in URLs is not allowed")]
    UserInfo {
        /// The text given.
        url: String,
    },
}

/// One allowed origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: Host<String>,
    port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

impl Origin {
    /// Parses the origin of a URL such as `https://nova.example:8774/v2.1`.
    pub fn parse(text: &str) -> Result<Origin, OriginError> {
        let url = Url::parse(text).map_err(|source| OriginError::NotAUrl {
            url: text.into(),
            source,
        })?;
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(OriginError::Scheme {
                url: text.into(),
                scheme: scheme.into(),
            });
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(OriginError::UserInfo { url: text.into() });
        }
        // http(s) URLs always have a host and a known default port; the parser refuses others.
        let host = url.host().map(|h| h.to_owned());
        let port = url.port_or_known_default();
        match (host, port) {
            (Some(host), Some(port)) => Ok(Origin {
                scheme: scheme.into(),
                host,
                port,
            }),
            _ => Err(OriginError::NotAUrl {
                url: text.into(),
                source: url::ParseError::EmptyHost,
            }),
        }
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The host, normalised.
    pub fn host(&self) -> &Host<String> {
        &self.host
    }

    /// The port, with the scheme's default filled in.
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// The origins a plugin may reach.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    origins: Vec<Origin>,
}

impl AllowList {
    /// An allowlist with only the origin of `endpoint`.
    pub fn for_endpoint(endpoint: &str) -> Result<AllowList, OriginError> {
        Ok(AllowList {
            origins: vec![Origin::parse(endpoint)?],
        })
    }

    /// Adds one more origin.
    pub fn allow(&mut self, origin: Origin) {
        if !self.origins.contains(&origin) {
            self.origins.push(origin);
        }
    }

    /// The origins, in the order they were allowed.
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }

    /// True when a request to `scheme://authority` may go out.
    pub fn permits(&self, scheme: &str, authority: &str) -> bool {
        // An authority holds no path, query or fragment: anything after it is smuggled. Nor a
        // percent escape: the check would see the decoded host, the connection the raw one.
        if authority.contains(['/', '?', '#', '\\', '%']) {
            return false;
        }
        match Origin::parse(&format!("{scheme}://{authority}/")) {
            Ok(target) => self.origins.contains(&target),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nova() -> AllowList {
        AllowList::for_endpoint("http://127.0.0.1:8774/v2.1").expect("valid endpoint")
    }

    #[test]
    fn the_compute_endpoint_is_allowed() {
        assert!(nova().permits("http", "127.0.0.1:8774"));
    }

    #[test]
    fn another_port_is_denied() {
        assert!(!nova().permits("http", "127.0.0.1:8775"));
    }

    #[test]
    fn another_scheme_is_denied() {
        assert!(!nova().permits("https", "127.0.0.1:8774"));
    }

    #[test]
    fn another_host_is_denied() {
        assert!(!nova().permits("http", "169.254.169.254:8774"));
        assert!(!nova().permits("http", "localhost:8774"));
    }

    #[test]
    fn default_ports_are_filled_in() {
        let list = AllowList::for_endpoint("https://Nova.Example/compute/v2.1").expect("valid");
        assert!(list.permits("https", "nova.example:443"));
        assert!(list.permits("https", "NOVA.example"));
        assert!(!list.permits("http", "nova.example"));
    }

    #[test]
    fn ipv6_literals_are_matched() {
        let list = AllowList::for_endpoint("http://[::1]:8774/v2.1").expect("valid");
        assert!(list.permits("http", "[::1]:8774"));
        assert!(list.permits("http", "[0:0:0:0:0:0:0:1]:8774"));
        assert!(!list.permits("http", "[::2]:8774"));
        assert_eq!(list.origins()[0].to_string(), "http://[::1]:8774");
    }

    #[test]
    fn ipv4_literals_are_compared_in_canonical_form() {
        // Whatever spelling a plugin uses, the connection goes where the canonical form says.
        assert!(nova().permits("http", "2130706433:8774"));
        assert!(!nova().permits("http", "2130706434:8774"));
    }

    #[test]
    fn user_info_is_refused() {
        assert!(matches!(
            Origin::parse("http://evil@127.0.0.1:8774/"),
            Err(OriginError::UserInfo { .. })
        ));
        assert!(!nova().permits("http", "evil@127.0.0.1:8774"));
        assert!(!nova().permits("http", "evil:pw@127.0.0.1:8774"));
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(Origin::parse("127.0.0.1:8774").is_err());
        assert!(matches!(
            Origin::parse("ftp://127.0.0.1/"),
            Err(OriginError::Scheme { .. })
        ));
        assert!(Origin::parse("http://:80/").is_err());
        assert!(Origin::parse("http://host:99999/").is_err());
        assert!(Origin::parse("").is_err());
    }

    #[test]
    fn junk_in_the_authority_is_denied() {
        assert!(!nova().permits("http", "127.0.0.1:8774/../x"));
        assert!(!nova().permits("http", "127.0.0.1 :8774"));
        assert!(!nova().permits("http", ""));
    }

    #[test]
    fn a_percent_escape_in_the_host_is_denied() {
        // The URL parser would decode it; the connection would not.
        let list = AllowList::for_endpoint("http://nova.example:8774/v2.1").expect("valid");
        assert!(list.permits("http", "nova.example:8774"));
        assert!(!list.permits("http", "nova%2eexample:8774"));
    }

    #[test]
    fn more_origins_can_be_allowed() {
        let mut list = nova();
        list.allow(Origin::parse("https://placement.example").expect("valid"));
        assert!(list.permits("https", "placement.example:443"));
        assert_eq!(list.origins().len(), 2);
    }
}
