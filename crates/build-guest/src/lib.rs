//! Used from `build.rs` files: builds guest packages of this workspace for `wasm32-wasip2`, in a
//! target directory of their own so that the nested cargo never waits on the outer one's lock,
//! and returns where the component is.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The guests' target.
pub const TARGET: &str = "wasm32-wasip2";

/// The guests ship as small components: their release profile, given on cargo's command line
/// so that the host side's release builds are unaffected.
const GUEST_PROFILE: [&str; 5] = [
    "profile.release.opt-level=\"s\"",
    "profile.release.codegen-units=1",
    "profile.release.lto=true",
    "profile.release.strip=true",
    "profile.release.debug=false",
];

/// The workspace root, from the calling build script's manifest dir and its depth below the root.
pub fn workspace_root(depth: usize) -> PathBuf {
    let mut dir =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    for _ in 0..depth {
        dir.pop();
    }
    dir
}

/// Tells cargo to rerun the build script when any of `paths` (relative to `root`) changes.
pub fn rerun_if_changed(root: &Path, paths: &[&str]) {
    for path in paths {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
}

/// Builds `packages` in release mode for [`TARGET`] and returns each component's path.
pub fn build(root: &Path, packages: &[&str]) -> Vec<PathBuf> {
    ensure_target_installed();
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guest");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args(["build", "--release", "--target", TARGET, "--target-dir"])
        .arg(&target_dir)
        .args(
            GUEST_PROFILE
                .iter()
                .flat_map(|setting| ["--config", setting]),
        );
    for package in packages {
        command.args(["-p", package]);
    }
    // The outer build's flags and wrappers (clippy, coverage) are for the host, not the guests.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
    ] {
        command.env_remove(var);
    }
    let status = command.status().expect("running cargo to build the guests");
    if !status.success() {
        panic!(
            "building {packages:?} for {TARGET} failed (see above). \
             If the target is missing, install it with: rustup target add {TARGET}"
        );
    }
    let release = target_dir.join(TARGET).join("release");
    packages
        .iter()
        .map(|p| release.join(format!("{}.wasm", p.replace('-', "_"))))
        .collect()
}

/// A fresh machine lacks the guests' standard library: fetch it once with rustup, if there is one.
fn ensure_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(sysroot) = Command::new(rustc).args(["--print", "sysroot"]).output() else {
        return;
    };
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_string();
    if Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .exists()
    {
        return;
    }
    println!(
        "cargo:warning=installing the {TARGET} target with rustup (needed once, to build the guests)"
    );
    let installed = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status();
    if !installed.is_ok_and(|s| s.success()) {
        println!(
            "cargo:warning=could not run `rustup target add {TARGET}`; install the target by hand"
        );
    }
}
