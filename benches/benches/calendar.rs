//! Business-time arithmetic: the year-table calendar against a naive
//! day-by-day walk that converts each day's local intervals on the fly.

use std::hint::black_box;

use criterion::Criterion;
use tierwise::Calendar;
use tierwise::jiff::{SignedDuration, Timestamp};

use crate::data;

/// The obvious implementation: walk day by day from `t`, converting each
/// working interval from local time, until `d` is used up.
fn naive_add(cal: &Calendar, t: Timestamp, d: SignedDuration) -> Timestamp {
    let zone = cal.zone();
    let mut remaining = d;
    let mut date = zone.to_datetime(t).date().yesterday().expect("date");
    loop {
        let closed = cal.holidays().iter().any(|h| h.first <= date && date <= h.last);
        if !closed {
            for iv in cal.week().day(date.weekday()) {
                let local = |secs: u32| {
                    let day = if secs >= 86_400 { date.tomorrow().expect("date") } else { date };
                    let secs = secs % 86_400;
                    let time = tierwise::jiff::civil::Time::new((secs / 3600) as i8, ((secs % 3600) / 60) as i8, 0, 0)
                        .expect("time");
                    zone.to_ambiguous_timestamp(day.to_datetime(time)).compatible().expect("instant")
                };
                let (s, e) = (local(iv.start_secs()).max(t), local(iv.end_secs()));
                if e <= s {
                    continue;
                }
                let available = e.duration_since(s);
                if remaining <= available {
                    return s.checked_add(remaining).expect("instant");
                }
                remaining -= available;
            }
        }
        date = date.tomorrow().expect("date");
    }
}

pub fn define(c: &mut Criterion) {
    let policy = data::policy("madrid-office.toml");
    let cal = policy.calendar("madrid-office").expect("calendar").clone();
    let instants = data::instants_2026(1024, 7);
    let target = SignedDuration::from_hours(16);
    // Warm the year tables so the timed loop measures lookups, not first builds.
    for &t in &instants {
        let _ = cal.add(t, target);
    }
    // Both implementations must agree before either is timed.
    for &t in &instants {
        assert_eq!(cal.add(t, target).expect("in range"), naive_add(&cal, t, target), "at {t}");
    }

    let mut group = c.benchmark_group("calendar");
    group.bench_function("add/16h/madrid-office", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % instants.len();
            black_box(cal.add(black_box(instants[i]), target).expect("in range"))
        });
    });
    group.bench_function("add/16h/madrid-office/naive-day-walk", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % instants.len();
            black_box(naive_add(&cal, black_box(instants[i]), target))
        });
    });
    group.bench_function("between/madrid-office", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % (instants.len() - 1);
            let (a, z) = (instants[i].min(instants[i + 1]), instants[i].max(instants[i + 1]));
            black_box(cal.between(black_box(a), black_box(z)).expect("in range"))
        });
    });
    group.finish();
}
