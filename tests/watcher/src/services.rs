//! Real Watcher services (`services.py`): watcher-api, the decision engine and two appliers on a
//! real RabbitMQ and a real MariaDB, against a [`RealCloud`], driven through Watcher's REST API.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::cloud::RealCloud;
use crate::venv;

/// The bus and the database, from the environment, with the machine's defaults.
#[derive(Debug, Clone)]
pub struct Backends {
    /// `WATCHER_TRANSPORT_URL` (default `rabbit://guest:guest@127.0.0.1:5672/`).
    pub transport_url: String,
    /// `WATCHER_DB_URL` (default `mysql+pymysql://root@127.0.0.1:3306`).
    pub db_url: String,
}

impl Backends {
    /// The backends to use, or why they cannot be: unreachable ones fail the test under `CI`
    /// and skip it (loudly, saying how to provide them) elsewhere; `None` means skip.
    pub fn from_env() -> Option<Backends> {
        let backends = Backends {
            transport_url: std::env::var("WATCHER_TRANSPORT_URL")
                .unwrap_or_else(|_| "rabbit://guest:guest@127.0.0.1:5672/".into()),
            db_url: std::env::var("WATCHER_DB_URL")
                .unwrap_or_else(|_| "mysql+pymysql://root@127.0.0.1:3306".into()),
        };
        let unreachable: Vec<String> = [
            ("RabbitMQ", &backends.transport_url, 5672),
            ("MariaDB", &backends.db_url, 3306),
        ]
        .into_iter()
        .filter(|(_, url, port)| !reachable(url, *port))
        .map(|(name, url, _)| format!("{name} at {url}"))
        .collect();
        if unreachable.is_empty() {
            return Some(backends);
        }
        let why = format!(
            "the Watcher services suite needs {}; start them, or point WATCHER_TRANSPORT_URL \
             (rabbit://user:pass@host:5672/) and WATCHER_DB_URL (mysql+pymysql://user:pass@host:3306) \
             at ones that run",
            unreachable.join(" and ")
        );
        if std::env::var_os("CI").is_some() {
            panic!("{why}");
        }
        eprintln!("SKIPPED: {why}");
        None
    }
}

/// True when something listens at the host and port of `url`.
fn reachable(url: &str, default_port: u16) -> bool {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let address = if host_port.contains(':') {
        host_port.to_string()
    } else {
        format!("{host_port}:{default_port}")
    };
    address
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .is_some_and(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok())
}

/// A running deployment; stopped (every process by its pid, database dropped, vhost deleted)
/// when dropped.
#[derive(Debug)]
pub struct Services {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    /// What `services.py` said when ready: `api`, `appliers`, `logs`, `started` (seconds).
    pub ready: Value,
    /// Where the processes log.
    pub dir: PathBuf,
}

impl Services {
    /// Deploys Watcher against `cloud` with `[watcher_applier] workflow_engine = engine`.
    pub fn start(cloud: &RealCloud, backends: &Backends, engine: &str) -> Services {
        let python = venv::python().unwrap_or_else(|why| panic!("{why}"));
        let run = uuid_like();
        let dir = venv::crate_dir()
            .join("../../target/watcher-services")
            .join(&run);
        let spec = json!({
            "cloud": cloud.credentials(),
            "workflow_engine": engine,
            "appliers": 2,
            "dir": dir,
        });
        let mut child = Command::new(python)
            .arg(venv::crate_dir().join("services.py"))
            .arg(spec.to_string())
            .env("WATCHER_TRANSPORT_URL", &backends.transport_url)
            .env("WATCHER_DB_URL", &backends.db_url)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start services.py: {e}"));
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut services = Services {
            child,
            stdin,
            stdout,
            ready: Value::Null,
            dir,
        };
        let ready = services.read();
        if let Some(error) = ready.get("error") {
            panic!("the Watcher services did not start: {error}");
        }
        services.ready = ready;
        services
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("services.py answers");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("services.py said {line:?}: {e}"))
    }

    /// Sends one command and returns its answer; an `error` answer fails the test with the logs.
    pub fn ask(&mut self, command: Value) -> Value {
        let stdin = self.stdin.as_mut().expect("services.py's stdin is open");
        writeln!(stdin, "{command}").expect("services.py reads commands");
        stdin.flush().expect("flush");
        let answer = self.read();
        if let Some(error) = answer.get("error") {
            panic!(
                "{command}: {error}\n--- applier-a ---\n{}\n--- decision-engine ---\n{}",
                self.log_tail("applier-a"),
                self.log_tail("decision-engine")
            );
        }
        answer
    }

    /// Runs a ONESHOT audit to its end: `{"audit", "plans": [{"uuid", "state", "actions"}]}`.
    pub fn audit(&mut self, goal: &str, strategy: &str, parameters: Value) -> Value {
        self.ask(
            json!({"op": "audit", "goal": goal, "strategy": strategy, "parameters": parameters}),
        )
    }

    /// Starts a plan (`POST /v1/action_plans/UUID/start`).
    pub fn start_plan(&mut self, plan: &str) {
        self.ask(json!({"op": "start", "plan": plan}));
    }

    /// Waits until every plan has ended; each plan's final view, in the order asked.
    pub fn wait(&mut self, plans: &[&str]) -> Vec<Value> {
        let answer = self.ask(json!({"op": "wait", "plans": plans, "timeout": 600}));
        answer["plans"].as_array().cloned().unwrap_or_default()
    }

    /// A `host_maintenance` audit of `node`, then its plan run to the end: the plan as the
    /// audit made it, and as it ended (with `seconds` from start to end).
    pub fn maintain(&mut self, node: &str) -> (Value, Value) {
        let audit = self.audit(
            "cluster_maintaining",
            "host_maintenance",
            json!({"maintenance_node": node}),
        );
        assert_eq!(audit["audit"]["state"], "SUCCEEDED", "{audit}");
        let plan = audit["plans"][0].clone();
        let uuid = plan["uuid"]
            .as_str()
            .expect("the audit made a plan")
            .to_string();
        self.start_plan(&uuid);
        let ended = self.wait(&[&uuid]).remove(0);
        (plan, ended)
    }

    /// How long each applier took from its start to consuming from the bus, in seconds.
    pub fn applier_start_seconds(&self) -> Vec<f64> {
        let started = &self.ready["started"];
        ["applier-a", "applier-b"]
            .iter()
            .filter_map(|name| started[*name].as_f64())
            .collect()
    }

    /// One process's whole log (`api`, `decision-engine`, `applier-a`, `applier-b`).
    pub fn log(&self, name: &str) -> String {
        let path = self.dir.join(format!("{name}.log"));
        std::fs::read_to_string(&path).unwrap_or_default()
    }

    /// The last lines of a process's log that are not configuration dumps.
    pub fn log_tail(&self, name: &str) -> String {
        let log = self.log(name);
        let lines: Vec<&str> = log
            .lines()
            .filter(|l| !l.contains("log_opt_values"))
            .collect();
        lines[lines.len().saturating_sub(80)..].join("\n")
    }
}

impl Drop for Services {
    fn drop(&mut self) {
        // A failing test shows what the services said.
        if std::thread::panicking() {
            for name in ["api", "decision-engine", "applier-a", "applier-b"] {
                eprintln!(
                    "--- {name} ({}) ---\n{}",
                    self.dir.join(format!("{name}.log")).display(),
                    self.log_tail(name)
                );
            }
        }
        // Closing stdin makes services.py stop what it started (by pid) and clean up.
        drop(self.stdin.take());
        for _ in 0..300 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A short unique name for this run's directory.
fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{:x}-{}", nanos, std::process::id())
}
