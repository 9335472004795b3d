//! Why a plan could not be read or accepted.

use std::path::PathBuf;

use crate::validate::ValidationReport;

/// Why a plan could not be loaded: unreadable, not JSON in Watcher's shape, or invalid.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The plan file could not be read.
    #[error("cannot read the plan file {}: {source}", path.display())]
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The text is not JSON, or not an action plan.
    #[error(
        "the plan is not an action plan in Watcher's JSON shape ({source}); expected \
         {{\"actions\": [{{\"uuid\", \"action_type\", \"input_parameters\", \"parents\"}}, ...]}} \
         or a bare array of actions"
    )]
    Parse {
        /// The JSON error, with its line and column.
        source: serde_json::Error,
    },
    /// The plan was read but does not pass validation.
    #[error(transparent)]
    Invalid(#[from] ValidationReport),
}
