//! The action's `input_parameters`, with Watcher 17's names, required keys and enums.

use wasm_action_sdk::params::field_error;
use wasm_action_sdk::prelude::*;

/// How a migration moves the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MigrationType {
    /// `os-migrateLive`: the server keeps running.
    Live,
    /// Nova's `migrate` action: resize-style move, then `confirmResize`.
    Cold,
}

impl MigrationType {
    /// The Watcher spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationType::Live => "live",
            MigrationType::Cold => "cold",
        }
    }
}

/// Validated parameters of the migrate action.
#[derive(Clone, Debug)]
pub struct Params {
    /// The server's UUID.
    pub resource_id: String,
    /// Live or cold.
    pub migration_type: MigrationType,
    /// The compute host the server is expected to be on.
    pub source_node: String,
    /// Where to move it; without it Nova's scheduler picks.
    pub destination_node: Option<String>,
    /// The server's name, for messages only.
    pub resource_name: Option<String>,
}

/// Watcher 17's `migrate` schema: the same keys, the same three required.
pub const FIELDS: &[Field] = &[
    Field::uuid("resource_id", "UUID of the server to migrate."),
    Field::one_of(
        "migration_type",
        &["live", "cold"],
        "live (os-migrateLive) or cold (Nova's migrate action, then confirmResize).",
    ),
    Field::text(
        "source_node",
        "Compute host the server is on now; the action is skipped if it is elsewhere.",
    ),
    Field::text(
        "destination_node",
        "Compute host to move the server to; absent or null lets Nova's scheduler choose.",
    )
    .optional()
    .nullable(),
    Field::text(
        "resource_name",
        "Name of the server, used in descriptions and logs only.",
    )
    .optional(),
];

/// The typed parameters; a server cannot migrate to its own host.
pub fn build(p: Parameters) -> Result<Params, Vec<FieldError>> {
    let source_node = p.text("source_node").to_string();
    let destination_node = p.optional_text("destination_node").map(str::to_owned);
    if destination_node.as_deref() == Some(source_node.as_str()) {
        return Err(vec![field_error(
            "destination_node",
            "must differ from source_node: a server cannot migrate to its own host".into(),
        )]);
    }
    Ok(Params {
        resource_id: p.text("resource_id").into(),
        migration_type: match p.text("migration_type") {
            "cold" => MigrationType::Cold,
            _ => MigrationType::Live,
        },
        source_node,
        destination_node,
        resource_name: p.optional_text("resource_name").map(str::to_owned),
    })
}
