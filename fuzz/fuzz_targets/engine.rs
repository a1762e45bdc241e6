//! The engine fed arbitrary event sequences (structured with `arbitrary`),
//! with its audit after every event: no panic, no broken invariant.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tierwise::jiff::{SignedDuration, Timestamp};
use tierwise::{Engine, Event, EventKind, Policy, Presence, Ticket, TicketChanges};

#[derive(Arbitrary, Debug)]
enum Op {
    Create { channel: u8, skill: Option<(u8, u8)>, lang: Option<bool>, confidential: bool, impact: u8, preferred: Option<u8> },
    Login(u8),
    Logout(u8),
    Away(u8, bool),
    Accept(u8, u16),
    Reject(u8, u16),
    Finish(u8, u16),
    Resolve(u16),
    Close(u16),
    Wait(u16),
    Reply(u16),
    Reopen(u16),
    Escalate(u16),
    Update(u16, bool),
    Tick,
}

const POLICY: &str = r#"
version = 1
[calendars.day]
timezone = "America/New_York"
hours = { weekdays = "08:00-18:00" }
[[sla.policies]]
first_response = "30m"
resolution = "4h"
[routing]
strategy = ["best_skill_match", "longest_idle"]
offer_timeout = "40s"
wrap_up = { phone = "20s" }
fairness = { max_offers = 4, window = "20m" }
[[routing.escalation]]
tier = "L1"
max_wait = "15m"
[[routing.relaxation]]
after = "3m"
lower_levels = 1
[[routing.relaxation]]
after = "8m"
drop_skills = true
any_language = true
widen_tier = true
"#;

const ROSTER: &str = r#"[
  {"id": "a0", "tier": "L1", "skills": {"net": 2}, "languages": ["en"], "capacity": {"chat": 2, "phone": 1, "email": 3}},
  {"id": "a1", "tier": "L1", "skills": {"db": 3}, "languages": ["es"], "clearance": true, "shift": "day"},
  {"id": "a2", "tier": "L2", "skills": {"net": 4, "db": 1}, "languages": ["en", "es"], "clearance": true},
  {"id": "a3", "tier": "L3", "capacity": {"chat": 1, "phone": 1, "email": 1}}
]"#;

fuzz_target!(|ops: Vec<(Op, u16)>| {
    let policy = Policy::from_toml_str(POLICY).expect("policy").compile().expect("compiles");
    let roster = tierwise::parse_roster(ROSTER).expect("roster");
    let mut engine = Engine::new(policy, roster).expect("engine");
    let mut now: Timestamp = "2026-03-06T12:00:00Z".parse().expect("instant");
    let mut created = 0u32;
    let ticket = |i: u16, created: u32| format!("t{}", u32::from(i) % created.max(1) + 1);
    let agent = |i: u8| format!("a{}", i % 4);
    for (op, gap) in ops.into_iter().take(300) {
        now = now.checked_add(SignedDuration::from_secs(i64::from(gap % 900))).expect("instant");
        let kind = match op {
            Op::Create { channel, skill, lang, confidential, impact, preferred } => {
                created += 1;
                let mut t: Ticket = serde_json::from_str(&format!(
                    r#"{{"id": "t{created}", "created_at": "{now}", "channel": "{}", "impact": "{}"}}"#,
                    ["chat", "phone", "email"][usize::from(channel % 3)],
                    ["high", "medium", "low"][usize::from(impact % 3)]
                ))
                .expect("ticket");
                if let Some((s, l)) = skill {
                    t.skills.insert(["net", "db", "sap"][usize::from(s % 3)].to_owned(), l % 6);
                }
                t.language = lang.map(|es| if es { "es" } else { "en" }.to_owned());
                t.confidential = confidential;
                EventKind::TicketCreated { ticket: Box::new(t), tier: None, preferred_agent: preferred.map(agent) }
            }
            Op::Login(a) => EventKind::AgentLoggedIn { agent: agent(a) },
            Op::Logout(a) => EventKind::AgentLoggedOut { agent: agent(a) },
            Op::Away(a, away) => {
                EventKind::AgentStateChanged { agent: agent(a), state: if away { Presence::Away } else { Presence::Available } }
            }
            Op::Accept(a, t) => EventKind::OfferAccepted { agent: agent(a), ticket: ticket(t, created) },
            Op::Reject(a, t) => EventKind::OfferRejected { agent: agent(a), ticket: ticket(t, created) },
            Op::Finish(a, t) => EventKind::AgentFinished { agent: agent(a), ticket: ticket(t, created) },
            Op::Resolve(t) => EventKind::TicketResolved { ticket: ticket(t, created) },
            Op::Close(t) => EventKind::TicketClosed { ticket: ticket(t, created) },
            Op::Wait(t) => EventKind::WaitingOnCustomer { ticket: ticket(t, created) },
            Op::Reply(t) => EventKind::CustomerReplied { ticket: ticket(t, created) },
            Op::Reopen(t) => EventKind::TicketReopened { ticket: ticket(t, created) },
            Op::Escalate(t) => EventKind::EscalateRequested { ticket: ticket(t, created), to_tier: None },
            Op::Update(t, c) => EventKind::TicketUpdated {
                ticket: ticket(t, created),
                changes: Box::new(TicketChanges { confidential: Some(Some(c)), ..TicketChanges::default() }),
            },
            Op::Tick => EventKind::Tick {},
        };
        let _ = engine.apply(&Event::new(now, kind));
        let problems = engine.audit();
        assert!(problems.is_empty(), "{problems:?}");
    }
});
