//! Wall-clock instants, printed as RFC 3339 in UTC (`2026-05-01T12:34:56.789Z`).

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};

/// A wall-clock instant; displays and serialises as RFC 3339 UTC with milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub SystemTime);

impl Timestamp {
    /// The current wall-clock time.
    pub fn now() -> Self {
        Self(SystemTime::now())
    }

    /// Milliseconds since 1970-01-01T00:00:00Z (negative before it).
    pub fn unix_millis(self) -> i64 {
        match self.0.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A `SystemTime` past jiff's years (±9999) prints as jiff's first or last instant.
        let instant = jiff::Timestamp::try_from(self.0).unwrap_or(if self.0 < UNIX_EPOCH {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        });
        write!(f, "{instant:.3}")
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at_millis(millis: u64) -> Timestamp {
        Timestamp(UNIX_EPOCH + Duration::from_millis(millis))
    }

    #[test]
    fn formats_as_rfc3339_utc_with_milliseconds() {
        assert_eq!(at_millis(0).to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            at_millis(951_782_400_000).to_string(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            at_millis(1_777_638_896_789).to_string(),
            "2026-05-01T12:34:56.789Z"
        );
    }

    #[test]
    fn cuts_below_the_millisecond_instead_of_rounding() {
        let almost = UNIX_EPOCH + Duration::from_nanos(1_999_999);
        assert_eq!(Timestamp(almost).to_string(), "1970-01-01T00:00:00.001Z");
    }

    #[test]
    fn serialises_as_its_display() {
        let json = serde_json::to_string(&at_millis(951_782_400_000)).expect("a string");
        assert_eq!(json, r#""2000-02-29T00:00:00.000Z""#);
    }
}
