//! A plugin that exports `openstack:actions@0.9.0` instead of `@0.2.0`, a contract version the
//! host does not know: the host must refuse to load it.
//!
//! Its WIT is the workspace's `wit/` with only the package version changed, written by its
//! `build.rs` into `generated-wit/`; the functions answer trivially, since none should ever be
//! called.
// wit-bindgen's generated glue is unsafe by nature; our own code has none.
#![allow(unsafe_code)]

mod bindings {
    wit_bindgen::generate!({
        path: "generated-wit",
        world: "action-plugin",
        generate_all,
    });
}

use bindings::exports::openstack::actions::action::Guest;
use bindings::openstack::actions::types::{ActionError, Context, Outcome, Readiness, RequestGrant};

struct WrongContract;

impl Guest for WrongContract {
    fn capabilities() -> Vec<RequestGrant> {
        Vec::new()
    }

    fn schema() -> String {
        r#"{"type":"object"}"#.into()
    }

    fn description(_params: String) -> Result<String, ActionError> {
        Ok("hostile test plugin: exports a contract version the host does not know".into())
    }

    fn validate(_params: String) -> Result<(), ActionError> {
        Ok(())
    }

    fn pre_condition(_ctx: Context, _params: String) -> Result<Readiness, ActionError> {
        Ok(Readiness::Proceed)
    }

    fn execute(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        Ok(trivial("execute: loaded against the wrong contract"))
    }

    fn revert(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        Ok(trivial("revert: nothing to undo"))
    }

    fn abort(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        Ok(trivial("abort: nothing to stop"))
    }

    fn post_condition(_ctx: Context, _params: String) -> Result<(), ActionError> {
        Ok(())
    }
}

fn trivial(summary: &str) -> Outcome {
    Outcome {
        summary: summary.into(),
        details: "{}".into(),
    }
}

bindings::export!(WrongContract with_types_in bindings);
