//! Builds the shipped plugins from `../migrate` for wasm32-wasip2 (see the `build-guest` crate).

fn main() {
    let root = build_guest::workspace_root(2);
    build_guest::rerun_if_changed(
        &root,
        &[
            "crates/migrate/src",
            "crates/migrate/Cargo.toml",
            "wit",
            "Cargo.lock",
        ],
    );
    let built = build_guest::build(&root, &["migrate-action"]);
    println!("cargo:rustc-env=MIGRATE_ACTION_WASM={}", built[0].display());
}
