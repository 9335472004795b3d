//! Waiting for a server to reach a state: adaptive polling under a deadline.
//!
//! Polls start fast (150 ms) because Nova's steps take about a second, and grow by a quarter at
//! each poll (up to 2 s), so a migration that takes minutes costs a request every 2 s, not every
//! 150 ms. Resetting to fast on every task change was tried: it added requests and saved no time.

use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::{conflict, explain, not_found};
use crate::http::{now_ms, sleep_ms};
use crate::log::progress;
use crate::nova::{Nova, Server};
use crate::status;

const FIRST_INTERVAL_MS: u64 = 150;
const MAX_INTERVAL_MS: u64 = 2_000;
/// Watcher's own default retry budget for a migration (180 × 5 s).
pub const DEFAULT_DEADLINE_MS: u64 = 900_000;

/// When the whole phase must be over.
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    started_ms: u64,
    ends_ms: u64,
}

impl Deadline {
    /// A deadline `budget_ms` from now.
    pub fn after(budget_ms: u64) -> Deadline {
        let started_ms = now_ms();
        Deadline {
            started_ms,
            ends_ms: started_ms.saturating_add(budget_ms),
        }
    }

    /// Milliseconds since the phase started.
    pub fn elapsed_ms(&self) -> u64 {
        now_ms().saturating_sub(self.started_ms)
    }

    /// Milliseconds left.
    pub fn remaining_ms(&self) -> u64 {
        self.ends_ms.saturating_sub(now_ms())
    }
}

/// What a check says about the server it just saw.
#[derive(Debug)]
pub enum Step<T> {
    /// The wait is over, with its result.
    Done(T),
    /// Not there yet: poll again.
    Pending,
}

/// Polls the server until it is settled (no task) in one of `targets`, or shows one of
/// `failures` (`ERROR` at once, any other once settled: Nova gave up and put it back), or the
/// deadline passes: openstacksdk's `wait_for_status(target, failures)`.
pub fn wait_for_status(
    nova: &Nova,
    id: &str,
    deadline: Deadline,
    phase: &str,
    targets: &[&str],
    failures: &[&str],
) -> Result<Server, ActionError> {
    let waiting_for = targets.join(" or ");
    wait_for(nova, id, deadline, phase, &waiting_for, |server| {
        if targets.iter().any(|t| server.settled_in(t)) {
            return Ok(Step::Done(server.clone()));
        }
        let failed = failures.contains(&server.status.as_str())
            && (server.status == status::ERROR || server.task_state.is_none());
        if failed {
            let fault = server
                .fault
                .as_deref()
                .map(|f| format!(": {f}"))
                .unwrap_or_default();
            return Err(conflict(
                format!(
                    "Nova did not bring server {id} to {waiting_for}: it is {}{fault}",
                    describe(server)
                ),
                None,
            ));
        }
        Ok(Step::Pending)
    })
}

/// Polls the server until `check` says done or fails, or the deadline passes.
/// `phase` and `waiting_for` name the wait in progress reports and in the timeout error.
pub fn wait_for<T>(
    nova: &Nova,
    id: &str,
    deadline: Deadline,
    phase: &str,
    waiting_for: &str,
    mut check: impl FnMut(&Server) -> Result<Step<T>, ActionError>,
) -> Result<T, ActionError> {
    let mut last_seen = String::new();
    poll(deadline, waiting_for, &format!("server {id}"), |seen| {
        let server = nova
            .server(id)
            .map_err(|e| lost_contact(e, id, waiting_for, &last_seen))?
            .ok_or_else(|| {
                not_found(
                    format!("server {id} disappeared while waiting for {waiting_for}"),
                    None,
                )
            })?;
        let now = describe(&server);
        let step = check(&server)?;
        if now != last_seen {
            match step {
                Step::Done(_) => progress(phase, None, &now),
                Step::Pending => {
                    progress(phase, None, &format!("{now}; waiting for {waiting_for}"))
                }
            }
            last_seen = now.clone();
        }
        *seen = now;
        Ok(step)
    })
}

/// Calls `read` until it says done or fails, or the deadline passes, on the schedule above.
/// The first read comes after the first interval: every wait follows a request that just
/// changed something, and a read at once would only see it begin. `read` writes what it saw
/// into its argument, for the timeout error ("`what` is ...").
pub fn poll<T>(
    deadline: Deadline,
    waiting_for: &str,
    what: &str,
    mut read: impl FnMut(&mut String) -> Result<Step<T>, ActionError>,
) -> Result<T, ActionError> {
    let mut interval = FIRST_INTERVAL_MS;
    let mut seen = String::new();
    loop {
        let remaining = deadline.remaining_ms();
        sleep_ms(interval.min(remaining));
        interval = (interval + interval / 4).min(MAX_INTERVAL_MS);
        if let Step::Done(result) = read(&mut seen)? {
            return Ok(result);
        }
        if deadline.remaining_ms() == 0 {
            let waited = deadline.elapsed_ms() / 1000;
            return Err(ActionError::TimedOut(format!(
                "gave up after {waited} s waiting for {waiting_for}: {what} is {seen}"
            )));
        }
    }
}

/// Nova could not be read (an outage beyond the host's retry budget): the error says where the
/// server was last seen and what the operator can do.
fn lost_contact(error: ActionError, id: &str, waiting_for: &str, seen: &str) -> ActionError {
    let outage = match &error {
        ActionError::Transport(_) => true,
        ActionError::Api(fault) => fault.status >= 500,
        _ => false,
    };
    if !outage {
        return error;
    }
    let seen = if seen.is_empty() {
        "before the request"
    } else {
        seen
    };
    ActionError::Transport(format!(
        "lost contact with Nova while waiting for {waiting_for} ({}): server {id} was \
         last seen {seen}. Check it in Nova (openstack server show / server migration list); \
         revert or abort works from that state",
        explain(&error)
    ))
}

/// `VERIFY_RESIZE (no task) on compute3`, for progress and messages.
pub fn describe(server: &Server) -> String {
    let task = server.task_state.as_deref().unwrap_or("no task");
    format!("{} ({task}) on {}", server.status, server.host_name())
}
