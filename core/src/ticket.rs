//! Tickets as the host describes them: channel, impact, urgency, category,
//! customer tier, and the history that drives their SLA clocks.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Problem};

/// How a ticket reached the desk. Phone and chat are synchronous (the customer
/// waits on the line); the others are asynchronous.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call.
    Phone,
    /// A live chat.
    Chat,
    /// An email.
    Email,
    /// A text message.
    Sms,
    /// A social-media message.
    Social,
    /// A web form or portal request.
    Web,
    /// An automatic alert from a monitoring tool.
    Alert,
}

impl Channel {
    /// Every channel, in declaration order.
    pub const ALL: [Channel; 7] =
        [Channel::Phone, Channel::Chat, Channel::Email, Channel::Sms, Channel::Social, Channel::Web, Channel::Alert];

    /// The name used in documents, e.g. `"phone"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Channel::Phone => "phone",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Social => "social",
            Channel::Web => "web",
            Channel::Alert => "alert",
        }
    }

    /// The channel called `name`.
    ///
    /// # Errors
    /// An [`ErrorKind::UnknownName`] problem, with the closest channel name.
    pub fn from_name(name: &str) -> Result<Channel, Problem> {
        Channel::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .ok_or_else(|| crate::error::unknown_name("", "channel", name, Channel::ALL.map(Channel::name)))
    }

    /// Whether the customer waits on the line (phone, chat).
    #[must_use]
    pub fn is_synchronous(self) -> bool {
        matches!(self, Channel::Phone | Channel::Chat)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A ticket, as the host describes it.
///
/// Classification fields hold names from the policy (impact and urgency levels,
/// customer tiers, categories, priority classes) and are checked against it when
/// the ticket is triaged. A ticket's current classification applies from its
/// creation: reclassify it and its SLA targets change, measured from the start
/// with every earlier pause kept.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    /// The host's identifier, shown in explanations.
    #[serde(default)]
    pub id: String,
    /// When the customer raised it.
    #[serde(deserialize_with = "crate::time::instant_serde::deserialize")]
    pub created_at: Timestamp,
    /// How it arrived.
    pub channel: Channel,
    /// Impact level name (policy `priority.impact`); the least severe if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// Urgency level name (policy `priority.urgency`); the least severe if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// A priority class set by hand, which wins over the matrix and overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Category, e.g. `"network"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Customer tier name (policy `customer_tiers`); the first tier if absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_tier: Option<String>,
    /// Language the customer writes or speaks, e.g. `"es"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Skills needed, with minimum levels, e.g. `{"network": 3}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skills: BTreeMap<String, u8>,
    /// Whether the ticket holds confidential information (only agents with
    /// clearance may see it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub confidential: bool,
    /// What happened to the ticket since it was created, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<TicketEvent>,
}

/// Written out so that `clone_from` reuses the memory of the ticket it
/// overwrites, field by field: the engine refills closed tickets' boxes this
/// way (`Engine::ticket_box`). Each function names every field, so a new field
/// cannot be forgotten in one of them.
impl Clone for Ticket {
    fn clone(&self) -> Self {
        let Ticket {
            id,
            created_at,
            channel,
            impact,
            urgency,
            priority,
            category,
            customer_tier,
            language,
            skills,
            confidential,
            history,
        } = self;
        Ticket {
            id: id.clone(),
            created_at: *created_at,
            channel: *channel,
            impact: impact.clone(),
            urgency: urgency.clone(),
            priority: priority.clone(),
            category: category.clone(),
            customer_tier: customer_tier.clone(),
            language: language.clone(),
            skills: skills.clone(),
            confidential: *confidential,
            history: history.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        let Ticket {
            id,
            created_at,
            channel,
            impact,
            urgency,
            priority,
            category,
            customer_tier,
            language,
            skills,
            confidential,
            history,
        } = source;
        self.id.clone_from(id);
        self.created_at = *created_at;
        self.channel = *channel;
        let names = [
            (&mut self.impact, impact),
            (&mut self.urgency, urgency),
            (&mut self.priority, priority),
            (&mut self.category, category),
            (&mut self.customer_tier, customer_tier),
            (&mut self.language, language),
        ];
        for (to, from) in names {
            // Most are absent on both sides: nothing to do.
            if to.is_some() || from.is_some() {
                to.clone_from(from);
            }
        }
        // A map has no `clone_from` of its own: it would clone and drop,
        // which costs even when both maps are empty.
        if !(self.skills.is_empty() && skills.is_empty()) {
            self.skills.clone_from(skills);
        }
        self.confidential = *confidential;
        self.history.clone_from(history);
    }
}

impl Ticket {
    /// Parses a ticket from JSON.
    ///
    /// # Errors
    /// Malformed JSON, wrong types or unknown fields, with the field path.
    pub fn from_json_str(text: &str) -> Result<Ticket, Error> {
        crate::policy::parse_json(text, crate::policy::MAX_TICKET_BYTES)
    }

    /// Reads a ticket from a JSON value.
    ///
    /// # Errors
    /// As [`Ticket::from_json_str`].
    pub fn from_value(value: serde_json::Value) -> Result<Ticket, Error> {
        crate::policy::read_value(value)
    }

    /// Empties every field but the creation instant and channel, keeping
    /// the id's memory: what is left of a closed ticket's box.
    pub(crate) fn empty(&mut self) {
        let Ticket {
            id,
            created_at: _,
            channel: _,
            impact,
            urgency,
            priority,
            category,
            customer_tier,
            language,
            skills,
            confidential,
            history,
        } = self;
        id.clear();
        for field in [impact, urgency, priority, category, customer_tier, language] {
            *field = None;
        }
        // Dropping a map walks it even when it is empty.
        if !skills.is_empty() {
            *skills = BTreeMap::new();
        }
        *confidential = false;
        *history = Vec::new();
    }

    /// Checks that the history is in time order and starts after creation.
    pub(crate) fn check_history(&self) -> Result<(), Error> {
        let mut last = self.created_at;
        let mut problems = Vec::new();
        for (i, event) in self.history.iter().enumerate() {
            if event.at() < last {
                let what = if last == self.created_at { "the ticket's creation" } else { "the event before it" };
                problems.push(Problem::new(
                    ErrorKind::Inconsistent,
                    format!("history[{i}].at"),
                    format!("{} is earlier than {what} ({last})", event.at()),
                ));
            } else {
                last = event.at();
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(Error::from_problems(problems)) }
    }
}

/// Something that happened to a ticket, with when.
///
/// Read through a record of its two fields (serde's derived reader would
/// buffer the object to find the tag); written by serde.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TicketEvent {
    /// An agent replied to the customer: stops the first-response clock and the
    /// current next-reply clock.
    AgentReplied {
        /// When.
        at: Timestamp,
    },
    /// The ticket now waits on the customer: every SLA clock pauses.
    WaitingOnCustomer {
        /// When.
        at: Timestamp,
    },
    /// The customer replied: paused clocks resume, and a next-reply clock starts
    /// once the first response has been given. On a resolved ticket it reopens it.
    CustomerReplied {
        /// When.
        at: Timestamp,
    },
    /// The ticket was resolved: the resolution clock stops (and the first
    /// response with it, if none was given).
    Resolved {
        /// When.
        at: Timestamp,
    },
    /// A resolved ticket was reopened: the resolution clock resumes where it
    /// stopped, and the customer waits for a reply.
    Reopened {
        /// When.
        at: Timestamp,
    },
}

/// The kinds of [`TicketEvent`], as `"event"` names them.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TicketEventName {
    AgentReplied,
    WaitingOnCustomer,
    CustomerReplied,
    Resolved,
    Reopened,
}

/// A [`TicketEvent`] as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TicketEventFields {
    event: TicketEventName,
    #[serde(deserialize_with = "crate::time::instant_serde::deserialize")]
    at: Timestamp,
}

impl<'de> Deserialize<'de> for TicketEvent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let TicketEventFields { event, at } = TicketEventFields::deserialize(d)?;
        Ok(match event {
            TicketEventName::AgentReplied => TicketEvent::AgentReplied { at },
            TicketEventName::WaitingOnCustomer => TicketEvent::WaitingOnCustomer { at },
            TicketEventName::CustomerReplied => TicketEvent::CustomerReplied { at },
            TicketEventName::Resolved => TicketEvent::Resolved { at },
            TicketEventName::Reopened => TicketEvent::Reopened { at },
        })
    }
}

impl TicketEvent {
    /// When it happened.
    #[must_use]
    pub fn at(&self) -> Timestamp {
        match *self {
            TicketEvent::AgentReplied { at }
            | TicketEvent::WaitingOnCustomer { at }
            | TicketEvent::CustomerReplied { at }
            | TicketEvent::Resolved { at }
            | TicketEvent::Reopened { at } => at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(id: &str) -> Ticket {
        Ticket {
            id: id.to_owned(),
            created_at: "2026-03-02T09:00:00Z".parse().unwrap(),
            channel: Channel::Email,
            impact: None,
            urgency: None,
            priority: None,
            category: None,
            customer_tier: None,
            language: None,
            skills: BTreeMap::new(),
            confidential: false,
            history: Vec::new(),
        }
    }

    fn full(id: &str) -> Ticket {
        Ticket {
            channel: Channel::Phone,
            created_at: "2026-03-03T10:30:00Z".parse().unwrap(),
            impact: Some("high".into()),
            urgency: Some("medium".into()),
            priority: Some("P2".into()),
            category: Some("network".into()),
            customer_tier: Some("gold".into()),
            language: Some("es".into()),
            skills: BTreeMap::from([("network".to_owned(), 3), ("vpn".to_owned(), 2)]),
            confidential: true,
            history: vec![TicketEvent::AgentReplied { at: "2026-03-03T10:40:00Z".parse().unwrap() }],
            ..plain(id)
        }
    }

    #[test]
    fn clone_from_overwrites_every_field_whatever_was_there() {
        let mixed = Ticket { impact: None, language: Some("fr".into()), skills: BTreeMap::new(), ..full("m-1") };
        for source in [plain("a-1"), full("b-22"), mixed.clone()] {
            for before in [plain("x"), full("a-much-longer-id-than-the-others"), mixed.clone()] {
                let mut into = before.clone();
                into.clone_from(&source);
                assert_eq!(into, source, "{source:?} over {before:?}");
                assert_eq!(source.clone(), source);
            }
        }
    }

    #[test]
    fn emptying_keeps_only_the_creation_instant_channel_and_id_memory() {
        let mut ticket = full("t-42");
        let capacity = ticket.id.capacity();
        ticket.empty();
        let full = full("");
        assert_eq!(ticket, Ticket { created_at: full.created_at, channel: full.channel, ..plain("") });
        assert_eq!(ticket.id.capacity(), capacity);
    }
}
