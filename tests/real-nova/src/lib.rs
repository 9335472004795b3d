//! Real OpenStack Nova 34 for tests: `harness::RealNova` starts `harness.py` from the venv that
//! `setup.sh` prepares, and `client` gives it `request`, `server`, `migrations_of` and, for its
//! Placement, `placement_as` and `placement_get`. Used by this crate's suite and by the Watcher
//! suite (`tests/watcher`).

pub mod client;
pub mod harness;
pub mod keystone;
pub mod venv;
