//! Host errors (the plugin could not run to an answer) and readable action errors.

use crate::bindings::{ActionError, ApiFault, FieldError, MigrationFailure, Problem};
use crate::limits::Limit;
use std::fmt;

/// Why the host could not get an answer from a plugin. An action's own failure is not one of
/// these: it comes back as an [`ActionError`] inside a successful call.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The engine could not be set up.
    #[error("cannot set up the WebAssembly engine: {0}")]
    Engine(String),
    /// The plugin file is not a component that implements the contract.
    #[error("cannot load plugin '{plugin}': {reason}")]
    Load {
        /// The plugin's name.
        plugin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The call's context is unusable (for example a compute endpoint that is not a URL).
    #[error("bad call context: {0}")]
    Context(String),
    /// The plugin trapped: a bug in it, or a limit it hit.
    #[error("plugin '{plugin}' crashed during {phase}: {reason}")]
    Trap {
        /// The plugin's name.
        plugin: String,
        /// The phase that was running.
        phase: String,
        /// The trap, with its WebAssembly backtrace when there is one.
        reason: String,
    },
    /// The call ran into one of the host's limits and was stopped; the host keeps serving.
    #[error("plugin '{plugin}' was stopped during {phase}: it exceeded the {limit}")]
    LimitExceeded {
        /// The plugin's name.
        plugin: String,
        /// The phase that was running.
        phase: String,
        /// The limit.
        limit: Limit,
    },
    /// Every instance slot is taken: too many calls at once.
    #[error("cannot start plugin '{plugin}': {reason}")]
    Busy {
        /// The plugin's name.
        plugin: String,
        /// What ran out.
        reason: String,
    },
    /// No plugin of that name is installed.
    #[error("no plugin named '{0}' is installed")]
    UnknownPlugin(String),
}

/// A readable rendering of an [`ActionError`].
#[derive(Debug)]
pub struct Explain<'a>(pub &'a ActionError);

impl fmt::Display for Explain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            ActionError::InvalidInput(fields) => write_fields(f, fields),
            ActionError::NotFound(p) => write_problem(f, "not found", p),
            ActionError::Conflict(p) => write_problem(f, "conflict", p),
            ActionError::Denied(p) => write_problem(f, "denied", p),
            ActionError::Unsupported(p) => write_problem(f, "unsupported", p),
            ActionError::Api(fault) => write!(f, "unexpected API answer: {}", ExplainFault(fault)),
            ActionError::MigrationFailed(m) => write_failure(f, m),
            ActionError::TimedOut(m) => write!(f, "timed out: {m}"),
            ActionError::Transport(m) => write!(f, "transport: {m}"),
            ActionError::Cancelled => write!(f, "cancelled"),
        }
    }
}

/// The short name of an [`ActionError`]'s kind, as in the contract (`migration-failed`, ...).
pub fn kind(error: &ActionError) -> &'static str {
    match error {
        ActionError::InvalidInput(_) => "invalid-input",
        ActionError::NotFound(_) => "not-found",
        ActionError::Conflict(_) => "conflict",
        ActionError::Denied(_) => "denied",
        ActionError::Unsupported(_) => "unsupported",
        ActionError::Api(_) => "api",
        ActionError::MigrationFailed(_) => "migration-failed",
        ActionError::TimedOut(_) => "timed-out",
        ActionError::Transport(_) => "transport",
        ActionError::Cancelled => "cancelled",
    }
}

struct ExplainFault<'a>(&'a ApiFault);

impl fmt::Display for ExplainFault<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {} {}", self.0.status, self.0.message)?;
        if let Some(id) = &self.0.request_id {
            write!(f, " [{id}]")?;
        }
        Ok(())
    }
}

fn write_fields(f: &mut fmt::Formatter<'_>, fields: &[FieldError]) -> fmt::Result {
    write!(f, "invalid input:")?;
    for (i, field) in fields.iter().enumerate() {
        let sep = if i == 0 { " " } else { "; " };
        let path = if field.path.is_empty() {
            "parameters"
        } else {
            &field.path
        };
        write!(f, "{sep}{path} {}", field.message)?;
    }
    Ok(())
}

fn write_problem(f: &mut fmt::Formatter<'_>, kind: &str, problem: &Problem) -> fmt::Result {
    write!(f, "{kind}: {}", problem.message)?;
    if let Some(fault) = problem.api.as_ref().and_then(|a| a.request_id.as_ref()) {
        write!(f, " [{fault}]")?;
    }
    Ok(())
}

fn write_failure(f: &mut fmt::Formatter<'_>, m: &MigrationFailure) -> fmt::Result {
    write!(
        f,
        "migration failed: {} (server {}",
        m.message, m.server_status
    )?;
    if let Some(host) = &m.host {
        write!(f, " on {host}")?;
    }
    if let Some(status) = &m.migration_status {
        write!(f, ", migration {status}")?;
    }
    if let Some(uuid) = &m.migration_uuid {
        write!(f, " {uuid}")?;
    }
    write!(f, ")")
}
