//! Builds every hostile test plugin in `..` for wasm32-wasip2 (see the `build-guest` crate), in
//! one cargo run, and hands each component's path to `src/lib.rs` as `HOSTILE_<NAME>_WASM`.

/// The hostile plugins' packages, each `hostile-<name>`.
const PACKAGES: [&str; 9] = [
    "hostile-spin",
    "hostile-memory-bomb",
    "hostile-panic",
    "hostile-forbidden-host",
    "hostile-forged-auth",
    "hostile-huge-response",
    "hostile-wrong-contract",
    "hostile-well-behaved",
    "hostile-snoop",
];

fn main() {
    let root = build_guest::workspace_root(3);
    build_guest::rerun_if_changed(&root, &["tests/plugins", "wit", "Cargo.lock"]);
    let built = build_guest::build(&root, &PACKAGES);
    for (package, path) in PACKAGES.iter().zip(&built) {
        let var = format!("{}_WASM", package.to_uppercase().replace('-', "_"));
        println!("cargo:rustc-env={var}={}", path.display());
    }
}
