//! A plugin built for the previous contract, `openstack:actions@0.1.0`, which has no
//! `capabilities`: `execute` GETs `<compute-endpoint>/servers/<resource_id>` once and returns
//! `status <n>`. The host loads it, and lets its GET through only when the operator grants it.
// wit-bindgen's generated glue is unsafe by nature; our own code has none.
#![allow(unsafe_code)]

mod bindings {
    // The wasi:http and wasi:io types are hostile-common's, so its GET helper serves here too.
    wit_bindgen::generate!({
        path: "../../../wit/v0.1.0",
        world: "openstack:actions/action-plugin@0.1.0",
        with: {
            "wasi:http/types@0.2.12": hostile_common::bindings::wasi::http::types,
            "wasi:http/outgoing-handler@0.2.12": hostile_common::bindings::wasi::http::outgoing_handler,
            "wasi:io/poll@0.2.12": hostile_common::bindings::wasi::io::poll,
            "wasi:io/streams@0.2.12": hostile_common::bindings::wasi::io::streams,
            "wasi:io/error@0.2.12": hostile_common::bindings::wasi::io::error,
            "wasi:clocks/monotonic-clock@0.2.12": hostile_common::bindings::wasi::clocks::monotonic_clock,
        },
        generate_all,
    });
}

use bindings::exports::openstack::actions::action::Guest;
use bindings::openstack::actions::types::{ActionError, Context, Outcome, Problem, Readiness};
use hostile_common::http::{self, Target};

struct Legacy;

impl Guest for Legacy {
    fn schema() -> String {
        r#"{"type":"object"}"#.into()
    }

    fn description(_params: String) -> Result<String, ActionError> {
        Ok("test plugin for openstack:actions@0.1.0: GETs one server".into())
    }

    fn validate(_params: String) -> Result<(), ActionError> {
        Ok(())
    }

    fn pre_condition(_ctx: Context, _params: String) -> Result<Readiness, ActionError> {
        Ok(Readiness::Proceed)
    }

    fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        let id = hostile_common::params::required_string(&params, "resource_id")
            .map_err(|_| ActionError::Transport("resource_id is required".into()))?;
        let url = format!(
            "{}/servers/{id}",
            ctx.compute_endpoint.trim_end_matches('/')
        );
        let target = Target::parse(&url).map_err(ActionError::Transport)?;
        let response = http::get(&target, &[]).map_err(|error| match error {
            hostile_common::ActionError::Denied(p) => ActionError::Denied(Problem {
                message: p.message,
                api: None,
            }),
            other => ActionError::Transport(format!("{other:?}")),
        })?;
        let status = response.status();
        drop(http::count_body(response));
        let details = serde_json::json!({ "url": url, "status": status });
        Ok(Outcome {
            summary: format!("status {status}"),
            details: details.to_string(),
        })
    }

    fn revert(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        Err(ActionError::Cancelled)
    }

    fn abort(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        Err(ActionError::Cancelled)
    }

    fn post_condition(_ctx: Context, _params: String) -> Result<(), ActionError> {
        Ok(())
    }
}

bindings::export!(Legacy with_types_in bindings);
