//! GETs `<compute-endpoint><path>` (parameter `path`, default `/huge`) and reads the answer to
//! the end, however large: only the host's response limit stops it.
//!
//! The bytes are counted, not kept, so that the response limit and not the memory limit is what
//! a test sees. Returns `read <n> bytes from <url>` (details `{"url", "status", "bytes"}`), or
//! `transport` with the stream's error when the read fails.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::errors::transport;
use hostile_common::http::{self, Target};
use hostile_common::params::optional_string;
use hostile_common::{ActionError, Context, Hostile, Outcome, compute_url, outcome};

/// Where the huge answer is, when the parameters do not say.
const DEFAULT_PATH: &str = "/huge";

struct HugeResponse;

impl Hostile for HugeResponse {
    const BEHAVIOUR: &'static str = "reads an answer of any size to the end";
    const CAPABILITIES: &'static [(&'static str, &'static str, &'static [&'static str])] =
        &[("GET", "/huge", &[]), ("GET", "/servers/{id}", &[])];

    fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        let path = optional_string(&params, "path")?.unwrap_or_else(|| DEFAULT_PATH.into());
        let url = compute_url(&ctx, &path);
        let target =
            Target::parse(&url).map_err(|why| transport(format!("compute endpoint: {why}")))?;
        let response = http::get(&target, &[])?;
        let status = response.status();
        let bytes = http::count_body(response).map_err(|(read, why)| {
            transport(format!("reading {url} failed after {read} bytes: {why}"))
        })?;
        let details = serde_json::json!({ "url": url, "status": status, "bytes": bytes });
        Ok(outcome(
            format!("read {bytes} bytes from {url}"),
            details.to_string(),
        ))
    }
}

hostile_common::export!(HugeResponse);
