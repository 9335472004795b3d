//! Pins files: the lines `sha256sum` prints.

use std::collections::HashMap;

/// Digest -> file name for every pin of `text`; the number (from 1) of the first line that is
/// neither a pin, a `#` comment nor blank is the error.
pub(super) fn parse(text: &str) -> Result<HashMap<String, String>, usize> {
    let mut pins = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (digest, file) = pin(line).ok_or(index + 1)?;
        pins.insert(digest, file.to_string());
    }
    Ok(pins)
}

/// One line as `sha256sum` prints it: `<digest>  <file>` (text mode) or `<digest> *<file>`
/// (binary mode), with a leading `\` when the file name is escaped.
fn pin(line: &str) -> Option<(String, &str)> {
    let line = line.strip_prefix('\\').unwrap_or(line);
    let digest = digest(line.get(..64)?)?;
    let file = line[64..]
        .strip_prefix("  ")
        .or_else(|| line[64..].strip_prefix(" *"))?;
    (!file.is_empty()).then_some((digest, file))
}

/// 64 hex digits, in lower case.
pub(super) fn digest(text: &str) -> Option<String> {
    (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn sha256sum_output_is_a_pins_file() {
        let text = format!(
            "{DIGEST}  plugins/migrate.wasm\n{}  other.wasm\n",
            "0".repeat(64)
        );
        let pins = parse(&text).expect("two pins");
        assert_eq!(pins.len(), 2);
        assert_eq!(pins[DIGEST], "plugins/migrate.wasm");
    }

    #[test]
    fn comments_blank_lines_and_binary_mode_lines_are_allowed() {
        let text = format!("# reviewed 2026-12-04\n\n   \n{DIGEST} *migrate.wasm\r\n");
        let pins = parse(&text).expect("one pin");
        assert_eq!(pins[DIGEST], "migrate.wasm");
    }

    #[test]
    fn upper_case_digests_and_escaped_names_are_read() {
        let text = format!("\\{}  odd\\\\name.wasm\n", DIGEST.to_uppercase());
        let pins = parse(&text).expect("one pin");
        assert!(pins.contains_key(DIGEST), "{pins:?}");
    }

    #[test]
    fn the_first_bad_line_is_named_by_its_number() {
        let cases = [
            format!("# ok\n{DIGEST}  a.wasm\n{}  short.wasm\n", &DIGEST[..63]),
            format!("# ok\n{DIGEST}  a.wasm\n{DIGEST}\n"),
            format!("# ok\n{DIGEST}  a.wasm\n{DIGEST} one-space.wasm\n"),
            format!("# ok\n{DIGEST}  a.wasm\n{}  x.wasm\n", "g".repeat(64)),
            format!("# ok\n{DIGEST}  a.wasm\nSHA256 (a.wasm) = {DIGEST}\n"),
            format!("# ok\n{DIGEST}  a.wasm\n{DIGEST}  \n"),
        ];
        for text in cases {
            assert_eq!(parse(&text), Err(3), "{text}");
        }
    }

    #[test]
    fn a_digest_is_64_hex_digits() {
        assert_eq!(digest(DIGEST).as_deref(), Some(DIGEST));
        assert_eq!(digest(&DIGEST[1..]), None);
        assert_eq!(digest(&format!("{DIGEST}0")), None);
    }
}
