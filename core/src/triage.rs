//! Triage: a ticket's priority class, urgency score and SLA deadlines at an
//! instant, each with the reasons behind it.

use jiff::Timestamp;
use serde::Serialize;

use crate::error::{Error, ErrorKind, Problem, unknown_name};
use crate::policy::CompiledPolicy;
use crate::priority::{Facts, PriorityStep, ScoreInput, ScoreTerm, UrgencyKey};
use crate::sla::{self, ClockState, Deadline, Metric};
use crate::ticket::Ticket;
use crate::time::to_ms;

/// What Tierwise makes of a ticket at an instant: its priority and why, its
/// urgency score and why, and its SLA deadlines.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Triage {
    /// The ticket's id, as given.
    pub ticket: String,
    /// The priority class, e.g. `"P2"`.
    pub priority: String,
    /// How the class was decided, step by step.
    pub priority_steps: Vec<PriorityStep>,
    /// The urgency score at `now` (higher is more urgent).
    pub score: f64,
    /// The terms that make up the score.
    pub explanation: Vec<ScoreTerm>,
    /// The SLA rule that applies (its name, or its path), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla_rule: Option<String>,
    /// The ticket's SLA clocks.
    pub deadlines: Vec<Deadline>,
    /// The next instant at which a warning fires or a deadline passes without
    /// any new event: when the host should ask again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_change: Option<Timestamp>,
    /// The instant this triage describes.
    pub now: Timestamp,
    /// The time-invariant ordering key.
    #[serde(skip)]
    pub key: UrgencyKey,
}

impl Triage {
    /// The deadline of `metric`, if the ticket has that clock.
    #[must_use]
    pub fn deadline(&self, metric: Metric) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.metric == metric)
    }
}

/// A ticket's classification resolved against the policy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Classified<'a> {
    pub(crate) facts: Facts<'a>,
    pub(crate) impact: usize,
    pub(crate) urgency: usize,
    pub(crate) explicit: Option<usize>,
}

impl CompiledPolicy {
    /// Triage `ticket` as of `now`: priority, score and deadlines, explained.
    ///
    /// ```
    /// use tierwise::{Policy, Ticket};
    /// let policy = Policy::from_toml_str(r#"
    ///     version = 1
    ///     [[priority.overrides]]
    ///     when = { customer_tier = "vip" }
    ///     raise = 1
    ///     [[sla.policies]]
    ///     when = { priority = "P1" }
    ///     first_response = "15m"
    ///     resolution = "4h"
    /// "#)?.compile()?;
    /// let ticket = Ticket::from_json_str(r#"{
    ///     "id": "INC-1", "created_at": "2026-03-02T09:00:00Z", "channel": "phone",
    ///     "impact": "high", "urgency": "medium", "customer_tier": "vip"
    /// }"#)?;
    /// let triage = policy.triage(&ticket, "2026-03-02T09:05:00Z".parse()?)?;
    /// assert_eq!(triage.priority, "P1"); // P2 from the matrix, raised for the VIP
    /// assert_eq!(triage.deadlines[0].due.unwrap().to_string(), "2026-03-02T09:15:00Z");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// Names the policy does not know (impact, urgency, customer tier,
    /// category, priority), history out of order or after `now`, `now` before
    /// the ticket's creation, or instants outside the supported years; each
    /// with the ticket field's path.
    pub fn triage(&self, ticket: &Ticket, now: Timestamp) -> Result<Triage, Error> {
        self.evaluate(ticket, now, true)
    }

    /// The same as [`CompiledPolicy::triage`] without the words: priority,
    /// score, key and deadlines, for hot paths that do not show explanations.
    ///
    /// # Errors
    /// As [`CompiledPolicy::triage`].
    pub fn assess(&self, ticket: &Ticket, now: Timestamp) -> Result<Triage, Error> {
        self.evaluate(ticket, now, false)
    }

    pub(crate) fn classify_ticket<'t>(&self, ticket: &'t Ticket) -> Result<Classified<'t>, Error> {
        let c = &self.inner;
        let mut problems: Vec<Problem> = Vec::new();
        // The index of `value` among `names`, recording a problem if unknown.
        let mut find = |field: &str, what: &str, value: &str, names: &[String]| -> usize {
            names.iter().position(|n| n == value).unwrap_or_else(|| {
                problems.push(unknown_name(field, what, value, names.iter().map(String::as_str)));
                0
            })
        };
        let least_severe = |names: &[String]| names.len() - 1;
        let impact = ticket
            .impact
            .as_deref()
            .map_or(least_severe(&c.priority.impact), |v| find("impact", "impact level", v, &c.priority.impact));
        let urgency = ticket
            .urgency
            .as_deref()
            .map_or(least_severe(&c.priority.urgency), |v| find("urgency", "urgency level", v, &c.priority.urgency));
        let customer_tier =
            ticket.customer_tier.as_deref().map_or(0, |v| find("customer_tier", "customer tier", v, &c.customer_tiers));
        let explicit = ticket.priority.as_deref().map(|v| find("priority", "priority class", v, &c.priority.classes));
        if let Some(cat) = &ticket.category
            && !c.categories.is_empty()
            && !c.categories.contains(cat)
        {
            problems.push(unknown_name("category", "category", cat, c.categories.iter().map(String::as_str)));
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        Ok(Classified {
            facts: Facts { category: ticket.category.as_deref(), customer_tier, channel: ticket.channel },
            impact,
            urgency,
            explicit,
        })
    }

    fn evaluate(&self, ticket: &Ticket, now: Timestamp, explain: bool) -> Result<Triage, Error> {
        let c = &self.inner;
        let classified = self.classify_ticket(ticket)?;
        ticket.check_history()?;
        if now < ticket.created_at {
            return Err(Error::new(
                ErrorKind::Inconsistent,
                "created_at",
                format!("the ticket was created ({}) after now ({now})", ticket.created_at),
            ));
        }
        if let Some(i) = ticket.history.iter().position(|e| e.at() > now) {
            return Err(Error::new(
                ErrorKind::Inconsistent,
                format!("history[{i}].at"),
                format!("{} is after now ({now})", ticket.history[i].at()),
            ));
        }
        let mut steps = Vec::new();
        let class = c.priority.classify(
            &classified.facts,
            classified.impact,
            classified.urgency,
            classified.explicit,
            &c.customer_tiers,
            explain.then_some(&mut steps),
        );
        if explain {
            if ticket.impact.is_none() {
                steps.insert(0, default_step("impact", &c.priority.impact, &c.priority.classes[class]));
            }
            if ticket.urgency.is_none() {
                steps.insert(0, default_step("urgency", &c.priority.urgency, &c.priority.classes[class]));
            }
        }
        let now_ms = to_ms(now);
        let created_ms = to_ms(ticket.created_at);
        let rule = c.sla.iter().find(|r| r.condition.matches(&classified.facts, class));
        let mut deadlines = Vec::new();
        if let Some(rule) = rule {
            let spans = sla::spans(created_ms, &ticket.history);
            let metrics = [Metric::FirstResponse, Metric::NextReply, Metric::Resolution];
            for ((metric, target), span) in metrics.into_iter().zip(&rule.targets).zip(&spans) {
                if let (Some(target), Some(span)) = (target, span) {
                    let mut deadline = sla::evaluate(metric, target, span, &rule.warn_at, now_ms)
                        .map_err(|e| e.under(&format!("deadlines.{}", metric.name())))?;
                    if explain {
                        let zone = target.calendar.zone();
                        deadline.due_local = deadline.due.map(|t| t.to_zoned_datetime(zone.clone()).to_string());
                    }
                    deadlines.push(deadline);
                }
            }
        }
        let due_ms = deadlines
            .iter()
            .filter(|d| matches!(d.state, ClockState::Running | ClockState::Breached) && d.stopped_at.is_none())
            .filter_map(|d| d.due.map(to_ms))
            .min();
        let input = ScoreInput {
            class,
            classes: c.priority.classes.len(),
            customer_tier: classified.facts.customer_tier,
            channel: ticket.channel,
            created_ms,
            due_ms,
            now_ms,
        };
        let (score, key) = c.scoring.score(&input);
        let explanation = if explain {
            c.scoring.terms(&input, &c.priority.classes[class], &c.customer_tiers[classified.facts.customer_tier])
        } else {
            Vec::new()
        };
        let next_change = deadlines.iter().filter_map(|d| sla::next_change(d, now)).min();
        Ok(Triage {
            ticket: ticket.id.clone(),
            priority: c.priority.classes[class].clone(),
            priority_steps: steps,
            score,
            explanation,
            sla_rule: rule.map(|r| r.label.clone()),
            deadlines,
            next_change,
            now,
            key,
        })
    }
}

fn default_step(field: &str, levels: &[String], class: &str) -> PriorityStep {
    PriorityStep {
        source: "default".to_owned(),
        detail: format!("no {field} given: the least severe, {}", levels[levels.len() - 1]),
        class: class.to_owned(),
    }
}
