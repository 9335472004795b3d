//! The action against the Nova stand-in, through the `wasm-action` CLI as an operator runs it:
//! build the component, serve the stand-in, stop a server with the built-in `stop`, then this
//! action's phases. The CLI is `$WASM_ACTION`, or the one built beside this test, or on PATH.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The directory cargo builds into (this test is `<target>/debug/deps/stand_in-...`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    exe.ancestors()
        .nth(3)
        .expect("<target>/debug/deps")
        .to_path_buf()
}

fn cli() -> PathBuf {
    if let Some(path) = std::env::var_os("WASM_ACTION") {
        return path.into();
    }
    let beside = target_dir().join("debug").join("wasm-action");
    if beside.exists() {
        beside
    } else {
        "wasm-action".into()
    }
}

/// `cargo build --release --target wasm32-wasip2`, in a target directory of its own.
fn build_component() -> PathBuf {
    let dir = target_dir().join("example-guest");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTC_WRAPPER")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the component builds");
    dir.join("wasm32-wasip2/release/start_action.wasm")
}

/// `wasm-action nova-stand-in`, stopped when dropped.
struct StandIn {
    child: Child,
    ready: Value,
}

impl StandIn {
    fn start() -> StandIn {
        let mut child = Command::new(cli())
            .args(["nova-stand-in", "--servers", "1", "--timings", "fast"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("wasm-action runs (build it, or set WASM_ACTION)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the ready line");
        let ready = serde_json::from_str(&line).expect("the ready line is JSON");
        StandIn { child, ready }
    }

    fn server(&self) -> String {
        self.ready["servers"][0]
            .as_str()
            .expect("one server")
            .to_string()
    }

    /// `wasm-action run ARGS` against the stand-in (its token is `admin:admin`).
    fn run(&self, args: &[&str]) -> Output {
        let endpoint = self.ready["endpoint"].as_str().expect("endpoint");
        Command::new(cli())
            .arg("run")
            .args(args)
            .env("OS_COMPUTE_ENDPOINT", endpoint)
            .env("OS_TOKEN", "admin:admin")
            .output()
            .expect("wasm-action runs")
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn starts_a_stopped_server_and_then_skips_it() {
    let component = build_component();
    let plugin = component.to_str().expect("utf-8 path");
    let nova = StandIn::start();
    let params = serde_json::json!({ "resource_id": nova.server() }).to_string();
    let stopped = nova.run(&["--action", "stop", "--params", &params]);
    assert!(stopped.status.success(), "{stopped:?}");

    let phase =
        |phase: &str| nova.run(&["--plugin", plugin, "--phase", phase, "--params", &params]);
    assert_eq!(
        phase("pre-condition").status.code(),
        Some(0),
        "proceed: it is stopped"
    );
    let executed = phase("execute");
    assert!(executed.status.success(), "{executed:?}");
    assert!(
        String::from_utf8_lossy(&executed.stdout).contains("ACTIVE"),
        "{executed:?}"
    );
    assert_eq!(
        phase("post-condition").status.code(),
        Some(0),
        "Nova shows it running"
    );
    assert_eq!(
        phase("pre-condition").status.code(),
        Some(3),
        "running now: skipped"
    );
}
