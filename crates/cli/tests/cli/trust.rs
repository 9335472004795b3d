//! Trusted plugins from the command line: `keygen`, `sign` and `verify`, and `run` refusing an
//! untrusted `--plugin` (exit 5) while it runs a signed one. No cloud: the schema phase.

use crate::bench::text;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A working directory with the migrate component as `plugin.wasm`.
struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Workdir {
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::write(dir.path().join("plugin.wasm"), builtin_plugins::MIGRATE).expect("write");
        Workdir { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `wasm-action args` in the directory, with nothing from the environment but `env`.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wasm-action"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("HOME", self.dir.path())
            .env("WASM_ACTION_CACHE_DIR", self.path("cache"))
            .envs(env.iter().copied())
            .stdin(Stdio::null());
        command.output().expect("the binary runs")
    }

    /// `keygen --out NAME`, checked.
    fn keygen(&self, name: &str) {
        let output = self.run(&["keygen", "--out", name], &[]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    }

    /// A copy of `plugin.wasm` signed by `key` (a `.key` file) as `out`, checked.
    fn signed(&self, key: &str, out: &str) {
        let output = self.run(&["sign", "--key", key, "plugin.wasm", "--output", out], &[]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn key_id(public_key: &Path) -> String {
    let key = wasm_action_host::trust::PublicKey::read(public_key).expect("a public key");
    key.id().to_string()
}

#[test]
fn keygen_sign_and_verify_make_a_round_trip() {
    let work = Workdir::new();
    work.keygen("ops");
    let id = key_id(&work.path("ops.pub"));
    let signed = work.run(&["sign", "--key", "ops.key", "plugin.wasm"], &[]);
    assert_eq!(signed.status.code(), Some(0), "{}", text(&signed));
    assert!(stdout(&signed).contains(&id), "{}", text(&signed));
    let verified = work.run(&["verify", "--trust-key", "ops.pub", "plugin.wasm"], &[]);
    assert_eq!(verified.status.code(), Some(0), "{}", text(&verified));
    assert!(
        stdout(&verified).contains(&format!("signed by trusted key {id}")),
        "{}",
        text(&verified)
    );
}

#[test]
fn keygen_never_overwrites_a_key() {
    let work = Workdir::new();
    work.keygen("ops");
    let before = std::fs::read(work.path("ops.key")).expect("the key");
    let again = work.run(&["keygen", "--out", "ops"], &[]);
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        text(&again)
    );
    assert_eq!(
        std::fs::read(work.path("ops.key")).expect("the key"),
        before
    );
}

#[test]
fn verify_refuses_unsigned_tampered_and_wrongly_signed_components_with_the_reason() {
    let work = Workdir::new();
    work.keygen("ops");
    work.keygen("other");
    work.signed("ops.key", "signed.wasm");
    work.signed("other.key", "by-other.wasm");
    let mut tampered = std::fs::read(work.path("signed.wasm")).expect("signed");
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    std::fs::write(work.path("tampered.wasm"), tampered).expect("write");
    let cases = [
        ("plugin.wasm", "neither pinned nor signed".to_string()),
        ("tampered.wasm", "changed after it was signed".to_string()),
        (
            "by-other.wasm",
            format!("key {}", key_id(&work.path("other.pub"))),
        ),
    ];
    for (file, reason) in cases {
        let output = work.run(&["verify", "--trust-key", "ops.pub", file], &[]);
        assert_eq!(output.status.code(), Some(5), "{file}: {}", text(&output));
        assert!(
            stderr(&output).contains(&reason),
            "{file}: {}",
            text(&output)
        );
    }
}

#[test]
fn verify_accepts_a_component_pinned_in_sha256sum_format() {
    let work = Workdir::new();
    let digest = wasm_action_host::digest(builtin_plugins::MIGRATE);
    std::fs::write(
        work.path("pins.sha256"),
        format!("# reviewed\n{digest}  plugin.wasm\n"),
    )
    .expect("write");
    let output = work.run(
        &["verify", "--trust-pins", "pins.sha256", "plugin.wasm"],
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(stdout(&output).contains("pinned"), "{}", text(&output));
}

#[test]
fn run_refuses_an_unsigned_plugin_with_exit_5_and_runs_a_signed_one() {
    let work = Workdir::new();
    work.keygen("ops");
    work.signed("ops.key", "signed.wasm");
    let schema = [
        "run",
        "--phase",
        "schema",
        "--trust-key",
        "ops.pub",
        "--plugin",
    ];
    let refused = work.run(&[&schema[..], &["plugin.wasm"]].concat(), &[]);
    assert_eq!(refused.status.code(), Some(5), "{}", text(&refused));
    let said = stderr(&refused);
    assert!(said.contains("refusing to load plugin 'plugin'"), "{said}");
    assert!(said.contains("neither pinned nor signed"), "{said}");
    let ran = work.run(&[&schema[..], &["signed.wasm"]].concat(), &[]);
    assert_eq!(ran.status.code(), Some(0), "{}", text(&ran));
    assert!(stdout(&ran).contains("resource_id"), "{}", text(&ran));
}

#[test]
fn the_trust_options_also_come_from_the_environment() {
    let work = Workdir::new();
    work.keygen("ops");
    let env = [("WASM_ACTION_TRUST_KEYS", "ops.pub")];
    let refused = work.run(
        &["run", "--phase", "schema", "--plugin", "plugin.wasm"],
        &env,
    );
    assert_eq!(refused.status.code(), Some(5), "{}", text(&refused));
}

#[test]
fn the_builtin_plugin_runs_under_a_trust_policy() {
    let work = Workdir::new();
    work.keygen("ops");
    let output = work.run(&["run", "--phase", "schema", "--trust-key", "ops.pub"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn a_missing_trust_file_is_a_usage_error_naming_it() {
    let work = Workdir::new();
    let args = ["run", "--phase", "schema", "--trust-pins", "missing.sha256"];
    let output = work.run(&args, &[]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        stderr(&output).contains("missing.sha256"),
        "{}",
        text(&output)
    );
}

#[test]
fn apply_installs_only_the_trusted_files_of_the_plugin_dir() {
    let work = Workdir::new();
    work.keygen("ops");
    std::fs::create_dir(work.path("plugins")).expect("a plugin dir");
    work.signed("ops.key", "plugins/approved.wasm");
    std::fs::write(work.path("plugins/stray.wasm"), builtin_plugins::MIGRATE).expect("write");
    let action = |uuid: &str, action_type: &str| {
        serde_json::json!({"uuid": uuid, "action_type": action_type, "parents": [],
            "input_parameters": {"resource_id": "b9bab5bb-a8c3-4dd8-ae57-218338e27cd3",
                "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}})
    };
    let plan = serde_json::json!({"actions": [action("a", "approved"), action("b", "stray")]});
    std::fs::write(work.path("plan.json"), plan.to_string()).expect("write");
    let args = [
        "apply",
        "plan.json",
        "--plugin-dir",
        "plugins",
        "--trust-key",
        "ops.pub",
    ];
    let output = work.run(&[&args[..], &["--output", "json"]].concat(), &[]);
    // Validation comes first, before any cloud: the stray plugin was never installed.
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let report = crate::bench::json(&output);
    let issues = report["problems"]["issues"].as_array().expect("issues");
    let unknown: Vec<&str> = issues
        .iter()
        .filter_map(|i| i["action_type"].as_str())
        .collect();
    assert_eq!(unknown, ["stray"], "{}", text(&output));
    assert!(
        stderr(&output).contains("refusing to load plugin 'stray'"),
        "{}",
        text(&output)
    );
}

#[test]
fn the_plugins_report_says_why_each_plugin_was_trusted() {
    let work = Workdir::new();
    work.keygen("ops");
    std::fs::create_dir(work.path("plugins")).expect("a plugin dir");
    work.signed("ops.key", "plugins/approved.wasm");
    std::fs::write(work.path("plugins/stray.wasm"), builtin_plugins::MIGRATE).expect("write");
    let args = [
        "plugins",
        "--plugin-dir",
        "plugins",
        "--trust-key",
        "ops.pub",
    ];
    let output = work.run(&[&args[..], &["--output", "json"]].concat(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report = crate::bench::json(&output);
    let trust: Vec<(String, String)> = report["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .map(|p| (p["name"].to_string(), p["current"]["trust"].to_string()))
        .collect();
    let id = key_id(&work.path("ops.pub"));
    assert_eq!(trust.len(), 1 + builtin_plugins::ALL.len(), "{trust:?}");
    assert!(
        trust[0].0.contains("approved") && trust[0].1.contains(&id),
        "{trust:?}"
    );
    for builtin in &builtin_plugins::ALL {
        let shown = trust.iter().find(|(name, _)| name.contains(builtin.name));
        assert!(
            shown.is_some_and(|(_, why)| why.contains("built in")),
            "{}: {trust:?}",
            builtin.name
        );
    }
}
