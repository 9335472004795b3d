//! Constructors for the `action-error` cases the hostile plugins return.

use crate::bindings::openstack::actions::types::{ActionError, FieldError, Problem};

/// `denied` with `message` and no service answer: the host refused the request.
pub fn denied(message: String) -> ActionError {
    ActionError::Denied(Problem { message, api: None })
}

/// `transport`: the request could not be sent or its answer could not be read.
pub fn transport(message: String) -> ActionError {
    ActionError::Transport(message)
}

/// `invalid-input` for the one parameter at `path`.
pub fn invalid_input(path: &str, message: String) -> ActionError {
    ActionError::InvalidInput(vec![FieldError {
        path: path.into(),
        message,
    }])
}
