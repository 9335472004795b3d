//! The Watcher `nop` action: logs its message. Its flags make a phase skip or fail on purpose,
//! to try a plan's handling of skips and failures without touching a cloud.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use wasm_action_sdk::prelude::*;

struct Nop;

/// A phase asked to fail, as Watcher's `nop` fails it (the action ends FAILED).
fn failed_on_purpose(phase: &str, flag: &str) -> ActionError {
    conflict(format!("nop: failed in {phase}, as {flag} asked"), None)
}

impl Action for Nop {
    const NAME: &'static str = "nop";
    const DESCRIPTION: &'static str = "Log a message; the flags make a phase skip or fail.";
    const PARAMETERS: &'static [Field] = &[
        Field::any_text("message", "The message to log (may be null).").nullable(),
        Field::flag(
            "skip_pre_condition",
            "Skip the action in its pre-condition.",
        ),
        Field::flag("fail_pre_condition", "Fail the pre-condition."),
        Field::flag("fail_execute", "Fail execute."),
        Field::flag("fail_post_condition", "Fail the post-condition."),
    ];
    const REQUESTS: &'static [Request] = &[];
    type Params = Parameters;

    fn params(parameters: Parameters) -> Result<Parameters, Vec<FieldError>> {
        Ok(parameters)
    }

    fn describe(p: &Parameters) -> String {
        match p.optional_text("message") {
            Some(message) => format!("log the message {message:?}"),
            None => "log nothing".into(),
        }
    }

    fn pre_condition(_cx: &Cx, p: &Parameters) -> Result<Readiness, ActionError> {
        if p.flag("skip_pre_condition") {
            return Ok(Readiness::Skip(
                "skipped in pre_condition, as skip_pre_condition asked".into(),
            ));
        }
        if p.flag("fail_pre_condition") {
            return Err(failed_on_purpose("pre_condition", "fail_pre_condition"));
        }
        Ok(Readiness::Proceed)
    }

    fn execute(_cx: &Cx, p: &Parameters) -> Result<Outcome, ActionError> {
        let message = p.optional_text("message");
        log::info(&format!("nop: {}", message.unwrap_or("(no message)")));
        if p.flag("fail_execute") {
            return Err(failed_on_purpose("execute", "fail_execute"));
        }
        Ok(outcome(
            format!("logged {:?}", message.unwrap_or("")),
            json!({"message": message}),
        ))
    }

    fn revert(_cx: &Cx, _p: &Parameters) -> Result<Outcome, ActionError> {
        Ok(outcome("revert: nop has nothing to undo".into(), json!({})))
    }

    fn abort(_cx: &Cx, _p: &Parameters) -> Result<Outcome, ActionError> {
        Ok(outcome("abort: nop has nothing to stop".into(), json!({})))
    }

    fn post_condition(_cx: &Cx, p: &Parameters) -> Result<(), ActionError> {
        match p.flag("fail_post_condition") {
            true => Err(failed_on_purpose("post_condition", "fail_post_condition")),
            false => Ok(()),
        }
    }
}

wasm_action_sdk::export!(Nop);
