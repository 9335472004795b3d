//! Real OpenStack Nova 34 for tests: `harness::RealNova` starts `harness.py` from the venv that
//! `setup.sh` prepares, and `client` gives it `request`, `server` and `migrations_of`. Used by
//! this crate's suite and by the Watcher suite (`tests/watcher`).

pub mod client;
pub mod harness;
