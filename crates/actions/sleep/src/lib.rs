//! The Watcher `sleep` action: waits `duration` seconds, reporting progress, on the host's
//! clock (the plugin is parked, not spinning). Aborting it is always possible: the host ends
//! the running `execute`, and abort has nothing left to stop.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use wasm_action_sdk::http::sleep_ms;
use wasm_action_sdk::prelude::*;

struct Sleep;

/// Progress is reported at most this often.
const REPORT_EVERY_MS: u64 = 10_000;

impl Action for Sleep {
    const NAME: &'static str = "sleep";
    const DESCRIPTION: &'static str = "Wait for a given interval in seconds.";
    const PARAMETERS: &'static [Field] = &[Field::number(
        "duration",
        0.0,
        "How long to wait, in seconds.",
    )];
    const REQUESTS: &'static [Request] = &[];
    /// A sleep may be long: without a deadline from the host, a day.
    const DEFAULT_DEADLINE_MS: u64 = 86_400_000;
    type Params = u64;

    /// The duration in milliseconds (fractions of a second kept; Watcher 17 drops them).
    fn params(p: Parameters) -> Result<u64, Vec<FieldError>> {
        let seconds = p.number("duration").unwrap_or(0.0);
        Ok((seconds * 1000.0).round() as u64)
    }

    fn describe(ms: &u64) -> String {
        format!("wait {:.3} s", *ms as f64 / 1000.0)
    }

    fn execute(cx: &Cx, ms: &u64) -> Result<Outcome, ActionError> {
        if *ms > cx.deadline.remaining_ms() {
            return Err(ActionError::TimedOut(format!(
                "sleep of {:.3} s is longer than the phase's deadline ({:.3} s left)",
                *ms as f64 / 1000.0,
                cx.deadline.remaining_ms() as f64 / 1000.0
            )));
        }
        let mut slept = 0;
        while slept < *ms {
            let slice = (*ms - slept).min(REPORT_EVERY_MS);
            sleep_ms(slice);
            slept += slice;
            let percent = (slept * 100 / (*ms).max(1)) as u8;
            progress(
                cx.phase,
                Some(percent),
                &format!("slept {} s of {}", slept / 1000, *ms / 1000),
            );
        }
        Ok(outcome(
            format!("slept {:.3} s", *ms as f64 / 1000.0),
            json!({"duration_ms": ms}),
        ))
    }

    fn revert(_cx: &Cx, _ms: &u64) -> Result<Outcome, ActionError> {
        Ok(outcome(
            "revert: a sleep has nothing to undo".into(),
            json!({}),
        ))
    }

    fn abort(_cx: &Cx, _ms: &u64) -> Result<Outcome, ActionError> {
        Ok(outcome(
            "abort: the sleep ends with its call; nothing else to stop".into(),
            json!({}),
        ))
    }
}

wasm_action_sdk::export!(Sleep);
