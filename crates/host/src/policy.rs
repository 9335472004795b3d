//! Where a plugin may send requests: a pure allowlist of (scheme, host, port).
//!
//! The default and only entry is the compute endpoint the host gave the plugin. Matching is
//! exact on scheme and port and case-insensitive on the host; no wildcards, no redirects.

use std::fmt;

/// One allowed origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// Host name or IP literal, lower-case, without brackets.
    pub host: String,
    /// Port, with the scheme's default filled in.
    pub port: u16,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "{}://[{}]:{}", self.scheme, self.host, self.port)
        } else {
            write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
        }
    }
}

impl Origin {
    /// Parses the origin of a URL such as `https://nova.example:8774/v2.1`.
    pub fn parse(url: &str) -> Result<Origin, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("'{url}' is not a URL (no scheme)"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            other => return Err(format!("'{url}': scheme '{other}' is not http or https")),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(format!("'{url}': user info in URLs is not allowed"));
        }
        let (host, port) = split_host_port(authority).map_err(|e| format!("'{url}': {e}"))?;
        Ok(Origin {
            scheme,
            host,
            port: port.unwrap_or(default_port),
        })
    }
}

fn split_host_port(authority: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or("unclosed '[' in host")?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or("junk after ']'")?),
        };
        (host, port)
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    let port = match port {
        Some(p) => Some(p.parse::<u16>().map_err(|_| format!("bad port '{p}'"))?),
        None => None,
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// The origins a plugin may reach.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList {
    origins: Vec<Origin>,
}

impl AllowList {
    /// An allowlist with only the origin of `endpoint`.
    pub fn for_endpoint(endpoint: &str) -> Result<AllowList, String> {
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
        match Origin::parse(&format!("{scheme}://{authority}")) {
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
        assert!(!list.permits("http", "[::2]:8774"));
    }

    #[test]
    fn user_info_is_refused() {
        assert!(Origin::parse("http://evil@127.0.0.1:8774/").is_err());
        assert!(!nova().permits("http", "evil@127.0.0.1:8774"));
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(Origin::parse("127.0.0.1:8774").is_err());
        assert!(Origin::parse("ftp://127.0.0.1/").is_err());
        assert!(Origin::parse("http://:80/").is_err());
        assert!(Origin::parse("http://host:99999/").is_err());
    }

    #[test]
    fn more_origins_can_be_allowed() {
        let mut list = nova();
        list.allow(Origin::parse("https://placement.example").expect("valid"));
        assert!(list.permits("https", "placement.example:443"));
        assert_eq!(list.origins().len(), 2);
    }
}
