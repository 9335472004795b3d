//! The Python binding's own tests (`python/tests`, pytest) with the wheel installed in the
//! Watcher venv: typed outcomes and exceptions, the sandbox's limits seen from Python, tokens
//! from a callable with renewal after 401, threads running actions at the same time, and
//! trusted plugins.

use std::process::Command;

use watcher_tests::venv;

use crate::cloud;

#[test]
fn python_binding_tests_pass() {
    let Some(cloud) = cloud() else { return };
    let hosts = ["compute1", "compute2", "compute3"];
    let servers: Vec<String> = (0..12).map(|i| cloud.active_on(hosts[i % 3])).collect();
    let plugins = tempfile::tempdir().expect("a temp dir for the test plugins");
    for (name, wasm) in test_plugins::ALL {
        std::fs::write(plugins.path().join(format!("{name}.wasm")), wasm)
            .expect("writing a test plugin");
    }
    let trust = trust_files();
    let python = venv::python().unwrap_or_else(|e| panic!("{e}"));
    let tests = venv::crate_dir().join("../../python/tests");
    let output = Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA"])
        .arg(&tests)
        .env("NOVA_ENDPOINT", cloud.nova.endpoint())
        .env("NOVA_SERVERS", servers.join(","))
        .env("TEST_PLUGINS_DIR", plugins.path())
        .env("TRUST_DIR", trust.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run pytest with {}: {e}", python.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "pytest failed:\n{report}");
    // Every test ran: a collection problem must not pass as an empty green run.
    let passed = report.lines().filter(|l| l.starts_with("PASSED ")).count();
    assert!(passed >= 26, "only {passed} Python tests passed:\n{report}");
}

/// For the trust tests: `trusted.pub` and `other.pub`, and `migrate-signed.wasm`, the migrate
/// component signed by the key of `trusted.pub`.
fn trust_files() -> tempfile::TempDir {
    use wasm_action_host::trust::{SigningKey, sign};
    let dir = tempfile::tempdir().expect("a temp dir for the trust files");
    let (trusted, other) = (SigningKey::generate(), SigningKey::generate());
    let (trusted, other) = (trusted.expect("a key"), other.expect("a key"));
    trusted
        .public_key()
        .save(&dir.path().join("trusted.pub"))
        .expect("writing a public key");
    other
        .public_key()
        .save(&dir.path().join("other.pub"))
        .expect("writing a public key");
    let signed = sign(builtin_plugins::MIGRATE, &trusted).expect("signing the migrate component");
    std::fs::write(dir.path().join("migrate-signed.wasm"), signed).expect("writing it");
    dir
}
