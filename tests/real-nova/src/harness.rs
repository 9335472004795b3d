//! Starts `harness.py` (real Nova 34 on 127.0.0.1) and stops it when the test ends.

use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long the harness may take to print its ready line.
const READY_TIMEOUT: Duration = Duration::from_secs(120);
/// How many of the harness's last stderr lines a failure shows.
const STDERR_TAIL: usize = 60;

/// True (after a loud line) when `REAL_NOVA=0` disables the suite; the only way to skip it.
pub fn disabled() -> bool {
    let off = std::env::var("REAL_NOVA").is_ok_and(|v| v == "0");
    if off {
        eprintln!("REAL NOVA SUITE DISABLED by REAL_NOVA=0");
    }
    off
}

/// A server the harness booted.
#[derive(Clone, Debug)]
pub struct BootedServer {
    pub id: String,
    pub host: String,
}

/// One running harness process: real nova-api, conductor, scheduler, compute1..3, placement.
#[derive(Debug)]
pub struct RealNova {
    child: Child,
    /// The compute endpoint, `http://127.0.0.1:PORT/v2.1`.
    pub endpoint: String,
    /// The placement endpoint, `http://127.0.0.1:PORT` (the API at its root, a port of its own):
    /// the app Nova's services use in-process, with the same auth stand-in as nova-api.
    pub placement: String,
    /// The control endpoint, `http://127.0.0.1:PORT/_harness`.
    pub control: String,
    /// Servers booted at start, one per host round-robin (compute1, compute2, compute3).
    pub servers: Vec<BootedServer>,
    /// Wall time from spawn to the ready line.
    pub startup: Duration,
    stderr: Arc<Mutex<VecDeque<String>>>,
    _tmp: tempfile::TempDir,
}

impl RealNova {
    /// Prepares the venv (once per test binary), starts the harness and waits for it to be ready.
    pub fn start() -> Result<RealNova, String> {
        let python = venv_python()?;
        let tmp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let started = Instant::now();
        let mut child = Command::new(&python)
            .arg(crate_dir().join("harness.py"))
            .args(["--servers", "3"])
            // Nova's fixtures make temp dirs; keep them in ours, removed on drop.
            .env("TMPDIR", tmp.path())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped()) // closed when we drop it: the harness then exits by itself
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", python.display()))?;
        let stderr = drain_stderr(&mut child);
        let ready = match wait_for_ready_line(&mut child) {
            Ok(ready) => ready,
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                std::thread::sleep(Duration::from_millis(200)); // let the drain thread finish
                return Err(format!(
                    "real Nova harness did not start: {why}\n--- harness stderr (last lines) ---\n{}",
                    tail(&stderr)
                ));
            }
        };
        let text = |key: &str| ready[key].as_str().unwrap_or_default().to_string();
        let servers = ready["servers"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|s| BootedServer {
                        id: s["id"].as_str().unwrap_or_default().into(),
                        host: s["host"].as_str().unwrap_or_default().into(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(RealNova {
            endpoint: text("endpoint"),
            placement: text("placement"),
            control: text("control"),
            servers,
            startup: started.elapsed(),
            child,
            stderr,
            _tmp: tmp,
        })
    }

    /// The booted server on `host`.
    pub fn server_on(&self, host: &str) -> String {
        self.servers
            .iter()
            .find(|s| s.host == host)
            .map(|s| s.id.clone())
            .unwrap_or_else(|| panic!("the harness booted no server on {host}: {:?}", self.servers))
    }

    /// The harness's last stderr lines (for failure messages).
    pub fn stderr_tail(&self) -> String {
        tail(&self.stderr)
    }
}

impl Drop for RealNova {
    fn drop(&mut self) {
        // Kill exactly the process we started (by its own handle/pid), then reap it.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's python (see [`crate::venv::REAL_NOVA`]), prepared once per test binary.
fn venv_python() -> Result<PathBuf, String> {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(|| crate::venv::REAL_NOVA.python())
        .clone()
}

fn drain_stderr(child: &mut Child) -> Arc<Mutex<VecDeque<String>>> {
    let lines = Arc::new(Mutex::new(VecDeque::new()));
    if let Some(stderr) = child.stderr.take() {
        let sink = Arc::clone(&lines);
        // Always drained: a full pipe would block Nova's logging and hang the harness.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut lines) = sink.lock() {
                    if lines.len() == STDERR_TAIL {
                        lines.pop_front();
                    }
                    lines.push_back(line);
                }
            }
        });
    }
    lines
}

fn wait_for_ready_line(child: &mut Child) -> Result<Value, String> {
    let stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = BufReader::new(stdout).read_line(&mut line);
        let _ = send.send(read.map(|_| line));
    });
    match receive.recv_timeout(READY_TIMEOUT) {
        Ok(Ok(line)) if line.trim().is_empty() => Err("it exited before its ready line".into()),
        Ok(Ok(line)) => serde_json::from_str(&line)
            .map_err(|e| format!("its ready line is not JSON ({e}): {line}")),
        Ok(Err(e)) => Err(format!("reading its stdout: {e}")),
        Err(_) => Err(format!(
            "no ready line within {} s",
            READY_TIMEOUT.as_secs()
        )),
    }
}

fn tail(lines: &Mutex<VecDeque<String>>) -> String {
    lines
        .lock()
        .map(|l| l.iter().cloned().collect::<Vec<_>>().join("\n"))
        .unwrap_or_default()
}
