//! Real OpenStack Nova 34 for tests: `harness::RealNova` starts `harness.py` from the venv that
//! `setup.sh` prepares. Used by this crate's suite and by the Watcher suite (`tests/watcher`).

pub mod harness;
