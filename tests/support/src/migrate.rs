//! The migrate action: the built component compiled once per test binary, its parameters, and
//! what its phases answered.

use serde_json::{Value, json};
use std::sync::OnceLock;
use wasm_action_host::{
    ActionError, MigrationFailure, PhaseOutput, PhaseResult, Plugin, Readiness, Runtime,
};

/// One engine and one compiled migrate component per test binary: compiling is the slow part.
pub fn plugin() -> &'static (Runtime, Plugin) {
    static PLUGIN: OnceLock<(Runtime, Plugin)> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        let runtime = Runtime::new().expect("the engine starts");
        let plugin = runtime
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("the built component loads");
        (runtime, plugin)
    })
}

/// A UUID that no server has.
pub const NO_SUCH_SERVER: &str = "00000000-0000-4000-8000-000000000000";

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

/// The readiness a pre-condition answered.
pub fn readiness(result: PhaseResult) -> Readiness {
    match result {
        Ok(PhaseOutput::Readiness(readiness)) => readiness,
        other => panic!("expected a readiness, got {other:?}"),
    }
}
