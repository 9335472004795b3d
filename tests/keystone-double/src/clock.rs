//! Keystone's timestamp format, `2026-11-24T19:02:33.073651Z`.

use std::time::SystemTime;

use jiff::Timestamp;

/// `2026-11-24T19:02:33.073651Z`, as in a token's `expires_at` and `issued_at` (UTC, microseconds
/// always); a time past jiff's years (±9999) prints as the epoch.
pub(crate) fn iso_micros_z(time: SystemTime) -> String {
    let instant = Timestamp::try_from(time).unwrap_or(Timestamp::UNIX_EPOCH);
    format!("{instant:.6}")
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
}
