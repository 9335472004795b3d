//! The one JSON rendering of what a call answers — phase outputs, action errors, host errors —
//! and of plugin events, shared by every surface (the CLI's `--output json`, `serve`, the
//! Python binding), so that a field means the same thing wherever a machine reads it.
//!
//! - a phase's output: `{"status": "succeeded" | "proceed" | "skipped", ...}` with `summary` and
//!   `details` (an outcome), `reason` (a skip), `schema` or `description`;
//! - an action error: `{"kind", "message", ...}`: `kind` is the contract's variant name,
//!   `message` a sentence for a person, and the variant's typed fields beside them (`fields`,
//!   `problem` and `api`, `failure`, `detail`);
//! - a host error: `{"kind", "message", "plugin"?, "phase"?, "limit"?, "problem"?}`, where
//!   `message` is the error with its sources;
//! - an event: `{"event": "log" | "progress" | "denied", "plugin", ...}`.

use crate::bindings::{ActionError, ApiFault, MigrationFailure, Problem, Readiness};
use crate::error::{Explain, HostError, LoadProblem, chain, kind};
use crate::events::PluginEvent;
use crate::phase::{Phase, PhaseOutput, PhaseResult};
use crate::registry::VersionInfo;
use crate::sandbox::limits::Limit;
use serde_json::{Value, json};

/// A phase's answer, named by its phase: the output, or `{"status": "failed", "error": ...}`.
pub fn phase_result(phase: Phase, result: &PhaseResult) -> Value {
    let mut value = match result {
        Ok(out) => output(out),
        Err(error) => json!({"status": "failed", "error": action_error(error)}),
    };
    value["phase"] = json!(phase.as_str());
    value
}

/// A phase's successful output.
pub fn output(output: &PhaseOutput) -> Value {
    match output {
        PhaseOutput::Readiness(Readiness::Proceed) => json!({"status": "proceed"}),
        PhaseOutput::Readiness(Readiness::Skip(reason)) => {
            json!({"status": "skipped", "reason": reason})
        }
        PhaseOutput::Outcome(outcome) => json!({
            "status": "succeeded",
            "summary": outcome.summary,
            "details": embedded_json(&outcome.details),
        }),
        PhaseOutput::Schema(schema) => {
            json!({"status": "succeeded", "schema": embedded_json(schema)})
        }
        PhaseOutput::Description(text) => json!({"status": "succeeded", "description": text}),
        PhaseOutput::Done => json!({"status": "succeeded"}),
    }
}

/// JSON a plugin returned as text, as a value; text that is not JSON stays a string.
fn embedded_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))
}

/// The action's own typed failure, one `kind` per variant of `action-error`.
pub fn action_error(error: &ActionError) -> Value {
    let mut value = match error {
        ActionError::InvalidInput(fields) => json!({
            "fields": fields.iter().map(|f| json!({"path": f.path, "message": f.message}))
                .collect::<Vec<_>>(),
        }),
        ActionError::NotFound(p)
        | ActionError::Conflict(p)
        | ActionError::Denied(p)
        | ActionError::Unsupported(p) => problem(p),
        ActionError::Api(fault) => json!({"api": api_fault(fault)}),
        ActionError::MigrationFailed(failure) => json!({"failure": migration_failure(failure)}),
        ActionError::TimedOut(detail) | ActionError::Transport(detail) => {
            json!({"detail": detail})
        }
        ActionError::Cancelled => json!({}),
    };
    value["kind"] = json!(kind(error));
    value["message"] = json!(Explain(error).to_string());
    value
}

fn api_fault(fault: &ApiFault) -> Value {
    json!({"status": fault.status, "message": fault.message, "request_id": fault.request_id})
}

fn problem(problem: &Problem) -> Value {
    json!({"problem": problem.message, "api": problem.api.as_ref().map(api_fault)})
}

fn migration_failure(failure: &MigrationFailure) -> Value {
    json!({
        "message": failure.message,
        "server_status": failure.server_status,
        "migration_status": failure.migration_status,
        "migration_uuid": failure.migration_uuid,
        "host": failure.host,
        "fault": failure.fault,
        "request_id": failure.request_id,
    })
}

/// Why the host got no answer.
pub fn host_error(error: &HostError) -> Value {
    let mut value = match error {
        HostError::Engine(_) => json!({"kind": "engine"}),
        HostError::Cache { dir, .. } => json!({"kind": "cache", "dir": dir}),
        HostError::Load {
            plugin, problem, ..
        } => json!({"kind": "load", "plugin": plugin, "problem": load_problem(*problem)}),
        HostError::Untrusted { plugin, .. } => json!({"kind": "untrusted", "plugin": plugin}),
        HostError::Context(_) => json!({"kind": "context"}),
        HostError::Instantiate { plugin, phase, .. } => {
            json!({"kind": "instantiate", "plugin": plugin, "phase": phase.as_str()})
        }
        HostError::Trap { plugin, phase, .. } => {
            json!({"kind": "trap", "plugin": plugin, "phase": phase.as_str()})
        }
        HostError::LimitExceeded {
            plugin,
            phase,
            limit,
        } => json!({
            "kind": "limit-exceeded",
            "plugin": plugin,
            "phase": phase.as_str(),
            "limit": limit_name(limit),
        }),
        HostError::Busy { plugin, .. } => json!({"kind": "busy", "plugin": plugin}),
        HostError::ShuttingDown => json!({"kind": "shutting-down"}),
        HostError::UnknownPlugin(plugin) => json!({"kind": "unknown-plugin", "plugin": plugin}),
    };
    value["message"] = json!(chain(error));
    value
}

fn load_problem(problem: LoadProblem) -> &'static str {
    match problem {
        LoadProblem::NotAComponent => "not-a-component",
        LoadProblem::Imports => "imports",
        LoadProblem::Contract => "contract",
        LoadProblem::Start => "start",
        LoadProblem::Capabilities => "capabilities",
        LoadProblem::Grants => "grants",
        LoadProblem::CompilerCrashed => "compiler-crashed",
    }
}

fn limit_name(limit: &Limit) -> &'static str {
    match limit {
        Limit::Memory(_) => "memory",
        Limit::Cpu(_) => "cpu",
        Limit::WallClock(_) => "wall-clock",
        Limit::ResponseBody(_) => "response-body",
    }
}

/// One installed version: its label, digest and calls in flight, the contract it was built for,
/// the requests it declares, those the operator's grants leave it, how many were refused, and
/// why it was trusted.
pub fn version(v: &VersionInfo) -> Value {
    json!({
        "label": v.label,
        "number": v.number,
        "digest": v.digest,
        "in_flight": v.in_flight,
        "contract": v.contract,
        "declared": v.declared,
        "granted": v.granted,
        "denied_requests": v.denied,
        "trust": v.trust,
    })
}

/// A plugin's log line, progress or a refused request.
pub fn event(event: &PluginEvent) -> Value {
    match event {
        PluginEvent::Log {
            plugin,
            level,
            message,
        } => json!({"event": "log", "plugin": plugin, "level": level, "message": message}),
        PluginEvent::Progress {
            plugin,
            phase,
            percent,
            message,
        } => json!({
            "event": "progress", "plugin": plugin, "phase": phase, "percent": percent,
            "message": message,
        }),
        PluginEvent::Denied {
            plugin,
            target,
            reason,
        } => json!({"event": "denied", "plugin": plugin, "target": target, "reason": reason}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::{FieldError, Outcome};

    #[test]
    fn an_outcome_carries_its_details_as_json() {
        let outcome = Outcome {
            summary: "moved".into(),
            details: r#"{"host": "compute2"}"#.into(),
        };
        let value = phase_result(Phase::Execute, &Ok(PhaseOutput::Outcome(outcome)));
        assert_eq!(value["phase"], "execute");
        assert_eq!(value["status"], "succeeded");
        assert_eq!(value["details"]["host"], "compute2");
    }

    #[test]
    fn a_skip_gives_its_reason() {
        let skip = PhaseOutput::Readiness(Readiness::Skip("already there".into()));
        let value = phase_result(Phase::PreCondition, &Ok(skip));
        assert_eq!(
            value,
            json!({"phase": "pre-condition", "status": "skipped", "reason": "already there"})
        );
    }

    #[test]
    fn an_action_error_has_its_kind_a_sentence_and_typed_fields() {
        let error = ActionError::MigrationFailed(MigrationFailure {
            message: "Nova gave up".into(),
            server_status: "ACTIVE".into(),
            migration_status: Some("error".into()),
            migration_uuid: Some("m-1".into()),
            host: Some("compute1".into()),
            fault: None,
            request_id: Some("req-1".into()),
        });
        let value = action_error(&error);
        assert_eq!(value["kind"], "migration-failed");
        assert_eq!(value["failure"]["migration_status"], "error");
        let message = value["message"].as_str().expect("a sentence");
        assert!(
            message.contains("Nova gave up") && message.contains("compute1"),
            "{message}"
        );
    }

    #[test]
    fn no_field_of_an_action_error_is_a_debug_string() {
        let error = ActionError::InvalidInput(vec![FieldError {
            path: "resource_id".into(),
            message: "is required".into(),
        }]);
        let value = action_error(&error);
        assert_eq!(value["fields"][0]["path"], "resource_id");
        assert!(!value.to_string().contains("FieldError"), "{value}");
    }

    #[test]
    fn an_untrusted_plugin_is_its_own_kind_and_says_why() {
        let error = HostError::Untrusted {
            plugin: "migrate".into(),
            reason: crate::trust::TrustError::NotTrusted {
                digest: "ab".repeat(32),
            },
        };
        let value = host_error(&error);
        assert_eq!(value["kind"], "untrusted");
        assert_eq!(value["plugin"], "migrate");
        let message = value["message"].as_str().expect("a sentence");
        assert!(
            message.contains("not trusted") && message.contains("neither pinned nor signed"),
            "{message}"
        );
    }

    #[test]
    fn a_host_error_names_its_kind_and_carries_its_sources() {
        let error = HostError::LimitExceeded {
            plugin: "spin".into(),
            phase: Phase::Execute,
            limit: Limit::Cpu(5),
        };
        let value = host_error(&error);
        assert_eq!(value["kind"], "limit-exceeded");
        assert_eq!(value["limit"], "cpu");
        assert_eq!(value["phase"], "execute");
        let context = HostError::Context(
            crate::sandbox::allowlist::Origin::parse("ftp://x/").expect_err("not http"),
        );
        let message = host_error(&context)["message"].to_string();
        assert!(
            message.contains("unusable") && message.contains("ftp"),
            "{message}"
        );
    }
}
