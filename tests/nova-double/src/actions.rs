//! Instance actions: how handlers and background tasks record them, and
//! `GET /servers/{id}/os-instance-actions[/{request_id}]`.

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::{Value, json};

use crate::api::{ApiError, Ctx, Reply};
use crate::clock::iso_micros;
use crate::state::{ActionEvent, InstanceAction, Requester, Shared, State};

impl State {
    /// Records that `requester` started `action` on a server with request `request_id`.
    pub(crate) fn start_action(
        &mut self,
        server_id: &str,
        action: &'static str,
        request_id: &str,
        requester: &Requester,
    ) {
        let now = SystemTime::now();
        if let Some(server) = self.servers.get_mut(server_id) {
            server.actions.push(InstanceAction {
                action,
                request_id: request_id.to_string(),
                project_id: requester.project_id.clone(),
                user_id: requester.user_id.clone(),
                message: None,
                start_time: now,
                updated_at: now,
                events: Vec::new(),
            });
        }
    }

    /// An event of the action begins (e.g. `compute_prep_resize`).
    pub(crate) fn begin_event(&mut self, server_id: &str, request_id: &str, event: &'static str) {
        let now = SystemTime::now();
        if let Some(action) = self.action_mut(server_id, request_id) {
            action.events.push(ActionEvent {
                event,
                start_time: now,
                finish_time: None,
                result: None,
            });
            action.updated_at = now;
        }
    }

    /// An event ends; a failed one marks the whole action with message `Error`, like Nova.
    pub(crate) fn finish_event(
        &mut self,
        server_id: &str,
        request_id: &str,
        event: &'static str,
        ok: bool,
    ) {
        let now = SystemTime::now();
        let Some(action) = self.action_mut(server_id, request_id) else {
            return;
        };
        let open = action
            .events
            .iter_mut()
            .rev()
            .find(|e| e.event == event && e.finish_time.is_none());
        let result = if ok { "Success" } else { "Error" };
        match open {
            Some(open) => {
                open.finish_time = Some(now);
                open.result = Some(result);
            }
            None => action.events.push(ActionEvent {
                event,
                start_time: now,
                finish_time: Some(now),
                result: Some(result),
            }),
        }
        if !ok {
            action.message = Some("Error");
        }
        action.updated_at = now;
    }

    fn action_mut(&mut self, server_id: &str, request_id: &str) -> Option<&mut InstanceAction> {
        let server = self.servers.get_mut(server_id)?;
        server
            .actions
            .iter_mut()
            .rev()
            .find(|a| a.request_id == request_id)
    }
}

/// `GET /servers/{id}/os-instance-actions`: newest first.
pub(crate) fn list(ctx: &Ctx<'_>, shared: &Arc<Shared>, id: &str) -> Result<Reply, ApiError> {
    let state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    let actions: Vec<Value> = server
        .actions
        .iter()
        .rev()
        .map(|a| action_json(ctx, id, a))
        .collect();
    Ok(Reply::ok(json!({ "instanceActions": actions })))
}

/// `GET /servers/{id}/os-instance-actions/{request_id}`: the action with its events.
pub(crate) fn show(
    ctx: &Ctx<'_>,
    shared: &Arc<Shared>,
    id: &str,
    request_id: &str,
) -> Result<Reply, ApiError> {
    let state = shared.lock();
    let server = ctx.visible_server(&state, id)?;
    let action = server
        .actions
        .iter()
        .rev()
        .find(|a| a.request_id == request_id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Action for request_id {request_id} on instance {id} not found"
            ))
        })?;
    let mut body = action_json(ctx, id, action);
    // Events are admin-only before 2.51; tracebacks stay admin-only. Newest first, as Nova
    // orders them (by creation time, descending).
    if ctx.auth.is_admin() || ctx.at_least(51) {
        let events: Vec<Value> = action
            .events
            .iter()
            .rev()
            .map(|e| event_json(ctx, e))
            .collect();
        body["events"] = Value::Array(events);
    }
    Ok(Reply::ok(json!({ "instanceAction": body })))
}

fn action_json(ctx: &Ctx<'_>, server_id: &str, action: &InstanceAction) -> Value {
    let mut body = json!({
        "action": action.action,
        "instance_uuid": server_id,
        "message": action.message,
        "project_id": action.project_id,
        "request_id": action.request_id,
        "start_time": iso_micros(action.start_time),
        "user_id": action.user_id,
    });
    if ctx.at_least(58) {
        body["updated_at"] = json!(iso_micros(action.updated_at));
    }
    body
}

fn event_json(ctx: &Ctx<'_>, event: &ActionEvent) -> Value {
    let mut body = json!({
        "event": event.event,
        "finish_time": event.finish_time.map(iso_micros),
        "result": event.result,
        "start_time": iso_micros(event.start_time),
    });
    if ctx.auth.is_admin() {
        body["traceback"] = Value::Null;
    }
    if ctx.at_least(84) {
        body["details"] = Value::Null;
    }
    body
}
