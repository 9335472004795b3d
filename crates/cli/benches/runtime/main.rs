//! The benchmark suite: where the time goes, against the goals, in one run, as a markdown table.
//!
//! `cargo bench -p wasm-action --bench runtime` runs it in full (optimised build);
//! `cargo test -p wasm-action --bench runtime` runs a short smoke version (CI does);
//! `-- --bench --only 2,3` runs only those sections (1 loading, 2 calls, 3–4 a migration,
//! 5–7 scale).
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
    let only = only();
    let wanted = |sections: &[u32]| only.is_empty() || sections.iter().any(|s| only.contains(s));
    let mut table = Table::new(full);
    if wanted(&[1]) {
        load::run(&mut table, full).await;
    }
    if wanted(&[2]) {
        calls::run(&mut table, full).await;
    }
    if wanted(&[3, 4]) {
        migrate::run(&mut table).await;
    }
    if wanted(&[5, 6, 7]) {
        scale::run(&mut table, full).await;
    }
    print!("{}", table.render());
}

/// The sections named by `--only 2,3` (none: all).
fn only() -> Vec<u32> {
    let args: Vec<String> = std::env::args().collect();
    let Some(at) = args.iter().position(|a| a == "--only") else {
        return Vec::new();
    };
    let list = args.get(at + 1).map(String::as_str).unwrap_or_default();
    list.split(',')
        .map(|s| {
            s.trim()
                .parse()
                .unwrap_or_else(|_| panic!("--only takes section numbers such as 2,3, not {list}"))
        })
        .collect()
}
