//! One test per routing rule, on small hand-built desks.

use tierwise::jiff::Timestamp;
use tierwise::{AgentSpec, Decision, Engine, Event, Policy};

fn policy(extra: &str) -> tierwise::CompiledPolicy {
    Policy::from_toml_str(&format!("version = 1\n{extra}")).unwrap().compile().unwrap()
}

fn agent(json: &str) -> AgentSpec {
    serde_json::from_str(json).unwrap()
}

fn ev(json: &str) -> Event {
    Event::from_json_str(json).unwrap()
}

/// A desk with a helper to send events written compactly.
struct Desk {
    engine: Engine,
}

impl Desk {
    fn new(extra: &str, agents: &[&str]) -> Desk {
        Desk { engine: Engine::new(policy(extra), agents.iter().map(|a| agent(a)).collect()).unwrap() }
    }

    fn send(&mut self, at: &str, body: &str) -> Vec<Decision> {
        let json = format!(r#"{{"at": "{at}", {body}}}"#);
        self.engine.apply(&ev(&json)).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    fn login(&mut self, at: &str, agent: &str) -> Vec<Decision> {
        self.send(at, &format!(r#""event": "agent_logged_in", "agent": "{agent}""#))
    }

    fn ticket(&mut self, at: &str, id: &str, fields: &str) -> Vec<Decision> {
        let comma = if fields.is_empty() { "" } else { ", " };
        self.send(
            at,
            &format!(
                r#""event": "ticket_created", "ticket": {{"id": "{id}", "created_at": "{at}", "channel": "chat"{comma}{fields}}}"#
            ),
        )
    }
}

fn offers(decisions: &[Decision]) -> Vec<(String, String)> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Offer { ticket, agent, .. } => Some((ticket.clone(), agent.clone())),
            _ => None,
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(t, a)| ((*t).to_owned(), (*a).to_owned())).collect()
}

const T0: &str = "2026-03-02T09:00:00Z";

#[test]
fn skills_levels_language_and_clearance_decide_eligibility() {
    let mut desk = Desk::new(
        "",
        &[
            r#"{"id": "junior", "tier": "L1", "skills": {"network": 1}, "languages": ["en"]}"#,
            r#"{"id": "senior", "tier": "L1", "skills": {"network": 3}, "languages": ["en"]}"#,
            r#"{"id": "hablante", "tier": "L1", "skills": {"network": 3}, "languages": ["es"], "clearance": true}"#,
        ],
    );
    for a in ["junior", "senior", "hablante"] {
        desk.login(T0, a);
    }
    let d = desk.ticket("2026-03-02T09:01:00Z", "T1", r#""skills": {"network": 2}, "language": "en""#);
    assert_eq!(offers(&d), pairs(&[("T1", "senior")]));
    let d = desk.ticket("2026-03-02T09:02:00Z", "T2", r#""language": "es""#);
    assert_eq!(offers(&d), pairs(&[("T2", "hablante")]));
    // Confidential: only the cleared agent, even when others are idle.
    let d = desk.ticket("2026-03-02T09:03:00Z", "T3", r#""confidential": true"#);
    assert_eq!(offers(&d), pairs(&[("T3", "hablante")]), "the only agent with clearance");
}

#[test]
fn confidential_tickets_wait_for_clearance() {
    let mut desk = Desk::new(
        "",
        &[
            r#"{"id": "l1", "tier": "L1", "capacity": {"chat": 1}}"#,
            r#"{"id": "cleared", "tier": "L1", "clearance": true, "capacity": {"chat": 1}}"#,
        ],
    );
    desk.login(T0, "l1");
    let d = desk.ticket("2026-03-02T09:01:00Z", "secret", r#""confidential": true"#);
    assert!(offers(&d).is_empty());
    let d = desk.login("2026-03-02T09:02:00Z", "cleared");
    assert_eq!(offers(&d), pairs(&[("secret", "cleared")]));
}

#[test]
fn capacity_per_channel_and_calls_block_everything() {
    let mut desk = Desk::new("", &[r#"{"id": "ana", "tier": "L1", "capacity": {"chat": 2, "phone": 1, "email": 5}}"#]);
    desk.login(T0, "ana");
    assert_eq!(offers(&desk.ticket("2026-03-02T09:01:00Z", "c1", "")).len(), 1);
    assert_eq!(offers(&desk.ticket("2026-03-02T09:01:01Z", "c2", "")).len(), 1);
    assert!(offers(&desk.ticket("2026-03-02T09:01:02Z", "c3", "")).is_empty(), "chat capacity is 2");
    // A call may still come (calls interrupt async work) and then blocks email.
    let d = desk.send(
        "2026-03-02T09:01:03Z",
        r#""event": "ticket_created", "ticket": {"id": "p1", "created_at": "2026-03-02T09:01:03Z", "channel": "phone"}"#,
    );
    assert_eq!(offers(&d), pairs(&[("p1", "ana")]));
    let d = desk.send(
        "2026-03-02T09:01:04Z",
        r#""event": "ticket_created", "ticket": {"id": "e1", "created_at": "2026-03-02T09:01:04Z", "channel": "email"}"#,
    );
    assert!(offers(&d).is_empty(), "on a call: no other offers");
    assert_eq!(desk.engine.agent_load("ana").unwrap()["chat"], (2, 2));

    // Unless the policy says calls do not block: with no exclusive channels,
    // an agent on a call still gets email.
    let mut desk = Desk::new(
        "[routing]\nexclusive_channels = []",
        &[r#"{"id": "ana", "tier": "L1", "capacity": {"phone": 1, "email": 5}}"#],
    );
    desk.login(T0, "ana");
    let call = r#""event": "ticket_created", "ticket": {"id": "p1", "created_at": "2026-03-02T09:01:00Z", "channel": "phone"}"#;
    assert_eq!(offers(&desk.send("2026-03-02T09:01:00Z", call)), pairs(&[("p1", "ana")]));
    let mail = r#""event": "ticket_created", "ticket": {"id": "e1", "created_at": "2026-03-02T09:01:01Z", "channel": "email"}"#;
    assert_eq!(offers(&desk.send("2026-03-02T09:01:01Z", mail)), pairs(&[("e1", "ana")]));
}

#[test]
fn priority_order_within_a_group_then_arrival() {
    let mut desk = Desk::new("", &[r#"{"id": "ana", "tier": "L1", "capacity": {"chat": 1}}"#]);
    desk.ticket("2026-03-02T09:00:00Z", "low", r#""impact": "low", "urgency": "low""#);
    desk.ticket("2026-03-02T09:00:01Z", "high", r#""impact": "high", "urgency": "high""#);
    desk.ticket("2026-03-02T09:00:02Z", "high2", r#""impact": "high", "urgency": "high""#);
    let d = desk.login("2026-03-02T09:01:00Z", "ana");
    assert_eq!(offers(&d), pairs(&[("high", "ana")]));
    desk.send("2026-03-02T09:01:05Z", r#""event": "offer_accepted", "agent": "ana", "ticket": "high""#);
    let d = desk.send("2026-03-02T09:05:00Z", r#""event": "agent_finished", "agent": "ana", "ticket": "high""#);
    assert_eq!(offers(&d), pairs(&[("high2", "ana")]));
}

#[test]
fn longest_idle_is_the_default_and_round_robin_rotates() {
    let agents = [
        r#"{"id": "a", "tier": "L1", "capacity": {"chat": 5}}"#,
        r#"{"id": "b", "tier": "L1", "capacity": {"chat": 5}}"#,
    ];
    let mut desk = Desk::new("", &agents);
    desk.login("2026-03-02T08:00:00Z", "a");
    desk.login("2026-03-02T08:30:00Z", "b");
    let got: Vec<_> =
        (0..4).flat_map(|i| offers(&desk.ticket(&format!("2026-03-02T09:00:0{i}Z"), &format!("t{i}"), ""))).collect();
    assert_eq!(got, pairs(&[("t0", "a"), ("t1", "b"), ("t2", "a"), ("t3", "b")]));

    let mut desk = Desk::new(
        "[routing]\nstrategy = [\"most_spare_capacity\"]",
        &[
            r#"{"id": "a", "tier": "L1", "capacity": {"chat": 2}}"#,
            r#"{"id": "b", "tier": "L1", "capacity": {"chat": 4}}"#,
        ],
    );
    desk.login(T0, "a");
    desk.login(T0, "b");
    let got: Vec<_> =
        (0..3).flat_map(|i| offers(&desk.ticket(&format!("2026-03-02T09:00:0{i}Z"), &format!("t{i}"), ""))).collect();
    assert_eq!(
        got,
        pairs(&[("t0", "b"), ("t1", "b"), ("t2", "a")]),
        "spare 4 > 2, then 3 > 2, then 2 = 2 -> roster order"
    );

    // Round robin goes by the order of last offers, not logins: agents not
    // offered anything yet come in roster order, then each in turn.
    let three = [agents[0], agents[1], r#"{"id": "c", "tier": "L1", "capacity": {"chat": 5}}"#];
    let mut desk = Desk::new("[routing]\nstrategy = \"round_robin\"", &three);
    desk.login("2026-03-02T08:00:00Z", "c");
    desk.login("2026-03-02T08:10:00Z", "a");
    desk.login("2026-03-02T08:20:00Z", "b");
    let got: Vec<_> =
        (0..5).flat_map(|i| offers(&desk.ticket(&format!("2026-03-02T09:00:0{i}Z"), &format!("t{i}"), ""))).collect();
    assert_eq!(got, pairs(&[("t0", "a"), ("t1", "b"), ("t2", "c"), ("t3", "a"), ("t4", "b")]));
}

#[test]
fn best_skill_match_prefers_the_expert() {
    let mut desk = Desk::new(
        "[routing]\nstrategy = [\"best_skill_match\", \"longest_idle\"]",
        &[r#"{"id": "ok", "tier": "L1", "skills": {"db": 2}}"#, r#"{"id": "guru", "tier": "L1", "skills": {"db": 5}}"#],
    );
    desk.login(T0, "ok");
    desk.login(T0, "guru");
    let d = desk.ticket("2026-03-02T09:01:00Z", "t", r#""skills": {"db": 2}"#);
    assert_eq!(offers(&d), pairs(&[("t", "guru")]));

    // When the first key ties, the second decides: two equal experts, the
    // one idle longer (logged in first, though later in the roster) first.
    let mut desk = Desk::new(
        "[routing]\nstrategy = [\"best_skill_match\", \"longest_idle\"]",
        &[
            r#"{"id": "ok", "tier": "L1", "skills": {"db": 2}}"#,
            r#"{"id": "late", "tier": "L1", "skills": {"db": 5}}"#,
            r#"{"id": "early", "tier": "L1", "skills": {"db": 5}}"#,
        ],
    );
    desk.login("2026-03-02T08:00:00Z", "ok");
    desk.login("2026-03-02T08:10:00Z", "early");
    desk.login("2026-03-02T08:30:00Z", "late");
    let d = desk.ticket("2026-03-02T09:01:00Z", "t", r#""skills": {"db": 2}"#);
    assert_eq!(offers(&d), pairs(&[("t", "early")]));
}

/// A rejected ticket goes back to its old place: before a later ticket of
/// the same priority (no SLA here, so arrival decides).
#[test]
fn a_rejected_ticket_keeps_its_place_in_the_queue() {
    let mut desk = Desk::new(
        "",
        &[
            r#"{"id": "a", "tier": "L1", "languages": ["en"], "capacity": {"chat": 1}}"#,
            r#"{"id": "b", "tier": "L1", "languages": ["en", "es"], "capacity": {"chat": 1}}"#,
        ],
    );
    desk.login("2026-03-02T08:00:00Z", "a");
    assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t", "")), pairs(&[("t", "a")]));
    assert!(offers(&desk.ticket("2026-03-02T09:00:01Z", "u", r#""language": "es""#)).is_empty());
    // a rejects t (and cannot take u): both wait, t from before u.
    let d = desk.send("2026-03-02T09:00:05Z", r#""event": "offer_rejected", "agent": "a", "ticket": "t""#);
    assert!(offers(&d).is_empty(), "{d:?}");
    // b, who could take either, gets t first.
    assert_eq!(offers(&desk.login("2026-03-02T09:00:10Z", "b")), pairs(&[("t", "b")]));
}

#[test]
fn rejection_and_expiry_requeue_and_skip_the_agent() {
    let mut desk = Desk::new(
        "[routing]\noffer_timeout = \"30s\"\nreject_cooldown = \"5m\"",
        &[
            r#"{"id": "a", "tier": "L1", "capacity": {"chat": 1}}"#,
            r#"{"id": "b", "tier": "L1", "capacity": {"chat": 1}}"#,
        ],
    );
    desk.login("2026-03-02T08:00:00Z", "a");
    desk.login("2026-03-02T08:30:00Z", "b");
    let d = desk.ticket("2026-03-02T09:00:00Z", "t", "");
    assert_eq!(offers(&d), pairs(&[("t", "a")]));
    let d = desk.send("2026-03-02T09:00:10Z", r#""event": "offer_rejected", "agent": "a", "ticket": "t""#);
    assert_eq!(offers(&d), pairs(&[("t", "b")]), "{d:?}");
    // b lets it expire, at 09:00:40 to the second: a is still skipped, b now
    // too: nobody gets it.
    let d = desk.send("2026-03-02T09:00:39Z", r#""event": "tick""#);
    assert!(!d.iter().any(|x| matches!(x, Decision::OfferExpired { .. })), "{d:?}");
    let d = desk.send("2026-03-02T09:00:40Z", r#""event": "tick""#);
    assert!(d.iter().any(|x| matches!(x, Decision::OfferExpired { agent, .. } if agent == "b")), "{d:?}");
    assert!(offers(&d).is_empty());
    // After a's cooldown (5m from 09:00:10) a gets it again, not before.
    assert!(offers(&desk.send("2026-03-02T09:05:09Z", r#""event": "tick""#)).is_empty());
    let d = desk.send("2026-03-02T09:05:10Z", r#""event": "tick""#);
    assert_eq!(offers(&d), pairs(&[("t", "a")]));
    // Accepting an offer that was not made is an error and changes nothing.
    let err = desk
        .engine
        .apply(&ev(r#"{"at": "2026-03-02T09:05:11Z", "event": "offer_accepted", "agent": "b", "ticket": "t"}"#))
        .unwrap_err();
    assert_eq!(err.code(), "inconsistent");
}

#[test]
fn automatic_and_requested_escalation_keep_the_tier_path() {
    let mut desk = Desk::new(
        "[[routing.escalation]]\ntier = \"L1\"\nmax_wait = \"10m\"",
        &[r#"{"id": "l2", "tier": "L2"}"#, r#"{"id": "l3", "tier": "L3"}"#],
    );
    desk.login(T0, "l2");
    desk.login(T0, "l3");
    let d = desk.ticket("2026-03-02T09:00:00Z", "t", "");
    assert!(offers(&d).is_empty(), "no L1 agent");
    assert!(
        d.iter().any(
            |x| matches!(x, Decision::WakeAt { at } if *at == "2026-03-02T09:10:00Z".parse::<Timestamp>().unwrap())
        )
    );
    let d = desk.send("2026-03-02T09:10:00Z", r#""event": "tick""#);
    assert!(
        matches!(&d[0], Decision::Escalated { from_tier, to_tier, .. } if from_tier == "L1" && to_tier == "L2"),
        "{d:?}"
    );
    assert_eq!(offers(&d), pairs(&[("t", "l2")]));
    desk.send("2026-03-02T09:10:05Z", r#""event": "offer_accepted", "agent": "l2", "ticket": "t""#);
    let d = desk.send("2026-03-02T09:20:00Z", r#""event": "escalate_requested", "ticket": "t""#);
    assert_eq!(offers(&d), pairs(&[("t", "l3")]));
    assert_eq!(desk.engine.agent_load("l2").unwrap()["chat"].0, 0, "escalating frees the L2 agent");
}

#[test]
fn relaxation_ladder_widens_step_by_step() {
    let mut desk = Desk::new(
        r#"
        [[routing.relaxation]]
        after = "2m"
        lower_levels = 1
        [[routing.relaxation]]
        after = "5m"
        any_language = true
        "#,
        &[r#"{"id": "mid", "tier": "L1", "skills": {"sap": 3}, "languages": ["de"]}"#],
    );
    desk.login(T0, "mid");
    let d = desk.ticket("2026-03-02T09:00:00Z", "t", r#""skills": {"sap": 4}, "language": "en""#);
    assert!(offers(&d).is_empty());
    let d = desk.send("2026-03-02T09:02:00Z", r#""event": "tick""#);
    assert!(d.iter().any(|x| matches!(x, Decision::Relaxed { step: 0, .. })));
    assert!(offers(&d).is_empty(), "still needs English");
    let d = desk.send("2026-03-02T09:05:00Z", r#""event": "tick""#);
    assert_eq!(offers(&d), pairs(&[("t", "mid")]));
    let Some(Decision::Offer { why, .. }) = d.iter().find(|x| matches!(x, Decision::Offer { .. })) else {
        unreachable!()
    };
    assert_eq!(why.relaxation.len(), 2);
    assert_eq!(why.skills[0].required, 3);
}

#[test]
fn preferred_agent_waits_then_falls_back() {
    let mut desk = Desk::new(
        "[routing]\nsticky_wait = \"3m\"\noffer_timeout = \"1h\"",
        &[
            r#"{"id": "usual", "tier": "L1", "capacity": {"chat": 1}}"#,
            r#"{"id": "other", "tier": "L1", "capacity": {"chat": 1}}"#,
        ],
    );
    desk.login(T0, "usual");
    desk.login(T0, "other");
    desk.ticket("2026-03-02T09:00:00Z", "busy", "");
    let d = desk.send(
        "2026-03-02T09:01:00Z",
        r#""event": "ticket_created", "preferred_agent": "usual", "ticket": {"id": "t", "created_at": "2026-03-02T09:01:00Z", "channel": "chat"}"#,
    );
    // "busy" went to usual (roster order on equal idle time), so t waits for usual.
    assert!(offers(&d).is_empty(), "{d:?}");
    let d = desk.send("2026-03-02T09:03:59Z", r#""event": "tick""#);
    assert!(offers(&d).is_empty(), "the wait lasts 3m to the second: {d:?}");
    let d = desk.send("2026-03-02T09:04:00Z", r#""event": "tick""#);
    assert_eq!(offers(&d), pairs(&[("t", "other")]));
}

#[test]
fn shifts_follow_each_agents_zone_across_dst() {
    // Shifts 09:00-17:00 local in Manila (+08), Madrid (CET, CEST from 29 March)
    // and Bogota (-05, no DST).
    let policy = r#"
        [calendars.manila]
        timezone = "Asia/Manila"
        hours = { daily = "09:00-17:00" }
        [calendars.madrid]
        timezone = "Europe/Madrid"
        hours = { daily = "09:00-17:00" }
        [calendars.bogota]
        timezone = "America/Bogota"
        hours = { daily = "09:00-17:00" }
    "#;
    let policy = format!("{policy}\n[routing]\noffer_timeout = \"1d\"");
    let mut desk = Desk::new(
        &policy,
        &[
            r#"{"id": "mnl", "tier": "L1", "shift": "manila", "capacity": {"chat": 100}}"#,
            r#"{"id": "mad", "tier": "L1", "shift": "madrid", "capacity": {"chat": 100}}"#,
            r#"{"id": "bog", "tier": "L1", "shift": "bogota", "capacity": {"chat": 100}}"#,
        ],
    );
    for a in ["mnl", "mad", "bog"] {
        desk.login("2026-03-27T00:00:00Z", a);
    }
    let who = |desk: &mut Desk, at: &str, id: &str| {
        offers(&desk.ticket(at, id, "")).into_iter().find(|p| p.0 == id).map(|p| p.1)
    };
    // Friday 27 March (CET): 02:00Z = 10:00 Manila; 08:30Z = 09:30 Madrid; 15:00Z = 10:00 Bogota.
    assert_eq!(who(&mut desk, "2026-03-27T02:00:00Z", "a").as_deref(), Some("mnl"));
    assert_eq!(who(&mut desk, "2026-03-27T08:30:00Z", "b").as_deref(), Some("mad"), "09:30 CET");
    assert_eq!(who(&mut desk, "2026-03-27T15:00:00Z", "c").as_deref(), Some("bog"));
    // Monday 30 March (CEST): 07:30Z is 09:30 in Madrid now (it would be 08:30
    // under CET, before the shift). Manila (15:30) steps away so only Madrid counts.
    desk.send("2026-03-30T07:00:00Z", r#""event": "agent_state_changed", "agent": "mnl", "state": "away""#);
    assert_eq!(who(&mut desk, "2026-03-30T07:30:00Z", "d").as_deref(), Some("mad"), "09:30 CEST");
    desk.send("2026-03-30T08:00:00Z", r#""event": "agent_state_changed", "agent": "mnl", "state": "available""#);
    // 22:30Z: everyone off shift.
    assert_eq!(who(&mut desk, "2026-03-30T22:30:00Z", "e"), None);
    // Manila opens at 01:00Z on the 31st: the waiting ticket goes there.
    let d = desk.send("2026-03-31T01:00:00Z", r#""event": "tick""#);
    assert!(offers(&d).contains(&("e".to_owned(), "mnl".to_owned())), "{d:?}");
}

#[test]
fn wrap_up_and_fairness_cap() {
    let mut desk = Desk::new(
        "[routing]\nwrap_up = { chat = \"1m\" }\nfairness = { max_offers = 2, window = \"1h\" }",
        &[r#"{"id": "a", "tier": "L1", "capacity": {"chat": 1}}"#],
    );
    desk.login(T0, "a");
    desk.ticket("2026-03-02T09:00:00Z", "t1", "");
    desk.send("2026-03-02T09:00:05Z", r#""event": "offer_accepted", "agent": "a", "ticket": "t1""#);
    desk.ticket("2026-03-02T09:00:10Z", "t2", "");
    let d = desk.send("2026-03-02T09:02:00Z", r#""event": "agent_finished", "agent": "a", "ticket": "t1""#);
    assert!(offers(&d).is_empty(), "wrap-up until 09:03");
    let d = desk.send("2026-03-02T09:02:59Z", r#""event": "tick""#);
    assert!(offers(&d).is_empty(), "wrap-up until 09:03, not a second less");
    let d = desk.send("2026-03-02T09:03:00Z", r#""event": "tick""#);
    assert_eq!(offers(&d), pairs(&[("t2", "a")]));
    desk.send("2026-03-02T09:03:01Z", r#""event": "offer_accepted", "agent": "a", "ticket": "t2""#);
    desk.send("2026-03-02T09:04:00Z", r#""event": "agent_finished", "agent": "a", "ticket": "t2""#);
    desk.ticket("2026-03-02T09:06:00Z", "t3", "");
    let d = desk.send("2026-03-02T09:30:00Z", r#""event": "tick""#);
    assert!(offers(&d).is_empty(), "two offers in the hour already");
    let d = desk.send("2026-03-02T10:00:00Z", r#""event": "tick""#);
    assert_eq!(offers(&d), pairs(&[("t3", "a")]));
}

/// A desk whose one agent hit a fairness cap of one offer in 30 minutes at
/// 09:00, then had its policy reloaded at 09:02 with another window; and the
/// decisions of the reload.
fn capped_then_reloaded(window: &str) -> (Desk, Vec<Decision>) {
    let cap = |window: &str| format!("[routing]\nfairness = {{ max_offers = 1, window = \"{window}\" }}");
    let mut desk = Desk::new(&cap("30m"), &[r#"{"id": "a", "tier": "L1", "capacity": {"chat": 1}}"#]);
    desk.login(T0, "a");
    desk.ticket("2026-03-02T09:00:00Z", "t1", "");
    desk.send("2026-03-02T09:00:05Z", r#""event": "offer_accepted", "agent": "a", "ticket": "t1""#);
    desk.send("2026-03-02T09:01:00Z", r#""event": "agent_finished", "agent": "a", "ticket": "t1""#);
    assert!(offers(&desk.ticket("2026-03-02T09:02:00Z", "t2", "")).is_empty(), "capped until 09:30");
    let mut out = Vec::new();
    desk.engine.reload(policy(&cap(window)), &mut out).unwrap();
    (desk, out)
}

#[test]
fn a_reloaded_fairness_window_holds_from_the_capped_offers() {
    // Longer: the cap holds past 09:30 and ends at 11:00 (it used to hold
    // for good: the only recheck was set for the old window's end).
    let (mut desk, reloaded) = capped_then_reloaded("2h");
    assert!(offers(&reloaded).is_empty(), "{reloaded:?}");
    assert!(offers(&desk.send("2026-03-02T09:30:00Z", r#""event": "tick""#)).is_empty());
    assert!(offers(&desk.send("2026-03-02T10:59:00Z", r#""event": "tick""#)).is_empty());
    assert_eq!(offers(&desk.send("2026-03-02T11:00:00Z", r#""event": "tick""#)), pairs(&[("t2", "a")]));
    assert!(desk.engine.audit().is_empty());

    // Shorter: the cap ends at 09:10, not at the old window's 09:30.
    let (mut desk, reloaded) = capped_then_reloaded("10m");
    assert!(offers(&reloaded).is_empty(), "{reloaded:?}");
    assert_eq!(offers(&desk.send("2026-03-02T09:10:00Z", r#""event": "tick""#)), pairs(&[("t2", "a")]));

    // Shorter than the time since the offer: the cap ends with the reload.
    let (desk, reloaded) = capped_then_reloaded("1m");
    assert_eq!(offers(&reloaded), pairs(&[("t2", "a")]));
    assert!(desk.engine.audit().is_empty());
}

/// Two offers in the window when it shrinks: each leaves at its own time under
/// the new window. (Only the oldest's recheck was set again, so an agent
/// capped once more later stayed capped after the second had left: the
/// engine's audit now checks that a capped agent has a recheck.)
#[test]
fn a_shrunk_fairness_window_lets_every_capped_offer_go_at_its_time() {
    let cap = |window: &str| format!("[routing]\nfairness = {{ max_offers = 2, window = \"{window}\" }}");
    let mut desk = Desk::new(&cap("30m"), &[r#"{"id": "a", "tier": "L1", "capacity": {"chat": 5}}"#]);
    desk.login(T0, "a");
    assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t1", "")), pairs(&[("t1", "a")]));
    desk.send("2026-03-02T09:00:05Z", r#""event": "offer_accepted", "agent": "a", "ticket": "t1""#);
    assert_eq!(offers(&desk.ticket("2026-03-02T09:01:00Z", "t2", "")), pairs(&[("t2", "a")]));
    desk.send("2026-03-02T09:01:05Z", r#""event": "offer_accepted", "agent": "a", "ticket": "t2""#);
    let mut out = Vec::new();
    desk.engine.reload(policy(&cap("10m")), &mut out).unwrap();
    // 09:00's offer leaves at 09:10; then t3 makes two again (09:01, 09:10).
    assert_eq!(offers(&desk.ticket("2026-03-02T09:10:00Z", "t3", "")), pairs(&[("t3", "a")]));
    desk.send("2026-03-02T09:10:05Z", r#""event": "offer_accepted", "agent": "a", "ticket": "t3""#);
    assert!(offers(&desk.ticket("2026-03-02T09:10:30Z", "t4", "")).is_empty(), "capped until 09:11");
    // 09:01's offer leaves at 09:11, not when t3's does (09:20).
    assert_eq!(offers(&desk.send("2026-03-02T09:11:00Z", r#""event": "tick""#)), pairs(&[("t4", "a")]));
    assert!(desk.engine.audit().is_empty());
}

/// `null` in an update clears the field, as in a JSON merge patch: a priority
/// set by hand goes (the matrix decides again), a language requirement goes.
/// (It was ignored: an override could not be taken back.)
#[test]
fn null_in_an_update_clears_the_field() {
    let mut desk = Desk::new("", &[r#"{"id": "a", "tier": "L1", "languages": ["en"], "capacity": {"chat": 1}}"#]);
    desk.login(T0, "a");
    let fields = r#""impact": "low", "urgency": "low", "priority": "P1", "language": "es""#;
    assert!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t", fields)).is_empty(), "a speaks no Spanish");
    assert_eq!(desk.engine.triage("t").unwrap().priority, "P1");
    let d =
        desk.send("2026-03-02T09:01:00Z", r#""event": "ticket_updated", "ticket": "t", "changes": {"priority": null}"#);
    assert!(offers(&d).is_empty());
    assert_eq!(desk.engine.triage("t").unwrap().priority, "P5", "low impact, low urgency");
    let d =
        desk.send("2026-03-02T09:02:00Z", r#""event": "ticket_updated", "ticket": "t", "changes": {"language": null}"#);
    assert_eq!(offers(&d), pairs(&[("t", "a")]));

    // Read and written back the same way.
    let changes: tierwise::TicketChanges = serde_json::from_str(r#"{"priority": null, "impact": "high"}"#).unwrap();
    assert_eq!(
        (changes.priority.clone(), changes.impact.clone(), changes.language.clone()),
        (Some(None), Some(Some("high".to_owned())), None)
    );
    assert_eq!(serde_json::to_string(&changes).unwrap(), r#"{"impact":"high","priority":null}"#);
}

#[test]
fn updates_that_add_confidentiality_withdraw_offers() {
    let mut desk = Desk::new("", &[r#"{"id": "a", "tier": "L1"}"#]);
    desk.login(T0, "a");
    desk.ticket("2026-03-02T09:00:00Z", "t", "");
    let d = desk
        .send("2026-03-02T09:00:05Z", r#""event": "ticket_updated", "ticket": "t", "changes": {"confidential": true}"#);
    assert!(d.iter().any(|x| matches!(x, Decision::OfferWithdrawn { .. })), "{d:?}");
    assert_eq!(desk.engine.stats().waiting, 1);
}

#[test]
fn bad_events_are_rejected_with_paths() {
    let mut desk = Desk::new("", &[r#"{"id": "a", "tier": "L1"}"#]);
    desk.login("2026-03-02T09:00:00Z", "a");
    let err = desk.engine.apply(&ev(r#"{"at": "2026-03-02T08:00:00Z", "event": "tick"}"#)).unwrap_err();
    assert_eq!((err.code(), err.path()), ("inconsistent", "at"));
    let err = desk
        .engine
        .apply(&ev(r#"{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "b"}"#))
        .unwrap_err();
    assert_eq!(err.code(), "unknown_name");
    let err = Event::from_json_str(r#"{"at": "2026-03-02T09:00:00Z", "event": "teleport"}"#).unwrap_err();
    assert_eq!(err.code(), "invalid_value");
    let err = Event::from_json_str(r#"{"event": "tick"}"#).unwrap_err();
    assert_eq!((err.code(), err.path()), ("missing_field", "at"));
    let err = Event::from_json_str(r#"{"at": "2026-03-02T09:00:00Z", "event": "tick", "extra": 1}"#).unwrap_err();
    assert_eq!(err.code(), "unknown_field");
    let err = desk
        .engine
        .apply(&ev(r#"{"at": "2026-03-02T09:00:00Z", "event": "ticket_created", "ticket": {"id": "x", "created_at": "2026-03-02T09:00:00Z", "channel": "chat", "impact": "huge"}}"#))
        .unwrap_err();
    assert_eq!(err.path(), "ticket.impact");
    let err = desk
        .engine
        .apply(&ev(r#"{"at": "2026-03-02T09:00:00Z", "event": "ticket_created", "preferred_agent": "b", "ticket": {"id": "y", "created_at": "2026-03-02T09:00:00Z", "channel": "chat"}}"#))
        .unwrap_err();
    assert_eq!((err.code(), err.path()), ("unknown_name", "preferred_agent"));
}

#[test]
fn coverage_lint_finds_gaps_weekends_and_holidays() {
    let desk = Desk::new(
        r#"
        tiers = ["L1", "L2"]
        [calendars.office]
        timezone = "Europe/Madrid"
        hours = { weekdays = "09:00-17:00" }
        holidays = [{ date = "2026-03-19", name = "San José" }]
        "#,
        &[
            r#"{"id": "day", "tier": "L1", "skills": {"network": 2}, "languages": ["es"], "shift": "office"}"#,
            r#"{"id": "always", "tier": "L1", "skills": {"access": 1}, "languages": ["en"]}"#,
            r#"{"id": "l2", "tier": "L2", "clearance": true, "shift": "office"}"#,
        ],
    );
    let report = desk.engine.coverage("2026-03-16T00:00:00Z".parse().unwrap()).unwrap();
    let find = |r: &str| report.gaps.iter().find(|g| g.requirement == r).unwrap_or_else(|| panic!("{r}: {report:?}"));
    assert!(find("tier L1, confidential (clearance)").never);
    // Madrid office: 8 h a day on 4 weekdays (19 March is a holiday): 168 - 32 h uncovered.
    let network = find("tier L1, skill network, language es");
    assert_eq!(network.hours, 136.0);
    assert!(network.no_weekend_cover);
    assert_eq!(network.holidays_uncovered, ["2026-03-19 (San José, office)"]);
    assert!(report.gaps.iter().all(|g| g.requirement != "tier L1"), "the always-on agent covers plain L1 work");
    assert!(report.gaps.iter().all(|g| g.requirement != "tier L1, skill access, language en"));

    // A week may start on any day: its Saturday and Sunday are still the weekend.
    let wednesday = desk.engine.coverage("2026-03-18T00:00:00Z".parse().unwrap()).unwrap();
    let network = wednesday.gaps.iter().find(|g| g.requirement == "tier L1, skill network, language es").unwrap();
    assert!(network.no_weekend_cover, "{network:?}");
    // A holiday that began the year before still counts in this year's days.
    let leave = Desk::new(
        r#"
        [calendars.office]
        timezone = "Europe/Madrid"
        hours = { weekdays = "09:00-17:00" }
        holidays = [{ from = "2025-12-20", to = "2026-01-09", name = "closed" }]
        "#,
        &[r#"{"id": "day", "tier": "L1", "skills": {"network": 2}, "shift": "office"}"#],
    );
    let report = leave.engine.coverage("2026-01-05T00:00:00Z".parse().unwrap()).unwrap();
    let network = report.gaps.iter().find(|g| g.requirement == "tier L1, skill network").unwrap();
    assert_eq!(network.holidays_uncovered.first().map(String::as_str), Some("2026-01-01 (closed, office)"));
    assert_eq!(network.holidays_uncovered.len(), 9, "{:?}", network.holidays_uncovered);
    // Weeks outside the calendars' years are refused, not reported uncovered.
    for start in ["2999-12-30T00:00:00Z", "1899-12-31T00:00:00Z", "9999-12-27T00:00:00Z"] {
        let err = desk.engine.coverage(start.parse().unwrap()).unwrap_err();
        assert_eq!((err.kind(), err.path()), (tierwise::ErrorKind::OutOfRange, "week_start"), "{start}: {err}");
    }
}

/// The example desk after its example events, as a snapshot in JSON.
fn example_desk_snapshot() -> (tierwise::CompiledPolicy, serde_json::Value) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).unwrap();
    let policy = Policy::from_toml_str(&read("policies/global-desk.toml")).unwrap().compile().unwrap();
    let roster = tierwise::parse_roster(&read("routing/agents.json")).unwrap();
    let mut engine = Engine::new(policy.clone(), roster).unwrap();
    for line in read("routing/events.jsonl").lines().filter(|l| l.starts_with('{')) {
        engine.apply(&ev(line)).unwrap();
    }
    (policy, serde_json::to_value(engine.snapshot()).unwrap())
}

/// Restores a snapshot from JSON; an error as `code: message`.
fn restore(policy: &tierwise::CompiledPolicy, snapshot: &serde_json::Value) -> Result<Engine, String> {
    let code = |e: tierwise::Error| format!("{}: {e}", e.problems()[0].code());
    let snapshot = tierwise::Snapshot::from_json_str(&snapshot.to_string()).map_err(code)?;
    Engine::restore(policy.clone(), snapshot).map_err(code)
}

#[test]
fn snapshots_read_from_json_text_and_junk_is_refused() {
    let (policy, snapshot) = example_desk_snapshot();
    let text = snapshot.to_string();
    let restored = restore(&policy, &snapshot).unwrap();
    assert_eq!(serde_json::to_value(restored.snapshot()).unwrap(), snapshot, "a snapshot survives a round trip");
    let mut wrong_load = snapshot.clone();
    wrong_load["agents"][1]["load"] = "none".into();
    let wrong_load = wrong_load.to_string();
    let junk = [
        ("", "syntax", ""),
        ("not a snapshot", "syntax", ""),
        (&text[..text.len() / 2], "syntax", ""),
        ("{}", "missing_field", "format"),
        ("[1, 2]", "invalid_value", "tiers"),
        (&wrong_load, "invalid_value", "agents[1].load"),
    ];
    for (text, code, path) in junk {
        let err = tierwise::Snapshot::from_json_str(text).unwrap_err();
        assert_eq!((err.code(), err.path()), (code, path), "{err}");
    }
}

/// Every number in a JSON document, by its JSON pointer.
fn number_pointers(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Number(_) => out.push(at),
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                number_pointers(v, format!("{at}/{i}"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                number_pointers(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        _ => {}
    }
}

#[test]
fn corrupted_snapshots_are_refused_not_routed() {
    let (policy, snapshot) = example_desk_snapshot();
    assert!(restore(&policy, &snapshot).is_ok());
    // Found by the generated JavaScript tests: an offer to an agent who is not
    // in the roster, and a load that does not match what the agent holds.
    let offered = snapshot["tickets"].as_array().unwrap().iter().position(|t| t["status"]["status"] == "offered");
    let mut bad = snapshot.clone();
    bad["tickets"][offered.unwrap()]["status"]["agent"] = 99.into();
    let err = restore(&policy, &bad).err().unwrap();
    assert!(err.starts_with("inconsistent: "), "{err}");
    let mut bad = snapshot.clone();
    bad["agents"][0]["load"][2] = 5.into();
    let err = restore(&policy, &bad).err().unwrap();
    assert!(err.starts_with("inconsistent: ") && err.contains("load"), "{err}");

    // Every number in the snapshot, set in turn to values at and past the
    // edges: refused with an error, or restored to an engine that passes its
    // audit and keeps routing. Never a panic.
    let mut pointers = Vec::new();
    number_pointers(&snapshot, String::new(), &mut pointers);
    assert!(pointers.len() > 50, "{}", pointers.len());
    let (mut refused, mut restored) = (0, 0);
    for pointer in &pointers {
        for value in [
            serde_json::json!(0),
            serde_json::json!(1),
            serde_json::json!(99),
            serde_json::json!(255),
            serde_json::json!(u32::MAX),
            serde_json::json!(-1),
            serde_json::json!(i64::MAX),
        ] {
            let mut edited = snapshot.clone();
            *edited.pointer_mut(pointer).unwrap() = value;
            match restore(&policy, &edited) {
                Err(_) => refused += 1,
                Ok(mut engine) => {
                    restored += 1;
                    let _ = engine.apply(&ev(r#"{"at": "2026-03-06T12:00:00Z", "event": "tick"}"#));
                    let _ = engine.apply(&ev(r#"{"at": "2026-03-09T12:00:00Z", "event": "tick"}"#));
                    assert_eq!(engine.audit(), Vec::<String>::new(), "{pointer} after ticks");
                }
            }
        }
    }
    assert!(refused > 0 && restored > 0, "refused {refused}, restored {restored}");
}

/// A snapshot that lost a timer would restore into an engine that never
/// acts on it: an offer reserved for good, a shift that never ends. The
/// audit behind `restore` looks for each.
#[test]
fn snapshots_missing_a_timer_are_refused() {
    let (policy, snapshot) = example_desk_snapshot();
    let timers = snapshot["timers"].as_array().unwrap();
    let offered = snapshot["tickets"].as_array().unwrap().iter().position(|t| t["status"]["status"] == "offered");
    let offered = serde_json::json!(offered.unwrap());
    for (kind, named, expected) in [("ticket", "ticket", "offer expiry"), ("shift", "agent", "shift next changes")] {
        let mut bad = snapshot.clone();
        let before = timers.len();
        let target = if kind == "ticket" { offered.clone() } else { serde_json::json!(0) };
        bad["timers"].as_array_mut().unwrap().retain(|t| !(t["kind"]["timer"] == kind && t["kind"][named] == target));
        assert!(bad["timers"].as_array().unwrap().len() < before, "the example has a {kind} timer to drop: {timers:?}");
        let err = restore(&policy, &bad).err().unwrap();
        assert!(err.starts_with("inconsistent: ") && err.contains(expected), "{kind}: {err}");
    }
}

#[test]
fn reload_switches_policy_keeping_state_or_refuses_and_changes_nothing() {
    let mut desk =
        Desk::new("", &[r#"{"id": "ana", "tier": "L1", "skills": {"network": 2}, "capacity": {"chat": 1}}"#]);
    desk.login("2026-03-02T09:00:00Z", "ana");
    // Needs network 3: nobody can take it under a policy without relaxation.
    assert!(offers(&desk.ticket("2026-03-02T09:00:00Z", "T1", r#""skills": {"network": 3}"#)).is_empty());

    // A policy that lowers skill levels after 5 minutes, loaded now (at the
    // last event's instant): it wakes the host at 09:05, when ana gets T1.
    let relaxing = policy("[[routing.relaxation]]\nafter = \"5m\"\nlower_levels = 1");
    let mut out = Vec::new();
    desk.engine.reload(relaxing, &mut out).unwrap();
    let wake: Timestamp = "2026-03-02T09:05:00Z".parse().unwrap();
    assert!(matches!(out.last(), Some(Decision::WakeAt { at }) if *at == wake), "{out:?}");
    let ticked = desk.send("2026-03-02T09:05:00Z", r#""event": "tick""#);
    assert_eq!(offers(&ticked), pairs(&[("T1", "ana")]), "{ticked:?}");
    desk.send("2026-03-02T09:05:05Z", r#""event": "offer_accepted", "agent": "ana", "ticket": "T1""#);

    // Back to the strict policy: ana would hold a ticket she may not serve.
    // Refused, and the engine is exactly as it was.
    let before = serde_json::to_string(&desk.engine.snapshot()).unwrap();
    let err = desk.engine.reload(policy(""), &mut out).unwrap_err();
    assert_eq!(err.code(), "inconsistent", "{err}");
    assert!(err.to_string().contains("cannot serve"), "{err}");
    assert_eq!(serde_json::to_string(&desk.engine.snapshot()).unwrap(), before);
    assert!(desk.engine.audit().is_empty());
}

/// A reload under which an open ticket can no longer be triaged (its
/// category is gone) is taken, as is a restore under that policy: the ticket
/// stays with its agent, who finishes it, and it closes. (An audit that took
/// a ticket without a current key for a closed one refused both.)
#[test]
fn a_reload_that_cannot_triage_an_open_ticket_keeps_it_to_the_end() {
    let mut desk = Desk::new(
        "categories = [\"access\", \"network\"]",
        &[r#"{"id": "ana", "tier": "L1", "capacity": {"chat": 1}}"#],
    );
    desk.login(T0, "ana");
    assert_eq!(offers(&desk.ticket(T0, "T1", r#""category": "access""#)), pairs(&[("T1", "ana")]));
    desk.send("2026-03-02T09:00:05Z", r#""event": "offer_accepted", "agent": "ana", "ticket": "T1""#);
    let network_only = || policy("categories = [\"network\"]");
    let mut out = Vec::new();
    desk.engine.reload(network_only(), &mut out).unwrap();
    assert!(desk.engine.audit().is_empty(), "{:?}", desk.engine.audit());
    let restored = Engine::restore(network_only(), desk.engine.snapshot());
    assert!(restored.is_ok(), "{:?}", restored.err());
    desk.send("2026-03-02T09:10:00Z", r#""event": "agent_finished", "agent": "ana", "ticket": "T1""#);
    desk.send("2026-03-02T09:10:00Z", r#""event": "ticket_closed", "ticket": "T1""#);
    assert!(desk.engine.audit().is_empty(), "{:?}", desk.engine.audit());
    assert!(desk.engine.ticket_states().is_empty(), "{:?}", desk.engine.ticket_states());
}

/// A reload that makes tickets waiting on their customers count against
/// capacity can leave an agent over it. The reload is taken (it was refused,
/// so the setting could not be switched on at a busy desk); the agent takes
/// nothing new on that channel until it is back under its capacity.
#[test]
fn reload_counting_pending_tickets_may_leave_an_agent_over_capacity() {
    let mut desk = Desk::new("", &[r#"{"id": "a", "tier": "L1", "capacity": {"chat": 1}}"#]);
    desk.login(T0, "a");
    assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t1", "")), pairs(&[("t1", "a")]));
    desk.by("2026-03-02T09:00:05Z", "offer_accepted", "a", "t1");
    // Waiting on the customer frees the agent under this policy.
    assert_eq!(offers(&desk.ticket("2026-03-02T09:01:00Z", "t2", "")), Vec::new());
    assert_eq!(offers(&desk.on("2026-03-02T09:01:30Z", "waiting_on_customer", "t1")), pairs(&[("t2", "a")]));
    desk.by("2026-03-02T09:01:35Z", "offer_accepted", "a", "t2");

    let mut out = Vec::new();
    desk.engine.reload(policy("[routing]\npending_consumes_capacity = true"), &mut out).unwrap();
    assert!(desk.engine.audit().is_empty(), "{:?}", desk.engine.audit());
    assert_eq!(desk.engine.agent_load("a").unwrap()["chat"], (2, 1));
    // A snapshot of the desk in that state restores.
    let snapshot = serde_json::to_string(&desk.engine.snapshot()).unwrap();
    assert!(
        Engine::restore(
            policy("[routing]\npending_consumes_capacity = true"),
            tierwise::Snapshot::from_json_str(&snapshot).unwrap()
        )
        .is_ok()
    );
    // Still at capacity once t2 is done: t1 counts now.
    assert_eq!(offers(&desk.by("2026-03-02T09:03:00Z", "agent_finished", "a", "t2")), Vec::new());
    assert_eq!(offers(&desk.ticket("2026-03-02T09:04:00Z", "t3", "")), Vec::new());
    assert_eq!(offers(&desk.on("2026-03-02T09:05:00Z", "ticket_resolved", "t1")), pairs(&[("t3", "a")]));
    assert!(desk.engine.audit().is_empty());
}

/// A ticket back in the queue after being worked (its customer replied)
/// starts a new wait: its relaxation ladder starts again. So an agent who
/// could take it only through a step (here a wider tier) neither holds it
/// for the reply nor gets it offered; an agent of its own tier does. (The
/// steps stayed in force, and the offer's `waited_s` said 0 against a
/// five-minute step: found by a review.)
#[test]
fn a_reply_restarts_the_relaxation_ladder() {
    let widening = "[routing]\nsticky_wait = \"10m\"\n[[routing.relaxation]]\nafter = \"1m\"\nwiden_tier = true";
    let mut desk = Desk::new(
        widening,
        &[
            r#"{"id": "first", "tier": "L1", "capacity": {"chat": 1}}"#,
            r#"{"id": "second", "tier": "L2", "capacity": {"chat": 1}}"#,
        ],
    );
    desk.login(T0, "second");
    assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t", "")), Vec::new(), "an L1 ticket");
    let relaxed = desk.send("2026-03-02T09:01:00Z", r#""event": "tick""#);
    assert_eq!(offers(&relaxed), pairs(&[("t", "second")]), "{relaxed:?}");
    desk.by("2026-03-02T09:01:05Z", "offer_accepted", "second", "t");
    desk.on("2026-03-02T09:02:00Z", "waiting_on_customer", "t");
    let replied = desk.on("2026-03-02T09:03:00Z", "customer_replied", "t");
    assert!(offers(&replied).is_empty(), "{replied:?}");
    assert!(desk.engine.ticket_states().iter().any(|s| s.0 == "t" && s.1 == "queued" && s.2.is_none()));
    assert_eq!(offers(&desk.login("2026-03-02T09:03:30Z", "first")), pairs(&[("t", "first")]));
    // Unanswered, it would have been widened again a minute after the reply.
    desk.by("2026-03-02T09:03:35Z", "offer_rejected", "first", "t");
    assert!(offers(&desk.send("2026-03-02T09:03:59Z", r#""event": "tick""#)).is_empty());
    assert_eq!(offers(&desk.send("2026-03-02T09:04:00Z", r#""event": "tick""#)), pairs(&[("t", "second")]));
}

/// A snapshot whose ticket waits for an agent who may not serve it (here the
/// roster was edited: the agent's tier) is refused by `restore`. (`reload`
/// lets such a ticket wait for anyone; since a reply restarts the ladder, no
/// history of events leads there any more.)
#[test]
fn a_sticky_wait_for_an_agent_who_cannot_serve_is_refused() {
    let mut desk =
        Desk::new("[routing]\nsticky_wait = \"10m\"", &[r#"{"id": "a", "tier": "L1", "capacity": {"chat": 1}}"#]);
    desk.login(T0, "a");
    assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t", "")), pairs(&[("t", "a")]));
    desk.by("2026-03-02T09:00:05Z", "offer_accepted", "a", "t");
    desk.on("2026-03-02T09:01:00Z", "waiting_on_customer", "t");
    assert_eq!(offers(&desk.ticket("2026-03-02T09:01:30Z", "u", "")), pairs(&[("u", "a")]));
    desk.by("2026-03-02T09:01:35Z", "offer_accepted", "a", "u");
    desk.on("2026-03-02T09:02:00Z", "customer_replied", "t");
    assert!(desk.engine.ticket_states().iter().any(|s| s.0 == "t" && s.1 == "queued" && s.2.as_deref() == Some("a")));
    let mut snapshot = serde_json::to_value(desk.engine.snapshot()).unwrap();
    snapshot["roster"][0]["tier"] = "L2".into();
    let err = restore(&policy("[routing]\nsticky_wait = \"10m\""), &snapshot).err().unwrap();
    assert!(err.starts_with("inconsistent: ") && err.contains("waits for a who cannot serve it"), "{err}");
}

/// A ticket waiting on its customer that became confidential while its
/// agent, without clearance, kept it (under a policy where such tickets take
/// no capacity): a reload that makes them count lets the agent go, as an
/// update does under such a policy. (The reload was refused: found by the
/// deterministic simulation tests.)
#[test]
fn reload_counting_pending_tickets_lets_an_agent_go_of_what_it_may_not_serve() {
    let mut desk = Desk::new("", &[r#"{"id": "a", "tier": "L1", "capacity": {"chat": 1}}"#]);
    desk.login(T0, "a");
    assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t", "")), pairs(&[("t", "a")]));
    desk.by("2026-03-02T09:00:05Z", "offer_accepted", "a", "t");
    desk.on("2026-03-02T09:01:00Z", "waiting_on_customer", "t");
    desk.send("2026-03-02T09:02:00Z", r#""event": "ticket_updated", "ticket": "t", "changes": {"confidential": true}"#);
    assert_eq!(desk.engine.ticket_states().iter().find(|s| s.0 == "t").unwrap().2.as_deref(), Some("a"));

    let mut out = Vec::new();
    desk.engine.reload(policy("[routing]\npending_consumes_capacity = true"), &mut out).unwrap();
    assert!(desk.engine.audit().is_empty(), "{:?}", desk.engine.audit());
    assert_eq!(desk.engine.ticket_states().iter().find(|s| s.0 == "t").unwrap().2, None);
    assert_eq!(desk.engine.agent_load("a").unwrap()["chat"], (0, 1));
    assert!(offers(&desk.on("2026-03-02T09:03:00Z", "customer_replied", "t")).is_empty(), "a has no clearance");
    assert_eq!(desk.engine.stats().waiting, 1);
}

/// The decisions of one kind, as (ticket, agent or tier).
fn escalations(decisions: &[Decision]) -> Vec<(String, String)> {
    decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Escalated { ticket, to_tier, .. } => Some((ticket.clone(), to_tier.clone())),
            _ => None,
        })
        .collect()
}

impl Desk {
    fn on(&mut self, at: &str, event: &str, ticket: &str) -> Vec<Decision> {
        self.send(at, &format!(r#""event": "{event}", "ticket": "{ticket}""#))
    }

    fn by(&mut self, at: &str, event: &str, agent: &str, ticket: &str) -> Vec<Decision> {
        self.send(at, &format!(r#""event": "{event}", "agent": "{agent}", "ticket": "{ticket}""#))
    }

    fn refused(&mut self, at: &str, body: &str) -> String {
        let json = format!(r#"{{"at": "{at}", {body}}}"#);
        self.engine.apply(&ev(&json)).map(|d| format!("{d:?}")).expect_err(&json).to_string()
    }
}

const TWO_L1: [&str; 3] = [
    r#"{"id": "a", "tier": "L1", "capacity": {"chat": 1}}"#,
    r#"{"id": "b", "tier": "L1", "capacity": {"chat": 1}}"#,
    r#"{"id": "c", "tier": "L2", "capacity": {"chat": 1}}"#,
];

#[test]
fn a_ticket_waiting_on_the_customer_comes_back_to_its_agent() {
    // By default waiting on the customer frees the agent's capacity; the
    // ticket still waits (not handled), and the reply brings it back to its
    // agent even though another agent has been free longer.
    let mut desk = Desk::new("", &TWO_L1);
    desk.login(T0, "b");
    desk.login("2026-03-02T09:00:05Z", "a");
    desk.ticket("2026-03-02T09:01:00Z", "T1", "");
    desk.by("2026-03-02T09:01:05Z", "offer_rejected", "b", "T1");
    desk.by("2026-03-02T09:01:10Z", "offer_accepted", "a", "T1");
    desk.on("2026-03-02T09:02:00Z", "waiting_on_customer", "T1");
    // Still open: it cannot be reopened, and it can be escalated.
    let refused = desk.refused("2026-03-02T09:03:00Z", r#""event": "ticket_reopened", "ticket": "T1""#);
    assert!(refused.contains("only a resolved or handled ticket can be reopened"), "{refused}");
    let d = desk.on("2026-03-02T09:30:00Z", "customer_replied", "T1");
    assert_eq!(offers(&d), pairs(&[("T1", "a")]));
}

#[test]
fn a_reopened_ticket_prefers_its_last_agent() {
    let mut desk = Desk::new("", &TWO_L1);
    desk.login(T0, "b");
    desk.login("2026-03-02T09:00:05Z", "a");
    desk.ticket("2026-03-02T09:01:00Z", "T0", "");
    desk.by("2026-03-02T09:01:05Z", "offer_rejected", "b", "T0");
    desk.by("2026-03-02T09:01:10Z", "offer_accepted", "a", "T0");
    desk.on("2026-03-02T09:10:00Z", "ticket_resolved", "T0");
    // b has been idle longer, but a worked the ticket.
    let d = desk.on("2026-03-02T09:20:00Z", "ticket_reopened", "T0");
    assert_eq!(offers(&d), pairs(&[("T0", "a")]));
    // So too when the agent finished it before the customer wrote again.
    desk.by("2026-03-02T09:20:05Z", "offer_accepted", "a", "T0");
    desk.by("2026-03-02T09:30:00Z", "agent_finished", "a", "T0");
    let d = desk.on("2026-03-02T09:40:00Z", "customer_replied", "T0");
    assert_eq!(offers(&d), pairs(&[("T0", "a")]));
}

#[test]
fn escalating_to_the_tier_a_ticket_is_in_does_nothing() {
    let mut desk = Desk::new("", &TWO_L1);
    desk.login(T0, "c");
    desk.ticket(T0, "T1", "");
    let to_l2 = r#""event": "escalate_requested", "ticket": "T1", "to_tier": "L2""#;
    let d = desk.send("2026-03-02T09:01:00Z", to_l2);
    assert_eq!((escalations(&d), offers(&d)), (pairs(&[("T1", "L2")]), pairs(&[("T1", "c")])));
    let again = desk.send("2026-03-02T09:01:00Z", to_l2);
    assert_eq!((escalations(&again), offers(&again)), (vec![], vec![]), "{again:?}");
}

#[test]
fn pending_work_that_holds_capacity_is_freed_by_escalation_and_logout() {
    let consumes = "[routing]\npending_consumes_capacity = true\noffer_timeout = \"30s\"";
    // Escalated while waiting on the customer: the agent's capacity comes
    // back, and the ticket is not routed until the customer replies.
    let mut desk = Desk::new(consumes, &TWO_L1);
    desk.login(T0, "a");
    desk.ticket(T0, "T1", "");
    desk.by("2026-03-02T09:00:10Z", "offer_accepted", "a", "T1");
    desk.on("2026-03-02T09:01:00Z", "waiting_on_customer", "T1");
    let d = desk.on("2026-03-02T09:02:00Z", "escalate_requested", "T1");
    assert_eq!(escalations(&d), pairs(&[("T1", "L2")]));
    let d = desk.ticket("2026-03-02T09:03:00Z", "T2", "");
    assert_eq!(offers(&d), pairs(&[("T2", "a")]), "a's capacity is free again");
    assert!(offers(&desk.login("2026-03-02T09:04:00Z", "c")).is_empty(), "T1 still waits on the customer");
    let d = desk.on("2026-03-02T09:05:00Z", "customer_replied", "T1");
    assert_eq!(offers(&d), pairs(&[("T1", "c")]));

    // Logged out while holding a ticket that waits on the customer: it goes
    // back, to whoever is free when the customer replies.
    let mut desk = Desk::new(consumes, &TWO_L1);
    desk.login(T0, "a");
    desk.ticket(T0, "T1", "");
    desk.by("2026-03-02T09:00:10Z", "offer_accepted", "a", "T1");
    desk.on("2026-03-02T09:01:00Z", "waiting_on_customer", "T1");
    desk.send("2026-03-02T09:02:00Z", r#""event": "agent_logged_out", "agent": "a""#);
    desk.login("2026-03-02T09:02:00Z", "b");
    let d = desk.on("2026-03-02T09:03:00Z", "customer_replied", "T1");
    assert_eq!(offers(&d), pairs(&[("T1", "b")]));
    let refused = desk.refused("2026-03-02T09:04:00Z", r#""event": "agent_finished", "agent": "a", "ticket": "T1""#);
    assert!(refused.contains("not working on ticket"), "{refused}");
}

#[test]
fn updating_a_ticket_waiting_for_its_preferred_agent_keeps_the_wait() {
    let mut desk = Desk::new("[routing]\nsticky_wait = \"2m\"\noffer_timeout = \"30s\"", &TWO_L1);
    desk.login(T0, "a");
    desk.login(T0, "b");
    desk.ticket("2026-03-02T09:00:01Z", "X", "");
    desk.by("2026-03-02T09:00:02Z", "offer_accepted", "a", "X");
    let created = r#""event": "ticket_created", "preferred_agent": "a", "ticket": {"id": "T1", "created_at": "2026-03-02T09:00:10Z", "channel": "chat"}"#;
    assert!(offers(&desk.send("2026-03-02T09:00:10Z", created)).is_empty(), "waits for a");
    let update =
        |level: &str| format!(r#""event": "ticket_updated", "ticket": "T1", "changes": {{"urgency": "{level}"}}"#);
    desk.send("2026-03-02T09:01:30Z", &update("high"));
    // The wait for a ends two minutes after creation, updates or not.
    let d = desk.send("2026-03-02T09:02:10Z", r#""event": "tick""#);
    assert_eq!(offers(&d), pairs(&[("T1", "b")]));
}

#[test]
fn a_reopened_ticket_waits_in_its_tier_from_the_reopening() {
    let escalate = "[routing]\noffer_timeout = \"30s\"\n[[routing.escalation]]\ntier = \"L1\"\nmax_wait = \"10m\"";
    let mut desk = Desk::new(escalate, &TWO_L1);
    desk.login(T0, "a");
    desk.ticket(T0, "T1", "");
    desk.by("2026-03-02T09:00:10Z", "offer_accepted", "a", "T1");
    desk.on("2026-03-02T09:20:00Z", "ticket_resolved", "T1");
    desk.send("2026-03-03T09:00:00Z", r#""event": "agent_state_changed", "agent": "a", "state": "away""#);
    let d = desk.on("2026-03-03T09:00:00Z", "ticket_reopened", "T1");
    assert!(escalations(&d).is_empty(), "{d:?}");
    assert!(escalations(&desk.send("2026-03-03T09:09:59Z", r#""event": "tick""#)).is_empty());
    let d = desk.send("2026-03-03T09:10:00Z", r#""event": "tick""#);
    assert_eq!(escalations(&d), pairs(&[("T1", "L2")]));
}

#[test]
fn an_offer_ended_by_another_event_is_withdrawn_aloud() {
    let withdrawn = |decisions: &[Decision]| -> Vec<(String, String, String)> {
        decisions
            .iter()
            .filter_map(|d| match d {
                Decision::OfferWithdrawn { ticket, agent, reason, .. } => {
                    Some((ticket.clone(), agent.clone(), reason.clone()))
                }
                _ => None,
            })
            .collect()
    };
    let mut desk = Desk::new("[routing]\noffer_timeout = \"30s\"", &TWO_L1);
    desk.login(T0, "a");
    let mut ended = Vec::new();
    for (ticket, event) in [("T1", "waiting_on_customer"), ("T2", "escalate_requested"), ("T3", "ticket_resolved")] {
        let d = desk.ticket("2026-03-02T09:01:00Z", ticket, "");
        assert_eq!(offers(&d), pairs(&[(ticket, "a")]));
        ended.extend(withdrawn(&desk.on("2026-03-02T09:01:00Z", event, ticket)));
    }
    let expected = [
        ("T1", "the ticket waits on the customer"),
        ("T2", "the ticket was escalated"),
        ("T3", "the ticket was resolved"),
    ];
    let expected: Vec<_> = expected.iter().map(|(t, r)| ((*t).to_owned(), "a".to_owned(), (*r).to_owned())).collect();
    assert_eq!(ended, expected);
}

/// Numbers read from JSON are the nearest doubles, as TOML's reader gives and
/// as serde_json writes them: a policy, a snapshot or a pickle sent as JSON
/// comes back with the same weights, so the same scores to the last bit.
#[test]
fn numbers_survive_json_text_to_the_last_bit() {
    for weight in [1275.3451286971085_f64, 429.83012037151605, 0.1 + 0.2, 1990.2572916671634] {
        let json =
            Policy::from_json_str(&format!(r#"{{"version": 1, "scoring": {{"per_hour_waiting": {weight:?}}}}}"#));
        let toml = Policy::from_toml_str(&format!("version = 1\n[scoring]\nper_hour_waiting = {weight:?}"));
        assert_eq!(json.unwrap().scoring.per_hour_waiting.to_bits(), weight.to_bits(), "{weight:?} from JSON");
        assert_eq!(toml.unwrap().scoring.per_hour_waiting.to_bits(), weight.to_bits(), "{weight:?} from TOML");
        let written = serde_json::to_string(&weight).unwrap();
        assert_eq!(serde_json::from_str::<f64>(&written).unwrap().to_bits(), weight.to_bits());
    }
}

/// Edits found by review that restored and then misrouted or hung: an instant
/// far outside the calendar (the engine re-armed a timer at `now` forever), a
/// free slot listed twice (two tickets in one slot: one lost), and tiers
/// renamed or reordered (tickets hold theirs by position).
#[test]
fn snapshots_with_impossible_instants_shared_slots_or_moved_tiers_are_refused() {
    let mut desk = Desk::new(
        "tiers = [\"L1\", \"L2\", \"L3\"]\n[[routing.relaxation]]\nafter = \"2m\"\nlower_levels = 1",
        &[r#"{"id": "ana", "tier": "L1", "capacity": {"chat": 1}}"#],
    );
    desk.login("2026-03-02T09:00:00Z", "ana");
    desk.ticket("2026-03-02T09:00:00Z", "T1", "");
    desk.ticket("2026-03-02T09:00:10Z", "T2", r#""skills": {"network": 3}"#);
    desk.ticket("2026-03-02T09:00:20Z", "T3", "");
    desk.send("2026-03-02T09:00:30Z", r#""event": "ticket_closed", "ticket": "T3""#);
    let policy = desk.engine.policy().clone();
    let snapshot = serde_json::to_value(desk.engine.snapshot()).unwrap();
    assert!(restore(&policy, &snapshot).is_ok());
    let queued = snapshot["tickets"].as_array().unwrap().iter().position(|t| t["ticket"]["id"] == "T2").unwrap();
    for far in [i64::MAX, i64::MIN, 253_402_300_800_000] {
        let mut bad = snapshot.clone();
        bad["tickets"][queued]["tier_since"] = far.into();
        let err = restore(&policy, &bad).err().unwrap();
        assert!(err.starts_with("inconsistent: ") && err.contains(&format!("tickets[{queued}]")), "{err}");
    }
    let mut bad = snapshot.clone();
    let free = bad["free_slots"][0].clone();
    bad["free_slots"] = serde_json::json!([free, free]);
    let err = restore(&policy, &bad).err().unwrap();
    assert!(err.contains("free_slots[1]") && err.contains("twice"), "{err}");

    let reordered =
        self::policy("tiers = [\"L2\", \"L1\", \"L3\"]\n[[routing.relaxation]]\nafter = \"2m\"\nlower_levels = 1");
    let err = restore(&reordered, &snapshot).err().unwrap();
    assert!(err.starts_with("inconsistent: ") && err.contains("tiers[0]"), "{err}");
    let added = self::policy(
        "tiers = [\"L1\", \"L2\", \"L3\", \"L4\"]\n[[routing.relaxation]]\nafter = \"2m\"\nlower_levels = 1",
    );
    assert!(restore(&added, &snapshot).is_ok(), "a tier added at the end is fine");
}

/// Durations the engine's arithmetic could not hold: beyond 200 years, text
/// is refused (a bare number of seconds too), and a duration built in Rust
/// is taken as 200 years; relaxation ladders longer than a ticket can count
/// are refused.
#[test]
fn durations_and_ladders_beyond_bounds_are_refused_or_bounded() {
    let err = Policy::from_toml_str("version = 1\n[routing]\noffer_timeout = \"9223372036854775807\"").unwrap_err();
    assert_eq!(err.path(), "routing.offer_timeout", "{err}");
    assert!(err.to_string().contains("invalid duration"), "{err}");
    assert!(Policy::from_toml_str("version = 1\n[routing]\noffer_timeout = \"6307200000\"").is_ok(), "200 years");
    let mut built = Policy::from_toml_str("version = 1").unwrap();
    built.routing.offer_timeout = tierwise::jiff::SignedDuration::MAX;
    let mut engine = Engine::new(built.compile().unwrap(), vec![agent(r#"{"id": "a", "tier": "L1"}"#)]).unwrap();
    engine.apply(&ev(r#"{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "a"}"#)).unwrap();
    let offered = engine
        .apply(&ev(r#"{"at": "2026-03-02T09:01:00Z", "event": "ticket_created", "ticket": {"id": "T1", "created_at": "2026-03-02T09:01:00Z", "channel": "chat"}}"#))
        .unwrap();
    let Some(Decision::Offer { expires_at, .. }) = offered.first() else { panic!("{offered:?}") };
    assert_eq!(expires_at.to_string()[..4].parse::<i32>().unwrap(), 2226, "{expires_at}");

    let steps: String =
        (0..65).map(|i| format!("[[routing.relaxation]]\nafter = \"{i}s\"\nlower_levels = 1\n")).collect();
    let err = Policy::from_toml_str(&format!("version = 1\n{steps}")).unwrap().compile().unwrap_err();
    assert_eq!((err.code(), err.path()), ("too_large", "routing.relaxation"), "{err}");
    let steps: String =
        (0..64).map(|i| format!("[[routing.relaxation]]\nafter = \"{i}s\"\nlower_levels = 1\n")).collect();
    let mut desk = Desk::new(&steps, &[r#"{"id": "a", "tier": "L1"}"#]);
    desk.ticket("2026-03-02T09:00:00Z", "T1", r#""skills": {"network": 9}"#);
    // Every step is taken once, in order, and the engine goes on.
    let relaxed = desk.send("2026-03-02T09:05:00Z", r#""event": "tick""#);
    let steps: Vec<usize> = relaxed
        .iter()
        .filter_map(|d| if let Decision::Relaxed { step, .. } = d { Some(*step) } else { None })
        .collect();
    assert_eq!(steps, (0..64).collect::<Vec<_>>());
}

/// A new ticket the policy cannot triage is refused and moves no clock: the
/// next event may come at any instant after the last one applied.
#[test]
fn a_refused_ticket_moves_no_clock() {
    let mut desk = Desk::new("", &[r#"{"id": "a", "tier": "L1"}"#]);
    desk.login("2026-03-02T09:00:00Z", "a");
    let bad = ev(
        r#"{"at": "2026-03-02T10:00:00Z", "event": "ticket_created", "ticket": {"id": "T1", "created_at": "2026-03-02T10:00:00Z", "channel": "chat", "impact": "bogus"}}"#,
    );
    let err = desk.engine.apply(&bad).unwrap_err();
    assert!(err.path().starts_with("ticket.impact"), "{err}");
    assert_eq!(desk.engine.now(), Some("2026-03-02T09:00:00Z".parse().unwrap()));
    desk.send("2026-03-02T09:30:00Z", r#""event": "tick""#);
}

/// Escalation at a share of an SLA target: at the first alert at or past it
/// (here the 50% warning), the waiting ticket goes up a tier; with a wait
/// limit too, whichever comes first. The ticket keeps its path of tiers, up
/// to the last.
#[test]
fn escalation_at_a_share_of_the_sla_target_and_the_tier_path() {
    let mut desk = Desk::new(
        r#"
        [sla]
        warn_at = [0.5, 0.75]
        [[sla.policies]]
        first_response = "1h"
        [[routing.escalation]]
        tier = "L1"
        sla_fraction = 0.5
        [[routing.escalation]]
        tier = "L2"
        sla_fraction = 0.6
        max_wait = "5m"
        [[routing.escalation]]
        tier = "L3"
        max_wait = "1m"
        "#,
        &[r#"{"id": "l4", "tier": "L4"}"#],
    );
    desk.login(T0, "l4");
    desk.ticket("2026-03-02T09:00:00Z", "t", "");
    let escalated = |d: &[Decision]| -> Vec<(String, String, String)> {
        d.iter()
            .filter_map(|x| match x {
                Decision::Escalated { from_tier, to_tier, reason, .. } => {
                    Some((from_tier.clone(), to_tier.clone(), reason.clone()))
                }
                _ => None,
            })
            .collect()
    };
    assert!(escalated(&desk.send("2026-03-02T09:29:59Z", r#""event": "tick""#)).is_empty());
    let d = desk.send("2026-03-02T09:30:00Z", r#""event": "tick""#);
    assert!(d.iter().any(|x| matches!(x, Decision::SlaAlert { fraction, .. } if *fraction == 0.5)), "{d:?}");
    assert_eq!(escalated(&d), [("L1".into(), "L2".into(), "reached 0.5 of an SLA target in L1".into())]);
    // In L2 the wait limit (5m, at 09:35) comes before the next alert at or
    // past 0.6 (the 75% warning, at 09:45).
    let d = desk.send("2026-03-02T09:35:00Z", r#""event": "tick""#);
    assert_eq!(escalated(&d), [("L2".into(), "L3".into(), "waited 5m in L2".into())]);
    let d = desk.send("2026-03-02T09:36:00Z", r#""event": "tick""#);
    assert_eq!(escalated(&d), [("L3".into(), "L4".into(), "waited 1m in L3".into())]);
    assert_eq!(offers(&d), pairs(&[("t", "l4")]));
    let snapshot = serde_json::to_value(desk.engine.snapshot()).unwrap();
    let ticket = snapshot["tickets"].as_array().unwrap().iter().find(|x| x["ticket"]["id"] == "t").unwrap();
    assert_eq!(ticket["tier_path"], serde_json::json!([0, 1, 2, 3]), "{ticket}");

    // Each escalation rule sets a wait, a share, or both (zero is none); a
    // share is at most 1.
    for (rule, problem) in [
        ("tier = \"L1\"", "routing.escalation[0]: set max_wait, sla_fraction or both"),
        ("tier = \"L1\"\nsla_fraction = 0", "routing.escalation[0]: set max_wait, sla_fraction or both"),
        ("tier = \"L1\"\nsla_fraction = 1.5", "routing.escalation[0].sla_fraction: must be from 0 to 1, found 1.5"),
        ("tier = \"L1\"\nsla_fraction = -0.5", "routing.escalation[0].sla_fraction: must be from 0 to 1, found -0.5"),
    ] {
        let err = Policy::from_toml_str(&format!("version = 1\n[[routing.escalation]]\n{rule}"))
            .unwrap()
            .compile()
            .unwrap_err();
        assert_eq!(err.problems()[0].to_string(), problem);
    }
}

/// `tierwise validate` (the compiled policy's warnings) says when a ladder's
/// last step comes after an SLA rule's first-response target, and only then.
#[test]
fn a_ladder_longer_than_the_first_response_target_is_a_warning() {
    let warnings = |after: &str| {
        let text = format!(
            "version = 1\n[[sla.policies]]\nfirst_response = \"10m\"\n[[routing.relaxation]]\nafter = \"{after}\"\nlower_levels = 1\n"
        );
        Policy::from_toml_str(&text)
            .unwrap()
            .compile()
            .unwrap()
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        warnings("15m"),
        ["routing.relaxation: the ladder's last step (15m) comes after the first-response target of \
          sla.policies[0] (10m): those tickets breach before they are fully relaxed"]
    );
    assert_eq!(warnings("10m"), Vec::<String>::new());
}

/// Rules a review found broken (each seen with the CLI before the fix, with
/// the input of this test).
mod review_of_stop_31 {
    use super::*;

    const TWO_TIERS: &str = "tiers = [\"L1\", \"L2\"]\n";

    /// A ticket back in the queue after its agent logged out waits anew: its
    /// forty minutes with the agent are not waiting time (it was escalated
    /// the instant it was requeued).
    #[test]
    fn a_ticket_requeued_after_being_worked_starts_a_new_wait() {
        let extra = format!("{TWO_TIERS}[[routing.escalation]]\ntier = \"L1\"\nmax_wait = \"10m\"");
        let agents =
            [r#"{"id": "ana", "tier": "L1"}"#, r#"{"id": "eva", "tier": "L1"}"#, r#"{"id": "ben", "tier": "L2"}"#];
        let mut desk = Desk::new(&extra, &agents);
        desk.login(T0, "ana");
        assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t", "")), pairs(&[("t", "ana")]));
        desk.by("2026-03-02T09:00:10Z", "offer_accepted", "ana", "t");
        let out = desk.send("2026-03-02T09:40:00Z", r#""event": "agent_logged_out", "agent": "ana""#);
        assert!(escalations(&out).is_empty(), "{out:?}");
        assert_eq!(offers(&desk.login("2026-03-02T09:40:01Z", "eva")), pairs(&[("t", "eva")]));
    }

    /// Escalating a ticket keeps the cooldown of an agent who just declined
    /// it (the agent was offered it again at once).
    #[test]
    fn escalation_keeps_the_reject_cooldown() {
        let extra = format!(
            "{TWO_TIERS}[routing]\nreject_cooldown = \"5m\"\n[[routing.escalation]]\ntier = \"L1\"\nmax_wait = \"2m\"\n[[routing.relaxation]]\nafter = \"1m\"\nwiden_tier = true"
        );
        let mut desk = Desk::new(&extra, &[r#"{"id": "ben", "tier": "L2"}"#]);
        desk.login(T0, "ben");
        desk.ticket("2026-03-02T09:00:00Z", "t", "");
        assert_eq!(offers(&desk.send("2026-03-02T09:01:00Z", r#""event": "tick""#)), pairs(&[("t", "ben")]));
        desk.by("2026-03-02T09:01:20Z", "offer_rejected", "ben", "t");
        let out = desk.send("2026-03-02T09:02:00Z", r#""event": "tick""#);
        assert_eq!(escalations(&out), [("t".to_owned(), "L2".to_owned())]);
        assert!(offers(&out).is_empty(), "ben declined it 40 s ago: {out:?}");
        assert!(offers(&desk.send("2026-03-02T09:06:19Z", r#""event": "tick""#)).is_empty());
        assert_eq!(offers(&desk.send("2026-03-02T09:06:20Z", r#""event": "tick""#)), pairs(&[("t", "ben")]));
    }

    /// A desk under `extra` where ana (L1, one email) works on x since 08:59
    /// and ticket t, created at 09:00 preferring ana, is held for her; ben is
    /// L2. With the decisions of t's creation.
    fn held_for_busy_ana(extra: &str) -> (Desk, Vec<Decision>) {
        let agents = [r#"{"id": "ana", "tier": "L1", "capacity": {"email": 1}}"#, r#"{"id": "ben", "tier": "L2"}"#];
        let mut desk = Desk::new(extra, &agents);
        desk.login("2026-03-02T08:59:00Z", "ana");
        desk.send(
            "2026-03-02T08:59:00Z",
            r#""event": "ticket_created", "ticket": {"id": "x", "created_at": "2026-03-02T08:59:00Z", "channel": "email"}"#,
        );
        desk.by("2026-03-02T08:59:10Z", "offer_accepted", "ana", "x");
        let held = desk.send(
            "2026-03-02T09:00:00Z",
            r#""event": "ticket_created", "preferred_agent": "ana", "ticket": {"id": "t", "created_at": "2026-03-02T09:00:00Z", "channel": "email"}"#,
        );
        (desk, held)
    }

    /// A ticket held for its preferred agent still escalates after the
    /// tier's wait (it escalated only when the hold ended).
    #[test]
    fn a_ticket_held_for_its_preferred_agent_still_escalates() {
        let extra = format!(
            "{TWO_TIERS}[routing]\nsticky_wait = \"10m\"\n[[routing.escalation]]\ntier = \"L1\"\nmax_wait = \"5m\""
        );
        let (mut desk, held) = held_for_busy_ana(&extra);
        assert!(offers(&held).is_empty());
        assert!(escalations(&desk.send("2026-03-02T09:04:59Z", r#""event": "tick""#)).is_empty());
        let out = desk.send("2026-03-02T09:05:00Z", r#""event": "tick""#);
        assert_eq!(escalations(&out), [("t".to_owned(), "L2".to_owned())], "{out:?}");
        assert!(desk.engine.audit().is_empty());
    }

    /// The hold for a preferred agent skips an agent still in its cooldown
    /// for the ticket (it was offered to them again).
    #[test]
    fn the_preferred_agent_hold_respects_the_reject_cooldown() {
        let mut desk =
            Desk::new("[routing]\nsticky_wait = \"2m\"\nreject_cooldown = \"5m\"", &[r#"{"id": "ana", "tier": "L1"}"#]);
        desk.login(T0, "ana");
        let created = desk.send(
            "2026-03-02T09:00:00Z",
            r#""event": "ticket_created", "preferred_agent": "ana", "ticket": {"id": "t", "created_at": "2026-03-02T09:00:00Z", "channel": "email"}"#,
        );
        assert_eq!(offers(&created), pairs(&[("t", "ana")]));
        desk.by("2026-03-02T09:00:10Z", "offer_rejected", "ana", "t");
        desk.on("2026-03-02T09:01:00Z", "waiting_on_customer", "t");
        assert!(offers(&desk.on("2026-03-02T09:02:00Z", "customer_replied", "t")).is_empty());
        assert_eq!(offers(&desk.send("2026-03-02T09:05:10Z", r#""event": "tick""#)), pairs(&[("t", "ana")]));
    }

    /// An SLA alert is told once, also when the ticket's timer fires again at
    /// the same instant (an offer expiring there, with a relaxation step
    /// already due); the repeat escalated a ticket that was on offer at the
    /// alert, which the escalation rule excludes.
    #[test]
    fn an_alert_is_told_once_and_the_repeat_does_not_escalate() {
        let extra = format!(
            "{TWO_TIERS}[sla]\nwarn_at = [0.5]\n[[sla.policies]]\nfirst_response = \"15m\"\n[routing]\noffer_timeout = \"7m30s\"\n[[routing.relaxation]]\nafter = \"1m\"\nany_language = true\n[[routing.escalation]]\ntier = \"L1\"\nsla_fraction = 0.5"
        );
        let mut desk = Desk::new(&extra, &[r#"{"id": "ana", "tier": "L1", "languages": ["es"]}"#]);
        desk.login(T0, "ana");
        assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "t", r#""language": "es""#)), pairs(&[("t", "ana")]));
        let out = desk.send("2026-03-02T09:10:00Z", r#""event": "tick""#);
        let alerts = out.iter().filter(|d| matches!(d, Decision::SlaAlert { .. })).count();
        assert_eq!(alerts, 1, "{out:?}");
        assert!(escalations(&out).is_empty(), "on offer at the alert: {out:?}");
    }

    /// A breach the engine learns of late is told at once, and escalates a
    /// waiting ticket at that share: a ticket raised to P1 after its new
    /// target had passed, and one created (a late webhook) after its
    /// deadline. Neither was ever told, nor escalated.
    #[test]
    fn a_breach_learned_late_is_told_at_once() {
        let extra = format!(
            "{TWO_TIERS}[sla]\nwarn_at = [0.5]\n[[sla.policies]]\nwhen = {{ priority = \"P1\" }}\nfirst_response = \"15m\"\n[[routing.escalation]]\ntier = \"L1\"\nsla_fraction = 0.5"
        );
        let mut desk = Desk::new(&extra, &[r#"{"id": "ana", "tier": "L1"}"#]);
        desk.ticket("2026-03-02T09:00:00Z", "t", r#""impact": "low", "urgency": "low""#);
        let raised = desk.send(
            "2026-03-02T09:20:00Z",
            r#""event": "ticket_updated", "ticket": "t", "changes": {"impact": "high", "urgency": "high"}"#,
        );
        let breach = |d: &[Decision], id: &str| {
            d.iter()
                .filter(
                    |x| matches!(x, Decision::SlaAlert { ticket, fraction, .. } if ticket == id && *fraction == 1.0),
                )
                .count()
        };
        assert_eq!(breach(&raised, "t"), 1, "{raised:?}");
        assert_eq!(raised.iter().filter(|d| matches!(d, Decision::SlaAlert { .. })).count(), 1, "the highest only");
        assert_eq!(escalations(&raised), [("t".to_owned(), "L2".to_owned())]);
        // Told once: a later update that keeps it breached tells nothing.
        let again = desk.send(
            "2026-03-02T09:21:00Z",
            r#""event": "ticket_updated", "ticket": "t", "changes": {"category": "billing"}"#,
        );
        assert_eq!(breach(&again, "t"), 0, "{again:?}");
        let late = desk.send(
            "2026-03-02T09:30:00Z",
            r#""event": "ticket_created", "ticket": {"id": "u", "created_at": "2026-03-02T09:00:00Z", "channel": "chat", "impact": "high", "urgency": "high"}"#,
        );
        assert_eq!(breach(&late, "u"), 1, "{late:?}");
        assert_eq!(escalations(&late), [("u".to_owned(), "L2".to_owned())]);
    }

    /// A reload that counts tickets waiting on their customers lets go of
    /// one whose agent has logged out: at the reply it was assigned to the
    /// absent agent, and stuck (found re-reading this stop's reload fix).
    #[test]
    fn reload_counting_pending_tickets_lets_go_of_a_logged_out_agents() {
        let mut desk = Desk::new("", &[r#"{"id": "a", "tier": "L1"}"#, r#"{"id": "b", "tier": "L1"}"#]);
        desk.login(T0, "a");
        assert_eq!(offers(&desk.ticket("2026-03-02T09:00:00Z", "x", "")), pairs(&[("x", "a")]));
        desk.by("2026-03-02T09:00:05Z", "offer_accepted", "a", "x");
        desk.on("2026-03-02T09:01:00Z", "waiting_on_customer", "x");
        desk.send("2026-03-02T09:02:00Z", r#""event": "agent_logged_out", "agent": "a""#);
        desk.login("2026-03-02T09:03:00Z", "b");
        let mut out = Vec::new();
        desk.engine.reload(policy("[routing]\npending_consumes_capacity = true"), &mut out).unwrap();
        assert!(desk.engine.audit().is_empty(), "{:?}", desk.engine.audit());
        assert_eq!(offers(&desk.on("2026-03-02T09:04:00Z", "customer_replied", "x")), pairs(&[("x", "b")]));
    }

    /// A ticket whose hold for its preferred agent ends at the instant of an
    /// SLA alert at its tier's escalation share is escalated then (it waited
    /// for the breach: found re-reading this stop's change).
    #[test]
    fn a_hold_ending_at_the_escalation_share_still_escalates() {
        let extra = format!(
            "{TWO_TIERS}[sla]\nwarn_at = [0.5]\n[[sla.policies]]\nfirst_response = \"10m\"\n[routing]\nsticky_wait = \"5m\"\n[[routing.escalation]]\ntier = \"L1\"\nsla_fraction = 0.5"
        );
        let (mut desk, _) = held_for_busy_ana(&extra);
        let out = desk.send("2026-03-02T09:05:00Z", r#""event": "tick""#);
        assert_eq!(escalations(&out), [("t".to_owned(), "L2".to_owned())], "{out:?}");
    }

    /// `longest_idle` counts from the later of an agent's last offer and its
    /// login: time logged out is not idle time (an agent back for a minute
    /// beat one idle for an hour).
    #[test]
    fn longest_idle_does_not_count_time_logged_out() {
        let mut desk = Desk::new("", &[r#"{"id": "ana", "tier": "L1"}"#, r#"{"id": "ben", "tier": "L1"}"#]);
        desk.login("2026-03-02T08:00:00Z", "ana");
        assert_eq!(offers(&desk.ticket("2026-03-02T08:00:00Z", "t0", "")), pairs(&[("t0", "ana")]));
        desk.by("2026-03-02T08:00:10Z", "offer_accepted", "ana", "t0");
        desk.on("2026-03-02T08:04:00Z", "ticket_resolved", "t0");
        desk.send("2026-03-02T08:05:00Z", r#""event": "agent_logged_out", "agent": "ana""#);
        desk.login("2026-03-02T09:00:00Z", "ben");
        desk.login("2026-03-02T10:00:00Z", "ana");
        assert_eq!(offers(&desk.ticket("2026-03-02T10:01:00Z", "t1", "")), pairs(&[("t1", "ben")]));
    }
}

/// A clock stopped at its due instant is met, so the breach is not told at
/// that instant (timers fire before the events of their instant, and a reply
/// then would have been told a breach it then met), but a millisecond later.
#[test]
fn a_reply_at_the_due_instant_is_in_time() {
    let extra = "[sla]\nwarn_at = []\n[[sla.policies]]\nfirst_response = \"15m\"";
    let mut desk = Desk::new(extra, &[r#"{"id": "ana", "tier": "L1"}"#]);
    let created = desk.ticket(T0, "t", "");
    desk.ticket(T0, "u", "");
    let wake = |d: &[Decision]| {
        d.iter().find_map(|x| match x {
            Decision::WakeAt { at } => Some(at.to_string()),
            _ => None,
        })
    };
    assert_eq!(wake(&created).as_deref(), Some("2026-03-02T09:15:00.001Z"));
    let breaches = |d: &[Decision]| {
        d.iter()
            .filter_map(|x| match x {
                Decision::SlaAlert { at, ticket, fraction, .. } if *fraction == 1.0 => {
                    Some((ticket.clone(), at.to_string()))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let due = "2026-03-02T09:15:00Z";
    assert_eq!(breaches(&desk.send(due, r#""event": "tick""#)), []);
    assert_eq!(breaches(&desk.on(due, "agent_replied", "t")), []);
    let after = desk.send("2026-03-02T09:15:00.001Z", r#""event": "tick""#);
    assert_eq!(breaches(&after), [("u".to_owned(), "2026-03-02T09:15:00.001Z".to_owned())]);
    let triage = desk.engine.triage("t").unwrap();
    assert_eq!(serde_json::to_value(&triage.deadlines[0]).unwrap()["state"], "met");
}

/// A clone routes on its own: what it decides is what the original would
/// have decided, and the original is untouched (a host previews an event).
#[test]
fn a_clone_previews_without_touching_the_original() {
    let agents = [r#"{"id": "ana", "tier": "L1"}"#, r#"{"id": "ben", "tier": "L1"}"#];
    let mut desk = Desk::new("[routing]\noffer_timeout = \"1h\"", &agents);
    desk.login(T0, "ana");
    desk.login(T0, "ben");
    desk.ticket(T0, "t1", "");
    let mut preview = Desk { engine: desk.engine.clone() };
    let before = serde_json::to_value(desk.engine.snapshot()).unwrap();
    let seen = preview.ticket("2026-03-02T09:01:00Z", "t2", "");
    assert_eq!(offers(&seen), pairs(&[("t2", "ana")]));
    assert_eq!(serde_json::to_value(desk.engine.snapshot()).unwrap(), before);
    assert_eq!(desk.ticket("2026-03-02T09:01:00Z", "t2", ""), seen);
    let shown = format!("{:?}", desk.engine);
    assert!(shown.starts_with("Engine { now: Some(2026-03-02T09:01:00Z), roster: 2, stats:"), "{shown}");
}

/// A reload to a stricter SLA tells at once the alerts it puts in the past
/// (no timer will), the highest of each clock, and escalates a waiting
/// ticket at its tier's share; a laxer one tells nothing.
#[test]
fn a_stricter_sla_reloaded_tells_the_alerts_it_puts_in_the_past() {
    let sla = |target: &str| {
        format!(
            "tiers = [\"L1\", \"L2\"]\n[sla]\nwarn_at = [0.5]\n[[sla.policies]]\nfirst_response = \"{target}\"\n[[routing.escalation]]\ntier = \"L1\"\nsla_fraction = 1.0"
        )
    };
    let mut desk = Desk::new(&sla("1h"), &[r#"{"id": "ana", "tier": "L2"}"#]);
    desk.ticket(T0, "t", "");
    desk.send("2026-03-02T09:20:00Z", r#""event": "tick""#);
    let alerts = |d: &[Decision]| {
        d.iter()
            .filter_map(|x| match x {
                Decision::SlaAlert { at, ticket, fraction, .. } => Some((ticket.clone(), at.to_string(), *fraction)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    desk.engine.reload(policy(&sla("2h")), &mut out).unwrap();
    assert_eq!(alerts(&out), [], "laxer: {out:?}");
    out.clear();
    desk.engine.reload(policy(&sla("15m")), &mut out).unwrap();
    assert_eq!(alerts(&out), [("t".to_owned(), "2026-03-02T09:20:00Z".to_owned(), 1.0)], "{out:?}");
    assert_eq!(escalations(&out), [("t".to_owned(), "L2".to_owned())]);
    out.clear();
    desk.engine.reload(policy(&sla("10m")), &mut out).unwrap();
    assert_eq!(alerts(&out), [], "told once: {out:?}");
}

/// SLA alerts: each told once per clock, at the instant it is reached, or
/// at once when the engine learns of it late; cases from a review of the
/// alert rules, each with the alerts a desk expects.
mod sla_alerts {
    use super::*;

    /// P1: first response and next reply 1h, resolution 2h; the rest 4h,
    /// 4h, 8h; warnings at half and three quarters.
    const POLICY: &str = "[sla]\nwarn_at = [0.5, 0.75]\n[[sla.policies]]\nwhen = { priority = \"P1\" }\nfirst_response = \"1h\"\nnext_reply = \"1h\"\nresolution = \"2h\"\n[[sla.policies]]\nfirst_response = \"4h\"\nnext_reply = \"4h\"\nresolution = \"8h\"";

    /// The alerts the events (`(time on 2026-03-02, body)`) bring, as
    /// `"time metric fraction"`.
    fn alerts(policy: &str, events: &[(&str, &str)]) -> Vec<String> {
        let mut desk = Desk::new(policy, &[]);
        let mut told = Vec::new();
        for (time, body) in events {
            for d in desk.send(&format!("2026-03-02T{time}Z"), body) {
                if let Decision::SlaAlert { at, metric, fraction, .. } = d {
                    let time = at.to_string();
                    told.push(format!("{} {} {fraction}", &time[11..time.len() - 1], metric.name()));
                }
            }
        }
        told
    }

    const CREATE_P1: &str = r#""event": "ticket_created", "ticket": {"id": "A", "created_at": "2026-03-02T09:00:00Z", "channel": "email", "priority": "P1"}"#;
    const CREATE: &str =
        r#""event": "ticket_created", "ticket": {"id": "A", "created_at": "2026-03-02T09:00:00Z", "channel": "email"}"#;
    const TICK: &str = r#""event": "tick""#;

    fn on(event: &str) -> String {
        format!(r#""event": "{event}", "ticket": "A""#)
    }

    /// A wait on the customer from the due instant: the breach still comes,
    /// a millisecond later, paused or not (the wait is no stop).
    #[test]
    fn a_clock_paused_at_its_due_instant_is_breached() {
        let (wait, reply) = (on("waiting_on_customer"), on("customer_replied"));
        let told =
            alerts(POLICY, &[("09:00:00", CREATE_P1), ("10:00:00", &wait), ("10:30:00", &reply), ("13:00:00", TICK)]);
        assert_eq!(
            told,
            [
                "09:30:00 first_response 0.5",
                "09:45:00 first_response 0.75",
                "10:00:00 resolution 0.5",
                "10:00:00.001 first_response 1",
                "11:00:00 resolution 0.75",
                "11:30:00.001 resolution 1",
            ]
        );
    }

    /// Resolved at its due instant (met), then reopened: the clock resumes
    /// past its target, and the breach is told at the reopening.
    #[test]
    fn reopened_past_the_target_tells_the_breach_at_once() {
        let events = [
            ("09:00:00", CREATE_P1),
            ("09:10:00", &on("agent_replied")),
            ("11:00:00", &on("ticket_resolved")),
            ("12:00:00", &on("ticket_reopened")),
            ("12:20:00", TICK),
        ];
        assert_eq!(
            alerts(POLICY, &events),
            ["10:00:00 resolution 0.5", "10:30:00 resolution 0.75", "12:00:00 resolution 1"]
        );
    }

    /// A stopped clock tells nothing more, also when the ticket's timer
    /// fires at its warning's instant for another reason (here an
    /// escalation after 30 minutes; the warning escalated it too).
    #[test]
    fn a_stopped_clock_tells_no_warning() {
        let policy = "tiers = [\"L1\", \"L2\"]\n[sla]\nwarn_at = [0.5]\n[[sla.policies]]\nfirst_response = \"1h\"\n[[routing.escalation]]\ntier = \"L1\"\nmax_wait = \"30m\"";
        let events = [("09:00:00", CREATE), ("09:10:00", &on("agent_replied")), ("11:00:00", TICK)];
        assert_eq!(alerts(policy, &events), Vec::<String>::new());
    }

    /// Raised to P1 while waiting on the customer: the warning it has passed
    /// is told at once, not lost with the pause.
    #[test]
    fn raised_while_paused_tells_what_it_passed() {
        let events = [
            ("09:00:00", CREATE),
            ("09:40:00", &on("waiting_on_customer")),
            ("10:00:00", r#""event": "ticket_updated", "ticket": "A", "changes": {"priority": "P1"}"#),
            ("10:30:00", &on("customer_replied")),
            ("10:40:00", TICK),
        ];
        assert_eq!(alerts(POLICY, &events), ["10:00:00 first_response 0.5", "10:35:00 first_response 0.75"]);
    }

    /// Raised to P1 while resolved: its resolution target has passed, which
    /// is told when the ticket is reopened (its clock runs again).
    #[test]
    fn raised_while_resolved_tells_the_breach_when_reopened() {
        let events = [
            ("09:00:00", CREATE),
            ("09:10:00", &on("agent_replied")),
            ("11:30:00", &on("ticket_resolved")),
            ("12:00:00", r#""event": "ticket_updated", "ticket": "A", "changes": {"priority": "P1"}"#),
            ("12:10:00", &on("ticket_reopened")),
        ];
        assert_eq!(alerts(POLICY, &events), ["12:10:00 resolution 1"]);
    }

    /// Learned late, waiting on the customer since before the event: what
    /// it passed before its wait is told at once.
    #[test]
    fn learned_late_while_paused_tells_what_it_passed() {
        let late = r#""event": "ticket_created", "ticket": {"id": "A", "created_at": "2026-03-02T09:00:00Z", "channel": "email", "priority": "P1", "history": [{"event": "waiting_on_customer", "at": "2026-03-02T09:40:00Z"}]}"#;
        assert_eq!(alerts(POLICY, &[("10:00:00", late)]), ["10:00:00 first_response 0.5"]);
    }

    /// Lowered after its breach, raised again: no alert of a clock is told
    /// twice (the lower class's later warnings and breach included).
    #[test]
    fn lowered_and_raised_again_tells_nothing_twice() {
        let to = |p: &str| format!(r#""event": "ticket_updated", "ticket": "A", "changes": {{"priority": "{p}"}}"#);
        let events = [
            ("09:00:00", CREATE_P1),
            ("10:30:00", &to("P3")),
            ("13:30:00", &to("P1")),
            ("14:00:00", &to("P3")),
            ("20:00:00", TICK),
        ];
        assert_eq!(
            alerts(POLICY, &events),
            [
                "09:30:00 first_response 0.5",
                "09:45:00 first_response 0.75",
                "10:00:00 resolution 0.5",
                "10:00:00.001 first_response 1",
                "10:30:00 resolution 0.75",
                "13:30:00 resolution 1",
            ]
        );
    }

    /// A customer's reply reopens a resolved ticket as a reopening does: past
    /// its target (raised while resolved), it is told the breach and
    /// escalated at its tier's share.
    #[test]
    fn a_reply_reopening_past_the_target_escalates() {
        let policy =
            format!("tiers = [\"L1\", \"L2\"]\n{POLICY}\n[[routing.escalation]]\ntier = \"L1\"\nsla_fraction = 1.0");
        let mut desk = Desk::new(&policy, &[]);
        desk.send("2026-03-02T09:00:00Z", CREATE);
        desk.send("2026-03-02T09:10:00Z", &on("agent_replied"));
        desk.send("2026-03-02T11:30:00Z", &on("ticket_resolved"));
        desk.send("2026-03-02T12:00:00Z", r#""event": "ticket_updated", "ticket": "A", "changes": {"priority": "P1"}"#);
        let out = desk.send("2026-03-02T12:10:00Z", &on("customer_replied"));
        assert!(out.iter().any(|d| matches!(d, Decision::SlaAlert { fraction, .. } if *fraction == 1.0)), "{out:?}");
        assert_eq!(escalations(&out), [("A".to_owned(), "L2".to_owned())]);
    }

    /// Alerts are told in steps of a ten-thousandth of the target: a
    /// fraction below one, or two within one of each other, are refused
    /// (the second was never told).
    #[test]
    fn warnings_closer_than_a_ten_thousandth_are_refused() {
        for (warn_at, path) in [("[0.00001]", "sla.warn_at[0]"), ("[0.5, 0.50001]", "sla.warn_at[1]")] {
            let err = Policy::from_toml_str(&format!("version = 1\n[sla]\nwarn_at = {warn_at}"))
                .unwrap()
                .compile()
                .unwrap_err();
            assert_eq!(err.path(), path, "{err}");
        }
        assert_eq!(
            alerts(
                "[sla]\nwarn_at = [0.0001, 0.5, 0.5001]\n[[sla.policies]]\nfirst_response = \"10000s\"",
                &[("09:00:00", CREATE), ("11:00:00", TICK)]
            ),
            [
                "09:00:01 first_response 0.0001",
                "10:23:20 first_response 0.5",
                "10:23:21 first_response 0.5001",
                "11:46:40.001 first_response 1"
            ][..3]
        );
    }

    /// Each next reply cycle has its own alerts: a new cycle's are told,
    /// the old one's are not told again.
    #[test]
    fn each_reply_cycle_is_told_its_own_alerts() {
        let events = [
            ("09:00:00", CREATE),
            ("09:05:00", &on("agent_replied")),
            ("09:10:00", &on("customer_replied")),
            ("11:20:00", &on("agent_replied")),
            ("11:30:00", &on("customer_replied")),
            ("13:40:00", &on("customer_replied")),
            ("13:45:00", TICK),
        ];
        assert_eq!(
            alerts(POLICY, &events),
            ["11:10:00 next_reply 0.5", "13:00:00 resolution 0.5", "13:30:00 next_reply 0.5"]
        );
    }
}

/// A new ticket with the id of an open ticket is refused as a repeat, before
/// any other fault it has (a policy that cannot triage it, a creation after
/// the event), and changes nothing: the open ticket keeps its offer, and once
/// closed, its id can be used again.
#[test]
fn a_repeated_ticket_id_is_refused_first_and_changes_nothing() {
    let mut desk = Desk::new("", &[r#"{"id": "ana", "tier": "L1"}"#]);
    desk.login(T0, "ana");
    let at = "2026-03-02T09:01:00Z";
    assert_eq!(offers(&desk.ticket(at, "T1", "")), pairs(&[("T1", "ana")]));
    let before = desk.engine.stats();
    let repeats = [
        format!(r#""id": "T1", "created_at": "{at}", "channel": "chat""#),
        format!(r#""id": "T1", "created_at": "{at}", "channel": "chat", "impact": "cosmic""#),
        r#""id": "T1", "created_at": "2026-03-02T10:00:00Z", "channel": "chat""#.to_owned(),
    ];
    for ticket in repeats {
        let json = format!(r#"{{"at": "{at}", "event": "ticket_created", "ticket": {{{ticket}}}}}"#);
        let err = desk.engine.apply(&ev(&json)).expect_err(&json);
        assert_eq!((err.kind(), err.path()), (tierwise::ErrorKind::Duplicate, "ticket.id"), "{json}: {err}");
    }
    // Another fault alone is reported as itself.
    let json = format!(
        r#"{{"at": "{at}", "event": "ticket_created", "ticket": {{"id": "T2", "created_at": "{at}", "channel": "chat", "impact": "cosmic"}}}}"#
    );
    let err = desk.engine.apply(&ev(&json)).expect_err(&json);
    assert_ne!(err.kind(), tierwise::ErrorKind::Duplicate, "{err}");
    assert_eq!(desk.engine.stats(), before);
    desk.send(at, r#""event": "offer_accepted", "agent": "ana", "ticket": "T1""#);
    desk.send(at, r#""event": "ticket_closed", "ticket": "T1""#);
    let later = "2026-03-02T09:05:00Z";
    assert_eq!(offers(&desk.ticket(later, "T1", "")), pairs(&[("T1", "ana")]), "a closed ticket's id is free");
}

/// An event naming an agent and a ticket that do not exist names the agent
/// first, then the ticket, whatever the event (finishing, accepting,
/// rejecting): the two ids are looked up together, and reported in that order.
#[test]
fn an_unknown_agent_is_reported_before_an_unknown_ticket() {
    let mut desk = Desk::new("", &[r#"{"id": "ana", "tier": "L1"}"#]);
    desk.login(T0, "ana");
    desk.ticket("2026-03-02T09:01:00Z", "T1", "");
    for event in ["agent_finished", "offer_accepted", "offer_rejected"] {
        for (agent, ticket, path) in [("nobody", "T9", "agent"), ("nobody", "T1", "agent"), ("ana", "T9", "ticket")] {
            let json = format!(
                r#"{{"at": "2026-03-02T09:02:00Z", "event": "{event}", "agent": "{agent}", "ticket": "{ticket}"}}"#
            );
            let err = desk.engine.apply(&ev(&json)).expect_err(&json);
            assert_eq!((err.kind(), err.path()), (tierwise::ErrorKind::UnknownName, path), "{json}: {err}");
        }
    }
}
