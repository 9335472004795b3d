//! The Watcher `migrate` action as a WebAssembly component.
//!
//! Cold migration uses Nova's own `migrate` server action with a target `host` (compute API
//! microversion 2.56 and later), so the server keeps its id, project and quota and the move
//! shows in Nova's migration list; live migration uses `os-migrateLive`. The component talks to
//! Nova only through `wasi:http` (the SDK's client); the host adds the token. One module per
//! phase of the contract.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

mod abort;
mod execute;
mod params;
mod post_condition;
mod pre_condition;
mod revert;

use params::Params;
use wasm_action_sdk::prelude::*;

struct Migrate;

impl Action for Migrate {
    const NAME: &'static str = "migrate";
    const DESCRIPTION: &'static str = "Move a server to another compute host with Nova's own \
                                       migrate (cold) or os-migrateLive (live).";
    const PARAMETERS: &'static [Field] = params::FIELDS;
    /// The server, its four actions, its migration records (and aborting a live one), the
    /// compute services and the instance action of a request.
    const REQUESTS: &'static [Request] = &[
        requests::SHOW_SERVER,
        Request::server_action(&["migrate", "confirmResize", "revertResize", "os-migrateLive"]),
        requests::LIST_MIGRATIONS,
        requests::SERVER_MIGRATIONS,
        requests::ABORT_LIVE_MIGRATION,
        requests::LIST_SERVICES,
        requests::SHOW_INSTANCE_ACTION,
    ];
    type Params = Params;

    fn params(parameters: Parameters) -> Result<Params, Vec<FieldError>> {
        params::build(parameters)
    }

    fn describe(p: &Params) -> String {
        let server = match &p.resource_name {
            Some(name) => format!("{name} ({})", p.resource_id),
            None => p.resource_id.clone(),
        };
        let destination = p
            .destination_node
            .as_deref()
            .unwrap_or("a host chosen by Nova's scheduler");
        format!(
            "{} migration of server {server} from {} to {destination}",
            p.migration_type.as_str(),
            p.source_node
        )
    }

    fn pre_condition(cx: &Cx, p: &Params) -> Result<Readiness, ActionError> {
        pre_condition::check(&cx.nova, p)
    }

    fn execute(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        execute::run(cx, p)
    }

    fn revert(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        revert::run(cx, p)
    }

    fn abort(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        abort::run(cx, p)
    }

    fn post_condition(cx: &Cx, p: &Params) -> Result<(), ActionError> {
        post_condition::check(&cx.nova, p)
    }
}

wasm_action_sdk::export!(Migrate);
