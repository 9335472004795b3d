//! Timestamps in the formats Nova prints, in UTC.

use std::time::SystemTime;

use jiff::Timestamp;
use jiff::tz::Offset;

/// `2026-11-24T19:01:52Z`, as in a server's `updated`.
pub(crate) fn iso_seconds(time: SystemTime) -> String {
    format!("{:.0}", instant(time))
}

/// `2026-11-24T19:02:33.073651`, as in a service's `updated_at` or an action's `start_time`
/// (UTC without a zone, microseconds always).
pub(crate) fn iso_micros(time: SystemTime) -> String {
    format!("{:.6}", Offset::UTC.to_datetime(instant(time)))
}

/// `time` as an instant; one past jiff's years (±9999) prints as the epoch.
fn instant(time: SystemTime) -> Timestamp {
    Timestamp::try_from(time).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn formats_a_known_instant_like_nova() {
        // 2026-11-24T19:02:33.073651Z
        let time = UNIX_EPOCH + Duration::from_micros(1_795_546_953_073_651);
        assert_eq!(iso_seconds(time), "2026-11-24T19:02:33Z");
        assert_eq!(iso_micros(time), "2026-11-24T19:02:33.073651");
    }

    #[test]
    fn leap_day_is_a_real_date() {
        let time = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(iso_seconds(time), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn whole_seconds_keep_six_zeros_and_fractions_are_cut_not_rounded() {
        let whole = UNIX_EPOCH + Duration::from_secs(1_795_546_953);
        assert_eq!(iso_micros(whole), "2026-11-24T19:02:33.000000");
        let almost = whole + Duration::from_nanos(999_999_999);
        assert_eq!(iso_micros(almost), "2026-11-24T19:02:33.999999");
        assert_eq!(iso_seconds(almost), "2026-11-24T19:02:33Z");
    }
}
