//! Spins forever in `execute` without calling the host: only a CPU or time limit stops it.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::{ActionError, Context, Hostile, Outcome};
use std::hint::black_box;

struct Spin;

impl Hostile for Spin {
    const BEHAVIOUR: &'static str = "spins forever in execute";

    fn execute(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        let mut turns = 0u64;
        loop {
            // black_box keeps the optimizer from proving the loop useless and removing it.
            turns = black_box(turns.wrapping_add(1));
        }
    }
}

hostile_common::export!(Spin);
