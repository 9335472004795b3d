//! The Watcher actions shipped with the host, built by `build.rs` from `../actions/*` on the
//! guest SDK (`../sdk`) for `wasm32-wasip2`. Only this crate is rebuilt when a guest changes,
//! not the host library.

/// One shipped action: its Watcher action type and its component.
#[derive(Debug, Clone, Copy)]
pub struct Builtin {
    /// Watcher's action type, e.g. `change_nova_service_state`.
    pub name: &'static str,
    /// The component.
    pub wasm: &'static [u8],
    /// Where the built component lies on disk.
    pub path: &'static str,
}

macro_rules! builtin {
    ($name:literal, $env:literal) => {
        Builtin {
            name: $name,
            wasm: include_bytes!(env!($env)),
            path: env!($env),
        }
    };
}

/// Every shipped action, `migrate` first.
pub const ALL: [Builtin; 7] = [
    builtin!("migrate", "MIGRATE_ACTION_WASM"),
    builtin!(
        "change_nova_service_state",
        "CHANGE_NOVA_SERVICE_STATE_ACTION_WASM"
    ),
    builtin!("stop", "STOP_ACTION_WASM"),
    builtin!("resize", "RESIZE_ACTION_WASM"),
    builtin!("shelve", "SHELVE_ACTION_WASM"),
    builtin!("nop", "NOP_ACTION_WASM"),
    builtin!("sleep", "SLEEP_ACTION_WASM"),
];

/// The shipped action of Watcher action type `name`.
pub fn get(name: &str) -> Option<&'static Builtin> {
    ALL.iter().find(|b| b.name == name)
}

/// The shipped action types, for messages.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|b| b.name).collect()
}

/// The migrate action component (cold and live migration through Nova).
pub const MIGRATE: &[u8] = ALL[0].wasm;

/// Where the built migrate component lies on disk.
pub const MIGRATE_PATH: &str = ALL[0].path;
