//! Keystone's timestamp format, `2026-11-24T19:02:33.073651Z`, and its fernet tokens' whole
//! seconds.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jiff::Timestamp;

/// `2026-11-24T19:02:33.073651Z`, as in a token's `expires_at` and `issued_at` (UTC, microseconds
/// always); a time past jiff's years (±9999) prints as the epoch.
pub(crate) fn iso_micros_z(time: SystemTime) -> String {
    let instant = Timestamp::try_from(time).unwrap_or(Timestamp::UNIX_EPOCH);
    format!("{instant:.6}")
}

/// `time` without its fraction of a second: a fernet token carries its times in whole seconds,
/// so real Keystone 30 shows `2026-12-04T10:00:00.000000Z` and a token expires on the second.
pub(crate) fn whole_seconds(time: SystemTime) -> SystemTime {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => UNIX_EPOCH + Duration::from_secs(since.as_secs()),
        Err(_) => time,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn formats_a_known_instant_like_keystone() {
        let time = UNIX_EPOCH + Duration::from_micros(1_795_546_953_073_651);
        assert_eq!(iso_micros_z(time), "2026-11-24T19:02:33.073651Z");
    }

    #[test]
    fn whole_seconds_keep_six_zeros_and_fractions_are_cut_not_rounded() {
        let whole = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(iso_micros_z(whole), "2000-02-29T00:00:00.000000Z");
        let almost = whole + Duration::from_nanos(999_999_999);
        assert_eq!(iso_micros_z(almost), "2000-02-29T00:00:00.999999Z");
    }

    #[test]
    fn whole_seconds_cut_the_fraction() {
        let whole = UNIX_EPOCH + Duration::from_secs(951_782_400);
        let almost = whole + Duration::from_nanos(999_999_999);
        assert_eq!(whole_seconds(almost), whole);
        assert_eq!(
            iso_micros_z(whole_seconds(almost)),
            "2000-02-29T00:00:00.000000Z"
        );
    }
}
