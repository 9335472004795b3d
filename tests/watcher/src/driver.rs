//! `driver.py` with the venv's Python: a [`Scenario`] in, one [`PhaseResult`] per phase out.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cloud::DoubleCloud;
use crate::venv;

/// How long one driver run may take before it is killed (Watcher's own cold migration polls
/// every 5 s by default; none of ours should come near this).
const RUN_TIMEOUT: Duration = Duration::from_secs(240);

/// What the driver runs: Watcher's configuration, the actions it loads, and the steps.
#[derive(Debug, Clone)]
pub struct Scenario {
    json: Value,
}

impl Scenario {
    /// A scenario against `cloud`'s Keystone, with no actions or steps yet.
    pub fn new(cloud: &DoubleCloud) -> Scenario {
        Scenario::with_credentials(cloud.credentials())
    }

    /// A scenario against any Keystone, given Watcher's `[watcher_clients_auth]` (see
    /// [`DoubleCloud::credentials`], [`crate::RealCloud::credentials`]), with no actions or steps yet.
    pub fn with_credentials(credentials: Value) -> Scenario {
        let json = json!({ "cloud": credentials, "conf": {}, "actions": [], "steps": [] });
        Scenario { json }
    }

    /// Sets one Watcher option, e.g. `("nova", "migration_interval", "0.2")`.
    pub fn option(mut self, section: &str, key: &str, value: &str) -> Scenario {
        self.json["conf"][section][key] = json!(value);
        self
    }

    /// Adds an action, loaded by the name it has in `watcher_actions` (e.g. `migrate`).
    pub fn action(mut self, name: &str, input_parameters: Value) -> Scenario {
        let action = json!({ "name": name, "input_parameters": input_parameters });
        push(&mut self.json["actions"], action);
        self
    }

    /// Adds `phase` of action 0 (`pre_condition`, `execute`, `post_condition`, `revert`,
    /// `abort`).
    pub fn phase(self, phase: &str) -> Scenario {
        self.step(json!({ "phase": phase }))
    }

    /// Adds phases of action 0, one after another.
    pub fn phases(self, phases: &[&str]) -> Scenario {
        phases.iter().fold(self, |scenario, p| scenario.phase(p))
    }

    /// Adds `execute` of action 0, aborted from a second thread when [`Running::abort`] says so.
    pub fn execute_aborted_on_signal(self) -> Scenario {
        self.step(json!({ "phase": "execute", "abort": "stdin" }))
    }

    /// Adds one thread per action, all at once, each running `phases`.
    pub fn parallel(self, phases: &[&str]) -> Scenario {
        self.step(json!({ "parallel": phases }))
    }

    /// Adds a raw step (see driver.py).
    pub fn step(mut self, step: Value) -> Scenario {
        push(&mut self.json["steps"], step);
        self
    }

    /// Runs the scenario to its end.
    pub fn run(self) -> Run {
        self.spawn().wait()
    }

    /// Starts the driver and returns at once.
    pub fn spawn(self) -> Running {
        let python = venv::python().unwrap_or_else(|e| panic!("{e}"));
        let mut child = Command::new(&python)
            .arg(venv::crate_dir().join("driver.py"))
            .arg(self.json.to_string())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdin = child.stdin.take();
        let lines = read_lines(&mut child);
        let stderr = read_all(child.stderr.take());
        Running {
            child,
            stdin,
            lines,
            stderr,
            started: Instant::now(),
        }
    }
}

fn push(list: &mut Value, item: Value) {
    if let Some(items) = list.as_array_mut() {
        items.push(item);
    }
}

/// A driver process still running.
#[derive(Debug)]
pub struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
    started: Instant,
}

impl Running {
    /// Tells the driver to call `abort` from its second thread (see
    /// [`Scenario::execute_aborted_on_signal`]).
    pub fn abort(&mut self) {
        if let Some(stdin) = self.stdin.as_mut() {
            let _ = stdin.write_all(b"abort\n");
            let _ = stdin.flush();
        }
    }

    /// Waits for the driver to finish (killing it after four minutes) and collects its results.
    pub fn wait(mut self) -> Run {
        drop(self.stdin.take()); // a driver waiting for a signal that never came ends now
        let mut phases = Vec::new();
        let deadline = self.started + RUN_TIMEOUT;
        let mut timed_out = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => phases.push(parse(&line)),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    timed_out = true;
                    let _ = self.child.kill(); // exactly the process we started
                    break;
                }
            }
        }
        let status = self.child.wait().map(|s| s.to_string()).unwrap_or_default();
        let stderr = self.stderr.recv().unwrap_or_default();
        let run = Run {
            phases,
            stderr,
            wall: self.started.elapsed(),
        };
        assert!(
            !timed_out,
            "the driver ran over {RUN_TIMEOUT:?}\n{}",
            run.log_tail()
        );
        assert!(
            status == "exit status: 0",
            "the driver failed ({status})\n{}",
            run.log_tail()
        );
        run
    }
}

fn read_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    if let Some(stdout) = child.stdout.take() {
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
    }
    receive
}

fn read_all(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        // Always drained: a full pipe would block Watcher's logging and hang the driver.
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            let _ = send.send(text);
        });
    }
    receive
}

fn parse(line: &str) -> PhaseResult {
    let value: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("the driver printed a line that is not JSON ({e}): {line}"));
    let error = value["error"].as_object().map(|e| Error {
        class: text(e.get("class")),
        module: text(e.get("module")),
        message: text(e.get("message")),
    });
    PhaseResult {
        step: value["step"].as_u64().unwrap_or_default() as usize,
        action: value["action"].as_u64().unwrap_or_default() as usize,
        phase: text(value.get("phase")),
        result: value["result"].clone(),
        error,
        start: Duration::from_secs_f64(value["start"].as_f64().unwrap_or_default()),
        seconds: Duration::from_secs_f64(value["seconds"].as_f64().unwrap_or_default()),
    }
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// An exception a phase raised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The class name, e.g. `ActionSkipped`.
    pub class: String,
    /// Its module, e.g. `watcher.common.exception`.
    pub module: String,
    /// `str(exception)`.
    pub message: String,
}

/// What one phase of one action did.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseResult {
    /// Index of the scenario step that ran it.
    pub step: usize,
    /// Index of the action.
    pub action: usize,
    /// `pre_condition`, `execute`, `post_condition`, `revert` or `abort`.
    pub phase: String,
    /// The return value (JSON; `null` for `None` or when it raised).
    pub result: Value,
    /// The exception it raised, if any.
    pub error: Option<Error>,
    /// When it started, from the driver's start.
    pub start: Duration,
    /// Its wall time.
    pub seconds: Duration,
}

/// A finished driver run.
#[derive(Debug, Clone)]
pub struct Run {
    /// One result per phase run, in the order they ended.
    pub phases: Vec<PhaseResult>,
    /// Everything Watcher logged.
    pub stderr: String,
    /// The driver's wall time, Python start-up included.
    pub wall: Duration,
}

impl Run {
    /// The result of `phase` of action `action`; panics (with Watcher's log) when it did not run.
    pub fn phase_of(&self, action: usize, phase: &str) -> &PhaseResult {
        self.phases
            .iter()
            .find(|p| p.action == action && p.phase == phase)
            .unwrap_or_else(|| panic!("no {phase} of action {action} ran\n{}", self.log_tail()))
    }

    /// The result of `phase` of action 0.
    pub fn phase(&self, phase: &str) -> &PhaseResult {
        self.phase_of(0, phase)
    }

    /// Asserts that `phase` of action 0 raised nothing and returned `expected`.
    pub fn assert_returned(&self, phase: &str, expected: Value) {
        let result = self.phase(phase);
        assert!(
            result.error.is_none() && result.result == expected,
            "{phase} should return {expected}, got {result:?}\n{}",
            self.log_tail()
        );
    }

    /// Asserts that action 0 went through [`MIGRATION_PHASES`] as the applier wants: the
    /// pre-condition and post-condition returned `None`, execute `True`.
    pub fn assert_migrated(&self) {
        self.assert_returned("pre_condition", json!(null));
        self.assert_returned("execute", json!(true));
        self.assert_returned("post_condition", json!(null));
    }

    /// The exception `phase` of action 0 raised; panics when it raised none.
    pub fn raised(&self, phase: &str) -> &Error {
        let result = self.phase(phase);
        result
            .error
            .as_ref()
            .unwrap_or_else(|| panic!("{phase} should raise, got {result:?}\n{}", self.log_tail()))
    }

    /// The last 60 lines Watcher logged, and the phases, for failure messages.
    pub fn log_tail(&self) -> String {
        let lines: Vec<&str> = self.stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(60)..].join("\n");
        format!(
            "--- phases ---\n{:#?}\n--- Watcher's log (last lines) ---\n{tail}",
            self.phases
        )
    }
}

/// The phases the applier runs for one action, in its order.
pub const MIGRATION_PHASES: [&str; 3] = ["pre_condition", "execute", "post_condition"];

/// Watcher's migrate parameters, as an action plan carries them.
pub fn migrate_parameters(
    server: &str,
    migration_type: &str,
    source: &str,
    destination: &str,
) -> Value {
    json!({
        "resource_id": server,
        "migration_type": migration_type,
        "source_node": source,
        "destination_node": destination,
    })
}
