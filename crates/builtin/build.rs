//! Builds the shipped actions from `../actions/*` for wasm32-wasip2 (see the `build-guest`
//! crate) and tells `lib.rs` where each component is.

/// The Watcher action types shipped, with their packages.
const ACTIONS: [(&str, &str); 7] = [
    ("MIGRATE", "migrate-action"),
    (
        "CHANGE_NOVA_SERVICE_STATE",
        "change-nova-service-state-action",
    ),
    ("STOP", "stop-action"),
    ("RESIZE", "resize-action"),
    ("SHELVE", "shelve-action"),
    ("NOP", "nop-action"),
    ("SLEEP", "sleep-action"),
];

fn main() {
    let root = build_guest::workspace_root(2);
    build_guest::rerun_if_changed(
        &root,
        &["crates/actions", "crates/sdk", "wit", "Cargo.lock"],
    );
    let packages: Vec<&str> = ACTIONS.iter().map(|(_, package)| *package).collect();
    let built = build_guest::build(&root, &packages);
    for ((name, _), path) in ACTIONS.iter().zip(built) {
        println!("cargo:rustc-env={name}_ACTION_WASM={}", path.display());
    }
}
