//! Riding out transient faults of the services a plugin calls (a load balancer's 503, a
//! refused connection while nova-api restarts, a Keystone hiccup), for every plugin.
//!
//! The rules, pure and unit-tested here, applied by `outbound`:
//! - a request that never left (connection refused, connect timeout), or that the service
//!   turned away with 429 Too Many Requests, may be sent again, whatever its method;
//! - GET and HEAD are also sent again on 502, 503 and 504 and on a connection that ended before
//!   any answer;
//! - a POST, PUT, PATCH or DELETE whose answer was lost after it was sent is never sent again by
//!   the host: the plugin learns it may have been applied and asks the service what happened;
//! - waits grow exponentially with jitter, honour `Retry-After`, and stop at the request's retry
//!   budget ([`Limits::retry_budget`](super::limits::Limits::retry_budget), capped by the call's
//!   deadline).

use http::{HeaderMap, Method, StatusCode};
use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant, SystemTime};
use wasmtime_wasi_http::Error as HttpError;

/// The first wait; each retry doubles it, up to [`MAX_DELAY`].
const FIRST_DELAY: Duration = Duration::from_millis(200);
/// The longest wait between two tries (unless the service asks for more with `Retry-After`).
const MAX_DELAY: Duration = Duration::from_secs(4);

/// What became of one try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// The service answered with this status.
    Answered(StatusCode),
    /// The request never left: nothing reached the service.
    NotSent,
    /// The request was (or may have been) sent, and the connection ended before an answer.
    AnswerLost,
    /// Any other failure (TLS, protocol, limits): not transient.
    Failed,
}

impl Fate {
    /// What a send error says about the request.
    pub fn of_error(error: &HttpError) -> Fate {
        match error {
            HttpError::Connect(_)
            | HttpError::ConnectionRefused
            | HttpError::ConnectionTimeout
            | HttpError::DestinationUnavailable => Fate::NotSent,
            HttpError::Hyper(e)
                if e.is_incomplete_message() || e.is_closed() || e.is_canceled() =>
            {
                Fate::AnswerLost
            }
            HttpError::Hyper(e) if io_reset(e) => Fate::AnswerLost,
            HttpError::ConnectionTerminated
            | HttpError::ConnectionReadTimeout
            | HttpError::HttpResponseIncomplete
            | HttpError::HttpResponseTimeout => Fate::AnswerLost,
            _ => Fate::Failed,
        }
    }

    /// Why this try may be made again, if it may: a transient fate of a request that is safe to
    /// send again.
    pub fn retry_reason(self, method: &Method) -> Option<&'static str> {
        let idempotent = method == Method::GET || method == Method::HEAD;
        match self {
            Fate::NotSent => Some("the connection was refused"),
            // The service says it did not take the request: whatever the method.
            Fate::Answered(StatusCode::TOO_MANY_REQUESTS) => Some("429 Too Many Requests"),
            Fate::AnswerLost if idempotent => Some("the connection ended before an answer"),
            Fate::Answered(StatusCode::BAD_GATEWAY) if idempotent => Some("502 Bad Gateway"),
            Fate::Answered(StatusCode::SERVICE_UNAVAILABLE) if idempotent => {
                Some("503 Service Unavailable")
            }
            Fate::Answered(StatusCode::GATEWAY_TIMEOUT) if idempotent => {
                Some("504 Gateway Timeout")
            }
            _ => None,
        }
    }
}

/// A connection reset by the peer under hyper's error.
fn io_reset(error: &hyper::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            );
        }
        source = cause.source();
    }
    false
}

/// The waits between the tries of one request, within its budget.
#[derive(Debug)]
pub struct Backoff {
    until: Instant,
    next: Duration,
    tries: u32,
    random: RandomState,
}

impl Backoff {
    /// Retries allowed until `until`.
    pub fn until(until: Instant) -> Backoff {
        Backoff {
            until,
            next: FIRST_DELAY,
            tries: 0,
            random: RandomState::new(),
        }
    }

    /// How long to wait before the next try (at least `asked`, the service's `Retry-After`), or
    /// `None` when that would end past the budget.
    pub fn next_delay(&mut self, asked: Option<Duration>) -> Option<Duration> {
        let base = self.next;
        self.next = (self.next * 2).min(MAX_DELAY);
        // Full jitter over the upper half, so that many clients do not come back together.
        let spread = u64::try_from(base.as_millis() / 2)
            .unwrap_or(u64::MAX)
            .max(1);
        let jitter = self.random.hash_one((self.tries, Instant::now())) % spread;
        let delay = (base / 2 + Duration::from_millis(jitter)).max(asked.unwrap_or_default());
        if Instant::now() + delay > self.until {
            return None;
        }
        self.tries += 1;
        Some(delay)
    }

    /// How many retries it granted.
    pub fn retries(&self) -> u32 {
        self.tries
    }
}

/// The wait a `Retry-After` header asks for: seconds, or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_that_never_left_may_be_sent_again_whatever_its_method() {
        for method in [Method::GET, Method::POST, Method::DELETE, Method::PUT] {
            assert!(Fate::NotSent.retry_reason(&method).is_some(), "{method}");
        }
    }

    #[test]
    fn too_many_requests_is_waited_out_whatever_the_method() {
        for method in [Method::GET, Method::POST, Method::DELETE, Method::PUT] {
            let fate = Fate::Answered(StatusCode::TOO_MANY_REQUESTS);
            assert!(fate.retry_reason(&method).is_some(), "{method}");
        }
    }

    #[test]
    fn a_lost_answer_is_retried_for_reads_only() {
        assert!(Fate::AnswerLost.retry_reason(&Method::GET).is_some());
        assert!(Fate::AnswerLost.retry_reason(&Method::HEAD).is_some());
        assert!(Fate::AnswerLost.retry_reason(&Method::POST).is_none());
        assert!(Fate::AnswerLost.retry_reason(&Method::DELETE).is_none());
        assert!(Fate::AnswerLost.retry_reason(&Method::PUT).is_none());
    }

    #[test]
    fn gateway_statuses_are_retried_for_reads_only() {
        for status in [502, 503, 504] {
            let fate = Fate::Answered(StatusCode::from_u16(status).expect("a status"));
            assert!(fate.retry_reason(&Method::GET).is_some(), "{status}");
            assert!(fate.retry_reason(&Method::POST).is_none(), "{status}");
        }
        for status in [200, 202, 400, 401, 404, 409, 500] {
            let fate = Fate::Answered(StatusCode::from_u16(status).expect("a status"));
            assert!(fate.retry_reason(&Method::GET).is_none(), "{status}");
        }
    }

    #[test]
    fn other_failures_are_not_retried() {
        assert!(Fate::Failed.retry_reason(&Method::GET).is_none());
        assert_eq!(
            Fate::of_error(&HttpError::TlsCertificateError),
            Fate::Failed
        );
        assert_eq!(Fate::of_error(&HttpError::HttpRequestDenied), Fate::Failed);
    }

    #[test]
    fn errors_say_whether_the_request_left() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(Fate::of_error(&HttpError::Connect(refused)), Fate::NotSent);
        assert_eq!(Fate::of_error(&HttpError::ConnectionTimeout), Fate::NotSent);
        assert_eq!(
            Fate::of_error(&HttpError::ConnectionTerminated),
            Fate::AnswerLost
        );
    }

    #[test]
    fn waits_grow_with_jitter_and_stay_bounded() {
        let mut backoff = Backoff::until(Instant::now() + Duration::from_secs(3600));
        let delays: Vec<Duration> = (0..8).filter_map(|_| backoff.next_delay(None)).collect();
        assert_eq!(delays.len(), 8);
        assert!(
            delays[0] >= FIRST_DELAY / 2 && delays[0] <= FIRST_DELAY,
            "{delays:?}"
        );
        assert!(delays[3] >= FIRST_DELAY * 4, "{delays:?}");
        assert!(delays.iter().all(|d| *d <= MAX_DELAY), "{delays:?}");
        assert_eq!(backoff.retries(), 8);
    }

    #[test]
    fn the_budget_ends_the_retries() {
        let mut backoff = Backoff::until(Instant::now() + Duration::from_millis(500));
        let granted = (0..10).filter_map(|_| backoff.next_delay(None)).count();
        assert!(granted < 10, "the budget must run out");
        assert_eq!(
            backoff.retries() as usize,
            granted,
            "only granted retries count"
        );
        let mut none = Backoff::until(Instant::now());
        assert_eq!(none.next_delay(None), None);
        assert_eq!(none.retries(), 0);
    }

    #[test]
    fn retry_after_is_honoured_in_seconds_and_as_a_date() {
        let mut headers = HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, "3".parse().expect("a value"));
        let now = SystemTime::now();
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(3)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(10));
        headers.insert(http::header::RETRY_AFTER, later.parse().expect("a value"));
        let asked = retry_after(&headers, now).expect("a date");
        assert!(asked >= Duration::from_secs(9) && asked <= Duration::from_secs(10));
        let mut backoff = Backoff::until(Instant::now() + Duration::from_secs(60));
        assert!(backoff.next_delay(Some(Duration::from_secs(3))) >= Some(Duration::from_secs(3)));
    }

    #[test]
    fn a_retry_after_beyond_the_budget_ends_the_retries() {
        let mut backoff = Backoff::until(Instant::now() + Duration::from_secs(1));
        assert_eq!(backoff.next_delay(Some(Duration::from_secs(30))), None);
    }
}
