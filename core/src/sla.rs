//! SLA clocks: first response, next reply and resolution, measured in business
//! time, paused while the ticket waits on the customer, computed from the
//! ticket's history every time (never from stored counters), so a
//! reclassification or a policy change re-applies from creation with every
//! earlier pause kept.
//!
//! # Clock rules
//! - **First response** runs from creation to the first agent reply (or the
//!   resolution, if that comes first).
//! - **Resolution** runs from creation to resolution; reopening resumes it where
//!   it stopped (time spent resolved does not count).
//! - **Next reply** runs from each customer reply (or reopening) after the first
//!   response to the next agent reply; only the latest such cycle is reported.
//! - Every clock pauses while the ticket waits on the customer.
//! - A clock is breached once its business time reaches the target without a
//!   stop; stopped exactly at the target counts as met.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::error::Error;
use crate::priority::Condition;
use crate::ticket::TicketEvent;
use crate::time::{from_ms, ms_duration, to_ms};

/// Which SLA measure a clock tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Creation to first agent reply.
    FirstResponse,
    /// Customer reply to the next agent reply.
    NextReply,
    /// Creation to resolution.
    Resolution,
}

impl Metric {
    /// The name used in documents, e.g. `first_response`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Metric::FirstResponse => "first_response",
            Metric::NextReply => "next_reply",
            Metric::Resolution => "resolution",
        }
    }
}

/// Where a clock stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting towards its target.
    Running,
    /// Waiting on the customer; not counting.
    Paused,
    /// Stopped within its target.
    Met,
    /// Its target was reached without a stop (or it stopped after it).
    Breached,
}

/// A compiled target: a duration in a calendar's business time.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) within_ms: i64,
    pub(crate) calendar: Calendar,
}

/// A compiled SLA rule.
#[derive(Clone, Debug)]
pub(crate) struct SlaRule {
    pub(crate) label: String,
    pub(crate) condition: Condition,
    pub(crate) targets: [Option<Target>; 3],
    pub(crate) warn_at: Vec<f64>,
}

/// A breach warning: the instant a fraction of the target is used up.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BreachWarning {
    /// The fraction of the target, e.g. 0.75.
    pub fraction: f64,
    /// When that fraction is reached (absent while paused before reaching it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    /// Whether it has been reached by `now` (or by the clock's stop).
    pub reached: bool,
}

/// One SLA clock of a ticket, as of an instant.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deadline {
    /// What is measured.
    pub metric: Metric,
    /// The target, in business time of `calendar`.
    #[serde(serialize_with = "crate::time::duration_serde::serialize")]
    pub target: SignedDuration,
    /// The calendar the target is measured in (`"24x7"` for calendar time).
    pub calendar: String,
    /// The calendar's IANA zone.
    pub zone: String,
    /// Where the clock stands.
    pub state: ClockState,
    /// When this clock started.
    pub started_at: Timestamp,
    /// When the target is reached, given the pauses so far. Absent while paused
    /// before the target was reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// `due` as a local time in the calendar's zone (RFC 9557, e.g.
    /// `2026-03-23T09:30:00+01:00[Europe/Madrid]`); filled by
    /// [`crate::CompiledPolicy::triage`], absent from the lean `assess`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_local: Option<String>,
    /// When the clock stopped, for met or breached clocks that stopped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_at: Option<Timestamp>,
    /// Business time counted so far (to `now`, or to the stop).
    #[serde(serialize_with = "crate::time::duration_serde::serialize")]
    pub elapsed: SignedDuration,
    /// Target minus elapsed; negative once breached.
    #[serde(serialize_with = "crate::time::duration_serde::serialize")]
    pub remaining: SignedDuration,
    /// Breach warnings at the policy's fractions of the target.
    pub warnings: Vec<BreachWarning>,
}

/// A clock reconstructed from history: when it started, the pauses after that
/// (end `i64::MAX` while still paused), and when it stopped.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ClockSpan {
    pub(crate) start: i64,
    pub(crate) pauses: Vec<(i64, i64)>,
    pub(crate) stop: Option<i64>,
}

/// The clock spans of a ticket's three metrics from its history.
pub(crate) fn spans(created: i64, history: &[TicketEvent]) -> [Option<ClockSpan>; 3] {
    #[derive(PartialEq)]
    enum State {
        Open,
        Waiting,
        Resolved,
    }
    let mut state = State::Open;
    let mut waits: Vec<(i64, i64)> = Vec::new();
    let mut resolved: Vec<(i64, i64)> = Vec::new();
    let mut first_response: Option<i64> = None;
    let mut next_reply: Option<(i64, Option<i64>)> = None;
    let mut resolved_at: Option<i64> = None;
    for event in history {
        let at = to_ms(event.at());
        match event {
            TicketEvent::WaitingOnCustomer { .. } => {
                if state == State::Open {
                    state = State::Waiting;
                    waits.push((at, i64::MAX));
                }
            }
            TicketEvent::AgentReplied { .. } => {
                if first_response.is_none() && state != State::Resolved {
                    first_response = Some(at);
                }
                if let Some((_, stop @ None)) = &mut next_reply {
                    *stop = Some(at);
                }
            }
            TicketEvent::CustomerReplied { .. } | TicketEvent::Reopened { .. } => {
                match state {
                    State::Waiting => {
                        if let Some(w) = waits.last_mut() {
                            w.1 = at;
                        }
                    }
                    State::Resolved => {
                        if let Some(r) = resolved.last_mut() {
                            r.1 = at;
                        }
                        resolved_at = None;
                    }
                    State::Open => {}
                }
                state = State::Open;
                if first_response.is_some() && next_reply.is_none_or(|(_, stop)| stop.is_some()) {
                    next_reply = Some((at, None));
                }
            }
            TicketEvent::Resolved { .. } => {
                if state == State::Waiting
                    && let Some(w) = waits.last_mut()
                {
                    w.1 = at;
                }
                if state != State::Resolved {
                    state = State::Resolved;
                    resolved.push((at, i64::MAX));
                    resolved_at = Some(at);
                    if first_response.is_none() {
                        first_response = Some(at);
                    }
                    if let Some((_, stop @ None)) = &mut next_reply {
                        *stop = Some(at);
                    }
                }
            }
        }
    }
    let after = |from: i64, list: &[(i64, i64)]| -> Vec<(i64, i64)> {
        list.iter().filter(|p| p.1 > from).map(|&(s, e)| (s.max(from), e)).collect()
    };
    let fr = ClockSpan { start: created, pauses: after(created, &waits), stop: first_response };
    let nr = next_reply.map(|(start, stop)| ClockSpan { start, pauses: after(start, &waits), stop });
    // Resolution pauses: waits and closed resolved periods (reopened later). A
    // resolved period still open is the clock's stop, not a pause.
    let mut pauses: Vec<(i64, i64)> =
        waits.iter().copied().chain(resolved.iter().copied().filter(|&(_, e)| e != i64::MAX)).collect();
    pauses.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(pauses.len());
    for (s, e) in pauses {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let res = ClockSpan { start: created, pauses: merged, stop: resolved_at };
    [Some(fr), nr, Some(res)]
}

/// Business time counted by a clock from its start to `x`.
fn elapsed(cal: &Calendar, span: &ClockSpan, x: i64) -> Result<i64, Error> {
    let mut total = cal.between_ms(span.start, x)?;
    for &(s, e) in &span.pauses {
        if s >= x {
            break;
        }
        total -= cal.between_ms(s, e.min(x))?;
    }
    Ok(total.max(0))
}

/// The instant at which a clock's business time reaches `amount`, or `None`
/// if an open pause comes first.
fn reach(cal: &Calendar, span: &ClockSpan, amount: i64) -> Result<Option<i64>, Error> {
    let mut remaining = amount;
    let mut cursor = span.start;
    for &(s, e) in &span.pauses {
        if s < cursor {
            cursor = cursor.max(e);
            continue;
        }
        let candidate = cal.add_ms(cursor, remaining)?;
        if candidate <= s {
            return Ok(Some(candidate));
        }
        remaining -= cal.between_ms(cursor, s)?;
        if e == i64::MAX {
            return Ok(None);
        }
        cursor = e;
    }
    cal.add_ms(cursor, remaining).map(Some)
}

/// Evaluates a clock at `now`.
#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
pub(crate) fn evaluate(
    metric: Metric,
    target: &Target,
    span: &ClockSpan,
    warn_at: &[f64],
    now: i64,
) -> Result<Deadline, Error> {
    let cal = &target.calendar;
    let until = span.stop.map_or(now, |s| s.min(now));
    let used = elapsed(cal, span, until)?;
    let due = reach(cal, span, target.within_ms)?;
    let stopped = span.stop.filter(|&s| s <= now);
    let paused = span.pauses.iter().any(|&(s, e)| s <= now && now < e);
    let state = if used >= target.within_ms && !(stopped.is_some() && used == target.within_ms) {
        ClockState::Breached
    } else if stopped.is_some() {
        ClockState::Met
    } else if paused {
        ClockState::Paused
    } else {
        ClockState::Running
    };
    let mut warnings = Vec::with_capacity(warn_at.len());
    for &fraction in warn_at {
        let amount = (target.within_ms as f64 * fraction).round() as i64;
        warnings.push(BreachWarning { fraction, at: reach(cal, span, amount)?.map(from_ms), reached: used >= amount });
    }
    Ok(Deadline {
        metric,
        target: ms_duration(target.within_ms),
        calendar: cal.name().to_owned(),
        zone: cal.zone_name().to_owned(),
        state,
        started_at: from_ms(span.start),
        due: due.map(from_ms),
        due_local: None,
        stopped_at: stopped.map(from_ms),
        elapsed: ms_duration(used),
        remaining: ms_duration(target.within_ms - used),
        warnings,
    })
}

/// The next instant after `now` at which a clock's state or warnings change
/// without a new event: a warning or the deadline being reached.
pub(crate) fn next_change(deadline: &Deadline, now: Timestamp) -> Option<Timestamp> {
    if deadline.state != ClockState::Running {
        return None;
    }
    deadline.warnings.iter().filter_map(|w| w.at).chain(deadline.due).filter(|&t| t > now).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::HOUR_MS;

    fn ts(h: i64) -> Timestamp {
        from_ms(h * HOUR_MS)
    }

    #[test]
    fn spans_from_history() {
        let history = [
            TicketEvent::WaitingOnCustomer { at: ts(2) },
            TicketEvent::CustomerReplied { at: ts(5) },
            TicketEvent::AgentReplied { at: ts(6) },
            TicketEvent::CustomerReplied { at: ts(8) },
            TicketEvent::Resolved { at: ts(9) },
            TicketEvent::Reopened { at: ts(20) },
        ];
        let [fr, nr, res] = spans(0, &history);
        let fr = fr.unwrap();
        assert_eq!(fr.pauses, vec![(2 * HOUR_MS, 5 * HOUR_MS)]);
        assert_eq!(fr.stop, Some(6 * HOUR_MS));
        // The reply at 8 was cut short by the resolution at 9; the reopening at
        // 20 starts a new next-reply cycle.
        let nr = nr.unwrap();
        assert_eq!((nr.start, nr.stop), (20 * HOUR_MS, None));
        let res = res.unwrap();
        assert_eq!(res.pauses, vec![(2 * HOUR_MS, 5 * HOUR_MS), (9 * HOUR_MS, 20 * HOUR_MS)]);
        assert_eq!(res.stop, None);
    }

    #[test]
    fn resolved_stops_resolution() {
        let history = [TicketEvent::WaitingOnCustomer { at: ts(2) }, TicketEvent::Resolved { at: ts(3) }];
        let [fr, _, res] = spans(0, &history);
        assert_eq!(fr.unwrap().stop, Some(3 * HOUR_MS));
        let res = res.unwrap();
        assert_eq!(res.stop, Some(3 * HOUR_MS));
        assert_eq!(res.pauses, vec![(2 * HOUR_MS, 3 * HOUR_MS)]);
    }

    #[test]
    fn pause_extends_the_deadline() {
        let target = Target { within_ms: 4 * HOUR_MS, calendar: Calendar::always_open() };
        let span = ClockSpan { start: 0, pauses: vec![(HOUR_MS, 3 * HOUR_MS)], stop: None };
        let d = evaluate(Metric::Resolution, &target, &span, &[0.5], 2 * HOUR_MS).unwrap();
        assert_eq!(d.state, ClockState::Paused);
        assert_eq!(d.due, Some(ts(6)));
        assert_eq!(d.elapsed, SignedDuration::from_hours(1));
        assert_eq!(d.warnings[0].at, Some(ts(4)));
        let open = ClockSpan { start: 0, pauses: vec![(HOUR_MS, i64::MAX)], stop: None };
        let d = evaluate(Metric::Resolution, &target, &open, &[], 10 * HOUR_MS).unwrap();
        assert_eq!((d.state, d.due), (ClockState::Paused, None));
        assert_eq!(d.remaining, SignedDuration::from_hours(3));
    }

    #[test]
    fn met_and_breached() {
        let target = Target { within_ms: 4 * HOUR_MS, calendar: Calendar::always_open() };
        let at_target = ClockSpan { start: 0, pauses: vec![], stop: Some(4 * HOUR_MS) };
        assert_eq!(
            evaluate(Metric::FirstResponse, &target, &at_target, &[], ts(9).as_millisecond()).unwrap().state,
            ClockState::Met
        );
        let late = ClockSpan { start: 0, pauses: vec![], stop: Some(5 * HOUR_MS) };
        assert_eq!(
            evaluate(Metric::FirstResponse, &target, &late, &[], ts(9).as_millisecond()).unwrap().state,
            ClockState::Breached
        );
        let running = ClockSpan { start: 0, pauses: vec![], stop: None };
        let d = evaluate(Metric::FirstResponse, &target, &running, &[], 4 * HOUR_MS).unwrap();
        assert_eq!((d.state, d.remaining), (ClockState::Breached, SignedDuration::ZERO));
        let d = evaluate(Metric::FirstResponse, &target, &running, &[0.75], 2 * HOUR_MS).unwrap();
        assert_eq!(d.state, ClockState::Running);
        assert_eq!(next_change(&d, ts(2)), Some(ts(3)));
    }
}
