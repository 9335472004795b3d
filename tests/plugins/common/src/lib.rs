//! What every hostile test plugin shares.
//!
//! A hostile plugin misbehaves in `execute` only; every other phase of the contract answers the
//! way a normal plugin would, so a test can tell that the host stopped the bad call and not a
//! broken plugin. A plugin implements [`Hostile`] and exports itself with [`export!`]:
//!
//! ```ignore
//! struct Spin;
//! impl hostile_common::Hostile for Spin { /* BEHAVIOUR and execute */ }
//! hostile_common::export!(Spin);
//! ```
// wit-bindgen's generated glue is unsafe by nature; our own code has none.
#![allow(unsafe_code)]
#![deny(missing_docs)]

/// The bindings of `openstack:actions/action-plugin`, generated once here for every hostile plugin.
#[allow(missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit",
        world: "action-plugin",
        generate_all,
        pub_export_macro: true,
        default_bindings_module: "hostile_common::bindings",
    });
}

pub mod attacks;
pub mod errors;
pub mod http;
pub mod params;

pub use bindings::export;
pub use bindings::openstack::actions::types::{
    ActionError, Context, Outcome, Readiness, RequestGrant,
};

use bindings::exports::openstack::actions::action::Guest;

/// One misbehaviour, done in `execute`; the other phases answer like a normal plugin.
pub trait Hostile {
    /// What the plugin does wrong, in a phrase, for `description`.
    const BEHAVIOUR: &'static str;

    /// The requests it declares, `(method, path, actions)`: by default the GET of one server,
    /// which is all the well-behaved twin sends.
    const CAPABILITIES: &'static [(&'static str, &'static str, &'static [&'static str])] =
        &[("GET", "/servers/{id}", &[])];

    /// The JSON Schema of its parameters.
    fn schema() -> String {
        r#"{"type":"object"}"#.into()
    }

    /// The phase in which the plugin misbehaves.
    fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError>;
}

impl<T: Hostile> Guest for T {
    fn capabilities() -> Vec<RequestGrant> {
        T::CAPABILITIES
            .iter()
            .map(|(method, path, actions)| RequestGrant {
                method: (*method).into(),
                path: (*path).into(),
                actions: actions.iter().map(|a| (*a).into()).collect(),
            })
            .collect()
    }

    fn schema() -> String {
        T::schema()
    }

    fn description(_params: String) -> Result<String, ActionError> {
        Ok(format!("hostile test plugin: {}", T::BEHAVIOUR))
    }

    fn validate(_params: String) -> Result<(), ActionError> {
        Ok(())
    }

    fn pre_condition(_ctx: Context, _params: String) -> Result<Readiness, ActionError> {
        Ok(Readiness::Proceed)
    }

    fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        T::execute(ctx, params)
    }

    fn revert(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        Ok(outcome("revert: nothing to undo".into(), "{}".into()))
    }

    fn abort(_ctx: Context, _params: String) -> Result<Outcome, ActionError> {
        Ok(outcome("abort: nothing to stop".into(), "{}".into()))
    }

    fn post_condition(_ctx: Context, _params: String) -> Result<(), ActionError> {
        Ok(())
    }
}

/// An outcome with a one-line `summary` and a JSON object of `details`.
pub fn outcome(summary: String, details: String) -> Outcome {
    Outcome { summary, details }
}

/// The URL of `path` (which starts with `/`) under the compute endpoint of `ctx`.
pub fn compute_url(ctx: &Context, path: &str) -> String {
    format!("{}{path}", ctx.compute_endpoint.trim_end_matches('/'))
}
