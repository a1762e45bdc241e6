//! Time as data: instants, durations and their text forms.
//!
//! Tierwise never reads a clock. Instants are [`jiff::Timestamp`]s supplied by
//! the host; internally they are whole milliseconds since the Unix epoch, so
//! finer precision in inputs is truncated towards the past.
//!
//! Durations in documents are written `"20s"`, `"6m"`, `"1h30m"`, `"2d"`,
//! `"1w"`, `"250ms"` (units may be separated by spaces), or as an integer
//! number of seconds.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserializer, Serializer};

/// Milliseconds in one hour.
pub(crate) const HOUR_MS: i64 = 3_600_000;
/// Milliseconds in one day.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// An instant as whole milliseconds since the Unix epoch.
pub(crate) fn to_ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

/// The instant `ms` milliseconds after the Unix epoch. `ms` always comes from
/// arithmetic on in-range instants bounded by the calendar range, so the
/// fallback is unreachable in practice; it saturates rather than panics.
pub(crate) fn from_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(if ms < 0 { Timestamp::MIN } else { Timestamp::MAX })
}

/// A duration as whole milliseconds.
pub(crate) fn duration_ms(d: SignedDuration) -> i64 {
    // Saturates: durations are bounded by validation long before this matters.
    i64::try_from(d.as_millis()).unwrap_or(if d.is_negative() { i64::MIN } else { i64::MAX })
}

/// The duration of `ms` milliseconds.
pub(crate) fn ms_duration(ms: i64) -> SignedDuration {
    SignedDuration::from_millis(ms)
}

/// The proleptic Gregorian UTC year containing the instant `ms`.
pub(crate) fn utc_year(ms: i64) -> i64 {
    // Days since 1970-01-01, then H. Hinnant's civil-from-days.
    let days = ms.div_euclid(DAY_MS);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    yoe + era * 400 + i64::from(month <= 2)
}

/// Parses a duration such as `"1h30m"`, `"20s"`, `"2d"` or `"90"` (seconds).
///
/// # Errors
/// A message describing what is wrong with the text.
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("empty duration; write e.g. \"30m\", \"4h\" or \"1h30m\"".to_owned());
    }
    if let Ok(secs) = s.parse::<i64>() {
        return Ok(SignedDuration::from_secs(secs));
    }
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let bad = || format!("invalid duration \"{text}\"; write e.g. \"30m\", \"4h\", \"1h30m\" or \"2d\"");
    let mut total: i128 = 0;
    let mut rest = body;
    let mut seen_any = false;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 15 {
            return Err(bad());
        }
        let value: i128 = rest[..digits].parse().map_err(|_| bad())?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit_ms: i128 = match &rest[..unit_len] {
            "ms" => 1,
            "s" | "sec" | "secs" => 1_000,
            "m" | "min" | "mins" => 60_000,
            "h" | "hr" | "hrs" => 3_600_000,
            "d" | "day" | "days" => 86_400_000,
            "w" | "week" | "weeks" => 604_800_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total += value * unit_ms;
        seen_any = true;
        // Bounded: 200 years is far beyond any SLA target or scenario.
        if total > 200 * 366 * 86_400_000 {
            return Err(format!("duration \"{text}\" is longer than 200 years"));
        }
    }
    if !seen_any {
        return Err(bad());
    }
    let ms = i64::try_from(total).map_err(|_| bad())?;
    Ok(SignedDuration::from_millis(if negative { -ms } else { ms }))
}

/// Formats a duration in the same compact form [`parse_duration`] reads:
/// `"1h30m"`, `"4h"`, `"0s"`, `"-15m"`. Hours are the largest unit, so business
/// time is never mistaken for working days: 24 business hours is `"24h"`.
#[must_use]
pub fn format_duration(d: SignedDuration) -> String {
    let mut ms = duration_ms(d);
    let mut out = String::new();
    if ms < 0 {
        out.push('-');
        ms = ms.saturating_neg();
    }
    if ms == 0 {
        return "0s".to_owned();
    }
    let parts = [(HOUR_MS, "h"), (60_000, "m"), (1_000, "s"), (1, "ms")];
    for (unit, name) in parts {
        if ms >= unit {
            out.push_str(&(ms / unit).to_string());
            out.push_str(name);
            ms %= unit;
        }
    }
    out
}

/// Serde for [`SignedDuration`] fields in documents: reads `"1h30m"` or integer
/// seconds, writes `"1h30m"`.
pub(crate) mod duration_serde {
    use std::fmt;

    use serde::de::{Error, Visitor};

    use super::{Deserializer, Serializer, SignedDuration, format_duration, parse_duration};

    pub(crate) fn serialize<S: Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_duration(*d))
    }

    /// Reads the value as it comes (no buffering, unlike an untagged enum), so
    /// a wrong type is named in the error.
    pub(crate) struct DurationVisitor;

    impl Visitor<'_> for DurationVisitor {
        type Value = SignedDuration;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a duration such as \"30m\", \"1h30m\" or a number of seconds")
        }

        fn visit_i64<E: Error>(self, secs: i64) -> Result<SignedDuration, E> {
            Ok(SignedDuration::from_secs(secs))
        }

        fn visit_u64<E: Error>(self, secs: u64) -> Result<SignedDuration, E> {
            i64::try_from(secs)
                .map(SignedDuration::from_secs)
                .map_err(|_| E::custom(format!("invalid duration {secs}")))
        }

        fn visit_f64<E: Error>(self, secs: f64) -> Result<SignedDuration, E> {
            if secs.is_finite() && secs.abs() < 1e10 {
                #[allow(clippy::cast_possible_truncation)]
                Ok(SignedDuration::from_millis((secs * 1000.0).round() as i64))
            } else {
                Err(E::custom(format!("invalid duration {secs}")))
            }
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<SignedDuration, E> {
            parse_duration(text).map_err(E::custom)
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
        d.deserialize_any(DurationVisitor)
    }
}

/// `2026-03-06T09:00:00+01:00`: local date and time to the second, with the
/// zone's offset (what `strftime("%Y-%m-%dT%H:%M:%S%:z")` prints, without
/// linking jiff's strftime machinery into the WebAssembly package).
pub(crate) fn local_rfc3339(zoned: &jiff::ZonedDateTime) -> String {
    let offset = zoned.offset().seconds();
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        zoned.year(),
        zoned.month(),
        zoned.day(),
        zoned.hour(),
        zoned.minute(),
        zoned.second(),
        offset / 3600,
        offset / 60 % 60
    )
}

/// `Mon 2026-03-02`: the UTC day of an instant with its weekday (what
/// `strftime("%a %Y-%m-%d")` prints).
pub(crate) fn utc_day(at: Timestamp) -> String {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let day = at.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    let weekday = WEEKDAYS[usize::try_from(day.weekday().to_monday_zero_offset()).unwrap_or(0)];
    format!("{weekday} {:04}-{:02}-{:02}", day.year(), day.month(), day.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_print_as_strftime_does() {
        let zones = ["UTC", "Europe/Madrid", "America/Bogota", "Asia/Kathmandu", "America/St_Johns", "Pacific/Chatham"];
        for zone in zones {
            let tz = jiff::tz::TimeZone::get(zone).unwrap();
            // Every 7 h 13 min 17.5 s across 2025-2027: all weekdays, both sides of DST.
            let mut ms = 1_735_689_600_000_i64;
            while ms < 1_798_761_600_000 {
                let zoned = from_ms(ms).to_zoned_datetime(tz.clone());
                assert_eq!(local_rfc3339(&zoned), zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string());
                assert_eq!(utc_day(from_ms(ms)), from_ms(ms).strftime("%a %Y-%m-%d").to_string());
                ms += 26_003_500;
            }
        }
    }

    #[test]
    fn parses_the_forms_documents_use() {
        let cases = [
            ("20s", 20_000),
            ("6m", 360_000),
            ("1h30m", 5_400_000),
            ("1h 30m", 5_400_000),
            ("2d", 172_800_000),
            ("1w", 604_800_000),
            ("250ms", 250),
            ("90", 90_000),
            ("-15m", -900_000),
        ];
        for (text, ms) in cases {
            assert_eq!(duration_ms(parse_duration(text).unwrap()), ms, "{text}");
        }
    }

    #[test]
    fn rejects_nonsense() {
        for text in ["", "h", "5x", "1.5h", "1h30", "m5", "9999999999999999h", "300000w"] {
            assert!(parse_duration(text).is_err(), "{text}");
        }
    }

    #[test]
    fn format_round_trips() {
        for ms in [0, 1, 999, 1000, 61_000, 5_400_000, 90_061_001, -900_000] {
            let d = ms_duration(ms);
            assert_eq!(parse_duration(&format_duration(d)).unwrap(), d, "{ms}");
        }
        assert_eq!(format_duration(ms_duration(5_400_000)), "1h30m");
    }

    #[test]
    fn utc_year_matches_jiff() {
        for ms in [0, -1, 1_767_225_599_999, 1_767_225_600_000, -62_135_596_800_000, 4_102_444_800_000] {
            let t = from_ms(ms);
            assert_eq!(utc_year(ms), i64::from(jiff::tz::TimeZone::UTC.to_datetime(t).year()), "{ms}");
        }
    }
}
