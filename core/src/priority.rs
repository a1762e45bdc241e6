//! Priority: the impact x urgency matrix, overrides, and the dynamic urgency
//! score that orders waiting tickets, each with its explanation.
//!
//! # The score
//! `score(now) = priority_points x (classes - rank - 1)`
//! `          + customer_tier[tier] + channel[channel]`
//! `          + per_hour_waiting x hours since creation`
//! `          + per_hour_past_deadline x hours past the nearest SLA deadline`
//!
//! A ticket with no running deadline (no SLA rule, or every clock met)
//! counts as due from its creation. So both time terms grow at the same rate
//! for every ticket, and ordering by the score at any instant is the same as
//! ordering by the score minus the shared
//! `(per_hour_waiting + per_hour_past_deadline) x now`: an [`UrgencyKey`] that
//! never changes while a ticket waits. (A ticket without a deadline had no
//! deadline term, so its score grew more slowly than the others' and no
//! fixed key could order it among them: the key left it ahead of every ticket
//! with a deadline, whatever its class.) Queues are keyed once per event, never
//! re-sorted as time passes. With the default weights the key is the priority
//! class alone, and ties fall to the earliest deadline, then arrival order.

use std::cmp::Ordering;

use serde::Serialize;

use crate::ticket::Channel;
use crate::time::HOUR_MS;

/// A condition on a ticket's classification, as used by priority overrides and
/// SLA rules. Empty lists match anything; all given lists must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Condition {
    pub(crate) categories: Vec<String>,
    pub(crate) customer_tiers: Vec<usize>,
    pub(crate) channels: Vec<Channel>,
    pub(crate) priorities: Vec<usize>,
}

/// The facts a condition is tested against.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Facts<'a> {
    pub(crate) category: Option<&'a str>,
    pub(crate) customer_tier: usize,
    pub(crate) channel: Channel,
}

impl Condition {
    pub(crate) fn matches(&self, facts: &Facts<'_>, priority: usize) -> bool {
        (self.categories.is_empty() || facts.category.is_some_and(|c| self.categories.iter().any(|x| x == c)))
            && (self.customer_tiers.is_empty() || self.customer_tiers.contains(&facts.customer_tier))
            && (self.channels.is_empty() || self.channels.contains(&facts.channel))
            && (self.priorities.is_empty() || self.priorities.contains(&priority))
    }

    pub(crate) fn describe(&self, model: &PriorityModel, tiers: &[String]) -> String {
        let mut parts = Vec::new();
        if !self.categories.is_empty() {
            parts.push(format!("category {}", self.categories.join("/")));
        }
        if !self.customer_tiers.is_empty() {
            let names: Vec<&str> = self.customer_tiers.iter().map(|&t| tiers[t].as_str()).collect();
            parts.push(format!("customer tier {}", names.join("/")));
        }
        if !self.channels.is_empty() {
            let names: Vec<&str> = self.channels.iter().map(|c| c.name()).collect();
            parts.push(format!("channel {}", names.join("/")));
        }
        if !self.priorities.is_empty() {
            let names: Vec<&str> = self.priorities.iter().map(|&p| model.classes[p].as_str()).collect();
            parts.push(format!("priority {}", names.join("/")));
        }
        if parts.is_empty() { "any ticket".to_owned() } else { parts.join(", ") }
    }
}

/// What an override does to the priority class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OverrideAction {
    /// Move this many classes towards the most critical.
    Raise(u8),
    /// Move this many classes towards the least critical.
    Lower(u8),
    /// Set this class.
    Set(usize),
}

/// A compiled priority override.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Override {
    pub(crate) path: String,
    pub(crate) name: Option<String>,
    pub(crate) condition: Condition,
    pub(crate) action: OverrideAction,
}

/// The compiled priority model: names and the matrix as indexes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PriorityModel {
    pub(crate) classes: Vec<String>,
    pub(crate) impact: Vec<String>,
    pub(crate) urgency: Vec<String>,
    /// `matrix[impact][urgency]` = class index (0 = most critical).
    pub(crate) matrix: Vec<Vec<usize>>,
    pub(crate) overrides: Vec<Override>,
}

/// One step in deciding a ticket's priority class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PriorityStep {
    /// Where the step comes from: `"priority.matrix"`, `"priority.overrides[0]"`,
    /// `"ticket.priority"`, or `"default"` for a level the ticket did not give.
    pub source: String,
    /// What happened, in words an agent or a customer can read.
    pub detail: String,
    /// The class after this step.
    pub class: String,
}

impl PriorityModel {
    /// The priority class of a ticket, optionally recording why.
    pub(crate) fn classify(
        &self,
        facts: &Facts<'_>,
        impact: usize,
        urgency: usize,
        explicit: Option<usize>,
        tiers: &[String],
        mut steps: Option<&mut Vec<PriorityStep>>,
    ) -> usize {
        let mut class = self.matrix[impact][urgency];
        if let Some(steps) = steps.as_deref_mut() {
            steps.push(PriorityStep {
                source: "priority.matrix".to_owned(),
                detail: format!("impact {} x urgency {}", self.impact[impact], self.urgency[urgency]),
                class: self.classes[class].clone(),
            });
        }
        for rule in &self.overrides {
            if !rule.condition.matches(facts, class) {
                continue;
            }
            let before = class;
            let last = self.classes.len() - 1;
            class = match rule.action {
                OverrideAction::Raise(n) => class.saturating_sub(usize::from(n)),
                OverrideAction::Lower(n) => (class + usize::from(n)).min(last),
                OverrideAction::Set(c) => c,
            };
            if let Some(steps) = steps.as_deref_mut() {
                let verb = match rule.action {
                    OverrideAction::Raise(n) => format!("raises {n} class{}", if n == 1 { "" } else { "es" }),
                    OverrideAction::Lower(n) => format!("lowers {n} class{}", if n == 1 { "" } else { "es" }),
                    OverrideAction::Set(c) => format!("sets {}", self.classes[c]),
                };
                let label = rule.name.as_deref().map(|n| format!(" (\"{n}\")")).unwrap_or_default();
                let clamp = if before == class && !matches!(rule.action, OverrideAction::Set(_)) {
                    " (already at the limit)"
                } else {
                    ""
                };
                steps.push(PriorityStep {
                    source: rule.path.clone(),
                    detail: format!(
                        "{}{label} {verb}: {} -> {}{clamp}",
                        rule.condition.describe(self, tiers),
                        self.classes[before],
                        self.classes[class]
                    ),
                    class: self.classes[class].clone(),
                });
            }
        }
        if let Some(set) = explicit {
            if let Some(steps) = steps {
                steps.push(PriorityStep {
                    source: "ticket.priority".to_owned(),
                    detail: format!("set by hand: {} -> {}", self.classes[class], self.classes[set]),
                    class: self.classes[set].clone(),
                });
            }
            class = set;
        }
        class
    }
}

/// The compiled scoring weights.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scoring {
    pub(crate) priority_points: f64,
    pub(crate) per_hour_waiting: f64,
    pub(crate) per_hour_past_deadline: f64,
    pub(crate) customer_tier: Vec<f64>,
    pub(crate) channel: [f64; 7],
}

/// One term of a score, for explanations.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreTerm {
    /// Which factor: `priority`, `customer_tier`, `channel`, `waiting`, `deadline`.
    pub factor: &'static str,
    /// The rule and value behind it, in words.
    pub detail: String,
    /// The weight applied (points per class, per tier, or per hour).
    pub weight: f64,
    /// Points contributed.
    pub points: f64,
}

/// The time-invariant ordering key of a waiting ticket: higher points first,
/// then the earlier SLA deadline, then earlier arrival.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UrgencyKey {
    /// Score minus the part every ticket shares as time passes.
    pub points: f64,
    /// The nearest running SLA deadline, in milliseconds since the epoch
    /// (`i64::MAX` when there is none).
    pub due_ms: i64,
    /// Creation, in milliseconds since the epoch.
    pub created_ms: i64,
}

impl UrgencyKey {
    /// Orders keys most urgent first.
    #[must_use]
    pub fn most_urgent_first(&self, other: &UrgencyKey) -> Ordering {
        other
            .points
            .total_cmp(&self.points)
            .then(self.due_ms.cmp(&other.due_ms))
            .then(self.created_ms.cmp(&other.created_ms))
    }
}

/// The inputs of a score.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScoreInput {
    pub(crate) class: usize,
    pub(crate) classes: usize,
    pub(crate) customer_tier: usize,
    pub(crate) channel: Channel,
    pub(crate) created_ms: i64,
    pub(crate) due_ms: Option<i64>,
    pub(crate) now_ms: i64,
}

#[allow(clippy::cast_precision_loss)]
fn hours(ms: i64) -> f64 {
    ms as f64 / HOUR_MS as f64
}

impl Scoring {
    /// The score at `now` and the time-invariant key.
    ///
    /// The score is computed directly (so it equals the sum of its terms); the
    /// key drops the part every ticket shares, `(w_wait + w_deadline) x now`.
    pub(crate) fn score(&self, input: &ScoreInput) -> (f64, UrgencyKey) {
        #[allow(clippy::cast_precision_loss)]
        let class_points = self.priority_points * (input.classes - input.class - 1) as f64;
        let fixed = class_points + self.customer_tier[input.customer_tier] + self.channel[input.channel.index()];
        let mut score = fixed + self.per_hour_waiting * hours(input.now_ms - input.created_ms);
        let mut invariant = fixed - self.per_hour_waiting * hours(input.created_ms);
        if self.per_hour_past_deadline != 0.0 {
            let due = input.due_ms.unwrap_or(input.created_ms);
            score += self.per_hour_past_deadline * hours(input.now_ms - due);
            invariant -= self.per_hour_past_deadline * hours(due);
        }
        let key =
            UrgencyKey { points: invariant, due_ms: input.due_ms.unwrap_or(i64::MAX), created_ms: input.created_ms };
        (score, key)
    }

    /// The score at `now_ms` of a ticket whose key is `points`: the key plus
    /// the part every ticket shares. Equal to [`Scoring::score`] up to
    /// floating-point rounding.
    pub(crate) fn score_at(&self, points: f64, now_ms: i64) -> f64 {
        points + (self.per_hour_waiting + self.per_hour_past_deadline) * hours(now_ms)
    }

    /// The terms of [`Scoring::score`], for explanations.
    pub(crate) fn terms(&self, input: &ScoreInput, class_name: &str, tier_name: &str) -> Vec<ScoreTerm> {
        #[allow(clippy::cast_precision_loss)]
        let steps = (input.classes - input.class - 1) as f64;
        let mut terms = vec![ScoreTerm {
            factor: "priority",
            detail: format!("{class_name}: {steps} class{} above the lowest", if steps == 1.0 { "" } else { "es" }),
            weight: self.priority_points,
            points: self.priority_points * steps,
        }];
        let tier = self.customer_tier[input.customer_tier];
        if tier != 0.0 {
            terms.push(ScoreTerm {
                factor: "customer_tier",
                detail: format!("customer tier {tier_name}"),
                weight: tier,
                points: tier,
            });
        }
        let channel = self.channel[input.channel.index()];
        if channel != 0.0 {
            terms.push(ScoreTerm {
                factor: "channel",
                detail: format!("channel {}", input.channel),
                weight: channel,
                points: channel,
            });
        }
        if self.per_hour_waiting != 0.0 {
            let h = hours(input.now_ms - input.created_ms);
            terms.push(ScoreTerm {
                factor: "waiting",
                detail: format!("waiting {h:.2} h since creation"),
                weight: self.per_hour_waiting,
                points: self.per_hour_waiting * h,
            });
        }
        if self.per_hour_past_deadline != 0.0 {
            let h = hours(input.now_ms - input.due_ms.unwrap_or(input.created_ms));
            let detail = match input.due_ms {
                None => format!("no running SLA deadline: counted as due since creation, {h:.2} h"),
                Some(_) if h < 0.0 => format!("{:.2} h before the nearest SLA deadline", -h),
                Some(_) => format!("{h:.2} h past the nearest SLA deadline"),
            };
            terms.push(ScoreTerm {
                factor: "deadline",
                detail,
                weight: self.per_hour_past_deadline,
                points: self.per_hour_past_deadline * h,
            });
        }
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scoring() -> Scoring {
        Scoring {
            priority_points: 1000.0,
            per_hour_waiting: 10.0,
            per_hour_past_deadline: 50.0,
            customer_tier: vec![0.0, 200.0],
            channel: [30.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    }

    fn input(class: usize, created_h: i64, due_h: Option<i64>, now_h: i64) -> ScoreInput {
        ScoreInput {
            class,
            classes: 5,
            customer_tier: 1,
            channel: Channel::Phone,
            created_ms: created_h * HOUR_MS,
            due_ms: due_h.map(|h| h * HOUR_MS),
            now_ms: now_h * HOUR_MS,
        }
    }

    #[test]
    fn terms_sum_to_the_score() {
        let s = scoring();
        let i = input(1, 100, Some(104), 103);
        let (score, _) = s.score(&i);
        let sum: f64 = s.terms(&i, "P2", "vip").iter().map(|t| t.points).sum();
        assert_eq!(score, sum);
        // 3000 (P2 of 5) + 200 + 30 + 10 x 3 h + 50 x (-1 h) = 3210.
        assert_eq!(score, 3210.0);
    }

    #[test]
    fn key_order_does_not_change_with_time() {
        let s = scoring();
        let a = (100, Some(110));
        let b = (90, Some(130));
        for now in [130, 140, 500] {
            let (sa, ka) = s.score(&input(2, a.0, a.1, now));
            let (sb, kb) = s.score(&input(2, b.0, b.1, now));
            assert_eq!(sa.total_cmp(&sb).reverse(), ka.most_urgent_first(&kb), "at {now}");
        }
    }
}
