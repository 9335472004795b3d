//! Logging to stderr: readable on a terminal, JSON lines on request; coloured only on a
//! terminal and never when `NO_COLOR` is set.

use crate::commands::LogFormat;
use std::ffi::OsString;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber; `RUST_LOG` overrides the verbosity.
pub fn init(format: LogFormat, verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info,wasm_action_host=debug",
        _ => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let ansi = colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR"),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Whether to write ANSI colour codes: only to a terminal, and never when `NO_COLOR` holds a
/// value (<https://no-color.org>: any non-empty value turns colour off; an empty one does not).
pub fn colour(is_terminal: bool, no_color: Option<OsString>) -> bool {
    is_terminal && no_color.is_none_or(|value| value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::colour;
    use std::ffi::OsString;

    #[test]
    fn a_terminal_without_no_color_gets_colour() {
        assert!(colour(true, None));
    }

    #[test]
    fn a_pipe_or_file_never_gets_colour() {
        assert!(!colour(false, None));
        assert!(!colour(false, Some(OsString::new())));
    }

    #[test]
    fn any_non_empty_no_color_turns_colour_off_even_on_a_terminal() {
        for value in ["1", "0", "false", "yes"] {
            assert!(!colour(true, Some(value.into())), "NO_COLOR={value}");
        }
    }

    #[test]
    fn an_empty_no_color_is_as_if_unset() {
        assert!(colour(true, Some(OsString::new())));
    }
}
