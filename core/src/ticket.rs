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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
