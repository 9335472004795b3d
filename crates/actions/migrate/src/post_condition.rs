//! Whether the migration did what it was asked: the server on the destination (or, with none
//! given, off the source), settled.

use crate::params::Params;
use crate::pre_condition::movable_statuses;
use wasm_action_sdk::prelude::*;

/// Refuses a server elsewhere or still busy.
pub fn check(nova: &Nova, params: &Params) -> Result<(), ActionError> {
    let id = &params.resource_id;
    let server = nova.existing_server(id)?;
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
    let settled = movable_statuses(params.migration_type)
        .iter()
        .any(|s| server.settled_in(s));
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
