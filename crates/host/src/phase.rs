//! The phases of an action, and what each answers.

use crate::bindings::{ActionError, Outcome, Readiness};
use std::fmt;
use std::str::FromStr;

/// One entry point of the action contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The JSON Schema of the parameters.
    Schema,
    /// A one-line description.
    Description,
    /// Parameter validation, without calling any service.
    Validate,
    /// Should the action run now?
    PreCondition,
    /// Do it.
    Execute,
    /// Undo it.
    Revert,
    /// Stop it while it runs.
    Abort,
    /// Did it work?
    PostCondition,
}

impl Phase {
    /// Every phase, in the contract's order.
    pub const ALL: [Phase; 8] = [
        Phase::Schema,
        Phase::Description,
        Phase::Validate,
        Phase::PreCondition,
        Phase::Execute,
        Phase::Revert,
        Phase::Abort,
        Phase::PostCondition,
    ];

    /// The contract's name of the phase (`pre-condition`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Schema => "schema",
            Phase::Description => "description",
            Phase::Validate => "validate",
            Phase::PreCondition => "pre-condition",
            Phase::Execute => "execute",
            Phase::Revert => "revert",
            Phase::Abort => "abort",
            Phase::PostCondition => "post-condition",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Phase {
    type Err = String;

    fn from_str(s: &str) -> Result<Phase, String> {
        Phase::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Phase::ALL.iter().map(|p| p.as_str()).collect();
                format!("unknown phase '{s}'; one of: {}", names.join(", "))
            })
    }
}

/// A phase's successful answer.
#[derive(Clone, Debug)]
pub enum PhaseOutput {
    /// From `schema`.
    Schema(String),
    /// From `description`.
    Description(String),
    /// From `pre-condition`.
    Readiness(Readiness),
    /// From `execute`, `revert` and `abort`.
    Outcome(Outcome),
    /// From `validate` and `post-condition`.
    Done,
}

/// The action's own answer to a phase: success, or its typed failure.
pub type PhaseResult = Result<PhaseOutput, ActionError>;
