//! The Watcher `change_nova_service_state` action: enable or disable the nova-compute service
//! of a host (`resource_name`; Watcher's strategies put the node's uuid in `resource_id`), with
//! Watcher's reason. Pre-condition: a missing service or one already so is skipped. Revert
//! restores the other state.
// The exports that `export!` generates are unsafe by nature; our own code has none.
#![allow(unsafe_code)]

use wasm_action_sdk::nova::Service;
use wasm_action_sdk::prelude::*;
use wasm_action_sdk::status::service::{DISABLED, ENABLED};

struct ChangeNovaServiceState;

/// Validated parameters.
#[derive(Debug)]
struct Params {
    host: String,
    /// `true` to enable.
    enable: bool,
    reason: Option<String>,
}

impl Params {
    fn state(&self) -> &'static str {
        if self.enable { ENABLED } else { DISABLED }
    }
}

/// Why a service this action disabled in a revert is disabled.
const REVERT_REASON: &str = "watcher: change_nova_service_state reverted";

impl Action for ChangeNovaServiceState {
    const NAME: &'static str = "change_nova_service_state";
    const DESCRIPTION: &'static str = "Enable or disable the nova-compute service of a host; a \
                                       disabled one gets no new servers from the scheduler.";
    const PARAMETERS: &'static [Field] = &[
        Field::text(
            "resource_id",
            "The compute node (Watcher's strategies give its uuid); the host's name when resource_name is absent.",
        ),
        Field::text(
            "resource_name",
            "The compute host whose nova-compute service changes.",
        )
        .optional(),
        Field::one_of(
            "state",
            &["up", "down", "enabled", "disabled"],
            "enabled or disabled (up and down are in Watcher's schema but no action of Watcher's applies them).",
        ),
        Field::text(
            "disabled_reason",
            "Why the service is disabled, e.g. watcher_maintaining (disabled only).",
        )
        .optional(),
    ];
    const REQUESTS: &'static [Request] = &[requests::LIST_SERVICES, requests::UPDATE_SERVICE];
    type Params = Params;

    fn params(p: Parameters) -> Result<Params, Vec<FieldError>> {
        let enable = match p.text("state") {
            "enabled" => true,
            "disabled" => false,
            other => {
                return Err(vec![wasm_action_sdk::params::field_error(
                    "state",
                    format!(
                        "'{other}' is in Watcher's schema but cannot be applied (Watcher 17 fails it \
                         too): a nova-compute service is enabled or disabled; up and down are \
                         reported by Nova, not set"
                    ),
                )]);
            }
        };
        if enable && p.optional_text("disabled_reason").is_some() {
            return Err(vec![wasm_action_sdk::params::field_error(
                "disabled_reason",
                "is for state disabled only (Nova refuses a reason with enabled)".into(),
            )]);
        }
        let host = p
            .optional_text("resource_name")
            .unwrap_or(p.text("resource_id"))
            .to_string();
        Ok(Params {
            host,
            enable,
            reason: p.optional_text("disabled_reason").map(str::to_owned),
        })
    }

    fn describe(p: &Params) -> String {
        match &p.reason {
            Some(reason) => format!(
                "{} the nova-compute service of {} ({reason})",
                verb(p.enable),
                p.host
            ),
            None => format!("{} the nova-compute service of {}", verb(p.enable), p.host),
        }
    }

    fn pre_condition(cx: &Cx, p: &Params) -> Result<Readiness, ActionError> {
        let Some(service) = cx.nova.service(&p.host)? else {
            return Ok(Readiness::Skip(format!(
                "{} has no nova-compute service",
                p.host
            )));
        };
        if service.status == p.state() {
            return Ok(Readiness::Skip(format!(
                "the nova-compute service of {} is already {}",
                p.host,
                p.state()
            )));
        }
        Ok(Readiness::Proceed)
    }

    fn execute(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        let service = find(cx, &p.host)?;
        let before = service.status.clone();
        let after = change(cx, &service, p.enable, p.reason.as_deref())?;
        Ok(outcome(
            format!(
                "the nova-compute service of {} is {} (was {before})",
                p.host, after.status
            ),
            json!({"host": p.host, "service": after.id, "status": after.status,
                   "previous_status": before, "disabled_reason": after.disabled_reason}),
        ))
    }

    /// Puts the service in the other state (the one it had, since the pre-condition skips a
    /// service already so).
    fn revert(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        let service = find(cx, &p.host)?;
        if service.status != p.state() {
            return Ok(outcome(
                format!(
                    "revert: the nova-compute service of {} is {} already",
                    p.host, service.status
                ),
                json!({"host": p.host, "how": "nothing to do", "status": service.status}),
            ));
        }
        let reason = if p.enable { Some(REVERT_REASON) } else { None };
        let after = change(cx, &service, !p.enable, reason)?;
        Ok(outcome(
            format!(
                "revert: the nova-compute service of {} is {} again",
                p.host, after.status
            ),
            json!({"host": p.host, "how": "service update", "status": after.status}),
        ))
    }

    fn abort(_cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
        Err(unsupported(
            format!(
                "changing the nova-compute service of {} is one request: there is nothing to abort; revert puts it back",
                p.host
            ),
            None,
        ))
    }

    fn post_condition(cx: &Cx, p: &Params) -> Result<(), ActionError> {
        let service = find(cx, &p.host)?;
        match service.status == p.state() {
            true => Ok(()),
            false => Err(conflict(
                format!(
                    "the nova-compute service of {} is {}, not {}",
                    p.host,
                    service.status,
                    p.state()
                ),
                None,
            )),
        }
    }
}

fn verb(enable: bool) -> &'static str {
    if enable { "enable" } else { "disable" }
}

fn find(cx: &Cx, host: &str) -> Result<Service, ActionError> {
    cx.nova
        .service(host)?
        .ok_or_else(|| not_found(format!("{host} has no nova-compute service"), None))
}

/// The update, checked against what Nova answers.
fn change(
    cx: &Cx,
    service: &Service,
    enable: bool,
    reason: Option<&str>,
) -> Result<Service, ActionError> {
    let after = cx.nova.set_service_status(service, enable, reason)?;
    let wanted = if enable { ENABLED } else { DISABLED };
    if after.status != wanted {
        return Err(conflict(
            format!(
                "Nova answered the update of {}'s service with status {}, not {wanted}",
                service.host, after.status
            ),
            None,
        ));
    }
    log::info(&format!("nova-compute on {} is {wanted}", service.host));
    Ok(after)
}

wasm_action_sdk::export!(ChangeNovaServiceState);
