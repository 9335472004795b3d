//! Moving a server: cold through Nova's `migrate` action (then `confirmResize`), live through
//! `os-migrateLive`. Both detect failure as soon as Nova shows it, not at the deadline.

mod cold;
mod live;

use crate::params::{MigrationType, Params};
use wasm_action_sdk::MigrationFailure;
use wasm_action_sdk::nova::Migration;
use wasm_action_sdk::prelude::*;

/// One move of one server, as asked.
#[derive(Debug)]
pub struct Move<'a> {
    /// Nova, the deadline and the phase.
    pub cx: &'a Cx,
    /// The server.
    pub server_id: &'a str,
    /// Where the server must be now.
    pub source: &'a str,
    /// Where it must go (`None`: the scheduler picks).
    pub destination: Option<&'a str>,
}

/// A finished move.
#[derive(Debug)]
pub struct Moved {
    /// Where the server is now.
    pub host: String,
    /// Its status, the same as before the move.
    pub status: String,
    /// Nova's migration record, as it stands at the end.
    pub migration: Option<Migration>,
    /// The request id of the request that started the move.
    pub request_id: Option<String>,
}

/// The execute phase: the move asked for, and what Nova shows of it at the end.
pub fn run(cx: &Cx, p: &Params) -> Result<Outcome, ActionError> {
    let step = Move {
        cx,
        server_id: &p.resource_id,
        source: &p.source_node,
        destination: p.destination_node.as_deref(),
    };
    let moved = migrate(p.migration_type, &step)?;
    let summary = format!(
        "{} migrated {} from {} to {} in {:.1} s",
        p.migration_type.as_str(),
        p.resource_id,
        p.source_node,
        moved.host,
        cx.elapsed_ms() as f64 / 1000.0
    );
    let details = json!({
        "server": p.resource_id,
        "migration_type": p.migration_type.as_str(),
        "source": p.source_node,
        "destination": moved.host,
        "status": moved.status,
        "migration_uuid": moved.migration.as_ref().and_then(|m| m.uuid.clone()),
        "migration_status": moved.migration.as_ref().map(|m| m.status.clone()),
        "request_id": moved.request_id,
    });
    Ok(outcome(summary, details))
}

/// Runs a move of the given type to completion.
pub fn migrate(kind: MigrationType, step: &Move) -> Result<Moved, ActionError> {
    match kind {
        MigrationType::Cold => cold::migrate(step),
        MigrationType::Live => live::migrate(step),
    }
}

impl Move<'_> {
    fn nova(&self) -> &Nova {
        &self.cx.nova
    }

    /// Where the server was asked to go, for messages.
    fn target(&self) -> &str {
        self.destination
            .unwrap_or("a host of the scheduler's choice")
    }

    /// Nova took the request that starts the move (`what`, e.g. `migrate`): say so in the log
    /// and in the progress (`doing`, e.g. `migrating`).
    fn accepted(&self, what: &str, doing: &str, request_id: &Option<String>) {
        log::info(&format!(
            "Nova accepted {what} of {} to {} ({})",
            self.server_id,
            self.target(),
            rid(request_id)
        ));
        progress(
            self.cx.phase,
            Some(10),
            &format!("{doing} {} from {}", self.server_id, self.source),
        );
    }

    /// Reads the server and refuses to move it unless it is on the source in an allowed status.
    fn server_on_source(&self, statuses: &[&str]) -> Result<Server, ActionError> {
        let server = self.nova().existing_server(self.server_id)?;
        if !server.is_on(self.source) {
            let message = format!(
                "server {} is on {}, not on source_node {}",
                server.id,
                server.host_name(),
                self.source
            );
            return Err(conflict(message, None));
        }
        if server.task_state.is_some() || !statuses.contains(&server.status.as_str()) {
            let message = format!(
                "server {} is {}; it can move only when {} with no task",
                server.id,
                describe(&server),
                statuses.join(" or ")
            );
            return Err(conflict(message, None));
        }
        Ok(server)
    }

    /// True when the server is where it was asked to go (or, with no destination, anywhere else).
    fn arrived(&self, server: &Server) -> bool {
        match self.destination {
            Some(destination) => server.is_on(destination),
            None => !server.is_on(self.source),
        }
    }

    /// The move is over: the final migration record, and the last progress report.
    fn finish(
        &self,
        server: &Server,
        kind: &str,
        request_id: Option<String>,
    ) -> Result<Moved, ActionError> {
        let migration = self.final_migration(kind)?;
        progress(
            self.cx.phase,
            Some(100),
            &format!("{} is {}", self.server_id, describe(server)),
        );
        Ok(Moved {
            host: server.host_name().into(),
            status: server.status.clone(),
            migration,
            request_id,
        })
    }

    /// The typed failure, with what Nova recorded about it (migration record, fault, instance
    /// action).
    fn failure(
        &self,
        kind: &str,
        server: &Server,
        request_id: &Option<String>,
        what: &str,
    ) -> ActionError {
        let settled = self.with_fault(server);
        let server = &settled;
        let migration = self
            .nova()
            .latest_migration(self.server_id, kind)
            .ok()
            .flatten();
        let mut message = format!(
            "migration of {} to {} failed: {what}",
            self.server_id,
            self.target()
        );
        if migration.is_none() {
            let action = request_id.as_deref().and_then(|r| {
                self.nova()
                    .instance_action_message(self.server_id, r)
                    .ok()
                    .flatten()
            });
            if let Some(action) = action {
                message.push_str(&format!(" (instance action: {action})"));
            }
        }
        if let Some(fault) = &server.fault {
            message.push_str(&format!(": {fault}"));
        }
        log::error(&message);
        ActionError::MigrationFailed(MigrationFailure {
            message,
            server_status: server.status.clone(),
            migration_status: migration.as_ref().map(|m| m.status.clone()),
            migration_uuid: migration.and_then(|m| m.uuid),
            host: server.host.clone(),
            fault: server.fault.clone(),
            request_id: request_id.clone(),
        })
    }

    /// The migration record once it has its final status: Nova shows the server in place a
    /// moment before it marks a live migration `completed`, so read again for up to two seconds.
    fn final_migration(&self, kind: &str) -> Result<Option<Migration>, ActionError> {
        let mut migration = self.nova().latest_migration(self.server_id, kind)?;
        for _ in 0..10 {
            match &migration {
                Some(m) if m.in_progress() => wasm_action_sdk::http::sleep_ms(200),
                _ => break,
            }
            migration = self.nova().latest_migration(self.server_id, kind)?;
        }
        Ok(migration)
    }

    /// Nova saves `ERROR` a moment before the fault that explains it (and the migration's
    /// `error`): read the server again for up to a second rather than report a failure
    /// without its cause.
    fn with_fault(&self, server: &Server) -> Server {
        if server.status != status::ERROR || server.fault.is_some() {
            return server.clone();
        }
        for _ in 0..5 {
            wasm_action_sdk::http::sleep_ms(200);
            match self.nova().server(self.server_id) {
                Ok(Some(again)) if again.fault.is_some() || again.status != status::ERROR => {
                    return again;
                }
                _ => {}
            }
        }
        server.clone()
    }
}

/// The request id, for messages.
fn rid(request_id: &Option<String>) -> &str {
    request_id.as_deref().unwrap_or("no request id")
}
