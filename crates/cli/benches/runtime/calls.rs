//! Section 2, per-call overhead of the sandbox: a call that does no I/O, and one Nova GET made
//! by the guest through wasi:http against the same GET made natively by the host.

use crate::nova::{self, StandIn};
use crate::table::{Goal, Table, median};
use std::time::Instant;
use wasm_action_host::{Call, Phase, Runtime, Settings};

pub async fn run(table: &mut Table, full: bool) {
    let rounds = if full { 2000 } else { 20 };
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
    let (mut guest, mut native) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        let answer = runtime
            .call(&getter, &call, Phase::Execute, &get_params)
            .await
            .expect("answers");
        guest.push(started.elapsed().as_secs_f64() * 1e6);
        assert!(answer.is_ok());
        let started = Instant::now();
        let (status, _) = nova::request("GET", &url, None).await;
        native.push(started.elapsed().as_secs_f64() * 1e6);
        assert_eq!(status, 200);
    }
    let (guest, native) = (median(&mut guest), median(&mut native));
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
        "2. guest / native",
        guest / native,
        "×",
        Goal::AtMost(1.1, "1.1×"),
    );
}
