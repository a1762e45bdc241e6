//! Laws of business-time arithmetic, over random calendars in zones with DST
//! changes in both hemispheres, half-hour offsets, holidays and night shifts.

use proptest::prelude::*;
use tierwise::jiff::{SignedDuration, Timestamp};
use tierwise::{Calendar, Holiday, LocalInterval, WeeklyHours};

const ZONES: [&str; 8] = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Europe/Madrid",
    "America/Bogota",
    "Asia/Manila",
    "UTC",
];

fn hhmm(quarter: u32) -> String {
    format!("{:02}:{:02}", quarter / 4, (quarter % 4) * 15)
}

/// A day's intervals from sorted quarter-hour cut points, or a night shift.
fn day_strategy() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        2 => Just(vec![]),
        4 => (0u32..95, 1u32..=96).prop_filter("non-empty", |(a, b)| a < b)
            .prop_map(|(a, b)| vec![format!("{}-{}", hhmm(a), hhmm(b))]),
        3 => proptest::collection::btree_set(0u32..=96, 4).prop_map(|cuts| {
            let c: Vec<u32> = cuts.into_iter().collect();
            vec![format!("{}-{}", hhmm(c[0]), hhmm(c[1])), format!("{}-{}", hhmm(c[2]), hhmm(c[3]))]
        }),
        1 => Just(vec!["22:00-06:00".to_owned()]),
    ]
}

fn calendar_strategy() -> impl Strategy<Value = Calendar> {
    (
        proptest::sample::select(&ZONES[..]),
        proptest::array::uniform7(day_strategy()),
        proptest::collection::vec((0u32..1400, 0u32..4), 0..6),
    )
        .prop_filter_map("a valid, non-empty week", |(zone, days, holidays)| {
            let days = days.map(|d| d.iter().map(|s| LocalInterval::parse(s).unwrap()).collect());
            let week = WeeklyHours::new(days).ok()?;
            let start: tierwise::jiff::civil::Date = "2025-01-01".parse().unwrap();
            let holidays = holidays
                .into_iter()
                .map(|(offset, len)| {
                    let first = start.checked_add(SignedDuration::from_hours(24 * i64::from(offset))).unwrap();
                    let last = first.checked_add(SignedDuration::from_hours(24 * i64::from(len))).unwrap();
                    Holiday { first, last, name: None }
                })
                .collect();
            Calendar::new("random", zone, week, holidays).ok()
        })
}

/// Instants from 2025 to the end of 2028, to the millisecond.
fn instant() -> impl Strategy<Value = Timestamp> {
    (1_735_689_600_000_i64..1_861_920_000_000).prop_map(|ms| Timestamp::from_millisecond(ms).unwrap())
}

/// Durations up to 600 hours, to the millisecond.
fn duration() -> impl Strategy<Value = SignedDuration> {
    prop_oneof![
        1 => Just(SignedDuration::ZERO),
        9 => (0i64..600 * 3_600_000).prop_map(SignedDuration::from_millis),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn prop_between_of_add_is_identity(cal in calendar_strategy(), t in instant(), d in duration()) {
        let u = cal.add(t, d).unwrap();
        prop_assert!(u >= t);
        prop_assert_eq!(cal.between(t, u).unwrap(), d);
    }

    #[test]
    fn prop_add_returns_the_earliest_instant(cal in calendar_strategy(), t in instant(), d in duration()) {
        prop_assume!(!d.is_zero());
        let u = cal.add(t, d).unwrap();
        let just_before = u - SignedDuration::from_millis(1);
        prop_assert!(cal.between(t, just_before).unwrap() < d);
        // Business time only passes while open: the instant before the
        // deadline is open (the deadline closes a working stretch).
        prop_assert!(cal.is_open(just_before).unwrap());
    }

    #[test]
    fn prop_add_is_monotone(cal in calendar_strategy(), a in instant(), b in instant(), d1 in duration(), d2 in duration()) {
        let (a, b) = (a.min(b), a.max(b));
        let (d1, d2) = (d1.min(d2), d1.max(d2));
        prop_assert!(cal.add(a, d1).unwrap() <= cal.add(b, d1).unwrap());
        prop_assert!(cal.add(a, d1).unwrap() <= cal.add(a, d2).unwrap());
    }

    #[test]
    fn prop_between_is_additive(cal in calendar_strategy(), a in instant(), b in instant(), c in instant()) {
        let mut v = [a, b, c];
        v.sort();
        let [a, b, c] = v;
        prop_assert_eq!(cal.between(a, b).unwrap() + cal.between(b, c).unwrap(), cal.between(a, c).unwrap());
        prop_assert!(cal.between(a, c).unwrap() <= c.duration_since(a));
    }

    #[test]
    fn prop_next_change_flips_openness(cal in calendar_strategy(), t in instant()) {
        if let Some(next) = cal.next_change(t).unwrap() {
            prop_assert!(next > t);
            let before = cal.is_open(next - SignedDuration::from_millis(1)).unwrap();
            prop_assert_eq!(cal.is_open(t).unwrap(), before, "no change between t and next");
            prop_assert_ne!(cal.is_open(next).unwrap(), before, "the state changes at next");
        }
    }
}
