//! Replays a history through policies: the host that feeds the engine the
//! recorded arrivals and availability, accepts every offer at once and ends
//! each piece of work as history (or a model) says; KPIs; the decision diff.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

use super::{HandledOutcome, History, Record, RecordedWork};
use crate::calendar::Calendar;
use crate::engine::Engine;
use crate::error::{Error, ErrorKind};
use crate::event::{Decision, Event, EventKind, OfferExplanation};
use crate::hash::FastMap;
use crate::policy::CompiledPolicy;
use crate::sla::Metric;
use crate::time::{from_ms, to_ms};

/// Where the length and the end of each piece of work come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "handling", rename_all = "snake_case")]
pub enum Handling {
    /// The ticket's k-th assignment lasts as long as its k-th recorded one
    /// and ends the same way (resolved or escalated), whoever takes it.
    /// Assignments beyond those recorded last as long as the last recorded
    /// one and resolve; work still open when the history ends lasts until
    /// its end.
    Recorded,
    /// Lengths drawn from the history's own (same channel and tier), and
    /// escalation with the tier's recorded share. Draws depend only on the
    /// seed, the ticket and the assignment's number, so every policy sees
    /// the same draws.
    Resampled {
        /// The seed of the draws.
        seed: u64,
    },
}

/// What the generator's model says about work (see `generate`).
pub(crate) struct WorkModel {
    /// Mean handling in ms by channel index, then tier factor.
    pub mean_ms: [f64; 7],
    pub tier_factor: Vec<f64>,
    /// Share resolved in each tier (the last resolves everything).
    pub resolve: Vec<f64>,
    pub seed: u64,
}

enum Work<'h> {
    Recorded(&'h RecordedWork<'h>),
    Resampled { seed: u64, pools: FastMap<(usize, u8), Vec<i64>>, resolve: Vec<f64> },
    Model(&'h WorkModel),
}

/// A uniform draw in [0, 1) that depends only on its inputs (`SplitMix64`).
pub(crate) fn unit(seed: u64, a: u64, b: u64, c: u64) -> f64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xBF58_476D_1CE4_E5B9) ^ c.rotate_left(17);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    #[allow(clippy::cast_precision_loss)]
    {
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One ticket's fate under one policy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TicketOutcome {
    /// The ticket's id.
    pub ticket: String,
    /// Its channel.
    pub channel: &'static str,
    /// Its priority class under this policy.
    pub priority: String,
    /// When it arrived.
    pub created_at: Timestamp,
    /// When an agent first took it.
    pub first_assigned_at: Option<Timestamp>,
    /// Seconds from arrival to that.
    pub wait_s: Option<f64>,
    /// The agents who took it, in order.
    pub agents: Vec<String>,
    /// The tiers it went through, in order.
    pub tiers: Vec<String>,
    /// When it was resolved.
    pub resolved_at: Option<Timestamp>,
    /// Whether the first response met its SLA target (`None`: no such clock).
    pub first_response_met: Option<bool>,
    /// Whether resolution met its SLA target (`None`: no such clock).
    pub resolution_met: Option<bool>,
    /// Why the first agent got it (from the engine's offer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Arc<OfferExplanation>>,
}

impl TicketOutcome {
    /// Whether any SLA target was missed.
    #[must_use]
    pub fn breached(&self) -> bool {
        self.first_response_met == Some(false) || self.resolution_met == Some(false)
    }
}

/// Wait percentiles, in seconds, over answered tickets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Waits {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
}

impl Waits {
    fn of(mut waits: Vec<f64>) -> Waits {
        if waits.is_empty() {
            return Waits::default();
        }
        waits.sort_unstable_by(f64::total_cmp);
        #[allow(clippy::cast_precision_loss)]
        let mean = waits.iter().sum::<f64>() / waits.len() as f64;
        // Nearest rank.
        let at = |q: f64| {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let rank = (q * waits.len() as f64).ceil() as usize;
            waits[rank.clamp(1, waits.len()) - 1]
        };
        Waits { mean, p50: at(0.5), p90: at(0.9), p99: at(0.99) }
    }
}

/// KPIs of one priority class.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PriorityKpis {
    /// The class.
    pub priority: String,
    /// Tickets in it.
    pub tickets: u64,
    /// Of which answered.
    pub answered: u64,
    /// Waits for a first agent.
    pub wait_s: Waits,
    /// Share of tickets with a first-response clock that met it.
    pub first_response_attainment: Option<f64>,
    /// Share of tickets with a resolution clock that met it.
    pub resolution_attainment: Option<f64>,
    /// Tickets that missed a target.
    pub breaches: u64,
}

/// KPIs of one tier.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierKpis {
    /// The tier.
    pub tier: String,
    /// Tickets that reached it.
    pub tickets: u64,
    /// Assignments to its agents.
    pub assignments: u64,
}

/// KPIs of one region (the time zone of agents' shifts).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RegionKpis {
    /// The zone (`"none"` for agents without a shift).
    pub region: String,
    /// Agents.
    pub agents: u64,
    /// Assignments.
    pub assignments: u64,
    /// Busy time over on-duty time, over the region's agents.
    pub occupancy: f64,
}

/// How evenly a tier's agents shared the work.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FairnessKpis {
    /// The tier.
    pub tier: String,
    /// Agents in it.
    pub agents: u64,
    /// Assignments per agent: mean, standard deviation, fewest and most.
    pub mean: f64,
    /// Standard deviation.
    pub stddev: f64,
    /// Fewest.
    pub min: u64,
    /// Most.
    pub max: u64,
}

/// One agent's month.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgentKpis {
    /// The agent.
    pub agent: String,
    /// The tier.
    pub tier: String,
    /// The region (zone of the shift).
    pub region: String,
    /// Tickets taken.
    pub assignments: u64,
    /// Hours holding at least one item.
    pub busy_h: f64,
    /// Hours logged in and on shift.
    pub duty_h: f64,
    /// `busy_h / duty_h`.
    pub occupancy: f64,
}

/// A policy's KPIs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Kpis {
    /// Tickets that arrived.
    pub tickets: u64,
    /// Answered by an agent.
    pub answered: u64,
    /// Never answered by the end of the replay.
    pub unanswered: u64,
    /// Tickets that missed a target.
    pub breaches: u64,
    /// Moves to a higher tier.
    pub escalations: u64,
    /// Waits for a first agent.
    pub wait_s: Waits,
    /// By priority class, most critical first.
    pub by_priority: Vec<PriorityKpis>,
    /// By tier.
    pub by_tier: Vec<TierKpis>,
    /// By region.
    pub by_region: Vec<RegionKpis>,
    /// By tier.
    pub fairness: Vec<FairnessKpis>,
    /// By agent, in roster order.
    pub agents: Vec<AgentKpis>,
    /// Tickets the policy could not triage (a customer tier, category or
    /// tier it does not know): never queued, so counted as unanswered and
    /// in no breach count.
    pub untriaged: u64,
    /// Why, most frequent first (at most [`MAX_UNTRIAGED_REASONS`] reasons;
    /// the rest under "other reasons").
    pub untriaged_because: Vec<UntriagedReason>,
}

/// Why some tickets could not be triaged under a policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UntriagedReason {
    /// The engine's error, e.g. `ticket.customer_tier: unknown customer tier "gold"`.
    pub reason: String,
    /// How many tickets.
    pub tickets: u64,
}

/// Most distinct reasons [`Kpis::untriaged_because`] lists.
pub const MAX_UNTRIAGED_REASONS: usize = 10;

/// One policy's replay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyRun {
    /// The policy's name (as the host gave it).
    pub policy: String,
    /// Events the engine applied.
    pub engine_events: u64,
    /// KPIs.
    pub kpis: Kpis,
    /// Every ticket, in order of arrival.
    pub tickets: Vec<TicketOutcome>,
}

/// One side of a changed decision.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffSide {
    /// The first agent.
    pub agent: Option<String>,
    /// When.
    pub assigned_at: Option<Timestamp>,
    /// Tiers it went through.
    pub tiers: Vec<String>,
    /// Its priority class.
    pub priority: String,
    /// The engine's explanation of the first offer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<Arc<OfferExplanation>>,
}

/// A ticket whose first agent, tiers or assignment time differ.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffEntry {
    /// The ticket.
    pub ticket: String,
    /// The kind of cause: `untriaged`, `priority rules`, `escalation rule`,
    /// `relaxation step`, `strategy change`, `capacity rule`, `fairness cap`,
    /// `knock-on` or `queue order`.
    pub cause: &'static str,
    /// The cause in words.
    pub detail: String,
    /// Under the first policy.
    pub base: DiffSide,
    /// Under the other.
    pub other: DiffSide,
}

/// The decision diff of one policy against the first.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diff {
    /// The first policy.
    pub base: String,
    /// The other.
    pub other: String,
    /// Tickets compared.
    pub tickets: u64,
    /// Entries by kind of cause.
    pub by_cause: BTreeMap<&'static str, u64>,
    /// Every changed ticket, in order of arrival.
    pub entries: Vec<DiffEntry>,
}

/// Everything a replay found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReplayReport {
    /// The first record's instant.
    pub start: Option<Timestamp>,
    /// The last record's instant.
    pub end: Option<Timestamp>,
    /// Tickets in the history.
    pub tickets: u64,
    /// Agents on the roster.
    pub agents: u64,
    /// How work was timed.
    pub handling: Handling,
    /// Assignments that match the recorded ones (agent and instant), per
    /// policy: 1.0 means the policy reproduces history exactly.
    pub matches_history: Vec<f64>,
    /// One run per policy, in the order given.
    pub runs: Vec<PolicyRun>,
    /// Each later policy against the first.
    pub diffs: Vec<Diff>,
}

/// Replays `history` under each of `policies` (named), in parallel, and
/// compares every later policy with the first.
///
/// # Errors
/// An empty list of policies, and rosters the engine refuses (with paths
/// under `roster[i]`).
pub fn replay(
    history: &History,
    policies: &[(String, CompiledPolicy)],
    handling: Handling,
) -> Result<ReplayReport, Error> {
    use rayon::prelude::*;
    if policies.is_empty() {
        return Err(Error::new(ErrorKind::MissingField, "policies", "at least one policy is needed"));
    }
    let recorded = history.recorded_work();
    let work = match handling {
        Handling::Recorded => Work::Recorded(&recorded),
        Handling::Resampled { seed } => resample_pools(&recorded, seed),
    };
    let runs: Vec<Result<(PolicyRun, f64), Error>> = policies
        .par_iter()
        .map(|(name, policy)| {
            let (run, _, matches) = run_one(history, name, policy, &work, false, Some(&recorded.first))?;
            Ok((run, matches))
        })
        .collect();
    let (runs, matches_history): (Vec<PolicyRun>, Vec<f64>) =
        runs.into_iter().collect::<Result<Vec<_>, _>>()?.into_iter().unzip();
    let diffs = runs[1..]
        .iter()
        .zip(&policies[1..])
        .map(|(run, (_, policy))| diff(&runs[0], &policies[0].1, run, policy))
        .collect();
    Ok(ReplayReport {
        start: history.records.first().map(Record::at),
        end: history.records.last().map(Record::at),
        tickets: history.tickets() as u64,
        agents: history.roster.len() as u64,
        handling,
        matches_history,
        runs,
        diffs,
    })
}

fn resample_pools<'h>(recorded: &'h RecordedWork<'h>, seed: u64) -> Work<'h> {
    // Channel and tier of each visit come from a recorded replay's view: the
    // channel from the ticket, the tier from its position in the visits.
    let mut pools: FastMap<(usize, u8), Vec<i64>> = FastMap::default();
    let mut escalated: Vec<(u64, u64)> = Vec::new();
    // Pools are filled in ticket-id order.
    let mut by_id: Vec<usize> = (0..recorded.tickets.len()).collect();
    by_id.sort_by_key(|&n| recorded.tickets[n].id.as_str());
    for n in by_id {
        let channel = recorded.tickets[n].channel.index();
        let mut tier = 0u8;
        for &(assigned, end) in &recorded.visits[n] {
            if let Some((ended, outcome)) = end
                && outcome != HandledOutcome::Returned
            {
                pools.entry((channel, tier)).or_default().push((ended - assigned).max(0));
                let k = usize::from(tier);
                if escalated.len() <= k {
                    escalated.resize(k + 1, (0, 0));
                }
                escalated[k].1 += 1;
                if outcome == HandledOutcome::Escalated {
                    escalated[k].0 += 1;
                    tier = tier.saturating_add(1);
                }
            }
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let resolve = escalated.iter().map(|&(e, n)| if n == 0 { 1.0 } else { 1.0 - e as f64 / n as f64 }).collect();
    Work::Resampled { seed, pools, resolve }
}

#[derive(Clone, Debug, Default)]
struct Live {
    created: i64,
    tier: u8,
    visits: u32,
    generation: u32,
    agent: Option<u32>,
    first_at: Option<i64>,
    agents: Vec<u32>,
    tiers: Vec<u8>,
    resolved_at: Option<i64>,
    first_due: Option<i64>,
    resolution_due: Option<i64>,
    priority: usize,
    channel: usize,
    why: Option<Box<OfferExplanation>>,
    open: bool,
}

/// The end of a piece of work: (instant, phase, sequence, ticket,
/// generation, outcome).
type WorkEnd = (i64, u8, u64, u32, u32, HandledOutcome);

#[derive(Clone, Debug, Default)]
struct AgentLive {
    active: u32,
    busy_since: i64,
    busy_ms: i64,
    login_since: Option<i64>,
    duty_ms: i64,
    assignments: u64,
}

struct Host<'h> {
    policy: &'h CompiledPolicy,
    engine: Engine,
    work: &'h Work<'h>,
    /// Ends of work: (instant, phase, sequence, ticket, generation, outcome);
    /// phase 0 comes before inputs at the same instant, phase 2 after.
    heap: BinaryHeap<Reverse<WorkEnd>>,
    seq: u64,
    wake: Option<i64>,
    ids: Vec<&'h str>,
    index: FastMap<&'h str, u32>,
    live: Vec<Live>,
    agent_index: FastMap<&'h str, u32>,
    agent_names: Vec<&'h str>,
    agents: Vec<AgentLive>,
    shifts: Vec<Option<Calendar>>,
    out: Vec<Decision>,
    accepts: Vec<(u32, u32)>,
    outstanding: u64,
    events: u64,
    end: i64,
    /// Records of what happened (when generating a history).
    recording: Option<Vec<Record>>,
    /// Tickets the engine refused, by reason.
    untriaged: BTreeMap<String, u64>,
}

/// Replays one policy; with `record`, also returns the assigned and handled
/// records it produced.
fn run_one<'h>(
    history: &'h History,
    name: &str,
    policy: &'h CompiledPolicy,
    work: &'h Work<'h>,
    record: bool,
    recorded_first: Option<&[Option<(i64, u32)>]>,
) -> Result<(PolicyRun, Vec<Record>, f64), Error> {
    let engine = Engine::new(policy.clone(), history.roster.clone()).map_err(|e| rename_agents(&e))?;
    let shifts = (0..history.roster.len()).map(|a| engine.shift_of(a).cloned()).collect();
    let tickets = history.tickets();
    let mut host = Host {
        policy,
        engine,
        work,
        heap: BinaryHeap::new(),
        seq: 0,
        wake: None,
        ids: Vec::with_capacity(tickets),
        index: FastMap::with_capacity_and_hasher(tickets, std::hash::BuildHasherDefault::default()),
        live: Vec::with_capacity(tickets),
        agent_index: history.roster.iter().zip(0u32..).map(|(a, i)| (a.id.as_str(), i)).collect(),
        agent_names: history.roster.iter().map(|a| a.id.as_str()).collect(),
        agents: vec![AgentLive::default(); history.roster.len()],
        shifts,
        out: Vec::new(),
        accepts: Vec::new(),
        outstanding: 0,
        events: 0,
        end: history.records.last().map_or(0, |r| to_ms(r.at())),
        recording: record.then(Vec::new),
        untriaged: BTreeMap::new(),
    };
    host.go(history)?;
    // The share of tickets first assigned as history did: same agent, same instant.
    let matches = recorded_first.map_or(1.0, |first| {
        let same = host
            .live
            .iter()
            .zip(first.iter().chain(std::iter::repeat(&None)))
            .filter(|(live, first)| match first {
                Some((at, agent)) => live.first_at == Some(*at) && live.agents.first() == Some(agent),
                None => live.first_at.is_none(),
            })
            .count();
        #[allow(clippy::cast_precision_loss)]
        if host.live.is_empty() { 1.0 } else { same as f64 / host.live.len() as f64 }
    });
    let tickets = host.outcomes(history);
    let mut kpis = kpis(policy, &history.roster, &host.shifts, &tickets, &host.agents);
    kpis.untriaged = host.untriaged.values().sum();
    let mut reasons: Vec<UntriagedReason> =
        host.untriaged.into_iter().map(|(reason, tickets)| UntriagedReason { reason, tickets }).collect();
    // Most frequent first; ties in the reasons' order.
    reasons.sort_by_key(|r| Reverse(r.tickets));
    if reasons.len() > MAX_UNTRIAGED_REASONS {
        let rest = reasons.split_off(MAX_UNTRIAGED_REASONS - 1).iter().map(|r| r.tickets).sum();
        reasons.push(UntriagedReason { reason: "other reasons".to_owned(), tickets: rest });
    }
    kpis.untriaged_because = reasons;
    let run = PolicyRun { policy: name.to_owned(), engine_events: host.events, kpis, tickets };
    Ok((run, host.recording.unwrap_or_default(), matches))
}

fn rename_agents(e: &Error) -> Error {
    let problems = e
        .problems()
        .iter()
        .map(|p| {
            let path =
                p.path().strip_prefix("agents").map_or_else(|| p.path().to_owned(), |rest| format!("roster{rest}"));
            crate::error::Problem::new(p.kind(), path, p.message())
        })
        .collect();
    Error::from_problems(problems)
}

/// The priority of a ticket the policy could not triage, in its outcome.
const UNTRIAGED: &str = "untriaged";

/// Replays stop this long after the history's end if work is still queued.
const DRAIN_MS: i64 = 30 * 24 * 3_600_000;

impl<'h> Host<'h> {
    fn go(&mut self, history: &'h History) -> Result<(), Error> {
        let inputs: Vec<&'h Event> = history
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Input(e) => Some(e),
                _ => None,
            })
            .collect();
        let mut next = 0;
        loop {
            let input_at = inputs.get(next).map(|e| to_ms(e.at));
            let finish_key = self.heap.peek().map(|Reverse(x)| (x.0, x.1));
            let finish_first = match (input_at, finish_key) {
                (Some(a), Some(f)) => f < (a, 1),
                (None, f) => f.is_some(),
                (Some(_), None) => false,
            };
            let item_at = if finish_first { finish_key.map(|f| f.0) } else { input_at };
            if let Some(wake) = self.wake
                && item_at.is_none_or(|t| wake < t)
            {
                if item_at.is_none() && (self.outstanding == 0 || wake > self.end + DRAIN_MS) {
                    break;
                }
                self.apply(wake, EventKind::Tick {})?;
                continue;
            }
            if item_at.is_none() {
                break;
            }
            if finish_first {
                if let Some(Reverse((at, _, _, ticket, generation, outcome))) = self.heap.pop() {
                    self.finish(at, ticket, generation, outcome)?;
                }
                continue;
            }
            let event = inputs[next];
            next += 1;
            self.input(event)?;
        }
        // Close duty and busy stretches at the history's end: occupancy is
        // measured over the history, not over the drain after it (agents
        // never logged out would be on duty for the whole drain).
        let end = self.end;
        for a in 0..self.agents.len() {
            if let Some(since) = self.agents[a].login_since.take() {
                self.agents[a].duty_ms += self.duty(a, since, end);
            }
            let agent = &mut self.agents[a];
            if agent.active > 0 {
                agent.busy_ms += (end - agent.busy_since).max(0);
                agent.active = 0;
            }
        }
        Ok(())
    }

    fn duty(&self, a: usize, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        match &self.shifts[a] {
            None => to - from,
            Some(cal) => {
                cal.between(from_ms(from), from_ms(to)).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0))
            }
        }
    }

    fn input(&mut self, event: &'h Event) -> Result<(), Error> {
        let at = to_ms(event.at);
        match &event.kind {
            EventKind::TicketCreated { ticket, tier, .. } => {
                let index = u32::try_from(self.live.len()).unwrap_or(u32::MAX);
                self.ids.push(ticket.id.as_str());
                self.index.insert(ticket.id.as_str(), index);
                let tier = tier.as_ref().and_then(|name| self.policy.tiers().iter().position(|t| t == name));
                let tier = tier.and_then(|k| u8::try_from(k).ok()).unwrap_or(0);
                self.live.push(Live {
                    created: to_ms(ticket.created_at),
                    tier,
                    tiers: vec![tier],
                    priority: usize::MAX,
                    channel: ticket.channel.index(),
                    open: true,
                    ..Live::default()
                });
                self.outstanding += 1;
            }
            EventKind::AgentLoggedIn { agent } => {
                if let Some(&a) = self.agent_index.get(agent.as_str()) {
                    let slot = &mut self.agents[a as usize];
                    slot.login_since = slot.login_since.or(Some(at));
                }
            }
            EventKind::AgentLoggedOut { agent } => {
                if let Some(&a) = self.agent_index.get(agent.as_str())
                    && let Some(since) = self.agents[a as usize].login_since.take()
                {
                    self.agents[a as usize].duty_ms += self.duty(a as usize, since, at);
                }
            }
            _ => {}
        }
        match self.apply(at, event.kind.clone()) {
            // The engine's triage gives the ticket's class and deadlines.
            Ok(()) if let EventKind::TicketCreated { ticket, .. } = &event.kind => {
                if let (Some((class, due)), Some(live)) = (self.engine.class_and_due(&ticket.id), self.live.last_mut())
                {
                    live.priority = class;
                    live.first_due = due[Metric::FirstResponse as usize];
                    live.resolution_due = due[Metric::Resolution as usize];
                }
                Ok(())
            }
            // A ticket the policy cannot triage is skipped, not fatal: the
            // replay reports it unanswered, and why.
            Err(e) if matches!(event.kind, EventKind::TicketCreated { .. }) => {
                *self.untriaged.entry(e.to_string()).or_default() += 1;
                if let Some(live) = self.live.last_mut() {
                    live.open = false;
                }
                self.outstanding -= 1;
                Ok(())
            }
            other => other,
        }
    }

    fn apply(&mut self, at: i64, kind: EventKind) -> Result<(), Error> {
        self.events += 1;
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        // Timers due by a refused event's instant fired all the same: their
        // offers are taken now (at this instant, as the engine made them),
        // and the host learns when to wake next.
        let result = self.engine.apply_handing_out(Event::new(from_ms(at), kind), &mut out);
        self.wake = None;
        for d in out.drain(..) {
            self.decision(d);
        }
        self.out = out;
        while let Some((t, a)) = self.accepts.pop() {
            self.accept(at, t, a)?;
        }
        result
    }

    fn decision(&mut self, d: Decision) {
        match d {
            Decision::Offer { ticket, agent, why, .. } => {
                if let (Some(&t), Some(&a)) = (self.index.get(ticket.as_str()), self.agent_index.get(agent.as_str())) {
                    let live = &mut self.live[t as usize];
                    if live.why.is_none() {
                        live.why = Some(why);
                    }
                    self.accepts.push((t, a));
                }
            }
            Decision::WakeAt { at } => self.wake = Some(to_ms(at)),
            Decision::Escalated { ticket, to_tier, .. } => {
                if let Some(&t) = self.index.get(ticket.as_str())
                    && let Some(k) = self.policy.tiers().iter().position(|x| *x == to_tier)
                {
                    let live = &mut self.live[t as usize];
                    live.tier = u8::try_from(k).unwrap_or(0);
                    live.tiers.push(live.tier);
                }
            }
            Decision::Requeued { ticket, .. } => {
                // Work taken back (its agent logged out): the piece ends here.
                if let Some(&t) = self.index.get(ticket.as_str()) {
                    let now = self.engine.now().map_or(0, to_ms);
                    let live = &mut self.live[t as usize];
                    live.generation = live.generation.wrapping_add(1);
                    if let Some(a) = live.agent.take() {
                        self.release(a, now);
                        if let Some(records) = self.recording.as_mut() {
                            records.push(Record::Handled {
                                at: from_ms(now),
                                ticket,
                                agent: self.agent_names[a as usize].to_owned(),
                                outcome: HandledOutcome::Returned,
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn release(&mut self, a: u32, at: i64) {
        let agent = &mut self.agents[a as usize];
        if agent.active > 0 {
            agent.active -= 1;
            if agent.active == 0 {
                // Within the history only (see `go`).
                agent.busy_ms += (at.min(self.end) - agent.busy_since.min(self.end)).max(0);
            }
        }
    }

    /// How long the ticket's `visit`-th piece of work lasts and how it ends.
    fn work_for(&self, t: u32, visit: u32) -> (i64, HandledOutcome) {
        let live = &self.live[t as usize];
        let last_tier = self.policy.tiers().len().saturating_sub(1);
        let (ms, outcome) = match self.work {
            Work::Recorded(recorded) => match recorded.visits.get(t as usize) {
                None => (0, HandledOutcome::Resolved),
                Some(v) => match v.get(visit as usize) {
                    Some((assigned, Some((ended, outcome)))) => ((ended - assigned).max(0), *outcome),
                    Some((assigned, None)) => ((self.end - assigned).max(0), HandledOutcome::Resolved),
                    None => {
                        let last = v.iter().rev().find_map(|(a, e)| e.map(|(end, _)| end - a));
                        (last.unwrap_or(0), HandledOutcome::Resolved)
                    }
                },
            },
            Work::Resampled { seed, pools, resolve } => {
                let (n, k) = (u64::from(t), u64::from(visit));
                let pool = pools.get(&(live.channel, live.tier)).or_else(|| pools.get(&(live.channel, 0)));
                let ms = pool.map_or(0, |p| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
                    let i = (unit(*seed, n, k, 1) * p.len() as f64) as usize;
                    p[i.min(p.len() - 1)]
                });
                let share = resolve.get(usize::from(live.tier)).copied().unwrap_or(1.0);
                let outcome =
                    if unit(*seed, n, k, 2) < share { HandledOutcome::Resolved } else { HandledOutcome::Escalated };
                (ms, outcome)
            }
            Work::Model(model) => {
                let (n, k) = (u64::from(t), u64::from(visit));
                let factor = model.tier_factor.get(usize::from(live.tier)).copied().unwrap_or(1.0);
                let mean = model.mean_ms[live.channel] * factor;
                // Erlang-2: never near zero, a long right tail.
                let draw = -(1.0 - unit(model.seed, n, k, 1)).ln() - (1.0 - unit(model.seed, n, k, 2)).ln();
                #[allow(clippy::cast_possible_truncation)]
                let ms = (draw * mean / 2.0).round() as i64;
                let share = model.resolve.get(usize::from(live.tier)).copied().unwrap_or(1.0);
                let outcome = if unit(model.seed, n, k, 3) < share {
                    HandledOutcome::Resolved
                } else {
                    HandledOutcome::Escalated
                };
                (ms, outcome)
            }
        };
        let outcome = if usize::from(live.tier) >= last_tier && outcome == HandledOutcome::Escalated {
            HandledOutcome::Resolved
        } else {
            outcome
        };
        // Recorded lengths are kept to the millisecond; drawn ones last at
        // least a second.
        let ms = if matches!(self.work, Work::Recorded(_)) { ms.max(0) } else { ms.max(1000) };
        (ms, outcome)
    }

    fn accept(&mut self, at: i64, t: u32, a: u32) -> Result<(), Error> {
        let visit = self.live[t as usize].visits;
        let (ms, outcome) = self.work_for(t, visit);
        let live = &mut self.live[t as usize];
        live.visits += 1;
        live.agent = Some(a);
        live.agents.push(a);
        let first = live.first_at.is_none();
        if first {
            live.first_at = Some(at);
        }
        let generation = live.generation;
        let agent = &mut self.agents[a as usize];
        if agent.active == 0 {
            agent.busy_since = at;
        }
        agent.active += 1;
        agent.assignments += 1;
        self.seq += 1;
        let phase = if outcome == HandledOutcome::Returned { 2 } else { 0 };
        self.heap.push(Reverse((at + ms, phase, self.seq, t, generation, outcome)));
        let ticket = self.ids[t as usize].to_owned();
        let agent_id = self.agent_names[a as usize].to_owned();
        if let Some(records) = self.recording.as_mut() {
            records.push(Record::Assigned { at: from_ms(at), ticket: ticket.clone(), agent: agent_id.clone() });
        }
        self.apply(at, EventKind::OfferAccepted { agent: agent_id, ticket: ticket.clone() })?;
        if first {
            self.apply(at, EventKind::AgentReplied { ticket })?;
        }
        Ok(())
    }

    fn finish(&mut self, at: i64, t: u32, generation: u32, outcome: HandledOutcome) -> Result<(), Error> {
        let live = &mut self.live[t as usize];
        if !live.open || live.generation != generation {
            return Ok(());
        }
        let Some(a) = live.agent.take() else { return Ok(()) };
        self.release(a, at);
        let ticket = self.ids[t as usize].to_owned();
        if let Some(records) = self.recording.as_mut() {
            records.push(Record::Handled {
                at: from_ms(at),
                ticket: ticket.clone(),
                agent: self.agent_names[a as usize].to_owned(),
                outcome,
            });
        }
        match outcome {
            // Work history shows given back (its agent logged out) is, when
            // the replay's agent stays, finished at that point.
            HandledOutcome::Resolved | HandledOutcome::Returned => {
                let live = &mut self.live[t as usize];
                live.open = false;
                live.resolved_at = Some(at);
                self.outstanding -= 1;
                self.apply(at, EventKind::TicketClosed { ticket })
            }
            HandledOutcome::Escalated => self.apply(at, EventKind::EscalateRequested { ticket, to_tier: None }),
        }
    }

    fn outcomes(&mut self, history: &History) -> Vec<TicketOutcome> {
        use rayon::prelude::*;
        let classes = self.policy.priority_classes();
        let tiers = self.policy.tiers();
        let live = std::mem::take(&mut self.live);
        // In parallel: a thread whose policy is done helps the other finish.
        live.into_par_iter()
            .zip(&self.ids)
            .map(|(l, id)| {
                #[allow(clippy::cast_precision_loss)]
                let wait_s = l.first_at.map(|f| (f - l.created) as f64 / 1000.0);
                TicketOutcome {
                    ticket: (*id).to_owned(),
                    channel: crate::ticket::Channel::ALL.get(l.channel).map_or("?", |c| c.name()),
                    priority: classes.get(l.priority).cloned().unwrap_or_else(|| UNTRIAGED.to_owned()),
                    created_at: from_ms(l.created),
                    first_assigned_at: l.first_at.map(from_ms),
                    wait_s,
                    agents: l.agents.iter().map(|&a| history.roster[a as usize].id.clone()).collect(),
                    tiers: l.tiers.iter().map(|&k| tiers.get(usize::from(k)).cloned().unwrap_or_default()).collect(),
                    resolved_at: l.resolved_at.map(from_ms),
                    first_response_met: l.first_due.map(|due| l.first_at.is_some_and(|f| f <= due)),
                    resolution_met: l.resolution_due.map(|due| l.resolved_at.is_some_and(|r| r <= due)),
                    why: l.why.map(Arc::from),
                }
            })
            .collect()
    }
}

/// The zone of an agent's shift, as a region name.
fn region(shift: Option<&Calendar>) -> String {
    shift.map_or_else(|| "none".to_owned(), |c| c.zone_name().to_owned())
}

#[allow(clippy::cast_precision_loss)]
fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// KPIs counted from per-ticket and per-agent outcomes.
#[allow(clippy::cast_precision_loss)]
fn kpis(
    policy: &CompiledPolicy,
    roster: &[crate::agent::AgentSpec],
    shifts: &[Option<Calendar>],
    tickets: &[TicketOutcome],
    agents: &[AgentLive],
) -> Kpis {
    // One pass sorts the tickets into their classes and counts tier visits.
    let classes = policy.priority_classes();
    let mut of_class: Vec<Vec<&TicketOutcome>> = vec![Vec::new(); classes.len()];
    let mut visited_tier = vec![0u64; policy.tiers().len()];
    for t in tickets {
        if let Some(k) = classes.iter().position(|c| *c == t.priority) {
            of_class[k].push(t);
        }
        for (k, tier) in policy.tiers().iter().enumerate() {
            if t.tiers.contains(tier) {
                visited_tier[k] += 1;
            }
        }
    }
    let by_priority = classes
        .iter()
        .zip(&of_class)
        .map(|(class, of)| {
            let met = |f: fn(&TicketOutcome) -> Option<bool>| {
                let clocks: Vec<bool> = of.iter().filter_map(|t| f(t)).collect();
                share(clocks.iter().filter(|&&m| m).count() as u64, clocks.len() as u64)
            };
            PriorityKpis {
                priority: class.clone(),
                tickets: of.len() as u64,
                answered: of.iter().filter(|t| t.first_assigned_at.is_some()).count() as u64,
                wait_s: Waits::of(of.iter().filter_map(|t| t.wait_s).collect()),
                first_response_attainment: met(|t| t.first_response_met),
                resolution_attainment: met(|t| t.resolution_met),
                breaches: of.iter().filter(|t| t.breached()).count() as u64,
            }
        })
        .collect();
    let by_tier = policy
        .tiers()
        .iter()
        .zip(visited_tier)
        .map(|(tier, visited)| TierKpis {
            tier: tier.clone(),
            tickets: visited,
            assignments: roster
                .iter()
                .zip(agents)
                .filter(|(spec, _)| &spec.tier == tier)
                .map(|(_, a)| a.assignments)
                .sum(),
        })
        .collect();
    let per_agent: Vec<AgentKpis> = roster
        .iter()
        .zip(agents)
        .zip(shifts)
        .map(|((spec, a), shift)| AgentKpis {
            agent: spec.id.clone(),
            tier: spec.tier.clone(),
            region: region(shift.as_ref()),
            assignments: a.assignments,
            busy_h: a.busy_ms as f64 / 3_600_000.0,
            duty_h: a.duty_ms as f64 / 3_600_000.0,
            occupancy: if a.duty_ms > 0 { a.busy_ms as f64 / a.duty_ms as f64 } else { 0.0 },
        })
        .collect();
    let mut regions: BTreeMap<&str, (u64, u64, f64, f64)> = BTreeMap::new();
    for a in &per_agent {
        let r = regions.entry(a.region.as_str()).or_default();
        r.0 += 1;
        r.1 += a.assignments;
        r.2 += a.busy_h;
        r.3 += a.duty_h;
    }
    let by_region = regions
        .into_iter()
        .map(|(region, (n, assignments, busy, duty))| RegionKpis {
            region: region.to_owned(),
            agents: n,
            assignments,
            occupancy: if duty > 0.0 { busy / duty } else { 0.0 },
        })
        .collect();
    let fairness = policy
        .tiers()
        .iter()
        .filter_map(|tier| {
            let counts: Vec<u64> = per_agent.iter().filter(|a| &a.tier == tier).map(|a| a.assignments).collect();
            if counts.is_empty() {
                return None;
            }
            let n = counts.len() as f64;
            let mean = counts.iter().sum::<u64>() as f64 / n;
            let var = counts.iter().map(|&c| (c as f64 - mean).powi(2)).sum::<f64>() / n;
            Some(FairnessKpis {
                tier: tier.clone(),
                agents: counts.len() as u64,
                mean,
                stddev: var.sqrt(),
                min: counts.iter().copied().min().unwrap_or(0),
                max: counts.iter().copied().max().unwrap_or(0),
            })
        })
        .collect();
    let answered = tickets.iter().filter(|t| t.first_assigned_at.is_some()).count() as u64;
    Kpis {
        tickets: tickets.len() as u64,
        answered,
        unanswered: tickets.len() as u64 - answered,
        breaches: tickets.iter().filter(|t| t.breached()).count() as u64,
        escalations: tickets.iter().map(|t| t.tiers.len().saturating_sub(1) as u64).sum(),
        wait_s: Waits::of(tickets.iter().filter_map(|t| t.wait_s).collect()),
        by_priority,
        by_tier,
        by_region,
        fairness,
        agents: per_agent,
        untriaged: 0,
        untriaged_because: Vec::new(),
    }
}

/// The parts of a policy's routing section that differ between two policies.
fn routing_changes(a: &CompiledPolicy, b: &CompiledPolicy) -> Vec<&'static str> {
    let value = |p: &CompiledPolicy| serde_json::to_value(p.source()).unwrap_or_default();
    let (va, vb) = (value(a), value(b));
    let differs = |section: &str, key: &str| va[section][key] != vb[section][key];
    let mut changes = Vec::new();
    if va["priority"] != vb["priority"] || va["customer_tiers"] != vb["customer_tiers"] {
        changes.push("priority");
    }
    if differs("routing", "strategy") {
        changes.push("strategy");
    }
    if ["wrap_up", "exclusive_channels", "pending_consumes_capacity"].iter().any(|k| differs("routing", k)) {
        changes.push("capacity");
    }
    if differs("routing", "fairness") {
        changes.push("fairness");
    }
    if differs("routing", "escalation") {
        changes.push("escalation");
    }
    if differs("routing", "relaxation") {
        changes.push("relaxation");
    }
    changes
}

fn side(t: &TicketOutcome) -> DiffSide {
    DiffSide {
        agent: t.agents.first().cloned(),
        assigned_at: t.first_assigned_at,
        tiers: t.tiers.clone(),
        priority: t.priority.clone(),
        why: t.why.clone(),
    }
}

fn diff(base: &PolicyRun, base_policy: &CompiledPolicy, other: &PolicyRun, other_policy: &CompiledPolicy) -> Diff {
    use rayon::prelude::*;
    let changes = routing_changes(base_policy, other_policy);
    // Entries are made in parallel, in ticket order.
    let entries: Vec<DiffEntry> = base
        .tickets
        .par_iter()
        .zip(&other.tickets)
        .filter_map(|(a, b)| {
            let (cause, detail) = change_cause((&base.policy, a), (&other.policy, b), &changes)?;
            Some(DiffEntry { ticket: a.ticket.clone(), cause, detail, base: side(a), other: side(b) })
        })
        .collect();
    let mut by_cause = BTreeMap::new();
    for entry in &entries {
        *by_cause.entry(entry.cause).or_insert(0) += 1;
    }
    Diff {
        base: base.policy.clone(),
        other: other.policy.clone(),
        tickets: base.tickets.len() as u64,
        by_cause,
        entries,
    }
}

/// Why one ticket went differently under two policies (each named), given
/// the kinds of routing rule that differ between them; `None` if its first
/// agent, tiers and first assignment time are the same.
fn change_cause(
    (base, a): (&str, &TicketOutcome),
    (other, b): (&str, &TicketOutcome),
    changes: &[&str],
) -> Option<(&'static str, String)> {
    fn relaxation(t: &TicketOutcome) -> &[String] {
        t.why.as_ref().map_or(&[], |w| &w.relaxation[..])
    }
    let strategy = |t: &TicketOutcome| t.why.as_ref().map(|w| w.strategy.join(", ")).unwrap_or_default();
    let agent_differs = a.agents.first() != b.agents.first();
    if !agent_differs && a.tiers == b.tiers && a.first_assigned_at == b.first_assigned_at {
        return None;
    }
    let untriaged = |t: &TicketOutcome| t.priority == UNTRIAGED;
    Some(if untriaged(a) || untriaged(b) {
        let (refused, by) = if untriaged(b) { (other, base) } else { (base, other) };
        ("untriaged", format!("{refused} cannot triage it, {by} can (the reasons: untriaged_because)"))
    } else if a.priority != b.priority {
        ("priority rules", format!("priority {} under {base}, {} under {other}", a.priority, b.priority))
    } else if a.tiers != b.tiers {
        let why = if changes.contains(&"escalation") {
            "the escalation rules differ"
        } else {
            "its work went differently after another agent took it"
        };
        ("escalation rule", format!("tiers {} vs {}: {why}", a.tiers.join(" > "), b.tiers.join(" > ")))
    } else if relaxation(a) != relaxation(b) {
        let words = |r: &[String]| if r.is_empty() { "no relaxation".to_owned() } else { r.join("; ") };
        ("relaxation step", format!("{} vs {}", words(relaxation(a)), words(relaxation(b))))
    } else if agent_differs && changes.contains(&"strategy") {
        ("strategy change", format!("ranked by {} vs {}", strategy(a), strategy(b)))
    } else if agent_differs && changes.contains(&"capacity") {
        ("capacity rule", "wrap-up or channel capacity rules left other agents free".to_owned())
    } else if agent_differs && changes.contains(&"fairness") {
        ("fairness cap", "the fairness cap differs".to_owned())
    } else if agent_differs {
        ("knock-on", "earlier decisions changed which agents were free".to_owned())
    } else {
        ("queue order", "the same agent took it at another time".to_owned())
    })
}

/// Runs a history's inputs under `policy` with `model` timing the work, and
/// returns the assigned and handled records (for `generate`).
pub(crate) fn record_with_model(
    history: &History,
    policy: &CompiledPolicy,
    model: &WorkModel,
) -> Result<Vec<Record>, Error> {
    let work = Work::Model(model);
    let (run, records, _) = run_one(history, "generated", policy, &work, true, None)?;
    // A history whose tickets the policy refuses is no history of a desk.
    if let Some(first) = run.kpis.untriaged_because.first() {
        return Err(Error::new(
            ErrorKind::InvalidValue,
            "policy",
            format!(
                "the policy cannot triage {} of the {} generated tickets (first reason: {}); generated tickets \
                 have channels phone, chat and email, impact and urgency high, medium and low, and customer \
                 tiers standard, premium and vip (examples/policies/global-desk.toml fits)",
                run.kpis.untriaged, run.kpis.tickets, first.reason
            ),
        ));
    }
    Ok(records)
}
