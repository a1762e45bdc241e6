//! Triage: a ticket's priority class, urgency score and SLA deadlines at an
//! instant, each with the reasons behind it.

use jiff::Timestamp;
use serde::Serialize;

use crate::error::{Error, ErrorKind, Problem, unknown_name};
use crate::policy::CompiledPolicy;
use crate::priority::{Facts, PriorityStep, ScoreInput, ScoreTerm, UrgencyKey};
use crate::sla::{self, ClockState, Deadline, Metric};
use crate::ticket::Ticket;
use crate::time::{from_ms, to_ms};

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

/// The numbers of a triage without the words, from [`CompiledPolicy::assess`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Assessment {
    /// The priority class, as an index into
    /// [`CompiledPolicy::priority_classes`] (0 is the most critical).
    pub class: usize,
    /// The urgency score at the instant assessed.
    pub score: f64,
    /// The time-invariant ordering key.
    pub key: UrgencyKey,
    /// Due instants of first response, next reply and resolution, where the
    /// ticket has that clock and it is not paused open-endedly.
    pub due: [Option<Timestamp>; 3],
    /// States of the same three clocks, where the ticket has them.
    pub state: [Option<ClockState>; 3],
    /// Index of the SLA rule that applies, if any.
    pub sla_rule: Option<usize>,
    /// The next instant a warning fires or a deadline passes without a new event.
    pub next_change: Option<Timestamp>,
}

impl Assessment {
    /// The due instant of `metric`'s clock, if the ticket has one.
    #[must_use]
    pub fn due(&self, metric: Metric) -> Option<Timestamp> {
        self.due[metric as usize]
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
        let mut words = Words::default();
        let a = self.evaluate(ticket, now, Some(&mut words), None, false)?;
        let c = &self.inner;
        Ok(Triage {
            ticket: ticket.id.clone(),
            priority: c.priority.classes[a.class].clone(),
            priority_steps: words.steps,
            score: a.score,
            explanation: words.terms,
            sla_rule: a.sla_rule.map(|r| c.sla[r].label.clone()),
            deadlines: words.deadlines,
            next_change: a.next_change,
            now,
            key: a.key,
        })
    }

    /// The numbers of [`CompiledPolicy::triage`] without the words: priority
    /// class, score, ordering key, due instants and next change. This is the
    /// path the engine takes on every event; it allocates nothing per deadline.
    ///
    /// # Errors
    /// As [`CompiledPolicy::triage`].
    pub fn assess(&self, ticket: &Ticket, now: Timestamp) -> Result<Assessment, Error> {
        self.evaluate(ticket, now, None, None, false)
    }

    /// The SLA alerts due exactly at `now`, in the order of the clocks and
    /// of their warnings: (clock, fraction) for each warning reached now on a
    /// clock neither paused nor stopped, and (clock, 1.0) for each clock
    /// breached now (its due instant passed a millisecond ago, also if it was
    /// paused at that instant). What [`CompiledPolicy::triage`]'s deadlines say about
    /// `now`, without the words (an engine's timers ask this often).
    pub(crate) fn alerts_due(&self, ticket: &Ticket, now: Timestamp) -> Result<Vec<(Metric, f64)>, Error> {
        let mut alerts = Vec::new();
        self.evaluate(ticket, now, None, Some(&mut alerts), false)?;
        Ok(alerts)
    }

    /// The SLA alerts reached by `now` (at or before it) on the clocks not
    /// stopped (running, paused or breached): (clock, fraction) for each
    /// warning, and (clock, 1.0) for a breach. What an engine learning of a
    /// ticket late has to tell at once.
    pub(crate) fn alerts_reached(&self, ticket: &Ticket, now: Timestamp) -> Result<Vec<(Metric, f64)>, Error> {
        let mut alerts = Vec::new();
        self.evaluate(ticket, now, None, Some(&mut alerts), true)?;
        Ok(alerts)
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

    /// The assessment of `ticket` at `now`; with `words`, its explanation
    /// too; else with `alerts`, the alerts due now (see
    /// [`CompiledPolicy::alerts_due`]; not both).
    fn evaluate(
        &self,
        ticket: &Ticket,
        now: Timestamp,
        mut words: Option<&mut Words>,
        mut alerts: Option<&mut Vec<(Metric, f64)>>,
        reached_by_now: bool,
    ) -> Result<Assessment, Error> {
        debug_assert!(words.is_none() || alerts.is_none(), "alerts are gathered only without words");
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
        let class = c.priority.classify(
            &classified.facts,
            classified.impact,
            classified.urgency,
            classified.explicit,
            &c.customer_tiers,
            words.as_deref_mut().map(|w| &mut w.steps),
        );
        if let Some(w) = words.as_deref_mut() {
            if ticket.impact.is_none() {
                w.steps.insert(0, default_step("impact", &c.priority.impact, &c.priority.classes[class]));
            }
            if ticket.urgency.is_none() {
                w.steps.insert(0, default_step("urgency", &c.priority.urgency, &c.priority.classes[class]));
            }
        }
        let now_ms = to_ms(now);
        let created_ms = to_ms(ticket.created_at);
        let rule_index = c.sla.iter().position(|r| r.condition.matches(&classified.facts, class));
        let mut due = [None; 3];
        let mut state = [None; 3];
        let mut nearest: Option<i64> = None;
        let mut next_change: Option<i64> = None;
        if let Some(rule) = rule_index.map(|i| &c.sla[i]) {
            let spans = sla::spans(created_ms, &ticket.history);
            let mut cache = sla::PositionCache::default();
            for (i, metric) in Metric::ALL.into_iter().enumerate() {
                let (Some(target), Some(span)) = (&rule.targets[i], &spans[i]) else { continue };
                let under = |e: Error| e.under(&format!("deadlines.{}", metric.name()));
                let figures = match words.as_deref_mut() {
                    Some(w) => {
                        let (mut deadline, figures) =
                            sla::evaluate(metric, target, span, now_ms, &mut cache).map_err(under)?;
                        let zone = target.calendar.zone();
                        deadline.due_local = deadline.due.map(|t| t.to_zoned_datetime(zone.clone()).to_string());
                        w.deadlines.push(deadline);
                        figures
                    }
                    None => match alerts.as_deref_mut() {
                        Some(alerts) => {
                            let before = alerts.len();
                            // Whether an alert at `at` is to tell: reached
                            // by now, or reached at this very instant.
                            let tells = |at: Option<i64>| {
                                if reached_by_now { at.is_some_and(|at| at <= now_ms) } else { at == Some(now_ms) }
                            };
                            let figures = {
                                let mut report = |fraction: f64, at: Option<i64>, reached: bool| {
                                    if (reached || !reached_by_now) && tells(at) {
                                        alerts.push((metric, fraction));
                                    }
                                };
                                sla::figures(target, span, now_ms, &mut cache, Some(&mut report)).map_err(under)?
                            };
                            // A stopped clock tells nothing more. A paused
                            // one reaches nothing now, but what it reached
                            // before its pause is still to tell if learned
                            // late.
                            let stopped = figures.stopped.is_some();
                            if (figures.state == ClockState::Paused && !reached_by_now) || stopped {
                                alerts.truncate(before);
                            }
                            if tells(sla::breach_instant(figures.due))
                                && figures.state == ClockState::Breached
                                && !stopped
                            {
                                alerts.push((metric, 1.0));
                            }
                            figures
                        }
                        None => sla::figures(target, span, now_ms, &mut cache, None).map_err(under)?,
                    },
                };
                due[i] = figures.due.map(from_ms);
                state[i] = Some(figures.state);
                if matches!(figures.state, ClockState::Running | ClockState::Breached) && figures.stopped.is_none() {
                    nearest = match (nearest, figures.due) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                if let Some(n) = figures.next_change {
                    next_change = Some(next_change.map_or(n, |m| m.min(n)));
                }
            }
        }
        let input = ScoreInput {
            class,
            classes: c.priority.classes.len(),
            customer_tier: classified.facts.customer_tier,
            channel: ticket.channel,
            created_ms,
            due_ms: nearest,
            now_ms,
        };
        let (score, key) = c.scoring.score(&input);
        if let Some(w) = words {
            w.terms =
                c.scoring.terms(&input, &c.priority.classes[class], &c.customer_tiers[classified.facts.customer_tier]);
        }
        Ok(Assessment { class, score, key, due, state, sla_rule: rule_index, next_change: next_change.map(from_ms) })
    }
}

/// The words of a triage, gathered alongside the numbers.
#[derive(Default)]
struct Words {
    steps: Vec<PriorityStep>,
    terms: Vec<ScoreTerm>,
    deadlines: Vec<Deadline>,
}

fn default_step(field: &str, levels: &[String], class: &str) -> PriorityStep {
    PriorityStep {
        source: "default".to_owned(),
        detail: format!("no {field} given: the least severe, {}", levels[levels.len() - 1]),
        class: class.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use jiff::{SignedDuration, Timestamp};

    use crate::sla::{ClockState, Metric};
    use crate::{Policy, Ticket};

    /// The alerts a triage's deadlines show at `now`: warnings reached at
    /// that very instant on clocks not paused, and breaches (a millisecond
    /// after their due instant).
    fn alerts_by_triage(policy: &crate::CompiledPolicy, ticket: &Ticket, now: Timestamp) -> Option<Vec<(Metric, f64)>> {
        let triage = policy.triage(ticket, now).ok()?;
        let mut alerts = Vec::new();
        for d in &triage.deadlines {
            for w in &d.warnings {
                if w.at == Some(now) && d.state != ClockState::Paused && d.stopped_at.is_none() {
                    alerts.push((d.metric, w.fraction));
                }
            }
            if d.due.and_then(|due| due.checked_add(jiff::SignedDuration::from_millis(1)).ok()) == Some(now)
                && d.state == ClockState::Breached
            {
                alerts.push((d.metric, 1.0));
            }
        }
        Some(alerts)
    }

    /// The lean alerts agree with the triage at every instant a warning or a
    /// deadline of the example tickets falls on (and a millisecond either
    /// side), with business calendars, several clocks and a pause.
    #[test]
    fn alerts_due_say_what_the_triage_says() {
        let compile = |text: &str| Policy::from_toml_str(text).and_then(|p| p.compile()).expect("an example policy");
        let global = compile(include_str!("../../examples/policies/global-desk.toml"));
        let madrid = compile(include_str!("../../examples/policies/madrid-office.toml"));
        let ticket = |json: &str| Ticket::from_json_str(json).expect("an example ticket");
        let chat = ticket(include_str!("../../examples/tickets/spanish-chat.json"));
        let waiting = ticket(include_str!("../../examples/tickets/madrid-email-waiting.json"));
        // The same ticket, paused while it waited, under the global desk's
        // policy and its three warnings (which knows no "management" tier).
        let mut waiting_anywhere = waiting.clone();
        waiting_anywhere.customer_tier = None;
        let cases = [
            (&global, chat.clone()),
            (&global, ticket(include_str!("../../examples/tickets/vip-outage-alert.json"))),
            (&global, waiting_anywhere),
            (&madrid, waiting),
        ];
        let mut alerts_seen = 0;
        for (policy, mut ticket) in cases {
            // The instants that matter, from the triage after the last event
            // and from one at creation (before any pause).
            let history = std::mem::take(&mut ticket.history);
            let mut instants = Vec::new();
            for (t, at) in [(ticket.clone(), ticket.created_at), {
                let mut full = ticket.clone();
                full.history = history.clone();
                let last = history.last().map_or(ticket.created_at, |e| e.at());
                (full, last)
            }] {
                let triage = policy.triage(&t, at).expect("triage");
                for d in &triage.deadlines {
                    instants.extend(d.warnings.iter().filter_map(|w| w.at));
                    instants.extend(d.due);
                }
            }
            ticket.history = history;
            instants.sort();
            instants.dedup();
            let ms = SignedDuration::from_millis(1);
            for at in instants {
                for now in [at.checked_sub(ms).unwrap(), at, at.checked_add(ms).unwrap()] {
                    let lean = policy.alerts_due(&ticket, now).ok();
                    assert_eq!(lean, alerts_by_triage(policy, &ticket, now), "{} at {now}", ticket.id);
                    alerts_seen += lean.map_or(0, |a| a.len());
                }
            }
        }
        assert!(alerts_seen >= 20, "the instants hit warnings and deadlines: {alerts_seen}");
        // A wait on the customer that starts at the very instant a warning is
        // reached: the clock is paused then, and that warning is no alert.
        let triage = global.triage(&chat, chat.created_at).expect("triage");
        let mut paused_at_a_warning = 0;
        for w in triage.deadlines.iter().flat_map(|d| &d.warnings).filter_map(|w| w.at) {
            let mut waiting = chat.clone();
            waiting.history = vec![crate::ticket::TicketEvent::WaitingOnCustomer { at: w }];
            let lean = global.alerts_due(&waiting, w).ok();
            assert_eq!(lean, alerts_by_triage(&global, &waiting, w), "waiting from {w}");
            paused_at_a_warning += usize::from(global.triage(&waiting, w).is_ok_and(|t| {
                t.deadlines.iter().any(|d| d.state == ClockState::Paused && d.warnings.iter().any(|x| x.at == Some(w)))
            }));
        }
        assert!(paused_at_a_warning > 0, "some clock is paused at one of its warnings");
    }
}
