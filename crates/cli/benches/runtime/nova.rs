//! The Nova stand-in in a child process, and a plain HTTP client for admin requests to it.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The admin token of the stand-in.
pub const ADMIN: &str = "admin:admin";

/// A running stand-in; killed (by its pid, which we started) when dropped.
pub struct StandIn {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    /// The compute endpoint.
    pub endpoint: String,
    /// The servers it booted, spread over compute1..3 (server i is on compute(i % 3 + 1)).
    pub servers: Vec<String>,
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl StandIn {
    /// Starts `wasm-action nova-stand-in` with `servers` ACTIVE servers and `timings`.
    pub fn start(servers: usize, timings: &str) -> StandIn {
        StandIn::start_with(servers, timings, &[])
    }

    /// As [`StandIn::start`], with more of the stand-in's options (e.g. `--max-rate`).
    pub fn start_with(servers: usize, timings: &str, more: &[&str]) -> StandIn {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasm-action"))
            .args([
                "nova-stand-in",
                "--timings",
                timings,
                "--servers",
                &servers.to_string(),
            ])
            .args(more)
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the Nova stand-in");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the ready line");
        let ready: Value = serde_json::from_str(&line).expect("the ready line is JSON");
        let endpoint = ready["endpoint"].as_str().expect("endpoint").to_string();
        let servers = ready["servers"]
            .as_array()
            .expect("servers")
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect();
        StandIn {
            child,
            stdout,
            endpoint,
            servers,
        }
    }

    /// Stops it with SIGTERM and returns its last line: `{"requests", "rate_limited",
    /// "busiest_second"}`.
    pub fn stop(mut self) -> Value {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "SIGTERM to the stand-in");
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("the last line");
        serde_json::from_str(&line).expect("the last line is JSON")
    }

    /// The host a booted server starts on.
    pub fn host_of(index: usize) -> &'static str {
        ["compute1", "compute2", "compute3"][index % 3]
    }
}

/// One admin request over a fresh connection (as the plugin's requests are made).
pub async fn request(method: &str, url: &str, body: Option<Value>) -> (u16, Vec<u8>) {
    let body = body.map(|b| b.to_string());
    nova_double::client::admin_request(method, url, body.as_deref())
        .await
        .expect("the stand-in answers")
}

/// Disables the nova-compute service of `host`, as an operator would.
pub async fn disable_service(endpoint: &str, host: &str) {
    let (_, body) = request(
        "GET",
        &format!("{endpoint}/os-services?binary=nova-compute&host={host}"),
        None,
    )
    .await;
    let services: Value = serde_json::from_slice(&body).expect("services JSON");
    let id = services["services"][0]["id"]
        .as_str()
        .expect("a service id")
        .to_string();
    let change = serde_json::json!({"status": "disabled", "disabled_reason": "benchmark"});
    let (status, _) = request("PUT", &format!("{endpoint}/os-services/{id}"), Some(change)).await;
    assert_eq!(status, 200, "disabling {host}");
}
