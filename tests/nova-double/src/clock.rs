//! Timestamps in the formats Nova prints, without a date-time crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// `2026-11-24T19:01:52Z`, as in a server's `updated`.
pub(crate) fn iso_seconds(time: SystemTime) -> String {
    let c = Civil::from(time);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `2026-11-24T19:02:33.073651`, as in a service's `updated_at` or an action's `start_time`.
pub(crate) fn iso_micros(time: SystemTime) -> String {
    let c = Civil::from(time);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.micros
    )
}

struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    micros: u32,
}

impl From<SystemTime> for Civil {
    fn from(time: SystemTime) -> Self {
        let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
        let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX / 2);
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let rem = secs.rem_euclid(86_400);
        Civil {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            micros: since.subsec_micros(),
        }
    }
}

/// Days since 1970-01-01 to (year, month, day): Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
}
