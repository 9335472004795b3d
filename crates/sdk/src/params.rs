//! An action's `input_parameters`: one table of [`Field`]s is the single source of truth for
//! both the JSON Schema that `schema()` returns and the validation every phase runs first.

use crate::bindings::openstack::actions::types::FieldError;
use serde_json::{Map, Value, json};

/// The kinds of value a field may hold.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A UUID in its canonical text form.
    Uuid,
    /// Non-empty text.
    Text,
    /// Any text, even empty.
    AnyText,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// A number at least this large.
    Number {
        /// The smallest value allowed.
        minimum: f64,
    },
}

/// One parameter: everything the schema and the validator need to know about it.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// Its key in `input_parameters`.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether it must be given.
    pub required: bool,
    /// Whether `null` is allowed.
    pub nullable: bool,
    /// The value assumed when absent, as JSON text (e.g. `"live"`, `false`).
    pub default: Option<&'static str>,
    /// What it means, for the schema.
    pub description: &'static str,
}

impl Field {
    const fn new(name: &'static str, kind: Kind, description: &'static str) -> Field {
        Field {
            name,
            kind,
            required: true,
            nullable: false,
            default: None,
            description,
        }
    }

    /// A required UUID.
    pub const fn uuid(name: &'static str, description: &'static str) -> Field {
        Field::new(name, Kind::Uuid, description)
    }

    /// Required non-empty text.
    pub const fn text(name: &'static str, description: &'static str) -> Field {
        Field::new(name, Kind::Text, description)
    }

    /// Required text that may be empty.
    pub const fn any_text(name: &'static str, description: &'static str) -> Field {
        Field::new(name, Kind::AnyText, description)
    }

    /// One of `values`, required.
    pub const fn one_of(
        name: &'static str,
        values: &'static [&'static str],
        description: &'static str,
    ) -> Field {
        Field::new(name, Kind::OneOf(values), description)
    }

    /// A boolean, `false` when absent.
    pub const fn flag(name: &'static str, description: &'static str) -> Field {
        Field::new(name, Kind::Bool, description)
            .optional()
            .with_default("false")
    }

    /// A number at least `minimum`, required.
    pub const fn number(name: &'static str, minimum: f64, description: &'static str) -> Field {
        Field::new(name, Kind::Number { minimum }, description)
    }

    /// Not required.
    pub const fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    /// `null` allowed.
    pub const fn nullable(mut self) -> Field {
        self.nullable = true;
        self
    }

    /// Documents the value assumed when absent (JSON text).
    pub const fn with_default(mut self, default: &'static str) -> Field {
        self.default = Some(default);
        self
    }
}

/// Parameters that passed validation; the accessors read them by name.
#[derive(Clone, Debug, Default)]
pub struct Parameters {
    values: Map<String, Value>,
}

impl Parameters {
    /// A text field (empty when absent or null; a required one is always there).
    pub fn text(&self, name: &str) -> &str {
        self.values.get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// A text field that may be absent or null.
    pub fn optional_text(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(Value::as_str)
    }

    /// A boolean field (`false` when absent).
    pub fn flag(&self, name: &str) -> bool {
        self.values
            .get(name)
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// A number field.
    pub fn number(&self, name: &str) -> Option<f64> {
        self.values.get(name).and_then(Value::as_f64)
    }

    /// The whole object.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.values
    }
}

/// The JSON Schema (draft 2020-12) of `input_parameters`, rendered from `fields`.
pub fn schema(title: &str, description: &str, fields: &[Field]) -> String {
    let mut properties = Map::new();
    for field in fields {
        properties.insert(field.name.into(), field_schema(field));
    }
    let required: Vec<&str> = fields
        .iter()
        .filter(|f| f.required)
        .map(|f| f.name)
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": title,
        "description": description,
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
        Kind::AnyText => json!({"type": "string"}),
        Kind::OneOf(values) => json!({"type": "string", "enum": values}),
        Kind::Bool => json!({"type": "boolean"}),
        Kind::Number { minimum } => json!({"type": "number", "minimum": minimum}),
    };
    if field.nullable {
        schema = json!({"anyOf": [schema, {"type": "null"}]});
    }
    if let Some(object) = schema.as_object_mut() {
        object.insert("description".into(), field.description.into());
        if let Some(default) = field.default.and_then(|d| serde_json::from_str(d).ok()) {
            object.insert("default".into(), default);
        }
    }
    schema
}

/// Parses and validates `input_parameters` against `fields`, reporting every problem at once.
pub fn parse(fields: &[Field], params: &str) -> Result<Parameters, Vec<FieldError>> {
    let value: Value = serde_json::from_str(params).map_err(|e| {
        vec![field_error(
            "",
            format!("parameters are not valid JSON: {e}"),
        )]
    })?;
    let Value::Object(values) = value else {
        return Err(vec![field_error(
            "",
            "parameters must be a JSON object".into(),
        )]);
    };
    let mut errors = Vec::new();
    for key in values.keys() {
        if !fields.iter().any(|f| f.name == key) {
            let allowed: Vec<&str> = fields.iter().map(|f| f.name).collect();
            let message = format!("unknown parameter; allowed: {}", allowed.join(", "));
            errors.push(field_error(key, message));
        }
    }
    for field in fields {
        if let Err(message) = check_field(field, values.get(field.name)) {
            errors.push(field_error(field.name, message));
        }
    }
    match errors.is_empty() {
        true => Ok(Parameters { values }),
        false => Err(errors),
    }
}

fn check_field(field: &Field, value: Option<&Value>) -> Result<(), String> {
    let value = match value {
        None if field.required => return Err("is required".into()),
        None => return Ok(()),
        Some(Value::Null) if field.nullable => return Ok(()),
        Some(value) => value,
    };
    match (field.kind, value) {
        (Kind::Bool, Value::Bool(_)) => Ok(()),
        (Kind::Bool, other) => Err(format!("must be true or false, not {}", type_name(other))),
        (Kind::Number { minimum }, Value::Number(n)) => match n.as_f64() {
            Some(n) if n >= minimum => Ok(()),
            _ => Err(format!("must be at least {minimum}, not {n}")),
        },
        (Kind::Number { .. }, other) => Err(format!("must be a number, not {}", type_name(other))),
        (kind, Value::String(text)) => check_text(kind, text),
        (_, other) => Err(format!("must be a string, not {}", type_name(other))),
    }
}

fn check_text(kind: Kind, text: &str) -> Result<(), String> {
    match kind {
        Kind::Uuid if !is_uuid(text) => Err(format!("'{text}' is not a UUID")),
        Kind::Text if text.trim().is_empty() => Err("must not be empty".into()),
        Kind::OneOf(values) if !values.contains(&text) => {
            Err(format!("'{text}' is not one of: {}", values.join(", ")))
        }
        _ => Ok(()),
    }
}

/// True for a UUID in its canonical 8-4-4-4-12 hex form.
pub fn is_uuid(text: &str) -> bool {
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

/// A problem with the field at `path`.
pub fn field_error(path: &str, message: String) -> FieldError {
    FieldError {
        path: path.into(),
        message,
    }
}
