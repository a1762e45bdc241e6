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
//! - A clock is due at the instant its business time reaches the target. It
//!   is breached once that instant has passed without a stop (from the next
//!   millisecond on), or if it stopped after it; a stop at the due instant
//!   itself counts as met.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::calendar::Calendar;
use crate::error::Error;
use crate::priority::Condition;
use crate::ticket::TicketEvent;
use crate::time::{from_ms, ms_duration, to_ms};

/// Which SLA measure a clock tracks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
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
    /// The three clocks, in the order of their indices.
    pub(crate) const ALL: [Metric; 3] = [Metric::FirstResponse, Metric::NextReply, Metric::Resolution];

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
    /// Stopped at or before its due instant.
    Met,
    /// Its due instant passed without a stop, or it stopped after it.
    Breached,
}

/// A compiled target: a duration in a calendar's business time, with its
/// breach-warning fractions and the amounts they stand for, ascending.
#[derive(Clone, Debug)]
pub(crate) struct Target {
    pub(crate) within_ms: i64,
    pub(crate) calendar: Calendar,
    pub(crate) warnings: Vec<(f64, i64)>,
}

impl Target {
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    pub(crate) fn new(within_ms: i64, calendar: Calendar, warn_at: &[f64]) -> Target {
        let mut fractions: Vec<f64> = warn_at.to_vec();
        crate::compact_sort::sort_by(&mut fractions, |a, b| a.total_cmp(b).is_lt());
        fractions.dedup();
        let warnings = fractions.into_iter().map(|f| (f, ((within_ms as f64 * f).round() as i64).max(1))).collect();
        Target { within_ms, calendar, warnings }
    }
}

/// A compiled SLA rule.
#[derive(Clone, Debug)]
pub(crate) struct SlaRule {
    pub(crate) label: String,
    pub(crate) condition: Condition,
    pub(crate) targets: [Option<Target>; 3],
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
    pub calendar: Arc<str>,
    /// The calendar's IANA zone.
    pub zone: Arc<str>,
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
    crate::compact_sort::sort(&mut pauses);
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

/// A clock's span in business coordinates of its calendar, so that elapsed
/// time and the instant any amount is reached each cost one lookup.
struct Coordinates<'a> {
    cal: &'a Calendar,
    base: i16,
    start: i64,
    pauses: Vec<PauseCoordinates>,
}

/// A pause: its start instant and coordinate, and its end instant and
/// coordinate (`None` while still paused).
#[derive(Clone, Copy)]
struct PauseCoordinates {
    start: i64,
    start_c: i64,
    end: Option<(i64, i64)>,
}

/// Positions already looked up during one triage, by calendar and instant:
/// clocks of one ticket share their start (creation) and `now`.
#[derive(Default)]
pub(crate) struct PositionCache {
    entries: [(usize, i64, (i16, i64)); 4],
    len: usize,
}

impl PositionCache {
    fn position(&mut self, cal: &Calendar, t: i64) -> Result<(i16, i64), Error> {
        let id = cal.id();
        if let Some(&(_, _, p)) = self.entries[..self.len].iter().find(|e| e.0 == id && e.1 == t) {
            return Ok(p);
        }
        let p = cal.position(t)?;
        if self.len < self.entries.len() {
            self.entries[self.len] = (id, t, p);
            self.len += 1;
        }
        Ok(p)
    }

    fn coordinate(&mut self, cal: &Calendar, base: i16, t: i64) -> Result<i64, Error> {
        let p = self.position(cal, t)?;
        cal.rebase(base, p)
    }
}

impl<'a> Coordinates<'a> {
    fn new(cal: &'a Calendar, span: &ClockSpan, cache: &mut PositionCache) -> Result<Self, Error> {
        let (base, start) = cache.position(cal, span.start)?;
        let mut pauses = Vec::with_capacity(span.pauses.len());
        for &(s, e) in &span.pauses {
            let cs = cache.coordinate(cal, base, s)?;
            let end = if e == i64::MAX { None } else { Some((e, cache.coordinate(cal, base, e)?)) };
            pauses.push(PauseCoordinates { start: s, start_c: cs, end });
        }
        Ok(Coordinates { cal, base, start, pauses })
    }

    /// Business time counted from the start to the instant `x`.
    fn elapsed(&self, x: i64, cache: &mut PositionCache) -> Result<i64, Error> {
        let cx = cache.coordinate(self.cal, self.base, x)?;
        let mut total = cx - self.start;
        for &PauseCoordinates { start: s, start_c: cs, end } in &self.pauses {
            if s >= x {
                break;
            }
            let ce = match end {
                Some((e, ce)) if e < x => ce,
                _ => cx,
            };
            total -= ce - cs;
        }
        Ok(total.max(0))
    }

    /// The instant at which `amount` of business time has been counted, or
    /// `None` if an open pause comes first.
    fn reach(&self, amount: i64) -> Result<Option<i64>, Error> {
        let mut target = self.start + amount.max(1);
        for &PauseCoordinates { start_c: cs, end, .. } in &self.pauses {
            if target <= cs {
                break;
            }
            match end {
                None => return Ok(None),
                Some((_, ce)) => target += ce - cs,
            }
        }
        self.cal.instant_at(self.base, target).map(Some)
    }
}

/// A clock's figures at an instant, without names or allocation: what the
/// engine needs on every event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ClockFigures {
    pub(crate) state: ClockState,
    pub(crate) due: Option<i64>,
    pub(crate) used: i64,
    pub(crate) stopped: Option<i64>,
    /// The next instant after `now` at which a warning fires or the deadline
    /// passes, while the clock runs.
    pub(crate) next_change: Option<i64>,
}

/// Computes a clock's figures at `now`. With `on_warning`, every breach
/// warning (fraction, instant, reached yet) is reported; without, only the
/// first unreached one is computed, which is all `next_change` needs (warning
/// instants grow with their fraction).
pub(crate) fn figures(
    target: &Target,
    span: &ClockSpan,
    now: i64,
    cache: &mut PositionCache,
    mut on_warning: Option<&mut dyn FnMut(f64, Option<i64>, bool)>,
) -> Result<ClockFigures, Error> {
    let coords = Coordinates::new(&target.calendar, span, cache)?;
    let until = span.stop.map_or(now, |s| s.min(now));
    let used = coords.elapsed(until, cache)?;
    let due = coords.reach(target.within_ms)?;
    let stopped = span.stop.filter(|&s| s <= now);
    let paused = span.pauses.iter().any(|&(s, e)| s <= now && now < e);
    // Breached once the due instant has passed without a stop, or stopped
    // after it. A stop at the due instant itself is in time, so at that
    // instant the clock still runs: the breach is at the next millisecond.
    // (Compared by instant, not by business time: a reply out of hours
    // after a due instant that fell at closing time is late, though no
    // business time passed since.)
    let breached = due.is_some_and(|d| stopped.map_or(now > d, |s| s > d));
    let state = if breached {
        ClockState::Breached
    } else if stopped.is_some() {
        ClockState::Met
    } else if paused {
        ClockState::Paused
    } else {
        ClockState::Running
    };
    let running = state == ClockState::Running;
    // The breach comes also to a clock paused at its due instant: its time
    // is up, and the pause is no stop.
    let mut next_change = breach_instant(due).filter(|&b| stopped.is_none() && b > now);
    for &(fraction, amount) in &target.warnings {
        let reached = used >= amount;
        if reached && on_warning.is_none() {
            continue;
        }
        let at = coords.reach(amount)?;
        if running && let Some(at) = at.filter(|&at| at > now) {
            next_change = Some(next_change.map_or(at, |n| n.min(at)));
        }
        match on_warning.as_deref_mut() {
            Some(report) => report(fraction, at, reached),
            None => break,
        }
    }
    Ok(ClockFigures { state, due, used, stopped, next_change })
}

/// The first instant at which a clock due at `due` and still running is
/// breached: the millisecond after its due instant (a stop at the due
/// instant itself is in time).
pub(crate) fn breach_instant(due: Option<i64>) -> Option<i64> {
    due.map(|d| d.saturating_add(1))
}

/// Evaluates a clock at `now`, with names and warnings, for people.
pub(crate) fn evaluate(
    metric: Metric,
    target: &Target,
    span: &ClockSpan,
    now: i64,
    cache: &mut PositionCache,
) -> Result<(Deadline, ClockFigures), Error> {
    let mut warnings = Vec::with_capacity(target.warnings.len());
    let mut report = |fraction, at: Option<i64>, reached| {
        warnings.push(BreachWarning { fraction, at: at.map(from_ms), reached });
    };
    let f = figures(target, span, now, cache, Some(&mut report))?;
    let (calendar, zone) = target.calendar.shared_names();
    let deadline = Deadline {
        metric,
        target: ms_duration(target.within_ms),
        calendar,
        zone,
        state: f.state,
        started_at: from_ms(span.start),
        due: f.due.map(from_ms),
        due_local: None,
        stopped_at: f.stopped.map(from_ms),
        elapsed: ms_duration(f.used),
        remaining: ms_duration(target.within_ms - f.used),
        warnings,
    };
    Ok((deadline, f))
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
        let target = Target::new(4 * HOUR_MS, Calendar::always_open(), &[]);
        let span = ClockSpan { start: 0, pauses: vec![(HOUR_MS, 3 * HOUR_MS)], stop: None };
        let d = evaluate(
            Metric::Resolution,
            &Target::new(4 * HOUR_MS, Calendar::always_open(), &[0.5]),
            &span,
            2 * HOUR_MS,
            &mut PositionCache::default(),
        )
        .unwrap()
        .0;
        assert_eq!(d.state, ClockState::Paused);
        assert_eq!(d.due, Some(ts(6)));
        assert_eq!(d.elapsed, SignedDuration::from_hours(1));
        assert_eq!(d.warnings[0].at, Some(ts(4)));
        let open = ClockSpan { start: 0, pauses: vec![(HOUR_MS, i64::MAX)], stop: None };
        let d = evaluate(Metric::Resolution, &target, &open, 10 * HOUR_MS, &mut PositionCache::default()).unwrap().0;
        assert_eq!((d.state, d.due), (ClockState::Paused, None));
        assert_eq!(d.remaining, SignedDuration::from_hours(3));
    }

    #[test]
    fn met_and_breached() {
        let target = Target::new(4 * HOUR_MS, Calendar::always_open(), &[]);
        let at_target = ClockSpan { start: 0, pauses: vec![], stop: Some(4 * HOUR_MS) };
        assert_eq!(
            evaluate(Metric::FirstResponse, &target, &at_target, ts(9).as_millisecond(), &mut PositionCache::default())
                .unwrap()
                .0
                .state,
            ClockState::Met
        );
        let late = ClockSpan { start: 0, pauses: vec![], stop: Some(5 * HOUR_MS) };
        assert_eq!(
            evaluate(Metric::FirstResponse, &target, &late, ts(9).as_millisecond(), &mut PositionCache::default())
                .unwrap()
                .0
                .state,
            ClockState::Breached
        );
        let running = ClockSpan { start: 0, pauses: vec![], stop: None };
        // At its due instant the clock still runs (a reply then is in
        // time); a millisecond later it is breached.
        let (d, f) =
            evaluate(Metric::FirstResponse, &target, &running, 4 * HOUR_MS, &mut PositionCache::default()).unwrap();
        assert_eq!((d.state, d.remaining), (ClockState::Running, SignedDuration::ZERO));
        assert_eq!(f.next_change, Some(4 * HOUR_MS + 1));
        let d = evaluate(Metric::FirstResponse, &target, &running, 4 * HOUR_MS + 1, &mut PositionCache::default())
            .unwrap()
            .0;
        assert_eq!(d.state, ClockState::Breached);
        // Due at closing time (17:00 in a 9-17 calendar), replied out of
        // hours: no business time passed since the due instant, but the
        // reply came after it, so the clock is breached.
        let day = || vec![crate::calendar::LocalInterval::parse("09:00-17:00").unwrap()];
        let week = crate::calendar::WeeklyHours::new(std::array::from_fn(|_| day())).unwrap();
        let nine_to_five = Calendar::new("office", "UTC", week, vec![]).unwrap();
        let target = Target::new(8 * HOUR_MS, nine_to_five, &[]);
        let state = |stop: i64| {
            let span = ClockSpan { start: 9 * HOUR_MS, pauses: vec![], stop: Some(stop) };
            let (d, _) =
                evaluate(Metric::FirstResponse, &target, &span, ts(20).as_millisecond(), &mut PositionCache::default())
                    .unwrap();
            (d.state, d.due, d.elapsed)
        };
        let eight = SignedDuration::from_hours(8);
        assert_eq!(state(17 * HOUR_MS), (ClockState::Met, Some(ts(17)), eight));
        assert_eq!(state(18 * HOUR_MS), (ClockState::Breached, Some(ts(17)), eight));
        let (d, f) = evaluate(
            Metric::FirstResponse,
            &Target::new(4 * HOUR_MS, Calendar::always_open(), &[0.75]),
            &running,
            2 * HOUR_MS,
            &mut PositionCache::default(),
        )
        .unwrap();
        assert_eq!(d.state, ClockState::Running);
        assert_eq!(f.next_change, Some(3 * HOUR_MS));
    }
}
