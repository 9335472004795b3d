//! Constructors for `action-error`, and the mapping of a Nova answer to one.

use crate::bindings::openstack::actions::types::{ActionError, ApiFault, Problem};
use crate::http::Response;

/// `not-found` with our explanation and Nova's answer, if any.
pub fn not_found(message: String, api: Option<ApiFault>) -> ActionError {
    ActionError::NotFound(Problem { message, api })
}

/// `conflict` with our explanation and Nova's answer, if any.
pub fn conflict(message: String, api: Option<ApiFault>) -> ActionError {
    ActionError::Conflict(Problem { message, api })
}

/// `denied` with our explanation and Nova's answer, if any.
pub fn denied(message: String, api: Option<ApiFault>) -> ActionError {
    ActionError::Denied(Problem { message, api })
}

/// `unsupported` with our explanation and Nova's answer, if any.
pub fn unsupported(message: String, api: Option<ApiFault>) -> ActionError {
    ActionError::Unsupported(Problem { message, api })
}

/// `transport`: the service could not be reached or the answer could not be read.
pub fn transport(message: String) -> ActionError {
    ActionError::Transport(message)
}

/// Nova's error message from an error body such as `{"badRequest": {"code": 400, "message": ".."}}`.
pub fn nova_message(body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let message = parsed.as_ref().and_then(|value| {
        let object = value.as_object()?;
        object
            .values()
            .find_map(|inner| inner.get("message")?.as_str().map(str::to_owned))
    });
    message.unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect())
}

/// The fault that keeps Nova's status, message and request id.
pub fn api_fault(response: &Response) -> ApiFault {
    ApiFault {
        status: response.status,
        message: nova_message(&response.body),
        request_id: response.request_id.clone(),
    }
}

/// Maps an unexpected Nova answer to the typed error a caller can act on.
pub fn from_response(what: &str, response: &Response) -> ActionError {
    let fault = api_fault(response);
    let message = format!("{what}: Nova answered {} {}", fault.status, fault.message);
    match fault.status {
        401 | 403 => denied(message, Some(fault)),
        404 => not_found(message, Some(fault)),
        409 => conflict(message, Some(fault)),
        406 => unsupported(
            format!(
                "{what}: this Nova does not support the microversion the action needs ({})",
                fault.message
            ),
            Some(fault),
        ),
        400 if fault.message.contains("could not be found") => not_found(message, Some(fault)),
        400 if fault
            .message
            .contains("Cannot migrate to the host where the server exists") =>
        {
            conflict(message, Some(fault))
        }
        _ => ActionError::Api(fault),
    }
}

/// A short sentence for an error, for logs and for the messages of other errors.
pub fn explain(error: &ActionError) -> String {
    match error {
        ActionError::InvalidInput(fields) => format!("invalid input ({} problems)", fields.len()),
        ActionError::NotFound(p)
        | ActionError::Conflict(p)
        | ActionError::Denied(p)
        | ActionError::Unsupported(p) => p.message.clone(),
        ActionError::Api(fault) => format!("HTTP {} {}", fault.status, fault.message),
        ActionError::MigrationFailed(m) => m.message.clone(),
        ActionError::TimedOut(m) | ActionError::Transport(m) => m.clone(),
        ActionError::Cancelled => "cancelled".into(),
    }
}
