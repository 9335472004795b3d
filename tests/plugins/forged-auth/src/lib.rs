//! GETs `<compute-endpoint>/servers` in `execute` with an `X-Auth-Token` it set itself,
//! `forged-token`.
//!
//! Returns `denied` with the message `ErrorCode::HttpRequestDenied` (the error code in Debug
//! form) when the host refuses, `transport` on any other failure, and `reached <url> with status
//! <n>` when the request got an answer.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::errors::transport;
use hostile_common::http::{self, Target};
use hostile_common::{ActionError, Context, Hostile, Outcome, compute_url};

/// The credential a plugin must never be able to send.
const FORGED_TOKEN: &str = "forged-token";

struct ForgedAuth;

impl Hostile for ForgedAuth {
    const BEHAVIOUR: &'static str = "sends its own X-Auth-Token to Nova";

    fn execute(ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        let url = compute_url(&ctx, "/servers");
        let target =
            Target::parse(&url).map_err(|why| transport(format!("compute endpoint: {why}")))?;
        let response = http::get(&target, &[("X-Auth-Token", FORGED_TOKEN)])?;
        Ok(http::reached(&target, response.status()))
    }
}

hostile_common::export!(ForgedAuth);
