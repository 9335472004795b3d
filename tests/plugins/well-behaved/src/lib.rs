//! A normal plugin: `execute` GETs `<compute-endpoint>/servers/<resource_id>` once (or `repeat`
//! times, `"repeat": "10"`, or not at all, `"0"`, for the benchmark) and returns `status <n>`
//! (details `{"url", "status"}`).
//!
//! It is the twin of the hostile plugins: the call that must still succeed right after one of
//! them was stopped, and the request that a denial test refuses by policy instead.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::errors::invalid_input;
use hostile_common::errors::transport;
use hostile_common::http::{self, Target};
use hostile_common::params::{optional_string, required_string};
use hostile_common::{ActionError, Context, Hostile, Outcome, compute_url, outcome};

struct WellBehaved;

impl Hostile for WellBehaved {
    const BEHAVIOUR: &'static str = "none: GETs one server and reports the status";

    fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        let id = required_string(&params, "resource_id")?;
        let url = compute_url(&ctx, &format!("/servers/{id}"));
        let target =
            Target::parse(&url).map_err(|why| transport(format!("compute endpoint: {why}")))?;
        let repeat = match optional_string(&params, "repeat")? {
            None => 1,
            Some(n) => n
                .parse::<u32>()
                .map_err(|e| invalid_input("repeat", format!("'repeat' must be a count: {e}")))?,
        };
        let mut status = 0;
        for _ in 0..repeat {
            let response = http::get(&target, &[])?;
            status = response.status();
            // Read the answer to the end, as a real plugin would.
            http::count_body(response)
                .map_err(|(_, why)| transport(format!("reading {url}: {why}")))?;
        }
        let details = serde_json::json!({ "url": url, "status": status });
        Ok(outcome(format!("status {status}"), details.to_string()))
    }
}

hostile_common::export!(WellBehaved);
