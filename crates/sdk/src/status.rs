//! The words Nova uses, as constants: a misspelt status is a compile error, not a wait that
//! never ends.

/// A server that is running.
pub const ACTIVE: &str = "ACTIVE";
/// A server that is stopped.
pub const SHUTOFF: &str = "SHUTOFF";
/// A resize or cold migration that waits for `confirmResize` or `revertResize`.
pub const VERIFY_RESIZE: &str = "VERIFY_RESIZE";
/// A resize or cold migration under way.
pub const RESIZE: &str = "RESIZE";
/// `revertResize` under way.
pub const REVERT_RESIZE: &str = "REVERT_RESIZE";
/// A live migration under way.
pub const MIGRATING: &str = "MIGRATING";
/// A shelved server still on its host.
pub const SHELVED: &str = "SHELVED";
/// A shelved server whose resources were freed (no host).
pub const SHELVED_OFFLOADED: &str = "SHELVED_OFFLOADED";
/// A server Nova failed.
pub const ERROR: &str = "ERROR";

/// Kinds of migration records (`migration_type` of `/os-migrations`).
pub mod migration {
    /// A cold migration.
    pub const COLD: &str = "migration";
    /// A live migration.
    pub const LIVE: &str = "live-migration";
    /// A resize to another flavor.
    pub const RESIZE: &str = "resize";

    /// Statuses of a migration record that are not the end of the story.
    pub const IN_PROGRESS: [&str; 6] = [
        "accepted",
        "queued",
        "preparing",
        "running",
        "pre-migrating",
        "post-migrating",
    ];
    /// A cold migration or resize that waits for confirmation.
    pub const FINISHED: &str = "finished";
}

/// The `status` of a nova-compute service.
pub mod service {
    /// The scheduler may place servers on the host.
    pub const ENABLED: &str = "enabled";
    /// It may not.
    pub const DISABLED: &str = "disabled";
    /// The `state` of a service that heartbeats.
    pub const UP: &str = "up";
}
