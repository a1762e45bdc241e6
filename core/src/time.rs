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
/// The longest duration read, text or number: 200 years, far beyond any SLA
/// target or scenario.
pub(crate) const MAX_DURATION_SECS: i64 = 200 * 366 * 86_400;

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
    utc_date(ms.div_euclid(DAY_MS)).0
}

/// The proleptic Gregorian date (year, month, day) `days` after 1970-01-01
/// (H. Hinnant's civil-from-days).
fn utc_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Appends an instant as a JSON string, as jiff writes it
/// (`"2026-03-02T09:00:00Z"`, `"2026-03-02T09:00:00.25Z"`), without jiff's
/// formatting machinery for the common case: whole milliseconds in years 0
/// to 9999.
pub(crate) fn write_instant_json(out: &mut Vec<u8>, at: Timestamp) {
    let ms = at.as_millisecond();
    let whole_ms = at.subsec_nanosecond().rem_euclid(1_000_000) == 0;
    let date = if whole_ms { date_text(ms.div_euclid(DAY_MS)) } else { None };
    let Some(date) = date else {
        use std::io::Write;
        // Writing to a vector cannot fail.
        let _ = write!(out, "\"{at}\"");
        return;
    };
    let in_day = ms.rem_euclid(DAY_MS);
    let (second, milli) = (in_day / 1000, in_day % 1000);
    let mut text = *b"\"0000-00-00T00:00:00.000Z\"";
    text[1..11].copy_from_slice(&date);
    write_digits(&mut text, [(12, second / 3600, 2), (15, second / 60 % 60, 2), (18, second % 60, 2), (21, milli, 3)]);
    // The fraction without its trailing zeros, and none if it is zero.
    let digits = match milli {
        0 => 0,
        m if m % 100 == 0 => 1,
        m if m % 10 == 0 => 2,
        _ => 3,
    };
    let end = if digits == 0 { 20 } else { 21 + digits };
    out.extend_from_slice(&text[..end]);
    out.extend_from_slice(b"Z\"");
}

/// Writes each `(at, value, width)`: `value` in decimal, `width` digits
/// from `text[at]`, zero-padded.
fn write_digits<const N: usize>(text: &mut [u8], fields: [(usize, i64, usize); N]) {
    for (at, mut value, width) in fields {
        for i in (at..at + width).rev() {
            text[i] = b'0' + u8::try_from(value % 10).unwrap_or(0);
            value /= 10;
        }
    }
}

/// A date as `YYYY-MM-DD` and as days since 1970-01-01.
#[derive(Clone, Copy)]
struct DateText {
    days: i64,
    text: [u8; 10],
}

thread_local! {
    /// The last date written or read on this thread: the instants of a
    /// stream mostly fall on the same day as the one before, and then the
    /// calendar arithmetic is skipped.
    static LAST_DATE: std::cell::Cell<Option<DateText>> = const { std::cell::Cell::new(None) };
}

/// The date `days` after 1970-01-01 as `YYYY-MM-DD`, or `None` outside the
/// years 0 to 9999.
fn date_text(days: i64) -> Option<[u8; 10]> {
    if let Some(last) = LAST_DATE.get().filter(|last| last.days == days) {
        return Some(last.text);
    }
    let (year, month, day) = utc_date(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut text = *b"0000-00-00";
    write_digits(&mut text, [(0, year, 4), (5, month, 2), (8, day, 2)]);
    LAST_DATE.set(Some(DateText { days, text }));
    Some(text)
}

/// Parses an instant written in RFC 3339 with an offset, as every document
/// and binding writes them: `2026-03-02T09:00:00Z`,
/// `2026-03-02T10:00:00.250+01:00`. Also accepted, as jiff reads them: `t`
/// or a space between date and time, no seconds (`09:00Z`), a comma before
/// the fraction, an offset written `+0100` or `+01` or with seconds
/// (`+05:30:15`), a leap second (read as second 59), and RFC 9557 annotations after the offset
/// (`[Europe/Madrid]`), which do not change the instant. The fraction keeps
/// nine digits; the core itself works in whole milliseconds.
///
/// # Errors
/// A message naming the text and the expected form.
pub fn parse_instant(text: &str) -> Result<Timestamp, String> {
    let bad = || format!("{text:?} is not an RFC 3339 instant with an offset, such as \"2026-03-02T09:00:00Z\"");
    let (seconds, nanos) = InstantText(text.as_bytes()).read().ok_or_else(bad)?;
    Timestamp::new(seconds, nanos).map_err(|_| format!("{text:?} is outside the supported range of instants"))
}

/// Parses a calendar date written `YYYY-MM-DD`.
///
/// # Errors
/// A message naming the text and the expected form.
pub(crate) fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    let mut rest = InstantText(text.as_bytes());
    rest.date()
        .filter(|_| rest.0.is_empty())
        .and_then(|(year, month, day)| {
            jiff::civil::Date::new(i16::try_from(year).ok()?, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
        })
        .ok_or_else(|| format!("invalid date {text:?}; write YYYY-MM-DD"))
}

/// The rest of an instant's text, read from the front.
struct InstantText<'a>(&'a [u8]);

impl InstantText<'_> {
    /// Seconds since the Unix epoch and nanoseconds, or `None` if the text
    /// is not an instant.
    fn read(mut self) -> Option<(i64, i32)> {
        let days = self.days()?;
        if !(self.eat(b'T') || self.eat(b't') || self.eat(b' ')) {
            return None;
        }
        let hour = self.number(2).filter(|&h| h < 24)?;
        let minute = self.then(b':').and_then(|()| self.number(2)).filter(|&m| m < 60)?;
        let (mut second, mut nanos) = (0, 0);
        if self.eat(b':') {
            second = self.number(2).filter(|&s| s <= 60)?.min(59);
            if self.eat(b'.') || self.eat(b',') {
                let digits = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
                if !(1..=9).contains(&digits) {
                    return None;
                }
                let fraction = self.number(digits)?;
                nanos = fraction * 10_i64.pow(u32::try_from(9 - digits).ok()?);
            }
        }
        let offset = self.offset()?;
        while self.eat(b'[') {
            let end = self.0.iter().position(|&b| b == b']')?;
            self.0 = &self.0[end + 1..];
        }
        if !self.0.is_empty() {
            return None;
        }
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
        Some((seconds, i32::try_from(nanos).ok()?))
    }

    /// `YYYY-MM-DD` as days since 1970-01-01; see [`date_text`].
    fn days(&mut self) -> Option<i64> {
        let text: [u8; 10] = self.0.get(..10)?.try_into().ok()?;
        if let Some(last) = LAST_DATE.get().filter(|last| last.text == text) {
            self.0 = &self.0[10..];
            return Some(last.days);
        }
        // `date` reads exactly those ten bytes.
        let (year, month, day) = self.date()?;
        let days = days_from_civil(year, month, day);
        LAST_DATE.set(Some(DateText { days, text }));
        Some(days)
    }

    /// `YYYY-MM-DD`, checked against the month's length.
    fn date(&mut self) -> Option<(i64, i64, i64)> {
        let year = self.number(4)?;
        let month = self.then(b'-').and_then(|()| self.number(2)).filter(|m| (1..=12).contains(m))?;
        let day = self.then(b'-').and_then(|()| self.number(2))?;
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        (1..=days_in_month).contains(&day).then_some((year, month, day))
    }

    /// The offset in seconds east of UTC: `Z`, `z`, `+HH:MM[:SS]`,
    /// `+HHMM[SS]` or `+HH`.
    fn offset(&mut self) -> Option<i64> {
        if self.eat(b'Z') || self.eat(b'z') {
            return Some(0);
        }
        let sign = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return None;
        };
        // Offsets reach ±25:59, as in jiff (and POSIX time zones).
        let hours = self.number(2).filter(|&h| h < 26)?;
        let mut total = hours * 3600;
        // Then minutes and seconds, each after a colon (`+05:30:15`) or none
        // (`+053015`), as the first separator set.
        let colon = self.0.first() == Some(&b':');
        for unit in [60, 1] {
            if colon && !self.eat(b':') {
                break;
            }
            match self.0.first() {
                Some(b) if b.is_ascii_digit() => total += unit * self.number(2).filter(|&n| n < 60)?,
                _ if colon => return None,
                _ => break,
            }
        }
        Some(sign * total)
    }

    /// Exactly `digits` ASCII digits.
    fn number(&mut self, digits: usize) -> Option<i64> {
        let (head, rest) = self.0.split_at_checked(digits)?;
        let mut value = 0;
        for &b in head {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value * 10 + i64::from(b - b'0');
        }
        self.0 = rest;
        Some(value)
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.0.first() == Some(&byte);
        if found {
            self.0 = &self.0[1..];
        }
        found
    }

    fn then(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// days-from-civil).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Serde for instants in documents: read with [`parse_instant`], so the
/// message on bad text is the same everywhere (and jiff's parser, with its
/// error text, stays out of the WebAssembly package); written as jiff writes
/// them.
pub(crate) mod instant_serde {
    use std::fmt;

    use serde::de::{Error, Visitor};

    use super::{Deserializer, Timestamp, parse_instant};

    struct InstantVisitor;

    impl Visitor<'_> for InstantVisitor {
        type Value = Timestamp;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an RFC 3339 instant such as \"2026-03-02T09:00:00Z\"")
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<Timestamp, E> {
            parse_instant(text).map_err(E::custom)
        }
    }

    /// Reads an instant.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        d.deserialize_str(InstantVisitor)
    }

    /// Reads an instant that may be `null`.
    pub(crate) fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
        struct OptionalVisitor;

        impl<'de> Visitor<'de> for OptionalVisitor {
            type Value = Option<Timestamp>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an RFC 3339 instant such as \"2026-03-02T09:00:00Z\", or null")
            }

            fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }

            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                deserialize(d).map(Some)
            }
        }

        d.deserialize_option(OptionalVisitor)
    }

    /// An instant read as a value of its own (for hand-written readers).
    pub(crate) struct Instant(pub(crate) Timestamp);

    impl<'de> serde::Deserialize<'de> for Instant {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d).map(Instant)
        }
    }
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
    // Whole seconds, at most 200 years (more is refused below, as a number
    // without a unit).
    if let Ok(secs) = s.parse::<i64>()
        && secs.unsigned_abs() <= MAX_DURATION_SECS.unsigned_abs()
    {
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
        if total > i128::from(MAX_DURATION_SECS) * 1000 {
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
            if secs.unsigned_abs() > super::MAX_DURATION_SECS.unsigned_abs() {
                return Err(E::custom(format!("duration {secs} s is longer than 200 years")));
            }
            Ok(SignedDuration::from_secs(secs))
        }

        fn visit_u64<E: Error>(self, secs: u64) -> Result<SignedDuration, E> {
            match i64::try_from(secs) {
                Ok(secs) => self.visit_i64(secs),
                Err(_) => Err(E::custom(format!("duration {secs} s is longer than 200 years"))),
            }
        }

        fn visit_f64<E: Error>(self, secs: f64) -> Result<SignedDuration, E> {
            #[allow(clippy::cast_precision_loss)]
            let max = super::MAX_DURATION_SECS as f64;
            if secs.is_finite() && secs.abs() <= max {
                #[allow(clippy::cast_possible_truncation)]
                Ok(SignedDuration::from_millis((secs * 1000.0).round() as i64))
            } else if secs.is_finite() {
                Err(E::custom(format!("duration {secs} s is longer than 200 years")))
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
    fn durations_as_text_or_numbers_stop_at_200_years() {
        #[derive(serde::Deserialize)]
        struct D(#[serde(with = "duration_serde")] SignedDuration);
        let read = |json: &str| serde_json::from_str::<D>(json).map(|d| d.0.as_secs()).map_err(|e| e.to_string());
        let max = MAX_DURATION_SECS;
        assert_eq!(read(&max.to_string()), Ok(max));
        assert_eq!(read(&format!("\"{}d\"", max / 86_400)), Ok(max));
        assert_eq!(read("90.5"), Ok(90));
        for too_long in [
            (max + 1).to_string(),
            format!("{}.0", max + 1),
            "9223372036854775807".into(),
            "18446744073709551615".into(),
        ] {
            assert!(read(&too_long).is_err_and(|e| e.contains("longer than 200 years")), "{too_long}");
        }
        assert!(read(&format!("\"{}d\"", max / 86_400 + 1)).is_err_and(|e| e.contains("longer than 200 years")));
    }

    #[test]
    fn instants_are_written_as_jiff_writes_them() {
        let mut checked = 0;
        let mut check = |at: Timestamp| {
            let mut ours = Vec::new();
            write_instant_json(&mut ours, at);
            assert_eq!(String::from_utf8(ours).expect("UTF-8"), format!("\"{at}\""));
            checked += 1;
        };
        // Every 45 days 7 h 41 min 3.217 s over the years jiff writes, and
        // every 7 h 41 min 3.217 s from 2020 to 2030; whole seconds,
        // milliseconds of every length, and nanoseconds.
        let (first, last) = (Timestamp::MIN.as_millisecond(), Timestamp::MAX.as_millisecond());
        for (from, to, step) in [(first, last, 3_915_663_217), (1_577_836_800_000, 1_893_456_000_000, 27_663_217)] {
            let mut ms = from;
            while ms <= to {
                for extra in [0, 1, 10, 100, 120, 999] {
                    let whole = ms - ms.rem_euclid(1000) + extra;
                    check(Timestamp::from_millisecond(whole.clamp(first, last)).expect("in range"));
                }
                check(Timestamp::from_nanosecond(i128::from(ms) * 1_000_000 + 1).expect("in range"));
                ms += step;
            }
        }
        for edge in [Timestamp::MIN, Timestamp::MAX, Timestamp::UNIX_EPOCH] {
            check(edge);
        }
        assert!(checked > 1_000_000, "{checked}");
    }

    #[test]
    fn instants_read_as_jiff_reads_them() {
        // Every 28 h 53 min 14 s from 1900 to 2100, in every accepted form.
        let mut ms = -2_208_988_800_000_i64;
        let mut forms = 0;
        while ms < 4_102_444_800_000 {
            let at = from_ms(ms);
            for zone in ["UTC", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"] {
                let local = at.to_zoned_datetime(jiff::tz::TimeZone::get(zone).unwrap());
                let rfc = local_rfc3339(&local);
                let (date_time, offset) = rfc.split_at(19);
                let texts = [
                    rfc.clone(),
                    format!("{date_time}.5{offset}"),
                    format!("{date_time},123456789{offset}"),
                    format!("{}t{}{}", &date_time[..10], &date_time[11..], offset.replace(':', "")),
                    format!("{} {}{offset}[{zone}]", &date_time[..10], &date_time[11..]),
                    at.to_string(),
                    format!("{}z", &at.to_string()[..16]),
                ];
                for text in texts {
                    assert_eq!(parse_instant(&text), text.parse::<Timestamp>().map_err(|e| e.to_string()), "{text}");
                    forms += 1;
                }
            }
            ms += 103_994_000;
        }
        assert_eq!(forms, 1_699_348, "every form of every instant");
        assert_eq!(
            parse_instant("2016-12-31T23:59:60Z"),
            "2016-12-31T23:59:60Z".parse::<Timestamp>().map_err(|_| String::new())
        );
        assert_eq!(parse_instant("2026-03-02T09:00+05"), Ok("2026-03-02T04:00:00Z".parse().unwrap()));
        for text in ["2026-03-02T09:00:00+05:30:15", "2026-03-02T09:00:00-053015", "2026-03-02T09:00:00-00:00"] {
            assert_eq!(parse_instant(text), text.parse::<Timestamp>().map_err(|e| e.to_string()), "{text}");
        }
    }

    #[test]
    fn text_that_is_not_an_instant_is_refused() {
        let refused = [
            "",
            "2026-03-02",
            "2026-03-02T09:00:00",
            "2026-02-29T09:00:00Z",
            "2026-03-02T24:00:00Z",
            "2026-03-02T09:60:00Z",
            "2026-3-02T09:00:00Z",
            "2026-03-02T9:00:00Z",
            "2026-03-02T09:00:00.Z",
            "2026-03-02T09:00:00.1234567890Z",
            "2026-03-02T09:00:00+5:00",
            "2026-03-02T09:00:00+05:",
            "2026-03-02T09:00:00+05:0",
            "2026-03-02T09:00:00+05:30:",
            "2026-03-02T09:00:00+05:3015",
            "2026-03-02T09:00:00+0530:15",
            "2026-03-02T09:00:00+26:00",
            " 2026-03-02T09:00:00Z",
            "2026-03-02T09:00:00Z ",
            "2026-03-02T09:00:00Z[Europe/Madrid",
            "2026-03-02_09:00:00Z",
            "+2026-03-02T09:00:00Z",
        ];
        for text in refused {
            let err = parse_instant(text).unwrap_err();
            assert!(err.contains("is not an RFC 3339 instant with an offset"), "{text}: {err}");
            assert!(text.parse::<Timestamp>().is_err(), "jiff reads {text:?}");
        }
        assert!(parse_instant("2024-02-29T09:00:00Z").is_ok());
        assert_eq!(parse_instant("2026-03-02T09:00:00+25:59"), Ok("2026-03-01T07:01:00Z".parse().unwrap()));
        assert_eq!(parse_date("2024-02-29").unwrap(), jiff::civil::date(2024, 2, 29));
        for text in ["2026-02-29", "2026-13-01", "2026-01-01T", "26-01-01", ""] {
            assert_eq!(parse_date(text).unwrap_err(), format!("invalid date {text:?}; write YYYY-MM-DD"));
        }
    }

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
