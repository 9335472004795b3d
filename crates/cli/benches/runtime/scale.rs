//! Section 5, many concurrent migrations in one host process: throughput, latency, peak
//! memory. Section 6, hot swap under that load: failed calls and the swap's latency.

use crate::nova::{self, StandIn};
use crate::table::{Goal, Table, percentile};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasm_action_host::{Call, Phase, PhaseOutput, Registry, RequestBudget, Runtime, Settings};

pub async fn run(table: &mut Table, full: bool) {
    let sizes: &[usize] = if full { &[200, 1000] } else { &[10] };
    for &n in sizes {
        concurrent(table, n, false).await;
    }
    concurrent(table, if full { 200 } else { 10 }, true).await;
    budget(table, if full { 1000 } else { 10 }).await;
}

/// The stand-in's rate in section 7 (429 beyond it), and the host's budget under it.
const STAND_IN_RATE: u32 = 200;

/// Section 7: `n` cold migrations at once against a stand-in that answers at most
/// [`STAND_IN_RATE`] requests a second, the host's request budget set just under it.
async fn budget(table: &mut Table, n: usize) {
    let rate = STAND_IN_RATE.to_string();
    let stand_in = StandIn::start_with(n, "realistic", &["--max-rate", &rate]);
    let settings = Settings {
        max_concurrent_calls: (n as u32).max(16),
        nova_budget: RequestBudget {
            in_flight: 32,
            per_second: f64::from(STAND_IN_RATE) * 0.95,
        },
        ..Settings::default()
    };
    let runtime = Arc::new(Runtime::with_settings(settings).expect("engine"));
    let plugin = Arc::new(
        runtime
            .load("migrate", builtin_plugins::MIGRATE)
            .expect("loads"),
    );
    let mut tasks = Vec::new();
    for (i, server) in stand_in.servers.iter().enumerate() {
        let (runtime, plugin) = (runtime.clone(), plugin.clone());
        let call = Call::new(stand_in.endpoint.clone(), Some(nova::ADMIN.into()));
        let (source, destination) = (StandIn::host_of(i), StandIn::host_of(i + 1));
        let params = json!({"resource_id": server, "migration_type": "cold", "source_node": source, "destination_node": destination}).to_string();
        tasks.push(tokio::spawn(async move {
            let begun = Instant::now();
            let answer = runtime.call(&plugin, &call, Phase::Execute, &params).await;
            let ok = matches!(answer, Ok(Ok(PhaseOutput::Outcome(_))));
            (ok, begun.elapsed().as_secs_f64())
        }));
    }
    let (mut failed, mut latencies) = (0, Vec::new());
    for task in tasks {
        let (ok, latency) = task.await.expect("no task panicked");
        failed += usize::from(!ok);
        latencies.push(latency);
    }
    let seen = stand_in.stop();
    let number = |key: &str| seen[key].as_f64().unwrap_or(f64::NAN);
    let label =
        |what: &str| format!("7. {n} migrations, stand-in at {STAND_IN_RATE} req/s: {what}");
    table.row(&label("failed"), failed as f64, "", Goal::Exactly(0.0, "0"));
    // A 429 is waited out, never a failure: counted, not a goal.
    table.row(
        &label("429s from the stand-in (waited out)"),
        number("rate_limited"),
        "",
        Goal::None,
    );
    table.row(
        &label("busiest second at the stand-in"),
        number("busiest_second"),
        "requests",
        Goal::AtMost(f64::from(STAND_IN_RATE), "200 (its rate)"),
    );
    table.row(
        &label("Nova requests in all"),
        number("requests"),
        "",
        Goal::None,
    );
    table.row(
        &label("Nova requests per migration"),
        number("requests") / n as f64,
        "",
        Goal::None,
    );
    table.row(
        &label("p50 wall"),
        percentile(&mut latencies, 50.0),
        "s",
        Goal::None,
    );
    table.row(
        &label("p99 wall"),
        percentile(&mut latencies, 99.0),
        "s",
        Goal::None,
    );
}

/// Runs `n` cold migrations at once on realistic timings; with `swap`, swaps the plugin twice
/// (once to a broken file) while they run.
async fn concurrent(table: &mut Table, n: usize, swap: bool) {
    let stand_in = StandIn::start(n, "realistic");
    // The host's own capacity: no request budget.
    let settings = Settings {
        max_concurrent_calls: (n as u32).max(16),
        nova_budget: RequestBudget::UNLIMITED,
        ..Settings::default()
    };
    let registry = Arc::new(Registry::new(Arc::new(
        Runtime::with_settings(settings).expect("engine"),
    )));
    registry
        .install("migrate", Some("1"), builtin_plugins::MIGRATE.to_vec())
        .await
        .expect("installs");
    reset_peak_rss();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, server) in stand_in.servers.iter().enumerate() {
        let (registry, endpoint) = (registry.clone(), stand_in.endpoint.clone());
        let source = StandIn::host_of(i);
        let destination = StandIn::host_of(i + 1);
        let params = json!({"resource_id": server, "migration_type": "cold", "source_node": source, "destination_node": destination}).to_string();
        tasks.push(tokio::spawn(async move {
            let call = Call::new(endpoint, Some(nova::ADMIN.into()));
            let begun = Instant::now();
            let answer = registry
                .call("migrate", &call, Phase::Execute, &params)
                .await;
            let ok = matches!(answer, Ok(ref a) if matches!(a.result, Ok(PhaseOutput::Outcome(_))));
            (ok, begun.elapsed().as_secs_f64())
        }));
    }
    let swap_ms = if swap {
        Some(swap_twice(&registry).await)
    } else {
        None
    };
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (ok, latency) = task.await.expect("no task panicked");
        failed += usize::from(!ok);
        latencies.push(latency);
    }
    let wall = started.elapsed().as_secs_f64();
    let peak = peak_rss_mb();
    if let Some(swap_ms) = swap_ms {
        table.row(
            &format!("6. hot swap during {n} migrations: failed calls"),
            failed as f64,
            "",
            Goal::Exactly(0.0, "0"),
        );
        table.row(
            &format!(
                "6. hot swap during {n} migrations: swap latency (compile + start check + swap)"
            ),
            swap_ms,
            "ms",
            Goal::None,
        );
        return;
    }
    table.row(
        &format!("5. {n} concurrent migrations: failed"),
        failed as f64,
        "",
        Goal::Exactly(0.0, "0"),
    );
    table.row(
        &format!("5. {n} concurrent migrations: throughput"),
        n as f64 / wall,
        "migrations/s",
        Goal::None,
    );
    table.row(
        &format!("5. {n} concurrent migrations: p50 latency"),
        percentile(&mut latencies, 50.0),
        "s",
        Goal::None,
    );
    table.row(
        &format!("5. {n} concurrent migrations: p99 latency"),
        percentile(&mut latencies, 99.0),
        "s",
        Goal::None,
    );
    let goal = if n == 200 {
        Goal::AtMost(200.0, "200 MB")
    } else {
        Goal::None
    };
    table.row(
        &format!("5. {n} concurrent migrations: peak RSS of the host process"),
        peak,
        "MB",
        goal,
    );
}

/// Installs a changed build, then a broken file, while calls run; the first swap's latency.
async fn swap_twice(registry: &Registry) -> f64 {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut changed = builtin_plugins::MIGRATE.to_vec();
    // A component-level custom section: same behaviour, new digest.
    changed.extend_from_slice(&[0, 6, 5, b'b', b'e', b'n', b'c', b'h']);
    let started = Instant::now();
    registry
        .install("migrate", Some("2"), changed)
        .await
        .expect("v2 installs");
    let latency = started.elapsed().as_secs_f64() * 1e3;
    assert!(
        registry
            .install("migrate", Some("3"), b"broken".to_vec())
            .await
            .is_err()
    );
    latency
}

/// Resets the kernel's peak-RSS mark of this process (Linux `clear_refs` 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set size of this process since the last reset, in MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok());
    kb.map_or(f64::NAN, |kb| kb / 1024.0)
}
