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

pub use generate::{DeskSpec, MAX_GENERATED_AGENTS, MAX_GENERATED_DAYS, MAX_GENERATED_TICKETS, generate};
pub use replay::{
    AgentKpis, Diff, DiffEntry, DiffSide, FairnessKpis, Handling, Kpis, MAX_UNTRIAGED_REASONS, PolicyRun, PriorityKpis,
    RegionKpis, ReplayReport, TicketOutcome, TierKpis, UntriagedReason, Waits, replay,
};

use crate::agent::AgentSpec;
use crate::error::{Error, ErrorKind, Problem};
use crate::event::{Event, EventKind};
use crate::policy::ObjectOrId;
use crate::ticket::Ticket;

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
    #[serde(deserialize_with = "crate::time::instant_serde::deserialize")]
    at: Timestamp,
    ticket: String,
    agent: String,
}

/// The body of a `handled` line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HandledLine {
    #[serde(deserialize_with = "crate::time::instant_serde::deserialize")]
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

/// One ticket's recorded work: `(assigned at, (ended at, outcome))` per
/// assignment, in order; the end is missing if the history stops first.
pub(crate) type Visits = Vec<(i64, Option<(i64, HandledOutcome)>)>;

/// One ticket's recorded work as a shard gathers it: (ticket number, work,
/// first assignment).
type ShardWork = (usize, Visits, Option<(i64, u32)>);

/// What history did with each ticket, indexed by ticket number (the order of
/// creation, which is also the replay host's ticket index).
#[derive(Default)]
pub(crate) struct RecordedWork<'h> {
    /// The tickets as created.
    pub tickets: Vec<&'h Ticket>,
    /// Each ticket's pieces of work.
    pub visits: Vec<Visits>,
    /// Each ticket's first assignment: when (ms) and to which roster agent.
    pub first: Vec<Option<(i64, u32)>>,
}

impl History {
    /// Reads a history from JSON lines (blank lines are skipped).
    ///
    /// # Errors
    /// Every malformed line, with its number and the field path; references
    /// to unknown tickets or agents; tickets created twice; work recorded
    /// before its ticket arrived or before it was assigned. At most 100
    /// problems are listed.
    pub fn from_jsonl_str(text: &str) -> Result<History, Error> {
        use rayon::prelude::*;
        // Pieces of whole lines are read in parallel, then joined in file order.
        let pieces: Vec<Piece> = split_at_lines(text, JSONL_PIECE_BYTES).par_iter().map(|s| Piece::read(s)).collect();
        let records: usize = pieces.iter().map(|p| p.records.len()).sum();
        let mut history = History { roster: Vec::new(), records: Vec::with_capacity(records) };
        // Each bad line's number and problems.
        let mut problems: Vec<(usize, Problem)> = Vec::new();
        let mut line_of = Vec::with_capacity(records);
        let mut lines_before = 0;
        'pieces: for piece in pieces {
            for (line, error) in piece.problems {
                if problems.len() >= 100 {
                    break 'pieces;
                }
                let number = lines_before + line;
                let found = error.under(&format!("lines[{number}]"));
                problems.extend(found.problems().iter().map(|p| (number, p.clone())));
            }
            history.roster.extend(piece.roster);
            history.records.extend(piece.records);
            line_of.extend(piece.line_of.iter().map(|line| lines_before + line));
            lines_before += piece.lines;
        }
        if history.records.len() > MAX_HISTORY_RECORDS {
            let number = line_of[MAX_HISTORY_RECORDS];
            problems.retain(|&(line, _)| line < number);
            problems.push((
                number,
                Problem::new(
                    ErrorKind::TooLarge,
                    format!("lines[{number}]"),
                    format!("more than {MAX_HISTORY_RECORDS} records"),
                ),
            ));
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems.into_iter().map(|(_, p)| p).collect()));
        }
        // Stable: ties keep the file's order. Exports are usually in order already.
        if !history.records.is_sorted_by_key(Record::at) {
            let mut numbered: Vec<(Record, usize)> =
                std::mem::take(&mut history.records).into_iter().zip(line_of).collect();
            numbered.sort_by_key(|(record, _)| record.at());
            (history.records, line_of) = numbered.into_iter().unzip();
        }
        history.check(&line_of)?;
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
        // Each shard of tickets is followed by its own thread; the first also
        // checks agent references. Problems are sorted back into record order
        // (agent before ticket within a record), and each shard stops at 100,
        // which keeps the first 100 overall exact.
        let found = by_ticket_shard(|shard, mine| self.check_shard(lines, &agents, shard == 0, mine));
        let mut found: Vec<(usize, u8, Problem)> = found.into_iter().flatten().collect();
        found.sort_by_key(|&(i, order, _)| (i, order));
        problems.extend(found.into_iter().map(|(_, _, p)| p));
        problems.truncate(100);
        if problems.is_empty() { Ok(()) } else { Err(Error::from_problems(problems)) }
    }

    /// The reference problems of the tickets `mine` accepts (and, with
    /// `agent_refs`, of agent references), each with its record index and
    /// its order within the record; at most 100.
    fn check_shard(
        &self,
        lines: &[usize],
        agents: &FastMap<&str, ()>,
        agent_refs: bool,
        mine: &dyn Fn(&str) -> bool,
    ) -> Vec<(usize, u8, Problem)> {
        let mut problems = Vec::new();
        // Per ticket: the agent of its latest assignment while that is open.
        let mut tickets: FastMap<&str, Option<&str>> = FastMap::default();
        // Per agent: whether logged in (the engine takes a state change only
        // from an agent who is).
        let mut logged_in: FastMap<&str, bool> = FastMap::default();
        for (i, (record, &line)) in self.records.iter().zip(lines).enumerate() {
            let at = LinePath(line);
            let agent_ref = |id: &str, problems: &mut Vec<(usize, u8, Problem)>| {
                if agent_refs && !agents.contains_key(id) {
                    let message = format!("agent \"{id}\" is not on the roster");
                    problems.push((i, 0, Problem::new(ErrorKind::UnknownName, format!("{at}.agent"), message)));
                }
            };
            match record {
                Record::Input(event) => match &event.kind {
                    EventKind::TicketCreated { ticket, .. }
                        if mine(&ticket.id) && tickets.insert(ticket.id.as_str(), None).is_some() =>
                    {
                        let message = format!("ticket \"{}\" is created twice", ticket.id);
                        problems.push((i, 1, Problem::new(ErrorKind::Duplicate, format!("{at}.ticket.id"), message)));
                    }
                    EventKind::AgentLoggedIn { agent } | EventKind::AgentLoggedOut { agent } => {
                        agent_ref(agent, &mut problems);
                        if agent_refs {
                            logged_in.insert(agent, matches!(event.kind, EventKind::AgentLoggedIn { .. }));
                        }
                    }
                    EventKind::AgentStateChanged { agent, .. } => {
                        agent_ref(agent, &mut problems);
                        if agent_refs
                            && agents.contains_key(agent.as_str())
                            && logged_in.get(agent.as_str()) != Some(&true)
                        {
                            let message = format!("agent \"{agent}\" changes state while not logged in");
                            problems.push((
                                i,
                                0,
                                Problem::new(ErrorKind::Inconsistent, format!("{at}.agent"), message),
                            ));
                        }
                    }
                    _ => {}
                },
                Record::Assigned { ticket, agent, .. } | Record::Handled { ticket, agent, .. } => {
                    agent_ref(agent, &mut problems);
                    if !mine(ticket) {
                        continue;
                    }
                    // An assignment opens the ticket's work; handling closes it.
                    let assigned = matches!(record, Record::Assigned { .. });
                    let (what, wrong) = if assigned {
                        ("assigned", "is assigned again before its previous work was handled")
                    } else {
                        ("handled", "is handled without being assigned")
                    };
                    let problem = match tickets.get_mut(ticket.as_str()) {
                        None => Some(unknown_ticket(at, ticket, what)),
                        Some(open) if open.is_some() == assigned => Some(Problem::new(
                            ErrorKind::Inconsistent,
                            format!("{at}.ticket"),
                            format!("ticket \"{ticket}\" {wrong}"),
                        )),
                        Some(Some(holder)) if *holder != agent.as_str() => Some(Problem::new(
                            ErrorKind::Inconsistent,
                            format!("{at}.agent"),
                            format!("ticket \"{ticket}\" is handled by \"{agent}\" but was assigned to \"{holder}\""),
                        )),
                        Some(open) => {
                            *open = assigned.then_some(agent.as_str());
                            None
                        }
                    };
                    problems.extend(problem.map(|p| (i, 1, p)));
                }
            }
            if problems.len() >= 100 {
                break;
            }
        }
        problems
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

    /// What history did with each ticket, by ticket number (the order in
    /// which tickets were created).
    pub(crate) fn recorded_work(&self) -> RecordedWork<'_> {
        let agents: FastMap<&str, u32> = self.roster.iter().zip(0..).map(|(a, i)| (a.id.as_str(), i)).collect();
        let tickets: Vec<&Ticket> = self
            .records
            .iter()
            .filter_map(|r| match r {
                Record::Input(Event { kind: EventKind::TicketCreated { ticket, .. }, .. }) => Some(&**ticket),
                _ => None,
            })
            .collect();
        // Each shard of tickets is gathered by its own thread: (ticket
        // number, work, first assignment) for the tickets of the shard.
        let parts: Vec<Vec<ShardWork>> = by_ticket_shard(|_, mine| {
            let mut place: FastMap<&str, usize> = FastMap::default();
            let mut part: Vec<ShardWork> = Vec::new();
            let mut created = 0;
            for record in &self.records {
                match record {
                    Record::Input(Event { kind: EventKind::TicketCreated { ticket, .. }, .. }) => {
                        if mine(&ticket.id) {
                            place.insert(ticket.id.as_str(), part.len());
                            part.push((created, Vec::new(), None));
                        }
                        created += 1;
                    }
                    Record::Assigned { at, ticket, agent } if mine(ticket) => {
                        if let Some(&k) = place.get(ticket.as_str()) {
                            let at = crate::time::to_ms(*at);
                            part[k].1.push((at, None));
                            // An agent missing from the roster matches no one.
                            let agent = agents.get(agent.as_str()).copied().unwrap_or(u32::MAX);
                            part[k].2.get_or_insert((at, agent));
                        }
                    }
                    Record::Handled { at, ticket, outcome, .. } if mine(ticket) => {
                        if let Some(last) = place.get(ticket.as_str()).and_then(|&k| part[k].1.last_mut()) {
                            last.1 = Some((crate::time::to_ms(*at), *outcome));
                        }
                    }
                    _ => {}
                }
            }
            part
        });
        let mut work =
            RecordedWork { visits: vec![Vec::new(); tickets.len()], first: vec![None; tickets.len()], tickets };
        for (n, visits, first) in parts.into_iter().flatten() {
            work.visits[n] = visits;
            work.first[n] = first;
        }
        work
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

/// Runs `work` once per shard of ticket ids (one per thread, at most 8),
/// side by side; `work` gets the shard's number and a test of whether a
/// ticket id belongs to it. Results come in shard order.
fn by_ticket_shard<T: Send>(work: impl Fn(usize, &dyn Fn(&str) -> bool) -> T + Sync) -> Vec<T> {
    use rayon::prelude::*;
    use std::hash::BuildHasher;
    let shards = rayon::current_num_threads().clamp(1, 8) as u64;
    let hasher = std::hash::BuildHasherDefault::<crate::hash::FastHasher>::default();
    (0..shards)
        .into_par_iter()
        .map(|shard| work(usize::try_from(shard).unwrap_or(0), &|id| hasher.hash_one(id) % shards == shard))
        .collect()
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

/// Every field a history line may have, read in one pass with no buffering
/// (the common case; a line this refuses, or whose fields do not fit its
/// `event`, is read again by [`parse_line`] for its error paths).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FastLine<'a> {
    #[serde(borrow)]
    event: &'a str,
    #[serde(default, deserialize_with = "crate::time::instant_serde::optional")]
    at: Option<Timestamp>,
    agent: Option<ObjectOrId<AgentSpec>>,
    ticket: Option<ObjectOrId<Box<crate::ticket::Ticket>>>,
    tier: Option<String>,
    preferred_agent: Option<String>,
    state: Option<crate::event::Presence>,
    outcome: Option<HandledOutcome>,
}

impl FastLine<'_> {
    /// The line as what it holds, if its fields are exactly those of its kind.
    fn into_parsed(self) -> Option<Parsed> {
        use ObjectOrId::{Id, Object};
        let input = |at, kind| Some(Parsed::Record(Record::Input(Event::new(at, kind))));
        let FastLine { event, at, agent, ticket, tier, preferred_agent, state, outcome } = self;
        // Only a ticket's creation may name its tier and preferred agent.
        let routing = tier.is_some() || preferred_agent.is_some();
        match (event, at, agent, ticket, state, outcome) {
            ("roster_agent", None, Some(Object(agent)), None, None, None) if !routing => {
                Some(Parsed::Agent(Box::new(agent)))
            }
            ("ticket_created", Some(at), None, Some(Object(ticket)), None, None) => {
                input(at, EventKind::TicketCreated { ticket, tier, preferred_agent })
            }
            ("agent_logged_in", Some(at), Some(Id(agent)), None, None, None) if !routing => {
                input(at, EventKind::AgentLoggedIn { agent })
            }
            ("agent_logged_out", Some(at), Some(Id(agent)), None, None, None) if !routing => {
                input(at, EventKind::AgentLoggedOut { agent })
            }
            ("agent_state_changed", Some(at), Some(Id(agent)), None, Some(state), None) if !routing => {
                input(at, EventKind::AgentStateChanged { agent, state })
            }
            ("assigned", Some(at), Some(Id(agent)), Some(Id(ticket)), None, None) if !routing => {
                Some(Parsed::Record(Record::Assigned { at, ticket, agent }))
            }
            ("handled", Some(at), Some(Id(agent)), Some(Id(ticket)), None, Some(outcome)) if !routing => {
                Some(Parsed::Record(Record::Handled { at, ticket, agent, outcome }))
            }
            _ => None,
        }
    }
}

/// The size of the pieces of a JSON-lines history read in parallel.
const JSONL_PIECE_BYTES: usize = 1 << 20;

/// `text` cut into pieces of about `size` bytes, each ending at a line end
/// (or the end of the text).
fn split_at_lines(text: &str, size: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > size {
        let cut = rest.as_bytes()[size..].iter().position(|&b| b == b'\n').map_or(rest.len(), |i| size + i + 1);
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece);
        rest = tail;
    }
    if !rest.is_empty() {
        pieces.push(rest);
    }
    pieces
}

/// What one piece of a JSON-lines history holds; line numbers count from 1
/// at the piece's first line.
#[derive(Default)]
struct Piece {
    lines: usize,
    roster: Vec<AgentSpec>,
    records: Vec<Record>,
    line_of: Vec<usize>,
    /// Each bad line's error (paths not yet under `lines[n]`); at most 100.
    problems: Vec<(usize, Error)>,
}

impl Piece {
    fn read(text: &str) -> Piece {
        let mut piece = Piece::default();
        for (i, line) in text.lines().enumerate() {
            piece.lines = i + 1;
            if line.trim().is_empty() || piece.problems.len() >= 100 {
                continue;
            }
            match parse_line(line) {
                Ok(Parsed::Agent(spec)) => piece.roster.push(*spec),
                Ok(Parsed::Record(record)) => {
                    piece.records.push(record);
                    piece.line_of.push(i + 1);
                }
                Err(e) => piece.problems.push((i + 1, e)),
            }
        }
        piece
    }
}

fn parse_line(line: &str) -> Result<Parsed, Error> {
    if line.len() <= crate::event::MAX_EVENT_BYTES
        && let Ok(fast) = serde_json::from_str::<FastLine>(line)
        && let Some(parsed) = fast.into_parsed()
    {
        return Ok(parsed);
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
        Some("assigned") => crate::policy::read_value::<AssignedLine>(value)
            .map(|l| Parsed::Record(Record::Assigned { at: l.at, ticket: l.ticket, agent: l.agent })),
        Some("handled") => crate::policy::read_value::<HandledLine>(value).map(|l| {
            Parsed::Record(Record::Handled { at: l.at, ticket: l.ticket, agent: l.agent, outcome: l.outcome })
        }),
        Some("ticket_created" | "agent_logged_in" | "agent_logged_out" | "agent_state_changed") | None => {
            let event = Event::from_value(value)?;
            match event.kind {
                EventKind::TicketCreated { .. }
                | EventKind::AgentLoggedIn { .. }
                | EventKind::AgentLoggedOut { .. }
                | EventKind::AgentStateChanged { .. } => Ok(Parsed::Record(Record::Input(event))),
                _ => Err(not_a_record()),
            }
        }
        // Any other name (an engine event such as `tick`, or a typo).
        Some(_) => Err(not_a_record()),
    }
}

fn not_a_record() -> Error {
    Error::new(
        ErrorKind::InvalidValue,
        "event",
        "not a history record: expected roster_agent, ticket_created, agent_logged_in, agent_logged_out, \
         agent_state_changed, assigned or handled",
    )
}
