//! Panics in `execute`: the host must report a trap, not an action error, and stay up.
//!
//! The panic message is `hostile plugin: deliberate panic`.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::{ActionError, Context, Hostile, Outcome};

struct Panic;

impl Hostile for Panic {
    const BEHAVIOUR: &'static str = "panics in execute";

    fn execute(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        panic!("hostile plugin: deliberate panic")
    }
}

hostile_common::export!(Panic);
