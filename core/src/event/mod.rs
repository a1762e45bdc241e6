//! The whole protocol between a host and the engine: [`Event`]s in,
//! [`Decision`]s out. Both are plain serde data; as JSON, one object each,
//! tagged by `"event"` or `"decision"`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use serde::de::{Error as DeError, IgnoredAny, MapAccess, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Error;
use crate::policy::{ObjectOrId, only_fields, required_field};
use crate::sla::Metric;
use crate::ticket::Ticket;
use crate::time::instant_serde::Instant;

mod quick;

pub use quick::EventParts;

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
        // The WebAssembly package reads events one at a time, as typed:
        // leaving the quick reader out keeps it smaller.
        if !cfg!(target_arch = "wasm32")
            && text.len() <= MAX_EVENT_BYTES
            && let Some(event) = quick::read(text)
        {
            return Ok(event);
        }
        crate::policy::parse_json(text, MAX_EVENT_BYTES)
    }

    /// Reads one event from a JSON value.
    ///
    /// # Errors
    /// As [`Event::from_json_str`].
    pub fn from_value(value: serde_json::Value) -> Result<Event, Error> {
        crate::policy::read_value(value)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = d.deserialize_map(EventVisitor)?;
        let Some(at) = fields.at else {
            return Err(D::Error::missing_field("at"));
        };
        Ok(Event { at, kind: fields.into_kind()? })
    }
}

impl<'de> Deserialize<'de> for EventKind {
    /// An event's kind and fields, without `at`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let fields = d.deserialize_map(EventVisitor)?;
        if fields.at.is_some() {
            return Err(D::Error::unknown_field("at", fields.name.map_or(&[], EventName::fields)));
        }
        fields.into_kind()
    }
}

/// The kinds of event, as `"event"` names them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EventName {
    TicketCreated,
    TicketUpdated,
    TicketResolved,
    TicketClosed,
    TicketReopened,
    WaitingOnCustomer,
    CustomerReplied,
    AgentReplied,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentStateChanged,
    AgentFinished,
    OfferAccepted,
    OfferRejected,
    EscalateRequested,
    Tick,
}

impl<'de> Deserialize<'de> for EventName {
    /// Only from text: a number is not an event (serde's derived reader would
    /// take it as the index of a kind).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct NameVisitor;

        impl Visitor<'_> for NameVisitor {
            type Value = EventName;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an event name")
            }

            fn visit_str<E: DeError>(self, name: &str) -> Result<EventName, E> {
                use EventName::*;
                const NAMES: &[&str] = &[
                    "ticket_created",
                    "ticket_updated",
                    "ticket_resolved",
                    "ticket_closed",
                    "ticket_reopened",
                    "waiting_on_customer",
                    "customer_replied",
                    "agent_replied",
                    "agent_logged_in",
                    "agent_logged_out",
                    "agent_state_changed",
                    "agent_finished",
                    "offer_accepted",
                    "offer_rejected",
                    "escalate_requested",
                    "tick",
                ];
                const KINDS: [EventName; 16] = [
                    TicketCreated,
                    TicketUpdated,
                    TicketResolved,
                    TicketClosed,
                    TicketReopened,
                    WaitingOnCustomer,
                    CustomerReplied,
                    AgentReplied,
                    AgentLoggedIn,
                    AgentLoggedOut,
                    AgentStateChanged,
                    AgentFinished,
                    OfferAccepted,
                    OfferRejected,
                    EscalateRequested,
                    Tick,
                ];
                NAMES.iter().position(|n| *n == name).map(|i| KINDS[i]).ok_or_else(|| E::unknown_variant(name, NAMES))
            }
        }

        d.deserialize_str(NameVisitor)
    }
}

impl EventName {
    /// The fields an event of this kind has besides `at` and `event`; all are
    /// required but `tier`, `preferred_agent` and `to_tier`.
    fn fields(self) -> &'static [&'static str] {
        use EventName::*;
        match self {
            TicketCreated => &["ticket", "tier", "preferred_agent"],
            TicketUpdated => &["ticket", "changes"],
            TicketResolved | TicketClosed | TicketReopened | WaitingOnCustomer | CustomerReplied | AgentReplied => {
                &["ticket"]
            }
            AgentLoggedIn | AgentLoggedOut => &["agent"],
            AgentStateChanged => &["agent", "state"],
            AgentFinished | OfferAccepted | OfferRejected => &["agent", "ticket"],
            EscalateRequested => &["ticket", "to_tier"],
            Tick => &[],
        }
    }
}

/// Every field any event may have, as read. Events are tagged inside
/// (`"event": "agent_logged_in"`), where serde's derived reader would buffer
/// the whole object to find the tag first, losing the paths of errors in
/// nested fields (`ticket.skills.network`) and costing a second pass (and, in
/// WebAssembly, a second copy of every nested reader).
#[derive(Default)]
struct EventFields {
    at: Option<Timestamp>,
    name: Option<EventName>,
    ticket: Option<ObjectOrId<Box<Ticket>>>,
    tier: Option<Option<String>>,
    preferred_agent: Option<Option<String>>,
    changes: Option<Box<TicketChanges>>,
    agent: Option<String>,
    state: Option<Presence>,
    to_tier: Option<Option<String>>,
    /// The first field no event has.
    unknown: Option<String>,
}

impl EventFields {
    /// The event these fields make, if they are exactly those of its kind.
    fn into_kind<E: DeError>(self) -> Result<EventKind, E> {
        let EventFields { at: _, name, ticket, tier, preferred_agent, changes, agent, state, to_tier, unknown } = self;
        let Some(name) = name else {
            return Err(E::missing_field("event"));
        };
        only_fields(
            [
                (ticket.is_some(), "ticket"),
                (tier.is_some(), "tier"),
                (preferred_agent.is_some(), "preferred_agent"),
                (changes.is_some(), "changes"),
                (agent.is_some(), "agent"),
                (state.is_some(), "state"),
                (to_tier.is_some(), "to_tier"),
                (unknown.is_some(), unknown.as_deref().unwrap_or_default()),
            ],
            name.fields(),
        )?;
        let id = |ticket: Option<ObjectOrId<Box<Ticket>>>| match required_field(ticket, "ticket")? {
            ObjectOrId::Id(id) => Ok(id),
            ObjectOrId::Object(_) => Err(E::invalid_type(Unexpected::Map, &"a ticket id")),
        };
        let agent = move || required_field(agent, "agent");
        use EventName::*;
        Ok(match name {
            TicketCreated => match required_field(ticket, "ticket")? {
                ObjectOrId::Object(ticket) => EventKind::TicketCreated {
                    ticket,
                    tier: tier.flatten(),
                    preferred_agent: preferred_agent.flatten(),
                },
                ObjectOrId::Id(id) => return Err(E::invalid_type(Unexpected::Str(&id), &"a ticket table")),
            },
            TicketUpdated => {
                EventKind::TicketUpdated { changes: required_field(changes, "changes")?, ticket: id(ticket)? }
            }
            TicketResolved => EventKind::TicketResolved { ticket: id(ticket)? },
            TicketClosed => EventKind::TicketClosed { ticket: id(ticket)? },
            TicketReopened => EventKind::TicketReopened { ticket: id(ticket)? },
            WaitingOnCustomer => EventKind::WaitingOnCustomer { ticket: id(ticket)? },
            CustomerReplied => EventKind::CustomerReplied { ticket: id(ticket)? },
            AgentReplied => EventKind::AgentReplied { ticket: id(ticket)? },
            AgentLoggedIn => EventKind::AgentLoggedIn { agent: agent()? },
            AgentLoggedOut => EventKind::AgentLoggedOut { agent: agent()? },
            AgentStateChanged => {
                EventKind::AgentStateChanged { agent: agent()?, state: required_field(state, "state")? }
            }
            AgentFinished => EventKind::AgentFinished { agent: agent()?, ticket: id(ticket)? },
            OfferAccepted => EventKind::OfferAccepted { agent: agent()?, ticket: id(ticket)? },
            OfferRejected => EventKind::OfferRejected { agent: agent()?, ticket: id(ticket)? },
            EscalateRequested => EventKind::EscalateRequested { ticket: id(ticket)?, to_tier: to_tier.flatten() },
            Tick => EventKind::Tick {},
        })
    }
}

/// An event's field names, read without allocating but for unknown ones.
enum EventKey {
    At,
    Event,
    Ticket,
    Tier,
    PreferredAgent,
    Changes,
    Agent,
    State,
    ToTier,
    Unknown(String),
}

impl<'de> Deserialize<'de> for EventKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = EventKey;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_str<E: DeError>(self, key: &str) -> Result<EventKey, E> {
                Ok(match key {
                    "at" => EventKey::At,
                    "event" => EventKey::Event,
                    "ticket" => EventKey::Ticket,
                    "tier" => EventKey::Tier,
                    "preferred_agent" => EventKey::PreferredAgent,
                    "changes" => EventKey::Changes,
                    "agent" => EventKey::Agent,
                    "state" => EventKey::State,
                    "to_tier" => EventKey::ToTier,
                    other => EventKey::Unknown(other.to_owned()),
                })
            }
        }

        d.deserialize_identifier(KeyVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = EventFields;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an event (a table with `at` and `event`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventFields, A::Error> {
        /// Stores a field's value, refusing a second one.
        fn once<T, E: DeError>(slot: &mut Option<T>, value: T, field: &'static str) -> Result<(), E> {
            if slot.is_some() {
                return Err(E::duplicate_field(field));
            }
            *slot = Some(value);
            Ok(())
        }
        let mut f = EventFields::default();
        while let Some(key) = map.next_key::<EventKey>()? {
            match key {
                EventKey::At => once(&mut f.at, map.next_value::<Instant>()?.0, "at")?,
                EventKey::Event => once(&mut f.name, map.next_value()?, "event")?,
                // With the kind known, the ticket is read as what it must be
                // (the error then names the field).
                EventKey::Ticket => {
                    let ticket = match f.name {
                        None => map.next_value()?,
                        Some(EventName::TicketCreated) => ObjectOrId::Object(map.next_value()?),
                        Some(_) => ObjectOrId::Id(map.next_value()?),
                    };
                    once(&mut f.ticket, ticket, "ticket")?;
                }
                EventKey::Tier => once(&mut f.tier, map.next_value()?, "tier")?,
                EventKey::PreferredAgent => once(&mut f.preferred_agent, map.next_value()?, "preferred_agent")?,
                EventKey::Changes => once(&mut f.changes, map.next_value()?, "changes")?,
                EventKey::Agent => once(&mut f.agent, map.next_value()?, "agent")?,
                EventKey::State => once(&mut f.state, map.next_value()?, "state")?,
                EventKey::ToTier => once(&mut f.to_tier, map.next_value()?, "to_tier")?,
                EventKey::Unknown(key) => {
                    map.next_value::<IgnoredAny>()?;
                    f.unknown.get_or_insert(key);
                }
            }
        }
        Ok(f)
    }
}

/// Largest single event accepted, in bytes.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// What happened.
///
/// Read field by field as the JSON comes, without buffering (errors name the
/// field, nested ones too: `ticket.skills.network`); written by serde.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
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
    /// been rejected is accepted and changes nothing (hosts race with expiry)
    /// while that agent is still skipped for the ticket, that is within the
    /// policy's `reject_cooldown` (5 minutes by default); with a cooldown of
    /// 0 a late rejection is refused as naming no outstanding offer.
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

/// New values for a ticket's fields. A field left out keeps its value. A
/// field given as `null` (in Rust, `Some(None)`) goes back to what leaving
/// it out of a new ticket means: no priority set by hand (the matrix decides
/// again), no category or language, the policy's default impact, urgency and
/// customer tier, no skills, not confidential. (As in a JSON merge patch.)
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketChanges {
    /// New impact.
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    pub impact: Option<Option<String>>,
    /// New urgency.
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Option<String>>,
    /// New priority set by hand (`Some(None)`: none, the matrix decides).
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    pub priority: Option<Option<String>>,
    /// New category.
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    pub category: Option<Option<String>>,
    /// New customer tier.
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    pub customer_tier: Option<Option<String>>,
    /// New language (`Some(None)`: any).
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    pub language: Option<Option<String>>,
    /// New skill requirements, replacing the old ones.
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    pub skills: Option<Option<BTreeMap<String, u8>>>,
    /// New confidentiality.
    #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
    pub confidential: Option<Option<bool>>,
}

/// Reads a field that is present: `null` as `Some(None)`, a value as
/// `Some(Some(value))`. (An absent field is `None`, by `default`.)
fn given<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
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
///
/// Read through one record of every decision's fields (serde's derived
/// reader would buffer the object to find the tag); written by serde.
#[derive(Clone, Debug, PartialEq, Serialize)]
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
    /// An outstanding offer was ended by another event: the agent logged
    /// out, or is no longer eligible after the ticket changed; the ticket
    /// waits on the customer, was escalated or resolved.
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

/// The kinds of decision, as `"decision"` names them.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum DecisionName {
    Offer,
    OfferExpired,
    OfferWithdrawn,
    Requeued,
    Escalated,
    Relaxed,
    SlaAlert,
    WakeAt,
}

/// Every field any decision has, as read (decisions come back in snapshots).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionFields {
    decision: DecisionName,
    #[serde(deserialize_with = "crate::time::instant_serde::deserialize")]
    at: Timestamp,
    ticket: Option<String>,
    agent: Option<String>,
    #[serde(default, deserialize_with = "crate::time::instant_serde::optional")]
    expires_at: Option<Timestamp>,
    why: Option<Box<OfferExplanation>>,
    reason: Option<String>,
    from_tier: Option<String>,
    to_tier: Option<String>,
    step: Option<usize>,
    detail: Option<String>,
    metric: Option<Metric>,
    fraction: Option<f64>,
}

impl<'de> Deserialize<'de> for Decision {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let DecisionFields {
            decision,
            at,
            ticket,
            agent,
            expires_at,
            why,
            reason,
            from_tier,
            to_tier,
            step,
            detail,
            metric,
            fraction,
        } = DecisionFields::deserialize(d)?;
        let present = [
            (ticket.is_some(), "ticket"),
            (agent.is_some(), "agent"),
            (expires_at.is_some(), "expires_at"),
            (why.is_some(), "why"),
            (reason.is_some(), "reason"),
            (from_tier.is_some(), "from_tier"),
            (to_tier.is_some(), "to_tier"),
            (step.is_some(), "step"),
            (detail.is_some(), "detail"),
            (metric.is_some(), "metric"),
            (fraction.is_some(), "fraction"),
        ];
        let fields: &'static [&'static str] = match decision {
            DecisionName::Offer => &["ticket", "agent", "expires_at", "why"],
            DecisionName::OfferExpired => &["ticket", "agent"],
            DecisionName::OfferWithdrawn => &["ticket", "agent", "reason"],
            DecisionName::Requeued => &["ticket", "reason"],
            DecisionName::Escalated => &["ticket", "from_tier", "to_tier", "reason"],
            DecisionName::Relaxed => &["ticket", "step", "detail"],
            DecisionName::SlaAlert => &["ticket", "metric", "fraction"],
            DecisionName::WakeAt => &[],
        };
        only_fields(present, fields)?;
        // Every kind but `wake_at` names its ticket; the agent and the reason
        // recur too.
        let ticket = move || required_field(ticket, "ticket");
        let agent = move || required_field(agent, "agent");
        let reason = move || required_field(reason, "reason");
        Ok(match decision {
            DecisionName::Offer => Decision::Offer {
                at,
                ticket: ticket()?,
                agent: agent()?,
                expires_at: required_field(expires_at, "expires_at")?,
                why: required_field(why, "why")?,
            },
            DecisionName::OfferExpired => Decision::OfferExpired { at, ticket: ticket()?, agent: agent()? },
            DecisionName::OfferWithdrawn => {
                Decision::OfferWithdrawn { at, ticket: ticket()?, agent: agent()?, reason: reason()? }
            }
            DecisionName::Requeued => Decision::Requeued { at, ticket: ticket()?, reason: reason()? },
            DecisionName::Escalated => Decision::Escalated {
                at,
                ticket: ticket()?,
                from_tier: required_field(from_tier, "from_tier")?,
                to_tier: required_field(to_tier, "to_tier")?,
                reason: reason()?,
            },
            DecisionName::Relaxed => Decision::Relaxed {
                at,
                ticket: ticket()?,
                step: required_field(step, "step")?,
                detail: required_field(detail, "detail")?,
            },
            DecisionName::SlaAlert => Decision::SlaAlert {
                at,
                ticket: ticket()?,
                metric: required_field(metric, "metric")?,
                fraction: required_field(fraction, "fraction")?,
            },
            DecisionName::WakeAt => Decision::WakeAt { at },
        })
    }
}

/// Why an offer went to this agent, and why this ticket now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferExplanation {
    /// The ticket's priority class.
    pub priority: Arc<str>,
    /// Its urgency score at the offer.
    pub score: f64,
    /// Its nearest SLA deadline, if running.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::time::instant_serde::optional"
    )]
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

impl Decision {
    /// Appends the decision as one line of JSON: byte for byte what
    /// `serde_json::to_writer` writes, then a newline, but written directly,
    /// without serde's field-by-field machinery (what `tierwise route` and
    /// Python's `apply_many(..., output="json")` spent most of their writing
    /// on).
    ///
    /// # Errors
    /// Only if serde would fail (it does not for a decision).
    pub fn write_json_line(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        match self {
            Decision::Offer { at, ticket, agent, expires_at, why } => {
                open(out, "offer", *at);
                text(out, "ticket", ticket)?;
                text(out, "agent", agent)?;
                out.extend_from_slice(br#","expires_at":"#);
                crate::time::write_instant_json(out, *expires_at);
                out.extend_from_slice(br#","why":"#);
                why.write_json(out)?;
            }
            Decision::WakeAt { at } => open(out, "wake_at", *at),
            Decision::OfferExpired { at, ticket, agent } => {
                open(out, "offer_expired", *at);
                text(out, "ticket", ticket)?;
                text(out, "agent", agent)?;
            }
            Decision::OfferWithdrawn { at, ticket, agent, reason } => {
                open(out, "offer_withdrawn", *at);
                text(out, "ticket", ticket)?;
                text(out, "agent", agent)?;
                text(out, "reason", reason)?;
            }
            Decision::Requeued { at, ticket, reason } => {
                open(out, "requeued", *at);
                text(out, "ticket", ticket)?;
                text(out, "reason", reason)?;
            }
            Decision::Escalated { at, ticket, from_tier, to_tier, reason } => {
                open(out, "escalated", *at);
                text(out, "ticket", ticket)?;
                text(out, "from_tier", from_tier)?;
                text(out, "to_tier", to_tier)?;
                text(out, "reason", reason)?;
            }
            Decision::Relaxed { at, ticket, step, detail } => {
                open(out, "relaxed", *at);
                text(out, "ticket", ticket)?;
                out.extend_from_slice(br#","step":"#);
                out.extend_from_slice(itoa::Buffer::new().format(*step).as_bytes());
                text(out, "detail", detail)?;
            }
            Decision::SlaAlert { at, ticket, metric, fraction } => {
                open(out, "sla_alert", *at);
                text(out, "ticket", ticket)?;
                text(out, "metric", metric.name())?;
                out.extend_from_slice(br#","fraction":"#);
                serde_json::to_writer(&mut *out, fraction)?;
            }
        }
        out.extend_from_slice(b"}\n");
        Ok(())
    }
}

/// The start of a decision's JSON object: its tag, then its instant.
fn open(out: &mut Vec<u8>, decision: &str, at: Timestamp) {
    out.extend_from_slice(br#"{"decision":""#);
    out.extend_from_slice(decision.as_bytes());
    out.extend_from_slice(br#"","at":"#);
    crate::time::write_instant_json(out, at);
}

/// A text field after the first: `,"key":"value"` (`key` needs no escapes).
fn text(out: &mut Vec<u8>, key: &str, value: &str) -> Result<(), serde_json::Error> {
    out.extend_from_slice(b",\"");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
    json_str(out, value)
}

impl OfferExplanation {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        out.extend_from_slice(br#"{"priority":"#);
        json_str(out, &self.priority)?;
        out.extend_from_slice(br#","score":"#);
        json_f64(out, self.score)?;
        if let Some(due) = self.due {
            out.extend_from_slice(br#","due":"#);
            crate::time::write_instant_json(out, due);
        }
        out.extend_from_slice(br#","waited_s":"#);
        json_f64(out, self.waited_s)?;
        out.extend_from_slice(br#","tier":"#);
        json_str(out, &self.tier)?;
        out.extend_from_slice(br#","strategy":["#);
        for (i, s) in self.strategy.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, s)?;
        }
        out.push(b']');
        if !self.skills.is_empty() {
            out.extend_from_slice(br#","skills":"#);
            serde_json::to_writer(&mut *out, &self.skills)?;
        }
        out.extend_from_slice(br#","load":"#);
        out.push(b'[');
        out.extend_from_slice(itoa::Buffer::new().format(self.load.0).as_bytes());
        out.push(b',');
        out.extend_from_slice(itoa::Buffer::new().format(self.load.1).as_bytes());
        out.push(b']');
        out.extend_from_slice(br#","idle_s":"#);
        json_f64(out, self.idle_s)?;
        out.extend_from_slice(if self.preferred { br#","preferred":true"# } else { br#","preferred":false"# });
        if !self.relaxation.is_empty() {
            out.extend_from_slice(br#","relaxation":"#);
            serde_json::to_writer(&mut *out, &self.relaxation)?;
        }
        if !self.passed_over.is_empty() {
            out.extend_from_slice(br#","passed_over":"#);
            serde_json::to_writer(&mut *out, &self.passed_over)?;
        }
        out.push(b'}');
        Ok(())
    }
}

/// A number as serde_json writes it; whole non-negative numbers below 10^15
/// (most waits and idle times, in whole seconds) directly, as `"12.0"`.
fn json_f64(out: &mut Vec<u8>, value: f64) -> Result<(), serde_json::Error> {
    if value.is_sign_positive() && value < 1e15 && value.fract() == 0.0 {
        // Whole, non-negative and below 10^15, so exact as a u64.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        out.extend_from_slice(itoa::Buffer::new().format(value as u64).as_bytes());
        out.extend_from_slice(b".0");
        Ok(())
    } else {
        serde_json::to_writer(&mut *out, &value)
    }
}

/// A string as JSON: copied as it is when nothing in it needs escaping.
fn json_str(out: &mut Vec<u8>, s: &str) -> Result<(), serde_json::Error> {
    if quick::string_end(s.as_bytes()).is_none() {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(&mut *out, s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), "[a-zA-Z0-9._-]{1,12}", any::<String>(), "[\"\\\\\u{0}-\u{1f}é/]{0,6}"]
    }

    fn instant() -> impl Strategy<Value = Timestamp> {
        // Whole seconds and milliseconds, across the years jiff prints.
        (-377_705_116_800_000i64..=253_402_300_799_000, prop::bool::ANY).prop_map(|(ms, whole)| {
            Timestamp::from_millisecond(if whole { ms - ms.rem_euclid(1000) } else { ms }).unwrap_or_default()
        })
    }

    fn seconds() -> impl Strategy<Value = f64> {
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            0.0..1e7f64,
            any::<f64>(),
            (0u32..100_000).prop_map(|n| f64::from(n) / 1000.0),
            // Whole numbers, on both sides of where serde_json turns to exponents.
            (0u32..100_000).prop_map(f64::from),
            (-20i64..20, 0u32..20).prop_map(|(n, e)| (n as f64) * 10f64.powi(e as i32)),
        ]
    }

    fn names(n: usize) -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(text(), 0..n)
    }

    fn explanation() -> impl Strategy<Value = OfferExplanation> {
        (
            (text(), seconds(), prop::option::of(instant()), seconds(), text(), names(3)),
            (
                prop::collection::vec((text(), any::<u8>(), any::<u8>()), 0..3),
                any::<(u8, u8)>(),
                seconds(),
                any::<bool>(),
                names(3),
                prop::collection::vec((text(), text()), 0..3),
            ),
        )
            .prop_map(
                |(
                    (priority, score, due, waited_s, tier, strategy),
                    (skills, load, idle_s, preferred, relaxation, passed),
                )| {
                    OfferExplanation {
                        priority: priority.into(),
                        score,
                        due,
                        waited_s,
                        tier: tier.into(),
                        strategy: strategy.into_iter().map(Arc::from).collect(),
                        skills: skills
                            .into_iter()
                            .map(|(skill, required, level)| SkillMatch { skill: skill.into(), required, level })
                            .collect(),
                        load,
                        idle_s,
                        preferred,
                        relaxation,
                        passed_over: passed.into_iter().map(|(agent, reason)| PassedOver { agent, reason }).collect(),
                    }
                },
            )
    }

    fn decision() -> impl Strategy<Value = Decision> {
        prop_oneof![
            (instant(), text(), text(), instant(), explanation()).prop_map(|(at, ticket, agent, expires_at, why)| {
                Decision::Offer { at, ticket, agent, expires_at, why: Box::new(why) }
            }),
            instant().prop_map(|at| Decision::WakeAt { at }),
            (instant(), text(), text()).prop_map(|(at, ticket, agent)| Decision::OfferExpired { at, ticket, agent }),
            (instant(), text(), text()).prop_map(|(at, ticket, reason)| Decision::Requeued { at, ticket, reason }),
            (instant(), text(), text(), text()).prop_map(|(at, ticket, agent, reason)| Decision::OfferWithdrawn {
                at,
                ticket,
                agent,
                reason
            }),
            (instant(), text(), text(), text(), text()).prop_map(|(at, ticket, from_tier, to_tier, reason)| {
                Decision::Escalated { at, ticket, from_tier, to_tier, reason }
            }),
            (instant(), text(), any::<usize>(), text()).prop_map(|(at, ticket, step, detail)| Decision::Relaxed {
                at,
                ticket,
                step,
                detail
            }),
            (
                instant(),
                text(),
                prop_oneof![Just(Metric::FirstResponse), Just(Metric::NextReply), Just(Metric::Resolution)],
                seconds()
            )
                .prop_map(|(at, ticket, metric, fraction)| Decision::SlaAlert {
                    at,
                    ticket,
                    metric,
                    fraction
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The direct writer and serde write the same bytes.
        #[test]
        fn json_lines_are_what_serde_writes(d in decision()) {
            let mut fast = Vec::new();
            d.write_json_line(&mut fast).expect("written");
            let mut serde = serde_json::to_vec(&d).expect("written");
            serde.push(b'\n');
            prop_assert_eq!(String::from_utf8_lossy(&fast), String::from_utf8_lossy(&serde));
        }
    }
}
