//! Staffing simulation: a discrete-event host that drives the real routing
//! engine with simulated traffic, so what is simulated is what production
//! does.
//!
//! A [`Scenario`] says what arrives (streams with Poisson rates, constant or
//! by interval of the week, or recorded arrivals replayed from a CSV export;
//! handling-time and patience distributions), who
//! answers (teams with tiers, skills, languages, clearance, shifts in their
//! own zones, capacity per channel) and what share each tier resolves.
//! [`simulate`] checks it against a [`CompiledPolicy`], then runs
//! replications (in parallel, each seeded from the scenario's seed and its
//! index, merged in order: results never depend on the number of threads).
//!
//! Each replication keeps its own queue of what is due (arrivals, handling
//! completions, patience expiries), and feeds the [`crate::Engine`] the
//! events a desk would: agents log in at the start (the engine follows their
//! shifts), tickets are created, every offer is accepted at once, handling
//! ends in a resolution or an escalation to the next tier, and a customer out
//! of patience abandons (the ticket is resolved unanswered). The engine's
//! wake-ups are honoured with ticks. Figures are tallied online, so memory on
//! the simulation's side does not grow with the number of tickets.
//!
//! The core owns no clock: wall-clock speed is for the host to measure.

mod arrivals;
mod dist;
mod html;
mod metrics;
mod report;
mod run;
mod scenario;
mod sweep;

pub use arrivals::{MAX_ARRIVALS_BYTES, MAX_RECORDED_ARRIVALS, RecordedArrival, read_arrivals_csv};
pub use sweep::{MAX_SWEEP_POINTS, SweepPoint, sweep};

use std::sync::atomic::AtomicBool;

use jiff::Timestamp;
#[cfg(not(target_arch = "wasm32"))]
use rayon::prelude::*;
use serde::Serialize;

pub use metrics::{Figures, Groups};
pub use scenario::{
    DEFAULT_RESOLVE, DistKind, DistSpec, MAX_SCENARIO_BYTES, MAX_SIM_AGENTS, MAX_SIM_ITEMS, PolicyRef, RateSpec,
    RunSpec, Scenario, ShiftsSpec, StreamSpec, TargetsSpec, TeamSpec, TierSpec,
};

use crate::error::{Error, ErrorKind};
use crate::time::from_ms;
use crate::{CompiledPolicy, Policy};
use metrics::Tally;
use run::{Outcome, SLOT_MS};
use scenario::{ArrivalPlan, Plan};

/// The embedded default scenario: a week of a global desk (three tiers,
/// Manila, Madrid and Bogota on local shifts, phone, chat and email).
pub const DEFAULT_SCENARIO: &str = include_str!("default_scenario.toml");

/// The policy of the default scenario (`examples/policies/global-desk.toml`).
pub const DEFAULT_POLICY: &str = include_str!("../../../examples/policies/global-desk.toml");

/// Most replications in one call.
pub const MAX_REPLICATIONS: u32 = 10_000;

/// The default scenario and its policy, parsed and compiled.
///
/// # Errors
/// None in practice (both are tested); an [`Error`] rather than a panic.
pub fn default_desk() -> Result<(Scenario, CompiledPolicy), Error> {
    let scenario = Scenario::from_toml_str(DEFAULT_SCENARIO)?;
    let policy = Policy::from_toml_str(DEFAULT_POLICY)?.compile()?;
    Ok((scenario, policy))
}

/// What a simulation found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SimulationResult {
    /// When the run started.
    pub start: Timestamp,
    /// When the last replication ended (the latest of them).
    pub end: Timestamp,
    /// The seed the replications were derived from.
    pub seed: u64,
    /// Replications run.
    pub replications: u32,
    /// Agents on the roster.
    pub agents: usize,
    /// The service-level threshold, in seconds.
    pub answer_within_s: f64,
    /// Events the engine applied, per replication (mean).
    pub engine_events: f64,
    /// Most tickets waiting at once (mean over replications).
    pub peak_waiting: f64,
    /// Things that make the scenario hopeless in part, with their paths.
    pub warnings: Vec<String>,
    /// Figures over every ticket.
    pub overall: Figures,
    /// By the priority class the policy gives each stream's tickets.
    pub by_priority: Groups,
    /// By stream.
    pub by_stream: Groups,
    /// By tier: tickets that reached it, their wait in it, its teams' occupancy.
    pub by_tier: Groups,
    /// By team: tickets it answered (`arrived` = `answered`), their wait in
    /// the tier, occupancy.
    pub by_team: Groups,
    /// 15-minute series.
    pub series: Series,
}

/// Figures by 15-minute interval from the start (means over replications).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    /// Interval length in seconds (900).
    pub interval_s: u32,
    /// Tickets arriving in each interval.
    pub arrivals: Vec<f64>,
    /// Tickets waiting at each interval's start.
    pub waiting: Vec<f64>,
    /// Agents on duty at each interval's start.
    pub on_duty: Vec<u32>,
    /// Share of the interval's arrivals answered within the target (`null`
    /// without arrivals).
    pub service_level: Vec<Option<f64>>,
}

/// Runs `replications` replications of `scenario` under `policy` (in
/// parallel, reproducibly) and merges their figures.
///
/// # Errors
/// Every problem of the scenario, with its field path; `replications`
/// outside `1..=MAX_REPLICATIONS`.
pub fn simulate(scenario: &Scenario, policy: &CompiledPolicy, replications: u32) -> Result<SimulationResult, Error> {
    simulate_cancellable(scenario, policy, replications, false, &AtomicBool::new(false))?
        .map(|(r, _)| r)
        .ok_or_else(never_cancelled)
}

/// The error for a cancellation that cannot happen (the flag is never set).
fn never_cancelled() -> Error {
    Error::new(ErrorKind::Inconsistent, "", "cancelled")
}

/// [`simulate`], also keeping a [`TicketRecord`] for every ticket of every
/// replication (in replication order, then arrival order). The figures are
/// the same as [`simulate`]'s: recording changes nothing but memory.
///
/// # Errors
/// As [`simulate`].
pub fn simulate_with_records(
    scenario: &Scenario,
    policy: &CompiledPolicy,
    replications: u32,
) -> Result<(SimulationResult, Vec<TicketRecord>), Error> {
    simulate_cancellable(scenario, policy, replications, true, &AtomicBool::new(false))?.ok_or_else(never_cancelled)
}

/// [`simulate`] (or, with `records`, [`simulate_with_records`]) that stops
/// early once `cancel` is set, returning `Ok(None)`; each replication checks
/// the flag every 1,024 steps of its event loop. For hosts that let a user
/// interrupt a long run.
///
/// # Errors
/// As [`simulate`].
pub fn simulate_cancellable(
    scenario: &Scenario,
    policy: &CompiledPolicy,
    replications: u32,
    records: bool,
    cancel: &AtomicBool,
) -> Result<Option<(SimulationResult, Vec<TicketRecord>)>, Error> {
    run_all(scenario, policy, replications, records, cancel)
}

/// One ticket's life in a simulation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TicketRecord {
    /// The replication (from 0).
    pub replication: u32,
    /// The ticket's number in its replication, in arrival order (from 1).
    pub ticket: u64,
    /// Its stream.
    pub stream: String,
    /// Its channel.
    pub channel: &'static str,
    /// The priority class the policy gave it.
    pub priority: String,
    /// When it arrived.
    pub arrived_at: Timestamp,
    /// When an agent first took it, if one did.
    pub answered_at: Option<Timestamp>,
    /// Seconds from arrival to first answer, if answered.
    pub wait_s: Option<f64>,
    /// Whether it was first answered within the scenario's `answer_within`.
    pub within_target: bool,
    /// When it was resolved or abandoned (`None` if still open at the end).
    pub ended_at: Option<Timestamp>,
    /// `"resolved"`, `"abandoned"` or `"open"` (still open when the run ended).
    pub outcome: &'static str,
    /// The tiers it passed through, in order.
    pub tiers: Vec<String>,
    /// The agents who took it, in order.
    pub agents: Vec<String>,
    /// The teams of those agents.
    pub teams: Vec<String>,
    /// The tier the ticket was in when each of them took it.
    pub agent_tiers: Vec<String>,
    /// How long it had waited in that tier when each of them took it, in
    /// seconds.
    pub agent_waits_s: Vec<f64>,
    /// Whether any of its SLA targets was breached.
    pub sla_breached: bool,
}

fn run_all(
    scenario: &Scenario,
    policy: &CompiledPolicy,
    replications: u32,
    record: bool,
    cancel: &AtomicBool,
) -> Result<Option<(SimulationResult, Vec<TicketRecord>)>, Error> {
    if replications == 0 || replications > MAX_REPLICATIONS {
        return Err(Error::new(
            ErrorKind::InvalidValue,
            "replications",
            format!("must be 1 to {MAX_REPLICATIONS}, not {replications}"),
        ));
    }
    let plan = Plan::new(scenario, policy)?;
    let run_one = |r: u64| run::run(&plan, r, record, cancel);
    // Replications merge in their own order, so running them one after
    // another (WebAssembly has one thread, and leaving rayon's pool out keeps
    // the package smaller) gives the same result as in parallel.
    #[cfg(not(target_arch = "wasm32"))]
    let outcomes: Vec<Option<Outcome>> =
        (0..u64::from(replications)).into_par_iter().map(run_one).collect::<Result<_, _>>()?;
    #[cfg(target_arch = "wasm32")]
    let outcomes: Vec<Option<Outcome>> = (0..u64::from(replications)).map(run_one).collect::<Result<_, _>>()?;
    let Some(mut outcomes) = outcomes.into_iter().collect::<Option<Vec<Outcome>>>() else {
        return Ok(None);
    };
    let records = outcomes.iter_mut().flat_map(|o| std::mem::take(&mut o.records)).collect();
    Ok(Some((merge(&plan, outcomes, replications), records)))
}

fn merge(plan: &Plan, mut outcomes: Vec<Outcome>, replications: u32) -> SimulationResult {
    // Occupancy of tiers and overall, from their teams.
    for o in &mut outcomes {
        for (i, team) in plan.teams.iter().enumerate() {
            let (busy, duty) = (o.by_team[i].busy_ms, o.by_team[i].duty_ms);
            o.overall.busy_ms += busy;
            o.overall.duty_ms += duty;
            if let Some(k) = team.tier {
                o.by_tier[k].busy_ms += busy;
                o.by_tier[k].duty_ms += duty;
            }
        }
    }
    let column = |f: &dyn Fn(&Outcome) -> Tally| -> Vec<Tally> { outcomes.iter().map(f).collect() };
    let overall = Figures::from_reps(&column(&|o| o.overall), true);
    let mut by_priority = Vec::new();
    for (k, name) in plan.priorities.iter().enumerate() {
        // The classes any ticket can have: its stream's, or a recorded row's.
        let possible = plan.streams.iter().any(|s| match &s.arrivals {
            ArrivalPlan::Poisson(_) => s.priority == k,
            ArrivalPlan::Recorded(rows) => rows.iter().any(|r| r.priority == k),
        });
        if possible {
            by_priority.push((name.clone(), Figures::from_reps(&column(&|o| o.by_priority[k]), false)));
        }
    }
    let by_stream = plan
        .streams
        .iter()
        .enumerate()
        .map(|(k, s)| (s.name.clone(), Figures::from_reps(&column(&|o| o.by_stream[k]), false)))
        .collect();
    let mut by_tier = Vec::new();
    for (k, t) in plan.tiers.iter().enumerate() {
        let staffed = plan.teams.iter().any(|team| team.tier == Some(k));
        if staffed || outcomes.iter().any(|o| o.by_tier[k].arrived > 0) {
            by_tier.push((t.name.clone(), Figures::from_reps(&column(&|o| o.by_tier[k]), staffed)));
        }
    }
    let by_team = plan
        .teams
        .iter()
        .enumerate()
        .map(|(k, t)| (t.name.clone(), Figures::from_reps(&column(&|o| o.by_team[k]), true)))
        .collect();

    let len = outcomes.iter().map(|o| o.slots.len()).max().unwrap_or(0);
    let n = f64::from(replications);
    let mut arrivals = vec![0.0; len];
    let mut waiting = vec![0.0; len];
    let mut within = vec![0.0; len];
    for o in &outcomes {
        for (i, s) in o.slots.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            {
                arrivals[i] += s.arrivals as f64;
                waiting[i] += s.waiting as f64;
                within[i] += s.within as f64;
            }
        }
    }
    let service_level = arrivals.iter().zip(&within).map(|(&a, &w)| (a > 0.0).then(|| w / a)).collect();
    let on_duty = (0..len)
        .map(|i| {
            let at = from_ms(plan.start_ms + i64::try_from(i).unwrap_or(0) * SLOT_MS);
            plan.teams
                .iter()
                .filter(|t| t.calendar.as_ref().is_none_or(|c| c.is_open(at).unwrap_or(false)))
                .map(|t| t.agents)
                .sum()
        })
        .collect();
    // Shares of nothing are written as 0: say so, rather than let a 0%
    // service level pass for a measured one.
    let no_arrivals = (overall.arrived == 0.0).then(|| {
        "no ticket arrived during the run: its shares (service level, p_wait, abandon and breach \
         rates) are 0 for want of tickets, not measured"
            .to_owned()
    });
    #[allow(clippy::cast_precision_loss)]
    let mean = |f: &dyn Fn(&Outcome) -> u64| outcomes.iter().map(|o| f(o) as f64).sum::<f64>() / n;
    #[allow(clippy::cast_precision_loss)]
    SimulationResult {
        start: from_ms(plan.start_ms),
        end: from_ms(outcomes.iter().map(|o| o.end_ms).max().unwrap_or(plan.start_ms)),
        seed: plan.seed,
        replications,
        agents: plan.roster.len(),
        answer_within_s: plan.within_ms as f64 / 1000.0,
        engine_events: mean(&|o| o.events),
        peak_waiting: mean(&|o| o.peak_waiting),
        warnings: plan.warnings.iter().map(ToString::to_string).chain(no_arrivals).collect(),
        overall,
        by_priority: Groups(by_priority),
        by_stream: Groups(by_stream),
        by_tier: Groups(by_tier),
        by_team: Groups(by_team),
        series: Series {
            interval_s: 900,
            arrivals: arrivals.iter().map(|a| a / n).collect(),
            waiting: waiting.iter().map(|w| w / n).collect(),
            on_duty,
            service_level,
        },
    }
}

impl SimulationResult {
    /// The result as one JSON object.
    #[must_use]
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A report a desk manager reads: the headline, then by priority,
    /// stream, tier and team, then the week day by day.
    #[must_use]
    pub fn report(&self) -> String {
        report::text(self)
    }

    /// A self-contained HTML page with SVG charts (service level and queue
    /// over the week, agents on duty, occupancy by team) and the tables.
    #[must_use]
    pub fn html_report(&self) -> String {
        html::page(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_change_nothing_and_account_for_every_ticket() {
        let (mut scenario, policy) = default_desk().unwrap();
        scenario.run.duration = Some(crate::policy::DurationText(jiff::SignedDuration::from_hours(12)));
        let plain = simulate(&scenario, &policy, 2).unwrap();
        let (with, records) = simulate_with_records(&scenario, &policy, 2).unwrap();
        assert_eq!(plain, with);
        #[allow(clippy::cast_precision_loss)]
        let n = records.len() as f64;
        assert!((n - plain.overall.arrived * 2.0).abs() < 0.5);
        let answered = records.iter().filter(|r| r.answered_at.is_some()).count();
        #[allow(clippy::cast_precision_loss)]
        let answered = answered as f64;
        assert!((answered - plain.overall.answered * 2.0).abs() < 0.5);
        let abandoned = records.iter().filter(|r| r.outcome == "abandoned").count();
        #[allow(clippy::cast_precision_loss)]
        let abandoned = abandoned as f64;
        assert!((abandoned - plain.overall.abandoned * 2.0).abs() < 0.5);
        for r in &records {
            assert!(r.replication < 2);
            assert_eq!(r.agents.len(), r.teams.len());
            assert_eq!(r.agents.len(), r.agent_tiers.len());
            assert_eq!(r.agents.len(), r.agent_waits_s.len());
            assert!(r.agent_waits_s.iter().all(|&w| w >= 0.0));
            if let (Some(first), Some(w)) = (r.agent_waits_s.first(), r.wait_s) {
                assert!((first - w).abs() < 1e-9);
            }
            assert!(!r.tiers.is_empty());
            if let (Some(a), Some(w)) = (r.answered_at, r.wait_s) {
                assert!(a >= r.arrived_at && w >= 0.0);
            }
        }
        // Arrival order within each replication.
        assert!(records.windows(2).all(|w| w[0].replication < w[1].replication || w[0].ticket < w[1].ticket));
        assert!(records.iter().any(|r| r.tiers.len() > 1));
    }

    #[test]
    fn prefetching_changes_nothing() {
        // The default desk: skills, three tiers, escalations, abandonment.
        let (mut scenario, policy) = default_desk().unwrap();
        scenario.run.duration = Some(crate::policy::DurationText(jiff::SignedDuration::from_hours(24)));
        let plan = Plan::new(&scenario, &policy).unwrap();
        let cancel = AtomicBool::new(false);
        let outcome = |prefetch| {
            let mut o = run::run_prefetching(&plan, 1, true, &cancel, prefetch).unwrap().unwrap();
            let records = std::mem::take(&mut o.records);
            (merge(&plan, vec![o], 1), records)
        };
        let (without, records_without) = outcome(false);
        let (with, records_with) = outcome(true);
        assert!(without.overall.arrived > 1000.0 && without.overall.abandoned > 0.0, "{:?}", without.overall);
        assert_eq!(without, with);
        assert_eq!(records_without, records_with);
    }

    #[test]
    fn arrivals_come_at_the_rate_asked_for_even_a_millisecond_apart() {
        // 3,600,000 an hour is one a millisecond: drawing each gap from the
        // previous arrival rounded up to the millisecond (instead of its
        // exact instant) gave 1 - 1/e of them, 6,321 in 10 s.
        let scenario = Scenario::from_toml_str(
            r#"
            [run]
            start = "2026-03-02T00:00:00Z"
            duration = "10s"
            [targets]
            answer_within = "20s"
            [[streams]]
            name = "alerts"
            channel = "phone"
            per_hour = 3600000
            handle = { dist = "exponential", mean = "1s" }
            [[teams]]
            name = "desk"
            agents = 2000
            tier = "L1"
            timezone = "UTC"
            shifts = "24/7"
            "#,
        )
        .unwrap();
        let policy = Policy::from_toml_str("version = 1").unwrap().compile().unwrap();
        let arrived = simulate(&scenario, &policy, 1).unwrap().overall.arrived;
        // 10,000 expected; a Poisson count's standard deviation is 100.
        assert!((arrived - 10_000.0).abs() < 500.0, "{arrived}");
    }

    #[test]
    fn a_run_without_arrivals_says_its_shares_are_not_measured() {
        let scenario = |per_hour: &str| {
            Scenario::from_toml_str(&format!(
                r#"
                [run]
                start = "2026-03-02T00:00:00Z"
                duration = "1h"
                [targets]
                answer_within = "20s"
                [[streams]]
                name = "calls"
                channel = "phone"
                per_hour = {per_hour}
                handle = {{ dist = "exponential", mean = "6m" }}
                [[teams]]
                name = "desk"
                agents = 2
                tier = "L1"
                timezone = "UTC"
                shifts = "24/7"
                "#
            ))
            .unwrap()
        };
        let policy = Policy::from_toml_str("version = 1").unwrap().compile().unwrap();
        let empty = simulate(&scenario("1e-300"), &policy, 1).unwrap();
        assert_eq!((empty.overall.arrived, empty.overall.service_level), (0.0, 0.0));
        assert!(empty.warnings.iter().any(|w| w.contains("no ticket arrived")), "{:?}", empty.warnings);
        let busy = simulate(&scenario("10"), &policy, 1).unwrap();
        assert!(busy.overall.arrived > 0.0 && busy.warnings.is_empty(), "{:?}", busy.warnings);
    }

    #[test]
    fn a_cancelled_simulation_stops_with_none() {
        let (scenario, policy) = default_desk().unwrap();
        assert!(simulate_cancellable(&scenario, &policy, 2, false, &AtomicBool::new(true)).unwrap().is_none());
    }
}
