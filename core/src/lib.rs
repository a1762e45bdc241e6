//! Tierwise decides who in a support desk gets which ticket, and in what order,
//! and says why.
//!
//! This crate is the pure engine: no I/O, no clock. The host (a helpdesk
//! server, the `tierwise` CLI, Python, a browser) reads files and clocks and
//! hands the engine documents and instants. A few entry points use threads
//! for speed, with the same results as on one: reading JSON lines while
//! routing ([`Engine::apply_json_lines`], [`Engine::route_json_lines`]), and
//! rayon's pool for simulation replications, history reading and replay.
//!
//! # A 30-second tour
//! ```
//! use tierwise::{Policy, Ticket};
//!
//! // A policy: ITIL impact x urgency matrix (default 3x3 -> P1..P5), a VIP
//! // bump, and SLA targets in the business hours of a Madrid office.
//! let policy = Policy::from_toml_str(r#"
//!     version = 1
//!     [calendars.madrid]
//!     timezone = "Europe/Madrid"
//!     hours = { weekdays = ["09:00-14:00", "15:00-18:00"] }
//!     holidays = ["2026-03-19"]
//!     [[priority.overrides]]
//!     when = { customer_tier = "vip" }
//!     raise = 1
//!     [[sla.policies]]
//!     when = { priority = ["P1", "P2"] }
//!     calendar = "madrid"
//!     first_response = "1h"
//!     resolution = "8h"
//! "#)?.compile()?;
//!
//! // A ticket that arrived on a Friday evening, triaged a little later.
//! let ticket = Ticket::from_json_str(r#"{
//!     "id": "INC-42", "created_at": "2026-03-20T16:30:00Z", "channel": "email",
//!     "impact": "medium", "urgency": "medium", "customer_tier": "vip"
//! }"#)?;
//! let triage = policy.triage(&ticket, "2026-03-20T16:45:00Z".parse()?)?;
//!
//! assert_eq!(triage.priority, "P2"); // P3 from the matrix, raised for the VIP
//! // 17:30 local on Friday: 30 business minutes left that day, the other 30 on Monday.
//! let first_response = &triage.deadlines[0];
//! assert_eq!(first_response.due.unwrap().to_string(), "2026-03-23T08:30:00Z");
//! for step in &triage.priority_steps {
//!     println!("{}: {}", step.source, step.detail);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Shape
//! - [`Policy`] is the one document format (JSON, TOML, YAML, or Rust values);
//!   [`Policy::compile`] checks it once, reporting every problem with its field
//!   path, into a [`CompiledPolicy`].
//! - [`CompiledPolicy::triage`] answers for one ticket at one instant:
//!   priority and why, urgency score and why, SLA deadlines, breach warnings and
//!   the next instant anything changes.
//! - [`Calendar`] does business-time arithmetic in IANA zones across DST.
//! - [`Error`] is the one error type: a stable [`ErrorKind::code`] and a field
//!   path for every problem.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod agent;
mod calendar;
mod compact_sort;
mod engine;
mod error;
mod event;
mod hash;
pub mod history;
pub mod policy;
mod prefetch;
mod priority;
mod queue;
mod routing;
pub mod sim;
mod sla;
pub mod staffing;
mod ticket;
mod time;
mod triage;

pub use agent::{AgentSpec, ShiftSpec, parse_roster};
pub use calendar::{ALWAYS_OPEN, Calendar, Holiday, LocalInterval, MAX_YEAR, MIN_YEAR, WeeklyHours};
#[cfg(not(target_arch = "wasm32"))]
pub use engine::LinesStopped;
pub use engine::{Candidate, CoverageGap, CoverageReport, Engine, EngineStats, MAX_SNAPSHOT_BYTES, Preview, Snapshot};
pub use error::{Error, ErrorKind, Problem};
pub use event::{
    Decision, Event, EventKind, EventParts, MAX_EVENT_BYTES, OfferExplanation, PassedOver, Presence, SkillMatch,
    TicketChanges,
};
pub use policy::{CompiledPolicy, Policy};
pub use priority::{PriorityStep, ScoreTerm, UrgencyKey};
pub use queue::GroupQueues;
pub use sla::{BreachWarning, ClockState, Deadline, Metric};
pub use ticket::{Channel, Ticket, TicketEvent};
pub use time::{format_duration, parse_duration, parse_instant};
pub use triage::{Assessment, Triage};

/// Re-exported so hosts use the same time types as the engine.
pub use jiff;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
