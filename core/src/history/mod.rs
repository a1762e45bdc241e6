//! What-if on real history: a desk's past (arrivals, agents' logins and
//! shifts, what happened to each ticket) replayed through one or more
//! policies, with KPIs side by side and every changed decision explained.
//!
//! # The history format (JSON lines)
//! One JSON object a line, each tagged by `"event"`:
//! - `{"event": "roster_agent", "agent": {...}}`: an agent on the roster (the
//!   same document as in `tierwise route`); any number, anywhere in the file.
//! - `{"at": ..., "event": "ticket_created", "ticket": {...}}`: an arrival
//!   (`tier` and `preferred_agent` as in the engine's event).
//! - `{"at": ..., "event": "agent_logged_in" | "agent_logged_out", "agent": "id"}`
//!   and `{"at": ..., "event": "agent_state_changed", "agent": "id", "state": "away"}`:
//!   availability; shifts come from the roster.
//! - `{"at": ..., "event": "assigned", "ticket": "id", "agent": "id"}`: the agent
//!   took the ticket (the recorded decision).
//! - `{"at": ..., "event": "handled", "ticket": "id", "agent": "id", "outcome":
//!   "resolved" | "escalated" | "returned"}`: the agent's work on it ended
//!   (`returned`: given back unfinished, e.g. at a logout; it queues again).
//!
//! Lines need not be in time order: records are ordered by `at`, ties keep
//! the file's order. Every problem names its line (`lines[12].ticket.channel`).
//! See `docs/history.md` for the whole contract.

mod generate;
mod replay;

use crate::hash::FastMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use generate::{DeskSpec, MAX_GENERATED_AGENTS, MAX_GENERATED_DAYS, generate};
pub use replay::{
    AgentKpis, Diff, DiffEntry, DiffSide, FairnessKpis, Handling, Kpis, PolicyRun, PriorityKpis, RegionKpis,
    ReplayReport, TicketOutcome, TierKpis, Waits, replay,
};

use crate::agent::AgentSpec;
use crate::error::{Error, ErrorKind, Problem};
use crate::event::{Event, EventKind};

/// Most records in one history.
pub const MAX_HISTORY_RECORDS: usize = 20_000_000;

/// How an agent's work on a ticket ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandledOutcome {
    /// The ticket was resolved.
    Resolved,
    /// The ticket went to the next tier.
    Escalated,
    /// The agent gave it back unfinished (they logged out holding it); it
    /// queued again.
    Returned,
}

/// One record of a history.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// An arrival or a change of an agent's availability, fed to the engine
    /// as it is.
    Input(Event),
    /// An agent took a ticket (what history decided).
    Assigned {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// Which agent.
        agent: String,
    },
    /// An agent's work on a ticket ended.
    Handled {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// Which agent.
        agent: String,
        /// How it ended.
        outcome: HandledOutcome,
    },
}

impl Record {
    /// When it happened.
    #[must_use]
    pub fn at(&self) -> Timestamp {
        match self {
            Record::Input(e) => e.at,
            Record::Assigned { at, .. } | Record::Handled { at, .. } => *at,
        }
    }
}

/// The body of an `assigned` line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignedLine {
    at: Timestamp,
    ticket: String,
    agent: String,
}

/// The body of a `handled` line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandledLine {
    at: Timestamp,
    ticket: String,
    agent: String,
    outcome: HandledOutcome,
}

/// The body of a `roster_agent` line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RosterLine {
    agent: serde_json::Value,
}

/// A desk's past: its roster and its records in time order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The agents.
    pub roster: Vec<AgentSpec>,
    /// Records, ordered by time (ties in file order).
    pub records: Vec<Record>,
}

/// One ticket's recorded work: `(assigned at, agent, ended at, outcome)` per
/// assignment, in order.
pub(crate) type Visits = Vec<(i64, String, Option<(i64, HandledOutcome)>)>;

impl History {
    /// Reads a history from JSON lines (blank lines are skipped).
    ///
    /// # Errors
    /// Every malformed line, with its number and the field path; references
    /// to unknown tickets or agents; tickets created twice; work recorded
    /// before its ticket arrived or before it was assigned. At most 100
    /// problems are listed.
    pub fn from_jsonl_str(text: &str) -> Result<History, Error> {
        let mut history = History::default();
        let mut problems = Vec::new();
        let mut line_of = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let number = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            if problems.len() >= 100 {
                break;
            }
            if history.records.len() >= MAX_HISTORY_RECORDS {
                problems.push(Problem::new(
                    ErrorKind::TooLarge,
                    format!("lines[{number}]"),
                    format!("more than {MAX_HISTORY_RECORDS} records"),
                ));
                break;
            }
            match parse_line(line) {
                Ok(Parsed::Agent(spec)) => history.roster.push(*spec),
                Ok(Parsed::Record(record)) => {
                    history.records.push(record);
                    line_of.push(number);
                }
                Err(e) => problems.extend(e.under(&format!("lines[{number}]")).problems().iter().cloned()),
            }
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        // Stable: ties keep the file's order.
        let mut order: Vec<usize> = (0..history.records.len()).collect();
        order.sort_by_key(|&i| history.records[i].at());
        let records = std::mem::take(&mut history.records);
        let mut slots: Vec<Option<Record>> = records.into_iter().map(Some).collect();
        history.records = order.iter().filter_map(|&i| slots[i].take()).collect();
        let lines: Vec<usize> = order.iter().map(|&i| line_of[i]).collect();
        history.check(&lines)?;
        Ok(history)
    }

    /// Checks references; `lines[i]` is the file line of record `i`.
    fn check(&self, lines: &[usize]) -> Result<(), Error> {
        let mut problems = Vec::new();
        let mut agents: FastMap<&str, ()> = FastMap::default();
        for (i, a) in self.roster.iter().enumerate() {
            if agents.insert(a.id.as_str(), ()).is_some() {
                problems.push(Problem::new(
                    ErrorKind::Duplicate,
                    format!("roster[{i}].id"),
                    format!("agent \"{}\" appears twice on the roster", a.id),
                ));
            }
        }
        // Per ticket: whether its latest assignment is still open.
        let mut tickets: FastMap<&str, bool> = FastMap::default();
        for (record, &line) in self.records.iter().zip(lines) {
            let at = LinePath(line);
            let agent_ref = |id: &str, problems: &mut Vec<Problem>| {
                if !agents.contains_key(id) {
                    problems.push(Problem::new(
                        ErrorKind::UnknownName,
                        format!("{at}.agent"),
                        format!("agent \"{id}\" is not on the roster"),
                    ));
                }
            };
            match record {
                Record::Input(event) => match &event.kind {
                    EventKind::TicketCreated { ticket, .. } if tickets.insert(ticket.id.as_str(), false).is_some() => {
                        problems.push(Problem::new(
                            ErrorKind::Duplicate,
                            format!("{at}.ticket.id"),
                            format!("ticket \"{}\" is created twice", ticket.id),
                        ));
                    }
                    EventKind::AgentLoggedIn { agent }
                    | EventKind::AgentLoggedOut { agent }
                    | EventKind::AgentStateChanged { agent, .. } => agent_ref(agent, &mut problems),
                    _ => {}
                },
                Record::Assigned { ticket, agent, .. } => {
                    agent_ref(agent, &mut problems);
                    match tickets.get_mut(ticket.as_str()) {
                        None => problems.push(unknown_ticket(at, ticket, "assigned")),
                        Some(open) if *open => problems.push(Problem::new(
                            ErrorKind::Inconsistent,
                            format!("{at}.ticket"),
                            format!("ticket \"{ticket}\" is assigned again before its previous work was handled"),
                        )),
                        Some(open) => *open = true,
                    }
                }
                Record::Handled { ticket, agent, .. } => {
                    agent_ref(agent, &mut problems);
                    match tickets.get_mut(ticket.as_str()) {
                        None => problems.push(unknown_ticket(at, ticket, "handled")),
                        Some(open) if !*open => problems.push(Problem::new(
                            ErrorKind::Inconsistent,
                            format!("{at}.ticket"),
                            format!("ticket \"{ticket}\" is handled without being assigned"),
                        )),
                        Some(open) => *open = false,
                    }
                }
            }
            if problems.len() >= 100 {
                break;
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(Error::from_problems(problems)) }
    }

    /// Writes the history as JSON lines: the roster, then the records.
    #[must_use]
    pub fn to_jsonl_string(&self) -> String {
        let mut out = String::new();
        for agent in &self.roster {
            let line = serde_json::json!({"event": "roster_agent", "agent": agent});
            out.push_str(&line.to_string());
            out.push('\n');
        }
        for record in &self.records {
            let line = match record {
                Record::Input(event) => serde_json::to_string(event),
                Record::Assigned { at, ticket, agent } => {
                    tagged("assigned", &AssignedLine { at: *at, ticket: ticket.clone(), agent: agent.clone() })
                }
                Record::Handled { at, ticket, agent, outcome } => tagged(
                    "handled",
                    &HandledLine { at: *at, ticket: ticket.clone(), agent: agent.clone(), outcome: *outcome },
                ),
            };
            out.push_str(&line.unwrap_or_default());
            out.push('\n');
        }
        out
    }

    /// Each ticket's recorded work, by ticket id.
    pub(crate) fn visits(&self) -> FastMap<&str, Visits> {
        let mut visits: FastMap<&str, Visits> = FastMap::default();
        for record in &self.records {
            match record {
                Record::Assigned { at, ticket, agent } => {
                    visits.entry(ticket.as_str()).or_default().push((crate::time::to_ms(*at), agent.clone(), None));
                }
                Record::Handled { at, ticket, outcome, .. } => {
                    if let Some(last) = visits.get_mut(ticket.as_str()).and_then(|v| v.last_mut()) {
                        last.2 = Some((crate::time::to_ms(*at), *outcome));
                    }
                }
                Record::Input(_) => {}
            }
        }
        visits
    }

    /// Tickets that arrived.
    #[must_use]
    pub fn tickets(&self) -> usize {
        self.records
            .iter()
            .filter(|r| matches!(r, Record::Input(Event { kind: EventKind::TicketCreated { .. }, .. })))
            .count()
    }
}

/// `body` as JSON with `"event": tag` first.
fn tagged<T: Serialize>(tag: &str, body: &T) -> Result<String, serde_json::Error> {
    let text = serde_json::to_string(body)?;
    Ok(format!("{{\"event\":\"{tag}\",{}", text.strip_prefix('{').unwrap_or(&text)))
}

/// `lines[n]`, formatted only when a problem is reported.
#[derive(Clone, Copy)]
struct LinePath(usize);

impl std::fmt::Display for LinePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lines[{}]", self.0)
    }
}

fn unknown_ticket(at: LinePath, ticket: &str, what: &str) -> Problem {
    Problem::new(
        ErrorKind::UnknownName,
        format!("{at}.ticket"),
        format!("ticket \"{ticket}\" is {what} before it is created (or never created)"),
    )
}

/// One line read (short-lived: the size difference does not matter).
#[allow(clippy::large_enum_variant)]
enum Parsed {
    Agent(Box<AgentSpec>),
    Record(Record),
}

/// The records a history line may hold, read in one pass (the common case;
/// a line this refuses is read again by [`parse_line`] for its error paths).
#[derive(Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
enum FastLine {
    RosterAgent {
        agent: AgentSpec,
    },
    TicketCreated {
        at: Timestamp,
        ticket: Box<crate::ticket::Ticket>,
        #[serde(default)]
        tier: Option<String>,
        #[serde(default)]
        preferred_agent: Option<String>,
    },
    AgentLoggedIn {
        at: Timestamp,
        agent: String,
    },
    AgentLoggedOut {
        at: Timestamp,
        agent: String,
    },
    AgentStateChanged {
        at: Timestamp,
        agent: String,
        state: crate::event::Presence,
    },
    Assigned {
        at: Timestamp,
        ticket: String,
        agent: String,
    },
    Handled {
        at: Timestamp,
        ticket: String,
        agent: String,
        outcome: HandledOutcome,
    },
}

fn parse_line(line: &str) -> Result<Parsed, Error> {
    if line.len() <= crate::event::MAX_EVENT_BYTES
        && let Ok(fast) = serde_json::from_str::<FastLine>(line)
    {
        let input = |at, kind| Parsed::Record(Record::Input(Event::new(at, kind)));
        return Ok(match fast {
            FastLine::RosterAgent { agent } => Parsed::Agent(Box::new(agent)),
            FastLine::TicketCreated { at, ticket, tier, preferred_agent } => {
                input(at, EventKind::TicketCreated { ticket, tier, preferred_agent })
            }
            FastLine::AgentLoggedIn { at, agent } => input(at, EventKind::AgentLoggedIn { agent }),
            FastLine::AgentLoggedOut { at, agent } => input(at, EventKind::AgentLoggedOut { agent }),
            FastLine::AgentStateChanged { at, agent, state } => {
                input(at, EventKind::AgentStateChanged { agent, state })
            }
            FastLine::Assigned { at, ticket, agent } => Parsed::Record(Record::Assigned { at, ticket, agent }),
            FastLine::Handled { at, ticket, agent, outcome } => {
                Parsed::Record(Record::Handled { at, ticket, agent, outcome })
            }
        });
    }
    let value = crate::policy::parse_value(line, crate::policy::Format::Json, crate::event::MAX_EVENT_BYTES)?;
    let tag = value.get("event").and_then(serde_json::Value::as_str).map(str::to_owned);
    let mut value = value;
    if matches!(tag.as_deref(), Some("roster_agent" | "assigned" | "handled"))
        && let Some(map) = value.as_object_mut()
    {
        map.remove("event");
    }
    let mut problems = Vec::new();
    match tag.as_deref() {
        Some("roster_agent") => crate::policy::read::<RosterLine>(value, "", &mut problems)
            .and_then(|line| crate::policy::read::<AgentSpec>(line.agent, "agent", &mut problems))
            .map(|spec| Parsed::Agent(Box::new(spec)))
            .ok_or_else(|| Error::from_problems(problems)),
        Some("assigned") => crate::policy::read::<AssignedLine>(value, "", &mut problems)
            .map(|l| Parsed::Record(Record::Assigned { at: l.at, ticket: l.ticket, agent: l.agent }))
            .ok_or_else(|| Error::from_problems(problems)),
        Some("handled") => crate::policy::read::<HandledLine>(value, "", &mut problems)
            .map(|l| Parsed::Record(Record::Handled { at: l.at, ticket: l.ticket, agent: l.agent, outcome: l.outcome }))
            .ok_or_else(|| Error::from_problems(problems)),
        _ => {
            let event = Event::from_value(value)?;
            match event.kind {
                EventKind::TicketCreated { .. }
                | EventKind::AgentLoggedIn { .. }
                | EventKind::AgentLoggedOut { .. }
                | EventKind::AgentStateChanged { .. } => Ok(Parsed::Record(Record::Input(event))),
                _ => Err(Error::new(
                    ErrorKind::InvalidValue,
                    "event",
                    "not a history record: expected roster_agent, ticket_created, agent_logged_in, \
                     agent_logged_out, agent_state_changed, assigned or handled",
                )),
            }
        }
    }
}
