//! Routing throughput at the size of a large desk: 10,000 agents, 200
//! routing groups, 100,000 waiting tickets.
//!
//! - `engine/agent_free/...`: every agent is busy and 100,000 tickets wait.
//!   One iteration: a new ticket arrives (queued), an agent finishes its
//!   ticket (the engine offers it the most urgent ticket among the groups it
//!   serves), the agent accepts, and the finished ticket is closed. Four
//!   events, one routing decision per iteration.
//! - `engine/submit_assign/...`: agents are free. One iteration: a ticket
//!   arrives and is offered to the best ready agent, who accepts and
//!   finishes; the ticket is closed. Four events, one decision.
//! - `.../deciding_event_only`: the same iterations, timing only the event
//!   that makes the decision (the agent's finishing, the ticket's arrival);
//!   the other three run between the timed spans.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use tierwise::jiff::Timestamp;
use tierwise::{AgentSpec, Decision, Engine, Event, EventKind, Policy, Ticket};

use crate::data::Seeded;

const SKILLS: usize = 20;
const LANGUAGES: [&str; 5] = ["en", "es", "fr", "de", "pt"];

fn agents(n: usize, rng: &mut Seeded) -> Vec<AgentSpec> {
    (0..n)
        .map(|i| {
            let mut skills = std::collections::BTreeMap::new();
            for _ in 0..3 {
                skills.insert(format!("s{}", rng.below(SKILLS as u64)), 2 + u8::try_from(rng.below(2)).unwrap_or(0));
            }
            let l1 = LANGUAGES[rng.below(5) as usize];
            let l2 = LANGUAGES[rng.below(5) as usize];
            let json =
                format!(r#"{{"id": "a{i}", "tier": "L1", "languages": ["{l1}", "{l2}"], "capacity": {{"chat": 1}}}}"#);
            let mut spec: AgentSpec = serde_json::from_str(&json).expect("agent");
            spec.skills = skills;
            spec
        })
        .collect()
}

/// One of 200 requirement combinations: skill (20) x level (2) x language (5).
fn ticket(id: u64, at: Timestamp, rng: &mut Seeded) -> Ticket {
    let levels = ["high", "medium", "low"];
    let json = format!(
        r#"{{"id": "t{id}", "created_at": "{at}", "channel": "chat", "impact": "{}", "urgency": "{}", "language": "{}", "skills": {{"s{}": {}}}}}"#,
        levels[rng.below(3) as usize],
        levels[rng.below(3) as usize],
        LANGUAGES[rng.below(5) as usize],
        rng.below(SKILLS as u64),
        1 + rng.below(2),
    );
    serde_json::from_str(&json).expect("ticket")
}

struct Desk {
    engine: Engine,
    /// Seeded ticket templates, built once outside the timed loops.
    templates: Vec<Ticket>,
    agent_ids: Vec<String>,
    clock: i64,
    next_id: u64,
    /// The ticket each agent holds, by agent index.
    holding: Vec<Option<String>>,
    out: Vec<Decision>,
}

impl Desk {
    fn at(&mut self) -> Timestamp {
        self.clock += 10;
        Timestamp::from_millisecond(self.clock).expect("instant")
    }

    fn apply(&mut self, kind: EventKind) {
        let at = self.at();
        self.out.clear();
        self.engine.apply_owned(Event::new(at, kind), &mut self.out).expect("valid event");
    }

    /// Accepts every offer in the last decisions and those the acceptances
    /// bring; returns how many.
    fn accept_offers(&mut self) -> usize {
        self.accept_offers_to().len()
    }

    /// Accepts every offer in the last decisions, and any offer the
    /// acceptances themselves bring; returns the agents' indices.
    fn accept_offers_to(&mut self) -> Vec<usize> {
        let mut offers = self.offers();
        let mut accepted = Vec::with_capacity(offers.len());
        while let Some((ticket, agent)) = offers.pop() {
            let index: usize = agent[1..].parse().expect("agent index");
            self.holding[index] = Some(ticket.clone());
            self.apply(EventKind::OfferAccepted { agent, ticket });
            offers.extend(self.offers());
            accepted.push(index);
        }
        accepted
    }

    /// The offers in the last decisions, as (ticket, agent), last first.
    fn offers(&self) -> Vec<(String, String)> {
        self.out
            .iter()
            .rev()
            .filter_map(|d| match d {
                Decision::Offer { ticket, agent, .. } => Some((ticket.clone(), agent.clone())),
                _ => None,
            })
            .collect()
    }

    /// A new ticket from a template: what a host does per arrival (clone
    /// and fill in), without JSON.
    fn submit(&mut self) {
        let arrival = self.arrival();
        self.apply(arrival);
    }

    /// The next new ticket's event, stamped for the next instant.
    fn arrival(&mut self) -> EventKind {
        self.next_id += 1;
        let at = Timestamp::from_millisecond(self.clock + 10).expect("instant");
        let template = &self.templates[(self.next_id % self.templates.len() as u64) as usize];
        let mut t = template.clone();
        t.id = decimal_id(self.next_id);
        t.created_at = at;
        EventKind::TicketCreated { ticket: Box::new(t), tier: None, preferred_agent: None }
    }

    fn agent(&self, a: usize) -> String {
        self.agent_ids[a].clone()
    }

    /// One cycle with agents free: a ticket arrives (applied by `decide`)
    /// and is offered to a free agent, who accepts and finishes at once, so
    /// the desk stays free; the ticket is closed. Returns the agent.
    fn assign_cycle(&mut self, decide: impl FnOnce(&mut Desk, EventKind)) -> usize {
        let arrival = self.arrival();
        decide(self, arrival);
        let offered = self.accept_offers_to();
        assert_eq!(offered.len(), 1, "a free agent takes every ticket");
        let a = offered[0];
        let t = self.holding[a].take().expect("held");
        self.apply(EventKind::AgentFinished { agent: self.agent(a), ticket: t.clone() });
        self.apply(EventKind::TicketClosed { ticket: t });
        a
    }

    /// One cycle with tickets waiting: a new ticket arrives (queued); the
    /// next agent after `cursor` (round the roster) holding a ticket
    /// finishes it (applied by `decide`) and is offered the most urgent
    /// ticket among its groups, which it accepts; the finished ticket is
    /// closed. Returns how many offers were accepted.
    fn free_cycle(&mut self, cursor: &mut usize, decide: impl FnOnce(&mut Desk, EventKind)) -> usize {
        self.submit();
        let n = self.holding.len();
        let (a, t) = loop {
            *cursor = (*cursor + 1) % n;
            if let Some(t) = self.holding[*cursor].take() {
                break (*cursor, t);
            }
        };
        decide(self, EventKind::AgentFinished { agent: self.agent(a), ticket: t.clone() });
        let offered = self.accept_offers();
        assert_eq!(offered, 1, "the freed agent gets the most urgent ticket it can take");
        // A host closes done tickets; the engine then reuses their memory.
        self.apply(EventKind::TicketClosed { ticket: t });
        offered
    }
}

/// Applies `event` to `desk`, adding the time it took to `timed`.
fn timed_apply(timed: &mut std::time::Duration, desk: &mut Desk, event: EventKind) {
    let start = std::time::Instant::now();
    desk.apply(event);
    *timed += start.elapsed();
}

/// `t` and the decimal digits of `n`, without the formatting machinery.
fn decimal_id(n: u64) -> String {
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(n);
    let mut id = String::with_capacity(1 + digits.len());
    id.push('t');
    id.push_str(digits);
    id
}

fn desk(n_agents: usize, backlog: usize) -> Desk {
    let policy = Policy::from_toml_str("version = 1\n[routing]\noffer_timeout = \"1d\"")
        .expect("policy")
        .compile()
        .expect("compiles");
    let mut rng = Seeded::new(42);
    let roster = agents(n_agents, &mut rng);
    let at = Timestamp::from_millisecond(1_772_784_000_000).expect("instant");
    let templates = (0..4096).map(|i| ticket(i, at, &mut rng)).collect();
    let mut desk = Desk {
        engine: Engine::new(policy, roster).expect("roster"),
        templates,
        agent_ids: (0..n_agents).map(|i| format!("a{i}")).collect(),
        clock: 1_772_784_000_000, // 2026-03-06T08:00:00Z
        next_id: 0,
        holding: vec![None; n_agents],
        out: Vec::new(),
    };
    for i in 0..n_agents {
        desk.apply(EventKind::AgentLoggedIn { agent: format!("a{i}") });
    }
    // Fill every agent that can be filled, then build the backlog.
    let mut submitted = 0;
    while submitted < n_agents + backlog {
        desk.submit();
        submitted += 1;
        desk.accept_offers();
    }
    desk
}

pub fn define(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);

    let mut busy = desk(10_000, 100_000);
    let stats = busy.engine.stats();
    assert!(stats.waiting >= 90_000, "{stats:?}");
    assert!(stats.routing_groups >= 190, "{stats:?}");
    let mut cursor = 0usize;
    group.bench_function("agent_free/10k_agents/200_groups/100k_waiting", |b| {
        b.iter(|| black_box(busy.free_cycle(&mut cursor, Desk::apply)));
    });

    let mut free = desk(10_000, 0);
    // Every agent finishes, so all 10,000 are free and waiting for work.
    // Tickets that waited during the set-up are offered as agents finish:
    // those are accepted and finished too, or their offers would expire a
    // simulated day into the run and come back as extra offers.
    while free.holding.iter().any(Option::is_some) {
        for a in 0..free.holding.len() {
            if let Some(t) = free.holding[a].take() {
                free.apply(EventKind::AgentFinished { agent: free.agent(a), ticket: t });
                free.accept_offers();
            }
        }
    }
    let stats = free.engine.stats();
    assert_eq!((stats.waiting, stats.offered), (0, 0), "{stats:?}");
    group.bench_function("submit_assign/10k_agents/200_groups", |b| {
        b.iter(|| black_box(free.assign_cycle(Desk::apply)));
    });

    // The same cycles, timing only the event that makes the routing
    // decision: the ticket's arrival with agents free, the agent's finishing
    // with tickets waiting. The host's other events (accepting, closing, the
    // next arrival) run between the timed spans. Each span adds the clock's
    // own cost, 16-19 ns here for an empty span.
    group.bench_function("submit_assign/10k_agents/200_groups/deciding_event_only", |b| {
        b.iter_custom(|iterations| {
            let mut timed = std::time::Duration::ZERO;
            for _ in 0..iterations {
                free.assign_cycle(|desk, arrival| timed_apply(&mut timed, desk, arrival));
            }
            timed
        });
    });
    group.bench_function("agent_free/10k_agents/200_groups/100k_waiting/deciding_event_only", |b| {
        b.iter_custom(|iterations| {
            let mut timed = std::time::Duration::ZERO;
            for _ in 0..iterations {
                busy.free_cycle(&mut cursor, |desk, finished| timed_apply(&mut timed, desk, finished));
            }
            timed
        });
    });
    group.finish();
}
