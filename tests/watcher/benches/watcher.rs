//! Watcher's own `migrate` against `wasm_migrate`, both loaded by real Watcher 17's
//! `ActionFactory`, on one Nova double with the same delays: the wall time of one migration
//! (pre_condition + execute + post_condition) and the requests each made. Prints a markdown table.
//!
//! `cargo bench -p watcher-tests --bench watcher`: realistic Nova timings (migrate →
//! VERIFY_RESIZE 1.2 s, confirm 0.4 s; live 1.2 s) and Watcher's default options (a 5 s poll).
//! `cargo test -p watcher-tests --bench watcher`: a smoke run (fast timings, a 0.2 s poll).
//!
//! The full run then does the same cold migrations on real Nova 34 (the `tests/real-nova`
//! harness behind its real Keystone; `REAL_NOVA=0` leaves it out), counting the requests in
//! nova-api's own log and taking Nova's own time from its instance actions.

use std::time::Duration;

use nova_double::{RecordedRequest, Timings};
use real_nova_tests::harness;
use watcher_tests::driver::{MIGRATION_PHASES, migrate_parameters};
use watcher_tests::{DoubleCloud, RealCloud, Run, Scenario, venv};

const ACTIONS: [&str; 2] = ["migrate", "wasm_migrate"];

/// One action's migration, measured.
struct Measurement {
    action: &'static str,
    migration_type: &'static str,
    wall: Duration,
    load: Duration,
    execute: Duration,
    nova_own: Duration,
    requests: RequestCount,
    tokens: u64,
}

/// The Nova requests of one migration, by kind.
#[derive(Default)]
struct RequestCount {
    total: usize,
    discovery: usize,
    server_gets: usize,
    actions: usize,
    other: usize,
}

impl RequestCount {
    fn of(requests: &[RecordedRequest], server: &str) -> RequestCount {
        let requests = requests
            .iter()
            .map(|r| (r.method.as_str(), r.path.as_str()));
        RequestCount::of_paths(requests, server)
    }

    /// Counts `(method, path)` pairs.
    fn of_paths<'a>(
        requests: impl Iterator<Item = (&'a str, &'a str)>,
        server: &str,
    ) -> RequestCount {
        let mut count = RequestCount::default();
        for (method, path) in requests {
            count.total += 1;
            let path = path.trim_end_matches('/');
            match (method, path) {
                ("GET", "" | "/v2.1") => count.discovery += 1,
                ("GET", p) if p.ends_with(&format!("/servers/{server}")) => count.server_gets += 1,
                ("POST", p) if p.ends_with("/action") => count.actions += 1,
                _ => count.other += 1,
            }
        }
        count
    }
}

fn main() {
    // `cargo bench` passes --bench; anything else (cargo test) gets the smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    if venv::disabled() {
        return;
    }
    let timings = if full {
        Timings::realistic()
    } else {
        Timings::fast()
    };
    let cloud = DoubleCloud::start(timings);
    let mut measurements = Vec::new();
    for (migration_type, destination) in [("cold", "compute3"), ("live", "compute2")] {
        for action in ACTIONS {
            let measured = measure(
                &cloud,
                &timings,
                action,
                (migration_type, destination),
                full,
            );
            measurements.push(measured);
        }
    }
    print_table(&measurements, &timings, full);
    if full && !harness::disabled() {
        real_nova();
    }
}

/// Cold migrations on real Nova 34, `wasm_migrate` and Watcher's own `migrate`, `ROUNDS` each,
/// alternating, each a fresh server on compute1 moved to compute3.
fn real_nova() {
    const ROUNDS: usize = 3;
    let cloud = RealCloud::start();
    println!(
        "\nReal Nova 34 (fake virt driver, one Python process) behind real Keystone 30; cold migrations, Watcher's default options; Nova's own time from its instance actions (migrate and confirmResize, start to last event)\n"
    );
    println!(
        "| action | round | wall: pre + execute + post | execute | Nova's own | beyond Nova's own (execute) | Nova requests | discovery | GET server | POST action | other |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for round in 1..=ROUNDS {
        for action in ["wasm_migrate", "migrate"] {
            let id = cloud.boot_on("compute1");
            let before = cloud.requests().len();
            let run = Scenario::with_credentials(cloud.credentials())
                .action(
                    action,
                    migrate_parameters(&id, "cold", "compute1", "compute3"),
                )
                .phases(&MIGRATION_PHASES)
                .run();
            run.assert_migrated();
            let requests = cloud.requests();
            let count = RequestCount::of_paths(
                requests[before..]
                    .iter()
                    .map(|(m, p)| (m.as_str(), p.as_str())),
                &id,
            );
            let nova_own = cloud.instance_action_seconds(&id, &["migrate", "confirmResize"]);
            let wall = phases_wall(&run).as_secs_f64();
            let execute = run.phase("execute").seconds.as_secs_f64();
            println!(
                "| `{action}` | {round} | {wall:.2} s | {execute:.2} s | {nova_own:.2} s | {:.2} s | {} | {} | {} | {} | {} |",
                execute - nova_own,
                count.total,
                count.discovery,
                count.server_gets,
                count.actions,
                count.other
            );
        }
    }
}

/// One migration of a fresh server from compute1 to `destination`.
fn measure(
    cloud: &DoubleCloud,
    timings: &Timings,
    action: &'static str,
    (migration_type, destination): (&'static str, &str),
    full: bool,
) -> Measurement {
    let id = cloud.active_on("compute1");
    let mut scenario = Scenario::new(cloud).action(
        action,
        migrate_parameters(&id, migration_type, "compute1", destination),
    );
    if !full {
        scenario = scenario.option("nova", "migration_interval", "0.2");
    }
    cloud.nova.clear_requests();
    let tokens_before = cloud.keystone.tokens_issued();
    let run = scenario.phases(&MIGRATION_PHASES).run();
    check(&run, cloud, &id, destination);

    let nova_own = match migration_type {
        "cold" => timings.migrate_to_verify() + timings.confirm,
        _ => timings.live_prepare + timings.live_copy,
    };
    Measurement {
        action,
        migration_type,
        wall: phases_wall(&run),
        load: run.phase("load").seconds,
        execute: run.phase("execute").seconds,
        nova_own,
        requests: RequestCount::of(&cloud.nova.requests(), &id),
        tokens: cloud.keystone.tokens_issued() - tokens_before,
    }
}

/// From the start of the pre-condition to the end of the post-condition.
fn phases_wall(run: &Run) -> Duration {
    let (first, last) = (run.phase("pre_condition"), run.phase("post_condition"));
    last.start + last.seconds - first.start
}

/// A benchmark of a migration that did not happen would be meaningless: stop loudly.
fn check(run: &Run, cloud: &DoubleCloud, id: &str, destination: &str) {
    run.assert_migrated();
    cloud.assert_active_on(id, destination);
}

fn print_table(measurements: &[Measurement], timings: &Timings, full: bool) {
    let mode = if full {
        "realistic timings, Watcher's default 5 s poll"
    } else {
        "SMOKE RUN: fast timings, 0.2 s poll"
    };
    println!(
        "\nWatcher 17.0.0 applier path, one migration per row ({mode}); Nova's own time: cold {:.2} s, live {:.2} s\n",
        (timings.migrate_to_verify() + timings.confirm).as_secs_f64(),
        (timings.live_prepare + timings.live_copy).as_secs_f64()
    );
    println!(
        "| action | type | load (ActionFactory) | wall: pre + execute + post | load + wall | execute | beyond Nova's own | Nova requests | discovery | GET server | POST action | other | Keystone tokens |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for m in measurements {
        let r = &m.requests;
        println!(
            "| `{}` | {} | {:.3} s | {:.2} s | {:.2} s | {:.2} s | {:.2} s | {} | {} | {} | {} | {} | {} |",
            m.action,
            m.migration_type,
            m.load.as_secs_f64(),
            m.wall.as_secs_f64(),
            (m.load + m.wall).as_secs_f64(),
            m.execute.as_secs_f64(),
            m.wall.as_secs_f64() - m.nova_own.as_secs_f64(),
            r.total,
            r.discovery,
            r.server_gets,
            r.actions,
            r.other,
            m.tokens
        );
    }
}
