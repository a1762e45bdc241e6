//! The example policies and tickets, triaged, with deadlines worked out by hand.

use tierwise::jiff::Timestamp;
use tierwise::{ClockState, CompiledPolicy, Metric, Policy, Ticket};

fn load(name: &str) -> CompiledPolicy {
    let path = format!("{}/../examples/policies/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    Policy::from_toml_str(&text).unwrap().compile().unwrap()
}

fn ticket(name: &str) -> Ticket {
    let path = format!("{}/../examples/tickets/{name}", env!("CARGO_MANIFEST_DIR"));
    Ticket::from_json_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn example_policies_compile_without_warnings() {
    for name in ["global-desk.toml", "madrid-office.toml"] {
        let policy = load(name);
        assert!(policy.warnings().is_empty(), "{name}: {:?}", policy.warnings());
    }
}

#[test]
fn vip_outage_alert_on_the_global_desk() {
    let triage = load("global-desk.toml").triage(&ticket("vip-outage-alert.json"), ts("2026-03-06T21:50:00Z")).unwrap();
    assert_eq!(triage.priority, "P1");
    let sources: Vec<&str> = triage.priority_steps.iter().map(|s| s.source.as_str()).collect();
    assert_eq!(sources, ["priority.matrix", "priority.overrides[0]", "priority.overrides[2]"]);
    assert_eq!(triage.sla_rule.as_deref(), Some("critical"));
    let fr = triage.deadline(Metric::FirstResponse).unwrap();
    assert_eq!((fr.state, fr.due), (ClockState::Running, Some(ts("2026-03-06T21:55:00Z"))));
    let res = triage.deadline(Metric::Resolution).unwrap();
    assert_eq!(res.due, Some(ts("2026-03-07T01:40:00Z")));
    // Warnings at 50/75/90% of 15 minutes; the 50% one has passed.
    let at: Vec<(Option<Timestamp>, bool)> = fr.warnings.iter().map(|w| (w.at, w.reached)).collect();
    assert_eq!(
        at,
        [
            (Some(ts("2026-03-06T21:47:30Z")), true),
            (Some(ts("2026-03-06T21:51:15Z")), false),
            (Some(ts("2026-03-06T21:53:30Z")), false)
        ]
    );
    assert_eq!(triage.next_change, Some(ts("2026-03-06T21:51:15Z")));
    // 4000 (P1) + 300 (vip) + 5/h x 1/6 h waiting + 100/h x (-1/12 h) before the deadline.
    assert!((triage.score - (4300.0 + 5.0 / 6.0 - 100.0 / 12.0)).abs() < 1e-9, "{}", triage.score);
    let terms: f64 = triage.explanation.iter().map(|t| t.points).sum();
    assert_eq!(terms, triage.score, "the explanation adds up to the score");
}

#[test]
fn madrid_request_paused_over_a_dst_weekend() {
    // Created Friday 27 March 13:30 CET; Spain moves to CEST on Sunday 29 March.
    let triage =
        load("madrid-office.toml").triage(&ticket("madrid-email-waiting.json"), ts("2026-03-30T08:00:00Z")).unwrap();
    // medium x high = P2, raised for management.
    assert_eq!(triage.priority, "P1");
    let fr = triage.deadline(Metric::FirstResponse).unwrap();
    assert_eq!(fr.state, ClockState::Met);
    assert_eq!(fr.stopped_at, Some(ts("2026-03-27T12:55:00Z")));
    // Resolution, 4 business hours: 30 min on Friday (13:30-14:00 CET), paused
    // until Monday 09:10 CEST, then 3h30 more: 12:40 CEST = 10:40Z.
    let res = triage.deadline(Metric::Resolution).unwrap();
    assert_eq!(res.state, ClockState::Running);
    assert_eq!(res.due, Some(ts("2026-03-30T10:40:00Z")));
    assert_eq!(res.due_local.as_deref(), Some("2026-03-30T12:40:00+02:00[Europe/Madrid]"));
    assert_eq!(res.elapsed, tierwise::jiff::SignedDuration::from_mins(80));
    assert_eq!(res.warnings[0].at, Some(ts("2026-03-30T09:40:00Z")));
    // The "critical" rule sets no next-reply target.
    assert!(triage.deadline(Metric::NextReply).is_none());
}

#[test]
fn reclassification_reapplies_targets_from_creation_with_pauses_kept() {
    let policy = load("madrid-office.toml");
    let mut t = ticket("madrid-email-waiting.json");
    t.customer_tier = Some("employee".to_owned()); // now P2: resolution 24 business hours
    let triage = policy.triage(&t, ts("2026-03-30T08:00:00Z")).unwrap();
    assert_eq!(triage.priority, "P2");
    let res = triage.deadline(Metric::Resolution).unwrap();
    // Same 30 min before the pause and the same pause; 23h30 business after
    // Monday 09:10 CEST: Mon 4h50 + 3h30, Tue 8h30 -> 6h40 left on Wednesday
    // 1 April: 09:00-14:00, then 15:00 + 1h40 = 16:40 CEST = 14:40Z.
    assert_eq!(res.due, Some(ts("2026-04-01T14:40:00Z")));
    // Two more business hours would cross Jueves and Viernes Santo (2-3 April).
    let cal = policy.calendar("madrid-office").unwrap();
    let two_more = cal.add(res.due.unwrap(), tierwise::jiff::SignedDuration::from_hours(2)).unwrap();
    assert_eq!(two_more, ts("2026-04-06T07:10:00Z"), "Monday 6 April 09:10 CEST");
    let nr = triage.deadline(Metric::NextReply).unwrap();
    assert_eq!(nr.started_at, ts("2026-03-30T07:10:00Z"));
    // 2 business hours from Monday 09:10 CEST.
    assert_eq!(nr.due, Some(ts("2026-03-30T09:10:00Z")));
}

#[test]
fn bad_tickets_name_the_field() {
    let policy = load("global-desk.toml");
    let mut t = ticket("vip-outage-alert.json");
    t.impact = Some("hihg".to_owned());
    t.category = Some("netwrok".to_owned());
    let err = policy.triage(&t, ts("2026-03-06T21:50:00Z")).unwrap_err();
    let got: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        [
            "impact: unknown impact level \"hihg\" (did you mean \"high\"?)",
            "category: unknown category \"netwrok\" (did you mean \"network\"?)"
        ]
    );
    let t = ticket("vip-outage-alert.json");
    let err = policy.triage(&t, ts("2026-03-06T20:00:00Z")).unwrap_err();
    assert_eq!((err.code(), err.path()), ("inconsistent", "created_at"));
    let err = Ticket::from_json_str(r#"{"created_at": "2026-03-06T20:00:00Z", "channel": "fax"}"#).unwrap_err();
    assert_eq!(err.path(), "channel");
    let err = Ticket::from_json_str(r#"{"created_at": 5, "channel": "email"}"#).unwrap_err();
    assert_eq!(err.path(), "created_at");
    let err = Ticket::from_json_str(
        r#"{"created_at": "2026-03-06T20:00:00Z", "channel": "email", "history": [{"event": "agent_replied", "at": "2026-03-06T21:00:00Z", "by": "x"}]}"#,
    )
    .unwrap_err();
    assert_eq!(err.code(), "unknown_field");
}

#[test]
fn assess_and_triage_agree() {
    for (policy, ticket_name, now) in [
        ("global-desk.toml", "vip-outage-alert.json", "2026-03-06T21:50:00Z"),
        ("madrid-office.toml", "madrid-email-waiting.json", "2026-03-30T08:00:00Z"),
        ("madrid-office.toml", "madrid-email-waiting.json", "2026-03-28T10:00:00Z"),
    ] {
        let policy = load(policy);
        let now = ts(now);
        let mut t = ticket(ticket_name);
        t.history.retain(|e| e.at() <= now); // the ticket as it stood then
        let full = policy.triage(&t, now).unwrap();
        let lean = policy.assess(&t, now).unwrap();
        assert_eq!(policy.priority_classes()[lean.class], full.priority);
        assert_eq!(lean.score, full.score);
        assert_eq!(lean.key, full.key);
        assert_eq!(lean.next_change, full.next_change);
        for d in &full.deadlines {
            assert_eq!(lean.due(d.metric), d.due, "{:?}", d.metric);
            assert_eq!(lean.state[d.metric as usize], Some(d.state));
        }
    }
}
