//! Laws of SLA clocks: deadlines never move earlier when the clock pauses, and
//! grow with the target.

use proptest::prelude::*;
use tierwise::jiff::Timestamp;
use tierwise::{Metric, Policy, Ticket, TicketEvent};

fn policy(resolution_hours: u32) -> tierwise::CompiledPolicy {
    Policy::from_toml_str(&format!(
        r#"
        version = 1
        [calendars.office]
        timezone = "America/New_York"
        hours = {{ weekdays = ["08:00-12:00", "13:00-17:00"], sat = "10:00-14:00" }}
        holidays = ["2026-11-26"]
        [[sla.policies]]
        calendar = "office"
        first_response = "2h"
        resolution = "{resolution_hours}h"
        "#
    ))
    .unwrap()
    .compile()
    .unwrap()
}

const START: i64 = 1_772_323_200; // 2026-03-01T00:00:00Z

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(START + minutes * 60).unwrap()
}

/// A history of alternating waits and replies at increasing minutes.
fn history() -> impl Strategy<Value = Vec<i64>> {
    proptest::collection::btree_set(1i64..20_000, 0..8).prop_map(|s| s.into_iter().collect())
}

fn ticket(created: i64, marks: &[i64]) -> Ticket {
    let mut t = Ticket::from_json_str(&format!(r#"{{"created_at": "{}", "channel": "email"}}"#, at(created))).unwrap();
    for (i, &m) in marks.iter().enumerate() {
        let when = at(created + m);
        t.history.push(if i % 2 == 0 {
            TicketEvent::WaitingOnCustomer { at: when }
        } else {
            TicketEvent::CustomerReplied { at: when }
        });
    }
    t
}

fn due(policy: &tierwise::CompiledPolicy, t: &Ticket, now: Timestamp) -> Option<Timestamp> {
    policy.assess(t, now).unwrap().due(Metric::Resolution)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn prop_a_pause_never_shortens_a_deadline(
        created in 0i64..400_000, marks in history(), pause in 1i64..20_000, len in 1i64..5_000, hours in 1u32..80,
    ) {
        let p = policy(hours);
        let now = at(created + 40_000);
        let base = ticket(created, &marks);
        // Insert one more pause where the history is not waiting already.
        let open_at = |m: i64| marks.iter().filter(|&&x| x <= m).count() % 2 == 0;
        prop_assume!(open_at(pause) && marks.iter().all(|&x| x < pause || x > pause + len));
        let mut with_pause: Vec<i64> = marks.clone();
        with_pause.extend([pause, pause + len]);
        with_pause.sort_unstable();
        let paused = ticket(created, &with_pause);
        // `None` means "not reached while the customer keeps us waiting": later
        // than any instant. A pause may push a deadline into a later open wait.
        match (due(&p, &base, now), due(&p, &paused, now)) {
            (Some(a), Some(b)) => prop_assert!(b >= a, "{b} < {a}"),
            (None, Some(b)) => prop_assert!(false, "a pause made an open-ended deadline finite ({b})"),
            _ => {}
        }
    }

    #[test]
    fn prop_deadlines_grow_with_the_target(created in 0i64..400_000, marks in history(), h1 in 1u32..80, h2 in 1u32..80) {
        let (small, large) = (h1.min(h2), h1.max(h2));
        let now = at(created + 40_000);
        // Every wait answered, so both deadlines exist and every case counts.
        let answered = &marks[..marks.len() / 2 * 2];
        let t = ticket(created, answered);
        let (a, b) = (due(&policy(small), &t, now), due(&policy(large), &t, now));
        prop_assert!(a.is_some() && b.is_some(), "{a:?} {b:?}");
        prop_assert!(a <= b);
    }

    #[test]
    fn prop_elapsed_is_business_time_open_and_due_is_remaining_ahead(
        created in 0i64..400_000, marks in history(), later in 0i64..40_000,
    ) {
        let p = policy(16);
        let cal = p.calendar("office").unwrap();
        let t = ticket(created, &marks);
        let now = at(created + 20_000 + later);
        let d = p.triage(&t, now).unwrap();
        let res = d.deadline(Metric::Resolution).unwrap();
        // Counted again by the calendar alone: business time from creation to
        // now, less the business time of each wait on the customer.
        let mut open = cal.between(t.created_at, now).unwrap();
        for pair in marks.chunks(2) {
            let waiting = at(created + pair[0]);
            let replied = pair.get(1).map_or(now, |&m| at(created + m).min(now));
            if waiting < now {
                open -= cal.between(waiting, replied).unwrap();
            }
        }
        prop_assert_eq!(res.elapsed, open);
        prop_assert!(res.elapsed <= now.duration_since(t.created_at));
        // Not paused and not yet due: the deadline lies `remaining` of
        // business time ahead.
        if let Some(due) = res.due && due > now && marks.len() % 2 == 0 {
            prop_assert_eq!(cal.between(now, due).unwrap(), res.remaining);
        }
    }
}
