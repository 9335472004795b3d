//! Section 2, per-call overhead of the sandbox: a call that does no I/O, one Nova GET made by
//! the guest through wasi:http against the same GET made natively by the host, and the cost of
//! one more GET within a call (the wasi:http path alone, without the sandbox and the call).

use crate::nova::{self, StandIn};
use crate::table::{Goal, Table, median};
use std::time::Instant;
use wasm_action_host::{Call, Phase, Plugin, Runtime, Settings};

pub async fn run(table: &mut Table, full: bool) {
    let rounds: usize = if full { 300 } else { 20 };
    let stand_in = StandIn::start(1, "fast");
    // The cost of the HTTP path itself: no request budget spacing the calls.
    let runtime = Runtime::with_settings(Settings {
        max_concurrent_calls: 16,
        nova_budget: wasm_action_host::RequestBudget::UNLIMITED,
        ..Settings::default()
    })
    .expect("engine");
    let migrate = runtime
        .load("migrate", builtin_plugins::MIGRATE)
        .expect("loads");
    let getter = runtime
        .load("well-behaved", test_plugins::WELL_BEHAVED)
        .expect("loads");
    let call = Call::new(stand_in.endpoint.clone(), Some(nova::ADMIN.into()));
    let server = &stand_in.servers[0];
    let params = serde_json::json!({"resource_id": server, "migration_type": "cold", "source_node": "compute1", "destination_node": "compute2"}).to_string();
    let mut noop = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let answer = runtime
            .call(&migrate, &call, Phase::Validate, &params)
            .await
            .expect("answers");
        noop.push(started.elapsed().as_secs_f64() * 1e6);
        assert!(answer.is_ok());
    }
    table.row(
        "2. a call without I/O (migrate `validate`: new sandbox, parse, answer)",
        median(&mut noop),
        "µs",
        Goal::None,
    );
    let get_params = serde_json::json!({"resource_id": server}).to_string();
    let url = format!("{}/servers/{server}", stand_in.endpoint);
    let many_params =
        serde_json::json!({"resource_id": server, "repeat": MANY.to_string()}).to_string();
    let none_params = serde_json::json!({"resource_id": server, "repeat": "0"}).to_string();
    // Each kind back to back in its own loop (the connections a kind leaves closing are the same
    // for its next round, and no round starts from idle threads), the loops taken in turn in a
    // few blocks so that a drift of the machine falls on every kind alike.
    let (mut none, mut guest, mut many, mut native, mut native_many) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let per_block = rounds.div_ceil(BLOCKS);
    for _ in 0..BLOCKS {
        none.extend(guest_calls(&runtime, &getter, &call, &none_params, per_block).await);
        guest.extend(guest_calls(&runtime, &getter, &call, &get_params, per_block).await);
        many.extend(guest_calls(&runtime, &getter, &call, &many_params, per_block).await);
        native.extend(native_gets(&url, 1, per_block).await);
        native_many.extend(native_gets(&url, MANY, per_block).await);
    }
    let (none, guest, many) = (median(&mut none), median(&mut guest), median(&mut many));
    let (native, native_many) = (median(&mut native), median(&mut native_many));
    table.row(
        "2. the same plugin's call without a GET",
        none,
        "µs",
        Goal::None,
    );
    // The calls differ only in the GETs they make: the rest of a call cancels out. Natively the
    // same: a GET right after another.
    let one_more = (many - guest) / f64::from(MANY - 1);
    let native_one_more = (native_many - native) / f64::from(MANY - 1);
    table.row(
        "2. GET /servers/{id} from the guest (whole call, wasi:http)",
        guest,
        "µs",
        Goal::None,
    );
    table.row(
        "2. the same GET natively from the host (hyper, new connection)",
        native,
        "µs",
        Goal::None,
    );
    table.row(
        "2. whole call / native GET",
        guest / native,
        "×",
        Goal::None,
    );
    table.row(
        &format!(
            "2. one more GET within a call (a call of {MANY} GETs − a call of 1, ÷ {})",
            MANY - 1
        ),
        one_more,
        "µs",
        Goal::None,
    );
    table.row(
        &format!("2. one more GET natively ({MANY} GETs − 1, ÷ {})", MANY - 1),
        native_one_more,
        "µs",
        Goal::None,
    );
    table.row(
        "2. the guest's HTTP path / native, one more GET each",
        one_more / native_one_more,
        "×",
        Goal::AtMost(1.1, "1.1×"),
    );
}

/// The times (µs) of `rounds` calls of `plugin`'s execute with `params`, which must succeed.
async fn guest_calls(
    runtime: &Runtime,
    plugin: &Plugin,
    call: &Call,
    params: &str,
    rounds: usize,
) -> Vec<f64> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let answer = runtime
            .call(plugin, call, Phase::Execute, params)
            .await
            .expect("answers");
        times.push(started.elapsed().as_secs_f64() * 1e6);
        assert!(answer.is_ok(), "{answer:?}");
    }
    times
}

/// The times (µs) of `count` native GETs of `url` in a row, `rounds` times.
async fn native_gets(url: &str, count: u32, rounds: usize) -> Vec<f64> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        for _ in 0..count {
            let (status, _) = nova::request("GET", url, None).await;
            assert_eq!(status, 200);
        }
        times.push(started.elapsed().as_secs_f64() * 1e6);
    }
    times
}

/// The loops of each kind are taken in turn this many times.
const BLOCKS: usize = 5;

/// GETs in the call that measures the HTTP path alone.
const MANY: u32 = 11;
