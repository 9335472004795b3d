//! What the CLI prints: live progress for humans, and results as text or JSON.

use clap::ValueEnum;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Instant;
use wasm_action_host::{
    Explain, Observer, Phase, PhaseOutput, PhaseResult, PluginEvent, Readiness,
};

/// How results are printed on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Readable lines.
    Text,
    /// One JSON document.
    Json,
}

/// Prints progress and plugin logs to stderr as they happen, with the time since `start`.
/// Stays quiet when stderr is not a terminal and `always` is false (logs still go to tracing).
pub fn progress_printer(start: Instant, always: bool) -> Observer {
    if !always && !std::io::stderr().is_terminal() {
        return wasm_action_host::ignore();
    }
    Arc::new(move |event: &PluginEvent| {
        let at = start.elapsed().as_secs_f64();
        let line = match event {
            PluginEvent::Progress {
                phase,
                percent: Some(p),
                message,
                ..
            } => format!("{at:7.2}s  {phase:<14} {p:>3}%  {message}"),
            PluginEvent::Progress {
                phase,
                percent: None,
                message,
                ..
            } => format!("{at:7.2}s  {phase:<14}       {message}"),
            PluginEvent::Log { level, message, .. } => {
                format!("{at:7.2}s  {level:<14}       {message}")
            }
            PluginEvent::Denied { target, reason, .. } => {
                format!("{at:7.2}s  DENIED               {target}: {reason}")
            }
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    })
}

/// The result of a phase as one JSON document (the library's rendering, shared with `serve`
/// and the Python binding).
pub fn result_json(phase: Phase, result: &PhaseResult) -> Value {
    wasm_action_host::json::phase_result(phase, result)
}

/// The result of a phase as readable text.
pub fn result_text(phase: &str, result: &PhaseResult) -> String {
    match result {
        Ok(PhaseOutput::Readiness(Readiness::Skip(reason))) => format!("{phase}: skip — {reason}"),
        Ok(PhaseOutput::Readiness(Readiness::Proceed)) => format!("{phase}: proceed"),
        Ok(PhaseOutput::Outcome(outcome)) => {
            let details: Value = serde_json::from_str(&outcome.details).unwrap_or(Value::Null);
            let pretty = serde_json::to_string_pretty(&details).unwrap_or_default();
            format!("{phase}: {}\n{pretty}", outcome.summary)
        }
        Ok(PhaseOutput::Schema(schema)) => {
            let value: Value = serde_json::from_str(schema).unwrap_or(Value::Null);
            serde_json::to_string_pretty(&value).unwrap_or_else(|_| schema.clone())
        }
        Ok(PhaseOutput::Description(text)) => text.clone(),
        Ok(PhaseOutput::Done) => format!("{phase}: ok"),
        Err(error) => format!("{phase} failed: {}", Explain(error)),
    }
}
