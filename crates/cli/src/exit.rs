//! Exit codes, so that scripts can tell outcomes apart.

/// The phase succeeded.
pub const SUCCESS: u8 = 0;
/// The arguments were wrong (clap also uses 2).
pub const USAGE: u8 = 2;
/// The pre-condition said there is nothing to do.
pub const SKIPPED: u8 = 3;
/// The action answered with a typed error (`not-found`, `migration-failed`, ...).
pub const ACTION_ERROR: u8 = 4;
/// The host could not get an answer: the plugin did not load, trapped or hit a limit.
pub const HOST_ERROR: u8 = 5;
