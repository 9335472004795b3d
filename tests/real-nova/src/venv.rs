//! A Python venv prepared by a suite's `setup.sh`, shared by the real-Nova and Watcher suites:
//! `setup.sh` (run from the repository root) prepares it at the directory its variable names, or
//! the suite's default; the real-Nova venv named by `REAL_NOVA_VENV` is used as it is.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// One suite's venv.
#[derive(Debug, Clone, Copy)]
pub struct Venv {
    /// Who asks, for messages (`real-nova`, `watcher`).
    pub suite: &'static str,
    /// The variable that names the venv (`REAL_NOVA_VENV`, `WATCHER_VENV`).
    pub env_var: &'static str,
    /// The script that prepares it, relative to the repository root.
    pub setup: &'static str,
    /// Where it is by default, relative to the repository root.
    pub default_dir: &'static str,
    /// The variable that disables the suite, for the failure message (`REAL_NOVA`).
    pub switch: &'static str,
    /// Use a venv that `env_var` names as it is, without running `setup` (false when `setup`
    /// must always run, e.g. to install a freshly built wheel).
    pub reuse_named: bool,
}

impl Venv {
    /// The venv's python: the one `env_var` names if it exists, else prepared by `setup`.
    /// A failed setup is an error, never a skip.
    pub fn python(&self) -> Result<PathBuf, String> {
        let root = repository_root();
        let named = std::env::var(self.env_var).ok();
        if let Some(dir) = named.as_ref().filter(|_| self.reuse_named) {
            let python = absolute(&root, dir).join("bin/python");
            if python.exists() {
                return Ok(python);
            }
        }
        let started = Instant::now();
        let output = Command::new("bash")
            .arg(root.join(self.setup))
            .current_dir(&root)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.setup))?;
        if !output.status.success() {
            return Err(format!(
                "{} failed ({}); the {} suite needs Python 3 and PyPI (set {}=0 to disable it):\n{}{}",
                self.setup,
                output.status,
                self.suite,
                self.switch,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let took = started.elapsed().as_secs_f64();
        if took > 1.0 {
            eprintln!("{}: {} took {took:.1} s", self.suite, self.setup);
        }
        let dir = named.unwrap_or_else(|| self.default_dir.into());
        Ok(absolute(&root, &dir).join("bin/python"))
    }
}

/// The repository's root (this crate is `tests/real-nova`).
pub fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn absolute(root: &Path, dir: &str) -> PathBuf {
    let path = PathBuf::from(dir);
    if path.is_absolute() {
        path
    } else {
        root.join(path)
    }
}

/// The real-Nova suite's venv (`nova==34.0.0`, placement).
pub const REAL_NOVA: Venv = Venv {
    suite: "real-Nova",
    env_var: "REAL_NOVA_VENV",
    setup: "tests/real-nova/setup.sh",
    default_dir: "target/real-nova-venv",
    switch: "REAL_NOVA",
    reuse_named: true,
};

/// The Watcher suite's venv (`python-watcher==17.0.0` and the wasm-action wheel).
pub const WATCHER: Venv = Venv {
    suite: "Watcher",
    env_var: "WATCHER_VENV",
    setup: "tests/watcher/setup.sh",
    default_dir: "target/watcher-venv",
    switch: "REAL_WATCHER",
    // setup.sh also builds and installs the wasm-action wheel when its sources changed.
    reuse_named: false,
};
