//! The event loop of one replication: simulated arrivals, handling and
//! patience in due order (two heaps, one of arrivals), the real engine
//! deciding who takes what.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use super::TicketRecord;
use super::dist::Rand;
use super::metrics::{Slot, Tally};
use super::scenario::{ArrivalPlan, Plan};
use crate::Engine;
use crate::engine::{Known, TicketHandle};
use crate::error::Error;
use crate::event::{Decision, Event, EventKind};
use crate::prefetch::{self, prefetch};
use crate::ticket::Channel;
use crate::time::{from_ms, to_ms};

/// The most tickets a replication holds open at once (about 800 bytes
/// each): past it the desk is hopelessly behind, and the run stops with an
/// error rather than fill the memory. Per replication, and replications run
/// in parallel (one per core); a WebAssembly page has 4 GB in all.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) const MAX_OUTSTANDING: u64 = 5_000_000;
#[cfg(target_arch = "wasm32")]
pub(crate) const MAX_OUTSTANDING: u64 = 1_000_000;

/// Length of a series interval, in ms.
pub(crate) const SLOT_MS: i64 = 900_000;
/// Most intervals recorded (a year of 15 minutes); later ones are not.
pub(crate) const MAX_SLOTS: usize = 35_136;

/// What a replication measured.
#[derive(Clone, Debug, Default)]
pub(crate) struct Outcome {
    pub overall: Tally,
    pub by_priority: Vec<Tally>,
    pub by_stream: Vec<Tally>,
    pub by_tier: Vec<Tally>,
    pub by_team: Vec<Tally>,
    pub slots: Vec<Slot>,
    pub end_ms: i64,
    pub events: u64,
    pub peak_waiting: u64,
    /// Per-ticket records, when asked for.
    pub records: Vec<TicketRecord>,
}

/// What a recording run keeps of a ticket in flight beyond [`Live`].
#[derive(Clone, Debug, Default)]
struct Trace {
    number: u64,
    answered_at: Option<i64>,
    tiers: Vec<u32>,
    /// Each answer: the agent, the tier it was in, and its wait in the tier.
    answers: Vec<(u32, u32, i64)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Arrival { stream: u32 },
    Finish { slot: u32, generation: u32, agent: u32 },
    Abandon { slot: u32, generation: u32 },
}

/// Something due: its kind, at its instant and sequence number, kept as one
/// number that orders by both (see [`Item::new`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Item {
    order: u128,
    kind: Kind,
}

impl Item {
    /// An item due at `at` (ms), the `seq`-th scheduled: ordered by `at`,
    /// then `seq`. Both go into one unsigned number (`at` with its sign bit
    /// flipped, so it orders as unsigned, above `seq`), and the heap's
    /// comparisons are single comparisons a processor does without a branch.
    fn new(at: i64, seq: u64, kind: Kind) -> Item {
        #[allow(clippy::cast_sign_loss)]
        let at = (at as u64) ^ (1 << 63);
        Item { order: (u128::from(at) << 64) | u128::from(seq), kind }
    }

    /// The instant it is due, in ms.
    fn at(&self) -> i64 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        let at = ((self.order >> 64) as u64 ^ (1 << 63)) as i64;
        at
    }
}

/// What is due to happen, soonest first: a min-heap with four children per
/// node. A busy desk of thousands of agents keeps thousands of finishes
/// pending; four children side by side halve the depth of a binary heap, and
/// so the cache misses of taking out the soonest.
#[derive(Default)]
struct FutureEvents {
    items: Vec<Item>,
}

impl FutureEvents {
    fn push(&mut self, item: Item) {
        let mut i = self.items.len();
        self.items.push(item);
        while i > 0 {
            let parent = (i - 1) / 4;
            if self.items[parent].order <= item.order {
                break;
            }
            self.items[i] = self.items[parent];
            i = parent;
        }
        self.items[i] = item;
    }

    fn peek(&self) -> Option<&Item> {
        self.items.first()
    }

    /// The item due after the soonest: the soonest of the root's children.
    fn peek_second(&self) -> Option<&Item> {
        self.items.get(1..self.items.len().min(5))?.iter().min_by_key(|item| item.order)
    }

    fn pop(&mut self) -> Option<Item> {
        let last = self.items.pop()?;
        let Some(&soonest) = self.items.first() else { return Some(last) };
        // `last` sinks from the root to where it belongs.
        let n = self.items.len();
        let mut i = 0;
        loop {
            let first = 4 * i + 1;
            if first >= n {
                break;
            }
            let mut child = first;
            let mut order = self.items[first].order;
            for c in first + 1..(first + 4).min(n) {
                let o = self.items[c].order;
                // A select, not a branch: which child is soonest is a coin
                // toss the processor would guess wrong half the time.
                let sooner = o < order;
                child = if sooner { c } else { child };
                order = if sooner { o } else { order };
            }
            if last.order <= order {
                break;
            }
            self.items[i] = self.items[child];
            i = child;
        }
        self.items[i] = last;
        Some(soonest)
    }
}

/// What an agent holds: items in hand, and since when it has held at least
/// one. An agent is busy while it holds any item, however many chats at once,
/// so occupancy never passes 100% (as in the replay). Its team is kept here
/// too, beside what is counted for the team, in one cache line.
#[derive(Clone, Copy, Debug)]
struct Hand {
    held: u32,
    team: u32,
    since: i64,
}

/// A ticket in flight.
#[derive(Clone, Copy, Debug, Default)]
struct Live {
    generation: u32,
    stream: u32,
    /// Index into the plan's priority classes.
    priority: u32,
    /// Its channel (set on arrival).
    channel: Option<Channel>,
    /// The first agent's handling time, if its arrival was recorded with one.
    recorded_handle_ms: Option<i64>,
    /// Its handle in the engine, known once the engine has created it.
    engine_handle: Option<TicketHandle>,
    tier: u32,
    arrived: i64,
    tier_since: i64,
    slot: u32,
    answered: bool,
    waiting: bool,
    breached: bool,
    in_use: bool,
}

struct Sim<'a> {
    plan: &'a Plan,
    engine: Engine,
    /// What is due to happen but arrivals: finishes and abandonments, one
    /// per ticket in hand or waiting with patience.
    finishes_due: FutureEvents,
    /// The next arrival of each stream, kept apart: a few entries instead of
    /// every other entry of `finishes_due`, taken out and put back once per
    /// ticket.
    /// Both order by (instant, sequence number), so the events come in the
    /// same order as from one heap.
    arrivals_due: FutureEvents,
    seq: u64,
    wake: Option<i64>,
    live: Vec<Live>,
    free: Vec<u32>,
    arrival_rng: Vec<Rand>,
    /// Per Poisson stream, the exact instant (ms, fractional) of its last
    /// arrival: each gap is drawn from there, and only the event's instant
    /// is rounded up to the millisecond (drawing from the rounded instant
    /// made every gap half a millisecond long on average too long).
    arrival_clock: Vec<f64>,
    /// Per stream of recorded arrivals, the row that arrives next.
    next_row: Vec<usize>,
    /// Per agent: its team and what it holds.
    in_hand: Vec<Hand>,
    work_rng: Vec<Rand>,
    route_rng: Rand,
    /// The decisions of the event being applied (kept for its memory).
    out: Vec<Decision>,
    /// Offers to take: the engine's ticket handle and agent place.
    accepts: Vec<(TicketHandle, u32)>,
    /// Per ticket slot of the engine, the slot in `live` of the ticket it holds.
    by_engine_slot: Vec<u32>,
    /// The slot in `live` of the ticket being created.
    creating: usize,
    arrivals: u64,
    arrivals_done: bool,
    active_streams: usize,
    last_arrival: i64,
    outstanding: u64,
    waiting: u64,
    now: i64,
    next_slot: usize,
    o: Outcome,
    replication: u32,
    /// Per-slot traces, when recording tickets.
    traces: Option<Vec<Trace>>,
    /// Whether to prefetch what the next events name (large desks only).
    prefetching: bool,
}

/// From this many agents on, the simulation prefetches what its next events
/// name. The tickets in flight grow with the desk (about one per busy agent),
/// and with them what the events touch: some 600 bytes a ticket, past a
/// core's own cache (1 MB here) from about 2,000 agents. Measured on M/M/c
/// at 96% occupancy, 1,000,000 tickets: the hints cost 5% at 50 agents and
/// 4% at 500, break even at 2,000, and save 10% at 5,000.
const PREFETCH_FROM_AGENTS: usize = 2_000;

/// Runs replication `replication` of `plan`.
/// With `record`, a [`TicketRecord`] is kept for every ticket.
/// Stops early, with `Ok(None)`, once `cancel` is set (checked every 1,024
/// steps of the loop).
pub(crate) fn run(plan: &Plan, replication: u64, record: bool, cancel: &AtomicBool) -> Result<Option<Outcome>, Error> {
    let prefetching = prefetch::AVAILABLE && plan.roster.len() >= PREFETCH_FROM_AGENTS;
    run_prefetching(plan, replication, record, cancel, prefetching)
}

/// [`run`], prefetching what the next events name if `prefetching` is set
/// (which never changes the outcome).
pub(crate) fn run_prefetching(
    plan: &Plan,
    replication: u64,
    record: bool,
    cancel: &AtomicBool,
    prefetching: bool,
) -> Result<Option<Outcome>, Error> {
    let mut engine = Engine::with_roster(plan.policy.clone(), Arc::clone(&plan.roster))?;
    engine.take_offers_at_once();
    engine.name_tickets_by_handle();
    let n_streams = plan.streams.len() as u64;
    let mut sim = Sim {
        plan,
        engine,
        finishes_due: FutureEvents::default(),
        arrivals_due: FutureEvents::default(),
        seq: 0,
        wake: None,
        live: Vec::new(),
        free: Vec::new(),
        arrival_rng: (0..n_streams).map(|s| Rand::derive(plan.seed, replication, 2 * s)).collect(),
        #[allow(clippy::cast_precision_loss)]
        arrival_clock: vec![plan.start_ms as f64; plan.streams.len()],
        next_row: vec![0; plan.streams.len()],
        in_hand: plan
            .agent_team
            .iter()
            .map(|&team| Hand { held: 0, team: u32::try_from(team).unwrap_or(0), since: 0 })
            .collect(),
        work_rng: (0..n_streams).map(|s| Rand::derive(plan.seed, replication, 2 * s + 1)).collect(),
        route_rng: Rand::derive(plan.seed, replication, u64::MAX),
        out: Vec::with_capacity(16),
        accepts: Vec::with_capacity(4),
        by_engine_slot: Vec::new(),
        creating: 0,
        arrivals: 0,
        arrivals_done: false,
        active_streams: plan.streams.len(),
        last_arrival: plan.start_ms,
        outstanding: 0,
        waiting: 0,
        now: plan.start_ms,
        next_slot: 0,
        o: Outcome {
            by_priority: vec![Tally::default(); plan.priorities.len()],
            by_stream: vec![Tally::default(); plan.streams.len()],
            by_tier: vec![Tally::default(); plan.tiers.len()],
            by_team: vec![Tally::default(); plan.teams.len()],
            ..Outcome::default()
        },
        replication: u32::try_from(replication).unwrap_or(u32::MAX),
        traces: record.then(Vec::new),
        prefetching,
    };
    if !sim.go(cancel)? {
        return Ok(None);
    }
    Ok(Some(sim.o))
}

impl Sim<'_> {
    fn push(&mut self, at: i64, kind: Kind) {
        self.seq += 1;
        let item = Item::new(at, self.seq, kind);
        match kind {
            Kind::Arrival { .. } => self.arrivals_due.push(item),
            _ => self.finishes_due.push(item),
        }
    }

    fn apply(&mut self, at: i64, kind: EventKind) -> Result<(), Error> {
        self.apply_known(at, kind, Known::default())
    }

    /// [`Sim::apply`] of an event whose ticket or agent the engine's
    /// offers told by place (`known`), so the engine need not look them up.
    fn apply_known(&mut self, at: i64, kind: EventKind, known: Known) -> Result<(), Error> {
        self.drive(at, |engine, out| engine.apply_known(Event::new(from_ms(at), kind), known, out))
    }

    /// Closes in the engine the ticket it created as `handle` (`None`: one
    /// it never created, which the engine refuses as unknown).
    fn close_in_engine(&mut self, at: i64, handle: Option<TicketHandle>) -> Result<(), Error> {
        match handle {
            Some(handle) => self.drive(at, |engine, out| engine.close_known(from_ms(at), handle, out)),
            None => self.apply(at, EventKind::TicketClosed { ticket: String::new() }),
        }
    }

    /// Has the engine handle an event at `at` (`step`, which hands out its
    /// decisions), then takes what it did: the ticket it created, the offers
    /// it made (taken at once), and its decisions.
    fn drive(
        &mut self,
        at: i64,
        step: impl FnOnce(&mut Engine, &mut Vec<Decision>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.o.events += 1;
        self.out.clear();
        let mut out = std::mem::take(&mut self.out);
        let result = step(&mut self.engine, &mut out);
        if let Some(handle) = self.engine.take_created() {
            let e = handle.slot as usize;
            if self.by_engine_slot.len() <= e {
                self.by_engine_slot.resize(e + 1, u32::MAX);
            }
            self.by_engine_slot[e] = u32::try_from(self.creating).unwrap_or(u32::MAX);
            self.live[self.creating].engine_handle = Some(handle);
        }
        // The engine takes offers at once and tells them only by place
        // (`Engine::take_offers_at_once`): there are no offer decisions.
        self.engine.take_offers_made(&mut self.accepts);
        self.wake = None;
        if !out.is_empty() {
            for d in out.drain(..) {
                self.decision(d);
            }
        }
        self.out = out;
        result?;
        // Taken in the order the simulation has always accepted them in
        // (last first), which decides the order of handling-time draws.
        while let Some((handle, agent)) = self.accepts.pop() {
            self.accept(at, handle, agent)?;
        }
        Ok(())
    }

    /// The slot of a ticket id made by [`push_ticket_id`].
    fn slot_of(ticket: &str) -> Option<usize> {
        ticket.split_once('.').and_then(|(s, _)| usize::from_str_radix(s, 16).ok())
    }

    fn decision(&mut self, d: Decision) {
        match d {
            Decision::WakeAt { at } => self.wake = Some(to_ms(at)),
            Decision::SlaAlert { ticket, fraction, .. } if fraction >= 1.0 => {
                if let Some(s) = Self::slot_of(&ticket)
                    && let Some(t) = self.live.get_mut(s)
                    && !t.breached
                {
                    t.breached = true;
                    let (stream, tier) = (t.stream as usize, t.tier as usize);
                    self.o.overall.breached += 1;
                    self.o.by_stream[stream].breached += 1;
                    self.o.by_priority[t.priority as usize].breached += 1;
                    self.o.by_tier[tier].breached += 1;
                }
            }
            Decision::Escalated { ticket, to_tier, reason, .. } if reason != "requested" => {
                // An automatic escalation by the policy: follow it.
                if let Some(s) = Self::slot_of(&ticket)
                    && let Some(k) = self.plan.tiers.iter().position(|t| t.name == to_tier)
                {
                    let now = self.now;
                    let t = &mut self.live[s];
                    t.tier = u32::try_from(k).unwrap_or(0);
                    t.tier_since = now;
                    self.o.by_tier[k].arrived += 1;
                    if let Some(tr) = self.traces.as_mut().and_then(|v| v.get_mut(s)) {
                        tr.tiers.push(u32::try_from(k).unwrap_or(0));
                    }
                }
            }
            Decision::Requeued { ticket, .. } => {
                // Work taken back (not expected: agents never log out).
                if let Some(s) = Self::slot_of(&ticket)
                    && let Some(t) = self.live.get_mut(s)
                    && !t.waiting
                {
                    t.waiting = true;
                    t.generation = t.generation.wrapping_add(1);
                    t.tier_since = self.now;
                    self.waiting += 1;
                }
            }
            _ => {}
        }
    }

    /// Agent `a` takes the ticket the engine assigned it by `handle`.
    fn accept(&mut self, at: i64, handle: TicketHandle, a: u32) -> Result<(), Error> {
        // The engine hands out only offers still on offer when an event's
        // handling ends (one made by a timer due at the instant its caller
        // abandoned, before the abandonment closed the ticket, is dropped);
        // this is a guard.
        let Some(s) = self.by_engine_slot.get(handle.slot as usize).map(|&s| s as usize) else { return Ok(()) };
        if !self.live.get(s).is_some_and(|t| t.in_use && t.engine_handle == Some(handle)) {
            return Ok(());
        }
        let team = self.in_hand[a as usize].team as usize;
        let within = self.plan.within_ms;
        let t = &mut self.live[s];
        let first = !t.answered;
        let tier_wait = at - t.tier_since;
        let (stream, tier) = (t.stream as usize, t.tier as usize);
        if t.waiting {
            t.waiting = false;
            self.waiting -= 1;
        }
        if first {
            t.answered = true;
            let wait = at - t.arrived;
            self.o.overall.answer(wait, within);
            self.o.by_stream[stream].answer(wait, within);
            self.o.by_priority[t.priority as usize].answer(wait, within);
            if wait <= within
                && let Some(slot) = self.o.slots.get_mut(t.slot as usize)
            {
                slot.within += 1;
            }
        }
        self.o.by_tier[tier].answer(tier_wait, within);
        let team_tally = &mut self.o.by_team[team];
        team_tally.arrived += 1;
        team_tally.answer(tier_wait, within);
        let generation = t.generation;
        if let Some(tr) = self.traces.as_mut().and_then(|v| v.get_mut(s)) {
            if first {
                tr.answered_at = Some(at);
            }
            tr.answers.push((a, u32::try_from(tier).unwrap_or(0), tier_wait));
        }
        let recorded = if first { t.recorded_handle_ms } else { None };
        let work = match &self.plan.tiers[tier].handle {
            Some(d) => d,
            None => &self.plan.streams[stream].handle,
        };
        let ms = match recorded {
            Some(ms) => ms,
            None => work.sample(&mut self.work_rng[stream]),
        };
        let hand = &mut self.in_hand[a as usize];
        if hand.held == 0 {
            hand.since = at;
        }
        hand.held += 1;
        self.push(at + ms, Kind::Finish { slot: u32::try_from(s).unwrap_or(0), generation, agent: a });
        if self.plan.sla && first {
            self.apply_known(
                at,
                EventKind::AgentReplied { ticket: String::new() },
                Known { ticket: Some(handle), agent: None },
            )
        } else {
            Ok(())
        }
    }

    /// Keeps the record of the ticket in slot `s` (when recording).
    fn record(&mut self, s: usize, ended: Option<i64>, outcome: &'static str) {
        let Some(traces) = self.traces.as_mut() else { return };
        let Some(tr) = traces.get_mut(s) else { return };
        let tr = std::mem::take(tr);
        let t = self.live[s];
        let plan = self.plan;
        let sp = &plan.streams[t.stream as usize];
        #[allow(clippy::cast_precision_loss)]
        let wait_s = tr.answered_at.map(|a| (a - t.arrived) as f64 / 1000.0);
        self.o.records.push(TicketRecord {
            replication: self.replication,
            ticket: tr.number,
            stream: sp.name.clone(),
            channel: t.channel.unwrap_or(sp.template.channel).name(),
            priority: plan.priorities.get(t.priority as usize).cloned().unwrap_or_default(),
            arrived_at: from_ms(t.arrived),
            answered_at: tr.answered_at.map(from_ms),
            wait_s,
            within_target: tr.answered_at.is_some_and(|a| a - t.arrived <= plan.within_ms),
            ended_at: ended.map(from_ms),
            outcome,
            tiers: tr.tiers.iter().map(|&k| plan.tiers[k as usize].name.clone()).collect(),
            agents: tr.answers.iter().map(|&(a, _, _)| plan.roster[a as usize].id.clone()).collect(),
            teams: tr.answers.iter().map(|&(a, _, _)| plan.teams[plan.agent_team[a as usize]].name.clone()).collect(),
            agent_tiers: tr.answers.iter().map(|&(_, k, _)| plan.tiers[k as usize].name.clone()).collect(),
            #[allow(clippy::cast_precision_loss)]
            agent_waits_s: tr.answers.iter().map(|&(_, _, w)| w as f64 / 1000.0).collect(),
            sla_breached: t.breached,
        });
    }

    fn close(&mut self, s: usize) {
        let t = &mut self.live[s];
        t.in_use = false;
        t.generation = t.generation.wrapping_add(1);
        self.free.push(u32::try_from(s).unwrap_or(0));
        self.outstanding -= 1;
    }

    /// Schedules a stream's next arrival, or ends arrivals.
    fn schedule_arrival(&mut self, stream: usize) {
        let rate = match &self.plan.streams[stream].arrivals {
            ArrivalPlan::Poisson(rate) => rate,
            ArrivalPlan::Recorded(rows) => {
                // Rows are in time order and within the run's window.
                match rows.get(self.next_row[stream]) {
                    Some(row) => self.push(row.at_ms, Kind::Arrival { stream: u32::try_from(stream).unwrap_or(0) }),
                    None => self.active_streams -= 1,
                }
                return;
            }
        };
        let mut budget = self.arrival_rng[stream].exp1();
        let mut t = self.arrival_clock[stream];
        // Walk the pieces of constant rate (bounded: a few years of 15 minutes).
        for _ in 0..200_000 {
            #[allow(clippy::cast_possible_truncation)]
            let (r, end) = rate.piece(t.floor() as i64);
            #[allow(clippy::cast_precision_loss)]
            let span = end as f64 - t;
            if r > 0.0 && r * span >= budget {
                let exact = t + budget / r;
                self.arrival_clock[stream] = exact;
                #[allow(clippy::cast_possible_truncation)]
                let at = exact.ceil() as i64;
                if self.plan.stop_ms.is_none_or(|stop| at < stop) {
                    self.push(at, Kind::Arrival { stream: u32::try_from(stream).unwrap_or(0) });
                } else {
                    self.active_streams -= 1;
                }
                return;
            }
            budget -= r * span;
            #[allow(clippy::cast_precision_loss)]
            {
                t = end as f64;
            }
            if self.plan.stop_ms.is_some_and(|stop| t >= stop as f64) {
                break;
            }
        }
        self.active_streams -= 1;
    }

    fn arrive(&mut self, at: i64, stream: usize) -> Result<(), Error> {
        if self.arrivals_done {
            return Ok(());
        }
        self.arrivals += 1;
        self.last_arrival = at;
        let plan = self.plan;
        let sp = &plan.streams[stream];
        // The recorded row arriving now, if the stream replays a record.
        let row = match &sp.arrivals {
            ArrivalPlan::Recorded(rows) => {
                let row = rows.get(self.next_row[stream]);
                self.next_row[stream] += 1;
                row
            }
            ArrivalPlan::Poisson(_) => None,
        };
        if self.plan.max_arrivals.is_some_and(|m| self.arrivals >= m) {
            self.arrivals_done = true;
        } else {
            self.schedule_arrival(stream);
        }
        let template = row.and_then(|r| r.ticket.as_deref()).unwrap_or(&sp.template);
        let priority = row.map_or(sp.priority, |r| r.priority);
        let s = match self.free.pop() {
            Some(s) => s as usize,
            None => {
                self.live.push(Live::default());
                self.live.len() - 1
            }
        };
        let slot_index = usize::try_from((at - plan.start_ms) / SLOT_MS).unwrap_or(usize::MAX);
        if let Some(slot) = self.o.slots.get_mut(slot_index) {
            slot.arrivals += 1;
        }
        if let Some(traces) = self.traces.as_mut() {
            if traces.len() <= s {
                traces.resize_with(s + 1, Trace::default);
            }
            traces[s] = Trace {
                number: self.arrivals,
                answered_at: None,
                tiers: vec![u32::try_from(sp.tier).unwrap_or(0)],
                answers: Vec::new(),
            };
        }
        let generation = self.live[s].generation;
        self.live[s] = Live {
            generation,
            stream: u32::try_from(stream).unwrap_or(0),
            priority: u32::try_from(priority).unwrap_or(0),
            channel: Some(template.channel),
            recorded_handle_ms: row.and_then(|r| r.handle_ms),
            engine_handle: None,
            tier: u32::try_from(sp.tier).unwrap_or(0),
            arrived: at,
            tier_since: at,
            slot: u32::try_from(slot_index).unwrap_or(u32::MAX),
            answered: false,
            waiting: true,
            breached: false,
            in_use: true,
        };
        self.outstanding += 1;
        if self.outstanding > self.plan.max_outstanding {
            return Err(Error::new(
                crate::error::ErrorKind::TooLarge,
                "streams",
                format!(
                    "over {} tickets open at once by {}: the desk falls ever further behind (more work \
                     arrives than its agents can take), and the run was stopped before it filled the memory; \
                     add agents or lower the rates",
                    self.plan.max_outstanding,
                    from_ms(at)
                ),
            ));
        }
        self.waiting += 1;
        self.o.peak_waiting = self.o.peak_waiting.max(self.waiting);
        self.o.overall.arrived += 1;
        self.o.by_stream[stream].arrived += 1;
        self.o.by_priority[priority].arrived += 1;
        self.o.by_tier[sp.tier].arrived += 1;
        let rng = &mut self.work_rng[stream];
        let confidential = sp.confidential > 0.0 && rng.uniform() < sp.confidential;
        if let Some(p) = &sp.patience {
            let ms = p.sample(rng);
            self.push(at + ms, Kind::Abandon { slot: u32::try_from(s).unwrap_or(0), generation });
        }
        let mut ticket = self.engine.ticket_box(template);
        push_ticket_id(&mut ticket.id, u32::try_from(s).unwrap_or(u32::MAX), self.live[s].generation);
        ticket.created_at = from_ms(at);
        ticket.confidential = confidential;
        let tier = (sp.tier > 0).then(|| plan.tiers[sp.tier].name.as_str());
        self.creating = s;
        self.drive(at, |engine, out| engine.create_known(from_ms(at), ticket, tier, out))
    }

    fn finish(&mut self, at: i64, s: usize, generation: u32, agent: u32) -> Result<(), Error> {
        // Each finish ends the item its accept started, whatever became of
        // the ticket meanwhile.
        self.put_down(agent as usize, at);
        let t = self.live[s];
        if !t.in_use || t.generation != generation || t.waiting {
            return Ok(());
        }
        let tier = t.tier as usize;
        let resolve = self.plan.tiers[tier].resolve;
        let resolved = resolve >= 1.0 || tier + 1 >= self.plan.tiers.len() || self.route_rng.uniform() < resolve;
        if resolved {
            self.record(s, Some(at), "resolved");
            self.close(s);
            self.close_in_engine(at, t.engine_handle)
        } else {
            let _ = agent;
            let next = tier + 1;
            let live = &mut self.live[s];
            live.tier = u32::try_from(next).unwrap_or(0);
            live.tier_since = at;
            live.waiting = true;
            self.waiting += 1;
            self.o.peak_waiting = self.o.peak_waiting.max(self.waiting);
            self.o.by_tier[next].arrived += 1;
            if let Some(tr) = self.traces.as_mut().and_then(|v| v.get_mut(s)) {
                tr.tiers.push(u32::try_from(next).unwrap_or(0));
            }
            let to_tier = Some(self.plan.tiers[next].name.clone());
            let known = Known { ticket: t.engine_handle, agent: None };
            self.apply_known(at, EventKind::EscalateRequested { ticket: String::new(), to_tier }, known)
        }
    }

    fn abandon(&mut self, at: i64, s: usize, generation: u32) -> Result<(), Error> {
        let t = self.live[s];
        if !t.in_use || t.generation != generation || t.answered {
            return Ok(());
        }
        let stream = t.stream as usize;
        self.waiting -= 1;
        self.o.overall.abandoned += 1;
        self.o.by_stream[stream].abandoned += 1;
        self.o.by_priority[t.priority as usize].abandoned += 1;
        self.o.by_tier[t.tier as usize].abandoned += 1;
        self.record(s, Some(at), "abandoned");
        self.close(s);
        self.close_in_engine(at, t.engine_handle)
    }

    /// Records interval snapshots up to `t`.
    fn advance(&mut self, t: i64) {
        while self.next_slot < MAX_SLOTS {
            let boundary = self.plan.start_ms + i64::try_from(self.next_slot).unwrap_or(i64::MAX) * SLOT_MS;
            if boundary > t {
                break;
            }
            self.o.slots.push(Slot { waiting: self.waiting, ..Slot::default() });
            self.next_slot += 1;
        }
        self.now = t;
    }

    /// Runs to the end (`true`), or until `cancel` is set (`false`).
    fn go(&mut self, cancel: &AtomicBool) -> Result<bool, Error> {
        let mut steps: u32 = 0;
        let start = self.plan.start_ms;
        self.advance(start);
        for a in 0..self.plan.roster.len() {
            let agent = self.plan.roster[a].id.clone();
            let known = Known { ticket: None, agent: u32::try_from(a).ok() };
            self.apply_known(start, EventKind::AgentLoggedIn { agent }, known)?;
        }
        for s in 0..self.plan.streams.len() {
            self.schedule_arrival(s);
        }
        loop {
            steps = steps.wrapping_add(1);
            if steps.is_multiple_of(1024) && cancel.load(AtomicOrdering::Relaxed) {
                return Ok(false);
            }
            let next = self.peek().map(Item::at);
            if self.active_streams == 0 {
                self.arrivals_done = true;
            }
            if self.arrivals_done && self.outstanding == 0 {
                break;
            }
            let t = match (next, self.wake) {
                (None, None) => break,
                (Some(n), Some(w)) => n.min(w),
                (Some(n), None) => n,
                (None, Some(w)) => w,
            };
            if self.arrivals_done
                && t > self.last_arrival.max(self.plan.stop_ms.unwrap_or(i64::MIN)) + self.plan.drain_ms
            {
                break;
            }
            self.advance(t);
            if next != Some(t) {
                self.apply(t, EventKind::Tick {})?;
                continue;
            }
            let Some(item) = self.pop() else { break };
            if self.prefetching {
                self.prefetch_upcoming();
            }
            match item.kind {
                Kind::Arrival { stream } => self.arrive(item.at(), stream as usize)?,
                Kind::Finish { slot, generation, agent } => self.finish(item.at(), slot as usize, generation, agent)?,
                Kind::Abandon { slot, generation } => self.abandon(item.at(), slot as usize, generation)?,
            }
            if self.prefetching {
                self.prefetch_next_box();
            }
        }
        self.o.end_ms = self.now.max(self.last_arrival);
        if self.traces.is_some() {
            for s in 0..self.live.len() {
                if self.live[s].in_use {
                    self.record(s, None, "open");
                }
            }
            self.o.records.sort_by_key(|r| r.ticket);
        }
        self.duty();
        Ok(true)
    }

    /// The event due next: the sooner of the next arrival and the next
    /// finish or abandonment (by instant, then sequence number: the order
    /// one heap of both would give).
    fn peek(&self) -> Option<&Item> {
        match (self.arrivals_due.peek(), self.finishes_due.peek()) {
            (Some(arrival), Some(other)) => Some(if arrival.order <= other.order { arrival } else { other }),
            (arrival, other) => arrival.or(other),
        }
    }

    fn pop(&mut self) -> Option<Item> {
        let arrival_first = match (self.arrivals_due.peek(), self.finishes_due.peek()) {
            (Some(arrival), Some(other)) => arrival.order < other.order,
            (arrival, _) => arrival.is_some(),
        };
        if arrival_first { self.arrivals_due.pop() } else { self.finishes_due.pop() }
    }

    /// On a large desk the tickets and agents the next finishes name are cold
    /// (thousands of others were touched since). Start loading them while
    /// this event is handled, each a step after what it is found through:
    /// for the finish after next (the soonest of the root's children in
    /// `finishes_due`) the simulation's own records of the ticket and agent;
    /// for the next one the engine's slots of both (found through those
    /// records, by then in cache); and once this event is handled, the
    /// next one's ticket box ([`Sim::prefetch_next_box`]), found through its
    /// slot.
    fn prefetch_upcoming(&self) {
        if let Some(&Item { kind: Kind::Finish { slot, agent, .. }, .. }) = self.finishes_due.peek() {
            if let Some(h) = self.live.get(slot as usize).and_then(|live| live.engine_handle) {
                self.engine.prefetch_ticket_slot(h.slot);
            }
            self.engine.prefetch_agent(agent);
        }
        if let Some(&Item { kind: Kind::Finish { slot, agent, .. }, .. }) = self.finishes_due.peek_second() {
            if let Some(live) = self.live.get(slot as usize) {
                // Fields at most 64 bytes apart, first to last: every line
                // of the record (`tests::prefetches_cover_every_line`).
                prefetch(&live.recorded_handle_ms);
                prefetch(&live.arrived);
                prefetch(&live.channel);
            }
            if let Some(hand) = self.in_hand.get(agent as usize) {
                prefetch(hand);
            }
        }
    }

    /// The last step of [`Sim::prefetch_upcoming`]: the box of the ticket
    /// the next finish names.
    fn prefetch_next_box(&self) {
        if let Some(&Item { kind: Kind::Finish { slot, .. }, .. }) = self.finishes_due.peek()
            && let Some(h) = self.live.get(slot as usize).and_then(|live| live.engine_handle)
        {
            self.engine.prefetch_ticket_box(h);
        }
    }

    /// Agent `a` puts an item down at `at`; its busy stretch ends with its last.
    fn put_down(&mut self, a: usize, at: i64) {
        let hand = &mut self.in_hand[a];
        if hand.held == 0 {
            return;
        }
        hand.held -= 1;
        if hand.held == 0 {
            #[allow(clippy::cast_precision_loss)]
            {
                self.o.by_team[hand.team as usize].busy_ms += (at - hand.since) as f64;
            }
        }
    }

    /// On-duty agent time per team over the run, for occupancy; busy
    /// stretches still open at the end close there.
    fn duty(&mut self) {
        let (a, b) = (self.plan.start_ms, self.o.end_ms.max(self.plan.start_ms + 1));
        for &Hand { held, team, since } in &self.in_hand {
            if held > 0 {
                #[allow(clippy::cast_precision_loss)]
                {
                    self.o.by_team[team as usize].busy_ms += (b.max(since) - since) as f64;
                }
            }
        }
        for (i, team) in self.plan.teams.iter().enumerate() {
            let span = match &team.calendar {
                None => b - a,
                Some(c) => c.between(from_ms(a), from_ms(b)).map_or(b - a, crate::time::duration_ms),
            };
            #[allow(clippy::cast_precision_loss)]
            {
                self.o.by_team[i].duty_ms = span as f64 * f64::from(team.agents);
            }
        }
    }
}

/// Appends `slot.generation` to `id` (the empty id of a box from
/// `Engine::ticket_box`), each as eight hexadecimal digits: a simulated
/// ticket's id, made when it arrives (later events name it by handle:
/// `Engine::name_tickets_by_handle`). Of fixed width, it is written in one
/// piece: decimal digits through `write!` took a twentieth of a simulation,
/// and through `itoa` (two copies of a few bytes, each a call of the
/// system's memory copy) a fiftieth.
fn push_ticket_id(id: &mut String, slot: u32, generation: u32) {
    let mut text = [b'.'; 17];
    text[..8].copy_from_slice(&hex_digits(slot));
    text[9..].copy_from_slice(&hex_digits(generation));
    id.push_str(std::str::from_utf8(&text).unwrap_or_default());
}

/// The eight lowercase hexadecimal digits of `n`, most significant first,
/// computed for all eight at once in one 64-bit word (a table lookup per
/// digit took three times the instructions).
fn hex_digits(n: u32) -> [u8; 8] {
    // Spread the nibbles apart, one per byte: byte `i` (from the least
    // significant) gets nibble `i`.
    let mut x = u64::from(n);
    x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF;
    x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    // 1 in each byte whose nibble is 10 or more (a letter), else 0.
    let letters = ((x + 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101;
    // '0' + nibble, and 'a' - '0' - 10 more for a letter; no byte carries.
    x += 0x3030_3030_3030_3030 + letters * (u64::from(b'a') - u64::from(b'0') - 10);
    x.to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::Live;
    use crate::error::ErrorKind;
    use crate::sim::scenario::{Plan, Scenario};
    use std::sync::atomic::AtomicBool;

    /// Ticket ids name their slot and generation in fixed-width hexadecimal,
    /// and give their slot back.
    #[test]
    fn ticket_ids_give_their_slot_back() {
        for (slot, generation) in [
            (0, 0),
            (9, 1),
            (10, 15),
            (4_999_999, 7),
            (0x0123_4567, 0x89ab_cdef),
            (0xfedc_ba98, 0x7654_3210),
            (u32::MAX, u32::MAX),
        ] {
            let mut id = String::new();
            super::push_ticket_id(&mut id, slot, generation);
            assert_eq!(id, format!("{slot:08x}.{generation:08x}"));
            assert_eq!(super::Sim::slot_of(&id), Some(slot as usize));
        }
    }

    proptest::proptest! {
        /// The digits computed a word at a time are those `format!` writes.
        #[test]
        fn prop_hex_digits_are_formats(n: u32) {
            proptest::prop_assert_eq!(super::hex_digits(n).to_vec(), format!("{n:08x}").into_bytes());
        }
    }

    /// A desk ever further behind stops with an error naming when, before
    /// it fills the memory (here at 1,000 open tickets instead of millions).
    #[test]
    fn a_desk_ever_further_behind_stops_with_an_error() {
        let scenario = Scenario::from_toml_str(
            "[run]\nstart = \"2026-03-02T00:00:00Z\"\narrivals = 5000\n[[streams]]\nname = \"s\"\nchannel = \"phone\"\nper_hour = 600\nhandle = { dist = \"fixed\", value = \"1h\" }\n[[teams]]\nname = \"t\"\nagents = 1\ntier = \"L1\"\n",
        )
        .unwrap();
        let policy = crate::Policy::default().compile().unwrap();
        let mut plan = Plan::new(&scenario, &policy).unwrap();
        plan.max_outstanding = 1_000;
        let err = super::run(&plan, 0, false, &AtomicBool::new(false)).unwrap_err();
        assert_eq!((err.kind(), err.path()), (ErrorKind::TooLarge, "streams"));
        assert!(err.to_string().contains("over 1000 tickets open at once by 2026-03-02T01:41"), "{err}");
        plan.max_outstanding = 5_000;
        assert!(super::run(&plan, 0, false, &AtomicBool::new(false)).unwrap().is_some());
    }
    use crate::prefetch::covers_every_line;
    use std::mem::offset_of;

    #[test]
    fn prefetches_cover_every_line() {
        // The fields `Sim::prefetch_upcoming` prefetches.
        let fields = [offset_of!(Live, recorded_handle_ms), offset_of!(Live, arrived), offset_of!(Live, channel)];
        assert!(covers_every_line::<Live>(&fields), "{fields:?} of {} bytes", size_of::<Live>());
    }
}
