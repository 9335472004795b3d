//! Real OpenStack Watcher 17.0.0 (PyPI, in `target/watcher-venv`) loads migrate actions through
//! its applier's `ActionFactory` and runs them against the Keystone and Nova doubles: Watcher's
//! own `migrate` (openstacksdk through keystoneauth) and our `wasm_migrate` (the component in
//! the wasm_action wheel). Every test starts its own doubles, runs `driver.py` and checks both
//! what Watcher saw and what Nova then shows. `REAL_WATCHER=0` disables the suite, loudly.

mod binding;
mod own_migrate;
mod plan;
mod real_nova;
mod schemas;
mod wasm_migrate;

use nova_double::Timings;
use watcher_tests::{DoubleCloud, venv};

/// Fresh doubles with fast timings, or `None` (after a loud line) when `REAL_WATCHER=0`.
fn cloud() -> Option<DoubleCloud> {
    if venv::disabled() {
        return None;
    }
    Some(DoubleCloud::start(Timings::fast()))
}
