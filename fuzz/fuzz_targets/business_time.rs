//! Business-time arithmetic on random calendars, zones and instants: errors
//! are fine, panics are not, and the laws hold whenever both sides answer:
//! `between(t, add(t, d)) == d`, and `next_change` flips openness.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tierwise::jiff::{SignedDuration, Timestamp, civil::Date};
use tierwise::{Calendar, Holiday, LocalInterval, WeeklyHours};

const ZONES: [&str; 9] = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Europe/Madrid",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Not/AZone",
];

#[derive(Arbitrary, Debug)]
struct Input {
    zone: u8,
    /// Per weekday, (start minute, length in minutes) pairs.
    days: [Vec<(u16, u16)>; 7],
    holidays: Vec<(i16, u8, u8)>,
    /// Milliseconds from the epoch, and a duration in milliseconds.
    at: i64,
    amount: i64,
}

fuzz_target!(|input: Input| {
    let zone = ZONES[usize::from(input.zone) % ZONES.len()];
    let days = input.days.map(|intervals| {
        intervals
            .iter()
            .take(8)
            .filter_map(|&(start, len)| {
                let start = u32::from(start % 1440);
                let end = (start + u32::from(len % 1440).max(1)).min(start + 1439);
                let clock = |m: u32| format!("{:02}:{:02}", (m / 60) % 24, m % 60);
                LocalInterval::parse(&format!("{}-{}", clock(start), clock(end))).ok()
            })
            .collect::<Vec<_>>()
    });
    let Ok(week) = WeeklyHours::new(days) else { return };
    let holidays = input
        .holidays
        .iter()
        .take(16)
        .filter_map(|&(year, month, day)| Date::new(year, (month % 12 + 1) as i8, (day % 28 + 1) as i8).ok())
        .map(|first| Holiday { first, last: first, name: None })
        .collect();
    let Ok(calendar) = Calendar::new("fuzz", zone, week, holidays) else { return };
    // Instants across the supported years and beyond, and durations up to about a year.
    let Ok(t) = Timestamp::from_millisecond(input.at % 253_402_300_799_000) else { return };
    let d = SignedDuration::from_millis(input.amount.rem_euclid(366 * 86_400_000));
    if let Ok(end) = calendar.add(t, d)
        && let Ok(back) = calendar.between(t, end)
    {
        assert_eq!(back, d, "between({t}, add({t}, {d:?}) = {end}) in {zone}");
    }
    if let (Ok(open), Ok(Some(next))) = (calendar.is_open(t), calendar.next_change(t)) {
        assert!(next > t, "next_change({t}) = {next} is not later");
        if let Ok(after) = calendar.is_open(next) {
            assert_ne!(open, after, "openness does not flip at next_change({t}) = {next} in {zone}");
        }
    }
});
