//! Business calendars: working hours in an IANA time zone, holidays, and the
//! arithmetic SLA clocks and agent shifts need: add business time to an instant,
//! measure business time between two instants, find the next open/close change.
//!
//! # How it works
//! A calendar is a weekly pattern of local-time intervals plus holidays. For each
//! year it is asked about, it lays the pattern out as a sorted table of open
//! segments in UTC milliseconds with a running total (built once, lazily, and
//! cached; the answers never depend on what is cached). `add` and `between` are
//! then binary searches: O(log n) in the segments of a year, plus one step per
//! whole year crossed.
//!
//! # Local-time rules
//! - An interval `"22:00-06:00"` (end not after start) runs overnight into the
//!   next day. It belongs to the day it starts on: a holiday on that day closes it.
//! - `"24:00"` is allowed as an end time; `"00:00-24:00"` is a whole day.
//! - Local times that do not exist (skipped by a DST change) resolve to the
//!   instant the clocks jumped, just after the gap: on 2026-03-08 in New York
//!   both 02:00 and 02:30 resolve to 03:00 EDT. Local times that occur twice
//!   resolve to their first occurrence. So an interval covering the skipped
//!   hour is one hour shorter that day, one reaching into it is as much shorter
//!   as it reaches, and one covering the repeated hour is one hour longer: the
//!   time really worked.
//! - A day's intervals may be listed in any order.
//! - Calendars answer for instants in years 1900 to 2999; outside that they
//!   return an [`ErrorKind::OutOfRange`] error.

use std::fmt;
use std::sync::{Arc, OnceLock};

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use crate::error::{Error, ErrorKind, Problem};
use crate::time::{duration_ms, from_ms, ms_duration, to_ms, utc_year};

/// First year a calendar answers for.
pub const MIN_YEAR: i16 = 1900;
/// Last year a calendar answers for.
pub const MAX_YEAR: i16 = 2999;

const DAY_SECS: u32 = 86_400;

/// One working interval of a day, in seconds from local midnight. `end` may
/// exceed one day for intervals that run overnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalInterval {
    start: u32,
    end: u32,
}

impl LocalInterval {
    /// Parses `"09:00-17:30"`; an end at or before the start means the interval
    /// runs overnight; `"24:00"` is allowed as an end.
    ///
    /// # Errors
    /// A message saying what is malformed.
    pub fn parse(text: &str) -> Result<LocalInterval, String> {
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| format!("invalid interval \"{text}\"; write \"HH:MM-HH:MM\", e.g. \"09:00-17:30\""))?;
        let start = parse_clock(a.trim(), false)
            .ok_or_else(|| format!("invalid start time \"{}\" in \"{text}\"; write HH:MM", a.trim()))?;
        let end = parse_clock(b.trim(), true)
            .ok_or_else(|| format!("invalid end time \"{}\" in \"{text}\"; write HH:MM", b.trim()))?;
        if start == end || (start == 0 && end == DAY_SECS * 2) {
            return Err(format!("interval \"{text}\" is empty or ambiguous; use \"00:00-24:00\" for a whole day"));
        }
        let end = if end <= start { end + DAY_SECS } else { end };
        Ok(LocalInterval { start, end })
    }

    /// Start, in seconds after local midnight.
    #[must_use]
    pub fn start_secs(self) -> u32 {
        self.start
    }

    /// End, in seconds after the local midnight of the start day (over 86,400
    /// for overnight intervals).
    #[must_use]
    pub fn end_secs(self) -> u32 {
        self.end
    }

    /// Length in seconds of wall-clock time.
    #[must_use]
    pub fn len_secs(self) -> u32 {
        self.end - self.start
    }
}

impl fmt::Display for LocalInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |s: u32| {
            let s = if s > DAY_SECS { s - DAY_SECS } else { s };
            format!("{:02}:{:02}", s / 3600, (s % 3600) / 60)
        };
        write!(f, "{}-{}", hm(self.start), hm(self.end))
    }
}

fn parse_clock(text: &str, allow_24: bool) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    if m > 59 {
        return None;
    }
    if h == 24 && m == 0 && allow_24 {
        // Encode 24:00 as a full day; the caller treats start==0 && end==2 days specially.
        return Some(DAY_SECS);
    }
    if h > 23 {
        return None;
    }
    Some(h * 3600 + m * 60)
}

/// A weekly pattern of local working intervals, Monday first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Vec<LocalInterval>; 7],
}

impl WeeklyHours {
    /// Open every hour of every day.
    #[must_use]
    pub fn always() -> WeeklyHours {
        let full = LocalInterval { start: 0, end: DAY_SECS };
        WeeklyHours { days: std::array::from_fn(|_| vec![full]) }
    }

    /// Builds a week from per-day intervals (Monday first), checking that no two
    /// intervals overlap, including overnight ones spilling into the next day and
    /// Sunday night into Monday. Problems carry paths relative to the week, such
    /// as `tue[1]`.
    ///
    /// # Errors
    /// Every overlap found.
    pub fn new(days: [Vec<LocalInterval>; 7]) -> Result<WeeklyHours, Vec<Problem>> {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let week = 7 * DAY_SECS;
        let mut spans: Vec<(u32, u32, usize, usize)> = Vec::new();
        for (d, intervals) in days.iter().enumerate() {
            for (i, iv) in intervals.iter().enumerate() {
                let base = u32::try_from(d).unwrap_or(0) * DAY_SECS;
                spans.push((base + iv.start, base + iv.end, d, i));
            }
        }
        crate::compact_sort::sort(&mut spans);
        let mut problems = Vec::new();
        let describe = |&(_, _, d, i): &(u32, u32, usize, usize)| format!("{}[{i}] \"{}\"", NAMES[d], days[d][i]);
        for w in spans.windows(2) {
            if w[1].0 < w[0].1 {
                let (d, i) = (w[1].2, w[1].3);
                problems.push(Problem::new(
                    ErrorKind::Overlap,
                    format!("{}[{i}]", NAMES[d]),
                    format!("\"{}\" overlaps {}", days[d][i], describe(&w[0])),
                ));
            }
        }
        // Wrap-around: Sunday's overnight interval into Monday morning.
        if let (Some(last), Some(first)) = (spans.last(), spans.first())
            && last.1 > week
            && last.1 - week > first.0
            && spans.len() > 1
        {
            let (d, i) = (first.2, first.3);
            problems.push(Problem::new(
                ErrorKind::Overlap,
                format!("{}[{i}]", NAMES[d]),
                format!("\"{}\" overlaps {}", days[d][i], describe(last)),
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        // Each day in order of start, so the year's open periods come out in
        // order (an overnight interval, ending after midnight, is its day's last).
        let mut days = days;
        for intervals in &mut days {
            crate::compact_sort::sort_by_key(intervals, |iv| iv.start);
        }
        Ok(WeeklyHours { days })
    }

    /// The intervals of `day`.
    #[must_use]
    pub fn day(&self, day: Weekday) -> &[LocalInterval] {
        &self.days[usize::from(day.to_monday_zero_offset().unsigned_abs())]
    }

    /// Wall-clock working seconds in one week.
    #[must_use]
    pub fn secs_per_week(&self) -> u64 {
        self.days.iter().flatten().map(|iv| u64::from(iv.len_secs())).sum()
    }

    /// Whether there are no working intervals at all.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

/// A holiday: one date or an inclusive range of dates, in the calendar's zone.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Holiday {
    /// First day closed.
    pub first: Date,
    /// Last day closed (inclusive).
    pub last: Date,
    /// A name to show, e.g. "Christmas".
    pub name: Option<String>,
}

/// A compiled business calendar. Cheap to clone (shared).
///
/// ```
/// use tierwise::Policy;
/// let policy = Policy::from_toml_str(r#"
///     version = 1
///     [calendars.madrid]
///     timezone = "Europe/Madrid"
///     hours = { weekdays = ["09:00-14:00", "15:00-18:00"] }
///     holidays = ["2026-01-06"]
/// "#)?.compile()?;
/// let madrid = policy.calendar("madrid").unwrap();
/// // Friday 2026-01-02 17:00 local (16:00 UTC) + 3 business hours: 1 h on
/// // Friday, then Monday the 5th 09:00-11:00.
/// let due = madrid.add("2026-01-02T16:00:00Z".parse()?, jiff::SignedDuration::from_hours(3))?;
/// assert_eq!(due.to_string(), "2026-01-05T10:00:00Z");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Calendar {
    inner: Arc<CalendarInner>,
}

struct CalendarInner {
    name: Arc<str>,
    zone_name: Arc<str>,
    zone: TimeZone,
    week: WeeklyHours,
    holidays: Vec<Holiday>,
    /// Always open: calendar time, no zone needed.
    always_open: bool,
    years: Box<[OnceLock<YearTable>]>,
}

/// The open segments of one year, in UTC milliseconds, with running totals.
/// The table covers `[start, end)`: local midnight of 1 January of its year to
/// the next; segments crossing those bounds are cut there.
struct YearTable {
    start: i64,
    end: i64,
    seg_start: Vec<i64>,
    seg_end: Vec<i64>,
    /// Business milliseconds in the segments before segment `i`.
    cum: Vec<i64>,
    total: i64,
}

impl YearTable {
    /// Business milliseconds from the table's start to `t` (inside the table).
    fn cum_at(&self, t: i64) -> i64 {
        let i = self.seg_start.partition_point(|&s| s <= t);
        if i == 0 {
            return 0;
        }
        self.cum[i - 1] + t.min(self.seg_end[i - 1]) - self.seg_start[i - 1]
    }

    /// The earliest instant at which `c > 0` business milliseconds have passed
    /// since the table's start. `c` must not exceed `total`.
    fn instant_at(&self, c: i64) -> i64 {
        let i = self.cum.partition_point(|&before| before < c);
        // Segment i-1 is the one whose span (cum[i-1], cum[i-1] + len] holds c.
        let j = i.saturating_sub(1);
        self.seg_start[j] + (c - self.cum[j])
    }

    /// The first segment boundary strictly after `t`, if any in this year.
    fn next_boundary(&self, t: i64) -> Option<i64> {
        let i = self.seg_start.partition_point(|&s| s <= t);
        if i > 0 && self.seg_end[i - 1] > t {
            return Some(self.seg_end[i - 1]);
        }
        self.seg_start.get(i).copied()
    }

    fn is_open(&self, t: i64) -> bool {
        let i = self.seg_start.partition_point(|&s| s <= t);
        i > 0 && self.seg_end[i - 1] > t
    }
}

/// The calendar name that means calendar time: open 24 hours a day, every day,
/// no holidays. Always defined; cannot be redefined.
pub const ALWAYS_OPEN: &str = "24x7";

impl Calendar {
    /// The built-in calendar-time calendar, [`ALWAYS_OPEN`].
    #[must_use]
    pub fn always_open() -> Calendar {
        Calendar {
            inner: Arc::new(CalendarInner {
                name: Arc::from(ALWAYS_OPEN),
                zone_name: Arc::from("UTC"),
                zone: TimeZone::UTC,
                week: WeeklyHours::always(),
                holidays: Vec::new(),
                always_open: true,
                years: Box::new([]),
            }),
        }
    }

    /// A calendar named `name` with working `week` in the IANA zone `zone_name`.
    ///
    /// # Errors
    /// An unknown zone ([`ErrorKind::UnknownName`], path `timezone`) or a week
    /// with no working time ([`ErrorKind::InvalidValue`], path `hours`).
    pub fn new(name: &str, zone_name: &str, week: WeeklyHours, mut holidays: Vec<Holiday>) -> Result<Calendar, Error> {
        let zone = resolve_zone(zone_name).map_err(Error::from_problem)?;
        if week.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                "hours",
                "the calendar has no working hours; add intervals such as weekdays = [\"09:00-17:00\"]",
            ));
        }
        crate::compact_sort::sort(&mut holidays);
        let years = (MIN_YEAR..=MAX_YEAR).map(|_| OnceLock::new()).collect();
        Ok(Calendar {
            inner: Arc::new(CalendarInner {
                name: Arc::from(name),
                zone_name: Arc::from(zone_name),
                zone,
                week,
                holidays,
                always_open: false,
                years,
            }),
        })
    }

    /// The calendar's name in the policy.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The IANA zone its hours are in (`"UTC"` for [`ALWAYS_OPEN`]).
    #[must_use]
    pub fn zone_name(&self) -> &str {
        &self.inner.zone_name
    }

    pub(crate) fn shared_names(&self) -> (Arc<str>, Arc<str>) {
        (Arc::clone(&self.inner.name), Arc::clone(&self.inner.zone_name))
    }

    /// The time zone its hours are in.
    #[must_use]
    pub fn zone(&self) -> &TimeZone {
        &self.inner.zone
    }

    /// The weekly working pattern.
    #[must_use]
    pub fn week(&self) -> &WeeklyHours {
        &self.inner.week
    }

    /// The holidays, sorted.
    #[must_use]
    pub fn holidays(&self) -> &[Holiday] {
        &self.inner.holidays
    }

    /// Whether this is calendar time (always open).
    #[must_use]
    pub fn is_always_open(&self) -> bool {
        self.inner.always_open
    }

    /// The instant at which `d` of business time has passed after `t`: the
    /// earliest instant `u >= t` with `between(t, u) == d`. `add(t, 0) == t`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidValue`] for a negative `d`; [`ErrorKind::OutOfRange`]
    /// when the answer falls outside the supported years.
    pub fn add(&self, t: Timestamp, d: SignedDuration) -> Result<Timestamp, Error> {
        if d.is_negative() {
            return Err(Error::new(ErrorKind::InvalidValue, "", "cannot add a negative business duration"));
        }
        self.add_ms(to_ms(t), duration_ms(d)).map(from_ms)
    }

    /// Business time between `a` and `b`; zero when `b <= a`.
    ///
    /// # Errors
    /// [`ErrorKind::OutOfRange`] for instants outside the supported years.
    pub fn between(&self, a: Timestamp, b: Timestamp) -> Result<SignedDuration, Error> {
        self.between_ms(to_ms(a), to_ms(b)).map(ms_duration)
    }

    /// Whether the calendar is open (working, not a holiday) at `t`.
    ///
    /// # Errors
    /// [`ErrorKind::OutOfRange`] outside the supported years.
    pub fn is_open(&self, t: Timestamp) -> Result<bool, Error> {
        if self.inner.always_open {
            return Ok(true);
        }
        let t = to_ms(t);
        let (_, table) = self.table_for(t)?;
        Ok(table.is_open(t))
    }

    /// The next instant after `t` at which the calendar opens or closes, or
    /// `None` if that never happens within the supported years.
    ///
    /// # Errors
    /// [`ErrorKind::OutOfRange`] outside the supported years.
    pub fn next_change(&self, t: Timestamp) -> Result<Option<Timestamp>, Error> {
        if self.inner.always_open {
            return Ok(None);
        }
        let t = to_ms(t);
        let (mut year, mut table) = self.table_for(t)?;
        let mut from = t;
        loop {
            if let Some(b) = table.next_boundary(from) {
                // A segment that runs past the table's end (an overnight
                // interval on 31 December) is cut there; it goes on in the
                // next year's table, so that cut is not a change.
                let continues = b == table.end && self.table(year + 1).is_ok_and(|next| next.is_open(b));
                if !continues {
                    return Ok(Some(from_ms(b)));
                }
                year += 1;
                table = self.table(year)?;
                from = b;
                continue;
            }
            year += 1;
            match self.table(year) {
                Ok(next) => {
                    from = next.start - 1;
                    table = next;
                }
                Err(_) => return Ok(None),
            }
        }
    }

    pub(crate) fn add_ms(&self, t: i64, d: i64) -> Result<i64, Error> {
        let (base, c) = self.position(t)?;
        if d == 0 {
            // The earliest instant with no business time after `t` is `t`.
            return Ok(t);
        }
        self.instant_at(base, c + d)
    }

    pub(crate) fn between_ms(&self, a: i64, b: i64) -> Result<i64, Error> {
        let (base, ca) = self.position(a)?;
        if b <= a {
            return Ok(0);
        }
        Ok(self.coordinate(base, b)? - ca)
    }

    /// `t`'s table year and the business milliseconds from that table's start.
    pub(crate) fn position(&self, t: i64) -> Result<(i16, i64), Error> {
        if self.inner.always_open {
            return if in_range(t) { Ok((0, t)) } else { Err(out_of_range()) };
        }
        let (year, table) = self.table_for(t)?;
        Ok((year, table.cum_at(t)))
    }

    /// The business coordinate of `t`: business milliseconds from the start of
    /// `base`'s table (negative before it). Monotone in `t`, so business time
    /// between two instants is the difference of their coordinates. For the
    /// always-open calendar it is `t` itself.
    pub(crate) fn coordinate(&self, base: i16, t: i64) -> Result<i64, Error> {
        let position = self.position(t)?;
        self.rebase(base, position)
    }

    /// A position (table year, business ms into it) as a coordinate relative
    /// to `base`.
    pub(crate) fn rebase(&self, base: i16, (year, mut c): (i16, i64)) -> Result<i64, Error> {
        if self.inner.always_open {
            return Ok(c);
        }
        for y in base..year {
            c += self.table(y)?.total;
        }
        for y in year..base {
            c -= self.table(y)?.total;
        }
        Ok(c)
    }

    /// An identity for memoising per-calendar results within one call.
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.inner).addr()
    }

    /// The earliest instant whose coordinate (relative to `base`) is `c`.
    pub(crate) fn instant_at(&self, base: i16, mut c: i64) -> Result<i64, Error> {
        if self.inner.always_open {
            return if in_range(c) { Ok(c) } else { Err(out_of_range()) };
        }
        let mut year = base;
        let mut table = self.table(year)?;
        while c <= 0 {
            year -= 1;
            table = self.table(year)?;
            c += table.total;
        }
        while c > table.total {
            c -= table.total;
            year += 1;
            table = self.table(year)?;
        }
        Ok(table.instant_at(c))
    }

    /// The table holding `t` and its year.
    fn table_for(&self, t: i64) -> Result<(i16, &YearTable), Error> {
        // A guess from the mean Gregorian year, then at most a step or two
        // using the tables' own bounds (which are in local time).
        const MEAN_YEAR_MS: i64 = 31_556_952_000;
        // Clamped: near the bounds the guess can fall a year outside them
        // (1899 for the first hours of 1900) while the instant is inside.
        let guess = (1970 + t.div_euclid(MEAN_YEAR_MS)).clamp(i64::from(MIN_YEAR), i64::from(MAX_YEAR));
        let mut year = i16::try_from(guess).map_err(|_| out_of_range())?;
        let mut table = self.table(year)?;
        while t < table.start {
            year -= 1;
            table = self.table(year)?;
        }
        while t >= table.end {
            year += 1;
            table = self.table(year)?;
        }
        Ok((year, table))
    }

    fn table(&self, year: i16) -> Result<&YearTable, Error> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(out_of_range());
        }
        let slot = &self.inner.years[usize::try_from(year - MIN_YEAR).unwrap_or(0)];
        Ok(slot.get_or_init(|| self.build_year(year)))
    }

    fn local_ms(&self, date: Date, secs: u32) -> i64 {
        let extra_days = secs / DAY_SECS;
        let secs = secs % DAY_SECS;
        let date = if extra_days > 0 { date.tomorrow().unwrap_or(date) } else { date };
        let time =
            Time::new(i8::try_from(secs / 3600).unwrap_or(0), i8::try_from((secs % 3600) / 60).unwrap_or(0), 0, 0)
                .unwrap_or(Time::midnight());
        let zone = &self.inner.zone;
        let local = zone.to_ambiguous_timestamp(date.to_datetime(time));
        let ts = match local.offset() {
            // Skipped: the clocks jumped from `before` to `after` between the
            // two instants the skipped time reads as; find the jump by halving
            // (it falls on a whole second), asking the zone only for offsets.
            AmbiguousOffset::Gap { before, after } => {
                let local = date.to_datetime(time);
                match (after.to_timestamp(local), before.to_timestamp(local)) {
                    (Ok(early), Ok(late)) => {
                        // The offset is `before` at `low` and `after` at `high`.
                        let (mut low, mut high) = (early.as_second(), late.as_second());
                        while high - low > 1 {
                            let middle = low + (high - low) / 2;
                            match Timestamp::from_second(middle) {
                                Ok(t) if zone.to_offset(t) == after => high = middle,
                                _ => low = middle,
                            }
                        }
                        Timestamp::from_second(high).ok()
                    }
                    _ => None,
                }
            }
            // Unambiguous, or the first of two occurrences.
            AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => local.earlier().ok(),
        };
        to_ms(ts.unwrap_or(Timestamp::MAX))
    }

    fn is_holiday(&self, date: Date) -> bool {
        let hs = &self.inner.holidays;
        // Holidays are sorted by first day; ranges may overlap, so check all
        // starting on or before `date` (few in practice).
        let i = hs.partition_point(|h| h.first <= date);
        hs[..i].iter().rev().any(|h| h.last >= date)
    }

    fn build_year(&self, year: i16) -> YearTable {
        let jan1 = Date::new(year, 1, 1).unwrap_or(Date::MIN);
        let next_jan1 = Date::new(year.saturating_add(1), 1, 1).unwrap_or(Date::MAX);
        let start = self.local_ms(jan1, 0);
        let end = self.local_ms(next_jan1, 0);
        let mut seg_start = Vec::with_capacity(300);
        let mut seg_end = Vec::with_capacity(300);
        // Begin on 31 December of the previous year for overnight intervals.
        let mut date = jan1.yesterday().unwrap_or(jan1);
        while date < next_jan1 {
            if !self.is_holiday(date) {
                for iv in self.inner.week.day(date.weekday()) {
                    let s = self.local_ms(date, iv.start).max(start);
                    let e = self.local_ms(date, iv.end).min(end);
                    if e > s {
                        seg_start.push(s);
                        seg_end.push(e);
                    }
                }
            }
            match date.tomorrow() {
                Ok(d) => date = d,
                Err(_) => break,
            }
        }
        // Sorted and disjoint by construction (each day's intervals sorted and
        // disjoint, the local -> UTC mapping never going back); merge touching
        // segments to keep the table small.
        debug_assert!(seg_start.windows(2).all(|w| w[0] <= w[1]), "segments in order");
        let mut merged_start: Vec<i64> = Vec::with_capacity(seg_start.len());
        let mut merged_end: Vec<i64> = Vec::with_capacity(seg_end.len());
        for (s, e) in seg_start.into_iter().zip(seg_end) {
            match merged_end.last_mut() {
                Some(last) if s <= *last => *last = (*last).max(e),
                _ => {
                    merged_start.push(s);
                    merged_end.push(e);
                }
            }
        }
        let mut cum = Vec::with_capacity(merged_start.len());
        let mut total = 0;
        for (s, e) in merged_start.iter().zip(&merged_end) {
            cum.push(total);
            total += e - s;
        }
        YearTable { start, end, seg_start: merged_start, seg_end: merged_end, cum, total }
    }
}

impl fmt::Debug for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("name", &self.inner.name)
            .field("zone", &self.inner.zone_name)
            .field("week", &self.inner.week)
            .field("holidays", &self.inner.holidays.len())
            .finish()
    }
}

/// Whether an instant lies within the years calendars answer for.
pub(crate) fn in_range(ms: i64) -> bool {
    (i64::from(MIN_YEAR)..=i64::from(MAX_YEAR)).contains(&utc_year(ms))
}

fn out_of_range() -> Error {
    Error::new(ErrorKind::OutOfRange, "", format!("instant outside the supported years {MIN_YEAR}-{MAX_YEAR}"))
}

/// Resolves an IANA zone name from the bundled tz database.
///
/// # Errors
/// A problem at path `timezone`, with the closest known name.
pub(crate) fn resolve_zone(name: &str) -> Result<TimeZone, Problem> {
    if name.len() > 64 {
        return Err(Problem::new(ErrorKind::TooLarge, "timezone", "time zone name longer than 64 bytes"));
    }
    if name == "UTC" {
        return Ok(TimeZone::UTC);
    }
    jiff::tz::db().get(name).map_err(|_| {
        let names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_owned()).collect();
        crate::error::unknown_name("timezone", "time zone", name, names.iter().map(String::as_str))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(zone: &str, days: [&[&str]; 7], holidays: &[(&str, &str)]) -> Calendar {
        let days = days.map(|d| d.iter().map(|s| LocalInterval::parse(s).unwrap()).collect());
        let holidays = holidays
            .iter()
            .map(|(a, b)| Holiday { first: a.parse().unwrap(), last: b.parse().unwrap(), name: None })
            .collect();
        Calendar::new("test", zone, WeeklyHours::new(days).unwrap(), holidays).unwrap()
    }

    fn nine_to_five(zone: &str) -> Calendar {
        let d: &[&str] = &["09:00-17:00"];
        cal(zone, [d, d, d, d, d, &[], &[]], &[])
    }

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn hours(h: i64) -> SignedDuration {
        SignedDuration::from_hours(h)
    }

    #[test]
    fn interval_parsing() {
        assert_eq!(LocalInterval::parse("09:00-17:30").unwrap().len_secs(), 8 * 3600 + 1800);
        assert_eq!(LocalInterval::parse("22:00-06:00").unwrap().len_secs(), 8 * 3600);
        assert_eq!(LocalInterval::parse("00:00-24:00").unwrap().len_secs(), 24 * 3600);
        assert_eq!(LocalInterval::parse("18:00-24:00").unwrap().len_secs(), 6 * 3600);
        for bad in ["9-17", "09:00", "09:00-09:00", "25:00-26:00", "09:60-10:00", "24:00-02:00", "x"] {
            assert!(LocalInterval::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overlap_detection_includes_overnight_and_week_wrap() {
        let p = |s: &str| LocalInterval::parse(s).unwrap();
        let mut days: [Vec<LocalInterval>; 7] = Default::default();
        days[0] = vec![p("09:00-12:00"), p("11:00-13:00")];
        let err = WeeklyHours::new(days).unwrap_err();
        assert_eq!(err[0].path(), "mon[1]");
        let mut days: [Vec<LocalInterval>; 7] = Default::default();
        days[1] = vec![p("22:00-06:00")];
        days[2] = vec![p("05:00-09:00")];
        assert_eq!(WeeklyHours::new(days).unwrap_err()[0].path(), "wed[0]");
        let mut days: [Vec<LocalInterval>; 7] = Default::default();
        days[6] = vec![p("22:00-06:00")];
        days[0] = vec![p("05:00-09:00")];
        assert_eq!(WeeklyHours::new(days).unwrap_err()[0].path(), "mon[0]");
    }

    #[test]
    fn add_within_and_across_days_and_weekends() {
        let c = nine_to_five("UTC");
        // Monday 2026-03-02 10:00 + 3h = 13:00.
        assert_eq!(c.add(ts("2026-03-02T10:00:00Z"), hours(3)).unwrap(), ts("2026-03-02T13:00:00Z"));
        // Friday 16:00 + 2h -> Monday 10:00.
        assert_eq!(c.add(ts("2026-03-06T16:00:00Z"), hours(2)).unwrap(), ts("2026-03-09T10:00:00Z"));
        // Saturday + 1h -> Monday 10:00; exactly 8h lands at Monday's close, not Tuesday's open.
        assert_eq!(c.add(ts("2026-03-07T12:00:00Z"), hours(1)).unwrap(), ts("2026-03-09T10:00:00Z"));
        assert_eq!(c.add(ts("2026-03-07T12:00:00Z"), hours(8)).unwrap(), ts("2026-03-09T17:00:00Z"));
        // Zero is the identity, even when closed.
        assert_eq!(c.add(ts("2026-03-07T12:00:00Z"), hours(0)).unwrap(), ts("2026-03-07T12:00:00Z"));
        assert_eq!(c.between(ts("2026-03-06T16:00:00Z"), ts("2026-03-09T10:00:00Z")).unwrap(), hours(2));
    }

    #[test]
    fn new_york_spring_forward_and_fall_back() {
        // 2026-03-08: 02:00 EST -> 03:00 EDT. A desk open 00:00-06:00 works 5 real hours.
        let d: &[&str] = &["00:00-06:00"];
        let c = cal("America/New_York", [d, d, d, d, d, d, d], &[]);
        let day = |s, e| c.between(ts(s), ts(e)).unwrap();
        assert_eq!(day("2026-03-08T05:00:00Z", "2026-03-08T12:00:00Z"), hours(5));
        // 2026-11-01: 02:00 EDT -> 01:00 EST. The same hours hold 7 real hours.
        assert_eq!(day("2026-11-01T04:00:00Z", "2026-11-01T13:00:00Z"), hours(7));
        // Deadlines cross the change: Sat 2026-03-07 05:00 local (10:00Z) + 2h =
        // Sun 01:00 EST = 06:00Z; + 3h: 1h Sat, then Sun 00:00 EST-> 02:00 EST,
        // the clock jumps, 03:00 EDT is 07:00Z.
        assert_eq!(c.add(ts("2026-03-07T10:00:00Z"), hours(2)).unwrap(), ts("2026-03-08T06:00:00Z"));
        assert_eq!(c.add(ts("2026-03-07T10:00:00Z"), hours(3)).unwrap(), ts("2026-03-08T07:00:00Z"));
        // Nine-to-five in New York: 9:00 is 14:00Z before the change and 13:00Z after.
        let nyc = nine_to_five("America/New_York");
        assert_eq!(
            nyc.add(ts("2026-03-06T21:00:00Z"), hours(2)).unwrap(),
            ts("2026-03-09T14:00:00Z"),
            "Friday 16:00 EST + 2h = Monday 10:00 EDT"
        );
        assert_eq!(
            nyc.add(ts("2026-10-30T20:00:00Z"), hours(2)).unwrap(),
            ts("2026-11-02T15:00:00Z"),
            "Friday 16:00 EDT + 2h = Monday 10:00 EST"
        );
    }

    #[test]
    fn times_skipped_by_spring_forward_open_and_close_when_the_clocks_jump() {
        // 2026-03-08 in New York: 02:00 EST -> 03:00 EDT (07:00Z).
        let daily = |d: &'static [&'static str]| cal("America/New_York", [d, d, d, d, d, d, d], &[]);
        // Opening at 02:30, which is skipped: open from 03:00 EDT.
        let c = daily(&["02:30-05:00"]);
        assert_eq!(c.add(ts("2026-03-08T06:00:00Z"), hours(1)).unwrap(), ts("2026-03-08T08:00:00Z"));
        assert_eq!(c.between(ts("2026-03-08T00:00:00Z"), ts("2026-03-09T00:00:00Z")).unwrap(), hours(2));
        // Both ends skipped but the end still after the jump: 03:00-03:15 EDT.
        let c = daily(&["02:30-03:15"]);
        let ten_minutes = SignedDuration::from_mins(10);
        assert_eq!(c.add(ts("2026-03-08T06:00:00Z"), ten_minutes).unwrap(), ts("2026-03-08T07:10:00Z"));
        // Two intervals in and after the gap keep their order: 02:30-02:45 is
        // gone that night, 03:00-03:20 EDT stays whole.
        let c = daily(&["02:30-02:45", "03:00-03:20"]);
        assert_eq!(
            c.between(ts("2026-03-08T00:00:00Z"), ts("2026-03-09T00:00:00Z")).unwrap(),
            SignedDuration::from_mins(20)
        );
        // Closing at 02:30, skipped: Saturday night 22:00 EST closes at 03:00
        // EDT, 4 real hours; 15 more minutes run from Sunday 22:00 EDT.
        let c = daily(&["22:00-02:30"]);
        let target = hours(4) + SignedDuration::from_mins(15);
        assert_eq!(c.add(ts("2026-03-08T03:00:00Z"), target).unwrap(), ts("2026-03-09T02:15:00Z"));
        // Whole days across the jump count real time, as ever.
        let c = daily(&["00:00-24:00"]);
        assert_eq!(c.between(ts("2026-03-08T05:00:00Z"), ts("2026-03-09T04:00:00Z")).unwrap(), hours(23));
    }

    #[test]
    fn a_days_intervals_count_in_any_order() {
        let d: &[&str] = &["14:00-18:00", "09:00-13:00"];
        let unsorted = cal("UTC", [d, d, d, d, d, &[], &[]], &[]);
        let d: &[&str] = &["09:00-13:00", "14:00-18:00"];
        let sorted = cal("UTC", [d, d, d, d, d, &[], &[]], &[]);
        for c in [&unsorted, &sorted] {
            // Monday 2026-03-02.
            assert_eq!(c.add(ts("2026-03-02T09:00:00Z"), hours(2)).unwrap(), ts("2026-03-02T11:00:00Z"));
            assert_eq!(c.add(ts("2026-03-02T09:00:00Z"), hours(5)).unwrap(), ts("2026-03-02T15:00:00Z"));
            assert_eq!(c.between(ts("2026-03-02T00:00:00Z"), ts("2026-03-09T00:00:00Z")).unwrap(), hours(40));
        }
        // An overnight interval listed first on its day.
        let d: &[&str] = &["22:00-02:00", "09:00-17:00"];
        let c = cal("UTC", [d, &[], &[], &[], &[], &[], &[]], &[]);
        assert_eq!(c.between(ts("2026-03-02T00:00:00Z"), ts("2026-03-03T12:00:00Z")).unwrap(), hours(12));
        assert_eq!(c.add(ts("2026-03-02T09:00:00Z"), hours(9)).unwrap(), ts("2026-03-02T23:00:00Z"));
    }

    #[test]
    fn london_sydney_and_kolkata() {
        // London: 2026-03-29 01:00 GMT -> 02:00 BST. 9-17 on Monday 30th is 08:00Z-16:00Z.
        let lon = nine_to_five("Europe/London");
        assert_eq!(lon.add(ts("2026-03-27T16:00:00Z"), hours(2)).unwrap(), ts("2026-03-30T09:00:00Z"));
        // Sydney: DST ends 2026-04-05 03:00 AEDT -> 02:00 AEST (southern autumn),
        // starts 2026-10-04 02:00 AEST -> 03:00 AEDT.
        let syd = nine_to_five("Australia/Sydney");
        // Friday 2026-04-03 16:00 AEDT = 05:00Z; +2h -> Monday 10:00 AEST = 00:00Z.
        assert_eq!(syd.add(ts("2026-04-03T05:00:00Z"), hours(2)).unwrap(), ts("2026-04-06T00:00:00Z"));
        // Friday 2026-10-02 16:00 AEST = 06:00Z; +2h -> Monday 10:00 AEDT = 23:00Z Sunday.
        assert_eq!(syd.add(ts("2026-10-02T06:00:00Z"), hours(2)).unwrap(), ts("2026-10-04T23:00:00Z"));
        // Kolkata, +05:30 all year: 9:00 IST = 03:30Z.
        let kol = nine_to_five("Asia/Kolkata");
        assert_eq!(kol.add(ts("2026-06-01T03:30:00Z"), hours(8)).unwrap(), ts("2026-06-01T11:30:00Z"));
        assert_eq!(
            kol.add(ts("2026-06-01T03:30:00Z"), SignedDuration::from_mins(8 * 60 + 1)).unwrap(),
            ts("2026-06-02T03:31:00Z")
        );
    }

    #[test]
    fn holidays_and_ranges() {
        let d: &[&str] = &["09:00-17:00"];
        let c = cal(
            "Europe/Madrid",
            [d, d, d, d, d, &[], &[]],
            &[("2026-01-06", "2026-01-06"), ("2026-12-24", "2026-12-25")],
        );
        // Monday 2026-01-05 16:00 CET (15:00Z) + 2h: Tuesday the 6th is Epiphany.
        assert_eq!(c.add(ts("2026-01-05T15:00:00Z"), hours(2)).unwrap(), ts("2026-01-07T09:00:00Z"));
        // Wednesday 23 Dec 16:00 CET + 2h: 24 and 25 closed -> Monday 28th 10:00 CET.
        assert_eq!(c.add(ts("2026-12-23T15:00:00Z"), hours(2)).unwrap(), ts("2026-12-28T09:00:00Z"));
        assert!(!c.is_open(ts("2026-12-24T10:00:00Z")).unwrap());
        assert!(c.is_open(ts("2026-12-23T10:00:00Z")).unwrap());
    }

    #[test]
    fn overnight_intervals_cross_midnight_and_year_end() {
        let n: &[&str] = &["22:00-06:00"];
        let c = cal("UTC", [n, n, n, n, n, n, n], &[("2027-01-01", "2027-01-01")]);
        // 2026-12-31 23:00 + 5h -> 2027-01-01 04:00 (the interval started on the 31st).
        assert_eq!(c.add(ts("2026-12-31T23:00:00Z"), hours(5)).unwrap(), ts("2027-01-01T04:00:00Z"));
        // From 05:00 on the 1st + 2h: 1h left, the holiday's own night is closed,
        // then 2 Jan 22:00 + 1h.
        assert_eq!(c.add(ts("2027-01-01T05:00:00Z"), hours(2)).unwrap(), ts("2027-01-02T23:00:00Z"));
        assert_eq!(c.between(ts("2026-12-31T00:00:00Z"), ts("2027-01-03T00:00:00Z")).unwrap(), hours(6 + 8 + 2));
    }

    #[test]
    fn long_spans_and_range_limits() {
        let c = nine_to_five("UTC");
        let a = ts("2026-01-01T00:00:00Z");
        let b = c.add(a, hours(8 * 261 * 3)).unwrap();
        assert_eq!(c.between(a, b).unwrap(), hours(8 * 261 * 3));
        assert_eq!(c.add(ts("2999-12-31T00:00:00Z"), hours(100)).unwrap_err().kind(), ErrorKind::OutOfRange);
        assert_eq!(c.add(ts("1800-01-01T00:00:00Z"), hours(1)).unwrap_err().kind(), ErrorKind::OutOfRange);
        assert!(c.add(a, SignedDuration::from_hours(-1)).is_err());
    }

    #[test]
    fn next_change_walks_boundaries() {
        let c = nine_to_five("UTC");
        assert_eq!(c.next_change(ts("2026-03-06T12:00:00Z")).unwrap(), Some(ts("2026-03-06T17:00:00Z")));
        assert_eq!(c.next_change(ts("2026-03-06T17:00:00Z")).unwrap(), Some(ts("2026-03-09T09:00:00Z")));
        assert_eq!(c.next_change(ts("2026-12-31T18:00:00Z")).unwrap(), Some(ts("2027-01-01T09:00:00Z")));
    }

    #[test]
    fn an_overnight_interval_on_new_years_eve_does_not_change_at_the_year_end() {
        // Found by the business_time fuzz target: a shift running 12:15-00:30
        // on Wednesday 31 December 1969 in New York reported a change at local
        // midnight, where the year tables meet.
        let w: &[&str] = &["12:15-00:30"];
        let c = cal("America/New_York", [&[], &[], w, &[], w, &[], &[]], &[]);
        let epoch = ts("1970-01-01T00:00:00Z");
        assert!(c.is_open(epoch).unwrap());
        assert_eq!(c.next_change(epoch).unwrap(), Some(ts("1970-01-01T05:30:00Z")));
        let d: &[&str] = &["22:00-02:00"];
        let nightly = cal("UTC", [d, d, d, d, d, d, d], &[]);
        assert_eq!(nightly.next_change(ts("2026-12-31T23:00:00Z")).unwrap(), Some(ts("2027-01-01T02:00:00Z")));
        assert!(!nightly.is_open(ts("2027-01-01T02:00:00Z")).unwrap());
    }

    /// The first and last hours of the supported years are inside them (the
    /// year guessed from the mean year fell outside at the first).
    #[test]
    fn the_bounds_of_the_supported_years_are_inside() {
        let d: &[&str] = &["09:00-17:00"];
        let utc = cal("UTC", [d; 7], &[]);
        assert!(!utc.is_open(ts("1900-01-01T00:00:00Z")).unwrap());
        assert_eq!(utc.next_change(ts("1900-01-01T00:00:00Z")).unwrap(), Some(ts("1900-01-01T09:00:00Z")));
        assert!(utc.is_open(ts("2999-12-31T12:00:00Z")).unwrap());
    }

    #[test]
    fn unknown_zone_suggests() {
        let err = Calendar::new("x", "Europe/Madird", WeeklyHours::always(), vec![]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownName);
        assert_eq!(err.path(), "timezone");
        assert_eq!(err.problems()[0].hint(), Some("did you mean \"Europe/Madrid\"?"));
    }
}
