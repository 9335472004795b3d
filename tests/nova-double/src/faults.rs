//! Faults a test can inject: driver failures inside Nova, and misbehaving HTTP.

use std::time::Duration;

/// Something to go wrong, injected with [`crate::NovaDouble::inject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Like the real fake-driver failures `<step>:rollback` and `<step>:error`: the next time
    /// the driver runs `step`, it fails. Used once.
    DriverFailure {
        /// The driver step that fails.
        step: DriverStep,
        /// What Nova does about it.
        kind: FailureKind,
    },
    /// The next `count` requests whose path contains `path_contains` (and whose method is
    /// `method`, if given) get `status` with a Nova-shaped `computeFault` body.
    HttpStatus {
        /// HTTP method to match (e.g. `"POST"`), any method if `None`.
        method: Option<String>,
        /// Substring of the request path to match.
        path_contains: String,
        /// Status code to answer with.
        status: u16,
        /// How many matching requests get it.
        count: u32,
    },
    /// The next `count` matching requests: the connection is closed without any response.
    DropConnection {
        /// HTTP method to match, any method if `None`.
        method: Option<String>,
        /// Substring of the request path to match.
        path_contains: String,
        /// How many matching requests get it.
        count: u32,
    },
    /// The next `count` matching requests are answered normally, but only after `delay`.
    SlowResponse {
        /// HTTP method to match, any method if `None`.
        method: Option<String>,
        /// Substring of the request path to match.
        path_contains: String,
        /// How long to wait before handling the request.
        delay: Duration,
        /// How many matching requests get it.
        count: u32,
    },
}

/// A step of the virt driver that a [`Fault::DriverFailure`] can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverStep {
    /// Cold migration or resize, on the source: copying the disk away.
    MigrateDiskAndPowerOff,
    /// Cold migration or resize, on the destination: bringing the server up (an `Error` leaves
    /// a resized server in `ERROR` with its old flavor).
    FinishMigration,
    /// Live migration pre-check on the destination.
    CheckCanLiveMigrateDestination,
    /// Live migration: the copy itself.
    LiveMigration,
    /// Shelve, on the host: the snapshot (the real harness's `snapshot:error`). Either kind
    /// ends the same way: the server is back in its status with no task, the `shelve` action
    /// says `Error`, and no fault is shown (the server is not in `ERROR`).
    Snapshot,
}

impl DriverStep {
    /// The driver method's name, as Nova's messages spell it.
    pub fn driver_method(self) -> &'static str {
        match self {
            DriverStep::MigrateDiskAndPowerOff => "migrate_disk_and_power_off",
            DriverStep::FinishMigration => "finish_migration",
            DriverStep::CheckCanLiveMigrateDestination => "check_can_live_migrate_destination",
            DriverStep::LiveMigration => "live_migration",
            DriverStep::Snapshot => "snapshot",
        }
    }
}

/// What Nova does after a driver step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Nova rolls back: the server returns to its original status on the source.
    Rollback,
    /// Nova gives up: the server goes to `ERROR` with a `fault`.
    Error,
}

/// What the HTTP layer must do with one request, decided by the injected faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HttpFault {
    Status(u16),
    Drop,
    Delay(Duration),
}

/// The faults waiting to happen.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    http: Vec<Fault>,
    driver: Vec<(DriverStep, FailureKind)>,
}

impl FaultBook {
    pub(crate) fn add(&mut self, fault: Fault) {
        match fault {
            Fault::DriverFailure { step, kind } => self.driver.push((step, kind)),
            other if remaining(&other) > 0 => self.http.push(other),
            _ => {}
        }
    }

    pub(crate) fn clear(&mut self) {
        self.http.clear();
        self.driver.clear();
    }

    /// Uses up the first driver failure waiting for `step`.
    pub(crate) fn take_driver(&mut self, step: DriverStep) -> Option<FailureKind> {
        let index = self.driver.iter().position(|(s, _)| *s == step)?;
        Some(self.driver.remove(index).1)
    }

    /// Uses up one count of the first HTTP fault matching this request.
    pub(crate) fn take_http(&mut self, method: &str, path: &str) -> Option<HttpFault> {
        let index = self.http.iter().position(|f| matches(f, method, path))?;
        let fault = &mut self.http[index];
        let action = match fault {
            Fault::HttpStatus { status, count, .. } => {
                *count -= 1;
                HttpFault::Status(*status)
            }
            Fault::DropConnection { count, .. } => {
                *count -= 1;
                HttpFault::Drop
            }
            Fault::SlowResponse { delay, count, .. } => {
                *count -= 1;
                HttpFault::Delay(*delay)
            }
            Fault::DriverFailure { .. } => return None,
        };
        if remaining(fault) == 0 {
            self.http.remove(index);
        }
        Some(action)
    }
}

fn remaining(fault: &Fault) -> u32 {
    match fault {
        Fault::HttpStatus { count, .. }
        | Fault::DropConnection { count, .. }
        | Fault::SlowResponse { count, .. } => *count,
        Fault::DriverFailure { .. } => 0,
    }
}

fn matches(fault: &Fault, method: &str, path: &str) -> bool {
    let (wanted, part) = match fault {
        Fault::HttpStatus {
            method,
            path_contains,
            ..
        }
        | Fault::DropConnection {
            method,
            path_contains,
            ..
        }
        | Fault::SlowResponse {
            method,
            path_contains,
            ..
        } => (method, path_contains),
        Fault::DriverFailure { .. } => return false,
    };
    let method_ok = wanted
        .as_deref()
        .is_none_or(|m| m.eq_ignore_ascii_case(method));
    method_ok && path.contains(part.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_fault(count: u32) -> Fault {
        Fault::HttpStatus {
            method: Some("post".into()),
            path_contains: "/action".into(),
            status: 503,
            count,
        }
    }

    #[test]
    fn http_fault_is_used_up_after_its_count() {
        let mut book = FaultBook::default();
        book.add(status_fault(2));
        let path = "/v2.1/servers/x/action";
        assert_eq!(book.take_http("POST", path), Some(HttpFault::Status(503)));
        assert_eq!(book.take_http("POST", path), Some(HttpFault::Status(503)));
        assert_eq!(book.take_http("POST", path), None);
    }

    #[test]
    fn http_fault_ignores_other_methods_and_paths() {
        let mut book = FaultBook::default();
        book.add(status_fault(1));
        assert_eq!(book.take_http("GET", "/v2.1/servers/x/action"), None);
        assert_eq!(book.take_http("POST", "/v2.1/os-services/x"), None);
    }

    #[test]
    fn driver_failure_is_used_once() {
        let mut book = FaultBook::default();
        let step = DriverStep::FinishMigration;
        book.add(Fault::DriverFailure {
            step,
            kind: FailureKind::Error,
        });
        assert_eq!(book.take_driver(DriverStep::LiveMigration), None);
        assert_eq!(book.take_driver(step), Some(FailureKind::Error));
        assert_eq!(book.take_driver(step), None);
    }
}
