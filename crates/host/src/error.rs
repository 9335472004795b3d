//! Host errors (the plugin could not run to an answer) and readable action errors.

use crate::bindings::{ActionError, ApiFault, FieldError, MigrationFailure, Problem};
use crate::phase::Phase;
use crate::sandbox::allowlist::OriginError;
use crate::sandbox::limits::Limit;
use std::fmt;
use std::path::PathBuf;

/// Why the host could not get an answer from a plugin. An action's own failure is not one of
/// these: it comes back as an [`ActionError`] inside a successful call.
///
/// The message of each variant says what happened; the underlying error, when there is one, is
/// its [`source`](std::error::Error::source) (print the whole chain with [`chain`]).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The engine could not be set up.
    #[error("cannot set up the WebAssembly engine")]
    Engine(#[source] wasmtime::Error),
    /// The directory for compiled plugins cannot be used.
    #[error("cannot use the compilation cache directory {}", dir.display())]
    Cache {
        /// The directory.
        dir: PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
    /// The plugin file is not a component that implements the contract.
    #[error("cannot load plugin '{plugin}': {problem}")]
    Load {
        /// The plugin's name.
        plugin: String,
        /// What is wrong with it.
        problem: LoadProblem,
        /// What wasmtime found.
        #[source]
        source: wasmtime::Error,
    },
    /// The trust policy refuses the component: it is neither pinned nor signed by a trusted
    /// key, or its signature does not match it.
    #[error("refusing to load plugin '{plugin}': it is not trusted")]
    Untrusted {
        /// The plugin's name.
        plugin: String,
        /// Why the policy refuses it, and what to do.
        #[source]
        reason: crate::trust::TrustError,
    },
    /// The call's context is unusable: its compute endpoint does not name an origin.
    #[error("the call's compute endpoint is unusable")]
    Context(#[source] OriginError),
    /// A fresh instance of the plugin could not be created for the call.
    #[error("plugin '{plugin}' could not be instantiated for {phase}")]
    Instantiate {
        /// The plugin's name.
        plugin: String,
        /// The phase the call was for.
        phase: Phase,
        /// What wasmtime said.
        #[source]
        source: wasmtime::Error,
    },
    /// The plugin trapped: a bug in it, or a sandbox rule it broke.
    #[error("plugin '{plugin}' crashed during {phase}{}", last_words(said))]
    Trap {
        /// The plugin's name.
        plugin: String,
        /// The phase that was running.
        phase: Phase,
        /// What the plugin wrote to stderr before it trapped (a Rust panic message), if anything.
        said: String,
        /// The trap, with its WebAssembly backtrace when there is one.
        #[source]
        source: wasmtime::Error,
    },
    /// The call ran into one of the host's limits and was stopped; the host keeps serving.
    #[error("plugin '{plugin}' was stopped during {phase}: it exceeded the {limit}")]
    LimitExceeded {
        /// The plugin's name.
        plugin: String,
        /// The phase that was running.
        phase: Phase,
        /// The limit.
        limit: Limit,
    },
    /// Every instance slot of the pooling allocator is taken: too many calls at once.
    #[error("cannot start plugin '{plugin}': every instance slot is taken")]
    Busy {
        /// The plugin's name.
        plugin: String,
        /// The allocator's refusal.
        #[source]
        source: wasmtime::PoolConcurrencyLimitError,
    },
    /// The runtime is being dropped and takes no more calls.
    #[error("the runtime is shutting down and takes no more calls")]
    ShuttingDown,
    /// No plugin of that name is installed.
    #[error("no plugin named '{0}' is installed")]
    UnknownPlugin(String),
}

/// What is wrong with a plugin that does not load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadProblem {
    /// The bytes are not a WebAssembly component wasmtime can compile.
    NotAComponent,
    /// Its imports cannot be satisfied by the sandbox (it asks for something the host does
    /// not offer).
    Imports,
    /// It does not export the contract this host runs (built against another version?).
    Contract,
    /// It compiled and links, but a first instance of it does not start.
    Start,
    /// What it declares it will send (`capabilities`) is not a list of valid request rules.
    Capabilities,
    /// The operator's grants for it cannot apply (an `allow` beyond what it declares).
    Grants,
    /// The compiler itself failed on it (a bug in wasmtime, not in the plugin).
    CompilerCrashed,
}

impl fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LoadProblem::NotAComponent => "not a valid component",
            LoadProblem::Imports => "it imports something the sandbox does not offer",
            LoadProblem::Contract => {
                "it does not implement a contract this host runs (openstack:actions@0.2.0 or \
                 openstack:actions@0.1.0; built against another version?)"
            }
            LoadProblem::Start => "a first instance of it does not start",
            LoadProblem::Capabilities => "the requests it declares are not valid rules",
            LoadProblem::Grants => "the operator's grants for it cannot apply",
            LoadProblem::CompilerCrashed => "the compiler crashed on it",
        })
    }
}

fn last_words(said: &str) -> String {
    match said.trim() {
        "" => String::new(),
        said => format!(": {said}"),
    }
}

/// An error and its sources, one sentence each, joined by `: ` (as `anyhow`'s `{:#}` does).
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text
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
