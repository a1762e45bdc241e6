//! The whole protocol between a host and the engine: [`Event`]s in,
//! [`Decision`]s out. Both are plain serde data; as JSON, one object each,
//! tagged by `"event"` or `"decision"`.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Problem};
use crate::sla::Metric;
use crate::ticket::Ticket;

/// Something that happened, with when. Events must come in time order.
///
/// As JSON: `{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "ana"}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// When it happened (the engine's only clock).
    pub at: Timestamp,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// An event of `kind` at `at`.
    #[must_use]
    pub fn new(at: Timestamp, kind: EventKind) -> Event {
        Event { at, kind }
    }

    /// Parses one event from JSON, with the field path of any problem.
    ///
    /// # Errors
    /// Malformed JSON, a missing or invalid `at`, an unknown `event`, wrong
    /// types or unknown fields.
    pub fn from_json_str(text: &str) -> Result<Event, Error> {
        // Not in WebAssembly: a browser applies a few events, and the fast
        // path's code would cost the package about 4 KB gzipped.
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(EventJson { at, kind, .. }) = crate::policy::parse_json_fast(text, MAX_EVENT_BYTES) {
            return Ok(Event { at, kind });
        }
        let value = crate::policy::parse_value(text, crate::policy::Format::Json, MAX_EVENT_BYTES)?;
        Event::from_value(value)
    }

    /// Reads one event from a JSON value.
    ///
    /// # Errors
    /// As [`Event::from_json_str`].
    pub fn from_value(mut value: serde_json::Value) -> Result<Event, Error> {
        let mut problems = Vec::new();
        let at = match value.as_object_mut().and_then(|m| m.remove("at")) {
            Some(at) => crate::policy::read::<Timestamp>(at, "at", &mut problems),
            None => {
                problems.push(Problem::new(ErrorKind::MissingField, "at", "missing field"));
                None
            }
        };
        // The common case, a valid event, reads in one pass.
        if let Some(at) = at
            && let Ok(kind) = EventKind::deserialize(&value)
        {
            return Ok(Event { at, kind });
        }
        // serde buffers internally tagged enums, which hides field paths: read
        // the nested documents on their own first so errors name the field.
        let nested = |field: &str| value.get(field).filter(|v| v.is_object()).cloned();
        match value.get("event").and_then(serde_json::Value::as_str) {
            Some("ticket_created") => {
                if let Some(ticket) = nested("ticket") {
                    crate::policy::read::<Ticket>(ticket, "ticket", &mut problems);
                }
            }
            Some("ticket_updated") => {
                if let Some(changes) = nested("changes") {
                    crate::policy::read::<TicketChanges>(changes, "changes", &mut problems);
                }
            }
            _ => {}
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        let kind = crate::policy::read::<EventKind>(value, "", &mut problems);
        match (at, kind) {
            (Some(at), Some(kind)) => Ok(Event { at, kind }),
            _ => Err(Error::from_problems(problems)),
        }
    }
}

/// An event as its JSON reads, for [`Event::from_json_str`]'s fast path (the
/// checked path reads `at` and the rest apart, to name fields in errors).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Deserialize)]
struct EventJson {
    at: Timestamp,
    #[serde(flatten)]
    kind: EventKind,
    /// Read after `kind`, from the same fields: through `flatten`, serde
    /// would take a number as the index of a kind (`"event": 3`), which the
    /// checked path refuses. As text, the number fails here too.
    #[serde(flatten)]
    #[allow(dead_code)]
    tag: EventTag,
}

#[cfg(not(target_arch = "wasm32"))]
#[derive(Deserialize)]
struct EventTag {
    #[allow(dead_code)]
    event: String,
}

/// Largest single event accepted, in bytes.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    /// A new ticket. Its `created_at` may be earlier than `at` (a ticket known
    /// before it reached this queue).
    TicketCreated {
        /// The ticket; its `tier` starts at the first tier unless given.
        ticket: Box<Ticket>,
        /// The tier it starts in (default: the first).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tier: Option<String>,
        /// The agent who helped this customer last, tried first.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        preferred_agent: Option<String>,
    },
    /// A ticket's classification or requirements changed.
    TicketUpdated {
        /// Which ticket.
        ticket: String,
        /// The new values (absent fields are unchanged). Boxed, like a created
        /// ticket, to keep every event small.
        changes: Box<TicketChanges>,
    },
    /// A ticket was resolved; it leaves the queues and frees its agent.
    TicketResolved {
        /// Which ticket.
        ticket: String,
    },
    /// A ticket was closed for good: it is resolved if it was not, and the
    /// engine forgets it (its memory is reused). It cannot be reopened.
    TicketClosed {
        /// Which ticket.
        ticket: String,
    },
    /// A resolved or handled ticket was reopened; it queues again, preferring
    /// its last agent.
    TicketReopened {
        /// Which ticket.
        ticket: String,
    },
    /// The ticket waits on the customer: its SLA clocks pause and it leaves
    /// the queue (its agent's capacity is freed unless the policy says otherwise).
    WaitingOnCustomer {
        /// Which ticket.
        ticket: String,
    },
    /// The customer replied: the ticket queues again (or returns to its agent).
    CustomerReplied {
        /// Which ticket.
        ticket: String,
    },
    /// An agent replied to the customer (stops the first-response clock).
    AgentReplied {
        /// Which ticket.
        ticket: String,
    },
    /// An agent logged in.
    AgentLoggedIn {
        /// Which agent (from the roster).
        agent: String,
    },
    /// An agent logged out; their offers and work go back to the queue.
    AgentLoggedOut {
        /// Which agent.
        agent: String,
    },
    /// An agent became available or went away.
    AgentStateChanged {
        /// Which agent.
        agent: String,
        /// The new presence.
        state: Presence,
    },
    /// An agent finished work on a ticket (a call ended, an email was sent);
    /// after wrap-up their capacity is free again.
    AgentFinished {
        /// Which agent.
        agent: String,
        /// Which ticket.
        ticket: String,
    },
    /// An agent accepted an offer.
    OfferAccepted {
        /// Which agent.
        agent: String,
        /// Which ticket.
        ticket: String,
    },
    /// An agent rejected an offer: the ticket goes back to its place and skips
    /// that agent for a while. Rejecting an offer that has already expired or
    /// been rejected is accepted and changes nothing (hosts race with expiry).
    OfferRejected {
        /// Which agent.
        agent: String,
        /// Which ticket.
        ticket: String,
    },
    /// Escalate a ticket to the next tier (or to `to_tier`).
    EscalateRequested {
        /// Which ticket.
        ticket: String,
        /// The target tier (default: the next).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to_tier: Option<String>,
    },
    /// Time passed; nothing else happened.
    Tick {},
}

/// New values for a ticket's fields.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketChanges {
    /// New impact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// New urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// New priority set by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// New category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// New customer tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_tier: Option<String>,
    /// New language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// New skill requirements (replacing the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skills: Option<BTreeMap<String, u8>>,
    /// New confidentiality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidential: Option<bool>,
}

/// An agent's presence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Ready for work (when on shift and with capacity).
    Available,
    /// Logged in but not taking work (break, meeting).
    Away,
}

/// What the engine decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Offer a ticket to an agent; it is reserved for them until `expires_at`.
    Offer {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// To whom.
        agent: String,
        /// When the offer lapses unless accepted.
        expires_at: Timestamp,
        /// Why this agent and why this ticket now.
        why: Box<OfferExplanation>,
    },
    /// An offer lapsed; the ticket is back in its place.
    OfferExpired {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// Whose offer.
        agent: String,
    },
    /// An outstanding offer was withdrawn (the agent logged out, or is no
    /// longer eligible after the ticket changed).
    OfferWithdrawn {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// Whose offer.
        agent: String,
        /// Why.
        reason: String,
    },
    /// A ticket went back to the queue.
    Requeued {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// Why.
        reason: String,
    },
    /// A ticket moved to another tier.
    Escalated {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// From which tier.
        from_tier: String,
        /// To which tier.
        to_tier: String,
        /// Why: `"requested"` or the automatic rule.
        reason: String,
    },
    /// A relaxation step widened who may take a waiting ticket.
    Relaxed {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// Which step (0-based).
        step: usize,
        /// What it relaxed.
        detail: String,
    },
    /// An SLA clock reached a warning fraction (or, at 1.0, its target).
    SlaAlert {
        /// When.
        at: Timestamp,
        /// Which ticket.
        ticket: String,
        /// Which clock.
        metric: Metric,
        /// The fraction of the target used; 1.0 means breached.
        fraction: f64,
    },
    /// Call the engine again at this instant (with `Tick` or any event): the
    /// next moment anything can change without a new event.
    WakeAt {
        /// When.
        at: Timestamp,
    },
}

/// Why an offer went to this agent, and why this ticket now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferExplanation {
    /// The ticket's priority class.
    pub priority: Arc<str>,
    /// Its urgency score at the offer.
    pub score: f64,
    /// Its nearest SLA deadline, if running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Timestamp>,
    /// How long it has waited in its current tier, in seconds.
    pub waited_s: f64,
    /// The tier it is in.
    pub tier: Arc<str>,
    /// The ordering that chose the agent, e.g. `["longest_idle"]`.
    pub strategy: Arc<[Arc<str>]>,
    /// The agent's levels in the ticket's required skills.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skills: Vec<SkillMatch>,
    /// Items the agent holds on this channel before the offer, and the capacity.
    pub load: (u8, u8),
    /// Seconds since the agent's previous offer (or login).
    pub idle_s: f64,
    /// Whether the agent is the ticket's preferred agent.
    pub preferred: bool,
    /// Relaxation steps in force, in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relaxation: Vec<String>,
    /// Agents passed over and why (only when the engine explains in full).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passed_over: Vec<PassedOver>,
}

/// An agent's level in a required skill.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillMatch {
    /// The skill.
    pub skill: Arc<str>,
    /// The level required (after relaxation).
    pub required: u8,
    /// The agent's level.
    pub level: u8,
}

/// An agent who did not get an offer, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassedOver {
    /// Which agent.
    pub agent: String,
    /// Why, in words.
    pub reason: String,
}
