//! Agents as the host describes them: tier, skills with levels, languages,
//! clearance, shift and per-channel capacity.

use std::collections::BTreeMap;

use serde::de::MapAccess;
use serde::de::value::MapAccessDeserializer;
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::Error;
use crate::policy::{CalendarSpec, TextOrTable, read_text_or_table};

/// An agent on the roster.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentSpec {
    /// The host's identifier.
    pub id: String,
    /// A name to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Support tier (policy `tiers`), e.g. `"L2"`.
    pub tier: String,
    /// Skills with levels, e.g. `{"network": 3}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skills: BTreeMap<String, u8>,
    /// Languages spoken, e.g. `["en", "es"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Cleared for confidential tickets.
    #[serde(default)]
    pub clearance: bool,
    /// When the agent is on duty: the name of a policy calendar, or a calendar
    /// of their own (zone, weekly local hours, and leave as holidays). Absent:
    /// on duty whenever logged in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<ShiftSpec>,
    /// Items the agent can hold at once, by channel. Given, it lists every
    /// channel the agent takes: a channel left out is one the agent does not
    /// take (capacity 0). Absent: 1 phone, 3 chat, 3 sms, 3 social, 8 email,
    /// 8 web, 8 alert.
    #[serde(default = "default_capacity")]
    pub capacity: BTreeMap<String, u8>,
}

/// A shift: a policy calendar by name, or a calendar of the agent's own.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ShiftSpec {
    /// A calendar defined in the policy.
    Calendar(String),
    /// The agent's own hours (and leave, as holidays).
    Own(CalendarSpec),
}

impl TextOrTable for ShiftSpec {
    const EXPECTING: &'static str = "a policy calendar's name, or a table with `timezone` and `hours`";

    fn from_text(text: String) -> Self {
        ShiftSpec::Calendar(text)
    }

    fn from_table<'de, A: MapAccess<'de>>(table: A) -> Result<Self, A::Error> {
        CalendarSpec::deserialize(MapAccessDeserializer::new(table)).map(ShiftSpec::Own)
    }
}

impl<'de> Deserialize<'de> for ShiftSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_text_or_table(d)
    }
}

pub(crate) fn default_capacity() -> BTreeMap<String, u8> {
    // Inserted one by one: `collect` into a map would sort with a copy of
    // the standard sort of its own (code the WebAssembly package does without).
    let mut capacity = BTreeMap::new();
    for (channel, n) in [("phone", 1), ("chat", 3), ("sms", 3), ("social", 3), ("email", 8), ("web", 8), ("alert", 8)] {
        capacity.insert(channel.to_owned(), n);
    }
    capacity
}

/// Largest roster text accepted, in bytes.
pub const MAX_ROSTER_BYTES: usize = 64 << 20;
/// Most agents in one roster.
pub const MAX_AGENTS: usize = 200_000;

/// Parses a roster from JSON, collecting every agent's problems with paths
/// like `agents[3].tier`.
///
/// # Errors
/// Malformed JSON, or agents with wrong types or unknown fields.
pub fn parse_roster(text: &str) -> Result<Vec<AgentSpec>, Error> {
    let value = crate::policy::parse_value(text, crate::policy::Format::Json, MAX_ROSTER_BYTES)?;
    // `[agent, ...]` or `{"agents": [agent, ...]}`.
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut doc) => match doc.remove("agents") {
            Some(serde_json::Value::Array(items)) => items,
            _ => {
                return Err(Error::new(crate::ErrorKind::InvalidValue, "agents", "a roster's \"agents\" is a list"));
            }
        },
        _ => {
            return Err(Error::new(
                crate::ErrorKind::InvalidValue,
                "",
                "a roster is a list of agents, or an object with an \"agents\" list",
            ));
        }
    };
    if items.len() > MAX_AGENTS {
        return Err(Error::new(crate::ErrorKind::TooLarge, "agents", format!("more than {MAX_AGENTS} agents")));
    }
    let mut problems = Vec::new();
    let agents: Vec<AgentSpec> = items
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| crate::policy::read(v, &format!("agents[{i}]"), &mut problems))
        .collect();
    if problems.is_empty() { Ok(agents) } else { Err(Error::from_problems(problems)) }
}
