//! What a running plugin tells the world: its log lines, its progress, and the host's refusals.

use std::sync::Arc;

/// One event from a plugin call, as an embedding application sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PluginEvent {
    /// A line the plugin logged.
    Log {
        /// The plugin's name.
        plugin: String,
        /// `debug`, `info`, `warn` or `error`.
        level: &'static str,
        /// The line.
        message: String,
    },
    /// Progress of a long phase.
    Progress {
        /// The plugin's name.
        plugin: String,
        /// The phase, e.g. `execute`.
        phase: String,
        /// How far, when the plugin can tell.
        percent: Option<u8>,
        /// What is happening.
        message: String,
    },
    /// The host refused an outgoing request of the plugin.
    Denied {
        /// The plugin's name.
        plugin: String,
        /// `METHOD url` of the refused request.
        target: String,
        /// Why it was refused.
        reason: String,
    },
}

/// Receives the events of a call; it must be cheap (it runs on the call's task).
pub type Observer = Arc<dyn Fn(&PluginEvent) + Send + Sync>;

/// An observer that drops every event (they still go to `tracing`).
pub fn ignore() -> Observer {
    Arc::new(|_| {})
}
