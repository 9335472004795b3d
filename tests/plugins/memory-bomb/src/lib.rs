//! Allocates and touches memory in `execute` until it traps: only a memory limit stops it.
//!
//! It fills 1 MiB blocks with a non-zero byte, so that every page is written, and keeps them all.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::{ActionError, Context, Hostile, Outcome};
use std::hint::black_box;

/// One block: a MiB.
const BLOCK_BYTES: usize = 1024 * 1024;
/// Non-zero, so that every page is written, not just reserved.
const FILL: u8 = 0xA5;

struct MemoryBomb;

impl Hostile for MemoryBomb {
    const BEHAVIOUR: &'static str = "allocates memory in execute until it traps";

    fn execute(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![FILL; BLOCK_BYTES]);
            // black_box keeps the optimizer from dropping allocations nobody reads.
            black_box(&hoard);
        }
    }
}

hostile_common::export!(MemoryBomb);
