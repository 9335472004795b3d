//! Section 3, one cold migration with realistic Nova timings: our overhead and API calls,
//! against a Watcher-like polling schedule computed from the same run. Section 4, the time to
//! report a scheduler failure (destination disabled).

use crate::nova::{self, StandIn};
use crate::table::{Goal, Table, median};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use wasm_action_host::{ActionError, Call, Phase, PhaseResult, PluginEvent, Runtime, Settings};

pub async fn run(table: &mut Table) {
    let stand_in = StandIn::start(2, "realistic");
    let runtime = Runtime::with_settings(Settings {
        max_concurrent_calls: 16,
        ..Settings::default()
    })
    .expect("engine");
    let plugin = runtime
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("loads");
    let timings = nova_double::Timings::realistic();
    let configured = (timings.migrate_to_verify() + timings.confirm).as_secs_f64();

    let seen: Arc<Mutex<Vec<(f64, String)>>> = Arc::default();
    let mut call = Call::new(stand_in.endpoint.clone(), Some(nova::ADMIN.into()));
    let (sink, started) = (seen.clone(), Instant::now());
    call.observer = Arc::new(move |event: &PluginEvent| {
        if let PluginEvent::Progress { message, .. } = event {
            sink.lock()
                .expect("events")
                .push((started.elapsed().as_secs_f64(), message.clone()));
        }
    });
    // The first migration is timed in detail; then the server goes back and forth, each time
    // with all three phases, for the requests a whole migration costs.
    let server = &stand_in.servers[0];
    let params = move_params(server, "compute1", "compute2");
    let answer = runtime
        .call(&plugin, &call, Phase::Execute, &params)
        .await
        .expect("answers");
    let wall = started.elapsed().as_secs_f64();
    let calls = api_calls(answer);
    let (mut walls, mut totals) = (vec![wall], Vec::new());
    let hosts = ["compute2", "compute1"];
    for round in 0..MOVES {
        let (from, to) = (hosts[round % 2], hosts[(round + 1) % 2]);
        let params = move_params(server, from, to);
        let before = nova_requests(&runtime);
        for phase in [Phase::PreCondition, Phase::Execute, Phase::PostCondition] {
            let started = Instant::now();
            let answer = runtime
                .call(&plugin, &call, phase, &params)
                .await
                .expect("answers");
            assert!(answer.is_ok(), "{phase:?} of {params}: {answer:?}");
            if phase == Phase::Execute {
                walls.push(started.elapsed().as_secs_f64());
            }
        }
        totals.push(nova_requests(&runtime) - before);
    }
    table.row(
        "3. cold migration, wall time (stand-in: 1.2 s to VERIFY_RESIZE + 0.4 s confirm)",
        wall,
        "s",
        Goal::None,
    );
    let wall = median(&mut walls);
    table.row(
        &format!(
            "3. our overhead: median wall of {} migrations − the stand-in's configured 1.6 s",
            MOVES + 1
        ),
        wall - configured,
        "s",
        Goal::AtMost(0.3, "0.3 s"),
    );
    table.row("3. Nova API calls made by execute", calls, "", Goal::None);
    let (least, most) = (
        totals.iter().copied().fold(f64::INFINITY, f64::min),
        totals.iter().copied().fold(0.0, f64::max),
    );
    table.row(
        &format!("3. Nova requests per whole cold migration (pre-condition, execute, post-condition; fewest of {MOVES})"),
        least,
        "",
        Goal::None,
    );
    table.row(
        &format!("3. Nova requests per whole cold migration (most of {MOVES})"),
        most,
        "",
        Goal::AtMost(14.0, "14, Watcher's own"),
    );
    watcher_model(table, &seen.lock().expect("events"), configured);

    nova::disable_service(&stand_in.endpoint, "compute3").await;
    let params = move_params(&stand_in.servers[1], "compute2", "compute3");
    let started = Instant::now();
    let answer = runtime
        .call(&plugin, &call, Phase::Execute, &params)
        .await
        .expect("answers");
    let reported = started.elapsed().as_secs_f64();
    assert!(
        matches!(answer, Err(ActionError::MigrationFailed(_))),
        "{answer:?}"
    );
    table.row(
        "4. scheduler failure (destination disabled) reported as migration-failed after",
        reported,
        "s",
        Goal::AtMost(3.0, "3 s"),
    );
}

/// Whole migrations (all three phases) timed after the first.
const MOVES: usize = 6;

/// A cold migration of `server` from `from` to `to`, as parameters.
fn move_params(server: &str, from: &str, to: &str) -> String {
    json!({"resource_id": server, "migration_type": "cold", "source_node": from, "destination_node": to}).to_string()
}

/// Nova requests the runtime has sent so far, every attempt counted (its metrics).
fn nova_requests(runtime: &Runtime) -> f64 {
    let text = runtime.metrics().encode();
    text.lines()
        .filter(|line| line.contains("nova_requests_total{"))
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The Nova requests a phase made, from its outcome (a failure fails the benchmark).
fn api_calls(answer: PhaseResult) -> f64 {
    test_support::migrate::details(answer)["api_calls"]
        .as_f64()
        .unwrap_or(f64::NAN)
}

/// What a Watcher-like schedule (poll every 5 s for VERIFY_RESIZE, then every 1 s for the end)
/// would have cost on this run, from the moments this run saw Nova reach each state.
fn watcher_model(table: &mut Table, seen: &[(f64, String)], configured: f64) {
    let at = |prefix: &str, after: f64| {
        seen.iter()
            .find(|(t, m)| *t >= after && m.starts_with(prefix))
            .map(|(t, _)| *t)
    };
    let (Some(verify), Some(done)) = (
        at("VERIFY_RESIZE (no task)", 0.0),
        at("ACTIVE (no task)", 0.0),
    ) else {
        table.note(
            "3. Watcher-like schedule",
            "not computed: states not seen".into(),
        );
        return;
    };
    let polls_verify = (verify / 5.0).ceil().max(1.0);
    let polls_done = ((done - verify) / 1.0).ceil().max(1.0);
    let wall = 5.0 * polls_verify + polls_done;
    // Two version discoveries, the GET before, migrate, the polls, confirmResize.
    let calls = 2.0 + 1.0 + 1.0 + polls_verify + 1.0 + polls_done;
    table.row(
        "3. Watcher-like schedule (5 s, then 1 s) on the same run: wall time",
        wall,
        "s",
        Goal::None,
    );
    table.row(
        "3. Watcher-like schedule: overhead over the stand-in's 1.6 s",
        wall - configured,
        "s",
        Goal::None,
    );
    table.row(
        "3. Watcher-like schedule: Nova API calls",
        calls,
        "",
        Goal::None,
    );
}
