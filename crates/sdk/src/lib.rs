//! Write a Watcher action as a WebAssembly component.
//!
//! An action implements [`Action`]: its parameters as a table of [`Field`]s (the JSON Schema and
//! the validation both come from it), the Nova requests it may send ([`Request`]; the host lets
//! nothing else through), and its phases, each given a [`Cx`]: a [`Nova`] client that speaks
//! openstacksdk's vocabulary (`stop`, `resize`, `confirm_resize`, `set_service_status`, ...), the
//! phase's [`Deadline`] and the call's [`Context`]. [`export!`] makes it a component:
//!
//! ```ignore
//! use wasm_action_sdk::prelude::*;
//!
//! struct Stop;
//!
//! impl Action for Stop {
//!     const NAME: &'static str = "stop";
//!     const DESCRIPTION: &'static str = "Stop a server (os-stop) and wait until it is SHUTOFF.";
//!     const PARAMETERS: &'static [Field] = &[Field::uuid("resource_id", "UUID of the server.")];
//!     const REQUESTS: &'static [Request] =
//!         &[requests::SHOW_SERVER, Request::server_action(&["os-stop", "os-start"])];
//!     type Params = Parameters;
//!
//!     fn params(p: Parameters) -> Result<Parameters, Vec<FieldError>> { Ok(p) }
//!     fn describe(p: &Parameters) -> String { format!("stop server {}", p.text("resource_id")) }
//!     fn execute(cx: &Cx, p: &Parameters) -> Result<Outcome, ActionError> {
//!         let id = p.text("resource_id");
//!         cx.nova.stop(id)?;
//!         let server = cx.wait_for_status(id, &[status::SHUTOFF], &[status::ERROR])?;
//!         Ok(outcome(format!("{id} is {}", describe(&server)), json!({"server": id})))
//!     }
//! }
//!
//! wasm_action_sdk::export!(Stop);
//! ```
//!
//! Everything talks to Nova through `wasi:http` only; the host adds the token, so an action
//! never sees a credential.
// wit-bindgen's generated glue is unsafe by nature; our own code has none.
#![allow(unsafe_code)]
#![deny(missing_docs)]

/// The bindings of `openstack:actions/action-plugin`, generated once here for every action.
#[allow(missing_docs)]
#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "action-plugin",
        generate_all,
        pub_export_macro: true,
        default_bindings_module: "wasm_action_sdk::bindings",
    });
}

mod action;
pub mod errors;
pub mod http;
pub mod log;
pub mod nova;
pub mod params;
pub mod status;
pub mod wait;

pub use action::{Action, Cx, Outcome, outcome};
pub use bindings::export;
pub use bindings::openstack::actions::types::{
    ActionError, ApiFault, Context, FieldError, MigrationFailure, Problem, Readiness, RequestGrant,
};
pub use nova::{Nova, Request, requests};
pub use params::{Field, Parameters};
pub use wait::{Deadline, Step, describe};

/// What an action's module usually needs, in one `use`.
pub mod prelude {
    pub use crate::errors::{conflict, denied, not_found, unsupported};
    pub use crate::log::{self as log, progress};
    pub use crate::nova::{Nova, Request, Server, requests};
    pub use crate::params::{Field, Parameters};
    pub use crate::status;
    pub use crate::wait::{Deadline, Step, describe};
    pub use crate::{
        Action, ActionError, Context, Cx, FieldError, Outcome, Readiness, RequestGrant, outcome,
    };
    pub use serde_json::{Value, json};
}
