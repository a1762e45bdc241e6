//! The policy document: one serde format, read from JSON, TOML, YAML or Rust
//! values, that configures the engine. [`Policy::compile`] checks it once and
//! turns it into an immutable [`CompiledPolicy`].
//!
//! Every field is documented in `docs/policy.md`; `examples/policies/` holds
//! real ones. Unknown fields are errors, so a typo is never silently ignored.
//! The `version` field lets later releases grow the format without breaking
//! files written today.

mod compile;
mod reader;

use std::collections::BTreeMap;
use std::fmt;

use jiff::SignedDuration;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{DeserializeOwned, Error as DeError, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use compile::CompiledPolicy;
pub(crate) use reader::ValueReader;

use crate::error::{Error, ErrorKind, Problem, did_you_mean};

/// The policy format version this build reads and writes.
pub const POLICY_VERSION: u32 = 1;
/// Largest policy text accepted, in bytes.
pub const MAX_POLICY_BYTES: usize = 8 << 20;
/// Largest ticket text accepted, in bytes.
pub const MAX_TICKET_BYTES: usize = 1 << 20;
/// Deepest nesting of arrays and objects accepted in any document.
pub const MAX_DEPTH: usize = 64;

/// A policy document. Build it from text with [`Policy::from_json_str`],
/// [`Policy::from_toml_str`], [`Policy::from_yaml_str`], or from Rust values;
/// then [`Policy::compile`] it.
///
/// ```
/// let policy = tierwise::Policy::from_toml_str(r#"
///     version = 1
///     [[sla.policies]]
///     when = { priority = "P1" }
///     first_response = "15m"
///     resolution = "4h"
/// "#)?;
/// let compiled = policy.compile()?;
/// assert_eq!(compiled.priority_classes(), ["P1", "P2", "P3", "P4", "P5"]);
/// # Ok::<(), tierwise::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Policy {
    /// Format version; must be 1.
    pub version: u32,
    /// Business calendars by name, shared by SLA targets and (later) shifts.
    /// `"24x7"` is built in and means calendar time.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub calendars: BTreeMap<String, CalendarSpec>,
    /// Customer tiers, least important first. Tickets without one get the first.
    #[serde(default = "default_customer_tiers")]
    pub customer_tiers: Vec<String>,
    /// Known ticket categories. When given, tickets and rules may only use these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// How a ticket's priority class is decided.
    #[serde(default)]
    pub priority: PrioritySpec,
    /// Service-level targets.
    #[serde(default)]
    pub sla: SlaSpec,
    /// Weights of the dynamic urgency score.
    #[serde(default)]
    pub scoring: ScoringSpec,
    /// Support tiers, first line first. Default `L1`..`L4`.
    #[serde(default = "default_tiers")]
    pub tiers: Vec<String>,
    /// How tickets are routed to agents.
    #[serde(default)]
    pub routing: RoutingSpec,
}

fn default_tiers() -> Vec<String> {
    ["L1", "L2", "L3", "L4"].map(String::from).to_vec()
}

/// How tickets are routed to agents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSpec {
    /// How to choose among eligible agents: one of `longest_idle` (default),
    /// `most_spare_capacity`, `best_skill_match`, `round_robin`, or a list of
    /// them applied in order (multi-key ordering). Ties go to the agent who
    /// joined the roster first.
    #[serde(default = "default_strategy")]
    pub strategy: StringList,
    /// How long an offer stays reserved for an agent before it expires. Default 30s.
    #[serde(default = "default_offer_timeout", with = "crate::time::duration_serde")]
    pub offer_timeout: SignedDuration,
    /// After a rejection or expiry, how long that agent is skipped for that
    /// ticket. Default 5m.
    #[serde(default = "default_reject_cooldown", with = "crate::time::duration_serde")]
    pub reject_cooldown: SignedDuration,
    /// How long a ticket with a preferred agent waits for that agent before
    /// anyone else may take it. Default 0 (offered to the preferred agent only
    /// if they are ready when it arrives).
    #[serde(default, with = "crate::time::duration_serde")]
    pub sticky_wait: SignedDuration,
    /// Wrap-up time after each item, by channel, before the capacity is free again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub wrap_up: BTreeMap<String, DurationText>,
    /// Channels whose items block every other offer to the agent. Default `["phone"]`.
    #[serde(default = "default_exclusive")]
    pub exclusive_channels: Vec<String>,
    /// Whether a ticket waiting on the customer keeps its agent's capacity. Default false.
    #[serde(default)]
    pub pending_consumes_capacity: bool,
    /// At most `max_offers` offers per agent in any `window`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fairness: Option<FairnessSpec>,
    /// Automatic escalation: after waiting this long in a tier, a ticket moves
    /// to the next tier.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<EscalationSpec>,
    /// The relaxation ladder: steps applied as a ticket waits in its tier,
    /// cumulative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relaxation: Vec<RelaxationSpec>,
}

fn default_strategy() -> StringList {
    StringList(vec!["longest_idle".to_owned()])
}

fn default_offer_timeout() -> SignedDuration {
    SignedDuration::from_secs(30)
}

fn default_reject_cooldown() -> SignedDuration {
    SignedDuration::from_mins(5)
}

fn default_exclusive() -> Vec<String> {
    vec!["phone".to_owned()]
}

impl Default for RoutingSpec {
    fn default() -> Self {
        RoutingSpec {
            strategy: default_strategy(),
            offer_timeout: default_offer_timeout(),
            reject_cooldown: default_reject_cooldown(),
            sticky_wait: SignedDuration::ZERO,
            wrap_up: BTreeMap::new(),
            exclusive_channels: default_exclusive(),
            pending_consumes_capacity: false,
            fairness: None,
            escalation: Vec::new(),
            relaxation: Vec::new(),
        }
    }
}

/// A duration written as text or seconds, as a map value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DurationText(#[serde(with = "crate::time::duration_serde")] pub SignedDuration);

/// A cap on offers per agent per window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FairnessSpec {
    /// Most offers an agent may get in any window.
    pub max_offers: u32,
    /// The sliding window.
    #[serde(with = "crate::time::duration_serde")]
    pub window: SignedDuration,
}

/// Automatic escalation out of a tier: after a wait, at a share of an SLA
/// target, or whichever comes first (at least one of the two).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscalationSpec {
    /// The tier escalated from.
    pub tier: String,
    /// The longest a ticket may wait in that tier (zero, the default: no
    /// limit on the wait).
    #[serde(default, with = "crate::time::duration_serde")]
    pub max_wait: SignedDuration,
    /// Escalate a ticket waiting in that tier at the first SLA alert at or
    /// past this share of a target (at most 1; zero, the default: none). The
    /// alerts come at the `warn_at` fractions and at the breach, so list this
    /// share in `warn_at` to escalate exactly there. A ticket on offer at
    /// that alert is escalated at the next one.
    #[serde(default)]
    pub sla_fraction: f64,
}

/// One step of the relaxation ladder.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelaxationSpec {
    /// Waiting time in the tier after which the step applies.
    #[serde(with = "crate::time::duration_serde")]
    pub after: SignedDuration,
    /// Lower every required skill level by this much (never below 1).
    #[serde(default)]
    pub lower_levels: u8,
    /// Drop the skill requirements not listed in `keep_skills`.
    #[serde(default)]
    pub drop_skills: bool,
    /// Skills never dropped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep_skills: Vec<String>,
    /// Accept agents of the next tier up as well.
    #[serde(default)]
    pub widen_tier: bool,
    /// Accept agents without the ticket's language.
    #[serde(default)]
    pub any_language: bool,
}

fn default_customer_tiers() -> Vec<String> {
    ["standard", "premium", "vip"].map(String::from).to_vec()
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            version: POLICY_VERSION,
            calendars: BTreeMap::new(),
            customer_tiers: default_customer_tiers(),
            categories: Vec::new(),
            priority: PrioritySpec::default(),
            sla: SlaSpec::default(),
            scoring: ScoringSpec::default(),
            tiers: default_tiers(),
            routing: RoutingSpec::default(),
        }
    }
}

/// A business calendar.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// IANA time zone, e.g. `"Europe/Madrid"`.
    pub timezone: String,
    /// Working hours by day: keys `mon`..`sun`, or `weekdays`, `weekend`,
    /// `daily`; values one or more `"HH:MM-HH:MM"` intervals.
    pub hours: BTreeMap<String, StringList>,
    /// Closed days: `"2026-12-25"`, `"2026-12-24..2026-12-26"`, or
    /// `{ date = "...", name = "..." }` / `{ from = "...", to = "...", name = "..." }`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<HolidaySpec>,
}

/// One string or a list of strings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct StringList(pub Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor;

        impl<'de> Visitor<'de> for ListVisitor {
            type Value = StringList;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<StringList, E> {
                Ok(StringList(vec![text.to_owned()]))
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<StringList, E> {
                Ok(StringList(vec![text]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, items: A) -> Result<StringList, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(items)).map(StringList)
            }
        }

        d.deserialize_any(ListVisitor)
    }
}

/// A holiday entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum HolidaySpec {
    /// `"2026-12-25"` or `"2026-12-24..2026-12-26"` (inclusive).
    Text(String),
    /// A date or range with a name.
    Named(NamedHoliday),
}

impl TextOrTable for HolidaySpec {
    const EXPECTING: &'static str = "a date, a range of dates, or a table with `date` or `from` and `to`";

    fn from_text(text: String) -> Self {
        HolidaySpec::Text(text)
    }

    fn from_table<'de, A: MapAccess<'de>>(table: A) -> Result<Self, A::Error> {
        NamedHoliday::deserialize(MapAccessDeserializer::new(table)).map(HolidaySpec::Named)
    }
}

impl<'de> Deserialize<'de> for HolidaySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_text_or_table(d)
    }
}

/// A holiday written as a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedHoliday {
    /// A single day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// First day of a range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day of a range (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A name to show.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// How priority classes are decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrioritySpec {
    /// Class names, most critical first. Default `P1`..`P5`.
    #[serde(default = "default_classes")]
    pub classes: Vec<String>,
    /// Impact levels, most severe first. Default `high`, `medium`, `low`.
    #[serde(default = "default_levels")]
    pub impact: Vec<String>,
    /// Urgency levels, most severe first. Default `high`, `medium`, `low`.
    #[serde(default = "default_levels")]
    pub urgency: Vec<String>,
    /// `matrix[impact][urgency]` = class name. When absent, classes spread
    /// evenly along the diagonals (for 3x3 and five classes, the ITIL table:
    /// high/high P1 ... low/low P5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Vec<Vec<String>>>,
    /// Adjustments applied in order after the matrix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<OverrideSpec>,
}

fn default_classes() -> Vec<String> {
    ["P1", "P2", "P3", "P4", "P5"].map(String::from).to_vec()
}

fn default_levels() -> Vec<String> {
    ["high", "medium", "low"].map(String::from).to_vec()
}

impl Default for PrioritySpec {
    fn default() -> Self {
        PrioritySpec {
            classes: default_classes(),
            impact: default_levels(),
            urgency: default_levels(),
            matrix: None,
            overrides: Vec::new(),
        }
    }
}

/// A priority override: when the condition matches, raise, lower or set the class.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideSpec {
    /// A label for explanations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which tickets it applies to.
    #[serde(default)]
    pub when: ConditionSpec,
    /// Move this many classes towards the most critical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raise: Option<u8>,
    /// Move this many classes towards the least critical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<u8>,
    /// Set this class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
}

/// A condition on a ticket. Each field takes one value or a list; absent
/// fields match anything; all given fields must match.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    /// Priority classes (SLA rules only).
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub priority: StringList,
    /// Categories.
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub category: StringList,
    /// Customer tiers.
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub customer_tier: StringList,
    /// Channels.
    #[serde(default, skip_serializing_if = "is_empty_list")]
    pub channel: StringList,
}

fn is_empty_list(list: &StringList) -> bool {
    list.0.is_empty()
}

/// Service-level targets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaSpec {
    /// Fractions of each target at which breach warnings fire. Default `[0.75]`.
    #[serde(default = "default_warn_at")]
    pub warn_at: Vec<f64>,
    /// Rules in order; a ticket gets the first whose condition matches.
    #[serde(default)]
    pub policies: Vec<SlaPolicySpec>,
}

fn default_warn_at() -> Vec<f64> {
    vec![0.75]
}

impl Default for SlaSpec {
    fn default() -> Self {
        SlaSpec { warn_at: default_warn_at(), policies: Vec::new() }
    }
}

/// One SLA rule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicySpec {
    /// A label for explanations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which tickets it applies to.
    #[serde(default)]
    pub when: ConditionSpec,
    /// Calendar of its targets; default `"24x7"` (calendar time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    /// Creation to first agent reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<TargetSpec>,
    /// Customer reply to next agent reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_reply: Option<TargetSpec>,
    /// Creation to resolution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<TargetSpec>,
    /// Overrides `sla.warn_at` for this rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_at: Option<Vec<f64>>,
}

/// A target: `"4h"`, or `{ within = "4h", calendar = "madrid" }`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TargetSpec {
    /// The business time allowed.
    #[serde(with = "crate::time::duration_serde")]
    pub within: SignedDuration,
    /// Overrides the rule's calendar for this target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
}

impl<'de> Deserialize<'de> for TargetSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use crate::time::duration_serde::DurationVisitor;

        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(with = "crate::time::duration_serde")]
            within: SignedDuration,
            #[serde(default)]
            calendar: Option<String>,
        }

        /// Reads the duration or the table as it comes.
        struct TargetVisitor;

        impl<'de> Visitor<'de> for TargetVisitor {
            type Value = TargetSpec;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as \"4h\", or a table with `within` and `calendar`")
            }

            fn visit_i64<E: DeError>(self, secs: i64) -> Result<TargetSpec, E> {
                DurationVisitor.visit_i64(secs).map(TargetSpec::within)
            }

            fn visit_u64<E: DeError>(self, secs: u64) -> Result<TargetSpec, E> {
                DurationVisitor.visit_u64(secs).map(TargetSpec::within)
            }

            fn visit_f64<E: DeError>(self, secs: f64) -> Result<TargetSpec, E> {
                DurationVisitor.visit_f64(secs).map(TargetSpec::within)
            }

            fn visit_str<E: DeError>(self, text: &str) -> Result<TargetSpec, E> {
                DurationVisitor.visit_str(text).map(TargetSpec::within)
            }

            fn visit_map<A: MapAccess<'de>>(self, table: A) -> Result<TargetSpec, A::Error> {
                let full = Full::deserialize(MapAccessDeserializer::new(table))?;
                Ok(TargetSpec { within: full.within, calendar: full.calendar })
            }
        }

        d.deserialize_any(TargetVisitor)
    }
}

impl TargetSpec {
    fn within(within: SignedDuration) -> Self {
        TargetSpec { within, calendar: None }
    }
}

/// Weights of the dynamic urgency score (see [`crate::UrgencyKey`]). The
/// defaults order strictly by priority class, then SLA deadline, then arrival.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoringSpec {
    /// Points per priority class above the lowest. Default 1000.
    #[serde(default = "default_priority_points")]
    pub priority: f64,
    /// Points per hour since creation. Default 0.
    #[serde(default)]
    pub per_hour_waiting: f64,
    /// Points per hour past the nearest SLA deadline (negative before it).
    /// Default 0.
    #[serde(default)]
    pub per_hour_past_deadline: f64,
    /// Points by customer tier name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub customer_tier: BTreeMap<String, f64>,
    /// Points by channel name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub channel: BTreeMap<String, f64>,
}

fn default_priority_points() -> f64 {
    1000.0
}

impl Default for ScoringSpec {
    fn default() -> Self {
        ScoringSpec {
            priority: default_priority_points(),
            per_hour_waiting: 0.0,
            per_hour_past_deadline: 0.0,
            customer_tier: BTreeMap::new(),
            channel: BTreeMap::new(),
        }
    }
}

/// The text formats a document can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// JSON.
    Json,
    /// TOML.
    Toml,
    /// YAML.
    Yaml,
}

impl Format {
    /// The format's usual name: `JSON`, `TOML` or `YAML`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
        }
    }

    /// Whether this build reads the format: JSON always; TOML and YAML with
    /// the cargo features `toml` and `yaml` (on by default; the WebAssembly
    /// package leaves them off to stay small).
    #[must_use]
    pub fn is_supported(self) -> bool {
        match self {
            Format::Json => true,
            Format::Toml => cfg!(feature = "toml"),
            Format::Yaml => cfg!(feature = "yaml"),
        }
    }

    /// The format a file name's extension implies (`.json`, `.toml`, `.yaml`,
    /// `.yml`), if any.
    #[must_use]
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    /// A guess from the text itself: JSON if it starts with `{`, TOML if a line
    /// looks like `key = value` or `[table]`, YAML otherwise.
    #[must_use]
    pub fn sniff(text: &str) -> Format {
        let first = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#'));
        match first {
            Some(l) if l.starts_with('{') => Format::Json,
            Some(l) if l.starts_with('[') || l.contains(" = ") || l.contains("=") && !l.contains(": ") => Format::Toml,
            _ => Format::Yaml,
        }
    }
}

impl Policy {
    /// Parses a policy from JSON.
    ///
    /// # Errors
    /// Syntax, type and unknown-field errors, each with its field path.
    pub fn from_json_str(text: &str) -> Result<Policy, Error> {
        Policy::from_str_as(text, Format::Json)
    }

    /// Parses a policy from TOML.
    ///
    /// # Errors
    /// Syntax, type and unknown-field errors, each with its field path.
    pub fn from_toml_str(text: &str) -> Result<Policy, Error> {
        Policy::from_str_as(text, Format::Toml)
    }

    /// Parses a policy from YAML.
    ///
    /// # Errors
    /// Syntax, type and unknown-field errors, each with its field path.
    pub fn from_yaml_str(text: &str) -> Result<Policy, Error> {
        Policy::from_str_as(text, Format::Yaml)
    }

    /// Parses a policy written in `format`.
    ///
    /// # Errors
    /// Syntax, type and unknown-field errors, each with its field path.
    pub fn from_str_as(text: &str, format: Format) -> Result<Policy, Error> {
        let value = parse_value(text, format, MAX_POLICY_BYTES)?;
        Policy::from_value(value)
    }

    /// Reads a policy from a JSON value (as produced by any serde format),
    /// collecting every problem: each calendar, override and SLA rule is read on
    /// its own, so one bad entry does not hide the next.
    ///
    /// # Errors
    /// Type and unknown-field errors, each with its field path.
    pub fn from_value(value: Value) -> Result<Policy, Error> {
        check_depth(&value, MAX_DEPTH).map_err(Error::from_problem)?;
        let Value::Object(mut map) = value else {
            return Err(Error::new(
                ErrorKind::InvalidValue,
                "",
                format!("a policy must be a table/object, found {}", kind_of(&value)),
            ));
        };
        let mut problems = Vec::new();
        const TOP: [&str; 9] =
            ["version", "calendars", "customer_tiers", "categories", "priority", "sla", "scoring", "tiers", "routing"];
        for key in map.keys() {
            if !TOP.contains(&key.as_str()) {
                problems.push(unknown_field(key, "", &TOP));
            }
        }
        let version = match map.remove("version") {
            None => {
                problems.push(Problem::new(
                    ErrorKind::MissingField,
                    "version",
                    format!("missing field; add `version = {POLICY_VERSION}`"),
                ));
                POLICY_VERSION
            }
            Some(v) => match v.as_u64() {
                Some(v) if v == u64::from(POLICY_VERSION) => POLICY_VERSION,
                _ => {
                    // A different version means a different format: reading the
                    // rest would only produce misleading errors.
                    return Err(Error::new(
                        ErrorKind::UnsupportedVersion,
                        "version",
                        format!("this build reads policy version {POLICY_VERSION}, found {v}"),
                    ));
                }
            },
        };
        let mut policy = Policy { version, ..Policy::default() };
        if let Some(Value::Object(calendars)) = map.get_mut("calendars").map(Value::take) {
            for (name, spec) in calendars {
                if let Some(c) = read(spec, &format!("calendars.{name}"), &mut problems) {
                    policy.calendars.insert(name, c);
                }
            }
        } else if map.contains_key("calendars") {
            problems.push(Problem::new(ErrorKind::InvalidValue, "calendars", "expected a table of calendars by name"));
        }
        if let Some(v) = map.remove("customer_tiers")
            && let Some(t) = read(v, "customer_tiers", &mut problems)
        {
            policy.customer_tiers = t;
        }
        if let Some(v) = map.remove("categories")
            && let Some(c) = read(v, "categories", &mut problems)
        {
            policy.categories = c;
        }
        if let Some(mut v) = map.remove("priority") {
            let overrides = v.get_mut("overrides").map(Value::take);
            if let Some(obj) = v.as_object_mut() {
                obj.remove("overrides");
            }
            if let Some(p) = read::<PrioritySpec>(v, "priority", &mut problems) {
                policy.priority = p;
            }
            policy.priority.overrides = read_list(overrides, "priority.overrides", &mut problems);
        }
        if let Some(mut v) = map.remove("sla") {
            let rules = v.get_mut("policies").map(Value::take);
            if let Some(obj) = v.as_object_mut() {
                obj.remove("policies");
            }
            if let Some(s) = read::<SlaSpec>(v, "sla", &mut problems) {
                policy.sla = s;
            }
            policy.sla.policies = read_list(rules, "sla.policies", &mut problems);
        }
        if let Some(v) = map.remove("scoring")
            && let Some(s) = read(v, "scoring", &mut problems)
        {
            policy.scoring = s;
        }
        if let Some(v) = map.remove("tiers")
            && let Some(t) = read(v, "tiers", &mut problems)
        {
            policy.tiers = t;
        }
        if let Some(mut v) = map.remove("routing") {
            let steps = v.get_mut("relaxation").map(Value::take);
            if let Some(obj) = v.as_object_mut() {
                obj.remove("relaxation");
            }
            if let Some(r) = read::<RoutingSpec>(v, "routing", &mut problems) {
                policy.routing = r;
            }
            policy.routing.relaxation = read_list(steps, "routing.relaxation", &mut problems);
        }
        if problems.is_empty() { Ok(policy) } else { Err(Error::from_problems(problems)) }
    }

    /// Writes the policy as pretty JSON (the canonical form).
    #[must_use]
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the policy and compiles it into the immutable form the engine
    /// uses, collecting every problem with its field path.
    ///
    /// # Errors
    /// Every problem found: unknown names (with the closest valid one),
    /// overlapping hours, empty calendars, non-finite weights, and so on.
    pub fn compile(&self) -> Result<CompiledPolicy, Error> {
        compile::compile(self)
    }
}

/// Reading a policy through serde (for instance as a field of a host's own
/// configuration) takes the same path as [`Policy::from_value`]: every part is
/// checked, and the error lists each problem with its field path.
impl<'de> Deserialize<'de> for Policy {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Policy::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// Parses text in `format` into a JSON value, enforcing the size limit
/// `max_bytes` and the nesting limit [`MAX_DEPTH`]; no schema is checked. This
/// is how every document is read, and how `tierwise convert` turns TOML or
/// YAML into JSON.
///
/// # Errors
/// A document over the limits, text that is not valid `format`, or a format
/// this build does not read (see [`Format::is_supported`]).
pub fn parse_value(text: &str, format: Format, max_bytes: usize) -> Result<Value, Error> {
    let text = without_byte_order_mark(text);
    if text.len() > max_bytes {
        return Err(Error::new(
            ErrorKind::TooLarge,
            "",
            format!("document is {} bytes; the limit is {max_bytes}", text.len()),
        ));
    }
    // Refuse deep nesting before any recursive parser sees it.
    if may_nest_deeper_than(text, MAX_DEPTH * 4) {
        return Err(Error::new(ErrorKind::TooLarge, "", format!("document nests deeper than {MAX_DEPTH} levels")));
    }
    let value = match format {
        Format::Json => serde_json::from_str::<Value>(text)
            .map_err(|e| Error::new(ErrorKind::Syntax, "", format!("invalid JSON: {e}")))?,
        #[cfg(feature = "toml")]
        Format::Toml => {
            let table: toml::Table = toml::from_str(text).map_err(|e| {
                let at = e.span().map(|span| {
                    let before = &text[..span.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!(" at line {line} column {column}")
                });
                Error::new(ErrorKind::Syntax, "", format!("invalid TOML{}: {}", at.unwrap_or_default(), e.message()))
            })?;
            toml_to_json(toml::Value::Table(table))
        }
        #[cfg(feature = "yaml")]
        Format::Yaml => {
            let yaml: serde_norway::Value = serde_norway::from_str(text)
                .map_err(|e| Error::new(ErrorKind::Syntax, "", format!("invalid YAML: {e}")))?;
            yaml_to_json(yaml)?
        }
        #[cfg(not(all(feature = "toml", feature = "yaml")))]
        other => {
            return Err(Error::new(
                ErrorKind::Syntax,
                "",
                format!(
                    "this build of Tierwise does not read {} (its cargo feature `{}` is off); use JSON",
                    other.name(),
                    other.name().to_ascii_lowercase()
                ),
            ));
        }
    };
    check_depth(&value, MAX_DEPTH).map_err(Error::from_problem)?;
    Ok(value)
}

/// The deepest bracket nesting in `text`, brackets inside strings included:
/// never less than the document's real depth.
fn bracket_depth(text: &str) -> usize {
    let (_, deepest) = text.bytes().fold((0usize, 0usize), |(cur, max), b| match b {
        b'[' | b'{' => (cur + 1, max.max(cur + 1)),
        b']' | b'}' => (cur.saturating_sub(1), max),
        _ => (cur, max),
    });
    deepest
}

/// Whether `text`'s brackets might nest deeper than `limit`. Counting the
/// opening brackets (a loop the compiler vectorizes) settles it for nearly
/// every document, such as an event line; only one with more of them than
/// `limit` is walked bracket by bracket.
fn may_nest_deeper_than(text: &str, limit: usize) -> bool {
    // `[` is 0x5b and `{` 0x7b: setting bit 0x20 makes both `{`, and no other
    // byte. Counting in bytes, 255 at a time, keeps 16 or 32 of them per
    // vector instruction; the WebAssembly package, which reads a document
    // at a time, keeps the shorter loop (the other costs it 350 bytes).
    let opening: usize = if cfg!(target_arch = "wasm32") {
        text.bytes().filter(|&b| b | 0x20 == b'{').count()
    } else {
        text.as_bytes()
            .chunks(255)
            .map(|chunk| usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(b | 0x20 == b'{'))))
            .sum()
    };
    opening > limit && bracket_depth(text) > limit
}

/// Reads a JSON document straight into `T`, without the JSON value that the
/// checked path ([`parse_value`], then [`read`]) builds first. `None` when the text is over `max_bytes`, might nest deeper
/// than [`MAX_DEPTH`], or is not a valid `T`; the caller then takes the
/// checked path, which refuses it with every field path. For a document that
/// reads here, the checked path gives the same value (duplicate fields, the
/// one case where the two could differ, fail here), which
/// `tests/tests/reading.rs` checks.
pub(crate) fn parse_json_fast<T: DeserializeOwned>(text: &str, max_bytes: usize) -> Option<T> {
    // The WebAssembly package reads everything through the checked path: one
    // reader per type instead of two keeps it tens of kilobytes smaller.
    if cfg!(target_arch = "wasm32") || text.len() > max_bytes || may_nest_deeper_than(text, MAX_DEPTH) {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// The text without a leading byte-order mark (as some Windows editors
/// write), which is not part of the document: every document and event line
/// is read through this.
pub(crate) fn without_byte_order_mark(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Parses a JSON document straight into `T`, with the field path of the first
/// problem.
pub(crate) fn parse_json<T: DeserializeOwned>(text: &str, max_bytes: usize) -> Result<T, Error> {
    let text = without_byte_order_mark(text);
    if let Some(t) = parse_json_fast(text, max_bytes) {
        return Ok(t);
    }
    read_value(parse_value(text, Format::Json, max_bytes)?)
}

/// Reads a whole document from a JSON value, with the field path of the
/// first problem.
pub(crate) fn read_value<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    let mut problems = Vec::new();
    read(value, "", &mut problems).ok_or_else(|| Error::from_problems(problems))
}

#[cfg(feature = "toml")]
fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => float_to_json(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

/// A float as JSON; JSON has no NaN or infinity, so those stay visible as text
/// for validation to name the field.
#[cfg(any(feature = "toml", feature = "yaml"))]
fn float_to_json(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or_else(|| Value::String(format!("{f}")), Value::Number)
}

#[cfg(feature = "yaml")]
fn yaml_to_json(v: serde_norway::Value) -> Result<Value, Error> {
    use serde_norway::Value as Y;
    Ok(match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::from(i),
            (_, Some(u), _) => Value::from(u),
            (_, _, Some(f)) => float_to_json(f),
            _ => Value::Null,
        },
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_, _>>()?),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => return Err(Error::new(ErrorKind::Syntax, "", "invalid YAML: mapping keys must be strings")),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

fn check_depth(value: &Value, max: usize) -> Result<(), Problem> {
    // Iterative, so hostile nesting cannot overflow the stack.
    let mut stack = vec![(value, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        if depth > max {
            return Err(Problem::new(ErrorKind::TooLarge, "", format!("document nests deeper than {max} levels")));
        }
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, depth + 1))),
            _ => {}
        }
    }
    Ok(())
}

/// A document field that is either text or a table (a calendar's name or
/// its hours, a date or a named holiday). Read through
/// [`read_text_or_table`] instead of an untagged enum: serde buffers those
/// and reports only "did not match any variant", where this names the field
/// inside the table that is wrong, and costs less code.
pub(crate) trait TextOrTable: Sized {
    /// What the field holds, for the error on any other type.
    const EXPECTING: &'static str;

    /// The value written as text.
    fn from_text(text: String) -> Self;

    /// The value written as a table.
    ///
    /// # Errors
    /// Whatever the table's own reader refuses, with its path.
    fn from_table<'de, A: MapAccess<'de>>(table: A) -> Result<Self, A::Error>;
}

/// Reads a [`TextOrTable`] value as it comes, without buffering it.
pub(crate) fn read_text_or_table<'de, D: Deserializer<'de>, T: TextOrTable>(d: D) -> Result<T, D::Error> {
    struct TextOrTableVisitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: TextOrTable> Visitor<'de> for TextOrTableVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str(T::EXPECTING)
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            Ok(T::from_text(text.to_owned()))
        }

        fn visit_string<E: serde::de::Error>(self, text: String) -> Result<T, E> {
            Ok(T::from_text(text))
        }

        fn visit_map<A: MapAccess<'de>>(self, table: A) -> Result<T, A::Error> {
            T::from_table(table)
        }
    }

    d.deserialize_any(TextOrTableVisitor(std::marker::PhantomData))
}

/// A field that holds a table in one kind of document and an id in others
/// (an event's `ticket`, a history line's `agent`), told apart by the type as
/// it is read.
pub(crate) enum ObjectOrId<T> {
    /// The table, read as `T`.
    Object(T),
    /// The id.
    Id(String),
}

impl<T: DeserializeOwned> TextOrTable for ObjectOrId<T> {
    const EXPECTING: &'static str = "an id or a table";

    fn from_text(text: String) -> Self {
        ObjectOrId::Id(text)
    }

    fn from_table<'de, A: MapAccess<'de>>(table: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(table)).map(ObjectOrId::Object)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for ObjectOrId<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_text_or_table(d)
    }
}

/// Refuses a field that is present (`true`) but not one of `fields` (those
/// of the kind of record read: a tagged record's reader takes every kind's
/// fields as they come, then checks them against its kind's).
pub(crate) fn only_fields<'a, E: DeError>(
    present: impl IntoIterator<Item = (bool, &'a str)>,
    fields: &'static [&'static str],
) -> Result<(), E> {
    match present.into_iter().find(|&(is, name)| is && !fields.contains(&name)) {
        Some((_, extra)) => Err(E::unknown_field(extra, fields)),
        None => Ok(()),
    }
}

/// A field the kind of record read must have.
pub(crate) fn required_field<T, E: DeError>(value: Option<T>, field: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(field))
}

/// Deserializes `value` as `T`, recording a problem (with the full path) on failure.
pub(crate) fn read<T: DeserializeOwned>(value: Value, path: &str, problems: &mut Vec<Problem>) -> Option<T> {
    match T::deserialize(ValueReader(value)) {
        Ok(t) => Some(t),
        Err(err) => {
            problems.push(serde_problem(err.message(), &err.path()).under(path));
            None
        }
    }
}

fn read_list<T: DeserializeOwned>(value: Option<Value>, path: &str, problems: &mut Vec<Problem>) -> Vec<T> {
    match value {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            items.into_iter().enumerate().filter_map(|(i, v)| read(v, &format!("{path}[{i}]"), problems)).collect()
        }
        Some(other) => {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                path,
                format!("expected a list, found {}", kind_of(&other)),
            ));
            Vec::new()
        }
    }
}

/// Turns serde's message into a problem, recognising unknown and missing fields.
fn serde_problem(msg: &str, path: &str) -> Problem {
    // serde's wording: "unknown field `x`, expected one of `a`, `b`" or
    // "unknown field `x`, expected `a`" or "... there are no fields".
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (field, tail) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        // The path is the table's: a key's error is not under the key.
        return unknown_field(field, path, &expected);
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let full = if path.is_empty() { field.to_owned() } else { format!("{path}.{field}") };
        return Problem::new(ErrorKind::MissingField, full, "missing field");
    }
    // Non-finite floats from TOML/YAML arrive as text (JSON has no NaN).
    for special in ["NaN", "inf", "-inf"] {
        if msg.starts_with(&format!("invalid type: string \"{special}\", expected f64")) {
            return Problem::new(ErrorKind::InvalidValue, path, format!("must be a finite number, found {special}"));
        }
    }
    Problem::new(ErrorKind::InvalidValue, path, msg)
}

fn unknown_field(field: &str, parent: &str, expected: &[&str]) -> Problem {
    let hint = did_you_mean(field, expected.iter().copied())
        .or_else(|| (!expected.is_empty()).then(|| format!("expected one of: {}", expected.join(", "))));
    Problem::new(ErrorKind::UnknownField, field, "unknown field").with_hint(hint).under(parent)
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_policy_reads_in_all_formats() {
        let toml = Policy::from_toml_str("version = 1").unwrap();
        let json = Policy::from_json_str(r#"{"version": 1}"#).unwrap();
        let yaml = Policy::from_yaml_str("version: 1\n").unwrap();
        assert_eq!(toml, json);
        assert_eq!(json, yaml);
        assert_eq!(toml, Policy::default());
    }

    #[test]
    fn serde_reads_a_policy_as_from_value_does() {
        // A host embedding a policy in its own configuration gets the checked
        // reader, with every problem and its field path in the message.
        #[derive(Deserialize)]
        struct HostConfig {
            desk: String,
            policy: Policy,
        }
        let good = r#"{"desk": "emea", "policy": {"version": 1, "tiers": ["L1", "L2"]}}"#;
        let config: HostConfig = serde_json::from_str(good).unwrap();
        assert_eq!(config.desk, "emea");
        assert_eq!(config.policy, Policy::from_json_str(r#"{"version": 1, "tiers": ["L1", "L2"]}"#).unwrap());
        let bad = r#"{"desk": "emea", "policy": {"version": 1, "tiers": "L1", "routnig": {}}}"#;
        let err = serde_json::from_str::<HostConfig>(bad).err().unwrap().to_string();
        assert!(err.contains("routnig") && err.contains("did you mean \"routing\""), "{err}");
        assert!(err.contains("tiers: "), "{err}");
        let version = serde_json::from_str::<Policy>(r#"{"version": 2}"#).unwrap_err().to_string();
        assert!(version.contains("this build reads policy version 1"), "{version}");
    }

    #[test]
    fn collects_every_structural_problem() {
        let err = Policy::from_toml_str(
            r#"
            version = 1
            colour = "blue"
            [calendars.a]
            timezone = "UTC"
            hours = { mon = "09:00-17:00" }
            holidayz = []
            [[sla.policies]]
            first_response = "15q"
            [[sla.policies]]
            resolution = { within = "4h", calender = "a" }
            "#,
        )
        .unwrap_err();
        let got: Vec<(String, &str, Option<&str>)> =
            err.problems().iter().map(|p| (p.path().to_owned(), p.code(), p.hint())).collect();
        assert_eq!(
            got,
            vec![
                (
                    "colour".to_owned(),
                    "unknown_field",
                    Some(
                        "expected one of: version, calendars, customer_tiers, categories, priority, sla, scoring, tiers, \
                     routing"
                    )
                ),
                ("calendars.a.holidayz".to_owned(), "unknown_field", Some("did you mean \"holidays\"?")),
                ("sla.policies[0].first_response".to_owned(), "invalid_value", None),
                ("sla.policies[1].resolution.calender".to_owned(), "unknown_field", Some("did you mean \"calendar\"?")),
            ],
            "{err}"
        );
    }

    #[test]
    fn non_finite_numbers_are_named() {
        let err = Policy::from_toml_str("version = 1\n[scoring]\nper_hour_waiting = nan\npriority = inf").unwrap_err();
        let got: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert_eq!(got, ["scoring.per_hour_waiting: must be a finite number, found NaN"]);
        let err = Policy::from_yaml_str("version: 1\nscoring:\n  priority: .inf\n").unwrap_err();
        assert_eq!(err.to_string(), "scoring.priority: must be a finite number, found inf");
        // Finite but so large that scores would not be.
        let err = Policy::from_toml_str("version = 1\n[scoring]\npriority = 1e308\nchannel = { chat = -2e9 }")
            .unwrap()
            .compile()
            .unwrap_err();
        let got: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
        assert!(
            got[0].starts_with("scoring.priority: must be a finite number from -1e9 to 1e9, found 1000"),
            "{got:?}"
        );
        assert_eq!(got[1], "scoring.channel.chat: must be a finite number from -1e9 to 1e9, found -2000000000");
        assert_eq!(err.code(), "invalid_value");
        assert!(
            Policy::from_toml_str("version = 1\n[scoring]\npriority = 1e9\nper_hour_waiting = -1e9")
                .unwrap()
                .compile()
                .is_ok()
        );
    }

    #[test]
    fn a_calendars_bad_hours_do_not_hide_its_other_problems() {
        let text = "version = 1\n[calendars.x]\ntimezone = \"America/Bogata\"\n\
                    hours = { mon = [\"09:00-12:00\", \"11:00-13:00\"] }\nholidays = [\"2026-02-30\"]\n";
        let err = Policy::from_toml_str(text).unwrap().compile().unwrap_err();
        let paths: Vec<&str> = err.problems().iter().map(|p| p.path()).collect();
        assert_eq!(paths, ["calendars.x.hours.mon[1]", "calendars.x.holidays[0]", "calendars.x.timezone"], "{err}");
    }

    #[test]
    fn version_is_required_and_checked() {
        assert_eq!(Policy::from_json_str("{}").unwrap_err().code(), "missing_field");
        assert_eq!(Policy::from_json_str(r#"{"version": 2}"#).unwrap_err().code(), "unsupported_version");
    }

    #[test]
    fn hostile_documents_are_refused() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(Policy::from_json_str(&deep).unwrap_err().code(), "too_large");
        let big = " ".repeat(MAX_POLICY_BYTES + 1);
        assert_eq!(Policy::from_json_str(&big).unwrap_err().code(), "too_large");
        assert_eq!(Policy::from_json_str("{").unwrap_err().code(), "syntax");
        assert_eq!(Policy::from_yaml_str("- [").unwrap_err().code(), "syntax");
        assert_eq!(Policy::from_toml_str("a = ").unwrap_err().code(), "syntax");
    }

    #[test]
    fn round_trips_through_json() {
        let p = Policy::from_toml_str(
            r#"
            version = 1
            [calendars.a]
            timezone = "Europe/Madrid"
            hours = { weekdays = ["09:00-14:00", "15:00-18:00"] }
            holidays = ["2026-01-01", { from = "2026-12-24", to = "2026-12-26", name = "Christmas" }]
            [[sla.policies]]
            when = { priority = ["P1", "P2"] }
            calendar = "a"
            first_response = "1h30m"
            resolution = { within = "8h", calendar = "24x7" }
            "#,
        )
        .unwrap();
        assert_eq!(Policy::from_json_str(&p.to_json_string()).unwrap(), p);
    }

    #[test]
    fn sniffs_formats() {
        assert_eq!(Format::sniff("{\"version\":1}"), Format::Json);
        assert_eq!(Format::sniff("# c\nversion = 1"), Format::Toml);
        assert_eq!(Format::sniff("[priority]\nclasses=[]"), Format::Toml);
        assert_eq!(Format::sniff("version: 1"), Format::Yaml);
        assert_eq!(Format::from_path("a/b.YML"), Some(Format::Yaml));
    }
}
