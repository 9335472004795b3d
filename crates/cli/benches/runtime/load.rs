//! Section 1, plugin load: compile vs the cache; instantiate with the pooling allocator vs on
//! demand.

use crate::table::{Goal, Table, median};
use std::time::Instant;
use wasm_action_host::{Runtime, Settings, Source};

/// Milliseconds each of `compiles` loads took, each in a fresh runtime without a cache.
fn compile_times(compiles: usize, load: impl Fn(&Runtime)) -> Vec<f64> {
    (0..compiles)
        .map(|_| {
            let uncached = Runtime::with_settings(Settings {
                max_concurrent_calls: 16,
                ..Settings::default()
            })
            .expect("engine");
            let started = Instant::now();
            load(&uncached);
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect()
}

/// Every shipped action: its component's size and the time to compile it.
fn sizes(table: &mut Table, compiles: usize) {
    for builtin in &builtin_plugins::ALL {
        let mut compile = compile_times(compiles, |runtime| {
            runtime
                .load_builtin(builtin.name, builtin.wasm)
                .expect("compiles");
        });
        table.row(
            &format!(
                "1. `{}`: component {} KiB, compiled in",
                builtin.name,
                builtin.wasm.len() / 1024
            ),
            median(&mut compile),
            "ms",
            Goal::None,
        );
    }
}

pub async fn run(table: &mut Table, full: bool) {
    let (compiles, loads, instances) = if full { (5, 50, 2000) } else { (1, 3, 20) };
    let dir = tempfile::tempdir().expect("temp dir");
    let cached = Settings {
        cache_dir: Some(dir.path().to_path_buf()),
        max_concurrent_calls: 16,
        ..Settings::default()
    };
    let runtime = Runtime::with_settings(cached.clone()).expect("engine");
    let mut compile = compile_times(compiles, |runtime| {
        runtime
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("compiles");
    });
    sizes(table, compiles);
    runtime
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("warms the cache");
    let mut load = Vec::new();
    for _ in 0..loads {
        // A new runtime each time: the cost of a restart with a warm cache.
        let restarted = Runtime::with_settings(cached.clone()).expect("engine");
        let started = Instant::now();
        let plugin = restarted
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("loads");
        load.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(plugin.source(), Source::Cache);
    }
    table.row(
        &format!(
            "1. compile the migrate component ({} KiB) from .wasm",
            builtin_plugins::MIGRATE.len() / 1024
        ),
        median(&mut compile),
        "ms",
        Goal::None,
    );
    table.row(
        "1. load it from the compilation cache (restart)",
        median(&mut load),
        "ms",
        Goal::AtMost(1.0, "1 ms"),
    );
    for (pooling, name) in [(true, "pooling allocator"), (false, "on demand")] {
        let settings = Settings {
            pooling,
            max_concurrent_calls: 16,
            ..Settings::default()
        };
        let runtime = Runtime::with_settings(settings).expect("engine");
        let plugin = runtime
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("loads");
        let mut samples = Vec::new();
        for _ in 0..instances {
            let started = Instant::now();
            runtime.instantiate(&plugin).await.expect("instantiates");
            samples.push(started.elapsed().as_secs_f64() * 1e6);
        }
        let goal = if pooling {
            Goal::AtMost(20.0, "20 µs")
        } else {
            Goal::None
        };
        table.row(
            &format!("1. instantiate a fresh sandbox, {name}"),
            median(&mut samples),
            "µs",
            goal,
        );
    }
}
