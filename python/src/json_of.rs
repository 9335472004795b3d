//! The JSON shapes that cross into Python (read by `python/wasm_action/_answers.py`).

use serde_json::{Value, json};
use wasm_action_host::bindings::{ActionError, ApiFault, MigrationFailure, Problem};
use wasm_action_host::{HostError, Limit, PhaseOutput, PluginEvent, Readiness};

/// A phase's successful output.
pub(crate) fn output(output: &PhaseOutput) -> Value {
    match output {
        PhaseOutput::Schema(schema) => json!({"schema": schema}),
        PhaseOutput::Description(text) => json!({"description": text}),
        PhaseOutput::Readiness(Readiness::Proceed) => json!({"proceed": true}),
        PhaseOutput::Readiness(Readiness::Skip(reason)) => {
            json!({"proceed": false, "reason": reason})
        }
        PhaseOutput::Outcome(outcome) => {
            json!({"summary": outcome.summary, "details": outcome.details})
        }
        PhaseOutput::Done => json!({}),
    }
}

fn api_fault(fault: &ApiFault) -> Value {
    json!({"status": fault.status, "message": fault.message, "request_id": fault.request_id})
}

fn problem(kind: &str, problem: &Problem) -> Value {
    json!({
        "kind": kind,
        "message": problem.message,
        "api": problem.api.as_ref().map(api_fault),
    })
}

fn migration_failure(failure: &MigrationFailure) -> Value {
    json!({
        "kind": "migration-failed",
        "message": failure.message,
        "server_status": failure.server_status,
        "migration_status": failure.migration_status,
        "migration_uuid": failure.migration_uuid,
        "host": failure.host,
        "fault": failure.fault,
        "request_id": failure.request_id,
    })
}

/// The action's own typed failure, one `kind` per variant of `action-error`.
pub(crate) fn action_error(error: &ActionError) -> Value {
    match error {
        ActionError::InvalidInput(fields) => json!({
            "kind": "invalid-input",
            "fields": fields.iter().map(|f| json!({"path": f.path, "message": f.message}))
                .collect::<Vec<_>>(),
        }),
        ActionError::NotFound(p) => problem("not-found", p),
        ActionError::Conflict(p) => problem("conflict", p),
        ActionError::Denied(p) => problem("denied", p),
        ActionError::Unsupported(p) => problem("unsupported", p),
        ActionError::Api(fault) => {
            let mut value = api_fault(fault);
            value["kind"] = json!("api");
            value
        }
        ActionError::MigrationFailed(failure) => migration_failure(failure),
        ActionError::TimedOut(message) => json!({"kind": "timed-out", "message": message}),
        ActionError::Transport(message) => json!({"kind": "transport", "message": message}),
        ActionError::Cancelled => json!({"kind": "cancelled"}),
    }
}

/// Why the host got no answer.
pub(crate) fn host_error(error: &HostError) -> Value {
    let message = error.to_string();
    match error {
        HostError::Engine(_) => json!({"kind": "engine", "message": message}),
        HostError::Load { plugin, .. } => {
            json!({"kind": "load", "message": message, "plugin": plugin})
        }
        HostError::Context(_) => json!({"kind": "context", "message": message}),
        HostError::Trap { plugin, phase, .. } => {
            json!({"kind": "trap", "message": message, "plugin": plugin, "phase": phase})
        }
        HostError::LimitExceeded {
            plugin,
            phase,
            limit,
        } => json!({
            "kind": "limit-exceeded",
            "message": message,
            "plugin": plugin,
            "phase": phase,
            "limit": match limit {
                Limit::Memory(_) => "memory",
                Limit::Cpu(_) => "cpu",
                Limit::WallClock(_) => "wall-clock",
                Limit::ResponseBody(_) => "response-body",
            },
        }),
        HostError::Busy { plugin, .. } => {
            json!({"kind": "busy", "message": message, "plugin": plugin})
        }
        HostError::UnknownPlugin(plugin) => {
            json!({"kind": "unknown-plugin", "message": message, "plugin": plugin})
        }
    }
}

/// A plugin's log line, progress or a refused request.
pub(crate) fn event(event: &PluginEvent) -> Value {
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
