//! Reading string parameters from the `input_parameters` JSON object.

use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::invalid_input;
use serde_json::Value;

/// The string at `key` of the `params` object, or `None` when the key is absent.
pub fn optional_string(params: &str, key: &str) -> Result<Option<String>, ActionError> {
    let parsed: Value = serde_json::from_str(params)
        .map_err(|e| invalid_input("", format!("parameters are not JSON: {e}")))?;
    let Value::Object(object) = parsed else {
        return Err(invalid_input("", "parameters must be a JSON object".into()));
    };
    match object.get(key) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(invalid_input(key, format!("'{key}' must be a string"))),
    }
}

/// The string at `key` of the `params` object, which must be there.
pub fn required_string(params: &str, key: &str) -> Result<String, ActionError> {
    optional_string(params, key)?.ok_or_else(|| invalid_input(key, format!("'{key}' is required")))
}
