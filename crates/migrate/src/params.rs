//! The action's `input_parameters`: one table of fields is the single source of truth for both
//! the JSON Schema that `schema()` returns and the validation that every phase runs first.

use crate::bindings::openstack::actions::types::{ActionError, FieldError};
use serde_json::{Map, Value, json};

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

/// Validated parameters of the migrate action (Watcher-compatible names).
#[derive(Clone, Debug)]
pub struct Params {
    /// The server's UUID.
    pub resource_id: String,
    /// Live (Watcher's default) or cold.
    pub migration_type: MigrationType,
    /// The compute host the server is expected to be on.
    pub source_node: String,
    /// Where to move it; without it Nova's scheduler picks.
    pub destination_node: Option<String>,
    /// The server's name, for messages only.
    pub resource_name: Option<String>,
}

/// The kinds of value a field may hold.
enum Kind {
    Uuid,
    Text,
    OneOf(&'static [&'static str]),
}

/// One parameter: everything the schema and the validator need to know about it.
struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
    nullable: bool,
    default: Option<&'static str>,
    description: &'static str,
}

const FIELDS: &[Field] = &[
    Field {
        name: "resource_id",
        kind: Kind::Uuid,
        required: true,
        nullable: false,
        default: None,
        description: "UUID of the server to migrate.",
    },
    Field {
        name: "migration_type",
        kind: Kind::OneOf(&["live", "cold"]),
        required: false,
        nullable: false,
        default: Some("live"),
        description: "live (os-migrateLive) or cold (Nova's migrate action, then confirmResize).",
    },
    Field {
        name: "source_node",
        kind: Kind::Text,
        required: true,
        nullable: false,
        default: None,
        description: "Compute host the server is on now; the action is skipped if it is elsewhere.",
    },
    Field {
        name: "destination_node",
        kind: Kind::Text,
        required: false,
        nullable: true,
        default: None,
        description: "Compute host to move the server to; absent or null lets Nova's scheduler choose.",
    },
    Field {
        name: "resource_name",
        kind: Kind::Text,
        required: false,
        nullable: false,
        default: None,
        description: "Name of the server, used in descriptions and logs only.",
    },
];

/// The JSON Schema (draft 2020-12) of `input_parameters`, rendered from [`FIELDS`].
pub fn schema() -> String {
    let mut properties = Map::new();
    for field in FIELDS {
        properties.insert(field.name.into(), field_schema(field));
    }
    let required: Vec<&str> = FIELDS
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "migrate",
        "description": "Move a server to another compute host with Nova's own migrate (cold) or os-migrateLive (live).",
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
    .to_string()
}

fn field_schema(field: &Field) -> Value {
    let mut schema = match field.kind {
        Kind::Uuid => json!({"type": "string", "format": "uuid",
            "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"}),
        Kind::Text => json!({"type": "string", "minLength": 1}),
        Kind::OneOf(values) => json!({"type": "string", "enum": values}),
    };
    if field.nullable {
        schema = json!({"anyOf": [schema, {"type": "null"}]});
    }
    let object = schema
        .as_object_mut()
        .expect("every field schema is an object");
    object.insert("description".into(), field.description.into());
    if let Some(default) = field.default {
        object.insert("default".into(), default.into());
    }
    schema
}

/// Parses and validates `input_parameters`, reporting every problem at once.
pub fn parse(params: &str) -> Result<Params, ActionError> {
    let value: Value = serde_json::from_str(params).map_err(|e| {
        invalid(vec![field_error(
            "",
            format!("parameters are not valid JSON: {e}"),
        )])
    })?;
    let Value::Object(object) = value else {
        return Err(invalid(vec![field_error(
            "",
            "parameters must be a JSON object".into(),
        )]));
    };
    let mut errors = Vec::new();
    for key in object.keys() {
        if !FIELDS.iter().any(|f| f.name == key) {
            let allowed: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
            let message = format!("unknown parameter; allowed: {}", allowed.join(", "));
            errors.push(field_error(key, message));
        }
    }
    for field in FIELDS {
        if let Err(message) = check_field(field, object.get(field.name)) {
            errors.push(field_error(field.name, message));
        }
    }
    if errors.is_empty() {
        check_hosts_differ(&object, &mut errors);
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    Ok(build(&object))
}

fn check_field(field: &Field, value: Option<&Value>) -> Result<(), String> {
    let text = match value {
        None if field.required => return Err("is required".into()),
        None => return Ok(()),
        Some(Value::Null) if field.nullable => return Ok(()),
        Some(Value::String(text)) => text,
        Some(other) => return Err(format!("must be a string, not {}", type_name(other))),
    };
    match field.kind {
        Kind::Uuid if !is_uuid(text) => Err(format!("'{text}' is not a UUID")),
        Kind::Text if text.trim().is_empty() => Err("must not be empty".into()),
        Kind::OneOf(values) if !values.contains(&text.as_str()) => {
            Err(format!("'{text}' is not one of: {}", values.join(", ")))
        }
        _ => Ok(()),
    }
}

fn check_hosts_differ(object: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    let source = object.get("source_node").and_then(Value::as_str);
    let destination = object.get("destination_node").and_then(Value::as_str);
    if source.is_some() && source == destination {
        let message = "must differ from source_node: a server cannot migrate to its own host";
        errors.push(field_error("destination_node", message.into()));
    }
}

fn build(object: &Map<String, Value>) -> Params {
    let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
    let migration_type = match text("migration_type").as_deref() {
        Some("cold") => MigrationType::Cold,
        _ => MigrationType::Live,
    };
    Params {
        resource_id: text("resource_id").unwrap_or_default(),
        migration_type,
        source_node: text("source_node").unwrap_or_default(),
        destination_node: text("destination_node"),
        resource_name: text("resource_name"),
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    groups.len() == lengths.len()
        && groups
            .iter()
            .zip(lengths)
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn field_error(path: &str, message: String) -> FieldError {
    FieldError {
        path: path.into(),
        message,
    }
}

fn invalid(errors: Vec<FieldError>) -> ActionError {
    ActionError::InvalidInput(errors)
}
