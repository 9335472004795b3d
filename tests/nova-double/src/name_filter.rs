//! The `name` filter of `GET /servers[/detail]`. In Nova it is a regular expression searched
//! for in the name (`re.search` on SQLite, `REGEXP` on MySQL): `name=web` also finds
//! `old-web-2`, and clients anchor it, `name=^web$`, to find one name. The double understands
//! the subset clients send: literal text, `\`-escaped characters, `.` for any character, and
//! `^` / `$` anchors at the ends; other syntax (`*`, `[...]`, groups, ...) is refused with a
//! 400 naming it, so a test that needs more fails loudly instead of matching wrongly.

use crate::api::ApiError;

/// One element of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atom {
    Literal(char),
    Any,
}

/// A parsed `name` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameFilter {
    atoms: Vec<Atom>,
    anchored_start: bool,
    anchored_end: bool,
}

impl NameFilter {
    /// Parses the query value, or says which syntax the double does not support.
    pub(crate) fn parse(pattern: &str) -> Result<NameFilter, ApiError> {
        let anchored_start = pattern.starts_with('^');
        let body = pattern.strip_prefix('^').unwrap_or(pattern);
        let mut atoms = Vec::new();
        let mut chars = body.chars().peekable();
        let mut anchored_end = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => atoms.push(Atom::Literal(chars.next().unwrap_or('\\'))),
                '.' => atoms.push(Atom::Any),
                '$' if chars.peek().is_none() => anchored_end = true,
                '^' | '$' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => {
                    return Err(ApiError::bad_request(format!(
                        "the Nova double's name filter supports literal text, \\-escapes, '.', \
                         '^' and '$' only; '{c}' in {pattern:?} is beyond it"
                    )));
                }
                c => atoms.push(Atom::Literal(c)),
            }
        }
        Ok(NameFilter {
            atoms,
            anchored_start,
            anchored_end,
        })
    }

    /// Whether the pattern is found in `name`, as `re.search` would.
    pub(crate) fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        let len = self.atoms.len();
        if len > name.len() {
            return false;
        }
        let last = name.len() - len;
        let starts: Vec<usize> = match (self.anchored_start, self.anchored_end) {
            (true, _) => vec![0],
            (false, true) => vec![last],
            (false, false) => (0..=last).collect(),
        };
        starts.into_iter().any(|start| {
            let at_end = start + len == name.len();
            (!self.anchored_end || at_end) && self.matches_at(&name[start..start + len])
        })
    }

    fn matches_at(&self, window: &[char]) -> bool {
        self.atoms.iter().zip(window).all(|(atom, c)| match atom {
            Atom::Any => true,
            Atom::Literal(l) => l == c,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::NameFilter;

    fn matches(pattern: &str, name: &str) -> bool {
        NameFilter::parse(pattern)
            .expect("a supported pattern")
            .matches(name)
    }

    #[test]
    fn an_unanchored_name_is_searched_for_anywhere() {
        assert!(matches("web", "old-web-2"));
        assert!(!matches("web", "db-1"));
    }

    #[test]
    fn anchors_make_an_exact_match() {
        assert!(matches("^web$", "web"));
        assert!(!matches("^web$", "web-1"));
        assert!(!matches("^web$", "old-web"));
        assert!(matches("^web", "web-1"));
        assert!(matches("web$", "old-web"));
    }

    #[test]
    fn escapes_are_literal_and_a_dot_is_any_character() {
        assert!(matches(r"^a\.b$", "a.b"));
        assert!(!matches(r"^a\.b$", "axb"));
        assert!(matches("^a.b$", "axb"));
        assert!(matches(r"^\(x\)$", "(x)"));
    }

    #[test]
    fn other_syntax_is_refused_rather_than_misread() {
        let error = NameFilter::parse("web.*").expect_err("a star");
        assert_eq!(error.status, 400);
        assert!(error.message.contains("'*'"), "{}", error.message);
    }
}
