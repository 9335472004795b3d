//! The Watcher `migrate` action as a WebAssembly component.
//!
//! Cold migration uses Nova's own `migrate` server action with a target `host` (compute API
//! microversion 2.56 and later), so the server keeps its id, project and quota and the move
//! shows in Nova's migration list; live migration uses `os-migrateLive`. The component talks to
//! Nova only through `wasi:http`; the host adds the token.
// wit-bindgen's generated glue is unsafe by nature; our own code has none.
#![allow(unsafe_code)]

mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "action-plugin",
        generate_all,
    });
}

mod checks;
mod errors;
mod http;
mod migrate;
mod nova;
mod params;
mod uncertain;
mod undo;
mod wait;

use bindings::exports::openstack::actions::action::Guest;
use bindings::openstack::actions::types::{ActionError, Context, Outcome, Readiness, RequestGrant};
use migrate::{Move, Moved};
use nova::Nova;
use params::Params;
use serde_json::{Value, json};
use undo::Undone;
use wait::{DEFAULT_DEADLINE_MS, Deadline};

struct MigrateAction;

/// Every request the action sends, for the host to let through and nothing else: the server,
/// its four actions, its migration records (and aborting a live one), the compute services and
/// the instance action of a request.
const CAPABILITIES: [(&str, &str, &[&str]); 7] = [
    ("GET", "/servers/{id}", &[]),
    (
        "POST",
        "/servers/{id}/action",
        &["migrate", "confirmResize", "revertResize", "os-migrateLive"],
    ),
    ("GET", "/os-migrations", &[]),
    ("GET", "/servers/{id}/migrations", &[]),
    ("DELETE", "/servers/{id}/migrations/{migration_id}", &[]),
    ("GET", "/os-services", &[]),
    ("GET", "/servers/{id}/os-instance-actions/{request_id}", &[]),
];

impl Guest for MigrateAction {
    fn capabilities() -> Vec<RequestGrant> {
        CAPABILITIES
            .iter()
            .map(|(method, path, actions)| RequestGrant {
                method: (*method).into(),
                path: (*path).into(),
                actions: actions.iter().map(|a| (*a).into()).collect(),
            })
            .collect()
    }

    fn schema() -> String {
        params::schema()
    }

    fn description(params: String) -> Result<String, ActionError> {
        let p = params::parse(&params)?;
        let server = match &p.resource_name {
            Some(name) => format!("{name} ({})", p.resource_id),
            None => p.resource_id.clone(),
        };
        let destination = p
            .destination_node
            .as_deref()
            .unwrap_or("a host chosen by Nova's scheduler");
        let kind = p.migration_type.as_str();
        Ok(format!(
            "{kind} migration of server {server} from {} to {destination}",
            p.source_node
        ))
    }

    fn validate(params: String) -> Result<(), ActionError> {
        params::parse(&params).map(|_| ())
    }

    fn pre_condition(ctx: Context, params: String) -> Result<Readiness, ActionError> {
        let (p, nova) = prepare(&ctx, &params)?;
        checks::pre_condition(&nova, &p)
    }

    fn execute(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        let (p, nova) = prepare(&ctx, &params)?;
        let deadline = deadline(&ctx);
        let step = Move {
            nova: &nova,
            server_id: &p.resource_id,
            source: &p.source_node,
            destination: p.destination_node.as_deref(),
            deadline,
        };
        let moved = migrate::migrate(p.migration_type, &step)?;
        let summary = format!(
            "{} migrated {} from {} to {} in {:.1} s",
            p.migration_type.as_str(),
            p.resource_id,
            p.source_node,
            moved.host,
            deadline.elapsed_ms() as f64 / 1000.0
        );
        Ok(outcome(summary, moved_details(&p, &moved, &nova, deadline)))
    }

    fn revert(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        let (p, nova) = prepare(&ctx, &params)?;
        let deadline = deadline(&ctx);
        let undone = undo::revert(&nova, &p, deadline)?;
        Ok(undone_outcome("revert", &p, undone, &nova, deadline))
    }

    fn abort(ctx: Context, params: String) -> Result<Outcome, ActionError> {
        let (p, nova) = prepare(&ctx, &params)?;
        let deadline = deadline(&ctx);
        let undone = undo::abort(&nova, &p, deadline)?;
        Ok(undone_outcome("abort", &p, undone, &nova, deadline))
    }

    fn post_condition(ctx: Context, params: String) -> Result<(), ActionError> {
        let (p, nova) = prepare(&ctx, &params)?;
        checks::post_condition(&nova, &p)
    }
}

/// Validates first, so that bad input never reaches Nova.
fn prepare(ctx: &Context, params: &str) -> Result<(Params, Nova), ActionError> {
    let p = params::parse(params)?;
    let nova = Nova::new(&ctx.compute_endpoint)?;
    Ok((p, nova))
}

fn deadline(ctx: &Context) -> Deadline {
    Deadline::after(ctx.deadline_ms.unwrap_or(DEFAULT_DEADLINE_MS))
}

fn outcome(summary: String, details: Value) -> Outcome {
    Outcome {
        summary,
        details: details.to_string(),
    }
}

fn moved_details(p: &Params, moved: &Moved, nova: &Nova, deadline: Deadline) -> Value {
    json!({
        "server": p.resource_id,
        "migration_type": p.migration_type.as_str(),
        "source": p.source_node,
        "destination": moved.host,
        "status": moved.status,
        "migration_uuid": moved.migration.as_ref().and_then(|m| m.uuid.clone()),
        "migration_status": moved.migration.as_ref().map(|m| m.status.clone()),
        "request_id": moved.request_id,
        "elapsed_ms": deadline.elapsed_ms(),
        "api_calls": nova.calls(),
    })
}

fn undone_outcome(
    phase: &str,
    p: &Params,
    undone: Undone,
    nova: &Nova,
    deadline: Deadline,
) -> Outcome {
    let id = &p.resource_id;
    let (summary, how, host) = match &undone {
        Undone::AlreadyOnSource(s) => (
            format!("{phase}: server {id} is already on {}", p.source_node),
            "nothing to do",
            s.host.clone(),
        ),
        Undone::ResizeReverted(s) => (
            format!(
                "{phase}: resize of {id} reverted, back on {}",
                p.source_node
            ),
            "revertResize",
            s.host.clone(),
        ),
        Undone::LiveAborted(s) => (
            format!(
                "{phase}: live migration of {id} aborted, still on {}",
                p.source_node
            ),
            "live migration aborted",
            s.host.clone(),
        ),
        Undone::MigratedBack(m) => (
            format!("{phase}: server {id} migrated back to {}", m.host),
            "migrated back",
            Some(m.host.clone()),
        ),
    };
    let details = json!({
        "server": id,
        "how": how,
        "host": host,
        "elapsed_ms": deadline.elapsed_ms(),
        "api_calls": nova.calls(),
    });
    outcome(summary, details)
}

bindings::export!(MigrateAction with_types_in bindings);
