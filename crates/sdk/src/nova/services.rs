//! The nova-compute services: reading one host's, enabling and disabling it.

use super::{Nova, text};
use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::transport;
use crate::status;
use serde_json::{Value, json};

/// A nova-compute service, as `/os-services` reports it.
#[derive(Clone, Debug)]
pub struct Service {
    /// Its uuid (2.53+), to update it by.
    pub id: String,
    /// The compute host it runs on.
    pub host: String,
    /// `enabled` or `disabled`.
    pub status: String,
    /// `up` or `down`.
    pub state: String,
    /// Why an operator disabled it.
    pub disabled_reason: Option<String>,
}

impl Service {
    fn from_json(value: &Value) -> Service {
        Service {
            id: match value.get("id") {
                Some(Value::String(id)) => id.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            },
            host: text(value, "host").unwrap_or_default(),
            status: text(value, "status").unwrap_or_default(),
            state: text(value, "state").unwrap_or_default(),
            disabled_reason: text(value, "disabled_reason"),
        }
    }

    /// True when the scheduler may place servers on its host.
    pub fn enabled(&self) -> bool {
        self.status == status::service::ENABLED
    }
}

impl Nova {
    /// The nova-compute service of `host`, if there is one.
    pub fn service(&self, host: &str) -> Result<Option<Service>, ActionError> {
        let path = format!("/os-services?binary=nova-compute&host={host}");
        let body = self.get_json(&format!("reading the compute service of {host}"), &path)?;
        let service = body.as_ref().and_then(|b| {
            b.get("services")?
                .as_array()?
                .first()
                .map(Service::from_json)
        });
        Ok(service)
    }

    /// `PUT /os-services/{id}`: `enabled`, or `disabled` with an optional reason. Returns the
    /// service as Nova shows it after the change. A lost answer is told by reading the service.
    pub fn set_service_status(
        &self,
        service: &Service,
        enable: bool,
        reason: Option<&str>,
    ) -> Result<Service, ActionError> {
        let mut body = json!({
            "status": if enable { status::service::ENABLED } else { status::service::DISABLED }
        });
        if let (false, Some(reason)) = (enable, reason) {
            body["disabled_reason"] = json!(reason);
        }
        let what = format!("changing the compute service of {}", service.host);
        let path = format!("/os-services/{}", service.id);
        let answered = self
            .put(&path, &body, &what)?
            .ok_or_else(|| transport(format!("{what}: the answer is not JSON")))?;
        answered
            .get("service")
            .map(Service::from_json)
            .ok_or_else(|| transport(format!("{what}: no 'service' in the answer")))
    }
}
