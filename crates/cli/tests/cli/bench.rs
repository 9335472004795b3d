//! A cloud for the binary: Keystone and Nova doubles, a clouds.yaml pointing at them, and a way
//! to run `wasm-action` with an environment that holds nothing else.

use keystone_double::ADMIN_PASSWORD;
use nova_double::Timings;
use std::ops::Deref;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use test_support::Cloud;

/// The doubles and the operator's configuration directory.
pub struct Cli {
    pub cloud: Cloud,
    pub home: tempfile::TempDir,
}

impl Deref for Cli {
    type Target = Cloud;

    fn deref(&self) -> &Cloud {
        &self.cloud
    }
}

impl Cli {
    /// Fast Nova, Keystone with distinct tokens, clouds.yaml with `admin` (password),
    /// `appcred` (application credential) and `wrong` (a bad password).
    pub async fn start() -> Cli {
        Cli::with_timings(Timings::fast()).await
    }

    /// As [`Cli::start`], with the given Nova step durations.
    pub async fn with_timings(timings: Timings) -> Cli {
        Cli::with(timings, |_| {}).await
    }

    /// As [`Cli::start`], with Keystone's configuration adjusted by `keystone`.
    pub async fn with_keystone(keystone: impl FnOnce(&mut keystone_double::Config)) -> Cli {
        Cli::with(Timings::fast(), keystone).await
    }

    async fn with(timings: Timings, keystone: impl FnOnce(&mut keystone_double::Config)) -> Cli {
        let cloud = Cloud::start_with(timings, |config| {
            config.distinct_tokens = true;
            keystone(config);
        })
        .await;
        let home = tempfile::tempdir().expect("temp home");
        let clouds = format!(
            "clouds:\n  admin:\n    auth:\n      auth_url: {url}\n      username: admin\n      password: {ADMIN_PASSWORD}\n      project_name: admin\n      user_domain_name: Default\n      project_domain_name: Default\n    region_name: RegionOne\n  appcred:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: {url}\n      application_credential_id: {id}\n      application_credential_secret: {secret}\n  wrong:\n    auth:\n      auth_url: {url}\n      username: admin\n      password: not-the-password-xyzzy\n      project_name: admin\n",
            url = cloud.keystone.endpoint(),
            id = keystone_double::APP_CREDENTIAL_ID,
            secret = keystone_double::APP_CREDENTIAL_SECRET,
        );
        std::fs::write(home.path().join("clouds.yaml"), clouds).expect("clouds.yaml");
        Cli { cloud, home }
    }

    /// A file in the configuration directory.
    pub fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.home.path().join(name);
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// `wasm-action` with `args`, an empty environment but HOME and the clouds.yaml, and `env`.
    pub fn command(&self, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wasm-action"));
        command
            .args(args)
            .env_clear()
            .env("HOME", self.home.path())
            .env(
                "OS_CLIENT_CONFIG_FILE",
                self.home.path().join("clouds.yaml"),
            )
            .env("WASM_ACTION_CACHE_DIR", self.home.path().join("cache"))
            .stdin(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        command
    }

    /// Runs `wasm-action` to its end (off the runtime's thread, so the doubles keep answering).
    pub async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut command = self.command(args, env);
        tokio::task::spawn_blocking(move || command.output().expect("the binary runs"))
            .await
            .expect("join")
    }
}

/// Stdout as JSON.
pub fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", text(output)))
}

/// Stdout and stderr, for messages.
pub fn text(output: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every request that reached Nova was a GET.
pub fn only_gets_reached_nova(cloud: &Cli) {
    let requests = cloud.nova.requests();
    let others: Vec<String> = requests
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(others.is_empty(), "{others:?}");
}
