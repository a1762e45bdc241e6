//! Erlang C and Erlang A staffing: how many agents a queue of contacts needs to
//! meet a service-level target, and how a given number of agents performs.
//!
//! # Models
//! Contacts arrive at random (Poisson, rate λ) and take an exponentially
//! distributed handle time of mean `1/μ`; `n` agents serve one queue, first come
//! first served. The offered load is `a = λ/μ` erlangs.
//!
//! - **Erlang C** (M/M/n): nobody hangs up. The queue is stable only when
//!   `n > a`. With `B` the Erlang B blocking probability,
//!   ```text
//!   B(0) = 1,  B(k) = a·B(k-1) / (k + a·B(k-1))
//!   P(wait) = C = n·B / (n - a + a·B)
//!   P(wait > t) = C·exp(-(n - a)·μ·t)
//!   ASA = C / ((n - a)·μ)
//!   ```
//! - **Erlang A** (M/M/n+M, Palm's model): each waiting contact hangs up after
//!   an exponentially distributed patience of mean `1/θ`. It is stable for any
//!   `n >= 1`. Following Mandelbaum and Zeltyn, with
//!   `g(s) = λ·(1 - e^{-θs})/θ - nμ·s` and `A = nμ·∫₀^∞ e^{g(s)} ds`,
//!   ```text
//!   P(wait) = A·B / (1 - B + A·B)
//!   the offered wait V has density  P(wait)·e^{g(s)} / ∫₀^∞ e^{g} on s > 0
//!   P(abandon) = E[1 - e^{-θV}; V > 0]
//!   service level = P(V = 0) + E[e^{-θV}; 0 < V <= t]
//!   ASA = E[V·e^{-θV}; V > 0] / (1 - P(abandon))
//!   ```
//!
//! # Numerics
//! No factorial is ever formed. Erlang B comes from its recursion, which is
//! stable and stops early once `B` underflows, so a call costs at most
//! O(offered load + √load) steps even for millions of agents. The Erlang A
//! integrals are taken around the peak of the log-concave integrand `e^{g}`,
//! shifted to 1 at its maximum (so `A` itself lives in log space and never
//! overflows), by adaptive Gauss–Kronrod quadrature; every measure is a ratio
//! of integrals of positive terms, so nothing cancels.
//!
//! # Definitions
//! - *service level*: the share of **all** arriving contacts answered within
//!   the target time (contacts that hang up count against it, whenever they
//!   hang up).
//! - *ASA*: the average wait of answered contacts, including those answered at
//!   once.
//! - *occupancy*: the carried load (contacts actually served) per agent.
//!
//! ```
//! use tierwise::jiff::SignedDuration;
//! use tierwise::staffing::{Load, erlang_c, required_agents};
//!
//! // 200 contacts an hour, 3 minutes each: 10 erlangs of offered load.
//! let load = Load::new(200.0, SignedDuration::from_secs(180));
//! let within = SignedDuration::from_secs(20);
//!
//! // 80% answered within 20 seconds needs 14 agents (13 give 79.6%).
//! let plan = required_agents(&load, 0.8, within, None)?;
//! assert_eq!(plan.agents, 14);
//! assert!((plan.service_level - 0.8884).abs() < 1e-4);
//! assert!(erlang_c(13, &load, within)?.service_level < 0.8);
//!
//! // Callers who hang up after 2 minutes on average (Erlang A) relieve the queue.
//! let impatient = load.with_patience(SignedDuration::from_secs(120));
//! let plan = required_agents(&impatient, 0.8, within, None)?;
//! assert_eq!(plan.agents, 12);
//! assert!(plan.abandon_rate > 0.05);
//! # Ok::<(), tierwise::Error>(())
//! ```

use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde::Serialize;

use crate::error::{Error, ErrorKind, Problem};

/// The largest offered load accepted, in erlangs (arrivals per hour times the
/// mean handle time in hours).
pub const MAX_OFFERED_LOAD: f64 = 1_000_000.0;

/// The most agents [`required_agents`] will consider before giving up.
pub const MAX_SEARCH_AGENTS: u32 = 10_000_000;

/// The most intervals [`required_per_interval`] accepts: a week of minutes.
pub const MAX_INTERVALS: usize = 10_080;

/// The work arriving at one queue: how often contacts come, how long they take,
/// and, for Erlang A, how long callers wait before hanging up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Load {
    /// Mean arrivals per hour (Poisson); finite and `>= 0`.
    pub arrivals_per_hour: f64,
    /// Mean handle time (talk plus wrap-up) per contact; `> 0`.
    pub mean_handle: SignedDuration,
    /// Mean patience of a waiting contact (exponential); `> 0`. `None` means
    /// nobody hangs up (Erlang C); `Some` selects Erlang A.
    pub mean_patience: Option<SignedDuration>,
}

impl Load {
    /// A load without abandonment (Erlang C).
    #[must_use]
    pub fn new(arrivals_per_hour: f64, mean_handle: SignedDuration) -> Self {
        Load { arrivals_per_hour, mean_handle, mean_patience: None }
    }

    /// The same load with callers who hang up after `mean_patience` on average
    /// (Erlang A).
    #[must_use]
    pub fn with_patience(self, mean_patience: SignedDuration) -> Self {
        Load { mean_patience: Some(mean_patience), ..self }
    }

    /// The offered load in erlangs: arrivals per hour times the mean handle
    /// time in hours.
    ///
    /// # Errors
    /// `invalid_value` for a negative, NaN or infinite rate, a handle time or
    /// patience that is not positive (every such problem, each with its field
    /// path), and `too_large` for a load over [`MAX_OFFERED_LOAD`].
    pub fn offered_erlangs(&self) -> Result<f64, Error> {
        Ok(self.check()?.erlangs)
    }

    fn check(&self) -> Result<Checked, Error> {
        let mut problems = Vec::new();
        let rate = self.arrivals_per_hour;
        if !rate.is_finite() || rate < 0.0 {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                "arrivals_per_hour",
                format!("arrivals per hour must be a finite number >= 0, not {rate}"),
            ));
        }
        if !self.mean_handle.is_positive() {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                "mean_handle",
                format!("the mean handle time must be positive, not {}", crate::format_duration(self.mean_handle)),
            ));
        }
        if let Some(p) = self.mean_patience
            && !p.is_positive()
        {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                "mean_patience",
                format!("the mean patience must be positive, not {}", crate::format_duration(p)),
            ));
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        let handle_s = self.mean_handle.as_secs_f64();
        let erlangs = rate * handle_s / 3600.0;
        if erlangs > MAX_OFFERED_LOAD {
            return Err(Error::new(
                ErrorKind::TooLarge,
                "arrivals_per_hour",
                format!(
                    "{rate} arrivals per hour of {} each is {erlangs:.0} erlangs; the limit is {MAX_OFFERED_LOAD:.0}",
                    crate::format_duration(self.mean_handle)
                ),
            ));
        }
        // handle / patience: the abandonment rate in units of the service rate.
        let theta = self.mean_patience.map(|p| handle_s / p.as_secs_f64());
        Ok(Checked { erlangs, handle_s, theta })
    }
}

/// A validated load.
#[derive(Clone, Copy, Debug)]
struct Checked {
    erlangs: f64,
    handle_s: f64,
    /// Mean handle over mean patience (`θ/μ`); `None` for Erlang C.
    theta: Option<f64>,
}

/// Which queueing model produced a [`Performance`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// M/M/n: nobody hangs up.
    ErlangC,
    /// M/M/n+M: waiting contacts hang up after an exponential patience.
    ErlangA,
}

impl Model {
    /// A stable snake_case identifier: `erlang_c` or `erlang_a`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Model::ErlangC => "erlang_c",
            Model::ErlangA => "erlang_a",
        }
    }
}

/// How a queue performs with a given number of agents, in steady state.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Performance {
    /// The model used: Erlang A when the load has a patience, else Erlang C.
    pub model: Model,
    /// Agents on the queue.
    pub agents: u32,
    /// Offered load in erlangs (arrivals per hour × mean handle in hours).
    pub offered_load_erlangs: f64,
    /// Carried load per agent, in `[0, 1]`: the share of time agents are busy.
    pub occupancy: f64,
    /// Probability that a contact has to wait (finds every agent busy).
    pub p_wait: f64,
    /// Share of all arriving contacts answered within `answer_within_s`.
    pub service_level: f64,
    /// The service-level threshold, in seconds.
    pub answer_within_s: f64,
    /// Average speed of answer: the mean wait of answered contacts, in seconds.
    pub asa_s: f64,
    /// Share of arriving contacts that hang up before being answered (0 for
    /// Erlang C).
    pub abandon_rate: f64,
}

/// How `agents` agents perform under Erlang C (nobody hangs up), ignoring
/// [`Load::mean_patience`].
///
/// With no arrivals every contact is answered at once, even by zero agents.
///
/// # Errors
/// `invalid_value` for a bad load (see [`Load::offered_erlangs`]) or a negative
/// `answer_within`; `out_of_range` at `agents` when `agents` is not more than the
/// offered load, since the queue then grows without bound.
pub fn erlang_c(agents: u32, load: &Load, answer_within: SignedDuration) -> Result<Performance, Error> {
    let load = load.check()?;
    let within_s = check_within(answer_within)?;
    let a = load.erlangs;
    if a == 0.0 {
        return Ok(idle(Model::ErlangC, agents, within_s));
    }
    if f64::from(agents) <= a {
        return Err(Error::new(
            ErrorKind::OutOfRange,
            "agents",
            format!(
                "{agents} agents cannot keep up with {a:.2} erlangs of offered load: without abandonment the queue \
                 grows without bound (Erlang C needs more agents than erlangs)"
            ),
        ));
    }
    let (b, _) = erlang_b(agents, a);
    Ok(c_performance(agents, a, b, &load, within_s))
}

/// How `agents` agents perform under Erlang A (M/M/n+M): waiting contacts hang
/// up after [`Load::mean_patience`] on average.
///
/// # Errors
/// `missing_field` at `mean_patience` when the load has none; `invalid_value`
/// for a bad load (see [`Load::offered_erlangs`]), a negative `answer_within`,
/// or zero agents facing a non-zero load.
pub fn erlang_a(agents: u32, load: &Load, answer_within: SignedDuration) -> Result<Performance, Error> {
    let checked = load.check()?;
    let within_s = check_within(answer_within)?;
    let Some(theta) = checked.theta else {
        return Err(Error::new(
            ErrorKind::MissingField,
            "mean_patience",
            "Erlang A needs a mean patience; use erlang_c for callers who never hang up",
        ));
    };
    if checked.erlangs == 0.0 {
        return Ok(idle(Model::ErlangA, agents, within_s));
    }
    if agents == 0 {
        return Err(Error::new(
            ErrorKind::InvalidValue,
            "agents",
            "with no agents every contact hangs up; ask about at least 1 agent",
        ));
    }
    Ok(a_performance(agents, checked.erlangs, theta, checked.handle_s, within_s))
}

/// The fewest agents that answer at least `target_service_level` of all
/// contacts within `answer_within` (and, if given, keep occupancy at or below
/// `max_occupancy`), with their performance.
///
/// Uses Erlang A when the load has a patience, else Erlang C (which always
/// needs more agents than erlangs). With no arrivals the answer is 0 agents.
///
/// The Erlang C search starts just above the offered load and moves up one
/// agent at a time, updating Erlang B in O(1) per step; the Erlang A search
/// brackets the answer from the offered load and bisects. Either is fast for
/// thousands of erlangs.
///
/// # Errors
/// `invalid_value` for a bad load (see [`Load::offered_erlangs`]), a target
/// outside `(0, 1)` (at `target_service_level`), a negative `answer_within`, or
/// a `max_occupancy` outside `(0, 1]`; `out_of_range` when more than
/// [`MAX_SEARCH_AGENTS`] agents would be needed.
pub fn required_agents(
    load: &Load,
    target_service_level: f64,
    answer_within: SignedDuration,
    max_occupancy: Option<f64>,
) -> Result<Performance, Error> {
    let checked = load.check()?;
    let goal = Goal::check(target_service_level, answer_within, max_occupancy)?;
    solve(&checked, &goal)
}

/// [`required_agents`] for each interval of an arrival profile (for example a
/// week in half hours), where `rates_per_hour[i]` is the mean arrival rate
/// during interval `i`.
///
/// Each interval is treated as its own steady state, so the interval's length
/// does not enter the result; intervals with the same rate share one answer.
///
/// # Errors
/// Every bad rate, each at `rates[i]`; the errors of [`required_agents`] for
/// the other arguments (`mean_handle`, `mean_patience`, `target_service_level`,
/// `answer_within`, `max_occupancy`); `too_large` at `rates` for more than
/// [`MAX_INTERVALS`] intervals.
pub fn required_per_interval(
    rates_per_hour: &[f64],
    mean_handle: SignedDuration,
    mean_patience: Option<SignedDuration>,
    target_service_level: f64,
    answer_within: SignedDuration,
    max_occupancy: Option<f64>,
) -> Result<Vec<Performance>, Error> {
    if rates_per_hour.len() > MAX_INTERVALS {
        return Err(Error::new(
            ErrorKind::TooLarge,
            "rates",
            format!("{} intervals; the limit is {MAX_INTERVALS}", rates_per_hour.len()),
        ));
    }
    // The shared arguments first, with a rate that is always valid.
    Load { arrivals_per_hour: 0.0, mean_handle, mean_patience }.check()?;
    let goal = Goal::check(target_service_level, answer_within, max_occupancy)?;
    let mut problems = Vec::new();
    let mut loads = Vec::with_capacity(rates_per_hour.len());
    for (i, &rate) in rates_per_hour.iter().enumerate() {
        match (Load { arrivals_per_hour: rate, mean_handle, mean_patience }).check() {
            Ok(checked) => loads.push(checked),
            Err(e) => {
                problems
                    .extend(e.problems().iter().map(|p| Problem::new(p.kind(), format!("rates[{i}]"), p.message())));
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::from_problems(problems));
    }
    // Profiles repeat rates (nights, weekends): solve each distinct rate once.
    let mut solved: BTreeMap<u64, Performance> = BTreeMap::new();
    let mut out = Vec::with_capacity(loads.len());
    for (i, checked) in loads.iter().enumerate() {
        let key = rates_per_hour[i].to_bits();
        let perf = match solved.get(&key) {
            Some(p) => *p,
            None => {
                let p = solve(checked, &goal).map_err(|e| {
                    Error::new(e.kind(), format!("rates[{i}]"), format!("{} ({})", e.message(), e.path()))
                })?;
                solved.insert(key, p);
                p
            }
        };
        out.push(perf);
    }
    Ok(out)
}

/// A validated staffing goal.
#[derive(Clone, Copy, Debug)]
struct Goal {
    target: f64,
    within_s: f64,
    max_occupancy: Option<f64>,
}

impl Goal {
    fn check(target: f64, within: SignedDuration, max_occupancy: Option<f64>) -> Result<Goal, Error> {
        let mut problems = Vec::new();
        if !(target > 0.0 && target < 1.0) {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                "target_service_level",
                format!("the service-level target must be a share strictly between 0 and 1 (e.g. 0.8), not {target}"),
            ));
        }
        if within.is_negative() {
            problems.push(within_problem(within));
        }
        if let Some(m) = max_occupancy
            && !(m > 0.0 && m <= 1.0)
        {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                "max_occupancy",
                format!("the maximum occupancy must be a share in (0, 1] (e.g. 0.85), not {m}"),
            ));
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        Ok(Goal { target, within_s: within.as_secs_f64(), max_occupancy })
    }

    fn met_by(&self, p: &Performance) -> bool {
        p.service_level >= self.target && self.max_occupancy.is_none_or(|m| p.occupancy <= m)
    }
}

fn within_problem(within: SignedDuration) -> Problem {
    Problem::new(
        ErrorKind::InvalidValue,
        "answer_within",
        format!("the answer-within time must not be negative, not {}", crate::format_duration(within)),
    )
}

fn check_within(within: SignedDuration) -> Result<f64, Error> {
    if within.is_negative() {
        return Err(Error::from_problem(within_problem(within)));
    }
    Ok(within.as_secs_f64())
}

fn too_many_agents(goal: &Goal) -> Error {
    let path = if goal.max_occupancy.is_some() { "max_occupancy" } else { "target_service_level" };
    Error::new(ErrorKind::OutOfRange, path, format!("the goal would need more than {MAX_SEARCH_AGENTS} agents"))
}

fn solve(load: &Checked, goal: &Goal) -> Result<Performance, Error> {
    match load.theta {
        _ if load.erlangs == 0.0 => {
            let model = if load.theta.is_some() { Model::ErlangA } else { Model::ErlangC };
            Ok(idle(model, 0, goal.within_s))
        }
        None => solve_c(load, goal),
        Some(theta) => solve_a(load, theta, goal),
    }
}

/// Erlang C: walk up from the first stable staffing, one agent at a time.
fn solve_c(load: &Checked, goal: &Goal) -> Result<Performance, Error> {
    let a = load.erlangs;
    let mut start = a.floor() + 1.0;
    if let Some(m) = goal.max_occupancy {
        start = start.max((a / m).floor());
    }
    if start > f64::from(MAX_SEARCH_AGENTS) {
        return Err(too_many_agents(goal));
    }
    let mut n = to_agents(start).max(1);
    let (mut b, _) = erlang_b(n, a);
    loop {
        if f64::from(n) > a {
            let p = c_performance(n, a, b, load, goal.within_s);
            if goal.met_by(&p) {
                return Ok(p);
            }
        }
        if n >= MAX_SEARCH_AGENTS {
            return Err(too_many_agents(goal));
        }
        n += 1;
        b = erlang_b_step(n, a, b).0;
    }
}

/// Erlang A: bracket the answer around the offered load, then bisect (the
/// service level rises and the occupancy falls as agents are added).
fn solve_a(load: &Checked, theta: f64, goal: &Goal) -> Result<Performance, Error> {
    let a = load.erlangs;
    let eval = |n: u32| {
        let p = a_performance(n, a, theta, load.handle_s, goal.within_s);
        (goal.met_by(&p), p)
    };
    let start = to_agents(a.ceil()).clamp(1, MAX_SEARCH_AGENTS);
    let (ok, p) = eval(start);
    let (mut lo, mut hi, mut best) = (0_u32, start, p);
    if !ok {
        lo = start;
        let mut step = to_agents(a.sqrt().ceil()).max(1);
        loop {
            if lo >= MAX_SEARCH_AGENTS {
                return Err(too_many_agents(goal));
            }
            let n = lo.saturating_add(step).min(MAX_SEARCH_AGENTS);
            let (ok, p) = eval(n);
            if ok {
                (hi, best) = (n, p);
                break;
            }
            lo = n;
            step = step.saturating_mul(2);
        }
    }
    // Invariant: `lo` fails (0 always does: someone arrives), `hi` meets the goal.
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let (ok, p) = eval(mid);
        if ok {
            (hi, best) = (mid, p);
        } else {
            lo = mid;
        }
    }
    Ok(best)
}

/// A whole number of agents from a non-negative float already bounded by
/// [`MAX_SEARCH_AGENTS`] (saturating otherwise).
fn to_agents(x: f64) -> u32 {
    if x >= f64::from(MAX_SEARCH_AGENTS) {
        MAX_SEARCH_AGENTS
    } else if x > 0.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = x as u32;
        n
    } else {
        0
    }
}

/// The performance of a queue nobody calls.
fn idle(model: Model, agents: u32, within_s: f64) -> Performance {
    Performance {
        model,
        agents,
        offered_load_erlangs: 0.0,
        occupancy: 0.0,
        p_wait: 0.0,
        service_level: 1.0,
        answer_within_s: within_s,
        asa_s: 0.0,
        abandon_rate: 0.0,
    }
}

/// One step of the Erlang B recursion: `(B(k), 1 - B(k))` from `B(k-1)`.
fn erlang_b_step(k: u32, a: f64, prev: f64) -> (f64, f64) {
    let k = f64::from(k);
    let ab = a * prev;
    let d = k + ab;
    (ab / d, k / d)
}

/// Erlang B for `n` servers and `a` erlangs, with its complement computed
/// without cancellation. Stops once `B` underflows (it only falls from there).
fn erlang_b(n: u32, a: f64) -> (f64, f64) {
    let (mut b, mut nb) = (1.0, 0.0);
    for k in 1..=n {
        (b, nb) = erlang_b_step(k, a, b);
        if b == 0.0 {
            return (0.0, 1.0);
        }
    }
    (b, nb)
}

/// Erlang C measures from Erlang B, for `n > a > 0`.
fn c_performance(n: u32, a: f64, b: f64, load: &Checked, within_s: f64) -> Performance {
    let nf = f64::from(n);
    let gap = nf - a;
    // C = n·B / (n - a·(1 - B)), written so that nothing cancels.
    let c = (nf * b / (gap + a * b)).clamp(0.0, 1.0);
    let t = within_s / load.handle_s;
    let late = c * (-gap * t).exp();
    Performance {
        model: Model::ErlangC,
        agents: n,
        offered_load_erlangs: a,
        occupancy: (a / nf).min(1.0),
        p_wait: c,
        service_level: (1.0 - late).clamp(0.0, 1.0),
        answer_within_s: within_s,
        asa_s: c / gap * load.handle_s,
        abandon_rate: 0.0,
    }
}

/// Erlang A measures for `n >= 1` agents, `a > 0` erlangs and `theta` = mean
/// handle / mean patience. Time inside is in units of the mean handle time.
fn a_performance(n: u32, a: f64, theta: f64, handle_s: f64, within_s: f64) -> Performance {
    let nf = f64::from(n);
    let (b, nb) = erlang_b(n, a);
    let mut perf = Performance {
        model: Model::ErlangA,
        agents: n,
        offered_load_erlangs: a,
        occupancy: (a / nf).min(1.0),
        p_wait: 0.0,
        service_level: 1.0,
        answer_within_s: within_s,
        asa_s: 0.0,
        abandon_rate: 0.0,
    };
    if b == 0.0 {
        // So many agents that nobody waits (to double precision).
        return perf;
    }
    let shape = Shape::new(nf, a, theta);
    let t = within_s / handle_s;
    let [j0, j_abandon, j_late, j_wait] = shape.integrals(t);
    if !(j0 > 0.0 && j0.is_finite()) {
        // Unreachable: the integrand is 1 at its peak and the range is not empty.
        return perf;
    }
    // P(wait) = A·B / (1 - B + A·B) with ln A = ln n + g_max + ln J0.
    let ln_ab = nf.ln() + shape.g_max + j0.ln() + b.ln();
    let p_wait = 1.0 / (1.0 + nb * (-ln_ab).exp());
    let abandon = (p_wait * (j_abandon / j0)).clamp(0.0, 1.0);
    let late = (p_wait * (j_late / j0)).clamp(0.0, 1.0);
    let served = 1.0 - abandon;
    let wait_served = p_wait * (j_wait / j0);
    perf.p_wait = p_wait.clamp(0.0, 1.0);
    perf.abandon_rate = abandon;
    perf.service_level = 1.0 - late;
    perf.asa_s = if served > 0.0 { (wait_served / served * handle_s).max(0.0) } else { 0.0 };
    perf.occupancy = (a * served / nf).clamp(0.0, 1.0);
    perf
}

/// `e^{-u} - 1 + u`, accurate for small `|u|` (it is `u²/2 - u³/6 + ...`).
fn phi(u: f64) -> f64 {
    if u.abs() < 0.25 {
        let mut term = u * u / 2.0;
        let mut sum = term;
        for k in 3..40 {
            term *= -u / f64::from(k);
            sum += term;
            if term.abs() <= 1e-18 * sum.abs() {
                break;
            }
        }
        sum
    } else {
        (-u).exp_m1() + u
    }
}

/// `u - ln(1 + u)`, accurate for small `|u|` (it is `u²/2 - u³/3 + ...`).
fn psi(u: f64) -> f64 {
    if u.abs() < 0.25 {
        let mut power = u * u;
        let mut sum = 0.0;
        for k in 2..80 {
            let term = power / f64::from(k);
            sum += if k % 2 == 0 { term } else { -term };
            if term.abs() <= 1e-18 * sum.abs() {
                break;
            }
            power *= u;
        }
        sum
    } else {
        u - u.ln_1p()
    }
}

/// Below this (relative to its peak) the Erlang A integrand is ignored.
const LOG_NEGLIGIBLE: f64 = 45.0;

/// The Erlang A integrand `e^{g(s)}`, shifted so its peak (at `s*`) is 1, in
/// terms of `d = s - s*`: `h(d) = (r - n)·d - (r/θ)·φ(θ·d)` where `r` is the
/// arrival rate seen at the peak (`min(a, n)`).
struct Shape {
    n: f64,
    theta: f64,
    r: f64,
    s_star: f64,
    /// `g(s*)`, the log of the peak height (0 when `a <= n`).
    g_max: f64,
}

impl Shape {
    fn new(n: f64, a: f64, theta: f64) -> Shape {
        if a <= n {
            Shape { n, theta, r: a, s_star: 0.0, g_max: 0.0 }
        } else {
            // g is largest where a·e^{-θs} = n.
            let u = (a - n) / n;
            Shape { n, theta, r: n, s_star: u.ln_1p() / theta, g_max: n * psi(u) / theta }
        }
    }

    fn h(&self, d: f64) -> f64 {
        (self.r - self.n) * d - self.r / self.theta * phi(self.theta * d)
    }

    /// `[∫e^g, ∫e^g(1 - e^{-θs}), ∫_t^∞ e^g + ∫_0^t e^g(1 - e^{-θs}), ∫ s·e^g·e^{-θs}]`
    /// over `s > 0`, each divided by `e^{g(s*)}`.
    fn integrals(&self, t: f64) -> [f64; 4] {
        let scale = 1.0 / (16.0 * (self.n + self.r + 1.0));
        // Right edge: h falls (at least linearly) past the peak.
        let mut hi = scale;
        for _ in 0..2000 {
            if self.h(hi) < -LOG_NEGLIGIBLE || !hi.is_finite() {
                break;
            }
            hi *= 2.0;
        }
        // Left edge: s = 0, unless the integrand is negligible well before it.
        let mut lo = -self.s_star;
        if self.s_star > 0.0 && self.h(lo) < -LOG_NEGLIGIBLE {
            let mut x = scale.min(self.s_star);
            for _ in 0..2000 {
                if x >= self.s_star || self.h(-x) < -LOG_NEGLIGIBLE {
                    break;
                }
                x *= 2.0;
            }
            lo = -x.min(self.s_star);
        }
        let mut breaks = vec![lo, hi];
        for inner in [0.0, t - self.s_star] {
            if inner > lo && inner < hi {
                breaks.push(inner);
            }
        }
        crate::compact_sort::sort_by(&mut breaks, |a, b| a.total_cmp(b).is_lt());
        breaks.dedup();
        let f = |d: f64| {
            let e = self.h(d).exp();
            let s = (self.s_star + d).max(0.0);
            let stay = (-self.theta * s).exp();
            let gone = -(-self.theta * s).exp_m1();
            let late = if s >= t { 1.0 } else { gone };
            [e, e * gone, e * late, e * s * stay]
        };
        integrate(&f, &breaks)
    }
}

/// Gauss–Kronrod 7/15 nodes on [-1, 1] (the positive half; 0 last).
const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];
/// Kronrod weights for [`XGK`].
const WGK: [f64; 8] = [
    0.022_935_322_010_529_22,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
];
/// Gauss weights for the odd-indexed nodes of [`XGK`] (the 7-point rule).
const WG: [f64; 4] =
    [0.129_484_966_168_869_7, 0.279_705_391_489_276_7, 0.381_830_050_505_118_9, 0.417_959_183_673_469_4];

const MAX_PANELS: usize = 400;
const REL_TOL: f64 = 1e-11;

struct Panel<const K: usize> {
    a: f64,
    b: f64,
    value: [f64; K],
    error: [f64; K],
}

fn gauss_kronrod<const K: usize>(f: &impl Fn(f64) -> [f64; K], a: f64, b: f64) -> Panel<K> {
    let c = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let fc = f(c);
    let mut kron = [0.0; K];
    let mut gauss = [0.0; K];
    for k in 0..K {
        kron[k] = WGK[7] * fc[k];
        gauss[k] = WG[3] * fc[k];
    }
    for (j, (&x, &wk)) in XGK.iter().zip(&WGK).take(7).enumerate() {
        let (f1, f2) = (f(c - half * x), f(c + half * x));
        for k in 0..K {
            let pair = f1[k] + f2[k];
            kron[k] += wk * pair;
            if j % 2 == 1 {
                gauss[k] += WG[j / 2] * pair;
            }
        }
    }
    let mut value = [0.0; K];
    let mut error = [0.0; K];
    for k in 0..K {
        value[k] = kron[k] * half;
        error[k] = ((kron[k] - gauss[k]) * half).abs();
    }
    Panel { a, b, value, error }
}

/// Adaptive Gauss–Kronrod quadrature of a vector of non-negative integrands
/// over consecutive `breaks`, splitting the panel with the largest relative
/// error until every component meets [`REL_TOL`].
fn integrate<const K: usize>(f: &impl Fn(f64) -> [f64; K], breaks: &[f64]) -> [f64; K] {
    let mut panels: Vec<Panel<K>> = breaks.windows(2).map(|w| gauss_kronrod(f, w[0], w[1])).collect();
    let sums = |panels: &[Panel<K>]| {
        let mut value = [0.0; K];
        let mut error = [0.0; K];
        for p in panels {
            for k in 0..K {
                value[k] += p.value[k];
                error[k] += p.error[k];
            }
        }
        (value, error)
    };
    while panels.len() < MAX_PANELS {
        let (value, error) = sums(&panels);
        let scale: [f64; K] = std::array::from_fn(|k| value[k].abs().max(f64::MIN_POSITIVE));
        if (0..K).all(|k| error[k] <= REL_TOL * scale[k]) {
            break;
        }
        let worst = |p: &Panel<K>| (0..K).map(|k| p.error[k] / scale[k]).fold(0.0, f64::max);
        let Some(i) = (0..panels.len()).max_by(|&i, &j| worst(&panels[i]).total_cmp(&worst(&panels[j]))) else {
            break;
        };
        let (a, b) = (panels[i].a, panels[i].b);
        let mid = 0.5 * (a + b);
        if !(mid > a && mid < b) {
            break; // cannot split further in floating point
        }
        panels[i] = gauss_kronrod(f, a, mid);
        panels.push(gauss_kronrod(f, mid, b));
    }
    sums(&panels).0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: i64) -> SignedDuration {
        SignedDuration::from_secs(s)
    }

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(1e-300)
    }

    /// Erlang C from its textbook definition with factorials, for small `n`.
    fn naive_erlang_c(n: u32, a: f64) -> f64 {
        let fact = |k: u32| (1..=k).map(f64::from).product::<f64>();
        let top = a.powi(n as i32) / fact(n) * f64::from(n) / (f64::from(n) - a);
        let sum: f64 = (0..n).map(|k| a.powi(k as i32) / fact(k)).sum();
        top / (sum + top)
    }

    #[test]
    fn erlang_c_matches_the_factorial_formula() {
        for (rate, handle, n) in [(200.0, 180, 11), (200.0, 180, 14), (360.0, 240, 29), (100.0, 300, 13), (30.0, 60, 1)]
        {
            let load = Load::new(rate, secs(handle));
            let a = rate * handle as f64 / 3600.0;
            let p = erlang_c(n, &load, secs(20)).unwrap();
            let c = naive_erlang_c(n, a);
            let gap = f64::from(n) - a;
            assert!(close(p.p_wait, c, 1e-12), "{n} {a}: {} vs {c}", p.p_wait);
            let sl = 1.0 - c * (-gap * 20.0 / handle as f64).exp();
            assert!(close(p.service_level, sl, 1e-12), "{n} {a}");
            assert!(close(p.asa_s, c * handle as f64 / gap, 1e-12), "{n} {a}");
            assert!(close(p.occupancy, a / f64::from(n), 1e-15));
            assert_eq!(p.abandon_rate, 0.0);
            assert_eq!(p.model, Model::ErlangC);
        }
    }

    #[test]
    fn classic_erlang_c_examples() {
        // Values from 40-digit factorial arithmetic (mpmath).
        // 200/h x 3m = 10 erlangs, 80/20: 14 agents, 88.84% (13 give 79.56%).
        let load = Load::new(200.0, secs(180));
        let p = required_agents(&load, 0.8, secs(20), None).unwrap();
        assert_eq!(p.agents, 14);
        assert!(close(p.service_level, 0.888_350_019_179_467, 1e-12));
        assert!(close(p.p_wait, 0.174_131_933_595_05, 1e-12));
        assert!(close(p.asa_s, 7.835_937_011_777_24, 1e-12));
        assert!(close(erlang_c(13, &load, secs(20)).unwrap().service_level, 0.795_594_788_4, 1e-9));
        // 360/h x 4m = 24 erlangs, 80/20: 29 agents.
        let p = required_agents(&Load::new(360.0, secs(240)), 0.8, secs(20), None).unwrap();
        assert_eq!((p.agents, p.offered_load_erlangs), (29, 24.0));
        assert!(close(p.service_level, 0.840_283_145_662_605, 1e-12));
        // 1200/h x 5m = 100 erlangs, 80/20: 108 agents.
        let p = required_agents(&Load::new(1200.0, secs(300)), 0.8, secs(20), None).unwrap();
        assert_eq!(p.agents, 108);
        assert!(close(p.asa_s, 12.312_363_001_017_8, 1e-12));
    }

    #[test]
    fn max_occupancy_adds_agents() {
        let load = Load::new(1200.0, secs(300));
        let p = required_agents(&load, 0.8, secs(20), Some(0.85)).unwrap();
        assert_eq!(p.agents, 118); // ceil(100 / 0.85)
        assert!(p.occupancy <= 0.85);
        let p = required_agents(&load.with_patience(secs(60)), 0.5, secs(20), Some(0.85)).unwrap();
        assert!(p.occupancy <= 0.85);
        let fewer = erlang_a(p.agents - 1, &load.with_patience(secs(60)), secs(20)).unwrap();
        assert!(fewer.occupancy > 0.85 || fewer.service_level < 0.5);
    }

    /// Erlang A from the birth-death chain, truncated: the chance that a
    /// contact with `i` contacts ahead is answered within `t` by uniformization
    /// of the tagged contact's own small chain; E[wait; answered] from the
    /// hypoexponential stages. Time in mean handle times.
    fn naive_erlang_a(n: u32, a: f64, theta: f64, t: f64) -> (f64, f64, f64, f64) {
        let nf = f64::from(n);
        let mut probs = vec![1.0];
        for k in 1..=n {
            probs.push(probs[probs.len() - 1] * a / f64::from(k));
        }
        let mut i = 0.0;
        while probs.len() < 100_000 {
            i += 1.0;
            let next = probs[probs.len() - 1] * a / (nf + i * theta);
            probs.push(next);
            if next < 1e-30 && a < nf + i * theta {
                break;
            }
        }
        let z: f64 = probs.iter().sum();
        let probs: Vec<f64> = probs.iter().map(|p| p / z).collect();
        let queued = &probs[n as usize..];
        let p_wait: f64 = queued.iter().sum();
        let eq: f64 = queued.iter().enumerate().map(|(i, p)| i as f64 * p).sum();
        let p_ab = theta * eq / a;
        let mut sl: f64 = probs[..n as usize].iter().sum();
        let mut wait = 0.0;
        for (ahead, &p) in queued.iter().enumerate() {
            // Answered within t: uniformize the stages ahead..0 -> answered / gone.
            let rate = nf + (ahead as f64 + 1.0) * theta;
            let mut stage = vec![0.0; ahead + 1];
            stage[ahead] = 1.0;
            let (mut answered, mut within) = (0.0, 0.0);
            let lt = rate * t;
            let mut weight = (-lt).exp();
            for k in 0..(lt + 12.0 * (lt + 1.0).sqrt() + 40.0) as usize {
                within += weight * answered;
                let mut next = vec![0.0; ahead + 1];
                for j in 0..=ahead {
                    let down = (nf + j as f64 * theta) / rate;
                    next[j] += stage[j] * (1.0 - down - theta / rate);
                    if j == 0 {
                        answered += stage[j] * down;
                    } else {
                        next[j - 1] += stage[j] * down;
                    }
                }
                stage = next;
                weight *= lt / (k as f64 + 1.0);
            }
            sl += p * within;
            let mut keep = 1.0;
            let mut mean = 0.0;
            for j in 0..=ahead {
                let r = nf + j as f64 * theta;
                keep *= r / (r + theta);
                mean += 1.0 / (r + theta);
            }
            wait += p * keep * mean;
        }
        (p_wait, p_ab, sl, wait / (1.0 - p_ab))
    }

    #[test]
    fn erlang_a_matches_the_birth_death_chain() {
        // (agents, erlangs, handle/patience, within in handle times) and the values
        // (p_wait, abandon, service level, ASA in handle times) from mpmath at 50
        // digits with two independent service-level methods.
        #[allow(clippy::type_complexity)]
        let cases: [((u32, f64, f64, f64), (f64, f64, f64, f64)); 6] = [
            (
                (10, 10.0, 1.5, 20.0 / 180.0),
                (0.496_852_747_630_142, 0.137_463_826_276_45, 0.639_941_307_035_988, 0.080_856_831_418_790_7),
            ),
            (
                (11, 10.0, 1.5, 20.0 / 180.0),
                (0.382_816_491_479_932, 0.094_155_034_237_456_5, 0.742_208_984_389_389, 0.054_347_319_548_161_7),
            ),
            (
                (12, 10.0, 1.5, 20.0 / 180.0),
                (0.279_807_018_645_444, 0.061_597_377_003_680_4, 0.825_582_644_361_764, 0.035_193_189_848_995_4),
            ),
            (
                (8, 10.0, 3.0, 20.0 / 180.0),
                (0.625_179_065_739_531, 0.278_352_861_583_435, 0.527_552_459_445_296, 0.078_191_883_699_683_9),
            ),
            (
                (3, 2.5, 0.6, 0.1),
                (0.494_431_309_974_984, 0.139_589_535_186_614, 0.561_890_636_872_575, 0.201_765_661_010_469),
            ),
            (
                (14, 10.0, 0.05, 20.0 / 180.0),
                (0.170_026_897_744_873, 0.001_988_228_394_903_73, 0.892_547_177_113_92, 0.039_388_846_358_233_6),
            ),
        ];
        for ((n, a, theta, t), (pw, pab, sl, asa)) in cases {
            // Handle 180 s; patience = handle / theta.
            let load = Load::new(a * 20.0, secs(180)).with_patience(SignedDuration::from_secs_f64(180.0 / theta));
            let p = erlang_a(n, &load, SignedDuration::from_secs_f64(t * 180.0)).unwrap();
            assert_eq!(p.model, Model::ErlangA);
            assert!(close(p.p_wait, pw, 1e-9), "{n} {a} {theta}: p_wait {} vs {pw}", p.p_wait);
            assert!(close(p.abandon_rate, pab, 1e-9), "{n} {a} {theta}: abandon {} vs {pab}", p.abandon_rate);
            assert!(close(p.service_level, sl, 1e-9), "{n} {a} {theta}: sl {} vs {sl}", p.service_level);
            assert!(close(p.asa_s, asa * 180.0, 1e-9), "{n} {a} {theta}: asa {} vs {}", p.asa_s, asa * 180.0);
            assert!(close(p.occupancy, a * (1.0 - pab) / f64::from(n), 1e-9));
            // And against the chain computed here in f64.
            let (npw, npab, nsl, nasa) = naive_erlang_a(n, a, theta, t);
            assert!(close(p.p_wait, npw, 1e-9) && close(p.abandon_rate, npab, 1e-9), "{n} {a} {theta}");
            assert!(close(p.service_level, nsl, 1e-8) && close(p.asa_s, nasa * 180.0, 1e-9), "{n} {a} {theta}");
        }
        // 200/h x 3m with 2m patience, 80/20: 12 agents (11 give 74.2%).
        let load = Load::new(200.0, secs(180)).with_patience(secs(120));
        let p = required_agents(&load, 0.8, secs(20), None).unwrap();
        assert_eq!(p.agents, 12);
        assert!(close(p.service_level, 0.825_582_644_361_764, 1e-9));
    }

    #[test]
    fn more_agents_serve_better() {
        let c = Load::new(3000.0, secs(300)); // 250 erlangs
        let a = c.with_patience(secs(90));
        let mut last = (0.0, 0.0);
        for n in 251..320 {
            let pc = erlang_c(n, &c, secs(20)).unwrap();
            let pa = erlang_a(n, &a, secs(20)).unwrap();
            for p in [pc, pa] {
                for x in [p.p_wait, p.service_level, p.occupancy, p.abandon_rate] {
                    assert!((0.0..=1.0).contains(&x), "{n}: {p:?}");
                }
                assert!(p.asa_s >= 0.0 && p.asa_s.is_finite());
            }
            assert!(pc.service_level > last.0 && pa.service_level > last.1, "{n}");
            last = (pc.service_level, pa.service_level);
        }
        let mut last = 0.0;
        for n in 1..251 {
            // With a handful of agents nearly everyone hangs up: the service
            // level is 0 to double precision, so it can only rise from there.
            let pa = erlang_a(n, &a, secs(20)).unwrap();
            assert!(pa.service_level > last || (n < 100 && pa.service_level >= last), "{n}");
            last = pa.service_level;
        }
    }

    #[test]
    fn erlang_a_with_endless_patience_is_erlang_c() {
        for (rate, n) in [(200.0, 18), (200.0, 20), (3000.0, 260), (60_000.0, 5_080)] {
            let c = Load::new(rate, secs(300));
            let a = c.with_patience(secs(300 * 1_000_000));
            let (pc, pa) = (erlang_c(n, &c, secs(20)).unwrap(), erlang_a(n, &a, secs(20)).unwrap());
            assert!(close(pa.p_wait, pc.p_wait, 1e-4), "{n}: {pa:?} {pc:?}");
            assert!(close(pa.service_level, pc.service_level, 1e-4), "{n}: {pa:?} {pc:?}");
            assert!(close(pa.asa_s, pc.asa_s, 1e-3), "{n}: {pa:?} {pc:?}");
            assert!(pa.abandon_rate < 1e-4);
        }
    }

    #[test]
    fn a_trickle_hardly_waits() {
        let load = Load::new(0.5, secs(180)).with_patience(secs(60));
        let p = erlang_a(8, &load, secs(20)).unwrap();
        assert!(p.p_wait < 1e-12 && p.abandon_rate < 1e-12 && p.service_level > 1.0 - 1e-12, "{p:?}");
        let p = required_agents(&load, 0.8, secs(20), None).unwrap();
        assert_eq!(p.agents, 1);
        let none = required_agents(&Load::new(0.0, secs(180)), 0.8, secs(20), None).unwrap();
        assert_eq!((none.agents, none.service_level, none.p_wait), (0, 1.0, 0.0));
    }

    #[test]
    fn thousands_of_agents_stay_finite() {
        // 73,500/h x 4m = 4,900 erlangs, 80/20. Erlang C: 4,916 agents (4,915 give
        // 78.29%); with 3m patience: 4,473 agents (4,472 give 79.84%). Reference
        // values from mpmath: log-space factorials for Erlang C; for Erlang A the
        // truncated birth-death chain (p_wait, abandonment) and mpmath's own
        // quadrature of the Mandelbaum-Zeltyn integrals (service level).
        let c = Load::new(73_500.0, secs(240));
        let p = required_agents(&c, 0.8, secs(20), None).unwrap();
        assert_eq!(p.agents, 4_916);
        assert!(close(p.p_wait, 0.743_199_102_963_720_9, 1e-9), "{p:?}");
        assert!(close(p.service_level, 0.804_094_843_408_587_8, 1e-9), "{p:?}");
        assert!(close(p.asa_s, 11.147_986_544_455_814, 1e-9), "{p:?}");
        assert!(close(erlang_c(4_915, &c, secs(20)).unwrap().service_level, 0.782_934_145_990_82, 1e-9));
        let a = c.with_patience(secs(180));
        let p = required_agents(&a, 0.8, secs(20), None).unwrap();
        assert_eq!(p.agents, 4_473);
        assert!(close(p.p_wait, 0.999_999_959_905_854_9, 1e-9), "{p:?}");
        assert!(close(p.abandon_rate, 0.087_142_857_232_460_3, 1e-9), "{p:?}");
        assert!(close(p.service_level, 0.800_996_345_553_384, 1e-9), "{p:?}");
        assert!(close(erlang_a(4_472, &a, secs(20)).unwrap().service_level, 0.798_392_043_639_158_1, 1e-9));
        for n in [1, 100, 4_000, 4_901, 5_000, 20_000, u32::MAX] {
            let load = Load::new(75_000.0, secs(240)).with_patience(secs(120));
            let p = erlang_a(n, &load, secs(20)).unwrap();
            for x in [p.p_wait, p.service_level, p.occupancy, p.abandon_rate, p.asa_s] {
                assert!(x.is_finite() && x >= 0.0, "{n}: {p:?}");
            }
            if n > 5_000 {
                let p = erlang_c(n, &Load::new(75_000.0, secs(240)), secs(20)).unwrap();
                assert!(p.service_level.is_finite() && p.asa_s.is_finite(), "{p:?}");
            }
        }
    }

    #[test]
    fn extreme_patience_ratios_stay_finite() {
        for handle in [1, 180, 36_000] {
            for patience_ms in [1, 1_000, 120_000, 3_600_000_000, i64::MAX / 4] {
                for rate in [1e-6, 0.3, 30.0, 3_000.0, 300_000.0] {
                    let load = Load::new(rate, secs(handle)).with_patience(SignedDuration::from_millis(patience_ms));
                    let Ok(a) = load.offered_erlangs() else { continue };
                    for n in [1, 2, (a as u32).max(1), a as u32 + 1, 2 * a as u32 + 5] {
                        let p = erlang_a(n, &load, secs(20)).unwrap();
                        for x in [p.p_wait, p.service_level, p.occupancy, p.abandon_rate] {
                            assert!((0.0..=1.0).contains(&x), "{handle} {patience_ms} {rate} {n}: {p:?}");
                        }
                        assert!(p.asa_s.is_finite() && p.asa_s >= 0.0, "{handle} {patience_ms} {rate} {n}: {p:?}");
                        assert!(p.abandon_rate <= p.p_wait + 1e-12 && p.service_level <= 1.0 - p.abandon_rate + 1e-12);
                    }
                }
            }
        }
    }

    #[test]
    fn bad_input_is_an_error_with_its_path() {
        let h = secs(180);
        let w = secs(20);
        let cases: [(Result<Performance, Error>, &str, &str); 12] = [
            (erlang_c(10, &Load::new(f64::NAN, h), w), "arrivals_per_hour", "invalid_value"),
            (erlang_c(10, &Load::new(-1.0, h), w), "arrivals_per_hour", "invalid_value"),
            (erlang_c(10, &Load::new(f64::INFINITY, h), w), "arrivals_per_hour", "invalid_value"),
            (erlang_c(10, &Load::new(1e12, h), w), "arrivals_per_hour", "too_large"),
            (erlang_c(10, &Load::new(10.0, secs(0)), w), "mean_handle", "invalid_value"),
            (erlang_c(10, &Load::new(10.0, secs(-5)), w), "mean_handle", "invalid_value"),
            (erlang_a(10, &Load::new(10.0, h).with_patience(secs(0)), w), "mean_patience", "invalid_value"),
            (erlang_a(10, &Load::new(10.0, h), w), "mean_patience", "missing_field"),
            (erlang_c(10, &Load::new(10.0, h), secs(-1)), "answer_within", "invalid_value"),
            (erlang_c(10, &Load::new(200.0, h), w), "agents", "out_of_range"),
            (erlang_a(0, &Load::new(200.0, h).with_patience(h), w), "agents", "invalid_value"),
            (required_agents(&Load::new(200.0, h), 1.0, w, None), "target_service_level", "invalid_value"),
        ];
        for (result, path, code) in cases {
            let err = result.unwrap_err();
            assert_eq!((err.path(), err.code()), (path, code), "{err}");
        }
        for (target, occ, path) in [
            (f64::NAN, None, "target_service_level"),
            (0.0, None, "target_service_level"),
            (0.8, Some(0.0), "max_occupancy"),
            (0.8, Some(f64::NAN), "max_occupancy"),
            (0.8, Some(1.5), "max_occupancy"),
        ] {
            assert_eq!(required_agents(&Load::new(200.0, h), target, w, occ).unwrap_err().path(), path);
        }
        let err = Load::new(f64::NAN, secs(0)).offered_erlangs().unwrap_err();
        assert_eq!(err.problems().len(), 2);
        let err = required_agents(&Load::new(200.0, h), 0.8, w, Some(1e-9)).unwrap_err();
        assert_eq!((err.path(), err.code()), ("max_occupancy", "out_of_range"));
    }

    #[test]
    fn profiles_name_the_bad_interval() {
        let h = secs(180);
        let out = required_per_interval(&[0.0, 200.0, 200.0, 360.0], h, None, 0.8, secs(20), None).unwrap();
        assert_eq!(out.iter().map(|p| p.agents).collect::<Vec<_>>(), [0, 14, 14, 22]);
        let err = required_per_interval(&[1.0, f64::NAN, 2.0, -3.0], h, None, 0.8, secs(20), None).unwrap_err();
        let paths: Vec<&str> = err.problems().iter().map(Problem::path).collect();
        assert_eq!(paths, ["rates[1]", "rates[3]"]);
        let err = required_per_interval(&[1.0], secs(0), None, 0.8, secs(20), None).unwrap_err();
        assert_eq!(err.path(), "mean_handle");
        let err = required_per_interval(&[1.0], h, None, 0.8, secs(20), Some(1e-9)).unwrap_err();
        assert_eq!((err.path(), err.code()), ("rates[0]", "out_of_range"));
        let many = vec![1.0; MAX_INTERVALS + 1];
        assert_eq!(required_per_interval(&many, h, None, 0.8, secs(20), None).unwrap_err().code(), "too_large");
    }

    #[test]
    fn quadrature_is_exact_for_polynomials_and_smooth_functions() {
        let p = gauss_kronrod(&|x: f64| [x.powi(22), x.powi(13)], 0.0, 1.0);
        assert!(close(p.value[0], 1.0 / 23.0, 1e-14) && close(p.value[1], 1.0 / 14.0, 1e-14));
        let v = integrate(&|x: f64| [(-x).exp(), (-x * x).exp()], &[0.0, 40.0]);
        assert!(close(v[0], 1.0, 1e-12) && close(v[1], std::f64::consts::PI.sqrt() / 2.0, 1e-12), "{v:?}");
    }
}
