//! The action plugins shipped with the host, built by `build.rs` from `../migrate` for
//! `wasm32-wasip2`. Only this crate is rebuilt when the guest changes, not the host library.

/// The migrate action component (cold and live migration through Nova).
pub const MIGRATE: &[u8] = include_bytes!(env!("MIGRATE_ACTION_WASM"));

/// Where the built migrate component lies on disk.
pub const MIGRATE_PATH: &str = env!("MIGRATE_ACTION_WASM");
