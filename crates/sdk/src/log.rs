//! The host's log and progress reports: lines tagged with the plugin and the request id.

use crate::bindings::openstack::actions::host::{self, Level};

/// A debug line.
pub fn debug(message: &str) {
    host::log(Level::Debug, message);
}

/// An informational line.
pub fn info(message: &str) {
    host::log(Level::Info, message);
}

/// A warning.
pub fn warn(message: &str) {
    host::log(Level::Warn, message);
}

/// An error.
pub fn error(message: &str) {
    host::log(Level::Error, message);
}

/// Reports progress of a long phase, with `percent` when the action can tell.
pub fn progress(phase: &str, percent: Option<u8>, message: &str) {
    host::progress(phase, percent, message);
}
