//! The operator's word on what each plugin may send: narrow a plugin to part of what it declared
//! (`allow`), or, explicitly and logged, grant it more (`override`: for a plugin built for
//! `openstack:actions@0.1.0`, which declares nothing, the only way it may send anything).
//!
//! The file has one rule a line, `PLUGIN allow|override METHOD /path [ACTION ...]`:
//!
//! ```text
//! # migrate may confirm and revert, but not start, cold migrations
//! migrate  allow     GET  /servers/{id}
//! migrate  allow     POST /servers/{id}/action confirmResize revertResize
//! # an old 0.1.0 plugin: it declares nothing, so everything it sends is granted here
//! legacy   override  GET  /servers/{id}
//! ```

use super::requests::{RequestRule, RequestRules, RuleError};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The operator's grants, by plugin name. The default grants every plugin exactly what it
/// declared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grants {
    plugins: BTreeMap<String, PluginGrants>,
}

/// What the operator says of one plugin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct PluginGrants {
    /// When set, the plugin may send only these (each within its declaration).
    allow: Option<Vec<RequestRule>>,
    /// Granted beyond the declaration.
    overrides: Vec<RequestRule>,
}

/// What is wrong with a grants file, or with a grant for a plugin.
#[derive(Debug, thiserror::Error)]
pub enum GrantsError {
    /// The file could not be read.
    #[error("cannot read the grants file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not `PLUGIN allow|override METHOD /path [ACTION ...]`.
    #[error("grants line {line}: {message}")]
    Line {
        /// The line number, from 1.
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// An `allow` rule the plugin did not declare: narrowing cannot widen.
    #[error(
        "the grants allow {plugin} '{rule}', which it does not declare (it declares: {declared}); \
         to grant it anyway, write it as an `override`"
    )]
    NotDeclared {
        /// The plugin.
        plugin: String,
        /// The rule.
        rule: String,
        /// What the plugin declares.
        declared: String,
    },
}

/// What a plugin may send: what it declared, and what the operator's grants leave of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permissions {
    /// What the plugin declares (nothing for an `openstack:actions@0.1.0` plugin).
    pub declared: Vec<RequestRule>,
    /// What it may send under the operator's grants (shared by every call's policy).
    pub granted: Arc<RequestRules>,
    /// The operator's grants beyond the declaration, if any.
    pub overrides: Vec<RequestRule>,
}

impl Grants {
    /// Reads a grants file.
    pub fn from_file(path: &Path) -> Result<Grants, GrantsError> {
        let text = std::fs::read_to_string(path).map_err(|source| GrantsError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Grants::parse(&text)
    }

    /// Grants from the text of a grants file.
    pub fn parse(text: &str) -> Result<Grants, GrantsError> {
        let mut grants = Grants::default();
        for (index, line) in text.lines().enumerate() {
            let line_error = |message: String| GrantsError::Line {
                line: index + 1,
                message,
            };
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(plugin), Some(kind)) = (words.next(), words.next()) else {
                return Err(line_error(format!(
                    "'{line}' is not PLUGIN allow|override METHOD /path [ACTION ...]"
                )));
            };
            let rule = words.collect::<Vec<_>>().join(" ");
            let rule =
                RequestRule::parse(&rule).map_err(|e: RuleError| line_error(e.to_string()))?;
            let entry = grants.plugins.entry(plugin.to_string()).or_default();
            match kind {
                "allow" => entry.allow.get_or_insert_with(Vec::new).push(rule),
                "override" => entry.overrides.push(rule),
                other => {
                    return Err(line_error(format!(
                        "'{other}' is neither allow (narrow what {plugin} declared) nor override \
                         (grant beyond it)"
                    )));
                }
            }
        }
        Ok(grants)
    }

    /// Whether the operator said nothing at all.
    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }

    /// What `plugin` may send, given what it `declared`.
    pub fn permissions(
        &self,
        plugin: &str,
        declared: Vec<RequestRule>,
    ) -> Result<Permissions, GrantsError> {
        let Some(grants) = self.plugins.get(plugin) else {
            return Ok(Permissions {
                granted: Arc::new(RequestRules::new(declared.clone())),
                declared,
                overrides: Vec::new(),
            });
        };
        let mut granted = match &grants.allow {
            None => declared.clone(),
            Some(allowed) => {
                if let Some(rule) = allowed
                    .iter()
                    .find(|rule| !declared.iter().any(|d| d.covers(rule)))
                {
                    return Err(GrantsError::NotDeclared {
                        plugin: plugin.into(),
                        rule: rule.to_string(),
                        declared: declared
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; "),
                    });
                }
                allowed.clone()
            }
        };
        granted.extend(grants.overrides.iter().cloned());
        Ok(Permissions {
            declared,
            granted: Arc::new(RequestRules::new(granted)),
            overrides: grants.overrides.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared() -> Vec<RequestRule> {
        [
            "GET /servers/{id}",
            "POST /servers/{id}/action migrate confirmResize",
        ]
        .iter()
        .map(|t| RequestRule::parse(t).expect("valid"))
        .collect()
    }

    #[test]
    fn without_grants_a_plugin_may_send_what_it_declared() {
        let p = Grants::default()
            .permissions("migrate", declared())
            .expect("valid");
        assert_eq!(p.granted.rules(), declared().as_slice());
        assert!(p.overrides.is_empty());
    }

    #[test]
    fn allow_narrows_to_part_of_the_declaration() {
        let grants = Grants::parse(
            "# comment\nmigrate allow POST /servers/{id}/action confirmResize\n\nother allow GET /x\n",
        )
        .expect("valid");
        let p = grants.permissions("migrate", declared()).expect("valid");
        assert_eq!(p.granted.rules().len(), 1);
        assert_eq!(
            p.granted.rules()[0].to_string(),
            "POST /servers/{id}/action confirmResize"
        );
    }

    #[test]
    fn allow_cannot_widen() {
        let grants =
            Grants::parse("migrate allow POST /servers/{id}/action os-stop").expect("valid");
        let error = grants
            .permissions("migrate", declared())
            .expect_err("refused");
        let message = error.to_string();
        assert!(
            message.contains("os-stop") && message.contains("override"),
            "{message}"
        );
    }

    #[test]
    fn words_may_be_aligned_with_any_whitespace() {
        let grants = Grants::parse("migrate  allow\tGET   /servers/{id}\n").expect("valid");
        let p = grants.permissions("migrate", declared()).expect("valid");
        assert_eq!(p.granted.rules()[0].to_string(), "GET /servers/{id}");
    }

    #[test]
    fn override_grants_beyond_the_declaration() {
        let grants = Grants::parse("legacy override GET /servers/{id}").expect("valid");
        let p = grants.permissions("legacy", Vec::new()).expect("valid");
        assert_eq!(p.granted.rules().len(), 1);
        assert_eq!(p.overrides.len(), 1);
    }

    #[test]
    fn bad_lines_are_refused_with_their_number() {
        for (text, line) in [
            ("migrate allow", 1),
            ("\nmigrate widen GET /servers/{id}", 2),
            ("migrate allow get /servers/{id}", 1),
            ("migrate allow GET /servers/../x", 1),
        ] {
            match Grants::parse(text) {
                Err(GrantsError::Line { line: l, .. }) => assert_eq!(l, line, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
