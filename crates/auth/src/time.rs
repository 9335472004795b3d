//! Keystone's timestamps (`2026-11-24T19:02:33.073651Z`, RFC 3339) to `SystemTime`.

use std::time::SystemTime;

use jiff::fmt::temporal::Pieces;
use jiff::tz::Offset;

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]` and the other ISO 8601 spellings jiff reads
/// (`t` or a space for the `T`, `±HHMM`, up to nine fraction digits); no zone means UTC, as
/// Keystone means it. A date alone, or one with a `[zone]` annotation, is not a Keystone timestamp.
pub(crate) fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let pieces = Pieces::parse(text.trim()).ok()?;
    let time = pieces.time()?;
    if pieces.time_zone_annotation().is_some() {
        return None;
    }
    let offset = pieces.to_numeric_offset().unwrap_or(Offset::UTC);
    let instant = offset.to_timestamp(pieces.date().to_datetime(time)).ok()?;
    Some(instant.into())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn reads_keystone_expires_at() {
        let parsed = parse_timestamp("2026-11-24T19:02:33.073651Z");
        let expected = UNIX_EPOCH + Duration::from_micros(1_795_546_953_073_651);
        assert_eq!(parsed, Some(expected));
    }

    #[test]
    fn reads_offsets_and_whole_seconds() {
        let utc = parse_timestamp("2000-02-29T00:00:00Z");
        assert_eq!(utc, Some(UNIX_EPOCH + Duration::from_secs(951_782_400)));
        assert_eq!(parse_timestamp("2000-02-29T02:00:00+02:00"), utc);
        assert_eq!(parse_timestamp("2000-02-29T00:00:00.000000"), utc);
    }

    #[test]
    fn no_zone_is_utc_with_or_without_a_fraction() {
        let at = UNIX_EPOCH + Duration::from_micros(1_795_546_953_073_651);
        assert_eq!(parse_timestamp("2026-11-24T19:02:33.073651"), Some(at));
        let whole = UNIX_EPOCH + Duration::from_secs(1_795_546_953);
        assert_eq!(parse_timestamp("2026-11-24T19:02:33"), Some(whole));
    }

    #[test]
    fn reads_other_spellings_of_the_same_instant() {
        let utc = parse_timestamp("2000-02-29T00:00:00Z");
        for same in [
            "2000-02-29t00:00:00z",
            "2000-02-29 00:00:00Z",
            "  2000-02-29T00:00:00Z\n",
            "2000-02-28T19:00:00-05:00",
            "2000-02-29T02:00:00+0200",
            "2000-02-29T00:00:00.000000000Z",
        ] {
            assert_eq!(parse_timestamp(same), utc, "{same}");
        }
        let millis = UNIX_EPOCH + Duration::from_millis(951_782_400_123);
        assert_eq!(parse_timestamp("2000-02-29T00:00:00.123Z"), Some(millis));
        let nanos = UNIX_EPOCH + Duration::new(951_782_400, 123_456_789);
        assert_eq!(
            parse_timestamp("2000-02-29T00:00:00.123456789Z"),
            Some(nanos)
        );
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for bad in [
            "",
            "tomorrow",
            "2026-13-01T00:00:00Z",
            "2026-01-01T25:00:00Z",
            "2026-01-01",
            "2026-02-30T00:00:00Z",
            "2026-01-01T00:00:00Z[Europe/Paris]",
            "2026-01-01T00:00:00.Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
