//! Request-body checks worded like Nova's jsonschema messages:
//! `Invalid input for field/attribute <field>. Value: <str(value)>. <message>`.

use serde_json::{Map, Value};

use crate::api::ApiError;
use crate::pyjson::{py_repr, py_str, py_str_repr};

/// Nova's `boolean` parameter type: JSON booleans and these strings.
pub(crate) const BOOLEAN_ISH: [&str; 20] = [
    "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "False", "FALSE", "false",
    "0", "OFF", "Off", "off", "NO", "No", "no",
];

/// The enum list of Nova's `boolean` parameter type, as Python prints it.
const BOOLEAN_ISH_REPR: &str = "[True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', \
    'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']";

/// The hostname pattern of Nova's host parameters.
const HOST_PATTERN: &str = "^[a-zA-Z0-9-._]*$";

/// A validation failure of `field` holding `value`.
pub(crate) fn invalid(field: &str, value: &Value, message: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid input for field/attribute {field}. Value: {}. {message}",
        py_str(value)
    ))
}

/// `value` is not one of the JSON `types` (as jsonschema names them).
pub(crate) fn type_error(field: &str, value: &Value, types: &[&str]) -> ApiError {
    let names: Vec<String> = types.iter().map(|t| format!("'{t}'")).collect();
    let message = format!("{} is not of type {}", py_repr(value), names.join(", "));
    invalid(field, value, &message)
}

/// Fails on keys of `object` outside `allowed`.
pub(crate) fn no_additional(
    field: &str,
    object: &Map<String, Value>,
    allowed: &[&str],
) -> Result<(), ApiError> {
    match unexpected_keys(object, allowed) {
        Some(message) => Err(invalid(field, &Value::Object(object.clone()), &message)),
        None => Ok(()),
    }
}

/// Like [`no_additional`] for the body itself: jsonschema has no field path there, so the
/// message stands alone.
pub(crate) fn no_additional_in_body(
    object: &Map<String, Value>,
    allowed: &[&str],
) -> Result<(), ApiError> {
    unexpected_keys(object, allowed).map_or(Ok(()), |message| Err(ApiError::bad_request(message)))
}

fn unexpected_keys(object: &Map<String, Value>, allowed: &[&str]) -> Option<String> {
    let extra: Vec<String> = object
        .keys()
        .filter(|key| !allowed.contains(&key.as_str()))
        .map(|key| py_str_repr(key))
        .collect();
    if extra.is_empty() {
        return None;
    }
    let verb = if extra.len() == 1 { "was" } else { "were" };
    Some(format!(
        "Additional properties are not allowed ({} {verb} unexpected)",
        extra.join(", ")
    ))
}

/// Fails when `object` lacks one of `required` (checked in order).
pub(crate) fn has_required(
    field: &str,
    object: &Map<String, Value>,
    required: &[&str],
) -> Result<(), ApiError> {
    match required.iter().find(|key| !object.contains_key(**key)) {
        Some(key) => Err(invalid(
            field,
            &Value::Object(object.clone()),
            &format!("'{key}' is a required property"),
        )),
        None => Ok(()),
    }
}

/// A host name or null; `non_empty` adds `minLength: 1`. Returns the name, `None` for null.
pub(crate) fn host_or_null(value: &Value, non_empty: bool) -> Result<Option<String>, ApiError> {
    let Value::String(host) = value else {
        return match value {
            Value::Null => Ok(None),
            other => Err(type_error("host", other, &["string", "null"])),
        };
    };
    let repr = py_str_repr(host);
    if non_empty && host.is_empty() {
        return Err(invalid(
            "host",
            value,
            &format!("{repr} should be non-empty"),
        ));
    }
    if host.chars().count() > 255 {
        return Err(invalid("host", value, &format!("{repr} is too long")));
    }
    if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    {
        return Err(invalid(
            "host",
            value,
            &format!("{repr} does not match '{HOST_PATTERN}'"),
        ));
    }
    Ok(Some(host.clone()))
}

/// Nova's `boolean` parameter type; returns the truth value.
pub(crate) fn boolean_ish(field: &str, value: &Value) -> Result<bool, ApiError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if BOOLEAN_ISH.contains(&s.as_str()) => {
            Ok(BOOLEAN_ISH[..10].contains(&s.as_str()))
        }
        Value::String(_) => Err(invalid(
            field,
            value,
            &format!("{} is not one of {BOOLEAN_ISH_REPR}", py_repr(value)),
        )),
        other => Err(type_error(field, other, &["boolean", "string"])),
    }
}

/// A query parameter of Nova's `boolean` type (e.g. `with_servers`); returns the truth value.
/// Query errors name the parameter as Nova's validator words them (nova/api/validation).
pub(crate) fn query_boolean(field: &str, value: &str) -> Result<bool, ApiError> {
    if BOOLEAN_ISH.contains(&value) {
        return Ok(BOOLEAN_ISH[..10].contains(&value));
    }
    Err(ApiError::bad_request(format!(
        "Invalid input for query parameters {field}. Value: {value}. {} is not one of \
         {BOOLEAN_ISH_REPR}",
        py_repr(&Value::String(value.to_string()))
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_host_message_matches_nova() {
        let error = host_or_null(&json!(""), true).expect_err("empty host");
        assert_eq!(
            error.message,
            "Invalid input for field/attribute host. Value: . '' should be non-empty"
        );
    }

    #[test]
    fn wrong_host_type_message_matches_nova() {
        let error = host_or_null(&json!(42), true).expect_err("number host");
        assert_eq!(
            error.message,
            "Invalid input for field/attribute host. Value: 42. 42 is not of type 'string', 'null'"
        );
    }

    #[test]
    fn boolean_ish_accepts_nova_strings() {
        assert_eq!(boolean_ish("b", &json!("yes")), Ok(true));
        assert_eq!(boolean_ish("b", &json!("Off")), Ok(false));
        let error = boolean_ish("block_migration", &json!("auto")).expect_err("auto");
        assert!(error.message.ends_with("'auto' is not one of [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes', False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no']"));
    }

    #[test]
    fn query_boolean_names_the_query_parameter() {
        assert_eq!(query_boolean("with_servers", "False"), Ok(false));
        assert_eq!(query_boolean("with_servers", "1"), Ok(true));
        let error = query_boolean("with_servers", "maybe").expect_err("maybe");
        assert!(
            error.message.starts_with(
                "Invalid input for query parameters with_servers. Value: maybe. 'maybe' is not one of [True, "
            ),
            "{}",
            error.message
        );
    }
}
