//! Keystone's timestamps (`2026-11-24T19:02:33.073651Z`, RFC 3339) to `SystemTime`, without a
//! date-time crate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction][Z|±HH:MM]`; no zone means UTC, as Keystone means it.
pub(crate) fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut ymd = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (ymd.next()??, ymd.next()??, ymd.next()??);
    let zone_at = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (clock, zone) = rest.split_at(zone_at);
    let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
    let mut parts = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hour, minute, second) = (parts.next()??, parts.next()??, parts.next()??);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second <= 60;
    if !valid || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
        - zone_offset(zone)?;
    let nanos = format!("{fraction:0<9}").get(..9)?.parse::<u32>().ok()?;
    let whole = u64::try_from(seconds).ok()?;
    Some(UNIX_EPOCH + Duration::new(whole, nanos))
}

/// `Z` or empty → 0; `+HH:MM` / `-HH:MM` → seconds east of UTC.
fn zone_offset(zone: &str) -> Option<i64> {
    if zone.is_empty() || zone.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let (sign, hm) = zone.split_at(1);
    let (h, m) = hm.split_once(':').unwrap_or((hm.get(..2)?, hm.get(2..)?));
    let offset = h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60;
    Some(if sign == "-" { -offset } else { offset })
}

/// Days since 1970-01-01: Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
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
    fn rejects_what_is_not_a_timestamp() {
        for bad in [
            "",
            "tomorrow",
            "2026-13-01T00:00:00Z",
            "2026-01-01T25:00:00Z",
            "2026-01-01",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
