//! Parameters of the migrate action and what its phases answered, for the component tests and
//! the real-Nova suite (which includes this file with `#[path]`).

use serde_json::{Value, json};
use wasm_action_host::MigrationFailure;
use wasm_action_host::{ActionError, PhaseOutput, PhaseResult};

/// Parameters of a cold migration.
pub fn cold(id: &str, source: &str, destination: Option<&str>) -> Value {
    json!({"resource_id": id, "migration_type": "cold", "source_node": source, "destination_node": destination})
}

/// Parameters of a live migration.
pub fn live(id: &str, source: &str, destination: Option<&str>) -> Value {
    json!({"resource_id": id, "migration_type": "live", "source_node": source, "destination_node": destination})
}

/// The outcome's details of a successful execute/revert/abort.
pub fn details(result: PhaseResult) -> Value {
    match result {
        Ok(PhaseOutput::Outcome(outcome)) => {
            serde_json::from_str(&outcome.details).expect("details are JSON")
        }
        other => panic!("expected an outcome, got {other:?}"),
    }
}

/// The typed action error of a failed phase.
pub fn error(result: PhaseResult) -> ActionError {
    match result {
        Err(error) => error,
        Ok(other) => panic!("expected an action error, got {other:?}"),
    }
}

/// The failure of a phase that must have ended in `migration-failed`.
pub fn migration_failure(result: PhaseResult) -> MigrationFailure {
    match error(result) {
        ActionError::MigrationFailed(failure) => failure,
        other => panic!("expected migration-failed, got {other:?}"),
    }
}
