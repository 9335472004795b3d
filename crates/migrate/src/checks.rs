//! Pre-condition and post-condition: Watcher's rules for whether a migration should run, and
//! whether it did what it was asked.

use crate::bindings::openstack::actions::types::{ActionError, Readiness};
use crate::errors::{conflict, not_found};
use crate::nova::Nova;
use crate::params::{MigrationType, Params};
use crate::wait::describe;

/// Skips what has nothing to do, refuses what cannot work, and says proceed otherwise.
pub fn pre_condition(nova: &Nova, params: &Params) -> Result<Readiness, ActionError> {
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
    let allowed: &[&str] = match params.migration_type {
        MigrationType::Live => &["ACTIVE"],
        MigrationType::Cold => &["ACTIVE", "SHUTOFF"],
    };
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
    let Some(service) = nova.compute_service(destination)? else {
        return Err(not_found(
            format!("destination_node {destination} has no nova-compute service"),
            None,
        ));
    };
    if service.status != "enabled" {
        let reason = service
            .disabled_reason
            .unwrap_or_else(|| "no reason given".into());
        return Err(conflict(
            format!("destination_node {destination} is disabled ({reason})"),
            None,
        ));
    }
    if service.state != "up" {
        return Err(conflict(
            format!("the nova-compute service of destination_node {destination} is down"),
            None,
        ));
    }
    Ok(())
}

/// The server must be on the destination (or, with none given, off the source), settled.
pub fn post_condition(nova: &Nova, params: &Params) -> Result<(), ActionError> {
    let id = &params.resource_id;
    let server = nova
        .server(id)?
        .ok_or_else(|| not_found(format!("server {id} does not exist"), None))?;
    let placed = match &params.destination_node {
        Some(destination) => server.is_on(destination),
        None => !server.is_on(&params.source_node),
    };
    if !placed {
        let expected = params
            .destination_node
            .as_deref()
            .unwrap_or("a host other than source_node");
        return Err(conflict(
            format!(
                "server {id} is {}, expected on {expected}",
                describe(&server)
            ),
            None,
        ));
    }
    let settled = match params.migration_type {
        MigrationType::Live => server.settled_in("ACTIVE"),
        MigrationType::Cold => server.settled_in("ACTIVE") || server.settled_in("SHUTOFF"),
    };
    if !settled {
        return Err(conflict(
            format!(
                "server {id} is {}, not settled after the migration",
                describe(&server)
            ),
            None,
        ));
    }
    Ok(())
}
