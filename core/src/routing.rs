//! Compiled routing rules: strategies, offers, capacity rules, escalation and
//! the relaxation ladder. The engine applies them; the policy compiles them.

use crate::error::{ErrorKind, Problem, unknown_name};
use crate::policy::RoutingSpec;
use crate::ticket::Channel;
use crate::time::{duration_ms, format_duration};

/// One way of ordering eligible agents; several apply lexicographically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Strategy {
    /// The agent whose last offer is oldest first.
    LongestIdle,
    /// The agent with the most free capacity on the ticket's channel first.
    MostSpareCapacity,
    /// The agent with the highest levels in the ticket's skills first.
    BestSkillMatch,
    /// Agents in turn, by the order of their last offer.
    RoundRobin,
}

impl Strategy {
    const NAMES: [&'static str; 4] = ["longest_idle", "most_spare_capacity", "best_skill_match", "round_robin"];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Strategy::LongestIdle => "longest_idle",
            Strategy::MostSpareCapacity => "most_spare_capacity",
            Strategy::BestSkillMatch => "best_skill_match",
            Strategy::RoundRobin => "round_robin",
        }
    }
}

/// One compiled relaxation step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RelaxStep {
    pub(crate) after_ms: i64,
    pub(crate) lower_levels: u8,
    pub(crate) drop_skills: bool,
    pub(crate) keep_skills: Vec<String>,
    pub(crate) widen_tier: bool,
    pub(crate) any_language: bool,
}

impl RelaxStep {
    pub(crate) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.lower_levels > 0 {
            parts.push(format!("skill levels lowered by {}", self.lower_levels));
        }
        if self.drop_skills {
            if self.keep_skills.is_empty() {
                parts.push("skills dropped".to_owned());
            } else {
                parts.push(format!("skills dropped except {}", self.keep_skills.join(", ")));
            }
        }
        if self.widen_tier {
            parts.push("next tier up accepted".to_owned());
        }
        if self.any_language {
            parts.push("any language accepted".to_owned());
        }
        format!("after {} waiting: {}", format_duration(crate::time::ms_duration(self.after_ms)), parts.join("; "))
    }
}

/// The compiled routing rules.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RoutingRules {
    pub(crate) tiers: Vec<String>,
    pub(crate) strategy: Vec<Strategy>,
    pub(crate) offer_timeout_ms: i64,
    pub(crate) reject_cooldown_ms: i64,
    pub(crate) sticky_wait_ms: i64,
    pub(crate) wrap_up_ms: [i64; 7],
    pub(crate) exclusive: [bool; 7],
    pub(crate) pending_consumes_capacity: bool,
    pub(crate) fairness: Option<(u32, i64)>,
    /// Per tier: escalate after waiting this long in it.
    pub(crate) escalate_after_ms: Vec<Option<i64>>,
    /// Per tier: escalate a waiting ticket at an SLA alert at or past this
    /// share of a target.
    pub(crate) escalate_at_fraction: Vec<Option<f64>>,
    pub(crate) relaxation: Vec<RelaxStep>,
}

impl RoutingRules {
    /// Whether an agent's ranking key can rise without an offer: spare
    /// capacity grows when an item ends. The other strategies' keys only fall,
    /// with each offer the agent gets.
    pub(crate) fn agent_keys_can_rise(&self) -> bool {
        self.strategy.contains(&Strategy::MostSpareCapacity)
    }

    /// How many items on exclusive channels (a call blocks everything else)
    /// a load by channel holds.
    pub(crate) fn exclusive_items(&self, load: &[u8; 7]) -> u32 {
        load.iter().zip(self.exclusive).filter(|&(_, exclusive)| exclusive).map(|(&n, _)| u32::from(n)).sum()
    }
}

/// Most steps in a relaxation ladder (a ticket counts its steps in a byte).
pub(crate) const MAX_RELAXATION_STEPS: usize = 64;

/// Compiles the routing section, appending problems.
pub(crate) fn compile(spec: &RoutingSpec, tiers: &[String], problems: &mut Vec<Problem>) -> RoutingRules {
    let mut strategy = Vec::new();
    for (i, name) in spec.strategy.0.iter().enumerate() {
        match Strategy::NAMES.iter().position(|n| n == name) {
            Some(0) => strategy.push(Strategy::LongestIdle),
            Some(1) => strategy.push(Strategy::MostSpareCapacity),
            Some(2) => strategy.push(Strategy::BestSkillMatch),
            Some(_) => strategy.push(Strategy::RoundRobin),
            None => problems.push(unknown_name(format!("routing.strategy[{i}]"), "strategy", name, Strategy::NAMES)),
        }
    }
    if spec.strategy.0.is_empty() {
        strategy.push(Strategy::LongestIdle);
    }
    let positive = |problems: &mut Vec<Problem>, path: &str, d: jiff::SignedDuration, allow_zero: bool| -> i64 {
        let ms = duration_ms(d);
        if ms < 0 || (ms == 0 && !allow_zero) {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                path,
                format!(
                    "must be {}, found {}",
                    if allow_zero { "zero or more" } else { "positive" },
                    format_duration(d)
                ),
            ));
        }
        // Text is bounded when read; a duration built in Rust past 200 years
        // is taken as 200 years, which keeps the engine's sums of instants and
        // durations far from overflow.
        ms.clamp(0, crate::time::MAX_DURATION_SECS * 1000)
    };
    let offer_timeout_ms = positive(problems, "routing.offer_timeout", spec.offer_timeout, false);
    let reject_cooldown_ms = positive(problems, "routing.reject_cooldown", spec.reject_cooldown, true);
    let sticky_wait_ms = positive(problems, "routing.sticky_wait", spec.sticky_wait, true);
    let mut wrap_up_ms = [0; 7];
    for (name, d) in &spec.wrap_up {
        let path = format!("routing.wrap_up.{name}");
        match Channel::from_name(name) {
            Ok(c) => wrap_up_ms[c.index()] = positive(problems, &path, d.0, true),
            Err(p) => problems.push(p.under(&path)),
        }
    }
    let mut exclusive = [false; 7];
    for (i, name) in spec.exclusive_channels.iter().enumerate() {
        match Channel::from_name(name) {
            Ok(c) => exclusive[c.index()] = true,
            Err(p) => problems.push(p.under(&format!("routing.exclusive_channels[{i}]"))),
        }
    }
    let fairness = spec.fairness.as_ref().map(|f| {
        if f.max_offers == 0 {
            problems.push(Problem::new(ErrorKind::InvalidValue, "routing.fairness.max_offers", "must be at least 1"));
        }
        (f.max_offers.max(1), positive(problems, "routing.fairness.window", f.window, false))
    });
    let mut escalate_after_ms = vec![None; tiers.len()];
    let mut escalate_at_fraction = vec![None; tiers.len()];
    for (i, e) in spec.escalation.iter().enumerate() {
        let path = format!("routing.escalation[{i}]");
        let wait = positive(problems, &format!("{path}.max_wait"), e.max_wait, true);
        let share = e.sla_fraction;
        if !(0.0..=1.0).contains(&share) {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                format!("{path}.sla_fraction"),
                format!("must be from 0 to 1, found {share}"),
            ));
        }
        if wait == 0 && share == 0.0 {
            problems.push(Problem::new(ErrorKind::MissingField, &path, "set max_wait, sla_fraction or both"));
        }
        match tiers.iter().position(|t| *t == e.tier) {
            Some(t) if t + 1 == tiers.len() => problems.push(Problem::new(
                ErrorKind::InvalidValue,
                format!("{path}.tier"),
                format!("\"{}\" is the last tier: there is nowhere to escalate to", e.tier),
            )),
            Some(t) => {
                if spec.escalation[..i].iter().any(|x| x.tier == e.tier) {
                    problems.push(Problem::new(ErrorKind::Duplicate, format!("{path}.tier"), "tier given twice"));
                }
                escalate_after_ms[t] = (wait > 0).then_some(wait);
                escalate_at_fraction[t] = (share > 0.0).then_some(share);
            }
            None => {
                problems.push(unknown_name(format!("{path}.tier"), "tier", &e.tier, tiers.iter().map(String::as_str)))
            }
        }
    }
    if spec.relaxation.len() > MAX_RELAXATION_STEPS {
        problems.push(Problem::new(
            ErrorKind::TooLarge,
            "routing.relaxation",
            format!("more than {MAX_RELAXATION_STEPS} steps"),
        ));
    }
    let mut relaxation = Vec::new();
    let mut last = -1;
    for (i, step) in spec.relaxation.iter().enumerate() {
        let path = format!("routing.relaxation[{i}]");
        let after_ms = positive(problems, &format!("{path}.after"), step.after, true);
        if after_ms <= last {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                format!("{path}.after"),
                "steps must come in increasing order of waiting time",
            ));
        }
        last = after_ms;
        if step.lower_levels == 0 && !step.drop_skills && !step.widen_tier && !step.any_language {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                &path,
                "the step relaxes nothing: set lower_levels, drop_skills, widen_tier or any_language",
            ));
        }
        relaxation.push(RelaxStep {
            after_ms,
            lower_levels: step.lower_levels,
            drop_skills: step.drop_skills,
            keep_skills: step.keep_skills.clone(),
            widen_tier: step.widen_tier,
            any_language: step.any_language,
        });
    }
    RoutingRules {
        tiers: tiers.to_vec(),
        strategy,
        offer_timeout_ms,
        reject_cooldown_ms,
        sticky_wait_ms,
        wrap_up_ms,
        exclusive,
        pending_consumes_capacity: spec.pending_consumes_capacity,
        fairness,
        escalate_after_ms,
        escalate_at_fraction,
        relaxation,
    }
}
