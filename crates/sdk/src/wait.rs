//! Waiting for a server to reach a state: adaptive polling under a deadline.
//!
//! The first read comes 200 ms after the request that started the change, and each interval is
//! 30 % longer than the one before, up to 2 s, or a tenth of the time waited so far once that is
//! longer. A change is seen at most 0.2 s + 30 % of its time late, in a few reads for what takes
//! a second or two (Nova's cold migration and its confirmation on real Nova 34 and on the
//! stand-in: 0.4–1.4 s, 2–5 reads each); one that takes minutes at most a tenth of its time late
//! (a read every 2 s would cost 300 requests for a 10-minute migration; this schedule 52).
//!
//! Why one curve and not Nova's task states: real Nova 34 shows a cold migration as
//! `resize_prep` and then `VERIFY_RESIZE` (its later task states last milliseconds), and a
//! confirmation as `VERIFY_RESIZE` and then the original status, so what a read shows says
//! nothing about when the next change is due. Resetting to fast on every task change was tried:
//! it added requests and saved no time.

use crate::bindings::openstack::actions::types::ActionError;
use crate::errors::{conflict, explain, not_found};
use crate::http::{now_ms, sleep_ms};
use crate::log::progress;
use crate::nova::{Nova, Server};
use crate::status;

const FIRST_INTERVAL_MS: u64 = 200;
/// The interval stops growing here, unless a tenth of the time waited is longer.
const LONG_INTERVAL_MS: u64 = 2_000;
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
    let started_ms = now_ms();
    let mut interval = FIRST_INTERVAL_MS;
    let mut seen = String::new();
    loop {
        let remaining = deadline.remaining_ms();
        sleep_ms(interval.min(remaining));
        interval = next_interval(interval, now_ms().saturating_sub(started_ms));
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

/// The interval after `interval`, `waited_ms` into the wait: 30 % longer, up to 2 s or a tenth
/// of the time waited, whichever is longer.
fn next_interval(interval: u64, waited_ms: u64) -> u64 {
    let cap = LONG_INTERVAL_MS.max(waited_ms / 10);
    (interval + interval * 3 / 10).min(cap)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// When the reads of a wait for a change `change_ms` away come (ms after the wait began,
    /// each read taking no time).
    fn reads(change_ms: u64) -> Vec<u64> {
        let (mut at, mut interval, mut times) = (0, FIRST_INTERVAL_MS, Vec::new());
        while at < change_ms {
            at += interval;
            times.push(at);
            interval = next_interval(interval, at);
        }
        times
    }

    fn late(change_ms: u64) -> u64 {
        reads(change_ms).last().copied().unwrap_or_default() - change_ms
    }

    #[test]
    fn a_short_change_is_seen_at_most_a_fifth_of_a_second_and_30_percent_late() {
        for change_ms in (1..20_000).step_by(7) {
            assert!(
                late(change_ms) <= FIRST_INTERVAL_MS + change_ms * 3 / 10,
                "{change_ms} ms: {:?}",
                reads(change_ms)
            );
        }
        // Nova's cold migration and its confirmation, on the stand-in and on real Nova 34.
        for (change_ms, at_most) in [(400, 2), (565, 3), (1_200, 4), (1_350, 5)] {
            assert!(reads(change_ms).len() <= at_most, "{change_ms} ms");
        }
    }

    #[test]
    fn a_long_change_is_seen_at_most_a_tenth_late_with_far_fewer_reads_than_every_2_s() {
        for change_ms in (20_000..4_000_000).step_by(997) {
            assert!(late(change_ms) <= change_ms / 10, "{change_ms} ms");
        }
        for (minutes, at_most) in [(1, 30), (10, 55), (60, 75)] {
            let count = reads(minutes * 60_000).len();
            assert!(count <= at_most, "{minutes} min: {count} reads");
        }
    }
}
