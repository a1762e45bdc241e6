//! Staffing simulation: a discrete-event host that drives the real routing
//! engine with simulated traffic, so what is simulated is what production
//! does.
//!
//! A [`Scenario`] says what arrives (streams with Poisson rates, constant or
//! by interval of the week; handling-time and patience distributions), who
//! answers (teams with tiers, skills, languages, clearance, shifts in their
//! own zones, capacity per channel) and what share each tier resolves.
//! [`simulate`] checks it against a [`CompiledPolicy`], then runs
//! replications (in parallel, each seeded from the scenario's seed and its
//! index, merged in order: results never depend on the number of threads).
//!
//! Each replication keeps its own event heap of arrivals, handling
//! completions and patience expiries, and feeds the [`crate::Engine`] the
//! events a desk would: agents log in at the start (the engine follows their
//! shifts), tickets are created, every offer is accepted at once, handling
//! ends in a resolution or an escalation to the next tier, and a customer out
//! of patience abandons (the ticket is resolved unanswered). The engine's
//! wake-ups are honoured with ticks. Figures are tallied online, so memory on
//! the simulation's side does not grow with the number of tickets.
//!
//! The core owns no clock: wall-clock speed is for the host to measure.

mod dist;
mod html;
mod metrics;
mod report;
mod run;
mod scenario;

use jiff::Timestamp;
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
use scenario::Plan;

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
    if replications == 0 || replications > MAX_REPLICATIONS {
        return Err(Error::new(
            ErrorKind::InvalidValue,
            "replications",
            format!("must be 1 to {MAX_REPLICATIONS}, not {replications}"),
        ));
    }
    let plan = Plan::new(scenario, policy)?;
    let outcomes: Vec<Outcome> =
        (0..u64::from(replications)).into_par_iter().map(|r| run::run(&plan, r)).collect::<Result<_, _>>()?;
    Ok(merge(&plan, outcomes, replications))
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
        if plan.streams.iter().any(|s| s.priority == k) {
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
        warnings: plan.warnings.iter().map(ToString::to_string).collect(),
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
