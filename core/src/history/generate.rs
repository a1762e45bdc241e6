//! A realistic synthetic history: a month of a follow-the-sun desk in three
//! regions, with daily and weekly seasonality, a Monday peak, an incident
//! burst and public holidays, routed by a policy so the history records what
//! that policy decided.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::replay::{WorkModel, record_with_model, unit};
use super::{History, Record};
use crate::agent::AgentSpec;
use crate::error::{Error, ErrorKind};
use crate::event::{Event, EventKind};
use crate::policy::CompiledPolicy;
use crate::ticket::Ticket;

/// What desk to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct DeskSpec {
    /// Agents on the roster (split over Manila, Madrid and Bogotá; 70% L1,
    /// 22% L2, the rest L3).
    pub agents: u32,
    /// The first day (UTC midnight of this date).
    pub start: Date,
    /// Days to generate.
    pub days: u32,
    /// Tickets on an ordinary Wednesday, over the three regions (default: 40
    /// per agent).
    pub tickets_per_day: Option<u32>,
    /// The seed: the same spec and seed give the same history.
    pub seed: u64,
}

impl Default for DeskSpec {
    fn default() -> Self {
        DeskSpec { agents: 200, start: jiff::civil::date(2026, 3, 2), days: 28, tickets_per_day: None, seed: 7 }
    }
}

/// Most agents and days a generated desk may have.
pub const MAX_GENERATED_AGENTS: u32 = 5_000;
/// Most days.
pub const MAX_GENERATED_DAYS: u32 = 366;
/// Most tickets over all days: with their assignments and handling, about as
/// many records as a replay reads ([`super::MAX_HISTORY_RECORDS`]).
pub const MAX_GENERATED_TICKETS: u64 = 4_000_000;

struct Region {
    prefix: &'static str,
    zone: &'static str,
    /// Ticket languages with their shares; agents speak all of them.
    languages: &'static [(&'static str, f64)],
    /// 2026 public holidays (synthetic data: close to the real calendars).
    holidays: &'static [&'static str],
}

const REGIONS: [Region; 3] = [
    Region {
        prefix: "mnl",
        zone: "Asia/Manila",
        languages: &[("en", 0.85), ("tl", 0.15)],
        holidays: &["2026-01-01", "2026-04-02", "2026-04-03", "2026-04-09", "2026-05-01", "2026-06-12", "2026-12-25"],
    },
    Region {
        prefix: "mad",
        zone: "Europe/Madrid",
        languages: &[("es", 0.7), ("en", 0.3)],
        holidays: &["2026-01-01", "2026-01-06", "2026-03-19", "2026-04-02", "2026-04-03", "2026-05-01", "2026-12-25"],
    },
    Region {
        prefix: "bog",
        zone: "America/Bogota",
        languages: &[("es", 0.8), ("en", 0.2)],
        holidays: &["2026-01-01", "2026-01-12", "2026-03-23", "2026-04-02", "2026-04-03", "2026-05-01", "2026-12-25"],
    },
];

/// Arrivals by local hour, relative to the peak.
const HOURLY: [f64; 24] = [
    0.05, 0.03, 0.02, 0.02, 0.03, 0.06, 0.15, 0.45, 0.85, 1.0, 1.0, 0.95, 0.8, 0.9, 1.0, 0.95, 0.85, 0.6, 0.35, 0.2,
    0.12, 0.08, 0.06, 0.05,
];
const SKILLS: [&str; 5] = ["access", "software", "network", "hardware", "security"];
const CATEGORIES: [&str; 5] = ["access", "software", "network", "hardware", "security"];

fn day_factor(day: Weekday) -> f64 {
    match day {
        Weekday::Monday => 1.3,
        Weekday::Tuesday => 1.1,
        Weekday::Wednesday | Weekday::Thursday => 1.0,
        Weekday::Friday => 0.9,
        Weekday::Saturday => 0.2,
        Weekday::Sunday => 0.15,
    }
}

/// A sequential stream of uniform draws.
struct Draws {
    seed: u64,
    n: u64,
    stream: u64,
}

impl Draws {
    fn next(&mut self) -> f64 {
        self.n += 1;
        unit(self.seed, self.stream, self.n, 0x5eed)
    }

    fn pick<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let mut u = self.next();
        for (item, share) in items {
            if u < *share {
                return item;
            }
            u -= share;
        }
        &items[items.len() - 1].0
    }

    fn below(&mut self, n: usize) -> usize {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let i = (self.next() * n as f64) as usize;
        i.min(n.saturating_sub(1))
    }
}

fn roster(spec: &DeskSpec, draws: &mut Draws) -> Result<Vec<AgentSpec>, Error> {
    let mut roster = Vec::new();
    let shifts = ["07:00-16:00", "09:00-18:00", "11:00-20:00"];
    for i in 0..spec.agents {
        let region = &REGIONS[(i % 3) as usize];
        let n = i / 3;
        let per_region = spec.agents.div_ceil(3);
        // 70% L1, 22% L2, the rest L3, by position in the region.
        #[allow(clippy::cast_precision_loss)]
        let place = f64::from(n) / f64::from(per_region.max(1));
        let tier = if place < 0.7 {
            1
        } else if place < 0.92 {
            2
        } else {
            3
        };
        let (low, high) = [(1, 3), (2, 4), (3, 5)][tier - 1];
        let skills: serde_json::Map<String, serde_json::Value> = SKILLS
            .iter()
            .map(|s| {
                let level = low + draws.below(high - low + 1);
                ((*s).to_owned(), json!(level))
            })
            .collect();
        let clearance = tier == 3 || draws.next() < if tier == 2 { 0.4 } else { 0.15 };
        let hours = if tier == 1 && n % 10 == 9 {
            // Weekend crew.
            json!({"sat": "09:00-18:00", "sun": "09:00-18:00", "mon": "09:00-18:00", "tue": "09:00-18:00", "wed": "09:00-18:00"})
        } else {
            json!({"weekdays": shifts[(n % 3) as usize]})
        };
        let languages: Vec<&str> = region.languages.iter().map(|(l, _)| *l).collect();
        let value = json!({
            "id": format!("{}-{:03}", region.prefix, n + 1),
            "tier": format!("L{tier}"),
            "skills": skills,
            "languages": languages,
            "clearance": clearance,
            "shift": {"timezone": region.zone, "hours": hours, "holidays": region.holidays},
            "capacity": {"phone": 1, "chat": 3, "email": 6},
        });
        let agent: AgentSpec = serde_json::from_value(value)
            .map_err(|e| Error::new(ErrorKind::InvalidValue, "roster", format!("generated agent: {e}")))?;
        roster.push(agent);
    }
    Ok(roster)
}

/// Generates a history for `spec`, routed by `policy` (its tiers should be
/// `L1`, `L2`, `L3`...; the global desk example is a good fit).
///
/// ```
/// use tierwise::history::{DeskSpec, History, generate};
/// let policy = tierwise::Policy::from_toml_str("version = 1")?.compile()?;
/// let spec = DeskSpec { agents: 12, days: 2, ..DeskSpec::default() };
/// let history = generate(&spec, &policy)?;
/// assert_eq!(history.roster.len(), 12);
/// let text = history.to_jsonl_string();
/// assert_eq!(History::from_jsonl_str(&text)?, history);
/// # Ok::<(), tierwise::Error>(())
/// ```
///
/// # Errors
/// A spec out of bounds (no agents, more than [`MAX_GENERATED_AGENTS`], no
/// days or more than [`MAX_GENERATED_DAYS`], more than
/// [`MAX_GENERATED_TICKETS`] tickets in all), or a policy that cannot route
/// the desk.
pub fn generate(spec: &DeskSpec, policy: &CompiledPolicy) -> Result<History, Error> {
    if spec.agents == 0 || spec.agents > MAX_GENERATED_AGENTS {
        return Err(Error::new(ErrorKind::InvalidValue, "agents", format!("must be 1 to {MAX_GENERATED_AGENTS}")));
    }
    if spec.days == 0 || spec.days > MAX_GENERATED_DAYS {
        return Err(Error::new(ErrorKind::InvalidValue, "days", format!("must be 1 to {MAX_GENERATED_DAYS}")));
    }
    let per_day = spec.tickets_per_day.unwrap_or(spec.agents.saturating_mul(40));
    let tickets = u64::from(per_day) * u64::from(spec.days);
    if tickets > MAX_GENERATED_TICKETS {
        let path = if spec.tickets_per_day.is_some() { "tickets_per_day" } else { "agents" };
        let message = format!(
            "{per_day} tickets a day for {} days is {tickets} tickets; the limit is {MAX_GENERATED_TICKETS} \
             (about what a replay reads)",
            spec.days
        );
        return Err(Error::new(ErrorKind::TooLarge, path, message));
    }
    let start = spec
        .start
        .to_zoned_datetime(TimeZone::UTC)
        .map_err(|e| Error::new(ErrorKind::InvalidValue, "start", e.to_string()))?
        .timestamp();
    // Every day within the years calendars answer for (shifts, SLA clocks).
    let start_ms = crate::time::to_ms(start);
    if !crate::calendar::in_range(start_ms) || !crate::calendar::in_range(start_ms + i64::from(spec.days) * 86_400_000)
    {
        return Err(Error::new(
            ErrorKind::OutOfRange,
            "start",
            format!("the days generated must lie within the years {} to {}", crate::MIN_YEAR, crate::MAX_YEAR),
        ));
    }
    let mut draws = Draws { seed: spec.seed, n: 0, stream: 1 };
    let roster = roster(spec, &mut draws)?;
    let mut inputs: Vec<Record> = roster
        .iter()
        .map(|a| Record::Input(Event::new(start, EventKind::AgentLoggedIn { agent: a.id.clone() })))
        .collect();
    absences(spec, &roster, start, &mut inputs);
    arrivals(spec, start, &mut inputs)?;
    let history = History { roster, records: sorted(inputs) };
    let model = WorkModel {
        mean_ms: [6.0, 10.0, 10.0, 10.0, 15.0, 15.0, 10.0].map(|minutes| minutes * 60_000.0),
        tier_factor: vec![1.0, 1.6, 2.2, 2.5],
        resolve: vec![0.743, 0.8, 1.0, 1.0],
        seed: spec.seed ^ 0x00C0_FFEE,
    };
    let outputs = record_with_model(&history, policy, &model)?;
    let History { roster, records } = history;
    let mut records = records;
    records.extend(outputs);
    Ok(History { roster, records: sorted(records) })
}

/// Sorts records by time, ties in their current order.
fn sorted(mut records: Vec<Record>) -> Vec<Record> {
    records.sort_by_key(Record::at);
    records
}

/// About 3% of agent-days off: logged out for the day.
fn absences(spec: &DeskSpec, roster: &[AgentSpec], start: Timestamp, out: &mut Vec<Record>) {
    let mut draws = Draws { seed: spec.seed, n: 0, stream: 2 };
    for day in 1..spec.days {
        let from = start + SignedDuration::from_hours(i64::from(day) * 24);
        let to = from + SignedDuration::from_hours(24);
        for agent in roster {
            if draws.next() < 0.03 {
                out.push(Record::Input(Event::new(from, EventKind::AgentLoggedOut { agent: agent.id.clone() })));
                out.push(Record::Input(Event::new(to, EventKind::AgentLoggedIn { agent: agent.id.clone() })));
            }
        }
    }
}

fn arrivals(spec: &DeskSpec, start: Timestamp, out: &mut Vec<Record>) -> Result<(), Error> {
    let per_day = f64::from(spec.tickets_per_day.unwrap_or(spec.agents.saturating_mul(40)));
    let hourly_sum: f64 = HOURLY.iter().sum();
    let mut draws = Draws { seed: spec.seed, n: 0, stream: 3 };
    let mut number = 0u64;
    let hours = i64::from(spec.days) * 24;
    // The incident: two hours of outage calls on the second Tuesday afternoon.
    let incident = (8 * 24 + 14, 8 * 24 + 16);
    for (r, region) in REGIONS.iter().enumerate() {
        let zone =
            TimeZone::get(region.zone).map_err(|e| Error::new(ErrorKind::InvalidValue, "zone", e.to_string()))?;
        let base = per_day / 3.0 / hourly_sum;
        for h in 0..hours {
            let hour_start = start + SignedDuration::from_hours(h);
            let local = hour_start.to_zoned_datetime(zone.clone());
            let date = local.date().to_string();
            let holiday = region.holidays.contains(&date.as_str());
            let factor = if holiday { 0.2 } else { day_factor(local.weekday()) };
            let mut rate = base * factor * HOURLY[usize::try_from(local.hour()).unwrap_or(0)];
            let burst = (incident.0..incident.1).contains(&h);
            if burst {
                rate += per_day / 30.0;
            }
            // Poisson arrivals within the hour.
            let mut t = 0.0;
            loop {
                t += -(1.0 - draws.next()).ln() / rate;
                if rate.is_nan() || rate <= 0.0 || t >= 1.0 {
                    break;
                }
                number += 1;
                #[allow(clippy::cast_possible_truncation)]
                let at = hour_start + SignedDuration::from_millis((t * 3_600_000.0) as i64);
                let outage = burst && draws.next() < 0.7;
                let ticket = ticket(&mut draws, number, at, region, outage, r)?;
                out.push(Record::Input(Event::new(
                    at,
                    EventKind::TicketCreated { ticket: Box::new(ticket), tier: None, preferred_agent: None },
                )));
            }
        }
    }
    Ok(())
}

fn ticket(
    draws: &mut Draws,
    number: u64,
    at: Timestamp,
    region: &Region,
    outage: bool,
    r: usize,
) -> Result<Ticket, Error> {
    let levels = [("high", 0.1), ("medium", 0.4), ("low", 0.5)];
    let (category, channel, impact, urgency) = if outage {
        ("network", *draws.pick(&[("phone", 0.6), ("chat", 0.4)]), "high", "high")
    } else {
        (
            CATEGORIES[draws.below(CATEGORIES.len())],
            *draws.pick(&[("phone", 0.3), ("chat", 0.4), ("email", 0.3)]),
            *draws.pick(&levels),
            *draws.pick(&levels),
        )
    };
    let level = *draws.pick(&[(1, 0.7), (2, 0.25), (3, 0.05)]);
    let value = json!({
        "id": format!("T{number:07}-{}", REGIONS[r].prefix),
        "created_at": at,
        "channel": channel,
        "impact": impact,
        "urgency": urgency,
        "category": category,
        "skills": {category: level},
        "language": draws.pick(region.languages),
        "customer_tier": draws.pick(&[("standard", 0.8), ("premium", 0.15), ("vip", 0.05)]),
        "confidential": draws.next() < 0.02,
    });
    serde_json::from_value(value)
        .map_err(|e| Error::new(ErrorKind::InvalidValue, "ticket", format!("generated ticket: {e}")))
}
