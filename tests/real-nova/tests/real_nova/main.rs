//! The real migrate component, in the real host, against REAL OpenStack Nova 34.0.0 (with
//! placement 16.0.0), installed from PyPI into a venv by `tests/real-nova/setup.sh` and served by
//! `tests/real-nova/harness.py` on Nova's own functional-test fixtures: nova-api, conductor,
//! scheduler and compute1..3 on a fake virt driver, in one Python process.
//!
//! Every test starts a fresh harness (≈ 6–14 s; a long-lived one degrades) and checks what Nova
//! itself then shows through its API as an admin: host, status, ids, `/os-migrations`. Auth is
//! real: Keystone 30 (a child of the harness) issues the tokens, and nova-api and Placement
//! validate them with keystonemiddleware under Nova's default policy (`keystone.rs`).
//! `REAL_NOVA=0` disables the suite loudly; a failed setup fails the tests.

use real_nova_tests::harness;
mod nova;

mod api;
mod cold;
mod failures;
mod family;
mod keystone;
mod least_privilege;
mod live;
mod outage;
mod placement;
mod policy;
mod undo;
mod watcher_model;

/// A fresh real Nova, or `None` (after a loud line) when `REAL_NOVA=0`.
fn real_nova() -> Option<nova::RealBench> {
    if harness::disabled() {
        return None;
    }
    Some(nova::RealBench::start())
}
