//! The Watcher services benchmark: scenario 1 of the services suite (a `host_maintenance` audit
//! of a node holding 3 ACTIVE and 1 SHUTOFF server, run by real watcher-api, decision engine and
//! two appliers on RabbitMQ and MariaDB) with Watcher's own `taskflow` engine and with `wasm`,
//! one after the other on the same real Nova, and how long an applier takes to start with each.
//!
//! `cargo bench -p watcher-tests --bench services` prints a markdown table (BENCHMARKS.md has
//! one run). It needs what the services suite needs; without it, it says so and prints nothing.

use real_nova_tests::harness;
use watcher_tests::RealCloud;
use watcher_tests::services::{Backends, Services};
use watcher_tests::venv;

/// What one engine's run measured.
struct Figures {
    engine: &'static str,
    applier_start: Vec<f64>,
    plan_seconds: f64,
    actions: usize,
    state: String,
}

/// Puts 3 ACTIVE and 1 SHUTOFF server on compute1 (counting what is there already).
fn populate_compute1(cloud: &RealCloud, already: usize) {
    for _ in already..3 {
        cloud.boot_on("compute1");
    }
    let id = cloud.boot_on("compute1");
    cloud.stop(&id);
}

fn run(cloud: &RealCloud, backends: &Backends, engine: &'static str) -> Figures {
    let mut services = Services::start(cloud, backends, engine);
    let (_, ended) = services.maintain("compute1");
    Figures {
        engine,
        applier_start: services.applier_start_seconds(),
        plan_seconds: ended["seconds"].as_f64().unwrap_or(f64::NAN),
        actions: ended["actions"].as_array().map_or(0, Vec::len),
        state: ended["state"].as_str().unwrap_or_default().to_string(),
    }
}

fn main() {
    if harness::disabled() || venv::disabled() {
        return;
    }
    let Some(backends) = Backends::from_env() else {
        return;
    };
    let cloud = RealCloud::start();
    populate_compute1(&cloud, 1);
    let taskflow = run(&cloud, &backends, "taskflow");
    // compute1 back in service, with a fresh 3 ACTIVE + 1 SHUTOFF for the second run.
    cloud.enable_compute("compute1");
    populate_compute1(&cloud, 0);
    let wasm = run(&cloud, &backends, "wasm");
    println!(
        "| engine | applier start (a / b) | host maintenance plan, start to end | actions | plan |"
    );
    println!("|---|---|---|---|---|");
    for figures in [&taskflow, &wasm] {
        let starts: Vec<String> = figures
            .applier_start
            .iter()
            .map(|s| format!("{s:.1} s"))
            .collect();
        println!(
            "| `{}` | {} | **{:.1} s** | {} | {} |",
            figures.engine,
            starts.join(" / "),
            figures.plan_seconds,
            figures.actions,
            figures.state
        );
    }
}
