//! The benchmark suite: where the time goes, against the goals, in one run, as a markdown table.
//!
//! `cargo bench -p wasm-action --bench runtime` runs it in full (optimised build);
//! `cargo test -p wasm-action --bench runtime` runs a short smoke version (CI does).
//! The Nova stand-in runs in a child process (`wasm-action nova-stand-in`), so the memory
//! figures are the host's alone.

mod calls;
mod load;
mod migrate;
mod nova;
mod scale;
mod table;

use table::Table;

#[tokio::main]
async fn main() {
    // `cargo bench` passes --bench; anything else (cargo test) gets the smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let mut table = Table::new(full);
    load::run(&mut table, full).await;
    calls::run(&mut table, full).await;
    migrate::run(&mut table).await;
    scale::run(&mut table, full).await;
    print!("{}", table.render());
}
