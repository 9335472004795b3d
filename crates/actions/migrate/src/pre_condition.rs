//! Watcher's rules for whether a migration should run: skip what has nothing to do, refuse
//! what cannot work, proceed otherwise.

use crate::params::{MigrationType, Params};
use wasm_action_sdk::prelude::*;

/// Statuses a server may move from, by migration type.
pub fn movable_statuses(kind: MigrationType) -> &'static [&'static str] {
    match kind {
        MigrationType::Live => &[status::ACTIVE],
        MigrationType::Cold => &[status::ACTIVE, status::SHUTOFF],
    }
}

/// A missing server, or one not on `source_node`, is skipped; one that cannot move now, or a
/// destination that cannot take it, is refused.
pub fn check(nova: &Nova, params: &Params) -> Result<Readiness, ActionError> {
    let id = &params.resource_id;
    let Some(server) = nova.server(id)? else {
        return Ok(Readiness::Skip(format!("server {id} does not exist")));
    };
    if !server.is_on(&params.source_node) {
        let reason = format!(
            "server {id} is on {}, not on source_node {}",
            server.host_name(),
            params.source_node
        );
        return Ok(Readiness::Skip(reason));
    }
    let allowed = movable_statuses(params.migration_type);
    if server.task_state.is_some() || !allowed.contains(&server.status.as_str()) {
        let message = format!(
            "server {id} is {}; a {} migration needs it {} with no task",
            describe(&server),
            params.migration_type.as_str(),
            allowed.join(" or ")
        );
        return Err(conflict(message, None));
    }
    if let Some(destination) = &params.destination_node {
        check_destination(nova, destination)?;
    }
    Ok(Readiness::Proceed)
}

/// The destination must have an enabled nova-compute service that is up.
fn check_destination(nova: &Nova, destination: &str) -> Result<(), ActionError> {
    let Some(service) = nova.service(destination)? else {
        return Err(not_found(
            format!("destination_node {destination} has no nova-compute service"),
            None,
        ));
    };
    if !service.enabled() {
        let reason = service
            .disabled_reason
            .unwrap_or_else(|| "no reason given".into());
        return Err(conflict(
            format!("destination_node {destination} is disabled ({reason})"),
            None,
        ));
    }
    if service.state != status::service::UP {
        return Err(conflict(
            format!("the nova-compute service of destination_node {destination} is down"),
            None,
        ));
    }
    Ok(())
}
