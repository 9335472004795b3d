//! The Python venv with Watcher 17.0.0 (and the wasm-action wheel), prepared by `setup.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

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
    PYTHON.get_or_init(prepare).clone()
}

/// This crate's directory, where `setup.sh` and `driver.py` live.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn prepare() -> Result<PathBuf, String> {
    let root = crate_dir().join("../..");
    let started = Instant::now();
    let output = Command::new("bash")
        .arg(crate_dir().join("setup.sh"))
        .current_dir(&root)
        .output()
        .map_err(|e| format!("cannot run tests/watcher/setup.sh: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "tests/watcher/setup.sh failed ({}); the Watcher suite needs Python 3 and PyPI \
             (set REAL_WATCHER=0 to disable it):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let took = started.elapsed().as_secs_f64();
    if took > 1.0 {
        eprintln!("watcher: setup.sh took {took:.1} s");
    }
    let dir = std::env::var("WATCHER_VENV").unwrap_or_else(|_| "target/watcher-venv".into());
    Ok(absolute(&root, &dir).join("bin/python"))
}

fn absolute(root: &Path, dir: &str) -> PathBuf {
    let path = PathBuf::from(dir);
    if path.is_absolute() {
        path
    } else {
        root.join(path)
    }
}
