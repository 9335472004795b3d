//! Exit codes, so that scripts can tell outcomes apart.

use wasm_action_host::{PhaseOutput, PhaseResult, Readiness};

/// The phase succeeded.
pub const SUCCESS: u8 = 0;
/// The arguments were wrong (clap also uses 2).
pub const USAGE: u8 = 2;
/// The pre-condition said there is nothing to do.
pub const SKIPPED: u8 = 3;
/// The action answered with a typed error (`not-found`, `migration-failed`, ...).
pub const ACTION_ERROR: u8 = 4;
/// The host could not get an answer: the plugin did not load, trapped or hit a limit.
pub const HOST_ERROR: u8 = 5;

/// Where a plan of phases stops after `result`: skipped (3) or an action error (4); `None` to
/// go on.
pub fn stops_here(result: &PhaseResult) -> Option<u8> {
    match result {
        Ok(PhaseOutput::Readiness(Readiness::Skip(_))) => Some(SKIPPED),
        Ok(_) => None,
        Err(_) => Some(ACTION_ERROR),
    }
}
