//! Builds the guest component(s) for wasm32-wasip2 in a target directory of their own, so that
//! one `cargo build`/`cargo test` builds everything and the nested build never waits on the
//! outer one's lock.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.join("../..");
    for watched in ["guest/src", "guest/Cargo.toml", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("guest");
    ensure_target_installed();
    let wasm = build_guest(&root, &target_dir, "migrate-action");
    println!("cargo:rustc-env=MIGRATE_ACTION_WASM={}", wasm.display());
}

/// A fresh machine lacks the guest's standard library: fetch it once with rustup, if there is one.
fn ensure_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output();
    let Ok(sysroot) = sysroot else { return };
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_string();
    if Path::new(&sysroot)
        .join("lib/rustlib")
        .join(TARGET)
        .exists()
    {
        return;
    }
    println!(
        "cargo:warning=installing the {TARGET} target with rustup (needed once, to build the guest)"
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

fn build_guest(root: &Path, target_dir: &Path, package: &str) -> PathBuf {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            TARGET,
            "-p",
            package,
            "--target-dir",
        ])
        .arg(target_dir);
    // The outer build's flags and wrappers (clippy, coverage) are for the host, not the guest.
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
    let status = command.status().expect("running cargo to build the guest");
    if !status.success() {
        panic!(
            "building the guest '{package}' for {TARGET} failed (see above). \
             If the target is missing, install it with: rustup target add {TARGET}"
        );
    }
    let file = format!("{}.wasm", package.replace('-', "_"));
    target_dir.join(TARGET).join("release").join(file)
}
