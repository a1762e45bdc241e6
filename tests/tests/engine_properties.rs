//! State-machine property tests of the engine: random desks, random event
//! sequences, invariants after every event, determinism, and snapshot/restore.

use proptest::prelude::*;
use tierwise::jiff::Timestamp;
use tierwise::{AgentSpec, Decision, Engine, Event, EventKind, Policy, Presence, Ticket, TicketChanges};

const SKILLS: [&str; 3] = ["network", "database", "sap"];
const LANGS: [&str; 2] = ["en", "es"];
const CHANNELS: [&str; 3] = ["chat", "phone", "email"];
const LEVELS: [&str; 3] = ["high", "medium", "low"];

const POLICIES: [&str; 6] = [
    "",
    r#"
    [routing]
    strategy = ["best_skill_match", "most_spare_capacity"]
    offer_timeout = "2m"
    wrap_up = { phone = "1m" }
    fairness = { max_offers = 3, window = "30m" }
    [[routing.relaxation]]
    after = "5m"
    lower_levels = 1
    [[routing.relaxation]]
    after = "15m"
    drop_skills = true
    any_language = true
    "#,
    r#"
    [routing]
    strategy = "round_robin"
    sticky_wait = "4m"
    reject_cooldown = "0s"
    pending_consumes_capacity = true
    [[routing.escalation]]
    tier = "L1"
    max_wait = "10m"
    [[routing.escalation]]
    tier = "L2"
    max_wait = "20m"
    [[routing.relaxation]]
    after = "3m"
    widen_tier = true
    "#,
    r#"
    [calendars.day]
    timezone = "Europe/Madrid"
    hours = { daily = "08:00-20:00" }
    [[sla.policies]]
    calendar = "day"
    first_response = "30m"
    resolution = "4h"
    [routing]
    exclusive_channels = []
    offer_timeout = "45s"
    "#,
    // Two keys that cannot rise (agents filed lazily, whole keys in the
    // ready queues), and a fairness cap whose window differs from policy
    // 1's, so reloads between them move the cap's window.
    r#"
    [routing]
    strategy = ["best_skill_match", "longest_idle"]
    fairness = { max_offers = 2, window = "10m" }
    reject_cooldown = "1m"
    "#,
    // A dynamic score (waiting time, closeness to a deadline, channel), SLA
    // targets for some classes only (the others have no deadline), alerts,
    // and escalation at a share of the first-response target.
    r#"
    [[sla.policies]]
    when = { priority = ["P1", "P2"] }
    first_response = "20m"
    resolution = "2h"
    warn_at = [0.5, 0.8]
    [scoring]
    per_hour_waiting = 200
    per_hour_past_deadline = 400
    channel = { phone = 300 }
    [routing]
    strategy = "most_spare_capacity"
    [[routing.escalation]]
    tier = "L1"
    sla_fraction = 0.5
    [[routing.escalation]]
    tier = "L2"
    sla_fraction = 0.8
    max_wait = "30m"
    "#,
];

/// Shift zones: agents on shift work 00:30-09:00 local time every day, which
/// spans each zone's DST change (New York and London skip an hour in spring
/// and repeat one in autumn; Sydney the other way round).
const ZONES: [&str; 3] = ["America/New_York", "Europe/London", "Australia/Sydney"];

/// Where histories start: two hours before each of those zones' 2026 DST
/// changes, and one ordinary Friday. A history lasts up to about 13 hours.
const STARTS: [&str; 7] = [
    "2026-03-06T12:00:00Z",
    "2026-03-08T05:00:00Z", // New York springs forward at 07:00Z
    "2026-03-28T23:00:00Z", // London at 01:00Z on the 29th
    "2026-04-04T14:00:00Z", // Sydney falls back at 16:00Z
    "2026-10-03T14:00:00Z", // Sydney springs forward at 16:00Z
    "2026-10-24T23:00:00Z", // London falls back at 01:00Z on the 25th
    "2026-11-01T04:00:00Z", // New York falls back at 06:00Z
];

#[derive(Clone, Debug)]
struct AgentGen {
    tier: usize,
    skills: Vec<(usize, u8)>,
    langs: Vec<usize>,
    clearance: bool,
    chat: u8,
    email: u8,
    /// On shift in `ZONES[z]`, or always available.
    shift_zone: Option<usize>,
}

fn agent_gen() -> impl Strategy<Value = AgentGen> {
    (
        0usize..3,
        proptest::collection::vec((0usize..3, 1u8..=4), 0..3),
        proptest::collection::vec(0usize..2, 0..3),
        any::<bool>(),
        1u8..4,
        1u8..6,
        proptest::option::weighted(0.3, 0usize..ZONES.len()),
    )
        .prop_map(|(tier, skills, langs, clearance, chat, email, shift_zone)| AgentGen {
            tier,
            skills,
            langs,
            clearance,
            chat,
            email,
            shift_zone,
        })
}

/// An abstract operation, bound to the engine's current state when applied.
#[derive(Clone, Debug)]
enum Op {
    Create {
        channel: usize,
        skills: Vec<(usize, u8)>,
        lang: Option<usize>,
        confidential: bool,
        impact: usize,
        urgency: usize,
        preferred: Option<usize>,
    },
    Login(usize),
    Logout(usize),
    Presence(usize, bool),
    Accept(usize),
    Reject(usize),
    Finish(usize),
    Resolve(usize),
    Close(usize),
    Wait(usize),
    Reply(usize),
    Reopen(usize),
    Escalate(usize),
    Update(usize, bool, usize),
    Tick,
    /// Switch the engine to another of the policies (`Engine::reload`).
    Reload(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..3, proptest::collection::vec((0usize..3, 1u8..=4), 0..2), proptest::option::of(0usize..2),
              proptest::bool::weighted(0.25), 0usize..3, 0usize..3, proptest::option::weighted(0.15, 0usize..8))
            .prop_map(|(channel, skills, lang, confidential, impact, urgency, preferred)|
                Op::Create { channel, skills, lang, confidential, impact, urgency, preferred }),
        3 => (0usize..8).prop_map(Op::Login),
        1 => (0usize..8).prop_map(Op::Logout),
        1 => (0usize..8, any::<bool>()).prop_map(|(a, away)| Op::Presence(a, away)),
        5 => any::<usize>().prop_map(Op::Accept),
        2 => any::<usize>().prop_map(Op::Reject),
        4 => any::<usize>().prop_map(Op::Finish),
        2 => any::<usize>().prop_map(Op::Resolve),
        1 => any::<usize>().prop_map(Op::Close),
        1 => any::<usize>().prop_map(Op::Wait),
        1 => any::<usize>().prop_map(Op::Reply),
        1 => any::<usize>().prop_map(Op::Reopen),
        1 => any::<usize>().prop_map(Op::Escalate),
        1 => (any::<usize>(), any::<bool>(), 0usize..3).prop_map(|(t, c, s)| Op::Update(t, c, s)),
        2 => Just(Op::Tick),
        1 => (0usize..POLICIES.len()).prop_map(Op::Reload),
    ]
}

fn roster(agents: &[AgentGen]) -> Vec<AgentSpec> {
    agents
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let skills: String =
                g.skills.iter().map(|(s, l)| format!(r#""{}": {l}"#, SKILLS[*s])).collect::<Vec<_>>().join(", ");
            let langs: Vec<String> = g.langs.iter().map(|l| format!(r#""{}""#, LANGS[*l])).collect();
            let shift = g.shift_zone.map(|z| format!(r#", "shift": "shift{z}""#)).unwrap_or_default();
            let json = format!(
                r#"{{"id": "a{i}", "tier": "L{}", "skills": {{{skills}}}, "languages": [{}], "clearance": {}, "capacity": {{"chat": {}, "phone": 1, "email": {}}}{shift}}}"#,
                g.tier + 1,
                langs.join(", "),
                g.clearance,
                g.chat,
                g.email
            );
            serde_json::from_str(&json).unwrap()
        })
        .collect()
}

/// Binds an abstract op to a concrete event, given the engine's state.
fn bind(op: &Op, engine: &Engine, at: Timestamp, created: &mut usize, agents: usize) -> Option<Event> {
    let states = engine.ticket_states();
    let pick = |k: usize, want: &[&str]| -> Option<(String, Option<String>)> {
        let list: Vec<_> = states.iter().filter(|s| want.contains(&s.1)).collect();
        (!list.is_empty()).then(|| {
            let s = list[k % list.len()];
            (s.0.clone(), s.2.clone())
        })
    };
    let agent = |i: usize| format!("a{}", i % agents);
    let kind = match op {
        Op::Create { channel, skills, lang, confidential, impact, urgency, preferred } => {
            *created += 1;
            let mut ticket: Ticket = serde_json::from_str(&format!(
                r#"{{"id": "t{created}", "created_at": "{at}", "channel": "{}", "impact": "{}", "urgency": "{}"}}"#,
                CHANNELS[*channel], LEVELS[*impact], LEVELS[*urgency]
            ))
            .unwrap();
            ticket.skills = skills.iter().map(|(s, l)| (SKILLS[*s].to_owned(), *l)).collect();
            ticket.language = lang.map(|l| LANGS[l].to_owned());
            ticket.confidential = *confidential;
            EventKind::TicketCreated { ticket: Box::new(ticket), tier: None, preferred_agent: preferred.map(agent) }
        }
        Op::Login(a) => EventKind::AgentLoggedIn { agent: agent(*a) },
        Op::Logout(a) => EventKind::AgentLoggedOut { agent: agent(*a) },
        Op::Presence(a, away) => EventKind::AgentStateChanged {
            agent: agent(*a),
            state: if *away { Presence::Away } else { Presence::Available },
        },
        Op::Accept(k) => {
            let (ticket, agent) = pick(*k, &["offered"])?;
            EventKind::OfferAccepted { agent: agent?, ticket }
        }
        Op::Reject(k) => {
            let (ticket, agent) = pick(*k, &["offered"])?;
            EventKind::OfferRejected { agent: agent?, ticket }
        }
        Op::Finish(k) => {
            let (ticket, agent) = pick(*k, &["assigned"])?;
            EventKind::AgentFinished { agent: agent?, ticket }
        }
        Op::Resolve(k) => {
            EventKind::TicketResolved { ticket: pick(*k, &["queued", "offered", "assigned", "pending", "handled"])?.0 }
        }
        Op::Close(k) => EventKind::TicketClosed { ticket: pick(*k, &["resolved", "handled", "queued", "offered"])?.0 },
        Op::Wait(k) => EventKind::WaitingOnCustomer { ticket: pick(*k, &["queued", "assigned", "offered"])?.0 },
        Op::Reply(k) => EventKind::CustomerReplied { ticket: pick(*k, &["pending", "handled"])?.0 },
        Op::Reopen(k) => EventKind::TicketReopened { ticket: pick(*k, &["resolved", "handled"])?.0 },
        Op::Escalate(k) => {
            EventKind::EscalateRequested { ticket: pick(*k, &["queued", "offered", "assigned"])?.0, to_tier: None }
        }
        Op::Update(k, confidential, skill) => EventKind::TicketUpdated {
            ticket: pick(*k, &["queued", "offered", "assigned", "pending"])?.0,
            changes: Box::new(TicketChanges {
                confidential: Some(Some(*confidential)),
                skills: Some(Some([(SKILLS[*skill].to_owned(), 1)].into_iter().collect())),
                ..TicketChanges::default()
            }),
        },
        Op::Tick => EventKind::Tick {},
        Op::Reload(_) => return None,
    };
    Some(Event::new(at, kind))
}

/// Runs a history; returns every decision as JSON, one string per event.
/// Checks the invariants after every event. With `restore_at`, snapshots the
/// engine there, drops it, and carries on with a restored one.
fn run(desk: &Desk, ops: &[(Op, u16)], restore_at: Option<usize>) -> Result<Vec<String>, TestCaseError> {
    run_with(desk, ops, restore_at, Delivery::Clean)
}

/// A generated desk: its first policy, where its history starts, its agents.
#[derive(Clone, Debug)]
struct Desk {
    policy: usize,
    start: usize,
    agents: Vec<AgentGen>,
}

fn desk_gen() -> impl Strategy<Value = Desk> {
    (0usize..POLICIES.len(), 0usize..STARTS.len(), proptest::collection::vec(agent_gen(), 1..8))
        .prop_map(|(policy, start, agents)| Desk { policy, start, agents })
}

/// `POLICIES[p]` with the shift calendars of every zone.
fn compiled_policy(p: usize) -> tierwise::CompiledPolicy {
    let mut text = format!("version = 1\n{}\n", POLICIES[p]);
    for (z, zone) in ZONES.iter().enumerate() {
        text.push_str(&format!("[calendars.shift{z}]\ntimezone = \"{zone}\"\nhours = {{ daily = \"00:30-09:00\" }}\n"));
    }
    Policy::from_toml_str(&text).unwrap().compile().unwrap()
}

/// How [`run_with`] delivers events, and how it logs decisions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// Once each; one log entry per event.
    Clean,
    /// Once each; one log entry per decision other than wake-ups.
    CleanFlat,
    /// Each successful event again at once and a second late; logged as
    /// `CleanFlat`, including what the duplicates decide.
    Hostile,
}

/// As [`run`], delivering events as `delivery` says. Hostile delivery sends
/// every event that succeeds again at once (a duplicate) and again a second
/// earlier (out of order): the late copy must be rejected, and the stream of
/// decisions must stay that of a clean run (the caller compares them; timers
/// due at the duplicate's instant may fire during it, as they would at a tick).
fn run_with(
    desk: &Desk,
    ops: &[(Op, u16)],
    restore_at: Option<usize>,
    delivery: Delivery,
) -> Result<Vec<String>, TestCaseError> {
    let agents = &desk.agents;
    let flat = |decisions: &[Decision], log: &mut Vec<String>| {
        for d in decisions.iter().filter(|d| !matches!(d, Decision::WakeAt { .. })) {
            log.push(serde_json::to_string(d).unwrap());
        }
    };
    let policies: Vec<tierwise::CompiledPolicy> = (0..POLICIES.len()).map(compiled_policy).collect();
    // The policy in force, which a restore must be given.
    let mut compiled = policies[desk.policy].clone();
    let mut engine = Engine::new(compiled.clone(), roster(agents)).unwrap();
    let mut now: Timestamp = STARTS[desk.start].parse().unwrap();
    let mut created = 0usize;
    let mut log = Vec::new();
    let mut resolved = std::collections::BTreeSet::new();
    let mut closed = std::collections::BTreeSet::new();
    // Whether each ticket is confidential, as its events last said.
    let mut confidential = std::collections::HashMap::new();
    for (i, (op, gap)) in ops.iter().enumerate() {
        if restore_at == Some(i) {
            let json = serde_json::to_string(&engine.snapshot()).unwrap();
            drop(engine);
            engine = Engine::restore(compiled.clone(), serde_json::from_str(&json).unwrap()).unwrap();
        }
        now = now.checked_add(tierwise::jiff::SignedDuration::from_secs(i64::from(*gap))).unwrap();
        if let Op::Reload(p) = op {
            // Reloading is not an event: no time passes. Refused or not, the
            // invariants hold and the run goes on under the policy in force.
            let mut out = Vec::new();
            let before = serde_json::to_string(&engine.snapshot()).unwrap();
            match engine.reload(policies[*p].clone(), &mut out) {
                Ok(()) => {
                    compiled = policies[*p].clone();
                    log.push(format!("reload {p}"));
                    flat(&out, &mut log);
                }
                Err(e) => {
                    // The one refusal these policies can cause (they keep the
                    // tiers and calendars): an agent would hold a ticket it may
                    // not serve. Any other audit problem is a bug the refusal
                    // would hide.
                    prop_assert_eq!(e.code(), "inconsistent", "reload {} refused: {}", p, e);
                    prop_assert!(e.to_string().contains("who cannot serve it"), "reload {} refused: {}", p, e);
                    prop_assert_eq!(
                        serde_json::to_string(&engine.snapshot()).unwrap(),
                        before,
                        "a refused reload {} changed the engine",
                        p
                    );
                    log.push(format!("reload {p} refused: {e}"));
                }
            }
            let problems = engine.audit();
            prop_assert!(problems.is_empty(), "after reload {}: {:?}", p, problems);
            continue;
        }
        let Some(event) = bind(op, &engine, now, &mut created, agents.len()) else { continue };
        EVENTS.with(|n| n.set(n.get() + 1));
        // The run with a restore also hands events over by value, so the
        // comparison with the first run covers `apply_owned` too.
        let result = if restore_at.is_some() {
            let mut out = Vec::new();
            engine.apply_owned(event.clone(), &mut out).map(|()| out)
        } else {
            engine.apply(&event)
        };
        let applied = match result {
            Ok(decisions) => {
                if let EventKind::TicketReopened { ticket } = &event.kind {
                    resolved.remove(ticket);
                }
                // Whether each ticket is confidential after this event. Offers
                // made by timers that fired before the event itself (earlier
                // instants, or its own with the offer ended by the event) were
                // made under the old value.
                let before = confidential.clone();
                match &event.kind {
                    EventKind::TicketCreated { ticket, .. } => {
                        confidential.insert(ticket.id.clone(), ticket.confidential);
                    }
                    EventKind::TicketUpdated { ticket, changes } => {
                        if let Some(c) = changes.confidential {
                            confidential.insert(ticket.clone(), c.unwrap_or(false));
                        }
                    }
                    _ => {}
                }
                for (i, d) in decisions.iter().enumerate() {
                    if let Decision::Offer { at, ticket, agent, .. } = d {
                        prop_assert!(!resolved.contains(ticket), "resolved ticket {ticket} offered");
                        // Checked on what the engine announces, not only on
                        // its state (which `audit` checks below).
                        let ended = decisions[i + 1..].iter().any(|later| match later {
                            Decision::OfferWithdrawn { ticket: t, agent: a, .. }
                            | Decision::OfferExpired { ticket: t, agent: a, .. } => t == ticket && a == agent,
                            _ => false,
                        });
                        let earlier = *at < event.at || ended;
                        let secret = if earlier { before.get(ticket) } else { confidential.get(ticket) };
                        let cleared = agents[agent[1..].parse::<usize>().unwrap()].clearance;
                        prop_assert!(
                            cleared || secret == Some(&false),
                            "confidential ticket {ticket} offered to {agent}, who has no clearance: {:?} gave {:?}",
                            event,
                            decisions
                        );
                    }
                }
                if let EventKind::TicketResolved { ticket } = &event.kind {
                    resolved.insert(ticket.clone());
                }
                if delivery == Delivery::Clean {
                    log.push(serde_json::to_string(&decisions).unwrap());
                } else {
                    flat(&decisions, &mut log);
                }
                if delivery == Delivery::Hostile {
                    let late = Event::new(
                        event.at.checked_sub(tierwise::jiff::SignedDuration::from_secs(1)).unwrap(),
                        event.kind.clone(),
                    );
                    let result = engine.apply(&late);
                    prop_assert!(result.is_err(), "an event a second late was applied: {:?}", late);
                    // Two events are relative (docs/events.md): "escalate to the
                    // next tier" escalates again, and a rejection can meet the
                    // same offer made again at the same instant (no cooldown).
                    let relative = matches!(
                        event.kind,
                        EventKind::EscalateRequested { to_tier: None, .. } | EventKind::OfferRejected { .. }
                    );
                    if !relative && let Ok(again) = engine.apply(&event) {
                        flat(&again, &mut log);
                    }
                }
                if delivery != Delivery::Clean {
                    // Timers armed for this very instant fire at the next event
                    // (any event, a duplicate too): flush them here in both
                    // runs compared, so the next operation binds to the same state.
                    let flushed = engine.apply(&Event::new(event.at, EventKind::Tick {}));
                    prop_assert!(flushed.is_ok(), "a tick at the same instant fails: {flushed:?}");
                    flat(&flushed.unwrap_or_default(), &mut log);
                }
                true
            }
            Err(e) => {
                log.push(format!("error {}: {e}", e.code()));
                false
            }
        };
        let problems = engine.audit();
        prop_assert!(problems.is_empty(), "after {:?}: {:?}", event, problems);
        if let EventKind::TicketClosed { ticket } = &event.kind
            && applied
        {
            closed.insert(ticket.clone());
        }
        prop_assert_eq!(engine.ticket_states().len() + closed.len(), created, "every created ticket is accounted for");
    }
    if delivery != Delivery::Clean
        && let Ok(last) = engine.apply(&Event::new(now, EventKind::Tick {}))
    {
        // Timers due at the last instant fire here, in both runs compared.
        flat(&last, &mut log);
    }
    Ok(log)
}

/// Fails with the first differing entry of two decision logs, shortened.
fn first_difference(a: &[String], b: &[String], what: &str) -> Result<(), TestCaseError> {
    let short = |s: &str| s.chars().take(1500).collect::<String>();
    if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
        return Err(TestCaseError::fail(format!(
            "{what}: event {i} differs\n  {}\n  {}",
            short(a.get(i).map_or("(none)", String::as_str)),
            short(b.get(i).map_or("(none)", String::as_str))
        )));
    }
    Ok(())
}

thread_local! {
    /// Events delivered to engines by this thread's current property.
    pub(crate) static EVENTS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Histories run by this thread's current property.
    static HISTORIES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts one history of property `name`; once the property has run all its
/// cases, prints how many histories and events it ran (what `scripts/dst`
/// reports). Each property runs its cases on one thread.
pub(crate) fn tally(name: &str) {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(CASES);
    let histories = HISTORIES.with(|h| {
        h.set(h.get() + 1);
        h.get()
    });
    if histories == u64::from(cases) {
        let events = EVENTS.with(std::cell::Cell::get);
        eprintln!("{name}: {histories} histories, {events} events delivered, invariants held");
    }
}

/// Cases per property in a plain `cargo test` (`scripts/dst --seeds N` sets more).
pub(crate) const CASES: u32 = 96;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn prop_invariants_hold_after_every_event(
        desk in desk_gen(),
        ops in proptest::collection::vec((op(), 0u16..400), 1..120),
    ) {
        run(&desk, &ops, None)?;
        tally("invariants after every event");
    }

    #[test]
    fn prop_same_input_same_decisions_and_restore_changes_nothing(
        desk in desk_gen(),
        ops in proptest::collection::vec((op(), 0u16..400), 1..80),
        cut in any::<proptest::sample::Index>(),
    ) {
        let first = run(&desk, &ops, None)?;
        let again = run(&desk, &ops, None)?;
        first_difference(&first, &again, "same input, same decisions")?;
        let cut = cut.index(ops.len());
        let restored = run(&desk, &ops, Some(cut))?;
        first_difference(&first, &restored, &format!("snapshot + restore before op {cut} changes nothing"))?;
        tally("same input, same decisions; restore changes nothing");
    }

    /// Duplicated and out-of-order deliveries are rejected or idempotent:
    /// the decisions of the whole run are those of a clean run.
    #[test]
    fn prop_duplicate_and_late_events_change_nothing(
        desk in desk_gen(),
        ops in proptest::collection::vec((op(), 0u16..400), 1..80),
    ) {
        let clean = run_with(&desk, &ops, None, Delivery::CleanFlat)?;
        let hostile = run_with(&desk, &ops, None, Delivery::Hostile)?;
        first_difference(&clean, &hostile, "duplicated and late deliveries")?;
        tally("duplicated and late deliveries change nothing");
    }
}
