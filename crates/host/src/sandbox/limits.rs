//! Resource limits of a plugin call, and the limiter that enforces memory in its `Store`.
//!
//! Each limit has a default that suits the migrate action with room to spare, and a setting.
//! When one trips, the call ends with [`crate::HostError::LimitExceeded`] naming it; other calls
//! are not affected.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Limits applied to every call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest linear memory of a plugin instance, in bytes (default 64 MiB; the migrate action
    /// needs about 2 MiB).
    pub memory_bytes: usize,
    /// Guest computation per call, in fuel units (about one WebAssembly instruction each).
    /// Waiting on Nova costs none, so a 15-minute migration uses a few hundred million.
    /// Default 10 billion: several seconds of pure computation.
    pub cpu_fuel: u64,
    /// Wall-clock time of a call whose context has no deadline (default 930 s: Watcher's 900 s
    /// budget and time to report). With a deadline, the limit is the deadline plus `grace`.
    pub wall_clock: Duration,
    /// How long a call may run past the deadline it gave the plugin (default 30 s).
    pub grace: Duration,
    /// Largest response body a plugin may receive, in bytes (default 16 MiB).
    pub response_body_bytes: u64,
    /// How long the host keeps sending one request again through transient faults (a 503 from
    /// a load balancer, a refused connection) before the plugin sees the fault (default 60 s;
    /// never past the call's deadline). See [`crate::sandbox::retry`].
    pub retry_budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            cpu_fuel: 10_000_000_000,
            wall_clock: Duration::from_secs(930),
            grace: Duration::from_secs(30),
            response_body_bytes: 16 << 20,
            retry_budget: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// The wall-clock limit of a call with this deadline.
    pub fn wall_clock_for(&self, deadline: Option<Duration>) -> Duration {
        deadline.map_or(self.wall_clock, |d| d.saturating_add(self.grace))
    }
}

/// Which limit a call ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`Limits::memory_bytes`].
    Memory(usize),
    /// [`Limits::cpu_fuel`].
    Cpu(u64),
    /// The wall-clock limit of the call.
    WallClock(Duration),
    /// [`Limits::response_body_bytes`].
    ResponseBody(u64),
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Memory(bytes) => write!(f, "memory limit ({} MiB)", bytes >> 20),
            Limit::Cpu(fuel) => write!(f, "CPU limit ({fuel} fuel units of guest computation)"),
            Limit::WallClock(limit) => write!(f, "wall-clock limit ({:.1} s)", limit.as_secs_f64()),
            Limit::ResponseBody(bytes) => write!(f, "response body limit ({bytes} bytes)"),
        }
    }
}

/// The first limit a call ran into, shared by the parts of the host that enforce them.
#[derive(Clone, Debug, Default)]
pub struct Tripwire {
    tripped: Arc<std::sync::Mutex<Option<Limit>>>,
    any: Arc<AtomicBool>,
}

impl Tripwire {
    /// Records that `limit` was hit (the first one wins).
    pub fn trip(&self, limit: Limit) {
        let mut tripped = self.tripped.lock().unwrap_or_else(|p| p.into_inner());
        tripped.get_or_insert(limit);
        self.any.store(true, Ordering::Release);
    }

    /// The limit that was hit, if any.
    pub fn tripped(&self) -> Option<Limit> {
        if !self.any.load(Ordering::Acquire) {
            return None;
        }
        *self.tripped.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Enforces the memory limit in a `Store` and records when it trips.
#[derive(Debug)]
pub struct MemoryLimiter {
    limit: usize,
    tripwire: Tripwire,
}

impl MemoryLimiter {
    /// A limiter of `limit` bytes that reports to `tripwire`.
    pub fn new(limit: usize, tripwire: Tripwire) -> Self {
        MemoryLimiter { limit, tripwire }
    }
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.limit {
            self.tripwire.trip(Limit::Memory(self.limit));
            wasmtime::bail!(
                "memory limit of {} bytes exceeded (asked for {desired})",
                self.limit
            );
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn growth_within_the_limit_is_allowed() {
        let mut limiter = MemoryLimiter::new(1 << 20, Tripwire::default());
        assert!(limiter.memory_growing(0, 1 << 20, None).expect("allowed"));
    }

    #[test]
    fn growth_beyond_the_limit_traps_and_trips() {
        let tripwire = Tripwire::default();
        let mut limiter = MemoryLimiter::new(1 << 20, tripwire.clone());
        assert!(limiter.memory_growing(0, (1 << 20) + 1, None).is_err());
        assert_eq!(tripwire.tripped(), Some(Limit::Memory(1 << 20)));
    }

    #[test]
    fn the_first_limit_tripped_is_kept() {
        let tripwire = Tripwire::default();
        assert_eq!(tripwire.tripped(), None);
        tripwire.trip(Limit::Cpu(5));
        tripwire.trip(Limit::Memory(1));
        assert_eq!(tripwire.tripped(), Some(Limit::Cpu(5)));
    }

    #[test]
    fn the_wall_clock_follows_the_deadline() {
        let limits = Limits::default();
        assert_eq!(limits.wall_clock_for(None), Duration::from_secs(930));
        assert_eq!(
            limits.wall_clock_for(Some(Duration::from_secs(60))),
            Duration::from_secs(90)
        );
    }

    #[test]
    fn limits_name_themselves() {
        assert_eq!(Limit::Memory(64 << 20).to_string(), "memory limit (64 MiB)");
        assert!(
            Limit::ResponseBody(10)
                .to_string()
                .contains("response body")
        );
    }
}
