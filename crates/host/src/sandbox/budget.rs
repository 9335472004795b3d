//! Gentle on Nova: every compute endpoint gets at most [`RequestBudget::in_flight`] requests at
//! once and [`RequestBudget::per_second`] a second, from all plugins and calls of a runtime
//! together. A request waits for its turn, first come first served: the in-flight slots are a
//! fair semaphore, and each admitted request takes the next free instant of the rate, in order.
//! Every attempt counts, the retries of the outbound path included; a 429 from the service is
//! waited out as a transient fault.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// How much one runtime may ask of one compute endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestBudget {
    /// Requests waiting for an answer at once.
    pub in_flight: usize,
    /// Requests started per second (averaged: one every `1/per_second` s).
    pub per_second: f64,
}

impl RequestBudget {
    /// What a production nova-api takes without noticing: 32 at once, 50 a second (a handful
    /// of API workers, each answering a server GET in a few tens of milliseconds).
    pub const DEFAULT: RequestBudget = RequestBudget {
        in_flight: 32,
        per_second: 50.0,
    };

    /// No budget: as many requests as the calls make.
    pub const UNLIMITED: RequestBudget = RequestBudget {
        in_flight: Semaphore::MAX_PERMITS,
        per_second: f64::INFINITY,
    };

    fn interval(&self) -> Duration {
        if self.per_second.is_finite() && self.per_second > 0.0 {
            Duration::from_secs_f64(1.0 / self.per_second)
        } else {
            Duration::ZERO
        }
    }
}

impl Default for RequestBudget {
    fn default() -> Self {
        RequestBudget::DEFAULT
    }
}

/// The budget of one endpoint, shared by every call to it.
#[derive(Debug)]
pub struct EndpointGate {
    in_flight: Arc<Semaphore>,
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

/// A request's turn: the in-flight slot is given back when it is dropped.
#[derive(Debug)]
pub struct Turn {
    _slot: OwnedSemaphorePermit,
    /// How long the request waited for it.
    pub waited: Duration,
}

impl EndpointGate {
    fn new(budget: RequestBudget) -> EndpointGate {
        EndpointGate {
            in_flight: Arc::new(Semaphore::new(budget.in_flight.max(1))),
            interval: budget.interval(),
            next: Mutex::new(None),
        }
    }

    /// Waits for a free slot, then for the next instant the rate allows.
    pub async fn turn(&self) -> Turn {
        let asked = Instant::now();
        let slot = match self.in_flight.clone().acquire_owned().await {
            Ok(slot) => slot,
            // The semaphore is never closed.
            Err(_) => unreachable!("the endpoint's semaphore is never closed"),
        };
        if !self.interval.is_zero() {
            let start = {
                let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                let start = next.map_or(now, |n| n.max(now));
                *next = Some(start + self.interval);
                start
            };
            tokio::time::sleep_until(start).await;
        }
        Turn {
            _slot: slot,
            waited: asked.elapsed(),
        }
    }
}

/// One gate per endpoint origin (`scheme://host:port`), made on first use.
#[derive(Debug)]
pub struct Budgets {
    budget: RequestBudget,
    gates: Mutex<HashMap<String, Arc<EndpointGate>>>,
}

impl Budgets {
    /// Gates that each give `budget`.
    pub fn new(budget: RequestBudget) -> Budgets {
        Budgets {
            budget,
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// The gate of the endpoint `origin`.
    pub fn gate(&self, origin: &str) -> Arc<EndpointGate> {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        gates
            .entry(origin.to_string())
            .or_insert_with(|| Arc::new(EndpointGate::new(self.budget)))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_rate_spaces_requests_evenly_in_arrival_order() {
        let gate = Arc::new(EndpointGate::new(RequestBudget {
            in_flight: 100,
            per_second: 10.0,
        }));
        let started = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..5 {
            let turn = gate.turn().await;
            waits.push(started.elapsed());
            drop(turn);
        }
        let expected: Vec<Duration> = (0..5).map(|i| Duration::from_millis(100 * i)).collect();
        assert_eq!(waits, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_in_flight_hold_a_turn_at_once() {
        let gate = Arc::new(EndpointGate::new(RequestBudget {
            in_flight: 2,
            per_second: f64::INFINITY,
        }));
        let (a, b) = (gate.turn().await, gate.turn().await);
        let third = tokio::spawn({
            let gate = gate.clone();
            async move { gate.turn().await.waited }
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(!third.is_finished(), "a third waits while two hold turns");
        drop(a);
        let waited = third.await.expect("the third gets its turn");
        assert!(waited >= Duration::from_secs(1));
        drop(b);
    }

    #[test]
    fn each_endpoint_has_a_gate_of_its_own() {
        let budgets = Budgets::new(RequestBudget::DEFAULT);
        let a = budgets.gate("http://a:8774");
        assert!(Arc::ptr_eq(&a, &budgets.gate("http://a:8774")));
        assert!(!Arc::ptr_eq(&a, &budgets.gate("http://b:8774")));
    }
}
