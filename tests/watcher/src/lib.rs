//! Real OpenStack Watcher 17.0.0 (from PyPI, in a venv under `target/`) running migrate actions
//! against the Keystone and Nova doubles, for the Watcher suite and the Watcher benchmark.
//!
//! - [`venv`]: `tests/watcher/setup.sh`, run once per process; `REAL_WATCHER=0` disables the
//!   suite, loudly.
//! - [`cloud`]: a Keystone double and a Nova double started in-process, on their own runtime;
//!   or ([`RealCloud`]) real Nova 34 behind real Keystone 30, both from `real_nova_tests`'s
//!   harness.
//! - [`driver`]: `tests/watcher/driver.py` with the venv's Python: Watcher initialised as
//!   watcher-applier does, actions loaded through its `ActionFactory`, phases run as a scenario
//!   says, one JSON line per phase.
#![deny(missing_docs)]

pub mod cloud;
pub mod driver;
pub mod services;
pub mod venv;

pub use cloud::{DoubleCloud, RealCloud};
pub use driver::{Error, PhaseResult, Run, Running, Scenario};
