//! Server metadata: `GET|POST|PUT /servers/{id}/metadata` and
//! `GET|PUT|DELETE /servers/{id}/metadata/{key}`, as real Nova 34 answers them (recorded in
//! `recordings/server-actions-34.md`). Checks: JSON and schema 400 → server 404 → key 404 /
//! URL-and-body mismatch 400 → state 409 (changes need vm_state active, paused, suspended or
//! stopped; Nova does not look at the task, so they work during a resize until
//! `VERIFY_RESIZE`). Any token of the server's project may read and change them.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::api::{ApiError, Ctx, Reply};
use crate::pyjson::{py_repr, py_str_repr};
use crate::schema::{invalid, no_additional_in_body, type_error};
use crate::state::{Shared, State};

/// The key pattern of Nova's metadata schema.
const KEY_PATTERN: &str = "^[a-zA-Z0-9-_:. ]{1,255}$";
/// The vm_states in which metadata may change.
const CHANGEABLE: [&str; 4] = ["active", "paused", "suspended", "stopped"];

fn item_not_found() -> ApiError {
    ApiError::not_found("Metadata item was not found")
}

/// `GET /servers/{id}/metadata`.
pub(crate) fn index(ctx: &Ctx<'_>, shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    let state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    Ok(Reply::ok(json!({ "metadata": server.metadata })))
}

/// `GET /servers/{id}/metadata/{key}`: `{"meta": {key: value}}`.
pub(crate) fn show(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    key: &str,
) -> Result<Reply, ApiError> {
    let key = path_decode(key);
    let state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    let value = server.metadata.get(&key).ok_or_else(item_not_found)?;
    Ok(Reply::ok(json!({ "meta": { key: value } })))
}

/// `PUT /servers/{id}/metadata/{key}` with `{"meta": {key: value}}`: 200 with the same body.
pub(crate) fn update(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    key: &str,
) -> Result<Reply, ApiError> {
    let key = path_decode(key);
    let meta = body_map(ctx, "meta", true)?;
    let mut state = shared.lock();
    ctx.visible_server(&state, id)?;
    if !meta.contains_key(&key) {
        return Err(ApiError::bad_request("Request body and URI mismatch"));
    }
    change(&mut state, id, "update metadata", |m| {
        m.extend(meta.clone())
    })?;
    Ok(Reply::ok(json!({ "meta": meta })))
}

/// `POST /servers/{id}/metadata` with `{"metadata": {…}}`: merged; 200 with all of it.
pub(crate) fn create(ctx: &Ctx<'_>, shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    let items = body_map(ctx, "metadata", false)?;
    let mut state = shared.lock();
    ctx.visible_server(&state, id)?;
    let all = change(&mut state, id, "update metadata", |m| m.extend(items))?;
    Ok(Reply::ok(json!({ "metadata": all })))
}

/// `PUT /servers/{id}/metadata` with `{"metadata": {…}}`: replaced; 200 with all of it.
pub(crate) fn update_all(ctx: &Ctx<'_>, shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    let items = body_map(ctx, "metadata", false)?;
    let mut state = shared.lock();
    ctx.visible_server(&state, id)?;
    let all = change(&mut state, id, "update metadata", |m| *m = items)?;
    Ok(Reply::ok(json!({ "metadata": all })))
}

/// `DELETE /servers/{id}/metadata/{key}`: 204; a missing key is 404 whatever the state.
pub(crate) fn delete(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    key: &str,
) -> Result<Reply, ApiError> {
    let key = path_decode(key);
    let mut state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    if !server.metadata.contains_key(&key) {
        return Err(item_not_found());
    }
    change(&mut state, id, "delete metadata", |m| {
        m.remove(&key);
    })?;
    Ok(Reply::no_content())
}

/// Checks the state for `action`, changes the metadata, and returns all of it.
fn change(
    state: &mut State,
    id: &str,
    action: &str,
    edit: impl FnOnce(&mut BTreeMap<String, String>),
) -> Result<BTreeMap<String, String>, ApiError> {
    let server = state.servers.get(id).ok_or_else(ApiError::no_resource)?;
    if !CHANGEABLE.contains(&server.vm_state) {
        return Err(ApiError::invalid_state(
            action,
            id,
            "vm_state",
            Some(server.vm_state),
        ));
    }
    let mut all = BTreeMap::new();
    state.update_server(id, |s| {
        edit(&mut s.metadata);
        all = s.metadata.clone();
    });
    Ok(all)
}

/// The body `{"<field>": {…}}` checked like Nova's schema: required field, the metadata
/// (exactly one item when `one`), no other keys.
fn body_map(ctx: &Ctx<'_>, field: &str, one: bool) -> Result<BTreeMap<String, String>, ApiError> {
    let body = ctx.json_body()?;
    let Value::Object(object) = &body else {
        return Err(ApiError::bad_request(format!(
            "{} is not of type 'object'",
            py_repr(&body)
        )));
    };
    let value = object
        .get(field)
        .ok_or_else(|| ApiError::bad_request(format!("'{field}' is a required property")))?;
    let items = metadata_map(field, value, one)?;
    no_additional_in_body(object, &[field])?;
    Ok(items)
}

/// Nova's `metadata` parameter type: string values up to 255 characters under keys matching
/// [`KEY_PATTERN`]; `one` adds `minProperties` and `maxProperties` 1.
fn metadata_map(
    field: &str,
    value: &Value,
    one: bool,
) -> Result<BTreeMap<String, String>, ApiError> {
    let Value::Object(object) = value else {
        return Err(type_error(field, value, &["object"]));
    };
    if one && object.is_empty() {
        return Err(invalid(field, value, "{} should be non-empty"));
    }
    if one && object.len() > 1 {
        let message = format!("{} has too many properties", py_repr(value));
        return Err(invalid(field, value, &message));
    }
    check_keys(field, value, object)?;
    let mut items = BTreeMap::new();
    for (key, item) in object {
        let Value::String(text) = item else {
            return Err(type_error(key, item, &["string"]));
        };
        if text.chars().count() > 255 {
            let message = format!("{} is too long", py_str_repr(text));
            return Err(invalid(key, item, &message));
        }
        items.insert(key.clone(), text.clone());
    }
    Ok(items)
}

fn check_keys(field: &str, value: &Value, object: &Map<String, Value>) -> Result<(), ApiError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_:. ".contains(c);
    let bad: Vec<String> = object
        .keys()
        .filter(|k| k.is_empty() || k.chars().count() > 255 || !k.chars().all(allowed))
        .map(|k| py_str_repr(k))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    let verb = if bad.len() == 1 { "does" } else { "do" };
    let names = bad.join(", ");
    let message = format!("{names} {verb} not match any of the regexes: '{KEY_PATTERN}'");
    Err(invalid(field, value, &message))
}

/// A path segment's `%XX` escapes decoded (a `+` stays a `+` in a path).
fn path_decode(segment: &str) -> String {
    crate::api::percent_decode(segment, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(path_decode("Mixed%20Case:1.x"), "Mixed Case:1.x");
        assert_eq!(path_decode("a+b%2"), "a+b%2");
    }

    #[test]
    fn bad_keys_are_named_like_jsonschema() {
        let value = json!({"a/b": "v"});
        let error = metadata_map("meta", &value, true).expect_err("a bad key");
        assert_eq!(
            error.message,
            "Invalid input for field/attribute meta. Value: {'a/b': 'v'}. 'a/b' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'"
        );
    }
}
