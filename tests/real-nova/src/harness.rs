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

/// A Keystone user the harness made, and the project its tokens are scoped to (domain
/// `Default` for both).
#[derive(Clone, Debug)]
pub struct Account {
    pub username: String,
    pub password: String,
    pub project: String,
    pub user_id: String,
}

/// The application credential the harness made for the admin user.
#[derive(Clone, Debug)]
pub struct AppCredential {
    pub id: String,
    pub secret: String,
    pub name: String,
}

/// A server the harness booted.
#[derive(Clone, Debug)]
pub struct BootedServer {
    pub id: String,
    pub host: String,
}

#[derive(Debug)]
struct Tokens {
    admin: String,
    demo: String,
    reader: String,
}

/// One running harness process: real nova-api, conductor, scheduler, compute1..3, placement,
/// with real Keystone (a child process of the harness) in front.
#[derive(Debug)]
pub struct RealNova {
    child: Child,
    /// The compute endpoint, `http://127.0.0.1:PORT/v2.1`.
    pub endpoint: String,
    /// The placement endpoint, `http://127.0.0.1:PORT` (the API at its root, a port of its own):
    /// the app Nova's services use in-process, behind keystonemiddleware like nova-api.
    pub placement: String,
    /// The control endpoint, `http://127.0.0.1:PORT/_harness`.
    pub control: String,
    /// Real Keystone's auth URL, `http://127.0.0.1:PORT/v3` (SQLite, fernet tokens): nova-api
    /// and Placement validate tokens against it (keystonemiddleware `auth_token`).
    pub keystone: String,
    /// The users' and projects' domain name (`Default`).
    pub domain: String,
    /// `admin` (role admin) in project `admin`; it also has admin on `demo`.
    pub admin: Account,
    /// `demo`, role `member` in project `demo` (the servers' project).
    pub demo: Account,
    /// `reader`, role `reader` in project `demo`.
    pub reader: Account,
    /// The Keystone id of project `demo`, where the harness boots its servers.
    pub demo_project_id: String,
    /// An application credential of `admin` (unrestricted roles of project `admin`).
    pub application_credential: AppCredential,
    /// Keystone's token lifetime (`[token] expiration`), from `REAL_NOVA_TOKEN_EXPIRATION`.
    pub token_expiration: Duration,
    /// Tokens issued once at start (password auth, project-scoped): see [`RealNova::admin_token`].
    tokens: Tokens,
    /// Servers booted at start, one per host round-robin (compute1, compute2, compute3).
    pub servers: Vec<BootedServer>,
    /// Wall time from spawn to the ready line.
    pub startup: Duration,
    stderr: Arc<Mutex<VecDeque<String>>>,
    _tmp: tempfile::TempDir,
}

impl RealNova {
    /// Prepares the venv (once per test binary), starts the harness and waits for it to be ready.
    /// Keystone's tokens live `REAL_NOVA_TOKEN_EXPIRATION` seconds (default 3600).
    pub fn start() -> Result<RealNova, String> {
        RealNova::start_with(None)
    }

    /// [`RealNova::start`] with Keystone's `[token] expiration` set to `token_expiration`
    /// (whole seconds), e.g. to watch tokens expire.
    pub fn start_with_token_expiration(token_expiration: Duration) -> Result<RealNova, String> {
        RealNova::start_with(Some(token_expiration))
    }

    fn start_with(token_expiration: Option<Duration>) -> Result<RealNova, String> {
        let python = venv_python()?;
        let tmp = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
        let started = Instant::now();
        let mut child = Command::new(&python)
            .arg(crate_dir().join("harness.py"))
            .args(["--servers", "3"])
            .args(token_expiration.map(|t| format!("--token-expiration={}", t.as_secs())))
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
        let account = |key: &str| {
            let field = |name: &str| ready[key][name].as_str().unwrap_or_default().to_string();
            Account {
                username: field("username"),
                password: field("password"),
                project: field("project"),
                user_id: field("user_id"),
            }
        };
        let credential = |name: &str| {
            ready["application_credential"][name]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        let keystone = text("keystone");
        let (admin, demo, reader) = (account("admin"), account("demo"), account("reader"));
        let issue = |account: &Account| {
            crate::keystone::issue_token(&keystone, &crate::keystone::password_auth(account))
                .map(|t| t.id)
                .map_err(|e| format!("{e}\n--- harness stderr ---\n{}", tail(&stderr)))
        };
        let tokens = Tokens {
            admin: issue(&admin)?,
            demo: issue(&demo)?,
            reader: issue(&reader)?,
        };
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
            domain: text("domain"),
            demo_project_id: text("demo_project_id"),
            application_credential: AppCredential {
                id: credential("id"),
                secret: credential("secret"),
                name: credential("name"),
            },
            token_expiration: Duration::from_secs(ready["token_expiration"].as_u64().unwrap_or(0)),
            keystone,
            admin,
            demo,
            reader,
            tokens,
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

    /// A token of `admin` in project `admin` (role admin), issued at start.
    pub fn admin_token(&self) -> &str {
        &self.tokens.admin
    }

    /// A token of `demo` in project `demo` (role member: the servers' owner), issued at start.
    pub fn demo_token(&self) -> &str {
        &self.tokens.demo
    }

    /// A token of `reader` in project `demo` (role reader), issued at start.
    pub fn reader_token(&self) -> &str {
        &self.tokens.reader
    }

    /// A fresh token of `account` (password auth, scoped to its project): what Keystone
    /// answered, with the token's id and body.
    pub fn issue_token(&self, account: &Account) -> Result<crate::keystone::Token, String> {
        crate::keystone::issue_token(&self.keystone, &crate::keystone::password_auth(account))
    }

    /// A fresh token from the admin's application credential.
    pub fn issue_app_credential_token(&self) -> Result<crate::keystone::Token, String> {
        let credential = &self.application_credential;
        crate::keystone::issue_token(
            &self.keystone,
            &crate::keystone::app_credential_auth(&credential.id, &credential.secret),
        )
    }

    /// The harness's last stderr lines (for failure messages).
    pub fn stderr_tail(&self) -> String {
        tail(&self.stderr)
    }
}

impl Drop for RealNova {
    fn drop(&mut self) {
        // Closing its stdin asks the harness to end: it kills its Keystone child (by pid) and
        // removes Keystone's files. Then kill exactly the process we started (by its own
        // handle/pid), should it still run, and reap it. Keystone also dies with its parent.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(20));
        }
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
