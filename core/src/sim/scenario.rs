//! The scenario document: traffic, teams, tiers and targets, as serde data,
//! and its checking into a plan the event loop runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::de::MapAccess;
use serde::de::value::MapAccessDeserializer;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::arrivals::{RecordedArrival, read_arrivals_csv};
use super::dist::Dist;
use crate::CompiledPolicy;
use crate::agent::{AgentSpec, ShiftSpec};
use crate::calendar::Calendar;
use crate::error::{Error, ErrorKind, Problem};
use crate::policy::{
    CalendarSpec, DurationText, Format, HolidaySpec, Policy, StringList, TextOrTable, read_text_or_table,
};
use crate::ticket::{Channel, Ticket};
use crate::time::duration_ms;

/// Largest scenario text accepted, in bytes.
pub const MAX_SCENARIO_BYTES: usize = 8 << 20;
/// Most agents a scenario may staff (summed over teams).
pub const MAX_SIM_AGENTS: u64 = 100_000;
/// Most streams or teams in a scenario.
pub const MAX_SIM_ITEMS: usize = 1_000;

/// A staffing scenario: when and how long to run, what arrives, who answers.
///
/// ```
/// let scenario = tierwise::sim::Scenario::from_toml_str(r#"
///     [run]
///     start = "2026-03-02T00:00:00Z"
///     arrivals = 2000
///     seed = 7
///     [targets]
///     answer_within = "20s"
///     [[streams]]
///     name = "calls"
///     channel = "phone"
///     per_hour = 480
///     handle = { dist = "exponential", mean = "6m" }
///     [[teams]]
///     name = "desk"
///     agents = 50
///     tier = "L1"
///     timezone = "UTC"
///     shifts = "24/7"
/// "#)?;
/// let policy = tierwise::Policy::default().compile()?;
/// let result = tierwise::sim::simulate(&scenario, &policy, 1)?;
/// assert_eq!(result.overall.arrived, 2000.0);
/// # Ok::<(), tierwise::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// When the run starts, when arrivals stop, and the seed.
    pub run: RunSpec,
    /// Service-level targets.
    #[serde(default)]
    pub targets: TargetsSpec,
    /// The routing policy: a file name (read by the host) or an inline
    /// policy. Absent: the default policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyRef>,
    /// The traffic.
    pub streams: Vec<StreamSpec>,
    /// The people.
    pub teams: Vec<TeamSpec>,
    /// Tiers tickets pass through, first line first, with the share each
    /// resolves. Absent: every ticket is resolved in the tier it starts in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierSpec>,
}

/// The policy a scenario routes by.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum PolicyRef {
    /// A policy file, relative to the scenario file (the host reads it).
    File(String),
    /// A policy written inside the scenario.
    Inline(Box<Policy>),
}

impl TextOrTable for PolicyRef {
    const EXPECTING: &'static str = "a policy file's name, or a policy table";

    fn from_text(text: String) -> Self {
        PolicyRef::File(text)
    }

    fn from_table<'de, A: MapAccess<'de>>(table: A) -> Result<Self, A::Error> {
        Policy::deserialize(MapAccessDeserializer::new(table)).map(|policy| PolicyRef::Inline(Box::new(policy)))
    }
}

impl<'de> Deserialize<'de> for PolicyRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_text_or_table(d)
    }
}

/// When the run starts and ends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSpec {
    /// The first instant simulated; agents log in then.
    #[serde(deserialize_with = "crate::time::instant_serde::deserialize")]
    pub start: Timestamp,
    /// Stop generating tickets after this many (over all streams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrivals: Option<u64>,
    /// Stop generating tickets after this long.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<DurationText>,
    /// The random seed (default 1).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// After arrivals stop, how long to keep going until every ticket is
    /// answered or abandoned (default 7 days); what remains is reported as
    /// unanswered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drain: Option<DurationText>,
}

fn default_seed() -> u64 {
    1
}

/// What counts as good service.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsSpec {
    /// The service-level threshold: answered within this long (default 20s).
    #[serde(default = "default_within", with = "crate::time::duration_serde")]
    pub answer_within: jiff::SignedDuration,
}

fn default_within() -> jiff::SignedDuration {
    jiff::SignedDuration::from_secs(20)
}

impl Default for TargetsSpec {
    fn default() -> Self {
        TargetsSpec { answer_within: default_within() }
    }
}

/// A stream of tickets of one kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamSpec {
    /// A name for reports.
    pub name: String,
    /// The channel the tickets arrive on.
    pub channel: Channel,
    /// Mean arrivals per hour, constant (Poisson). Give this or `rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_hour: Option<f64>,
    /// Arrivals per hour by interval of the week, in a zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<RateSpec>,
    /// Handling time (talk plus wrap-up) in the first tier.
    pub handle: DistSpec,
    /// How long a waiting customer waits before abandoning. Absent: forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<DistSpec>,
    /// Priority class set on every ticket (wins over the matrix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// Impact level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<String>,
    /// Urgency level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<String>,
    /// Category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Customer tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_tier: Option<String>,
    /// Language the customers use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Skills required, with minimum levels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skills: BTreeMap<String, u8>,
    /// Share of tickets that are confidential, in `[0, 1]`.
    #[serde(default)]
    pub confidential: f64,
    /// The tier tickets start in (default: the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    /// A CSV file of recorded arrivals (timestamp, channel, priority, skills,
    /// handling seconds; see [`read_arrivals_csv`](crate::sim::read_arrivals_csv)),
    /// relative to the scenario file. Hosts that read files (the CLI, the
    /// Python package) load it into `recorded` with
    /// [`Scenario::load_arrivals`]. Give recorded arrivals instead of
    /// `per_hour` or `rate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arrivals: Option<String>,
    /// Recorded arrivals, in any order: each ticket arrives at its instant
    /// (those outside the run's window are skipped), and its row's fields
    /// win over the stream's. A row's handling time is its first agent's;
    /// later tiers draw from their own (or the stream's) distribution.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recorded: Vec<RecordedArrival>,
}

impl StreamSpec {
    /// Whether its arrivals are recorded (a file to read, or rows) rather
    /// than drawn at a rate.
    fn is_recorded(&self) -> bool {
        self.arrivals.is_some() || !self.recorded.is_empty()
    }
}

/// Arrivals per hour for each interval of the week, in a zone's local time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSpec {
    /// IANA zone of the local times (default UTC).
    #[serde(default = "default_zone")]
    pub timezone: String,
    /// Interval length: 15m, 30m or 60m (default 60m).
    #[serde(default = "default_interval")]
    pub interval: DurationText,
    /// Rates for every day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<Vec<f64>>,
    /// Rates for Monday to Friday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekdays: Option<Vec<f64>>,
    /// Rates for Saturday and Sunday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekend: Option<Vec<f64>>,
    /// Monday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mon: Option<Vec<f64>>,
    /// Tuesday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tue: Option<Vec<f64>>,
    /// Wednesday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wed: Option<Vec<f64>>,
    /// Thursday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thu: Option<Vec<f64>>,
    /// Friday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fri: Option<Vec<f64>>,
    /// Saturday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sat: Option<Vec<f64>>,
    /// Sunday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sun: Option<Vec<f64>>,
}

fn default_zone() -> String {
    "UTC".to_owned()
}

fn default_interval() -> DurationText {
    DurationText(jiff::SignedDuration::from_mins(60))
}

/// Kinds of duration distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DistKind {
    /// Exponential: `mean`.
    Exponential,
    /// Lognormal: `mean` and `sd` or `cv`.
    Lognormal,
    /// Gamma: `mean` and `cv` or `shape`.
    Gamma,
    /// Always `value` (or `mean`).
    Fixed,
    /// One of `values`, equally likely (recorded durations).
    Empirical,
}

/// A distribution of durations, e.g. `{ dist = "lognormal", mean = "6m", cv = 0.8 }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a distribution, e.g. { dist = \"exponential\", mean = \"6m\" }")]
pub struct DistSpec {
    /// Which distribution.
    pub dist: DistKind,
    /// The mean.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<DurationText>,
    /// Standard deviation (lognormal, gamma).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd: Option<DurationText>,
    /// Coefficient of variation, sd / mean (lognormal, gamma).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<f64>,
    /// Shape (gamma).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    /// The one value (fixed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<DurationText>,
    /// Recorded values (empirical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<DurationText>>,
}

/// A team of identical agents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    /// A name; agents are called `NAME-001`, `NAME-002`, ...
    pub name: String,
    /// How many agents.
    pub agents: u32,
    /// Their tier.
    pub tier: String,
    /// Skills with levels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub skills: BTreeMap<String, u8>,
    /// Languages spoken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// Cleared for confidential tickets.
    #[serde(default)]
    pub clearance: bool,
    /// IANA zone of the shift hours (default UTC).
    #[serde(default = "default_zone")]
    pub timezone: String,
    /// `"24/7"` (default), the name of a policy calendar, or weekly local
    /// hours like a calendar's, e.g. `{ weekdays = "08:00-17:00" }`.
    #[serde(default = "default_shifts")]
    pub shifts: ShiftsSpec,
    /// Days off for the whole team, as calendar holidays.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub holidays: Vec<HolidaySpec>,
    /// Items each agent can hold at once, by channel (default as for agents:
    /// 1 phone, 3 chat, 8 email, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<BTreeMap<String, u8>>,
}

/// When a team works.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ShiftsSpec {
    /// `"24/7"` or a policy calendar's name.
    Named(String),
    /// Weekly local hours.
    Hours(BTreeMap<String, StringList>),
}

impl TextOrTable for ShiftsSpec {
    const EXPECTING: &'static str = "\"24/7\", a policy calendar's name, or a table of weekly hours";

    fn from_text(text: String) -> Self {
        ShiftsSpec::Named(text)
    }

    fn from_table<'de, A: MapAccess<'de>>(table: A) -> Result<Self, A::Error> {
        BTreeMap::deserialize(MapAccessDeserializer::new(table)).map(ShiftsSpec::Hours)
    }
}

impl<'de> Deserialize<'de> for ShiftsSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read_text_or_table(d)
    }
}

fn default_shifts() -> ShiftsSpec {
    ShiftsSpec::Named("24/7".to_owned())
}

/// A tier tickets pass through.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    /// The policy tier's name.
    pub name: String,
    /// Share of tickets handled in this tier that are resolved here; the
    /// rest escalate to the next tier listed. Default 0.743 (the industry's
    /// first-level resolution); always 1 in the last tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolve: Option<f64>,
    /// Handling time in this tier (default: the stream's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<DistSpec>,
}

/// First-level resolution when a tier does not say: the industry average.
pub const DEFAULT_RESOLVE: f64 = 0.743;

impl Scenario {
    /// Parses a scenario from TOML.
    ///
    /// # Errors
    /// Syntax, type and unknown-field errors, each with its field path.
    pub fn from_toml_str(text: &str) -> Result<Scenario, Error> {
        Scenario::from_str_as(text, Format::Toml)
    }

    /// Parses a scenario from JSON.
    ///
    /// # Errors
    /// As [`Scenario::from_toml_str`].
    pub fn from_json_str(text: &str) -> Result<Scenario, Error> {
        Scenario::from_str_as(text, Format::Json)
    }

    /// Parses a scenario from YAML.
    ///
    /// # Errors
    /// As [`Scenario::from_toml_str`].
    pub fn from_yaml_str(text: &str) -> Result<Scenario, Error> {
        Scenario::from_str_as(text, Format::Yaml)
    }

    /// Parses a scenario written in `format`.
    ///
    /// # Errors
    /// As [`Scenario::from_toml_str`].
    pub fn from_str_as(text: &str, format: Format) -> Result<Scenario, Error> {
        let value = crate::policy::parse_value(text, format, MAX_SCENARIO_BYTES)?;
        Scenario::from_value(value)
    }

    /// Reads a scenario from a JSON value, collecting a problem for each bad
    /// stream, team and tier.
    ///
    /// # Errors
    /// As [`Scenario::from_toml_str`].
    pub fn from_value(value: Value) -> Result<Scenario, Error> {
        let Value::Object(mut map) = value else {
            return Err(Error::new(ErrorKind::InvalidValue, "", "a scenario must be a table/object"));
        };
        let mut problems = Vec::new();
        const TOP: [&str; 6] = ["run", "targets", "policy", "streams", "teams", "tiers"];
        for key in map.keys() {
            if !TOP.contains(&key.as_str()) {
                let hint = crate::error::did_you_mean(key, TOP)
                    .or_else(|| Some(format!("expected one of: {}", TOP.join(", "))));
                problems.push(Problem::new(ErrorKind::UnknownField, key.clone(), "unknown field").with_hint(hint));
            }
        }
        // Reported: the typed read below must not report them again.
        map.retain(|key, _| TOP.contains(&key.as_str()));
        let policy = match map.remove("policy") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => {
                problems.push(Problem::new(
                    ErrorKind::InvalidValue,
                    "policy",
                    "an empty file name: name a policy file, give a policy table, or leave `policy` out",
                ));
                None
            }
            Some(Value::String(s)) => Some(PolicyRef::File(s)),
            Some(v @ Value::Object(_)) => match Policy::from_value(v) {
                Ok(p) => Some(PolicyRef::Inline(Box::new(p))),
                Err(e) => {
                    problems.extend(e.under("policy").problems().iter().cloned());
                    None
                }
            },
            Some(other) => {
                problems.push(Problem::new(
                    ErrorKind::InvalidValue,
                    "policy",
                    format!("expected a file name or a policy table, found {}", crate::policy::kind_of(&other)),
                ));
                None
            }
        };
        let lists =
            |key: &str, map: &mut serde_json::Map<String, Value>, problems: &mut Vec<Problem>| match map.remove(key) {
                None => Vec::new(),
                Some(Value::Array(items)) => items,
                Some(other) => {
                    problems.push(Problem::new(
                        ErrorKind::InvalidValue,
                        key,
                        format!("expected a list, found {}", crate::policy::kind_of(&other)),
                    ));
                    Vec::new()
                }
            };
        let has_streams = map.contains_key("streams");
        let has_teams = map.contains_key("teams");
        let streams: Vec<Value> = lists("streams", &mut map, &mut problems);
        let teams: Vec<Value> = lists("teams", &mut map, &mut problems);
        let tiers: Vec<Value> = lists("tiers", &mut map, &mut problems);
        if streams.len() > MAX_SIM_ITEMS || teams.len() > MAX_SIM_ITEMS || tiers.len() > 20 {
            return Err(Error::new(ErrorKind::TooLarge, "", format!("more than {MAX_SIM_ITEMS} streams or teams")));
        }
        let read_all = |name: &str, items: Vec<Value>, problems: &mut Vec<Problem>| -> Vec<Value> {
            items
                .into_iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    // Deserialised again below as a whole; checked here one by
                    // one so each problem has its index.
                    let ok = match name {
                        "streams" => {
                            crate::policy::read::<StreamSpec>(v.clone(), &format!("streams[{i}]"), problems).is_some()
                        }
                        "teams" => {
                            crate::policy::read::<TeamSpec>(v.clone(), &format!("teams[{i}]"), problems).is_some()
                        }
                        _ => crate::policy::read::<TierSpec>(v.clone(), &format!("tiers[{i}]"), problems).is_some(),
                    };
                    ok.then_some(v)
                })
                .collect()
        };
        let streams = read_all("streams", streams, &mut problems);
        let teams = read_all("teams", teams, &mut problems);
        let tiers = read_all("tiers", tiers, &mut problems);
        if !has_streams {
            problems.push(Problem::new(ErrorKind::MissingField, "streams", "missing field: add [[streams]]"));
        }
        if !has_teams {
            problems.push(Problem::new(ErrorKind::MissingField, "teams", "missing field: add [[teams]]"));
        }
        map.insert("streams".to_owned(), Value::Array(streams));
        map.insert("teams".to_owned(), Value::Array(teams));
        map.insert("tiers".to_owned(), Value::Array(tiers));
        let scenario = crate::policy::read::<Scenario>(Value::Object(map), "", &mut problems);
        match scenario {
            Some(mut s) if problems.is_empty() => {
                s.policy = policy;
                Ok(s)
            }
            _ => Err(Error::from_problems(problems)),
        }
    }

    /// The policy written inside the scenario, if any.
    #[must_use]
    pub fn inline_policy(&self) -> Option<&Policy> {
        match &self.policy {
            Some(PolicyRef::Inline(p)) => Some(p),
            _ => None,
        }
    }

    /// The policy file the scenario names, if any.
    #[must_use]
    pub fn policy_file(&self) -> Option<&str> {
        match &self.policy {
            Some(PolicyRef::File(f)) => Some(f),
            _ => None,
        }
    }

    /// Reads the recorded arrivals of every stream that names an `arrivals`
    /// file and has no `recorded` rows yet. `read` is the host's: given the
    /// file name as written (relative to the scenario), it returns the text
    /// or a message saying why it cannot.
    ///
    /// # Errors
    /// A file that cannot be read at `streams[i].arrivals`; bad rows at
    /// `streams[i].arrivals.lines[n].column`. Nothing changes on error.
    pub fn load_arrivals(&mut self, mut read: impl FnMut(&str) -> Result<String, String>) -> Result<(), Error> {
        let mut problems = Vec::new();
        let mut loaded = Vec::new();
        for (i, stream) in self.streams.iter().enumerate() {
            let Some(file) = stream.arrivals.as_deref().filter(|_| stream.recorded.is_empty()) else { continue };
            let path = format!("streams[{i}].arrivals");
            match read(file) {
                Err(message) => problems.push(Problem::new(ErrorKind::InvalidValue, path, message)),
                Ok(text) => match read_arrivals_csv(&text) {
                    Err(e) => problems.extend(e.under(&path).problems().iter().cloned()),
                    Ok(rows) if rows.is_empty() => {
                        problems.push(Problem::new(ErrorKind::MissingField, path, format!("{file} has no rows")));
                    }
                    Ok(rows) => loaded.push((i, rows)),
                },
            }
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        for (i, rows) in loaded {
            self.streams[i].recorded = rows;
        }
        Ok(())
    }

    /// Checks the scenario against `policy` without running it.
    ///
    /// # Errors
    /// Every problem, each with its field path (`streams[0].handle.mean`).
    /// Returns warnings: a scenario that is legal but cannot end well (a
    /// stream only some tickets of which anyone can take, a team nobody
    /// needs, more work than agents).
    pub fn check(&self, policy: &CompiledPolicy) -> Result<Vec<Problem>, Error> {
        Plan::new(self, policy).map(|p| p.warnings)
    }
}

/// Where a stream's arrivals come from.
#[derive(Clone, Debug)]
pub(crate) enum ArrivalPlan {
    /// Poisson arrivals at a rate.
    Poisson(RatePlan),
    /// Recorded arrivals, in time order, all within the run's window.
    Recorded(Vec<ArrivalRow>),
}

impl ArrivalPlan {
    /// Mean arrivals per hour (recorded: over the span of the rows, at
    /// least an hour).
    pub(crate) fn mean_per_hour(&self) -> f64 {
        match self {
            ArrivalPlan::Poisson(rate) => rate.mean_per_hour(),
            ArrivalPlan::Recorded(rows) => {
                let span = match (rows.first(), rows.last()) {
                    (Some(a), Some(b)) => (b.at_ms - a.at_ms).max(3_600_000),
                    _ => 3_600_000,
                };
                #[allow(clippy::cast_precision_loss)]
                let per_hour = rows.len() as f64 * 3_600_000.0 / span as f64;
                per_hour
            }
        }
    }
}

/// One checked recorded arrival.
#[derive(Clone, Debug)]
pub(crate) struct ArrivalRow {
    pub at_ms: i64,
    /// The ticket, if the row changes the stream's template (shared by the
    /// rows that change it alike).
    pub ticket: Option<Arc<Ticket>>,
    /// Index into [`Plan::priorities`].
    pub priority: usize,
    /// The first agent's handling time, if recorded.
    pub handle_ms: Option<i64>,
}

/// How arrivals vary.
#[derive(Clone, Debug)]
pub(crate) enum RatePlan {
    /// Arrivals per millisecond.
    Constant(f64),
    /// Arrivals per millisecond for each interval of the local week (Monday
    /// 00:00 first).
    Weekly { zone: TimeZone, interval_ms: i64, rates: Vec<f64> },
}

impl RatePlan {
    /// The rate at `t` and the end of the piece of constant rate holding it.
    pub(crate) fn piece(&self, t: i64) -> (f64, i64) {
        match self {
            RatePlan::Constant(r) => (*r, i64::MAX),
            RatePlan::Weekly { zone, interval_ms, rates } => {
                let offset_ms = i64::from(zone.to_offset(crate::time::from_ms(t)).seconds()) * 1000;
                let local = t + offset_ms;
                // 1970-01-01 was a Thursday: shift so Monday 00:00 is 0.
                let week_ms = 7 * crate::time::DAY_MS;
                let into_week = (local + 3 * crate::time::DAY_MS).rem_euclid(week_ms);
                let i = usize::try_from(into_week / interval_ms).unwrap_or(0).min(rates.len() - 1);
                let end = t + (interval_ms - into_week % interval_ms);
                (rates[i], end)
            }
        }
    }

    /// Mean arrivals per hour over the week.
    pub(crate) fn mean_per_hour(&self) -> f64 {
        let per_ms = match self {
            RatePlan::Constant(r) => *r,
            #[allow(clippy::cast_precision_loss)]
            RatePlan::Weekly { rates, .. } => rates.iter().sum::<f64>() / rates.len() as f64,
        };
        per_ms * 3_600_000.0
    }
}

/// A checked stream.
#[derive(Clone, Debug)]
pub(crate) struct StreamPlan {
    pub name: String,
    pub arrivals: ArrivalPlan,
    pub handle: Dist,
    pub patience: Option<Dist>,
    pub template: Ticket,
    pub confidential: f64,
    /// Index into [`Plan::priorities`].
    pub priority: usize,
    /// Index into [`Plan::tiers`].
    pub tier: usize,
}

/// A checked tier.
#[derive(Clone, Debug)]
pub(crate) struct TierPlan {
    pub name: String,
    pub resolve: f64,
    pub handle: Option<Dist>,
}

/// A checked team.
#[derive(Clone, Debug)]
pub(crate) struct TeamPlan {
    pub name: String,
    pub agents: u32,
    /// Index into [`Plan::tiers`], if the team's tier is one tickets pass through.
    pub tier: Option<usize>,
    /// On-duty hours; `None` is always.
    pub calendar: Option<Calendar>,
}

/// A scenario checked against a policy: everything the event loop needs.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
    pub max_arrivals: Option<u64>,
    pub seed: u64,
    pub drain_ms: i64,
    pub within_ms: i64,
    pub streams: Vec<StreamPlan>,
    pub teams: Vec<TeamPlan>,
    pub tiers: Vec<TierPlan>,
    pub priorities: Vec<String>,
    /// Shared by the engines of every replication.
    pub roster: Arc<[AgentSpec]>,
    /// Team of each roster entry.
    pub agent_team: Vec<usize>,
    /// The policy the engine runs, with the teams' shift calendars added.
    pub policy: CompiledPolicy,
    /// Whether the policy has SLA rules (then first replies are reported to
    /// the engine, so first-response clocks stop when a ticket is answered).
    pub sla: bool,
    pub warnings: Vec<Problem>,
    /// The most tickets a replication may hold open at once
    /// ([`super::run::MAX_OUTSTANDING`]; smaller in tests).
    pub max_outstanding: u64,
}

fn dur_ms(d: &DurationText) -> i64 {
    duration_ms(d.0)
}

/// Checks a distribution spec; `path` names it.
/// Checks a stream's recorded arrivals: each row's ticket (triaged once per
/// distinct channel, priority and skills), its handling time, and that it
/// falls in the run's window `[start, stop)`; rows outside are skipped with
/// a warning. Returns the rows in time order (ties in the given order).
#[allow(clippy::too_many_arguments)]
fn check_recorded(
    s: &StreamSpec,
    path: &str,
    template: &Ticket,
    (start_ms, stop_ms): (i64, Option<i64>),
    scenario: &Scenario,
    policy: &CompiledPolicy,
    problems: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Option<(Vec<ArrivalRow>, Vec<RowKind>)> {
    type RowKey<'a> = (Option<Channel>, Option<&'a str>, Option<&'a BTreeMap<String, u8>>);
    /// The ticket a row makes (if not the stream's) and its class.
    type RowTicket = (Option<Arc<Ticket>>, usize);
    if s.recorded.is_empty() {
        let message = match &s.arrivals {
            Some(file) => format!(
                "the arrivals file {file} has not been read: the CLI and the Python package read it; elsewhere, give its rows in `recorded`"
            ),
            None => "no recorded arrivals".to_owned(),
        };
        problems.push(Problem::new(ErrorKind::MissingField, format!("{path}.recorded"), message));
        return None;
    }
    let before = problems.len();
    let classes = policy.priority_classes();
    // The ticket each distinct row makes and its class, with the rows of
    // its kind within the run; `None` once reported bad.
    let mut made: BTreeMap<RowKey<'_>, Option<(RowTicket, RowKind)>> = BTreeMap::new();
    let mut rows = Vec::with_capacity(s.recorded.len());
    let mut outside = 0usize;
    for (k, r) in s.recorded.iter().enumerate() {
        if problems.len() >= before + 100 {
            break;
        }
        // A row read from a file is named by its line there.
        let row_path = || match r.line {
            Some(line) => format!("{path}.arrivals.lines[{line}]"),
            None => format!("{path}.recorded[{k}]"),
        };
        let handle_ms = match r.handle_s {
            None => None,
            #[allow(clippy::cast_possible_truncation)]
            Some(h) if h.is_finite() && (0.0..=366.0 * 86_400.0).contains(&h) => Some((h * 1000.0).round() as i64),
            Some(h) => {
                problems.push(Problem::new(
                    ErrorKind::InvalidValue,
                    format!("{}.handle_s", row_path()),
                    format!("{h} is not a number of seconds from 0 to a year"),
                ));
                continue;
            }
        };
        let key: RowKey<'_> = (r.channel, r.priority.as_deref(), r.skills.as_ref());
        let entry = made.entry(key).or_insert_with(|| {
            let ticket = (key != (None, None, None)).then(|| {
                let mut t = template.clone();
                t.channel = r.channel.unwrap_or(t.channel);
                t.priority = r.priority.clone().or(t.priority);
                t.skills = r.skills.clone().unwrap_or(t.skills);
                Arc::new(t)
            });
            let mut ok = true;
            for skill in r.skills.iter().flat_map(BTreeMap::keys) {
                if !scenario.teams.iter().any(|t| t.skills.contains_key(skill)) {
                    problems.push(Problem::new(
                        ErrorKind::UnknownName,
                        format!("{}.skills.{skill}", row_path()),
                        format!("no team has the skill \"{skill}\": nobody could ever take this ticket"),
                    ));
                    ok = false;
                }
            }
            match policy.triage(ticket.as_deref().unwrap_or(template), template.created_at) {
                Ok(t) if ok => {
                    let kind = RowKind { ticket: ticket.clone(), ..RowKind::default() };
                    Some(((ticket, classes.iter().position(|p| *p == t.priority).unwrap_or(0)), kind))
                }
                Ok(_) => None,
                Err(e) => {
                    problems.extend(e.under(&row_path()).problems().iter().cloned());
                    None
                }
            }
        });
        let Some(((ticket, priority), kind)) = entry else { continue };
        let (ticket, priority) = (ticket.clone(), *priority);
        let at_ms = crate::time::to_ms(r.at);
        if at_ms < start_ms || stop_ms.is_some_and(|stop| at_ms >= stop) {
            outside += 1;
            continue;
        }
        kind.rows += 1;
        if let Some(ms) = handle_ms {
            kind.handled += 1;
            #[allow(clippy::cast_precision_loss)]
            {
                kind.handle_ms_sum += ms as f64;
            }
        }
        rows.push(ArrivalRow { at_ms, ticket, priority, handle_ms });
    }
    if problems.len() > before {
        return None;
    }
    if outside > 0 {
        let n = s.recorded.len();
        let message = if rows.is_empty() {
            format!("none of the {n} recorded arrivals falls within the run")
        } else {
            format!("{outside} of the {n} recorded arrivals fall outside the run and are skipped")
        };
        // Named as the user wrote them: a file, or rows in `recorded`.
        let field = if s.arrivals.is_some() { "arrivals" } else { "recorded" };
        let problem = Problem::new(ErrorKind::OutOfRange, format!("{path}.{field}"), message);
        if rows.is_empty() {
            problems.push(problem);
            return None;
        }
        warnings.push(problem);
    }
    rows.sort_by_key(|r| r.at_ms);
    Some((rows, made.into_values().flatten().map(|(_, kind)| kind).filter(|kind| kind.rows > 0).collect()))
}

/// The recorded rows of one kind (channel, priority, skills) within the run.
#[derive(Default)]
struct RowKind {
    /// The ticket they make, if not the stream's.
    ticket: Option<Arc<Ticket>>,
    rows: usize,
    /// How many recorded a handling time, and its sum.
    handled: usize,
    handle_ms_sum: f64,
}

/// The work a stream brings a tier, for the load check: agent time per
/// ticket the stream sends (handling time over the channel's capacity, times
/// the share of its tickets that come there), the teams that take it, and
/// whether its callers never hang up.
struct Demand {
    tier: usize,
    channel: Channel,
    agent_ms: f64,
    teams: Vec<usize>,
    impatient: bool,
}

/// The most items of `channel` an agent of `team` holds at once.
fn channel_capacity(team: &TeamSpec, channel: Channel) -> u8 {
    match &team.capacity {
        Some(c) => c.get(channel.name()).copied().unwrap_or(0),
        None => crate::agent::default_capacity().get(channel.name()).copied().unwrap_or(1),
    }
}

/// What a stream sends, for the checks: the ticket of each kind, its share
/// of the stream's tickets, and its mean first handling time in ms.
struct Sent<'a> {
    ticket: &'a Ticket,
    share: f64,
    handle_ms: f64,
}

/// `network >= 3, linux >= 2`.
fn levels(skills: &BTreeMap<String, u8>) -> String {
    let mut text = String::new();
    for (skill, level) in skills {
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(skill);
        text.push_str(" >= ");
        text.push_str(&level.to_string());
    }
    text
}

/// Whether `team`, with agents, takes tickets of `channel` needing `skills`
/// and `language` in tier `tier` (with no relaxation).
fn team_takes(
    team: &TeamSpec,
    tier: &str,
    channel: Channel,
    skills: &BTreeMap<String, u8>,
    language: Option<&String>,
) -> bool {
    team.agents > 0
        && team.tier == tier
        && skills.iter().all(|(sk, &lvl)| team.skills.get(sk).is_some_and(|&x| x >= lvl))
        && language.is_none_or(|l| team.languages.contains(l))
        && channel_capacity(team, channel) > 0
}

fn check_dist(spec: &DistSpec, path: &str, problems: &mut Vec<Problem>) -> Option<Dist> {
    let before = problems.len();
    let positive = |d: &Option<DurationText>, field: &str, problems: &mut Vec<Problem>| -> Option<f64> {
        let d = d.as_ref()?;
        let ms = dur_ms(d);
        if ms <= 0 {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                format!("{path}.{field}"),
                format!("must be positive, not {}", crate::format_duration(d.0)),
            ));
            return None;
        }
        #[allow(clippy::cast_precision_loss)]
        Some(ms as f64)
    };
    // "an exponential distribution", "a gamma distribution".
    let kind = format!("{:?}", spec.dist).to_ascii_lowercase();
    let kind = format!("{} {kind} distribution", if kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" });
    let need = |v: Option<f64>, field: &str, problems: &mut Vec<Problem>| {
        if v.is_none() && !problems[before..].iter().any(|p| p.path().ends_with(field)) {
            problems.push(Problem::new(
                ErrorKind::MissingField,
                format!("{path}.{field}"),
                format!("{kind} needs `{field}`"),
            ));
        }
        v
    };
    let unused = |present: bool, field: &str, problems: &mut Vec<Problem>| {
        if present {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                format!("{path}.{field}"),
                format!("`{field}` does not apply to {kind}"),
            ));
        }
    };
    let finite_positive = |v: Option<f64>, field: &str, problems: &mut Vec<Problem>| -> Option<f64> {
        let v = v?;
        if !v.is_finite() || v <= 0.0 || v > 100.0 {
            problems.push(Problem::new(
                ErrorKind::InvalidValue,
                format!("{path}.{field}"),
                format!("must be a number above 0 and at most 100, not {v}"),
            ));
            return None;
        }
        Some(v)
    };
    let mean = positive(&spec.mean, "mean", problems);
    let dist = match spec.dist {
        DistKind::Exponential => {
            unused(spec.sd.is_some(), "sd", problems);
            unused(spec.cv.is_some(), "cv", problems);
            unused(spec.shape.is_some(), "shape", problems);
            unused(spec.value.is_some(), "value", problems);
            unused(spec.values.is_some(), "values", problems);
            need(mean, "mean", problems).map(|mean| Dist::Exponential { mean })
        }
        DistKind::Lognormal | DistKind::Gamma => {
            unused(spec.value.is_some(), "value", problems);
            unused(spec.values.is_some(), "values", problems);
            if spec.dist == DistKind::Lognormal {
                unused(spec.shape.is_some(), "shape", problems);
            }
            let mean = need(mean, "mean", problems);
            let sd = positive(&spec.sd, "sd", problems);
            let cv = finite_positive(spec.cv, "cv", problems);
            // A spread of at most 100 times the mean, however given.
            let shape = spec.shape.and_then(|v| {
                if !v.is_finite() || !(1e-4..=1e6).contains(&v) {
                    problems.push(Problem::new(
                        ErrorKind::InvalidValue,
                        format!("{path}.shape"),
                        "must be from 0.0001 to 1000000 (a `cv` from 0.001 to 100)",
                    ));
                    return None;
                }
                Some(1.0 / v.sqrt())
            });
            if let (Some(sd), Some(m)) = (sd, mean)
                && sd > 100.0 * m
            {
                problems.push(Problem::new(
                    ErrorKind::InvalidValue,
                    format!("{path}.sd"),
                    "is more than 100 times the mean (a `cv` of at most 100)",
                ));
            }
            let given =
                usize::from(spec.sd.is_some()) + usize::from(spec.cv.is_some()) + usize::from(spec.shape.is_some());
            if given > 1 {
                problems.push(Problem::new(
                    ErrorKind::InvalidValue,
                    path,
                    "give one of `sd`, `cv` or `shape`, not several",
                ));
            }
            if given == 0 {
                problems.push(Problem::new(
                    ErrorKind::MissingField,
                    format!("{path}.cv"),
                    "give the spread as `cv` (sd / mean) or `sd`",
                ));
            }
            match (mean, sd.zip(mean).map(|(s, m)| s / m).or(cv).or(shape)) {
                (Some(mean), Some(cv)) => Some(if spec.dist == DistKind::Lognormal {
                    Dist::lognormal(mean, cv)
                } else {
                    Dist::gamma(mean, cv)
                }),
                _ => None,
            }
        }
        DistKind::Fixed => {
            unused(spec.sd.is_some(), "sd", problems);
            unused(spec.cv.is_some(), "cv", problems);
            unused(spec.shape.is_some(), "shape", problems);
            unused(spec.values.is_some(), "values", problems);
            if spec.value.is_some() && spec.mean.is_some() {
                problems.push(Problem::new(
                    ErrorKind::InvalidValue,
                    path,
                    "give `value` (or `mean`, the same for a fixed time), not both",
                ));
            }
            let value = positive(&spec.value, "value", problems).or(mean);
            need(value, "value", problems).map(|value| Dist::Fixed { value })
        }
        DistKind::Empirical => {
            unused(spec.sd.is_some(), "sd", problems);
            unused(spec.cv.is_some(), "cv", problems);
            unused(spec.shape.is_some(), "shape", problems);
            unused(spec.mean.is_some(), "mean", problems);
            unused(spec.value.is_some(), "value", problems);
            match &spec.values {
                None => {
                    problems.push(Problem::new(ErrorKind::MissingField, format!("{path}.values"), "missing field"));
                    None
                }
                Some(v) if v.is_empty() || v.len() > 1_000_000 => {
                    problems.push(Problem::new(
                        ErrorKind::InvalidValue,
                        format!("{path}.values"),
                        "give 1 to 1,000,000 recorded durations",
                    ));
                    None
                }
                Some(v) => {
                    let mut out = Vec::with_capacity(v.len());
                    for (i, d) in v.iter().enumerate() {
                        let ms = dur_ms(d);
                        if ms <= 0 {
                            problems.push(Problem::new(
                                ErrorKind::InvalidValue,
                                format!("{path}.values[{i}]"),
                                "must be positive",
                            ));
                        }
                        #[allow(clippy::cast_precision_loss)]
                        out.push(ms as f64);
                    }
                    Some(Dist::Empirical { values: out })
                }
            }
        }
    };
    if problems.len() > before { None } else { dist }
}

/// The most arrivals per hour a stream may have (about 280 a millisecond).
const MAX_PER_HOUR: f64 = 1e9;

/// The most tickets one replication may make (several minutes of a core).
const MAX_ARRIVALS: u64 = 1_000_000_000;

fn check_rate(spec: &RateSpec, path: &str, problems: &mut Vec<Problem>) -> Option<RatePlan> {
    let before = problems.len();
    let zone = match crate::calendar::resolve_zone(&spec.timezone) {
        Ok(z) => Some(z),
        Err(p) => {
            problems.push(p.under(path));
            None
        }
    };
    let interval_ms = dur_ms(&spec.interval);
    if ![900_000, 1_800_000, 3_600_000].contains(&interval_ms) {
        problems.push(Problem::new(
            ErrorKind::InvalidValue,
            format!("{path}.interval"),
            format!("must be 15m, 30m or 60m, not {}", crate::format_duration(spec.interval.0)),
        ));
        return None;
    }
    let per_day = usize::try_from(crate::time::DAY_MS / interval_ms).unwrap_or(24);
    let mut days: [Option<&Vec<f64>>; 7] = [None; 7];
    type Group<'a> = (&'a [usize], &'a str, &'a Option<Vec<f64>>);
    let groups: [Group<'_>; 10] = [
        (&[0, 1, 2, 3, 4, 5, 6], "daily", &spec.daily),
        (&[0, 1, 2, 3, 4], "weekdays", &spec.weekdays),
        (&[5, 6], "weekend", &spec.weekend),
        (&[0], "mon", &spec.mon),
        (&[1], "tue", &spec.tue),
        (&[2], "wed", &spec.wed),
        (&[3], "thu", &spec.thu),
        (&[4], "fri", &spec.fri),
        (&[5], "sat", &spec.sat),
        (&[6], "sun", &spec.sun),
    ];
    for (group, field, v) in groups {
        if let Some(v) = v {
            for &day in group {
                if days[day].is_some() {
                    let p = format!("{path}.{field}");
                    if !problems.iter().any(|x| x.path() == p) {
                        problems.push(Problem::new(
                            ErrorKind::Duplicate,
                            p,
                            "this day is already given by another key",
                        ));
                    }
                }
                days[day] = Some(v);
            }
        }
    }
    let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let field_of = |day: usize| -> &str {
        let own = [&spec.mon, &spec.tue, &spec.wed, &spec.thu, &spec.fri, &spec.sat, &spec.sun][day];
        if own.is_some() {
            names[day]
        } else if day < 5 && spec.weekdays.is_some() {
            "weekdays"
        } else if day >= 5 && spec.weekend.is_some() {
            "weekend"
        } else {
            "daily"
        }
    };
    let mut rates = Vec::with_capacity(7 * per_day);
    for (day, values) in days.iter().enumerate() {
        match values {
            None => {
                problems.push(Problem::new(
                    ErrorKind::MissingField,
                    format!("{path}.{}", names[day]),
                    "no rates for this day: give `daily`, `weekdays` and `weekend`, or each day",
                ));
                rates.extend(std::iter::repeat_n(0.0, per_day));
            }
            Some(v) => {
                let field = field_of(day);
                if v.len() != per_day {
                    if !problems.iter().any(|p| p.path() == format!("{path}.{field}")) {
                        problems.push(Problem::new(
                            ErrorKind::InvalidValue,
                            format!("{path}.{field}"),
                            format!(
                                "needs {per_day} rates (one per {} interval), found {}",
                                crate::format_duration(spec.interval.0),
                                v.len()
                            ),
                        ));
                    }
                    rates.extend(std::iter::repeat_n(0.0, per_day));
                    continue;
                }
                for (i, &r) in v.iter().enumerate() {
                    if !(0.0..=MAX_PER_HOUR).contains(&r) {
                        let p = format!("{path}.{field}[{i}]");
                        if !problems.iter().any(|x| x.path() == p) {
                            problems.push(Problem::new(
                                ErrorKind::InvalidValue,
                                p,
                                "arrivals per hour must be a number from 0 to 1e9",
                            ));
                        }
                    }
                    rates.push(r / 3_600_000.0);
                }
            }
        }
    }
    if problems.len() > before {
        return None;
    }
    if rates.iter().all(|&r| r == 0.0) {
        problems.push(Problem::new(ErrorKind::InvalidValue, path, "every rate is 0: the stream never sends a ticket"));
        return None;
    }
    Some(RatePlan::Weekly { zone: zone?, interval_ms, rates })
}

impl Plan {
    /// Checks `scenario` against `policy`.
    pub(crate) fn new(scenario: &Scenario, policy: &CompiledPolicy) -> Result<Plan, Error> {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let run = &scenario.run;
        let start_ms = crate::time::to_ms(run.start);
        let year = crate::time::utc_year(start_ms);
        if !(i64::from(crate::MIN_YEAR)..i64::from(crate::MAX_YEAR) - 1).contains(&year) {
            problems.push(Problem::new(ErrorKind::OutOfRange, "run.start", "must be between the years 1900 and 2997"));
        }
        let stop_ms = run.duration.as_ref().map(|d| {
            let ms = dur_ms(d);
            if ms <= 0 || ms > 3 * 366 * crate::time::DAY_MS {
                problems.push(Problem::new(
                    ErrorKind::InvalidValue,
                    "run.duration",
                    "must be positive and at most 3 years",
                ));
            }
            start_ms.saturating_add(ms)
        });
        let all_recorded = scenario.streams.iter().all(StreamSpec::is_recorded);
        if run.arrivals.is_none() && run.duration.is_none() && !all_recorded {
            problems.push(Problem::new(
                ErrorKind::MissingField,
                "run.arrivals",
                "say when arrivals stop: `arrivals = 100000` or `duration = \"7d\"`",
            ));
        }
        if run.arrivals == Some(0) {
            problems.push(Problem::new(ErrorKind::InvalidValue, "run.arrivals", "must be at least 1"));
        }
        let drain_ms = run.drain.as_ref().map_or(7 * crate::time::DAY_MS, dur_ms);
        if !(0..=366 * crate::time::DAY_MS).contains(&drain_ms) {
            problems.push(Problem::new(ErrorKind::InvalidValue, "run.drain", "must be 0 to 366 days"));
        }
        let within_ms = duration_ms(scenario.targets.answer_within);
        if within_ms < 0 {
            problems.push(Problem::new(ErrorKind::InvalidValue, "targets.answer_within", "must not be negative"));
        }
        if scenario.streams.is_empty() {
            problems.push(Problem::new(ErrorKind::InvalidValue, "streams", "add at least one stream"));
        }
        if scenario.teams.is_empty() {
            problems.push(Problem::new(ErrorKind::InvalidValue, "teams", "add at least one team"));
        }

        // Tiers.
        let policy_tiers = policy.tiers();
        let mut tiers = Vec::new();
        if scenario.tiers.is_empty() {
            for t in policy_tiers {
                tiers.push(TierPlan { name: t.clone(), resolve: 1.0, handle: None });
            }
        } else {
            let mut last_pos = None;
            let n = scenario.tiers.len();
            for (i, t) in scenario.tiers.iter().enumerate() {
                let path = format!("tiers[{i}]");
                match policy_tiers.iter().position(|x| *x == t.name) {
                    None => problems.push(crate::error::unknown_name(
                        format!("{path}.name"),
                        "tier",
                        &t.name,
                        policy_tiers.iter().map(String::as_str),
                    )),
                    Some(p) => {
                        if last_pos.is_some_and(|l| p <= l) {
                            problems.push(Problem::new(
                                ErrorKind::InvalidValue,
                                format!("{path}.name"),
                                "tiers must be listed in the policy's order, each once",
                            ));
                        }
                        last_pos = Some(p);
                    }
                }
                let resolve = match t.resolve {
                    Some(r) if !(0.0..=1.0).contains(&r) || r.is_nan() => {
                        problems.push(Problem::new(
                            ErrorKind::InvalidValue,
                            format!("{path}.resolve"),
                            format!("must be a share between 0 and 1, not {r}"),
                        ));
                        1.0
                    }
                    _ if i + 1 == n => {
                        if t.resolve.is_some_and(|r| r < 1.0) {
                            warnings.push(Problem::new(
                                ErrorKind::InvalidValue,
                                format!("{path}.resolve"),
                                "the last tier resolves every ticket it handles; its `resolve` is ignored",
                            ));
                        }
                        1.0
                    }
                    Some(r) => r,
                    None => DEFAULT_RESOLVE,
                };
                let handle = t.handle.as_ref().and_then(|h| check_dist(h, &format!("{path}.handle"), &mut problems));
                tiers.push(TierPlan { name: t.name.clone(), resolve, handle });
            }
        }
        let tier_index = |name: &str| tiers.iter().position(|t| t.name == name);

        // Teams and their shift calendars, added to a copy of the policy.
        let mut source = policy.source().clone();
        let mut team_calendar_names = Vec::new();
        let mut seen = BTreeMap::new();
        let mut total_agents = 0u64;
        for (i, team) in scenario.teams.iter().enumerate() {
            let path = format!("teams[{i}]");
            if team.name.is_empty() || team.name.chars().count() > 64 {
                problems.push(Problem::new(ErrorKind::InvalidValue, format!("{path}.name"), "1 to 64 characters"));
            }
            if let Some(j) = seen.insert(team.name.clone(), i) {
                problems.push(Problem::new(
                    ErrorKind::Duplicate,
                    format!("{path}.name"),
                    format!("team \"{}\" is also teams[{j}]", team.name),
                ));
            }
            total_agents += u64::from(team.agents);
            if !policy_tiers.contains(&team.tier) {
                problems.push(crate::error::unknown_name(
                    format!("{path}.tier"),
                    "tier",
                    &team.tier,
                    policy_tiers.iter().map(String::as_str),
                ));
            } else if tier_index(&team.tier).is_none() {
                warnings.push(Problem::new(
                    ErrorKind::InvalidValue,
                    format!("{path}.tier"),
                    format!("no ticket passes through tier {} (see `tiers`): this team gets no work", team.tier),
                ));
            }
            if let Some(cap) = &team.capacity {
                for name in cap.keys() {
                    if let Err(p) = Channel::from_name(name) {
                        problems.push(p.under(&format!("{path}.capacity.{name}")));
                    }
                }
            }
            let zone_ok = match crate::calendar::resolve_zone(&team.timezone) {
                Ok(_) => true,
                Err(p) => {
                    problems.push(p.under(&path));
                    false
                }
            };
            let name = match &team.shifts {
                ShiftsSpec::Named(n) if n == "24/7" || n == "24x7" => {
                    if team.holidays.is_empty() {
                        None
                    } else {
                        let mut hours = BTreeMap::new();
                        hours.insert("daily".to_owned(), StringList(vec!["00:00-24:00".to_owned()]));
                        Some(Ok(hours))
                    }
                }
                ShiftsSpec::Named(n) => {
                    if policy.calendar(n).is_none() {
                        let names: Vec<&str> = policy.calendars().iter().map(Calendar::name).collect();
                        problems.push(crate::error::unknown_name(format!("{path}.shifts"), "calendar", n, names));
                    }
                    Some(Err(n.clone()))
                }
                ShiftsSpec::Hours(h) => Some(Ok(h.clone())),
            };
            let cal_name = match name {
                None => None,
                Some(Err(n)) => Some(n),
                Some(Ok(hours)) => {
                    let cal_name = format!("sim team {}", team.name);
                    if zone_ok {
                        let spec =
                            CalendarSpec { timezone: team.timezone.clone(), hours, holidays: team.holidays.clone() };
                        // Check this calendar on its own, so problems name the team.
                        let mut alone = Policy::default();
                        alone.calendars.insert("team".to_owned(), spec.clone());
                        if let Err(e) = alone.compile() {
                            for p in e.problems() {
                                let rest = p.path().strip_prefix("calendars.team").unwrap_or("");
                                let rest = rest
                                    .strip_prefix(".hours")
                                    .map_or_else(|| rest.to_owned(), |r| format!(".shifts{r}"));
                                problems.push(
                                    Problem::new(p.kind(), format!("{path}{rest}"), p.message())
                                        .with_hint(p.hint().map(String::from)),
                                );
                            }
                        }
                        source.calendars.insert(cal_name.clone(), spec);
                    }
                    Some(cal_name)
                }
            };
            team_calendar_names.push(cal_name);
        }
        if total_agents > MAX_SIM_AGENTS {
            problems.push(Problem::new(
                ErrorKind::TooLarge,
                "teams",
                format!("{total_agents} agents; the limit is {MAX_SIM_AGENTS}"),
            ));
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        let compiled = source.compile().map_err(|e| e.under("policy"))?;

        // Streams.
        let priorities: Vec<String> = policy.priority_classes().to_vec();
        let mut streams = Vec::new();
        // Per stream: the staffed teams that can take its tickets where they
        // start (for the shift check below).
        let mut first_teams: Vec<Vec<usize>> = Vec::new();
        // Teams some stream's tickets can reach.
        let mut needed = vec![false; scenario.teams.len()];
        // Tiers some stream's tickets pass through.
        let mut reached = vec![false; tiers.len()];
        // Per stream, the work it brings each tier and channel.
        let mut demands: Vec<Vec<Demand>> = Vec::new();
        for (i, s) in scenario.streams.iter().enumerate() {
            let path = format!("streams[{i}]");
            // Results are reported by stream name: two of one name would
            // merge in `by_stream`.
            if let Some(j) = scenario.streams[..i].iter().position(|x| x.name == s.name) {
                problems.push(Problem::new(
                    ErrorKind::Duplicate,
                    format!("{path}.name"),
                    format!("stream \"{}\" is also streams[{j}]", s.name),
                ));
            }
            let before = problems.len();
            let recorded = s.is_recorded();
            let rate = match (s.per_hour, &s.rate) {
                (Some(_), _) | (_, Some(_)) if recorded => {
                    problems.push(Problem::new(
                        ErrorKind::InvalidValue,
                        path.clone(),
                        "give `per_hour`, `rate` or recorded arrivals, one of them",
                    ));
                    None
                }
                (None, None) if recorded => None,
                (Some(_), Some(_)) => {
                    problems.push(Problem::new(
                        ErrorKind::InvalidValue,
                        path.clone(),
                        "give `per_hour` or `rate`, not both",
                    ));
                    None
                }
                (None, None) => {
                    problems.push(Problem::new(
                        ErrorKind::MissingField,
                        format!("{path}.per_hour"),
                        "give `per_hour` (constant) or `rate` (by interval of the week)",
                    ));
                    None
                }
                (Some(r), None) => {
                    if !r.is_finite() || r <= 0.0 || r > MAX_PER_HOUR {
                        problems.push(Problem::new(
                            ErrorKind::InvalidValue,
                            format!("{path}.per_hour"),
                            "arrivals per hour must be a number above 0 and at most 1e9",
                        ));
                        None
                    } else {
                        Some(RatePlan::Constant(r / 3_600_000.0))
                    }
                }
                (None, Some(spec)) => check_rate(spec, &format!("{path}.rate"), &mut problems),
            };
            let handle = check_dist(&s.handle, &format!("{path}.handle"), &mut problems);
            let patience = s.patience.as_ref().and_then(|p| check_dist(p, &format!("{path}.patience"), &mut problems));
            if !(0.0..=1.0).contains(&s.confidential) {
                problems.push(Problem::new(
                    ErrorKind::InvalidValue,
                    format!("{path}.confidential"),
                    format!("a share between 0 and 1, not {}", s.confidential),
                ));
            }
            let tier = match &s.tier {
                None => Some(0),
                Some(t) => {
                    let x = tier_index(t);
                    if x.is_none() {
                        problems.push(crate::error::unknown_name(
                            format!("{path}.tier"),
                            "tier",
                            t,
                            tiers.iter().map(|t| t.name.as_str()),
                        ));
                    }
                    x
                }
            };
            let template = Ticket {
                // Each simulated ticket gets its own id; an empty one here
                // costs nothing to copy.
                id: String::new(),
                created_at: run.start,
                channel: s.channel,
                impact: s.impact.clone(),
                urgency: s.urgency.clone(),
                priority: s.priority.clone(),
                category: s.category.clone(),
                customer_tier: s.customer_tier.clone(),
                language: s.language.clone(),
                skills: s.skills.clone(),
                confidential: false,
                history: Vec::new(),
            };
            let priority = match compiled.triage(&template, run.start) {
                Ok(t) => priorities.iter().position(|p| *p == t.priority).unwrap_or(0),
                Err(e) => {
                    problems.extend(e.under(&path).problems().iter().cloned());
                    0
                }
            };
            if problems.len() > before {
                continue;
            }
            let mut row_kinds = Vec::new();
            let arrivals = if recorded {
                let window = (start_ms, stop_ms);
                check_recorded(s, &path, &template, window, scenario, &compiled, &mut problems, &mut warnings).map(
                    |(rows, kinds)| {
                        row_kinds = kinds;
                        ArrivalPlan::Recorded(rows)
                    },
                )
            } else {
                rate.map(ArrivalPlan::Poisson)
            };
            // Who can take it, in each tier it may pass through.
            let (Some(arrivals), Some(handle), Some(tier)) = (arrivals, handle, tier) else { continue };
            for skill in s.skills.keys() {
                if !scenario.teams.iter().any(|t| t.skills.contains_key(skill)) {
                    problems.push(Problem::new(
                        ErrorKind::UnknownName,
                        format!("{path}.skills.{skill}"),
                        format!("no team has the skill \"{skill}\": nobody could ever take these tickets"),
                    ));
                }
            }
            if let Some(l) = &s.language
                && !scenario.teams.iter().any(|t| t.languages.contains(l))
            {
                problems.push(Problem::new(
                    ErrorKind::UnknownName,
                    format!("{path}.language"),
                    format!("no team speaks \"{l}\": nobody could ever take these tickets"),
                ));
            }
            if problems.len() > before {
                continue;
            }
            // What it sends, by kind: the stream's ticket, or each kind of
            // recorded row with its share and recorded handling time.
            let total_rows: usize = row_kinds.iter().map(|k| k.rows).sum();
            #[allow(clippy::cast_precision_loss)]
            let kinds: Vec<Sent<'_>> = if recorded {
                row_kinds
                    .iter()
                    .map(|k| Sent {
                        ticket: k.ticket.as_deref().unwrap_or(&template),
                        share: k.rows as f64 / total_rows.max(1) as f64,
                        handle_ms: (k.handle_ms_sum + (k.rows - k.handled) as f64 * handle.mean())
                            / k.rows.max(1) as f64,
                    })
                    .collect()
            } else {
                vec![Sent { ticket: &template, share: 1.0, handle_ms: handle.mean() }]
            };
            // Tiers the policy escalates waiting tickets out of by itself
            // (`routing.escalation`): the tier after must be able to take them.
            let escalates = |name: &str| policy.source().routing.escalation.iter().any(|e| e.tier == name);
            // The share of its tickets reaching each tier (by `resolve`;
            // the policy's escalation, on waiting, is not counted), and the
            // work they bring there.
            let mut reach = 1.0;
            let mut stream_demand = Vec::new();
            for (k, t) in tiers.iter().enumerate().skip(tier) {
                reached[k] = true;
                // The staffed teams that can take them in this tier.
                let able: Vec<usize> = (0..scenario.teams.len())
                    .filter(|&i| team_takes(&scenario.teams[i], &t.name, s.channel, &s.skills, s.language.as_ref()))
                    .collect();
                // Each kind of ticket the stream sends (recorded rows may ask
                // for another channel or other skills): the teams taking it
                // here are needed; at the first tier, rows nobody takes are
                // told, in one warning.
                let mut untaken: Option<(usize, &Ticket)> = None;
                for kind in &kinds {
                    let mut taken = false;
                    let ticket = kind.ticket;
                    let mut demand =
                        Demand { tier: k, channel: ticket.channel, agent_ms: 0.0, teams: Vec::new(), impatient: true };
                    let mut capacity = 0u8;
                    for (i, team) in scenario.teams.iter().enumerate() {
                        if team_takes(team, &t.name, ticket.channel, &ticket.skills, ticket.language.as_ref()) {
                            needed[i] = true;
                            taken = true;
                            demand.teams.push(i);
                            capacity = capacity.max(channel_capacity(team, ticket.channel));
                        }
                    }
                    // Agent time per ticket the stream sends, in ms.
                    let handle_ms =
                        if k == tier { kind.handle_ms } else { t.handle.as_ref().unwrap_or(&handle).mean() };
                    if capacity > 0 {
                        demand.agent_ms = reach * kind.share * handle_ms / f64::from(capacity);
                        demand.impatient = s.patience.is_none() || k > tier;
                        stream_demand.push(demand);
                    }
                    if !taken && k == tier && recorded {
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        let n = (kind.share * total_rows as f64).round() as usize;
                        untaken = Some((untaken.map_or(0, |(m, _)| m) + n, untaken.map_or(kind.ticket, |(_, t)| t)));
                    }
                }
                if let Some((n, example)) = untaken {
                    warnings.push(Problem::new(
                        ErrorKind::InvalidValue,
                        format!("{path}.{}", if s.arrivals.is_some() { "arrivals" } else { "recorded" }),
                        format!(
                            "{n} of the {total_rows} recorded arrivals no team with agents takes in tier {} (e.g. by \
                             {}{}): they will wait until the run ends",
                            t.name,
                            example.channel,
                            if example.skills.is_empty() {
                                String::new()
                            } else {
                                format!(" needing {}", levels(&example.skills))
                            },
                        ),
                    ));
                }
                for &i in &able {
                    needed[i] = true;
                }
                let staffed = !able.is_empty();
                let first = k == tier;
                if first {
                    first_teams.push(able.clone());
                }
                if !staffed {
                    let msg = format!(
                        "no team with agents can take these tickets in tier {}: it needs {} agents{}{}, with capacity for {}",
                        t.name,
                        t.name,
                        if s.skills.is_empty() { String::new() } else { format!(" with {}", levels(&s.skills)) },
                        s.language.as_ref().map_or(String::new(), |l| format!(", speaking {l}")),
                        s.channel,
                    );
                    if first {
                        problems.push(Problem::new(ErrorKind::InvalidValue, path.clone(), msg));
                    } else if tiers[k - 1].resolve < 1.0 || escalates(&tiers[k - 1].name) {
                        warnings.push(Problem::new(
                            ErrorKind::InvalidValue,
                            path.clone(),
                            format!("{msg}; escalated tickets will wait until the run ends"),
                        ));
                    }
                } else if s.confidential > 0.0 && !able.iter().any(|&i| scenario.teams[i].clearance) {
                    warnings.push(Problem::new(
                        ErrorKind::InvalidValue,
                        format!("{path}.confidential"),
                        format!(
                            "no team in tier {} that takes this stream has clearance: confidential tickets will wait",
                            t.name
                        ),
                    ));
                }
                if t.resolve >= 1.0 && !escalates(&t.name) {
                    break;
                }
                reach *= 1.0 - t.resolve;
            }
            demands.push(stream_demand);
            streams.push(StreamPlan {
                name: s.name.clone(),
                arrivals,
                handle,
                patience,
                template,
                confidential: s.confidential,
                priority,
                tier,
            });
        }
        // Tiers the policy escalates waiting tickets out of by itself
        // (`routing.escalation`) into one the scenario's tiers leave out.
        for t in tiers.iter().zip(&reached).filter(|(_, r)| **r).map(|(t, _)| t) {
            if !policy.source().routing.escalation.iter().any(|e| e.tier == t.name) {
                continue;
            }
            let next = policy_tiers.iter().position(|x| *x == t.name).and_then(|p| policy_tiers.get(p + 1));
            if let Some(next) = next
                && !tiers.iter().any(|x| x.name == *next)
            {
                warnings.push(Problem::new(
                    ErrorKind::InvalidValue,
                    "tiers",
                    format!(
                        "the policy escalates tickets waiting in {} to {next} (`routing.escalation`), which the \
                         scenario's tiers leave out: they are counted in {} and wait for an agent of {next}",
                        t.name, t.name
                    ),
                ));
            }
        }
        // A team no stream's tickets reach in a tier they pass through, by
        // channel, skills and language (unless the policy relaxes those as
        // tickets wait).
        if policy.source().routing.relaxation.is_empty() {
            for (i, team) in scenario.teams.iter().enumerate() {
                if !needed[i] && team.agents > 0 && tier_index(&team.tier).is_some() {
                    warnings.push(Problem::new(
                        ErrorKind::InvalidValue,
                        format!("teams[{i}]"),
                        format!(
                            "no stream's tickets reach team \"{}\" (its tier, channels, skills and languages): it gets \
                             no work",
                            team.name
                        ),
                    ));
                }
            }
        }
        // How many tickets a replication makes, and until when it runs: both
        // bounded (a rate of a billion an hour for a week would fill the
        // memory before any result), and the run's end, drained, within the
        // years calendars support.
        let per_hour: f64 = streams.iter().map(|s| s.arrivals.mean_per_hour()).sum();
        #[allow(clippy::cast_precision_loss)]
        let expected = match (stop_ms, run.arrivals) {
            (_, Some(n)) => n as f64,
            (Some(stop), None) => per_hour * (stop - start_ms) as f64 / 3_600_000.0,
            (None, None) => 0.0,
        };
        // Without a stream that passed its checks there is nothing to time.
        let expected = if per_hour > 0.0 || stop_ms.is_some() { expected } else { 0.0 };
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        if expected > MAX_ARRIVALS as f64 {
            problems.push(Problem::new(
                ErrorKind::TooLarge,
                if run.arrivals.is_some() { "run.arrivals" } else { "run.duration" },
                format!(
                    "about {} tickets per replication; the limit is {MAX_ARRIVALS}: shorten the run or lower the rates",
                    expected.min(1e19) as u64
                ),
            ));
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
        let arrivals_end = stop_ms.unwrap_or_else(|| {
            let recorded = streams
                .iter()
                .filter_map(|s| match &s.arrivals {
                    ArrivalPlan::Recorded(rows) => rows.last().map(|r| r.at_ms),
                    ArrivalPlan::Poisson(_) => None,
                })
                .max()
                .unwrap_or(start_ms);
            // Uncapped (saturating): a slow stream's arrivals may run for
            // centuries, past the years calendars cover.
            let hours = expected / per_hour.max(1e-9);
            recorded.max(start_ms.saturating_add((hours * 3_600_000.0).min(9e18) as i64))
        });
        let last_ms = arrivals_end.saturating_add(drain_ms);
        let out_of_years = !crate::calendar::in_range(last_ms.saturating_add(crate::time::DAY_MS))
            || !crate::calendar::in_range(start_ms.saturating_sub(crate::time::DAY_MS));
        if out_of_years && !problems.iter().any(|p| p.path() == "run.start") {
            problems.push(Problem::new(
                ErrorKind::OutOfRange,
                "run.start",
                format!(
                    "the run, from {} to about {} with its drain, must stay a day inside the years {}-{} \
                     that shift and business calendars cover",
                    crate::time::from_ms(start_ms),
                    crate::time::from_ms(last_ms),
                    crate::MIN_YEAR,
                    crate::MAX_YEAR
                ),
            ));
        }
        #[allow(clippy::cast_possible_wrap)]
        if arrivals_end - start_ms > super::run::MAX_SLOTS as i64 * super::run::SLOT_MS {
            warnings.push(Problem::new(
                ErrorKind::InvalidValue,
                if stop_ms.is_some() { "run.duration" } else { "run.arrivals" },
                "the run lasts over a year: the 15-minute series (and the report's days) cover its first year only",
            ));
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }

        // The roster, sized once: a desk of thousands of agents would
        // otherwise copy it (some 200 bytes an agent) each time it grows.
        let agents = usize::try_from(total_agents).unwrap_or(0);
        let mut roster = Vec::with_capacity(agents);
        let mut agent_team = Vec::with_capacity(agents);
        let mut teams = Vec::new();
        for (i, team) in scenario.teams.iter().enumerate() {
            let width = team.agents.to_string().len().max(3);
            let shift = team_calendar_names[i].clone().map(ShiftSpec::Calendar);
            let calendar = team_calendar_names[i].as_ref().and_then(|n| compiled.calendar(n).cloned());
            let mut base: AgentSpec = AgentSpec {
                id: String::new(),
                name: None,
                tier: team.tier.clone(),
                skills: team.skills.clone(),
                languages: team.languages.clone(),
                clearance: team.clearance,
                shift,
                capacity: BTreeMap::new(),
            };
            base.capacity = team.capacity.clone().unwrap_or_else(crate::agent::default_capacity);
            let mut digits = itoa::Buffer::new();
            for n in 1..=team.agents {
                let mut a = base.clone();
                // `{team}-{n:0width$}`, without the formatting machinery
                // (a desk of thousands of agents is planned for every run).
                let n = digits.format(n);
                let mut id = String::with_capacity(team.name.len() + 1 + width);
                id.push_str(&team.name);
                id.push('-');
                id.extend(std::iter::repeat_n('0', width.saturating_sub(n.len())));
                id.push_str(n);
                a.id = id;
                roster.push(a);
                agent_team.push(i);
            }
            teams.push(TeamPlan {
                name: team.name.clone(),
                agents: team.agents,
                tier: tier_index(&team.tier),
                calendar,
            });
        }

        // Shifts: a stream none of whose teams is on duty while its tickets
        // arrive, checked in 15-minute steps in which it sends tickets
        // (rate above 0, or a recorded row) over the arrival window, a week
        // at most: the run's duration, or the steps until the expected
        // arrivals reach `run.arrivals` at the rates of each step.
        const STEP: i64 = 15 * 60_000;
        let week_end = start_ms + 7 * crate::time::DAY_MS;
        let sends = |s: &StreamPlan, at: i64| -> f64 {
            match &s.arrivals {
                #[allow(clippy::cast_precision_loss)]
                ArrivalPlan::Poisson(rate) => rate.piece(at).0 * STEP as f64,
                ArrivalPlan::Recorded(rows) => {
                    let from = rows.partition_point(|r| r.at_ms < at);
                    let to = rows.partition_point(|r| r.at_ms < at + STEP);
                    #[allow(clippy::cast_precision_loss)]
                    let n = (to - from) as f64;
                    n
                }
            }
        };
        let shift_end = match (stop_ms, run.arrivals) {
            (Some(stop), _) => stop.min(week_end),
            #[allow(clippy::cast_precision_loss)]
            (None, Some(n)) => {
                let (mut at, mut expected) = (start_ms, 0.0);
                while at < week_end && expected < n as f64 {
                    expected += streams.iter().map(|s| sends(s, at)).sum::<f64>();
                    at += STEP;
                }
                at
            }
            (None, None) => arrivals_end.min(week_end),
        };
        for (i, s) in streams.iter().enumerate() {
            let Some(able) = first_teams.get(i) else { continue };
            let on_duty = |at: i64| {
                able.iter().any(|&t| {
                    teams[t].calendar.as_ref().is_none_or(|c| c.is_open(crate::time::from_ms(at)).unwrap_or(false))
                })
            };
            let mut at = start_ms;
            let mut covered = able.is_empty();
            while !covered && at < shift_end.max(start_ms + STEP) {
                covered = sends(s, at) > 0.0 && on_duty(at);
                at += STEP;
            }
            if !covered {
                warnings.push(Problem::new(
                    ErrorKind::InvalidValue,
                    format!("streams[{i}]"),
                    format!(
                        "no team that takes these tickets in tier {} is on shift while they arrive ({} to about {}): \
                         they wait for the first shift",
                        tiers[s.tier].name,
                        crate::time::from_ms(start_ms),
                        crate::time::from_ms(shift_end)
                    ),
                ));
            }
        }

        // Work against agents while tickets arrive (the first week at most),
        // pooled by tier and channel: each item takes 1/capacity of an agent
        // for its handling time, later tiers get the share earlier ones do
        // not resolve, and the agents counted are those of the teams taking
        // the pool's tickets. More work than they can do on average while
        // some of it comes from callers who never hang up, and the backlog
        // grows as long as tickets arrive.
        let window = (shift_end - start_ms).max(STEP);
        let duty: Vec<f64> = teams
            .iter()
            .map(|t| match &t.calendar {
                None => 1.0,
                #[allow(clippy::cast_precision_loss)]
                Some(c) => c
                    .between(crate::time::from_ms(start_ms), crate::time::from_ms(start_ms + window))
                    .map_or(1.0, |d| crate::time::duration_ms(d) as f64 / window as f64),
            })
            .collect();
        // Each stream's tickets per ms, on average over the window.
        let per_ms: Vec<f64> = streams
            .iter()
            .map(|s| {
                let mut sent = 0.0;
                let mut at = start_ms;
                while at < start_ms + window {
                    sent += sends(s, at);
                    at += STEP;
                }
                #[allow(clippy::cast_precision_loss)]
                let per_ms = sent / window as f64;
                per_ms
            })
            .collect();
        let mut pooled: Vec<(usize, Channel)> = Vec::new();
        for d in demands.iter().flatten() {
            let pool = (d.tier, d.channel);
            if pooled.contains(&pool) {
                continue;
            }
            pooled.push(pool);
            // Its work (in agents busy all the time), whether some comes
            // from callers who never hang up, and the agents taking it.
            let (mut work, mut impatient, mut takers) = (0.0, false, vec![false; teams.len()]);
            for (rate, e) in demands.iter().zip(&per_ms).flat_map(|(ds, r)| ds.iter().map(move |e| (r, e))) {
                if (e.tier, e.channel) == pool {
                    work += rate * e.agent_ms;
                    impatient |= e.impatient;
                    for &t in &e.teams {
                        takers[t] = true;
                    }
                }
            }
            let on_duty: f64 =
                (0..teams.len()).filter(|&t| takers[t]).map(|t| f64::from(teams[t].agents) * duty[t]).sum();
            // Nobody on duty where tickets start is the shift check's.
            let first = streams.iter().any(|s| s.tier == d.tier);
            if !impatient || work <= on_duty * 1.001 + 0.05 || (on_duty < 0.05 && first) {
                continue;
            }
            warnings.push(Problem::new(
                ErrorKind::InvalidValue,
                "teams",
                format!(
                    "tier {} gets {} work for about {:.1} agents busy all the time while tickets arrive, and {:.1} \
                     who take it are on duty on average then: its backlog grows as long as they arrive",
                    tiers[d.tier].name, d.channel, work, on_duty
                ),
            ));
        }

        Ok(Plan {
            start_ms,
            stop_ms,
            max_arrivals: run.arrivals,
            seed: run.seed,
            drain_ms,
            within_ms,
            streams,
            teams,
            tiers,
            priorities,
            roster: roster.into(),
            agent_team,
            sla: compiled.sla_rule_count() > 0,
            policy: compiled,
            warnings,
            max_outstanding: super::run::MAX_OUTSTANDING,
        })
    }
}
