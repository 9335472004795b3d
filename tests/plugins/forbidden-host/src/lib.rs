//! GETs the URL in the `url` parameter, which a test points outside the compute endpoint.
//!
//! Returns `denied` with the message `ErrorCode::HttpRequestDenied` (the error code in Debug
//! form) when the host refuses, `transport` on any other failure, and `reached <url> with status
//! <n>` when the request got an answer.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use hostile_common::errors::invalid_input;
use hostile_common::http::{self, Target};
use hostile_common::params::required_string;
use hostile_common::{ActionError, Context, Hostile, Outcome};

struct ForbiddenHost;

impl Hostile for ForbiddenHost {
    const BEHAVIOUR: &'static str = "GETs a URL outside the compute endpoint";

    fn execute(_ctx: Context, params: String) -> Result<Outcome, ActionError> {
        let url = required_string(&params, "url")?;
        let target = Target::parse(&url).map_err(|why| invalid_input("url", why))?;
        let response = http::get(&target, &[])?;
        Ok(http::reached(&target, response.status()))
    }
}

hostile_common::export!(ForbiddenHost);
