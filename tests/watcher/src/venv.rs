//! The Python venv with Watcher 17.0.0 (and the wasm-action wheel), prepared by `setup.sh`.

use std::path::PathBuf;
use std::sync::OnceLock;

/// True (after a loud line) when `REAL_WATCHER=0` disables the suite; the only way to skip it.
pub fn disabled() -> bool {
    let off = std::env::var("REAL_WATCHER").is_ok_and(|v| v == "0");
    if off {
        eprintln!("WATCHER SUITE DISABLED by REAL_WATCHER=0");
    }
    off
}

/// The venv's python, after `setup.sh` ran once in this process (later calls reuse its result).
/// A failed setup is an error, never a skip.
pub fn python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| real_nova_tests::venv::WATCHER.python())
        .clone()
}

/// This crate's directory, where `setup.sh` and `driver.py` live.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
