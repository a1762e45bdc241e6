//! The engine: turns timestamped events into routing decisions.
//!
//! # Scheduler
//! Tickets with the same requirements (tier range, channel, language,
//! confidentiality, skills with levels after relaxation) form a *routing
//! group*. Each group keeps two keyed priority queues: its waiting tickets,
//! keyed by the time-invariant [`crate::UrgencyKey`] plus arrival order (all
//! groups' together are a [`GroupQueues`], with a copy of each group's top),
//! and its *ready* agents (able to serve it and free right now), keyed by the
//! routing strategy, in a `ReadyQueue` that finds an agent through a table
//! indexed by roster position rather than a hash (a heap, or under longest
//! idle and round robin a queue kept in order). Every agent lists the groups
//! it can serve.
//! - A ticket arrives: O(log n) to queue it, then its group's best ready agent
//!   is offered it.
//! - An agent becomes free: compare the copies of the tops of the groups it
//!   serves (or of the groups with waiting tickets, if fewer), offer the most
//!   urgent: O(groups served + log n).
//! - An agent becomes free again: O(log n) for each group whose ready queue
//!   dropped it while it was busy (in a queue kept in order, a search from
//!   the back, O(log d) for the d agents offered work since, plus moving
//!   those d entries). Ready queues keep busy agents, and keys from before
//!   an agent's last offers (keys only fall with offers), until they
//!   surface; then they are dropped or filed again. Only a strategy whose key
//!   can rise (most spare capacity) files the agent in every group.
//!
//! Timers (offer expiry, relaxation steps, automatic escalation, SLA warnings,
//! shift changes, wrap-up) sit in one heap ordered by (instant, sequence) and
//! are invalidated lazily by a generation number, so nothing is ever polled.
//! A ticket re-armed for the instant its pending timer already fires keeps
//! that timer, and the heap is swept of stale timers whenever it has doubled
//! since the last sweep.
//!
//! # Determinism
//! No decision depends on hash order: queues are only peeked and popped, keys
//! are total orders ending in a sequence number or roster position, and work
//! lists are sorted before they are processed.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::agent::{AgentSpec, ShiftSpec};
use crate::calendar::Calendar;
use crate::compact_sort;
use crate::error::{Error, ErrorKind, Problem, unknown_name};
use crate::event::{Decision, Event, EventKind, OfferExplanation, PassedOver, Presence, SkillMatch, TicketChanges};
use crate::hash::{FastMap, IdHash, IdKey, IdMap};
use crate::policy::{CompiledPolicy, only_fields, required_field};
use crate::prefetch::prefetch;
#[cfg(not(target_arch = "wasm32"))]
use crate::queue::OrderedQueue;
use crate::queue::{DenseQueue, GroupQueues};
use crate::routing::{RoutingRules, Strategy};
use crate::sla::Metric;
use crate::ticket::{Channel, Ticket, TicketEvent};
use crate::time::{from_ms, to_ms};

#[cfg(not(target_arch = "wasm32"))]
mod json_lines;
mod preview;
#[cfg(not(target_arch = "wasm32"))]
pub use json_lines::LinesStopped;
pub use preview::{Candidate, Preview};

type Lookup<K> = FastMap<K, u32>;

/// A waiting ticket's place in its queue: most urgent is greatest.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct TicketKey {
    points: f64,
    due: i64,
    created: i64,
    seq: u64,
}

impl Eq for TicketKey {}

impl Ord for TicketKey {
    fn cmp(&self, other: &Self) -> Ordering {
        self.points
            .total_cmp(&other.points)
            .then(other.due.cmp(&self.due))
            .then(other.created.cmp(&self.created))
            .then(other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for TicketKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A [`TicketKey`] as the queues hold it: four words that order, as
/// unsigned numbers in turn, as the key does. A heap compares keys at every
/// level it moves through; these comparisons take no float conversions, and
/// the words are read straight from the entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct QueueKey([u64; 4]);

impl From<TicketKey> for QueueKey {
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_wrap)]
    fn from(key: TicketKey) -> QueueKey {
        const SIGN: u64 = 1 << 63;
        // `f64::total_cmp`'s order: negative numbers' other bits flipped,
        // then the sign bit flipped so that the words order as unsigned.
        let bits = key.points.to_bits();
        let points = bits ^ ((((bits as i64) >> 63) as u64) >> 1) ^ SIGN;
        // Sooner is greater, for the instants and the arrival number alike.
        let sooner = |n: i64| !((n as u64) ^ SIGN);
        QueueKey([points, sooner(key.due), sooner(key.created), !key.seq])
    }
}

/// A ready agent's place: strategy components (greater is better), then the
/// earlier roster position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct AgentKey([i64; 4], Reverse<u32>);

/// What a ticket needs from an agent; equal requirements share a group.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
struct Requirements {
    tier_min: u8,
    tier_max: u8,
    channel: Channel,
    language: Option<u32>,
    confidential: bool,
    skills: Vec<(u32, u8)>,
}

#[derive(Clone)]
struct Group {
    req: Requirements,
    ready: ReadyQueue,
}

/// A group's ready agents, best first. With a single strategy key (the
/// usual case: longest idle) only that key is stored, and the agent's roster
/// position, which breaks ties, is the entry's id: a 16-byte entry instead of
/// 48, so the sifts after every offer touch a third of the memory, which at
/// thousands of agents is most of their cost. When that key only falls, with
/// each offer (longest idle, round robin), the agents are kept in order
/// instead of in a heap: an agent offered work is filed again at the back,
/// in O(1) where a heap sifts through every level, and its stale entries in
/// its other groups move from the front to behind the agents offered work
/// since (see `OrderedQueue`). The WebAssembly build, for
/// the small desks a browser previews and under a size budget, keeps whole
/// keys in a heap only (the orders are the same: a property test below holds
/// them equal).
#[derive(Clone, Debug)]
enum ReadyQueue {
    /// The strategy has one key, which only falls with offers; ties go to
    /// the earlier roster position, the entry's id.
    #[cfg(not(target_arch = "wasm32"))]
    Ordered(OrderedQueue),
    /// The strategy has one key (which may rise, or depends on the group);
    /// ties go to the earlier roster position, the entry's id.
    #[cfg(not(target_arch = "wasm32"))]
    Single(DenseQueue<i64>),
    /// Two to four keys: the whole [`AgentKey`].
    Multi(DenseQueue<AgentKey>),
}

impl ReadyQueue {
    /// An empty queue for `strategy`.
    fn new(strategy: &[Strategy]) -> ReadyQueue {
        #[cfg(not(target_arch = "wasm32"))]
        match strategy {
            [Strategy::LongestIdle | Strategy::RoundRobin] => return ReadyQueue::Ordered(OrderedQueue::default()),
            [] | [_] => return ReadyQueue::Single(DenseQueue::default()),
            _ => {}
        }
        let _ = strategy;
        ReadyQueue::Multi(DenseQueue::default())
    }

    // A single key is an `AgentKey` whose other three parts are zero.
    #[cfg(not(target_arch = "wasm32"))]
    fn single(a: u32, key: AgentKey) -> i64 {
        debug_assert_eq!(key.1, Reverse(a), "an agent key names its agent");
        Self::one_key(key)
    }

    /// The one key of a one-key strategy's agent key.
    #[cfg(not(target_arch = "wasm32"))]
    fn one_key(key: AgentKey) -> i64 {
        debug_assert_eq!(&key.0[1..], &[0; 3][..], "a one-key strategy's agent key");
        key.0[0]
    }

    #[cfg(not(target_arch = "wasm32"))]
    fn whole(a: u32, key: i64) -> AgentKey {
        AgentKey([key, 0, 0, 0], Reverse(a))
    }

    fn is_empty(&self) -> bool {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Ordered(q) => q.is_empty(),
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Single(q) => q.is_empty(),
            ReadyQueue::Multi(q) => q.is_empty(),
        }
    }

    fn contains(&self, a: u32) -> bool {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Ordered(q) => q.contains(a),
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Single(q) => q.contains(a),
            ReadyQueue::Multi(q) => q.contains(a),
        }
    }

    fn key_of(&self, a: u32) -> Option<AgentKey> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Ordered(q) => q.key_of(a).map(|k| Self::whole(a, k)),
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Single(q) => q.key_of(a).map(|k| Self::whole(a, k)),
            ReadyQueue::Multi(q) => q.key_of(a),
        }
    }

    fn push(&mut self, a: u32, key: AgentKey) {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Ordered(q) => q.push(a, Self::single(a, key)),
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Single(q) => q.push(a, Self::single(a, key)),
            ReadyQueue::Multi(q) => q.push(a, key),
        }
    }

    /// Files the agent on top under `key` instead, as `push` would.
    fn rekey_top(&mut self, key: AgentKey) {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Ordered(q) => q.rekey_front(Self::one_key(key)),
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Single(q) => q.rekey_top(Self::one_key(key)),
            ReadyQueue::Multi(q) => q.rekey_top(key),
        }
    }

    fn peek(&self) -> Option<(u32, AgentKey)> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Ordered(q) => q.peek().map(|(a, k)| (a, Self::whole(a, k))),
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Single(q) => q.peek().map(|(a, k)| (a, Self::whole(a, k))),
            ReadyQueue::Multi(q) => q.peek(),
        }
    }

    fn pop(&mut self) -> Option<(u32, AgentKey)> {
        match self {
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Ordered(q) => q.pop().map(|(a, k)| (a, Self::whole(a, k))),
            #[cfg(not(target_arch = "wasm32"))]
            ReadyQueue::Single(q) => q.pop().map(|(a, k)| (a, Self::whole(a, k))),
            ReadyQueue::Multi(q) => q.pop(),
        }
    }
}

/// Most boxes of closed tickets kept for reuse ([`Engine::spare_ticket`]).
const SPARE_TICKETS: usize = 64;

/// The expiry of an offer that never expires.
const NEVER: i64 = i64::MAX;

/// Where a ticket is. Snapshots read it through [`StatusFields`]. An offer
/// taken when the event's handling ends ([`Engine::take_offers_at_once`])
/// is `Offered` until then, and `expires` [`NEVER`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub(crate) enum Status {
    Queued,
    Sticky { agent: u32, until: i64 },
    Offered { agent: u32, expires: i64 },
    Assigned { agent: u32 },
    Pending { agent: Option<u32> },
    Handled,
    Resolved,
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StatusName {
    Queued,
    Sticky,
    Offered,
    Assigned,
    Pending,
    Handled,
    Resolved,
}

/// Every field a [`Status`] has, as read (serde's derived reader would
/// buffer the object to find the tag).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusFields {
    status: StatusName,
    agent: Option<u32>,
    until: Option<i64>,
    expires: Option<i64>,
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let StatusFields { status, agent, until, expires } = StatusFields::deserialize(d)?;
        let fields: &'static [&'static str] = match status {
            StatusName::Queued | StatusName::Handled | StatusName::Resolved => &[],
            StatusName::Sticky => &["agent", "until"],
            StatusName::Offered => &["agent", "expires"],
            StatusName::Assigned | StatusName::Pending => &["agent"],
        };
        only_fields([(agent.is_some(), "agent"), (until.is_some(), "until"), (expires.is_some(), "expires")], fields)?;
        Ok(match status {
            StatusName::Queued => Status::Queued,
            StatusName::Sticky => {
                Status::Sticky { agent: required_field(agent, "agent")?, until: required_field(until, "until")? }
            }
            StatusName::Offered => {
                Status::Offered { agent: required_field(agent, "agent")?, expires: required_field(expires, "expires")? }
            }
            StatusName::Assigned => Status::Assigned { agent: required_field(agent, "agent")? },
            // Written with `"agent": null` when nobody holds it.
            StatusName::Pending => Status::Pending { agent },
            StatusName::Handled => Status::Handled,
            StatusName::Resolved => Status::Resolved,
        })
    }
}

/// A value that can be absent, held in the value's own space (an `Option<i64>`
/// takes 16 bytes, this 8): [`Packed::NONE`] is a value never used.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Packed<T: Unused>(T);

/// A type with a value that never occurs, to mark absence in [`Packed`].
trait Unused: Copy + Eq {
    const UNUSED: Self;
}

impl Unused for i64 {
    /// No instant is this far back.
    const UNUSED: i64 = i64::MIN;
}

impl Unused for u32 {
    /// No group or agent has this number.
    const UNUSED: u32 = u32::MAX;
}

impl<T: Unused> Packed<T> {
    const NONE: Packed<T> = Packed(T::UNUSED);

    fn new(value: Option<T>) -> Packed<T> {
        Packed(value.unwrap_or(T::UNUSED))
    }

    fn get(self) -> Option<T> {
        (self.0 != T::UNUSED).then_some(self.0)
    }

    fn take(&mut self) -> Option<T> {
        std::mem::replace(self, Packed::NONE).get()
    }
}

impl<T: Unused> Default for Packed<T> {
    fn default() -> Packed<T> {
        Packed::NONE
    }
}

impl<T: Unused + std::fmt::Debug> std::fmt::Debug for Packed<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// What a slot's [`TicketSlot::channel`] holds between reading a snapshot
/// and restoring from it, which copies the ticket's.
fn channel_until_restored() -> Channel {
    Channel::Phone
}

/// A ticket in the engine. What routing reads on every event is kept small
/// (three cache lines): the ticket itself is boxed, its channel copied out,
/// and optional instants and group numbers are [`Packed`].
#[derive(Clone, Debug, Serialize, Deserialize)]
struct TicketSlot {
    /// Boxed: the slot stays small for what routing reads on every event,
    /// and a new ticket moves in without a copy.
    ticket: Box<Ticket>,
    /// `ticket.channel`, read by every offer and release without touching
    /// the box. Not in snapshots: a restore copies it from the ticket.
    #[serde(skip, default = "channel_until_restored")]
    channel: Channel,
    seq: u64,
    #[serde(skip)]
    key: Option<TicketKey>,
    tier: u8,
    tier_path: Vec<u8>,
    tier_since: i64,
    relax: u8,
    status: Status,
    #[serde(skip)]
    group: Packed<u32>,
    /// The next SLA alert instant as of the last rekey.
    #[serde(skip)]
    next_sla: Packed<i64>,
    /// The group its current requirements map to (reset when they change).
    #[serde(skip)]
    req_group: Packed<u32>,
    /// Its priority class as of the last rekey.
    #[serde(skip)]
    class: u8,
    /// Its SLA due instants (first response, next reply, resolution) as of
    /// the last rekey.
    #[serde(skip)]
    due: [Packed<i64>; 3],
    skip: Vec<(u32, i64)>,
    preferred: Option<u32>,
    generation: u32,
    /// When its live timer (of this generation) fires, if one is pending:
    /// re-arming for the same instant keeps that timer instead of leaving a
    /// stale one behind in the heap.
    #[serde(skip)]
    armed: Packed<i64>,
    /// Per clock (first response, next reply, resolution), the highest SLA
    /// alert told, as an [`alert_step`]: a `warn_at` fraction, the breach,
    /// or 0 for none. Each alert of a clock is told once, however often it
    /// is passed again (a timer firing twice at one instant, a
    /// reclassification down and up, a reopening, a reload); the next reply
    /// clock's is cleared when a new cycle starts. [`TOLD_UNKNOWN`] in a
    /// snapshot written before it was kept: restored as what the ticket has
    /// passed.
    #[serde(default = "told_unknown")]
    told: [u16; 3],
}

/// `TicketSlot::told` of a snapshot written before it was kept.
const TOLD_UNKNOWN: u16 = u16::MAX;

/// The error for a ticket id that names no open ticket.
fn unknown_ticket(id: &str) -> Error {
    Error::new(ErrorKind::UnknownName, "ticket", format!("unknown ticket \"{id}\""))
}

fn told_unknown() -> [u16; 3] {
    [TOLD_UNKNOWN; 3]
}

/// An SLA alert's fraction of its target as `TicketSlot::told` keeps it: in
/// ten-thousandths, the breach (1.0) the top step. Policies keep `warn_at`
/// fractions from 0.0001 to 0.9999, each at least 0.0001 from the others,
/// so each has a step of its own above 0 and below the breach. (Two bytes,
/// not eight: the slot stays within the cache lines the simulation
/// prefetches.)
fn alert_step(fraction: f64) -> u16 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let step = (fraction.clamp(0.0, 1.0) * 10_000.0).round() as u16;
    step
}

impl TicketSlot {
    /// A new slot for `ticket`, of generation 0, to be [started](TicketSlot::start).
    fn vacant(ticket: Box<Ticket>) -> TicketSlot {
        TicketSlot {
            channel: ticket.channel,
            ticket,
            seq: 0,
            key: None,
            tier: 0,
            tier_path: Vec::new(),
            tier_since: 0,
            relax: 0,
            status: Status::Handled,
            group: Packed::NONE,
            next_sla: Packed::NONE,
            req_group: Packed::NONE,
            class: 0,
            due: [Packed::NONE; 3],
            skip: Vec::new(),
            preferred: None,
            generation: 0,
            armed: Packed::NONE,
            told: [0; 3],
        }
    }

    /// Starts the life of the ticket the slot holds (new, or moved into a
    /// freed slot, whose lists are emptied and reused): its `seq`-th
    /// arrival, in `tier` since `now`, as `assessment` assessed it. Each
    /// field is set where it lies; building a slot and moving it in copied
    /// its 200 bytes, twice. (Fields named one by one, so that a field
    /// added later must be started here too.)
    fn start(
        &mut self,
        seq: u64,
        tier: u8,
        now: i64,
        assessment: &crate::triage::Assessment,
        preferred_agent: Option<u32>,
    ) {
        let TicketSlot {
            ticket,
            channel,
            seq: slot_seq,
            key,
            tier: slot_tier,
            tier_path,
            tier_since,
            relax,
            status,
            group,
            next_sla,
            req_group,
            class,
            due,
            skip,
            preferred,
            // Set by the caller: 0 for a new slot, one more on reuse.
            generation: _,
            armed,
            told,
        } = self;
        *channel = ticket.channel;
        *slot_seq = seq;
        *key = Some(TicketKey {
            points: assessment.key.points,
            due: assessment.key.due_ms,
            created: assessment.key.created_ms,
            seq,
        });
        *slot_tier = tier;
        tier_path.clear();
        tier_path.push(tier);
        *tier_since = now;
        *relax = 0;
        *status = Status::Handled;
        *group = Packed::NONE;
        *next_sla = Packed::new(assessment.next_change.map(to_ms));
        *req_group = Packed::NONE;
        *class = u8::try_from(assessment.class).unwrap_or(u8::MAX);
        *due = assessment.due.map(|d| Packed::new(d.map(to_ms)));
        skip.clear();
        *preferred = preferred_agent;
        *armed = Packed::NONE;
        *told = [0; 3];
    }

    /// Whether this slot holds, still open, the ticket `h` names (a closed
    /// ticket's slot has no key; a reused one, another arrival number).
    fn holds(&self, h: TicketHandle) -> bool {
        self.key.is_some_and(|key| key.seq == h.seq)
    }

    /// Makes its pending timer, if any, stale.
    fn disarm(&mut self) {
        self.generation += 1;
        self.armed = Packed::NONE;
    }
}

/// An agent in the engine. Laid out by hand, a cache line to a part: the
/// first holds what deciding whether it can take work and filing it as ready
/// read (load and capacity, state, its idle key, the groups it is missing
/// from), the second the groups it serves and its skills (an offer's
/// explanation), the rest its languages and what only fairness caps, shift
/// changes and sticky tickets read. Snapshots keep the fields they hold in the same
/// order as before the layout.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[repr(C, align(64))]
struct AgentSlot {
    #[serde(skip)]
    capacity: [u8; 7],
    #[serde(skip)]
    tier: u8,
    logged_in: bool,
    away: bool,
    on_shift: bool,
    load: [u8; 7],
    exclusive_load: u8,
    /// Whether `sticky` holds any ticket: read by every dispatch of the
    /// agent, here in the first line rather than in the list's own (cold).
    #[serde(skip)]
    any_sticky: bool,
    last_offer_at: i64,
    last_offer_seq: u64,
    /// Those of `groups` whose ready queue has no entry for the agent: it was
    /// not free when the group was made, or its entry was dropped as busy.
    /// A free agent is filed again in just these.
    #[serde(skip)]
    unfiled: Vec<u32>,
    #[serde(skip)]
    groups: Vec<u32>,
    #[serde(skip)]
    skills: Vec<(u32, u8)>,
    #[serde(skip)]
    languages: Vec<u32>,
    recent_offers: VecDeque<i64>,
    #[serde(skip)]
    shift: Option<Calendar>,
    sticky: Vec<u32>,
    generation: u32,
}

impl AgentSlot {
    /// Sticky ticket `t` now waits for this agent.
    fn add_sticky(&mut self, t: u32) {
        self.sticky.push(t);
        self.any_sticky = true;
    }

    /// Sticky ticket `t` no longer waits for this agent.
    fn drop_sticky(&mut self, t: u32) {
        self.sticky.retain(|&x| x != t);
        self.any_sticky = !self.sticky.is_empty();
    }
}

/// The ticket and agent an event names, as `validate` found them, so that
/// handling it does not look the ids up again.
#[derive(Clone, Copy, Debug, Default)]
struct Named {
    ticket: Option<u32>,
    agent: Option<u32>,
}

/// A live ticket as the engine's offers name it: its slot, and its arrival
/// number, which tells it from a later ticket in the same slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TicketHandle {
    pub(crate) slot: u32,
    pub(crate) seq: u64,
}

/// What a caller of [`Engine::apply_known`] holds of the ticket and agent an
/// event names.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Known {
    pub(crate) ticket: Option<TicketHandle>,
    /// The agent's place in the roster.
    pub(crate) agent: Option<u32>,
}

/// A timer; stale ones (generation moved on) are skipped when they fire.
/// Snapshots read it through [`TimerFields`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "timer", rename_all = "snake_case")]
enum TimerKind {
    /// A ticket's own timer: offer expiry, sticky end, relaxation, escalation
    /// or SLA alert, whichever comes first for its current status.
    Ticket { ticket: u32, generation: u32 },
    /// An agent's shift opens or closes.
    Shift { agent: u32, generation: u32 },
    /// Wrap-up after an item ends on a channel.
    WrapUp { agent: u32, channel: Channel },
    /// A skip (after rejection) ends, or a fairness window slides.
    Recheck { agent: u32 },
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum TimerName {
    Ticket,
    Shift,
    WrapUp,
    Recheck,
}

/// Every field a [`TimerKind`] has, as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimerFields {
    timer: TimerName,
    ticket: Option<u32>,
    agent: Option<u32>,
    generation: Option<u32>,
    channel: Option<Channel>,
}

impl<'de> Deserialize<'de> for TimerKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let TimerFields { timer, ticket, agent, generation, channel } = TimerFields::deserialize(d)?;
        let fields: &'static [&'static str] = match timer {
            TimerName::Ticket => &["ticket", "generation"],
            TimerName::Shift => &["agent", "generation"],
            TimerName::WrapUp => &["agent", "channel"],
            TimerName::Recheck => &["agent"],
        };
        let present = [
            (ticket.is_some(), "ticket"),
            (agent.is_some(), "agent"),
            (generation.is_some(), "generation"),
            (channel.is_some(), "channel"),
        ];
        only_fields(present, fields)?;
        Ok(match timer {
            TimerName::Ticket => TimerKind::Ticket {
                ticket: required_field(ticket, "ticket")?,
                generation: required_field(generation, "generation")?,
            },
            TimerName::Shift => TimerKind::Shift {
                agent: required_field(agent, "agent")?,
                generation: required_field(generation, "generation")?,
            },
            TimerName::WrapUp => TimerKind::WrapUp {
                agent: required_field(agent, "agent")?,
                channel: required_field(channel, "channel")?,
            },
            TimerName::Recheck => TimerKind::Recheck { agent: required_field(agent, "agent")? },
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
struct Timer {
    at: i64,
    seq: u64,
    kind: TimerKind,
}

/// The routing engine. Feed it events in time order with [`Engine::apply`];
/// act on the [`Decision`]s it returns.
///
/// A clone is an independent engine in the same state: apply an event to a
/// clone to see what it would decide, and the original is untouched.
///
/// ```
/// use tierwise::{Engine, Event, Policy, agent::AgentSpec};
/// let policy = Policy::from_toml_str("version = 1")?.compile()?;
/// let ana: AgentSpec = serde_json::from_str(r#"{"id": "ana", "tier": "L1"}"#).unwrap();
/// let mut engine = Engine::new(policy, vec![ana])?;
/// engine.apply(&Event::from_json_str(r#"{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "ana"}"#)?)?;
/// let decisions = engine.apply(&Event::from_json_str(r#"{"at": "2026-03-02T09:01:00Z", "event": "ticket_created",
///     "ticket": {"id": "T1", "created_at": "2026-03-02T09:01:00Z", "channel": "chat"}}"#)?)?;
/// assert!(matches!(&decisions[0], tierwise::Decision::Offer { agent, .. } if agent == "ana"));
/// # Ok::<(), tierwise::Error>(())
/// ```
#[derive(Clone)]
pub struct Engine {
    policy: CompiledPolicy,
    rules: RoutingRules,
    /// Shared, not copied: the simulation's replications all route one
    /// roster.
    roster: Arc<[AgentSpec]>,
    explain: bool,
    now: i64,
    started: bool,
    ticket_seq: u64,
    offer_seq: u64,
    timer_seq: u64,
    tickets: Vec<TicketSlot>,
    /// Open tickets by id, unless tickets are named by handle
    /// ([`Engine::name_tickets_by_handle`]).
    ticket_ids: IdMap,
    /// Whether callers name open tickets by handle only.
    tickets_by_handle: bool,
    /// When tickets are named by handle: the boxes of closed tickets whose
    /// slots new tickets took, for the caller's next tickets
    /// ([`Engine::spare_ticket`]). Boxes, as the slots and events hold them:
    /// what is reused is their memory.
    #[allow(clippy::vec_box)]
    spare_tickets: Vec<Box<Ticket>>,
    /// Slots of closed tickets, reused last-in first-out.
    free_slots: Vec<u32>,
    agents: Vec<AgentSlot>,
    agent_ids: IdMap,
    /// Every agent's id, end to end, and where each ends: offers copy an
    /// agent's id from here, a few kilobytes that stay in cache, rather than
    /// from the roster, whose entries are cold on a large desk.
    agent_id_text: String,
    agent_id_ends: Vec<usize>,
    names: Vec<String>,
    /// The same names, shared with explanations.
    shared_names: Vec<Arc<str>>,
    name_ids: Lookup<String>,
    /// Priority class and tier names, and the strategy, shared with explanations.
    class_names: Vec<Arc<str>>,
    tier_names: Vec<Arc<str>>,
    strategy_names: Arc<[Arc<str>]>,
    groups: Vec<Group>,
    group_ids: FastMap<Requirements, u32>,
    /// Per (tier, channel, confidential) of tickets that ask for no skill and
    /// no language and are not relaxed, their group (`u32::MAX`: not yet
    /// known): such tickets, all of them on a desk without skills routing,
    /// find their group without building and hashing their requirements.
    plain_groups: Vec<u32>,
    /// The waiting tickets of each group (by group number), with the copies
    /// of their tops a freed agent compares.
    waiting: GroupQueues<QueueKey>,
    /// Per group, its channel.
    group_channels: Vec<Channel>,
    timers: BinaryHeap<Reverse<Timer>>,
    /// The timer heap's size after it was last swept of stale timers.
    timers_swept: usize,
    dirty_agents: Vec<u32>,
    dirty_groups: Vec<u32>,
    /// Spare lists for `dispatch` (empty between events).
    dispatching_agents: Vec<u32>,
    dispatching_groups: Vec<u32>,
    out: Vec<Decision>,
    /// When kept (for the simulation): the ticket slot and agent of each
    /// offer made, in the order of the offer decisions.
    offers_made: Option<OffersMade>,
}

/// Shows where the engine is (its last instant, its tickets by status and
/// its agents), not its internals.
impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("now", &self.now())
            .field("roster", &self.roster.len())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The (ticket slot, agent place) of offers made, in the order of their
/// decisions: those whose decisions were handed out, and those whose
/// decisions still wait (made by timers before an event that was refused,
/// handed out with the next one). When offers are taken at once, the same
/// for the offers taken.
#[derive(Clone, Default)]
struct OffersMade {
    handed_out: Vec<(TicketHandle, u32)>,
    waiting: Vec<(TicketHandle, u32)>,
    /// Whether offers are taken the instant they are made (see
    /// [`Engine::take_offers_at_once`]).
    taken_at_once: bool,
    /// The handle of the last ticket created, until taken.
    created: Option<TicketHandle>,
}

/// The state of an engine, as plain data: restore it with [`Engine::restore`]
/// and carry on as if it had never stopped.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    format: u32,
    /// The policy's tiers when it was taken: tickets name theirs by position.
    /// (Absent from snapshots written before it was added: not checked.)
    #[serde(default)]
    tiers: Vec<String>,
    roster: Vec<AgentSpec>,
    explain: bool,
    now: i64,
    started: bool,
    ticket_seq: u64,
    offer_seq: u64,
    timer_seq: u64,
    tickets: Vec<TicketSlot>,
    free_slots: Vec<u32>,
    agents: Vec<AgentSlot>,
    timers: Vec<Timer>,
    /// Decisions of timers that fired before a rejected event, not yet returned.
    pending: Vec<Decision>,
}

/// Largest snapshot [`Snapshot::from_json_str`] reads, in bytes.
pub const MAX_SNAPSHOT_BYTES: usize = 1 << 30;

impl Snapshot {
    /// Reads a snapshot written as JSON (`serde_json::to_string(&snapshot)`).
    /// It is read as every other document is: a problem comes with its field
    /// path. Whether the snapshot fits a policy, and is sound, is checked by
    /// [`Engine::restore`].
    ///
    /// # Errors
    /// Text over [`MAX_SNAPSHOT_BYTES`] or nested too deep (`too_large`), not
    /// JSON (`syntax`), or not a snapshot (with the field path).
    pub fn from_json_str(text: &str) -> Result<Snapshot, Error> {
        crate::policy::parse_json(text, MAX_SNAPSHOT_BYTES)
    }
}

const CHANNELS: usize = 7;

impl Engine {
    /// An engine for `policy` with the agents of `roster` (all logged out).
    ///
    /// # Errors
    /// Agents with unknown tiers, channels or shift calendars, or duplicate ids;
    /// every problem with its path (`agents[3].tier`).
    pub fn new(policy: CompiledPolicy, roster: Vec<AgentSpec>) -> Result<Engine, Error> {
        Engine::with_roster(policy, roster.into())
    }

    /// [`Engine::new`] with a roster that may be shared.
    pub(crate) fn with_roster(policy: CompiledPolicy, roster: Arc<[AgentSpec]>) -> Result<Engine, Error> {
        let rules = policy.inner.routing.clone();
        let mut engine = Engine {
            policy,
            rules,
            roster: Arc::clone(&roster),
            explain: false,
            now: i64::MIN,
            started: false,
            ticket_seq: 0,
            offer_seq: 0,
            timer_seq: 0,
            tickets: Vec::new(),
            ticket_ids: IdMap::default(),
            free_slots: Vec::new(),
            agents: Vec::new(),
            agent_ids: IdMap::default(),
            agent_id_text: String::new(),
            agent_id_ends: Vec::new(),
            names: Vec::new(),
            shared_names: Vec::new(),
            name_ids: Lookup::default(),
            class_names: Vec::new(),
            tier_names: Vec::new(),
            strategy_names: Arc::from(Vec::new()),
            groups: Vec::new(),
            group_ids: HashMap::default(),
            plain_groups: Vec::new(),
            waiting: GroupQueues::new(),
            group_channels: Vec::new(),
            timers: BinaryHeap::new(),
            timers_swept: 0,
            dirty_agents: Vec::new(),
            dirty_groups: Vec::new(),
            dispatching_agents: Vec::new(),
            dispatching_groups: Vec::new(),
            offers_made: None,
            tickets_by_handle: false,
            spare_tickets: Vec::new(),
            out: Vec::new(),
        };
        engine.class_names = engine.policy.priority_classes().iter().map(|c| Arc::from(c.as_str())).collect();
        engine.tier_names = engine.rules.tiers.iter().map(|t| Arc::from(t.as_str())).collect();
        engine.strategy_names = engine.rules.strategy.iter().map(|s| Arc::from(s.name())).collect();
        let mut problems = Vec::new();
        // Sized once: a desk of thousands of agents would otherwise copy its
        // slots (four cache lines each) as they grow.
        engine.agents.reserve_exact(roster.len());
        engine.agent_ids.reserve(roster.len());
        engine.agent_id_ends.reserve_exact(roster.len());
        for (i, spec) in roster.iter().enumerate() {
            match engine.compile_agent(spec) {
                Ok(slot) => {
                    let index = u32::try_from(engine.agents.len()).unwrap_or(u32::MAX);
                    if engine.agent_ids.contains_key(spec.id.as_bytes()) {
                        problems.push(Problem::new(
                            ErrorKind::Duplicate,
                            format!("agents[{i}].id"),
                            format!("agent \"{}\" appears twice", spec.id),
                        ));
                        continue;
                    }
                    engine.agent_ids.insert(IdKey::new(&spec.id), index);
                    engine.agent_id_text.push_str(&spec.id);
                    engine.agent_id_ends.push(engine.agent_id_text.len());
                    engine.agents.push(slot);
                }
                Err(e) => problems.extend(e.under(&format!("agents[{i}]")).problems().iter().cloned()),
            }
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        Ok(engine)
    }

    /// Whether offers list every agent passed over and why (slower; for
    /// people reading decisions). Default off.
    pub fn set_explain(&mut self, explain: bool) {
        self.explain = explain;
    }

    /// Whether offers list every agent passed over (see
    /// [`Engine::set_explain`]).
    #[must_use]
    pub fn explains(&self) -> bool {
        self.explain
    }

    /// The policy the engine routes by.
    #[must_use]
    pub fn policy(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// The shift calendar of the roster's `a`-th agent, if they have one.
    pub(crate) fn shift_of(&self, a: usize) -> Option<&Calendar> {
        self.agents.get(a).and_then(|slot| slot.shift.as_ref())
    }

    /// The instant of the last event applied (`None` before the first).
    #[must_use]
    pub fn now(&self) -> Option<Timestamp> {
        self.started.then(|| from_ms(self.now))
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.name_ids.get(name) {
            return i;
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.shared_names.push(Arc::from(name));
        self.name_ids.insert(name.to_owned(), i);
        i
    }

    fn compile_agent(&mut self, spec: &AgentSpec) -> Result<AgentSlot, Error> {
        let mut problems = Vec::new();
        let tier = self.rules.tiers.iter().position(|t| *t == spec.tier);
        if tier.is_none() {
            problems.push(unknown_name("tier", "tier", &spec.tier, self.rules.tiers.iter().map(String::as_str)));
        }
        let mut capacity = [0u8; CHANNELS];
        for (name, &n) in &spec.capacity {
            match Channel::from_name(name) {
                Ok(c) => capacity[c.index()] = n,
                Err(p) => problems.push(p.under(&format!("capacity.{name}"))),
            }
        }
        let shift = match &spec.shift {
            None => None,
            Some(ShiftSpec::Calendar(name)) => match self.policy.calendar(name) {
                Some(c) => Some(c.clone()),
                None => {
                    let names: Vec<&str> = self.policy.calendars().iter().map(Calendar::name).collect();
                    problems.push(unknown_name("shift", "calendar", name, names));
                    None
                }
            },
            Some(ShiftSpec::Own(cal)) => {
                let mut p = crate::Policy::default();
                p.calendars.insert(format!("shift of {}", spec.id), cal.clone());
                match p.compile() {
                    Ok(c) => c.calendars().get(1).cloned(),
                    Err(e) => {
                        for pr in e.problems() {
                            let path = pr.path().split_once('.').map_or("", |x| x.1);
                            let path = path.split_once('.').map_or(String::new(), |x| format!("shift.{}", x.1));
                            problems.push(
                                Problem::new(pr.kind(), path, pr.message()).with_hint(pr.hint().map(String::from)),
                            );
                        }
                        None
                    }
                }
            }
        };
        if spec.id.is_empty() || spec.id.len() > 256 {
            problems.push(Problem::new(ErrorKind::InvalidValue, "id", "agent ids must be 1 to 256 characters"));
        }
        if !problems.is_empty() {
            return Err(Error::from_problems(problems));
        }
        let mut skills: Vec<(u32, u8)> = spec.skills.iter().map(|(s, &l)| (self.intern(s), l)).collect();
        compact_sort::sort(&mut skills);
        let mut languages: Vec<u32> = spec.languages.iter().map(|l| self.intern(l)).collect();
        compact_sort::sort(&mut languages);
        Ok(AgentSlot {
            tier: u8::try_from(tier.unwrap_or(0)).unwrap_or(0),
            skills,
            languages,
            capacity,
            shift,
            groups: Vec::new(),
            unfiled: Vec::new(),
            logged_in: false,
            away: false,
            on_shift: false,
            load: [0; CHANNELS],
            exclusive_load: 0,
            any_sticky: false,
            last_offer_at: i64::MIN,
            last_offer_seq: 0,
            recent_offers: VecDeque::new(),
            sticky: Vec::new(),
            generation: 0,
        })
    }

    /// Applies one event and returns the decisions it leads to, ending with a
    /// [`Decision::WakeAt`] when anything is scheduled.
    ///
    /// Timers due by the event's instant fire first, in order, each at its own
    /// instant. A rejected event (unknown ticket, out of time order, an offer
    /// that is not outstanding) changes nothing itself; decisions of timers
    /// that fired before it are kept and returned by the next successful call,
    /// or handed out at once by [`Engine::apply_handing_out`].
    ///
    /// # Errors
    /// Events earlier than the last one, references to unknown tickets or
    /// agents, transitions that make no sense (accepting an offer that was not
    /// made), and tickets the policy cannot triage.
    pub fn apply(&mut self, event: &Event) -> Result<Vec<Decision>, Error> {
        let mut out = Vec::new();
        self.apply_into(event, &mut out)?;
        Ok(out)
    }

    /// As [`Engine::apply`], appending decisions to `out` (reuse it to avoid
    /// allocating per event).
    ///
    /// # Errors
    /// As [`Engine::apply`].
    pub fn apply_into(&mut self, event: &Event, out: &mut Vec<Decision>) -> Result<(), Error> {
        let named = self.begin(event, Known::default())?;
        self.handle(event, named)?;
        self.finish(out);
        Ok(())
    }

    /// As [`Engine::apply_into`], taking the event by value: a new ticket
    /// moves into the engine instead of being copied (what the simulation and
    /// replay hosts do, one event at a time).
    ///
    /// # Errors
    /// As [`Engine::apply`].
    pub fn apply_owned(&mut self, event: Event, out: &mut Vec<Decision>) -> Result<(), Error> {
        self.apply_known(event, Known::default(), out)
    }

    /// [`Engine::apply_owned`] for a caller that holds the ticket and agent
    /// the event names as the engine's offers gave them (the simulation, from
    /// [`Engine::take_offers_made`]), so their ids need not be looked up. A
    /// handle that no longer fits (the ticket closed, its slot reused, an
    /// agent place out of range or of another id) is not used: the id is
    /// looked up instead. So the event is checked and handled exactly as it
    /// would be by id, provided the handles are those of the ids the event
    /// names (debug builds check that too). When tickets are named by handle
    /// ([`Engine::name_tickets_by_handle`]), a ticket's id may be left empty,
    /// and a ticket whose handle no longer fits is refused as unknown (there
    /// is no table of ids to look it up in).
    pub(crate) fn apply_known(&mut self, event: Event, known: Known, out: &mut Vec<Decision>) -> Result<(), Error> {
        let named = self.begin(&event, known)?;
        if let EventKind::TicketCreated { ticket, tier, preferred_agent } = event.kind {
            self.create_ticket(ticket, tier.as_deref(), preferred_agent.as_deref(), event.at)?;
        } else {
            self.handle(&event, named)?;
        }
        self.finish(out);
        Ok(())
    }

    /// As [`Engine::apply_owned`], for a host that stops at a refused event
    /// or acts on every decision as it comes: on a refusal, `out` gets the
    /// decisions of the timers that fired by the event's instant (time passes
    /// to a refused event's instant, so offers due to expire by then expire,
    /// and so on), then a [`Decision::WakeAt`] for the next timer, as a
    /// successful call ends. (With [`Engine::apply`] they wait for the next
    /// successful call.)
    ///
    /// # Errors
    /// As [`Engine::apply`].
    pub fn apply_handing_out(&mut self, event: Event, out: &mut Vec<Decision>) -> Result<(), Error> {
        let applied = self.apply_owned(event, out);
        if applied.is_err() {
            self.take_decisions_of_a_refused_event(out);
        }
        applied
    }

    /// Moves into `out` the decisions kept from timers that fired before the
    /// last event was refused, then a [`Decision::WakeAt`] for the next timer
    /// (see [`Engine::apply_handing_out`]).
    fn take_decisions_of_a_refused_event(&mut self, out: &mut Vec<Decision>) {
        out.append(&mut self.out);
        if let Some(next) = self.next_timer() {
            out.push(Decision::WakeAt { at: from_ms(next) });
        }
    }

    /// Fires the timers due by the event's instant, then checks the event;
    /// returns the ticket and agent it names.
    fn begin(&mut self, event: &Event, known: Known) -> Result<Named, Error> {
        let at = self.pass_time(event.at)?;
        let named = self.validate(event, known)?;
        // A new ticket moves the clock once the policy has triaged it
        // (`create_ticket`): a ticket refused then changes nothing.
        if !matches!(event.kind, EventKind::TicketCreated { .. }) {
            self.now = at;
            self.started = true;
        }
        Ok(named)
    }

    /// Lets time pass to an event's instant `at`, and returns it in ms: the
    /// timers due by then fire, whether or not the event turns out valid,
    /// and the event is checked against the state they leave (if it is
    /// refused, their decisions wait for the next call). An instant before
    /// the previous event's is refused.
    fn pass_time(&mut self, at: Timestamp) -> Result<i64, Error> {
        let at_ms = to_ms(at);
        if self.started && at_ms < self.now {
            return Err(Error::new(
                ErrorKind::Inconsistent,
                "at",
                format!("{at} is earlier than the previous event ({})", from_ms(self.now)),
            ));
        }
        self.fire_timers_until(at_ms);
        Ok(at_ms)
    }

    /// [`Engine::apply_known`] of a [`EventKind::TicketClosed`] at `at` of
    /// the ticket of `handle`, for the simulation (which names tickets by
    /// handle): the same steps, without an event to build, match and drop.
    pub(crate) fn close_known(
        &mut self,
        at: Timestamp,
        handle: TicketHandle,
        out: &mut Vec<Decision>,
    ) -> Result<(), Error> {
        let at = self.pass_time(at)?;
        let t = self.ticket_named(Known { ticket: Some(handle), agent: None }, "")?;
        self.now = at;
        self.started = true;
        self.close_for_good(t);
        self.finish(out);
        Ok(())
    }

    /// [`Engine::apply_known`] of a [`EventKind::TicketCreated`] at `at`
    /// (of a ticket with no preferred agent), for the simulation: the same
    /// steps, without an event to build, match and drop.
    pub(crate) fn create_known(
        &mut self,
        at: Timestamp,
        ticket: Box<Ticket>,
        tier: Option<&str>,
        out: &mut Vec<Decision>,
    ) -> Result<(), Error> {
        self.pass_time(at)?;
        self.check_new_ticket(&ticket, tier, None, at)?;
        self.create_ticket(ticket, tier, None, at)?;
        self.finish(out);
        Ok(())
    }

    /// Offers what can be offered after an event, and hands out the decisions.
    fn finish(&mut self, out: &mut Vec<Decision>) {
        self.dispatch();
        self.assign_offers_still_on_offer();
        if let Some(next) = self.next_timer() {
            self.out.push(Decision::WakeAt { at: from_ms(next) });
        }
        // (Appending nothing still calls the system's memory copy.)
        if !self.out.is_empty() {
            out.append(&mut self.out);
        }
        if let Some(made) = &mut self.offers_made
            && !made.waiting.is_empty()
        {
            made.handed_out.append(&mut made.waiting);
        }
    }

    /// The slot of the open ticket `id`. When tickets are named by handle
    /// there is no table of ids, and no id is found: callers that look
    /// tickets up by id (`triage`, `class_and_due`) are for other hosts.
    fn ticket_index(&self, id: &str) -> Result<u32, Error> {
        self.ticket_ids.get(id.as_bytes()).ok_or_else(|| unknown_ticket(id))
    }

    /// Agent `a`'s id.
    fn agent_id(&self, a: u32) -> &str {
        let a = a as usize;
        let start = if a == 0 { 0 } else { self.agent_id_ends[a - 1] };
        &self.agent_id_text[start..self.agent_id_ends[a]]
    }

    fn agent_index(&self, id: &str) -> Result<u32, Error> {
        self.agent_place(id).ok_or_else(|| self.unknown_agent(id))
    }

    /// The error for an agent id not on the roster.
    fn unknown_agent(&self, id: &str) -> Error {
        crate::error::unknown_name("agent", "agent", id, self.roster.iter().map(|a| a.id.as_str())).into()
    }

    /// From now on, keeps the ticket slot and agent place of each offer
    /// made, for [`Engine::take_offers_made`].
    #[cfg(test)]
    pub(crate) fn keep_offers_made(&mut self) {
        self.offers_made.get_or_insert_with(OffersMade::default);
    }

    /// From now on, every offer is taken at the instant it is made, as if
    /// its agent accepted it by an event right after the one being handled:
    /// the offer has no decision, explanation or expiry, and when the event's
    /// handling ends, each offer still on offer is assigned (one closed or
    /// taken back meanwhile is dropped). Offers taken are reported only by
    /// place, through [`Engine::take_offers_made`]. This is how the
    /// simulation's agents work; it skips the decisions and explanations
    /// nobody reads, and one event per ticket.
    pub(crate) fn take_offers_at_once(&mut self) {
        self.offers_made.get_or_insert_with(OffersMade::default).taken_at_once = true;
    }

    /// From now on, the caller names every ticket it created by the handle
    /// [`Engine::take_created`] gave, through [`Engine::apply_known`] (an
    /// event's ticket id may then be left empty), and keeps ticket ids unique
    /// itself: the engine keeps no table of ids, which saves hashing each id
    /// when its ticket is created and again when it is closed. An event whose
    /// handle no longer fits is refused as naming an unknown ticket. This is
    /// how the simulation names its tickets (which never reloads a policy:
    /// a reload would rebuild the table, and refuse ids the mode let repeat).
    pub(crate) fn name_tickets_by_handle(&mut self) {
        self.tickets_by_handle = true;
        self.ticket_ids.clear();
    }

    /// When tickets are named by handle, the box of a closed ticket (emptied,
    /// its id's memory kept), for the caller to fill with its next ticket:
    /// a box that is still in cache, where a new one would not be.
    fn spare_ticket(&mut self) -> Option<Box<Ticket>> {
        self.spare_tickets.pop()
    }

    /// A copy of `template` with an empty id, for the caller's next ticket:
    /// in a closed ticket's box, its id's memory kept, when there is one to
    /// spare ([`Engine::spare_ticket`]); else in a new box.
    pub(crate) fn ticket_box(&mut self, template: &Ticket) -> Box<Ticket> {
        let mut ticket = match self.spare_ticket() {
            Some(mut spare) => {
                Ticket::clone_from(&mut spare, template);
                spare
            }
            None => Box::new(template.clone()),
        };
        ticket.id.clear();
        ticket
    }

    /// [`Engine::take_offers_at_once`]: the offers made during this event
    /// that are still on offer are assigned; the others are forgotten.
    fn assign_offers_still_on_offer(&mut self) {
        let Some(made) = self.offers_made.as_mut().filter(|made| made.taken_at_once && !made.waiting.is_empty()) else {
            return;
        };
        let tickets = &mut self.tickets;
        made.waiting.retain(|&(h, a)| {
            let slot = &mut tickets[h.slot as usize];
            let on_offer =
                slot.holds(h) && matches!(slot.status, Status::Offered { agent, expires: NEVER } if agent == a);
            if on_offer {
                // Its timer stays as armed: `arm` treats an offer that never
                // expires as it treats an assignment.
                slot.status = Status::Assigned { agent: a };
            }
            on_offer
        });
    }

    /// The handle of the ticket the last `TicketCreated` event made, once
    /// (when offers are taken at once, or their places kept).
    pub(crate) fn take_created(&mut self) -> Option<TicketHandle> {
        self.offers_made.as_mut().and_then(|made| made.created.take())
    }

    /// Moves the (ticket slot, agent place) of the offers whose decisions
    /// were handed out since the last call into `into`, in the order of
    /// those decisions: what a caller of [`Engine::apply_known`] names them
    /// by. When offers are taken at once, there are no offer decisions, and
    /// these are the offers taken, in the order they were made.
    pub(crate) fn take_offers_made(&mut self, into: &mut Vec<(TicketHandle, u32)>) {
        if let Some(made) = &mut self.offers_made
            && !made.handed_out.is_empty()
        {
            into.append(&mut made.handed_out);
        }
    }

    /// The slot of the ticket an event names: from `known` while that
    /// ticket is still open in it (a closed ticket's slot has no key, a
    /// reused one another arrival number), else looked up by id (which, when
    /// tickets are named by handle, finds none).
    fn ticket_named(&self, known: Known, id: &str) -> Result<u32, Error> {
        let held = known.ticket.filter(|&h| self.tickets.get(h.slot as usize).is_some_and(|slot| slot.holds(h)));
        match held {
            Some(h) => {
                debug_assert!(
                    if self.tickets_by_handle {
                        id.is_empty() || self.tickets[h.slot as usize].ticket.id == id
                    } else {
                        self.ticket_ids.get(id.as_bytes()) == Some(h.slot)
                    },
                    "ticket {id} is in another slot"
                );
                Ok(h.slot)
            }
            None => self.ticket_index(id),
        }
    }

    /// The handle of the ticket in slot `t`.
    fn handle_of(&self, t: u32) -> TicketHandle {
        TicketHandle { slot: t, seq: self.tickets[t as usize].seq }
    }

    /// Starts loading ticket slot `t`, all of it. A hint only: see
    /// [`crate::prefetch`]. The fields prefetched are at most 64 bytes apart,
    /// first to last, so every cache line is loaded wherever the slot starts
    /// (`tests::prefetches_cover_every_line` checks this against the
    /// compiler's layout).
    pub(crate) fn prefetch_ticket_slot(&self, t: u32) {
        let Some(slot) = self.tickets.get(t as usize) else { return };
        prefetch(&slot.key);
        prefetch(&slot.skip);
        prefetch(&slot.tier_since);
        prefetch(&slot.class);
    }

    /// Starts loading ticket `h`'s box, all of it (closing the ticket, or
    /// refilling its box for a later one, touches every field), as
    /// [`Engine::prefetch_ticket_slot`] does its slot. Finding the box reads the slot: call this once the slot is
    /// loaded, or it waits for it.
    pub(crate) fn prefetch_ticket_box(&self, h: TicketHandle) {
        let Some(slot) = self.tickets.get(h.slot as usize) else { return };
        let ticket = &*slot.ticket;
        prefetch(&ticket.id);
        prefetch(&ticket.impact);
        prefetch(&ticket.priority);
        prefetch(&ticket.customer_tier);
        prefetch(&ticket.created_at);
        prefetch(&ticket.channel);
    }

    /// Starts loading agent `a`'s slot: the line deciding whether it can take
    /// work, and the line with the groups it serves.
    pub(crate) fn prefetch_agent(&self, a: u32) {
        if let Some(agent) = self.agents.get(a as usize) {
            prefetch(&agent.capacity);
            prefetch(&agent.groups);
        }
    }

    /// The place of the agent with this id, if there is one.
    pub(crate) fn agent_place(&self, id: &str) -> Option<u32> {
        self.agent_ids.get(id.as_bytes())
    }

    /// The place of the agent an event names: from `known` if it is the
    /// place of that id (agents' ids are kept together, so this reads
    /// memory already in cache), else looked up by id.
    fn agent_named(&self, known: Known, id: &str) -> Result<u32, Error> {
        match known.agent.filter(|&a| (a as usize) < self.agents.len() && self.agent_id(a) == id) {
            Some(a) => Ok(a),
            None => self.agent_index(id),
        }
    }

    /// The agent place and ticket slot an event names (finishing, accepting
    /// or rejecting): what [`Engine::agent_named`] and
    /// [`Engine::ticket_named`] give (an unknown agent reported first), with
    /// the lookups by id overlapped. On a large desk each lookup waits on
    /// memory, as does the ticket's slot, read next: both ids are hashed and
    /// their places start loading before either is looked at, and the
    /// ticket's and the agent's slots start loading as soon as they are
    /// known. (Hints only: the answer is the same without them.)
    fn agent_and_ticket_named(&self, known: Known, agent: &str, ticket: &str) -> Result<(u32, u32), Error> {
        if known.agent.is_some() || known.ticket.is_some() || self.tickets_by_handle {
            return Ok((self.agent_named(known, agent)?, self.ticket_named(known, ticket)?));
        }
        let ticket_hash = IdHash::of(ticket.as_bytes());
        self.ticket_ids.prefetch(ticket_hash);
        let agent_hash = IdHash::of(agent.as_bytes());
        self.agent_ids.prefetch(agent_hash);
        let t = self.ticket_ids.get_hashed(ticket.as_bytes(), ticket_hash);
        if let Some(t) = t {
            self.prefetch_ticket_slot(t);
        }
        let a = self.agent_ids.get_hashed(agent.as_bytes(), agent_hash).ok_or_else(|| self.unknown_agent(agent))?;
        self.prefetch_agent(a);
        Ok((a, t.ok_or_else(|| unknown_ticket(ticket))?))
    }

    /// A new ticket: triaged, given a slot (a closed ticket's, if any), and
    /// queued or offered to its preferred agent.
    fn create_ticket(
        &mut self,
        ticket: Box<Ticket>,
        tier: Option<&str>,
        preferred_agent: Option<&str>,
        at: Timestamp,
    ) -> Result<(), Error> {
        let assessment = self.policy.assess(&ticket, at).map_err(|e| e.under("ticket"))?;
        self.now = to_ms(at);
        self.started = true;
        let late = ticket.created_at < at;
        let tier = tier.and_then(|t| self.rules.tiers.iter().position(|x| x == t)).unwrap_or(0);
        self.ticket_seq += 1;
        let preferred = preferred_agent.and_then(|a| self.agent_ids.get(a.as_bytes()));
        let tier = u8::try_from(tier).unwrap_or(0);
        let id = (!self.tickets_by_handle).then(|| IdKey::new(&ticket.id));
        let index = match self.free_slots.pop() {
            Some(i) => {
                let slot = &mut self.tickets[i as usize];
                // Generations keep rising across reuse, so timers of the
                // slot's previous ticket can never fire for this one.
                slot.generation += 1;
                let closed = std::mem::replace(&mut slot.ticket, ticket);
                if self.tickets_by_handle && self.spare_tickets.len() < SPARE_TICKETS {
                    self.spare_tickets.push(closed);
                }
                i
            }
            None => {
                self.tickets.push(TicketSlot::vacant(ticket));
                u32::try_from(self.tickets.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.tickets[index as usize].start(self.ticket_seq, tier, self.now, &assessment, preferred);
        if let Some(id) = id {
            self.ticket_ids.insert(id, index);
        }
        let handle = self.handle_of(index);
        if let Some(made) = &mut self.offers_made {
            made.created = Some(handle);
        }
        self.enqueue(index, true);
        if late {
            self.tell_alerts_passed(index);
        }
        Ok(())
    }

    /// Checks a new ticket, created at `at` (with its tier and preferred
    /// agent, if named), against the current state. The ticket itself is
    /// assessed (once) when it is created, before anything changes.
    fn check_new_ticket(
        &self,
        ticket: &Ticket,
        tier: Option<&str>,
        preferred_agent: Option<&str>,
        at: Timestamp,
    ) -> Result<(), Error> {
        if !self.tickets_by_handle && self.ticket_ids.contains_key(ticket.id.as_bytes()) {
            return Err(Error::new(
                ErrorKind::Duplicate,
                "ticket.id",
                format!("ticket \"{}\" was already created", ticket.id),
            ));
        }
        if ticket.id.is_empty() || ticket.id.len() > 256 {
            return Err(Error::new(ErrorKind::InvalidValue, "ticket.id", "ticket ids must be 1 to 256 characters"));
        }
        if ticket.created_at > at {
            return Err(Error::new(ErrorKind::Inconsistent, "ticket.created_at", "created after the event"));
        }
        if let Some(t) = tier
            && !self.rules.tiers.iter().any(|x| x == t)
        {
            return Err(unknown_name("tier", "tier", t, self.rules.tiers.iter().map(String::as_str)).into());
        }
        if let Some(a) = preferred_agent
            && self.agent_place(a).is_none()
        {
            let agents = self.roster.iter().map(|agent| agent.id.as_str());
            return Err(unknown_name("preferred_agent", "agent", a, agents).into());
        }
        Ok(())
    }

    /// Checks an event against the current state without changing anything.
    fn validate(&self, event: &Event, known: Known) -> Result<Named, Error> {
        let mut named = Named::default();
        match &event.kind {
            EventKind::TicketCreated { ticket, tier, preferred_agent } => {
                self.check_new_ticket(ticket, tier.as_deref(), preferred_agent.as_deref(), event.at)?;
            }
            EventKind::TicketUpdated { ticket, changes } => {
                let t = self.ticket_named(known, ticket)?;
                named.ticket = Some(t);
                let mut updated = self.tickets[t as usize].ticket.clone();
                apply_changes(&mut updated, changes);
                self.policy.assess(&updated, event.at).map_err(|e| e.under("changes"))?;
            }
            EventKind::TicketResolved { ticket }
            | EventKind::TicketClosed { ticket }
            | EventKind::WaitingOnCustomer { ticket }
            | EventKind::CustomerReplied { ticket }
            | EventKind::AgentReplied { ticket } => {
                named.ticket = Some(self.ticket_named(known, ticket)?);
            }
            EventKind::TicketReopened { ticket } => {
                let t = self.ticket_named(known, ticket)?;
                named.ticket = Some(t);
                if !matches!(self.tickets[t as usize].status, Status::Resolved | Status::Handled) {
                    return Err(Error::new(
                        ErrorKind::Inconsistent,
                        "ticket",
                        "only a resolved or handled ticket can be reopened",
                    ));
                }
            }
            EventKind::AgentLoggedIn { agent } | EventKind::AgentLoggedOut { agent } => {
                named.agent = Some(self.agent_named(known, agent)?);
            }
            EventKind::AgentStateChanged { agent, .. } => {
                let a = self.agent_named(known, agent)?;
                named.agent = Some(a);
                if !self.agents[a as usize].logged_in {
                    return Err(Error::new(
                        ErrorKind::Inconsistent,
                        "agent",
                        format!("agent \"{agent}\" is not logged in"),
                    ));
                }
            }
            EventKind::AgentFinished { agent, ticket } => {
                let (a, t) = self.agent_and_ticket_named(known, agent, ticket)?;
                named.agent = Some(a);
                named.ticket = Some(t);
                let holds = match self.tickets[t as usize].status {
                    Status::Assigned { agent } => agent == a,
                    Status::Pending { agent: Some(agent) } => agent == a && self.rules.pending_consumes_capacity,
                    _ => false,
                };
                if !holds {
                    let ticket = &self.tickets[t as usize].ticket.id;
                    return Err(Error::new(
                        ErrorKind::Inconsistent,
                        "ticket",
                        format!("agent \"{agent}\" is not working on ticket \"{ticket}\""),
                    ));
                }
            }
            EventKind::OfferAccepted { agent, ticket } | EventKind::OfferRejected { agent, ticket } => {
                let (a, t) = self.agent_and_ticket_named(known, agent, ticket)?;
                named.agent = Some(a);
                named.ticket = Some(t);
                let on_offer = matches!(self.tickets[t as usize].status, Status::Offered { agent, .. } if agent == a);
                // A rejection that crosses the offer's expiry (or a repeated
                // rejection) is a no-op: the agent is already skipped.
                let declined_already = matches!(event.kind, EventKind::OfferRejected { .. })
                    && self.tickets[t as usize].skip.iter().any(|&(x, _)| x == a);
                if !on_offer && !declined_already {
                    let ticket = &self.tickets[t as usize].ticket.id;
                    return Err(Error::new(
                        ErrorKind::Inconsistent,
                        "ticket",
                        format!("ticket \"{ticket}\" is not on offer to agent \"{agent}\""),
                    ));
                }
            }
            EventKind::EscalateRequested { ticket, to_tier } => {
                let t = self.ticket_named(known, ticket)?;
                named.ticket = Some(t);
                let slot = &self.tickets[t as usize];
                if matches!(slot.status, Status::Resolved | Status::Handled) {
                    return Err(Error::new(ErrorKind::Inconsistent, "ticket", "a closed ticket cannot be escalated"));
                }
                match to_tier {
                    Some(name) => {
                        if !self.rules.tiers.contains(name) {
                            return Err(unknown_name(
                                "to_tier",
                                "tier",
                                name,
                                self.rules.tiers.iter().map(String::as_str),
                            )
                            .into());
                        }
                    }
                    None => {
                        if usize::from(slot.tier) + 1 >= self.rules.tiers.len() {
                            return Err(Error::new(ErrorKind::Inconsistent, "ticket", "already in the last tier"));
                        }
                    }
                }
            }
            EventKind::Tick {} => {}
        }
        Ok(named)
    }

    fn handle(&mut self, event: &Event, named: Named) -> Result<(), Error> {
        match &event.kind {
            EventKind::TicketCreated { ticket, tier, preferred_agent } => {
                self.create_ticket(ticket.clone(), tier.as_deref(), preferred_agent.as_deref(), event.at)?;
            }
            EventKind::TicketUpdated { ticket, changes } => {
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                apply_changes(&mut self.tickets[t as usize].ticket, changes);
                self.tickets[t as usize].req_group = Packed::NONE;
                self.rekey(t);
                match self.tickets[t as usize].status {
                    Status::Queued => {
                        self.dequeue(t);
                        self.enqueue(t, false);
                    }
                    // Still for its agent, until the same instant; the agent
                    // looks again (its new key may change what comes first).
                    Status::Sticky { agent, .. } if self.can_serve(agent, &self.requirements(t)) => {
                        self.dirty_agents.push(agent);
                        self.arm(t);
                    }
                    Status::Sticky { .. } => {
                        self.dequeue(t);
                        self.enqueue(t, false);
                    }
                    Status::Offered { agent, .. } | Status::Assigned { agent } => {
                        if !self.can_serve(agent, &self.requirements(t)) {
                            let reason = "the agent no longer meets the ticket's requirements";
                            if matches!(self.tickets[t as usize].status, Status::Offered { .. }) {
                                self.withdraw_offer(t, agent, reason);
                            } else {
                                self.release(agent, t, false);
                                self.restart_wait(t);
                            }
                            self.requeue(t, reason);
                        } else {
                            self.arm(t);
                        }
                    }
                    Status::Pending { agent: Some(agent) } => {
                        if self.rules.pending_consumes_capacity && !self.can_serve(agent, &self.requirements(t)) {
                            self.release(agent, t, false);
                            self.tickets[t as usize].status = Status::Pending { agent: None };
                        }
                        self.arm(t);
                    }
                    _ => self.arm(t),
                }
                self.tell_alerts_passed(t);
            }
            EventKind::TicketResolved { ticket } => {
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                self.push_history(t, TicketEvent::Resolved { at: from_ms(self.now) });
                self.close(t, Status::Resolved);
            }
            EventKind::TicketClosed { ticket } => {
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                self.close_for_good(t);
            }
            EventKind::TicketReopened { ticket } => {
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                self.push_history(t, TicketEvent::Reopened { at: from_ms(self.now) });
                self.start_reply_cycle(t);
                self.rekey(t);
                self.return_to_desk(t);
                self.tell_alerts_passed(t);
            }
            EventKind::WaitingOnCustomer { ticket } => {
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                self.push_history(t, TicketEvent::WaitingOnCustomer { at: from_ms(self.now) });
                let before = self.tickets[t as usize].status;
                let holder = match before {
                    Status::Queued | Status::Sticky { .. } => {
                        self.dequeue(t);
                        None
                    }
                    Status::Offered { agent, .. } => {
                        self.withdraw_offer(t, agent, "the ticket waits on the customer");
                        None
                    }
                    Status::Assigned { agent } => {
                        if !self.rules.pending_consumes_capacity {
                            self.release(agent, t, true);
                        }
                        Some(agent)
                    }
                    Status::Pending { agent } => agent,
                    Status::Handled | Status::Resolved => None,
                };
                // Releasing the agent leaves the ticket handled: it waits on
                // the customer all the same.
                if !matches!(before, Status::Handled | Status::Resolved) {
                    self.tickets[t as usize].status = Status::Pending { agent: holder };
                }
                self.rekey(t);
                self.arm(t);
            }
            EventKind::CustomerReplied { ticket } => {
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                self.push_history(t, TicketEvent::CustomerReplied { at: from_ms(self.now) });
                self.start_reply_cycle(t);
                self.rekey(t);
                match self.tickets[t as usize].status {
                    Status::Pending { agent: Some(agent) } if self.rules.pending_consumes_capacity => {
                        self.tickets[t as usize].status = Status::Assigned { agent };
                        self.arm(t);
                    }
                    Status::Pending { agent } => {
                        if let Some(agent) = agent {
                            self.tickets[t as usize].preferred = Some(agent);
                        }
                        self.return_to_desk(t);
                    }
                    Status::Handled | Status::Resolved => self.return_to_desk(t),
                    Status::Queued => {
                        self.dequeue(t);
                        self.enqueue(t, false);
                    }
                    _ => self.arm(t),
                }
                // After its status: a reply that reopens a ticket past its
                // target escalates it as a reopening does.
                self.tell_alerts_passed(t);
            }
            EventKind::AgentReplied { ticket } => {
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                self.push_history(t, TicketEvent::AgentReplied { at: from_ms(self.now) });
                self.rekey(t);
                if self.tickets[t as usize].status == Status::Queued {
                    self.dequeue(t);
                    self.enqueue(t, false);
                } else {
                    self.arm(t);
                }
            }
            EventKind::AgentLoggedIn { agent } => {
                let a = named.agent.map_or_else(|| self.agent_index(agent), Ok)?;
                if !self.agents[a as usize].logged_in {
                    let slot = &mut self.agents[a as usize];
                    slot.logged_in = true;
                    slot.away = false;
                    // Idle (for `longest_idle`) since the later of its last
                    // offer and this login: time logged out is not idle time.
                    slot.last_offer_at = self.now;
                    self.ensure_groups_for(a);
                    self.update_shift(a);
                }
            }
            EventKind::AgentLoggedOut { agent } => {
                let a = named.agent.map_or_else(|| self.agent_index(agent), Ok)?;
                self.agents[a as usize].logged_in = false;
                self.agents[a as usize].generation += 1;
                // Everything the agent holds or is offered goes back.
                let held: Vec<u32> = (0..u32::try_from(self.tickets.len()).unwrap_or(0))
                    .filter(|&t| match self.tickets[t as usize].status {
                        Status::Offered { agent, .. } | Status::Assigned { agent } | Status::Sticky { agent, .. } => {
                            agent == a
                        }
                        Status::Pending { agent: Some(agent) } => agent == a && self.rules.pending_consumes_capacity,
                        _ => false,
                    })
                    .collect();
                for t in held {
                    let status = self.tickets[t as usize].status;
                    match status {
                        Status::Sticky { .. } => {
                            self.agents[a as usize].drop_sticky(t);
                            self.tickets[t as usize].status = Status::Handled;
                            self.enqueue_plain(t);
                        }
                        // Still waiting on the customer: its capacity is
                        // freed, and it is queued when the customer replies.
                        Status::Pending { .. } => {
                            self.release(a, t, false);
                            self.tickets[t as usize].status = Status::Pending { agent: None };
                            self.arm(t);
                        }
                        Status::Offered { .. } => {
                            self.withdraw_offer(t, a, "the agent logged out");
                            self.requeue(t, "the agent logged out");
                        }
                        _ => {
                            self.release(a, t, false);
                            self.restart_wait(t);
                            self.requeue(t, "the agent logged out");
                        }
                    }
                }
                self.refresh_agent(a);
            }
            EventKind::AgentStateChanged { agent, state } => {
                let a = named.agent.map_or_else(|| self.agent_index(agent), Ok)?;
                self.agents[a as usize].away = *state == Presence::Away;
                self.refresh_agent(a);
            }
            EventKind::AgentFinished { agent, ticket } => {
                let a = named.agent.map_or_else(|| self.agent_index(agent), Ok)?;
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                self.release(a, t, true);
                let slot = &mut self.tickets[t as usize];
                slot.status = Status::Handled;
                // Its last agent, preferred if the customer replies or it is
                // reopened.
                slot.preferred = Some(a);
                self.arm(t);
            }
            EventKind::OfferAccepted { agent, ticket } => {
                let a = named.agent.map_or_else(|| self.agent_index(agent), Ok)?;
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                self.tickets[t as usize].status = Status::Assigned { agent: a };
                self.arm(t);
            }
            EventKind::OfferRejected { agent, ticket } => {
                let a = named.agent.map_or_else(|| self.agent_index(agent), Ok)?;
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                if matches!(self.tickets[t as usize].status, Status::Offered { agent, .. } if agent == a) {
                    self.decline(t, a);
                    self.requeue(t, "the offer was rejected");
                }
            }
            EventKind::EscalateRequested { ticket, to_tier } => {
                let t = named.ticket.map_or_else(|| self.ticket_index(ticket), Ok)?;
                let target = match to_tier {
                    Some(name) => self.rules.tiers.iter().position(|x| x == name).unwrap_or(0),
                    None => usize::from(self.tickets[t as usize].tier) + 1,
                };
                let target = u8::try_from(target).unwrap_or(0);
                // Naming the tier makes the request idempotent: a ticket
                // already there stays as it is.
                if target != self.tickets[t as usize].tier {
                    self.escalate(t, target, "requested");
                }
            }
            EventKind::Tick {} => {}
        }
        Ok(())
    }

    fn push_history(&mut self, t: u32, event: TicketEvent) {
        self.tickets[t as usize].ticket.history.push(event);
    }

    /// Recomputes a ticket's key from the policy at the current instant.
    fn rekey(&mut self, t: u32) {
        let slot = &self.tickets[t as usize];
        if let Ok(a) = self.policy.assess(&slot.ticket, from_ms(self.now)) {
            let seq = slot.seq;
            let slot = &mut self.tickets[t as usize];
            slot.key = Some(TicketKey { points: a.key.points, due: a.key.due_ms, created: a.key.created_ms, seq });
            slot.next_sla = Packed::new(a.next_change.map(to_ms));
            slot.class = u8::try_from(a.class).unwrap_or(u8::MAX);
            slot.due = a.due.map(|d| Packed::new(d.map(to_ms)));
        }
    }

    /// A live ticket's priority class (an index into the policy's classes)
    /// and SLA due instants in milliseconds (first response, next reply,
    /// resolution), as the engine last assessed them.
    pub(crate) fn class_and_due(&self, ticket: &str) -> Option<(usize, [Option<i64>; 3])> {
        let slot = &self.tickets[self.ticket_ids.get(ticket.as_bytes())? as usize];
        Some((usize::from(slot.class), slot.due.map(Packed::get)))
    }

    /// The ticket's requirements at its current tier and relaxation.
    fn requirements(&self, t: u32) -> Requirements {
        let slot = &self.tickets[t as usize];
        self.requirements_of(&slot.ticket, slot.tier, slot.relax)
    }

    /// A ticket's requirements in tier `tier` after `relax` relaxation steps
    /// (names no agent has map to an id no agent holds).
    fn requirements_of(&self, ticket: &Ticket, tier: u8, relax: u8) -> Requirements {
        let mut skills: Vec<(u32, u8)> =
            ticket.skills.iter().map(|(s, &l)| (self.name_ids.get(s).copied().unwrap_or(u32::MAX), l)).collect();
        let mut language = ticket.language.as_ref().map(|l| self.name_ids.get(l).copied().unwrap_or(u32::MAX));
        let mut tier_max = tier;
        for step in &self.rules.relaxation[..usize::from(relax)] {
            if step.lower_levels > 0 {
                for s in &mut skills {
                    s.1 = s.1.saturating_sub(step.lower_levels).max(1);
                }
            }
            if step.drop_skills {
                skills.retain(|&(s, _)| step.keep_skills.iter().any(|k| self.name_ids.get(k).copied() == Some(s)));
            }
            if step.widen_tier {
                tier_max = tier_max.saturating_add(1).min(u8::try_from(self.rules.tiers.len() - 1).unwrap_or(0));
            }
            if step.any_language {
                language = None;
            }
        }
        compact_sort::sort(&mut skills);
        Requirements {
            tier_min: tier,
            tier_max,
            channel: ticket.channel,
            language,
            confidential: ticket.confidential,
            skills,
        }
    }

    /// Whether an agent's fixed attributes meet requirements.
    fn can_serve(&self, a: u32, req: &Requirements) -> bool {
        let agent = &self.agents[a as usize];
        agent.tier >= req.tier_min
            && agent.tier <= req.tier_max
            && (!req.confidential || self.roster[a as usize].clearance)
            && agent.capacity[req.channel.index()] > 0
            && req.language.is_none_or(|l| agent.languages.binary_search(&l).is_ok())
            && req.skills.iter().all(|&(s, level)| {
                agent.skills.binary_search_by_key(&s, |x| x.0).is_ok_and(|i| agent.skills[i].1 >= level)
            })
    }

    /// Why an agent cannot serve `ticket` with requirements `req`, in words
    /// (for explanations); `t` is its slot when it is in the engine.
    fn why_not(&self, a: u32, req: &Requirements, ticket: &Ticket, t: Option<u32>) -> Option<String> {
        let agent = &self.agents[a as usize];
        let spec = &self.roster[a as usize];
        if !agent.logged_in {
            return Some("not logged in".to_owned());
        }
        if agent.away {
            return Some("away".to_owned());
        }
        if !agent.on_shift {
            return Some("off shift".to_owned());
        }
        if agent.tier < req.tier_min || agent.tier > req.tier_max {
            return Some(format!("tier {} (needs {})", spec.tier, self.rules.tiers[usize::from(req.tier_min)]));
        }
        if req.confidential && !spec.clearance {
            return Some("no clearance for confidential work".to_owned());
        }
        if let Some(l) = req.language
            && agent.languages.binary_search(&l).is_err()
        {
            let name = self.names.get(l as usize).or(ticket.language.as_ref()).map_or("?", String::as_str);
            return Some(format!("does not speak {name}"));
        }
        for &(s, level) in &req.skills {
            let has = agent.skills.binary_search_by_key(&s, |x| x.0).map_or(0, |i| agent.skills[i].1);
            if has < level {
                return Some(format!("{} level {has} (needs {level})", self.skill_name(s, ticket)));
            }
        }
        let ch = req.channel.index();
        if agent.load[ch] >= agent.capacity[ch] {
            return Some(format!("at capacity on {} ({}/{})", req.channel, agent.load[ch], agent.capacity[ch]));
        }
        if agent.exclusive_load > 0 {
            return Some("on a call".to_owned());
        }
        if let Some(t) = t
            && self.tickets[t as usize].skip.iter().any(|&(x, until)| x == a && until > self.now)
        {
            return Some("declined this ticket recently".to_owned());
        }
        if let Some((max, _)) = self.rules.fairness
            && self.at_fairness_cap(a)
        {
            return Some(format!("reached the fairness cap ({max} offers)"));
        }
        None
    }

    /// A required skill's name; skills no agent has are not interned, so
    /// their name comes from the ticket.
    fn skill_name<'a>(&'a self, s: u32, ticket: &'a Ticket) -> &'a str {
        match self.names.get(s as usize) {
            Some(name) => name,
            None => ticket.skills.keys().find(|k| !self.name_ids.contains_key(*k)).map_or("?", String::as_str),
        }
    }

    /// The routing group of ticket `t` as it stands (tier, relaxation).
    fn group_of(&mut self, t: u32) -> u32 {
        let slot = &self.tickets[t as usize];
        let ticket = &slot.ticket;
        if slot.relax > 0 || !ticket.skills.is_empty() || ticket.language.is_some() {
            return self.group_for(self.requirements(t));
        }
        let plain =
            (usize::from(slot.tier) * Channel::ALL.len() + slot.channel.index()) * 2 + usize::from(ticket.confidential);
        if let Some(&g) = self.plain_groups.get(plain)
            && g != u32::MAX
        {
            return g;
        }
        let g = self.group_for(self.requirements(t));
        if self.plain_groups.len() <= plain {
            self.plain_groups.resize(plain + 1, u32::MAX);
        }
        self.plain_groups[plain] = g;
        g
    }

    fn group_for(&mut self, req: Requirements) -> u32 {
        if let Some(&g) = self.group_ids.get(&req) {
            return g;
        }
        let g = u32::try_from(self.groups.len()).unwrap_or(u32::MAX);
        self.group_ids.insert(req.clone(), g);
        self.group_channels.push(req.channel);
        self.waiting.add_group();
        self.groups.push(Group { req: req.clone(), ready: ReadyQueue::new(&self.rules.strategy) });
        for a in 0..u32::try_from(self.agents.len()).unwrap_or(0) {
            if self.agents[a as usize].logged_in && self.can_serve(a, &req) {
                self.agents[a as usize].groups.push(g);
                if !self.file_ready(a, g) {
                    self.agents[a as usize].unfiled.push(g);
                }
            }
        }
        g
    }

    /// Makes sure a newly logged-in agent is listed in every group it serves.
    fn ensure_groups_for(&mut self, a: u32) {
        let mut groups = Vec::new();
        for g in 0..u32::try_from(self.groups.len()).unwrap_or(0) {
            if self.can_serve(a, &self.groups[g as usize].req) {
                groups.push(g);
            }
        }
        // Entries from before a logout may still be filed.
        let unfiled = groups.iter().copied().filter(|&g| !self.groups[g as usize].ready.contains(a)).collect();
        let agent = &mut self.agents[a as usize];
        agent.groups = groups;
        agent.unfiled = unfiled;
    }

    /// A ticket back in the desk's hands (reopened, or the customer
    /// replied): its wait in its tier starts again, escalation counting from
    /// here, and it is queued preferring its last agent.
    fn return_to_desk(&mut self, t: u32) {
        self.restart_wait(t);
        self.enqueue(t, true);
    }

    /// After a customer reply or a reopening: if it started a new next reply
    /// cycle, that cycle's alerts are yet to be told.
    fn start_reply_cycle(&mut self, t: u32) {
        let slot = &mut self.tickets[t as usize];
        let spans = crate::sla::spans(to_ms(slot.ticket.created_at), &slot.ticket.history);
        if spans[Metric::NextReply as usize].as_ref().is_some_and(|span| span.start == self.now) {
            slot.told[Metric::NextReply as usize] = 0;
        }
    }

    /// The highest SLA alert fraction (a `warn_at` fraction, or 1.0 for the
    /// breach) each clock of `ticket` not stopped has reached by now, 0 for
    /// none.
    fn alerts_passed(&self, ticket: &Ticket) -> [f64; 3] {
        let mut passed = [0.0; 3];
        for (metric, fraction) in self.policy.alerts_reached(ticket, from_ms(self.now)).unwrap_or_default() {
            let i = metric as usize;
            passed[i] = f64::max(passed[i], fraction);
        }
        passed
    }

    /// Tells now the SLA alerts a ticket passed that no timer told: it was
    /// created after them (a late webhook, an import), a reclassification or
    /// a reloaded policy moved them into the past, or its clock resumed
    /// (reopened) past them. The highest untold alert of each clock is told,
    /// and one at or past the tier's escalation share escalates a waiting
    /// ticket, as the alert's timer would have.
    fn tell_alerts_passed(&mut self, t: u32) {
        let passed = self.alerts_passed(&self.tickets[t as usize].ticket);
        let mut highest: Option<f64> = None;
        for (i, metric) in Metric::ALL.into_iter().enumerate() {
            if self.first_telling(t, metric, passed[i]) {
                let ticket = self.tickets[t as usize].ticket.id.clone();
                self.out.push(Decision::SlaAlert { at: from_ms(self.now), ticket, metric, fraction: passed[i] });
                highest = Some(highest.map_or(passed[i], |h: f64| h.max(passed[i])));
            }
        }
        let slot = &self.tickets[t as usize];
        let tier = usize::from(slot.tier);
        let share = self.rules.escalate_at_fraction.get(tier).copied().flatten();
        if let (Some(reached), Some(share)) = (highest, share)
            && reached >= share
            && matches!(slot.status, Status::Queued | Status::Sticky { .. })
            && tier + 1 < self.rules.tiers.len()
        {
            let reason = self.share_reason(reached, tier);
            self.escalate(t, u8::try_from(tier + 1).unwrap_or(0), &reason);
        }
    }

    /// Whether the SLA alert `fraction` of ticket `t`'s `metric` clock is
    /// above every alert of that clock told so far; if so, it counts as told.
    fn first_telling(&mut self, t: u32, metric: Metric, fraction: f64) -> bool {
        let (step, told) = (alert_step(fraction), &mut self.tickets[t as usize].told[metric as usize]);
        let first = step > *told;
        if first {
            *told = step;
        }
        first
    }

    /// Why a ticket escalates at an SLA alert at or past its tier's share.
    fn share_reason(&self, fraction: f64, tier: usize) -> String {
        format!("reached {fraction} of an SLA target in {}", self.rules.tiers[tier])
    }

    /// A new wait in its tier starts now, for a ticket back in the queue
    /// after being worked: escalation counts from here, and its relaxation
    /// ladder starts again from the first step.
    fn restart_wait(&mut self, t: u32) {
        let slot = &mut self.tickets[t as usize];
        slot.tier_since = self.now;
        if slot.relax != 0 {
            slot.relax = 0;
            slot.req_group = Packed::NONE;
        }
    }

    /// Queues a ticket (or offers it straight to its preferred agent).
    fn enqueue(&mut self, t: u32, allow_sticky: bool) {
        let slot = &self.tickets[t as usize];
        if allow_sticky
            && let Some(p) = slot.preferred
            && self.agents[p as usize].logged_in
        {
            let req = self.requirements(t);
            if self.can_serve(p, &req)
                && !self.skipped(t, p)
                && (self.rules.sticky_wait_ms > 0 || self.can_take(p, req.channel))
            {
                let until = self.now + self.rules.sticky_wait_ms;
                self.tickets[t as usize].status = Status::Sticky { agent: p, until };
                self.agents[p as usize].add_sticky(t);
                self.dirty_agents.push(p);
                self.arm(t);
                return;
            }
        }
        self.enqueue_plain(t);
    }

    fn enqueue_plain(&mut self, t: u32) {
        let g = match self.tickets[t as usize].req_group.get() {
            Some(g) => g,
            None => {
                let g = self.group_of(t);
                self.tickets[t as usize].req_group = Packed(g);
                g
            }
        };
        // The group's best ready agent, if any, will be asked to take the
        // ticket once the event is handled: its slot starts loading now.
        if let Some((a, _)) = self.groups[g as usize].ready.peek() {
            self.prefetch_agent(a);
        }
        let slot = &mut self.tickets[t as usize];
        slot.status = Status::Queued;
        slot.group = Packed(g);
        if let Some(key) = slot.key {
            self.waiting.push(g, t, key.into());
        }
        self.dirty_groups.push(g);
        self.arm(t);
    }

    fn dequeue(&mut self, t: u32) {
        let slot = &mut self.tickets[t as usize];
        match slot.status {
            Status::Queued => {
                if let Some(g) = slot.group.take() {
                    self.waiting.remove(g, t);
                    // The tickets behind it may now be takeable.
                    self.dirty_groups.push(g);
                }
            }
            Status::Sticky { agent, .. } => {
                self.agents[agent as usize].drop_sticky(t);
            }
            _ => {}
        }
        self.tickets[t as usize].status = Status::Handled;
    }

    /// Puts a ticket back in the queue at its old place.
    fn requeue(&mut self, t: u32, reason: &str) {
        self.out.push(Decision::Requeued {
            at: from_ms(self.now),
            ticket: self.tickets[t as usize].ticket.id.clone(),
            reason: reason.to_owned(),
        });
        self.enqueue_plain(t);
    }

    /// Closes ticket `t` for good: its slot is freed for another ticket.
    fn close_for_good(&mut self, t: u32) {
        if self.tickets[t as usize].status != Status::Resolved {
            self.close(t, Status::Resolved);
        }
        if !self.tickets_by_handle {
            self.ticket_ids.remove(self.tickets[t as usize].ticket.id.as_bytes());
        }
        let slot = &mut self.tickets[t as usize];
        slot.disarm();
        // An empty id marks a free slot. Its memory is kept with the
        // box: a caller given the box back reuses it for its next
        // ticket's id (`Engine::spare_ticket`); otherwise it goes
        // when the slot's next ticket replaces the box. A box given
        // back is filled anew from the caller's template, every field
        // of it (`Engine::ticket_box`): emptying it first is wasted.
        if self.tickets_by_handle {
            slot.ticket.id.clear();
        } else {
            slot.ticket.empty();
        }
        // Kept for the slot's next ticket.
        slot.tier_path.clear();
        slot.skip.clear();
        slot.key = None;
        slot.req_group = Packed::NONE;
        slot.preferred = None;
        self.free_slots.push(t);
    }

    fn close(&mut self, t: u32, status: Status) {
        let before = self.tickets[t as usize].status;
        match before {
            Status::Queued | Status::Sticky { .. } => self.dequeue(t),
            Status::Offered { agent, .. } => self.withdraw_offer(t, agent, "the ticket was resolved"),
            Status::Assigned { agent } => self.release(agent, t, true),
            Status::Pending { agent: Some(agent) } if self.rules.pending_consumes_capacity => {
                self.release(agent, t, true);
            }
            _ => {}
        }
        // The agent who worked it, preferred if it is reopened.
        if let Status::Assigned { agent } | Status::Pending { agent: Some(agent) } = before {
            self.tickets[t as usize].preferred = Some(agent);
        }
        self.tickets[t as usize].status = status;
        self.tickets[t as usize].disarm();
    }

    /// Frees the capacity a ticket held with an agent, after wrap-up if `wrap`.
    fn release(&mut self, a: u32, t: u32, wrap: bool) {
        let ch = self.tickets[t as usize].channel;
        let wrap_ms = if wrap { self.rules.wrap_up_ms[ch.index()] } else { 0 };
        if wrap_ms > 0 {
            self.schedule(self.now + wrap_ms, TimerKind::WrapUp { agent: a, channel: ch });
        } else {
            self.unload(a, ch);
        }
        self.tickets[t as usize].status = Status::Handled;
    }

    /// Ends the offer of ticket `t` to agent `a` for a reason other than the
    /// agent's answer or the offer's expiry, and tells the host, whose agent
    /// may be looking at it.
    fn withdraw_offer(&mut self, t: u32, a: u32, reason: &str) {
        self.out.push(Decision::OfferWithdrawn {
            at: from_ms(self.now),
            ticket: self.tickets[t as usize].ticket.id.clone(),
            agent: self.agent_id(a).to_owned(),
            reason: reason.to_owned(),
        });
        self.release(a, t, false);
    }

    fn unload(&mut self, a: u32, ch: Channel) {
        let agent = &mut self.agents[a as usize];
        agent.load[ch.index()] = agent.load[ch.index()].saturating_sub(1);
        if self.rules.exclusive[ch.index()] {
            agent.exclusive_load = agent.exclusive_load.saturating_sub(1);
        }
        self.refresh_agent(a);
    }

    /// A rejection or expiry: skip that agent for a while.
    fn decline(&mut self, t: u32, a: u32) {
        let until = self.now + self.rules.reject_cooldown_ms;
        let slot = &mut self.tickets[t as usize];
        slot.skip.retain(|&(x, u)| x != a && u > until - self.rules.reject_cooldown_ms);
        if self.rules.reject_cooldown_ms > 0 {
            slot.skip.push((a, until));
            self.schedule(until, TimerKind::Recheck { agent: a });
        }
        self.release(a, t, false);
    }

    fn escalate(&mut self, t: u32, to: u8, reason: &str) {
        let from = self.tickets[t as usize].tier;
        let before = self.tickets[t as usize].status;
        match before {
            Status::Queued | Status::Sticky { .. } => self.dequeue(t),
            Status::Offered { agent, .. } => self.withdraw_offer(t, agent, "the ticket was escalated"),
            Status::Assigned { agent } => self.release(agent, t, true),
            Status::Pending { agent: Some(agent) } if self.rules.pending_consumes_capacity => {
                self.release(agent, t, true);
            }
            _ => {}
        }
        let now = self.now;
        let slot = &mut self.tickets[t as usize];
        slot.tier = to;
        slot.req_group = Packed::NONE;
        slot.tier_path.push(to);
        slot.tier_since = now;
        slot.relax = 0;
        // An agent who declined it lately still skips it in the new tier.
        slot.skip.retain(|&(_, until)| until > now);
        self.out.push(Decision::Escalated {
            at: from_ms(self.now),
            ticket: slot.ticket.id.clone(),
            from_tier: self.rules.tiers[usize::from(from)].clone(),
            to_tier: self.rules.tiers[usize::from(to)].clone(),
            reason: reason.to_owned(),
        });
        if matches!(before, Status::Pending { .. }) {
            // Still waiting on the customer: queued in the new tier when
            // the customer replies, by whoever is there then.
            let slot = &mut self.tickets[t as usize];
            slot.status = Status::Pending { agent: None };
            slot.preferred = None;
            self.arm(t);
        } else {
            self.enqueue_plain(t);
        }
    }

    fn update_shift(&mut self, a: u32) {
        let slot = &mut self.agents[a as usize];
        slot.generation += 1;
        let generation = slot.generation;
        let now = from_ms(self.now);
        let (on, next) = match &slot.shift {
            None => (true, None),
            Some(cal) => (cal.is_open(now).unwrap_or(false), cal.next_change(now).ok().flatten()),
        };
        slot.on_shift = on;
        if let Some(next) = next
            && slot.logged_in
        {
            self.schedule(to_ms(next), TimerKind::Shift { agent: a, generation });
        }
        self.refresh_agent(a);
    }

    /// Whether an agent can take a new item on channel `channel` now.
    fn can_take(&self, a: u32, channel: Channel) -> bool {
        let ch = channel.index();
        self.open_for_work(a) && {
            let agent = &self.agents[a as usize];
            agent.load[ch] < agent.capacity[ch]
        }
    }

    /// Whether agent `a` could take a new item on some channel: the part of
    /// [`Engine::can_take`] that does not depend on the channel, plus spare
    /// capacity anywhere. When it is false, no group the agent serves can
    /// offer it anything, and the scans of its groups are skipped.
    fn can_take_any(&self, a: u32) -> bool {
        self.open_for_work(a) && {
            let agent = &self.agents[a as usize];
            agent.load.iter().zip(&agent.capacity).any(|(load, capacity)| load < capacity)
        }
    }

    fn open_for_work(&self, a: u32) -> bool {
        let agent = &self.agents[a as usize];
        agent.logged_in && !agent.away && agent.on_shift && agent.exclusive_load == 0 && !self.at_fairness_cap(a)
    }

    fn agent_key(&self, a: u32, g: u32) -> AgentKey {
        self.agent_key_for(a, &self.groups[g as usize].req)
    }

    /// An agent's strategy key for requirements `req`.
    fn agent_key_for(&self, a: u32, req: &Requirements) -> AgentKey {
        let agent = &self.agents[a as usize];
        let mut parts = [0i64; 4];
        for (i, s) in self.rules.strategy.iter().take(4).enumerate() {
            parts[i] = match s {
                Strategy::LongestIdle => agent.last_offer_at.saturating_neg(),
                Strategy::MostSpareCapacity => {
                    i64::from(agent.capacity[req.channel.index()]) - i64::from(agent.load[req.channel.index()])
                }
                Strategy::BestSkillMatch => req
                    .skills
                    .iter()
                    .map(|&(s, _)| {
                        agent.skills.binary_search_by_key(&s, |x| x.0).map_or(0, |i| i64::from(agent.skills[i].1))
                    })
                    .sum(),
                Strategy::RoundRobin => -i64::try_from(agent.last_offer_seq).unwrap_or(i64::MAX),
            };
        }
        AgentKey(parts, Reverse(a))
    }

    /// Files agent `a` in group `g`'s ready queue if it is free for the
    /// group's channel, and says whether it was.
    ///
    /// Entries are kept lazily, which saves a queue operation per group on
    /// every change of an agent:
    /// - busy agents are not removed: their entries are dropped when they
    ///   surface;
    /// - an entry may hold an agent's key from before its last offers. Keys
    ///   only fall with offers (longest idle, round robin), so such an entry
    ///   ranks the agent too high, never too low, and is filed again under
    ///   the current key when it surfaces. Only a rise needs filing now: spare
    ///   capacity grows when an item ends.
    fn file_ready(&mut self, a: u32, g: u32) -> bool {
        if !self.can_take(a, self.group_channels[g as usize]) {
            return false;
        }
        let filed = self.groups[g as usize].ready.key_of(a);
        if filed.is_none() || self.rules.agent_keys_can_rise() {
            let key = self.agent_key(a, g);
            if filed.is_none_or(|old| old < key) {
                self.groups[g as usize].ready.push(a, key);
            }
        }
        true
    }

    /// Marks an agent whose state changed: the next dispatch offers it work
    /// and then files it, if still free, in its groups' ready queues.
    fn refresh_agent(&mut self, a: u32) {
        self.dirty_agents.push(a);
    }

    /// Files a (still) free agent in the ready queues of the groups it
    /// serves that lack it, or in all of them when its key may have risen.
    fn sync_ready(&mut self, a: u32) {
        if self.rules.agent_keys_can_rise() {
            self.file_everywhere(a);
            return;
        }
        if self.agents[a as usize].unfiled.is_empty() || !self.can_take_any(a) {
            return;
        }
        let mut unfiled = std::mem::take(&mut self.agents[a as usize].unfiled);
        unfiled.retain(|&g| !self.file_ready(a, g));
        self.agents[a as usize].unfiled = unfiled;
    }

    /// Files agent `a` with its current key in every group it serves and is
    /// free for.
    fn file_everywhere(&mut self, a: u32) {
        let groups = std::mem::take(&mut self.agents[a as usize].groups);
        for &g in &groups {
            self.file_ready(a, g);
        }
        let mut unfiled = std::mem::take(&mut self.agents[a as usize].unfiled);
        unfiled.retain(|&g| !self.groups[g as usize].ready.contains(a));
        let agent = &mut self.agents[a as usize];
        agent.groups = groups;
        agent.unfiled = unfiled;
    }

    /// Offers everything that can be offered: each agent that became free
    /// takes the most urgent ticket it may, then each group with new tickets
    /// takes its best ready agents. Work lists are sorted, so the order of
    /// decisions never depends on hashing.
    fn dispatch(&mut self) {
        loop {
            match (self.dirty_agents.len(), self.dirty_groups.len()) {
                (0, 0) => return,
                // Most rounds have one agent or one group to see to: no
                // lists to swap, sort or deduplicate.
                (1, 0) => {
                    let a = self.dirty_agents[0];
                    self.dirty_agents.clear();
                    self.dispatch_agent(a);
                    self.sync_ready(a);
                }
                (0, 1) => {
                    let g = self.dirty_groups[0];
                    self.dirty_groups.clear();
                    self.dispatch_group(g);
                }
                _ => self.dispatch_round(),
            }
        }
    }

    /// One round of [`Engine::dispatch`]: the agents marked so far, in
    /// order, then the groups, most urgent top first. What they mark goes to
    /// the next round.
    fn dispatch_round(&mut self) {
        // The lists being worked through and the lists being filled swap
        // places, so neither is allocated again on the next event.
        let mut agents = std::mem::take(&mut self.dispatching_agents);
        let mut groups = std::mem::take(&mut self.dispatching_groups);
        std::mem::swap(&mut agents, &mut self.dirty_agents);
        std::mem::swap(&mut groups, &mut self.dirty_groups);
        compact_sort::sort(&mut agents);
        agents.dedup();
        for &a in &agents {
            self.dispatch_agent(a);
            self.sync_ready(a);
        }
        agents.clear();
        compact_sort::sort_by_key(&mut groups, |&g| Reverse(self.waiting.top(g).map(|(_, k)| k)));
        groups.dedup();
        for &g in &groups {
            self.dispatch_group(g);
        }
        groups.clear();
        self.dispatching_agents = agents;
        self.dispatching_groups = groups;
    }

    fn skipped(&self, t: u32, a: u32) -> bool {
        self.tickets[t as usize].skip.iter().any(|&(x, until)| x == a && until > self.now)
    }

    /// Offers an agent the most urgent tickets it may take, while it is free.
    fn dispatch_agent(&mut self, a: u32) {
        while self.can_take_any(a) {
            // Sticky tickets waiting for this agent come first.
            let agent = &self.agents[a as usize];
            let sticky = if agent.any_sticky {
                agent
                    .sticky
                    .iter()
                    .copied()
                    .filter(|&t| self.can_take(a, self.tickets[t as usize].channel))
                    .max_by_key(|&t| self.tickets[t as usize].key)
            } else {
                None
            };
            if let Some(t) = sticky {
                self.agents[a as usize].drop_sticky(t);
                self.offer(t, a, None);
                continue;
            }
            // Fast path: compare the copies of the tops of the groups this
            // agent can take work in (`groups` is in ascending order); look
            // inside a queue only if the winner was declined.
            let mut best = self
                .waiting
                .most_urgent_among(&self.agents[a as usize].groups, |g| {
                    self.can_take(a, self.group_channels[g as usize])
                })
                .map(|(g, t, key)| (key, t, g));
            if let Some((_, t, _)) = best
                && self.skipped(t, a)
            {
                best = None;
                let groups = std::mem::take(&mut self.agents[a as usize].groups);
                for &g in &groups {
                    if self.waiting.top(g).is_none() || !self.can_take(a, self.group_channels[g as usize]) {
                        continue;
                    }
                    if let Some(t) = self.first_unskipped(g, a) {
                        let key = QueueKey::from(self.tickets[t as usize].key.unwrap_or(TicketKey {
                            points: 0.0,
                            due: 0,
                            created: 0,
                            seq: 0,
                        }));
                        if best.is_none_or(|(k, _, _)| key > k) {
                            best = Some((key, t, g));
                        }
                    }
                }
                self.agents[a as usize].groups = groups;
            }
            match best {
                Some((_, t, g)) => {
                    self.waiting.remove(g, t);
                    self.tickets[t as usize].group = Packed::NONE;
                    self.offer(t, a, Some(g));
                }
                None => break,
            }
        }
    }

    /// The most urgent ticket of group `g` that agent `a` has not declined.
    fn first_unskipped(&mut self, g: u32, a: u32) -> Option<u32> {
        let (t, _) = self.waiting.top(g)?;
        if !self.skipped(t, a) {
            return Some(t);
        }
        // Rare: look past declined tickets, then put them back.
        let mut held = Vec::new();
        let mut found = None;
        while let Some((t, k)) = self.waiting.pop(g) {
            held.push((t, k));
            if !self.skipped(t, a) {
                found = Some(t);
                break;
            }
            if held.len() >= 64 {
                break;
            }
        }
        for (t, k) in held {
            self.waiting.push(g, t, k);
        }
        found
    }

    /// Offers group `g`'s most urgent tickets to its best ready agents. A
    /// ticket every ready agent has declined does not block the ones behind it
    /// (up to 64 are looked past).
    fn dispatch_group(&mut self, g: u32) {
        while !self.groups[g as usize].ready.is_empty() {
            let mut held = Vec::new();
            let mut found = None;
            while let Some((t, k)) = self.waiting.pop(g) {
                if let Some(a) = self.best_ready_for(g, t) {
                    found = Some((t, a));
                    break;
                }
                held.push((t, k));
                if held.len() >= 64 || self.groups[g as usize].ready.is_empty() {
                    break;
                }
            }
            for (t, k) in held {
                self.waiting.push(g, t, k);
            }
            let Some((t, a)) = found else { break };
            self.tickets[t as usize].group = Packed::NONE;
            self.offer(t, a, Some(g));
            // The agent is still on top of the group's ready queue. With no
            // room left for the group's work, its entry goes now, while it
            // is in cache, rather than when it next surfaces (to be dropped
            // then by `best_ready_for`, to the same effect); and the next
            // agent's slot starts loading for the group's next ticket.
            let ready = &self.groups[g as usize].ready;
            if !self.can_take(a, self.group_channels[g as usize]) && ready.peek().is_some_and(|(top, _)| top == a) {
                self.unfile_top(g);
                if let Some((next, _)) = self.groups[g as usize].ready.peek() {
                    self.prefetch_agent(next);
                }
            }
        }
    }

    /// Takes the agent on top of group `g`'s ready queue out of it (it can
    /// take no more of the group's work), to be filed again when it can.
    fn unfile_top(&mut self, g: u32) {
        if let Some((a, _)) = self.groups[g as usize].ready.pop() {
            self.agents[a as usize].unfiled.push(g);
        }
    }

    /// The best free agent of group `g` that has not declined ticket `t`.
    /// Entries of agents that are no longer free are dropped as they surface;
    /// entries with an outdated key are filed again under the current one.
    fn best_ready_for(&mut self, g: u32, t: u32) -> Option<u32> {
        let channel = self.group_channels[g as usize];
        let mut held = Vec::new();
        let mut chosen = None;
        while let Some((a, k)) = self.groups[g as usize].ready.peek() {
            if !self.can_take(a, channel) {
                self.unfile_top(g);
                continue;
            }
            let current = self.agent_key(a, g);
            if current != k {
                self.groups[g as usize].ready.rekey_top(current);
                continue;
            }
            if !self.skipped(t, a) {
                // It stays filed: its entry is refreshed or dropped when
                // it next comes to the top.
                chosen = Some(a);
                break;
            }
            // Passed over for this ticket only: set aside, then put back.
            self.groups[g as usize].ready.pop();
            held.push((a, k));
        }
        for (a, k) in held {
            self.groups[g as usize].ready.push(a, k);
        }
        chosen
    }

    fn offer(&mut self, t: u32, a: u32, from_group: Option<u32>) {
        let now = self.now;
        let at_once = self.offers_made.as_ref().is_some_and(|made| made.taken_at_once);
        let expires = if at_once { NEVER } else { now + self.rules.offer_timeout_ms };
        let ch = self.tickets[t as usize].channel.index();
        let why = (!at_once).then(|| match from_group {
            Some(g) => self.explanation(t, a, &self.groups[g as usize].req),
            None => {
                let req = self.requirements(t);
                self.explanation(t, a, &req)
            }
        });
        let agent = &mut self.agents[a as usize];
        let load_before = (agent.load[ch], agent.capacity[ch]);
        let idle_ms = if agent.last_offer_at == i64::MIN { 0 } else { now - agent.last_offer_at };
        agent.load[ch] += 1;
        if self.rules.exclusive[ch] {
            agent.exclusive_load += 1;
        }
        agent.last_offer_at = now;
        self.offer_seq += 1;
        agent.last_offer_seq = self.offer_seq;
        if let Some((_, window)) = self.rules.fairness {
            agent.recent_offers.push_back(now);
            self.schedule(now + window, TimerKind::Recheck { agent: a });
        }
        self.tickets[t as usize].status = Status::Offered { agent: a, expires };
        self.arm(t);
        // An agent with room for more is offered it by the next round of
        // dispatch. One without (a call, a full set of chats) would only be
        // looked at there to find nothing to do: neither offered work nor
        // filed as ready.
        if self.can_take_any(a) {
            self.refresh_agent(a);
        }
        let handle = self.handle_of(t);
        if let Some(made) = &mut self.offers_made {
            made.waiting.push((handle, a));
        }
        let Some(mut why) = why else { return };
        let slot = &self.tickets[t as usize];
        why.load = load_before;
        #[allow(clippy::cast_precision_loss)]
        {
            why.idle_s = idle_ms as f64 / 1000.0;
        }
        why.preferred = slot.preferred == Some(a);
        self.out.push(Decision::Offer {
            at: from_ms(now),
            ticket: slot.ticket.id.clone(),
            agent: self.agent_id(a).to_owned(),
            expires_at: from_ms(expires),
            why,
        });
    }

    #[allow(clippy::cast_precision_loss)]
    fn basic_explanation(&self, t: u32, a: u32, req: &Requirements) -> OfferExplanation {
        let slot = &self.tickets[t as usize];
        let agent = &self.agents[a as usize];
        let key = slot.key.unwrap_or(TicketKey { points: 0.0, due: i64::MAX, created: 0, seq: 0 });
        let skills = req
            .skills
            .iter()
            .map(|&(s, required)| SkillMatch {
                skill: self.shared_names.get(s as usize).cloned().unwrap_or_else(|| Arc::from("")),
                required,
                level: agent.skills.binary_search_by_key(&s, |x| x.0).map_or(0, |i| agent.skills[i].1),
            })
            .collect();
        OfferExplanation {
            priority: self.class_names.get(usize::from(slot.class)).cloned().unwrap_or_else(|| Arc::from("")),
            score: self.policy.inner.scoring.score_at(key.points, self.now),
            due: (key.due != i64::MAX).then(|| from_ms(key.due)),
            waited_s: (self.now - slot.tier_since) as f64 / 1000.0,
            tier: Arc::clone(&self.tier_names[usize::from(slot.tier)]),
            strategy: Arc::clone(&self.strategy_names),
            skills,
            load: (0, 0),
            idle_s: 0.0,
            preferred: false,
            relaxation: self.rules.relaxation[..usize::from(slot.relax)].iter().map(|s| s.describe()).collect(),
            passed_over: Vec::new(),
        }
    }

    fn explanation(&self, t: u32, a: u32, req: &Requirements) -> Box<OfferExplanation> {
        let mut why = Box::new(self.basic_explanation(t, a, req));
        if !self.explain {
            return why;
        }
        for b in 0..u32::try_from(self.agents.len()).unwrap_or(0) {
            if b == a {
                continue;
            }
            let reason = self
                .why_not(b, req, &self.tickets[t as usize].ticket, Some(t))
                .unwrap_or_else(|| "ranked lower by the strategy".to_owned());
            why.passed_over.push(PassedOver { agent: self.roster[b as usize].id.clone(), reason });
            if why.passed_over.len() >= 50 {
                break;
            }
        }
        why
    }

    fn schedule(&mut self, at: i64, kind: TimerKind) {
        // A stale timer stays in the heap until its instant, which for SLA
        // alerts of tickets resolved long before can be days away. Once the
        // heap has doubled since the last sweep, drop the stale ones: each
        // sweep is paid for by the pushes before it, and the heap stays
        // small enough to pop cheaply. Live timers keep their order.
        if self.timers.len() >= 2 * self.timers_swept.max(4096) {
            let mut timers = std::mem::take(&mut self.timers);
            timers.retain(|Reverse(t)| self.timer_is_live(t.kind));
            self.timers = timers;
            self.timers_swept = self.timers.len();
        }
        self.timer_seq += 1;
        self.timers.push(Reverse(Timer { at, seq: self.timer_seq, kind }));
    }

    /// (Re)arms a ticket's timer for its current status: the earliest of its
    /// offer expiry, sticky end, next relaxation step, escalation and SLA alert.
    fn arm(&mut self, t: u32) {
        let slot = &mut self.tickets[t as usize];
        // Its timer is due and has not fired yet (another timer of this
        // instant fired first and changed the ticket, e.g. offered it): it
        // stays, fires next, and arms the ticket then. Replaced, what it was
        // armed for (an SLA alert due now) would be lost.
        if slot.armed.get().is_some_and(|at| at <= self.now) {
            return;
        }
        let mut next: Option<i64> = None;
        let mut consider = |x: i64| next = Some(next.map_or(x, |n: i64| n.min(x)));
        for (at, _) in status_timers(&self.rules, slot).into_iter().flatten() {
            consider(at);
        }
        if !matches!(slot.status, Status::Resolved) {
            let next_sla = match slot.next_sla.get() {
                Some(n) if n > self.now => Some(n),
                None => None,
                Some(_) => {
                    let n = self.policy.assess(&slot.ticket, from_ms(self.now)).ok().and_then(|a| a.next_change);
                    let n = n.map(to_ms);
                    slot.next_sla = Packed::new(n);
                    n
                }
            };
            if let Some(n) = next_sla {
                consider(n);
            }
        }
        let at = next.map(|at| at.max(self.now));
        if at.is_some() && at == slot.armed.get() {
            return;
        }
        slot.disarm();
        slot.armed = Packed::new(at);
        let generation = slot.generation;
        if let Some(at) = at {
            self.schedule(at, TimerKind::Ticket { ticket: t, generation });
        }
    }

    fn next_timer(&mut self) -> Option<i64> {
        while let Some(Reverse(timer)) = self.timers.peek() {
            if self.timer_is_live(timer.kind) {
                return Some(timer.at);
            }
            self.timers.pop();
        }
        None
    }

    fn timer_is_live(&self, kind: TimerKind) -> bool {
        match kind {
            TimerKind::Ticket { ticket, generation } => self.tickets[ticket as usize].generation == generation,
            TimerKind::Shift { agent, generation } => self.agents[agent as usize].generation == generation,
            TimerKind::WrapUp { .. } | TimerKind::Recheck { .. } => true,
        }
    }

    fn fire_timers_until(&mut self, until: i64) {
        while let Some(Reverse(timer)) = self.timers.peek().copied() {
            if timer.at > until {
                break;
            }
            self.timers.pop();
            if !self.timer_is_live(timer.kind) {
                continue;
            }
            if let TimerKind::Ticket { ticket, .. } = timer.kind {
                self.tickets[ticket as usize].armed = Packed::NONE;
            }
            self.now = self.now.max(timer.at);
            self.started = true;
            self.fire(timer.kind);
            self.dispatch();
        }
    }

    /// Drops agent `a`'s offers that have left the fairness window (all of
    /// them without a cap); returns when the oldest of the rest leaves it.
    fn forget_old_offers(&mut self, a: u32) -> Option<i64> {
        let window = self.rules.fairness.map_or(0, |(_, window)| window);
        let now = self.now;
        let recent = &mut self.agents[a as usize].recent_offers;
        while recent.front().is_some_and(|&t| t + window <= now) {
            recent.pop_front();
        }
        recent.front().map(|&t| t + window)
    }

    /// Whether agent `a` has had as many offers in the fairness window as
    /// the policy allows.
    fn at_fairness_cap(&self, a: u32) -> bool {
        self.rules.fairness.is_some_and(|(max, _)| self.agents[a as usize].recent_offers.len() >= max as usize)
    }

    fn fire(&mut self, kind: TimerKind) {
        match kind {
            TimerKind::WrapUp { agent, channel } => self.unload(agent, channel),
            TimerKind::Recheck { agent } => {
                let next = self.forget_old_offers(agent);
                // Still at the cap (a recheck for another reason, or one set
                // under a reloaded policy's other window): look again when
                // the oldest offer leaves the window. That recheck always
                // lifts the cap, so these never chain.
                if self.at_fairness_cap(agent)
                    && let Some(next) = next
                {
                    self.schedule(next, TimerKind::Recheck { agent });
                }
                self.refresh_agent(agent);
                // A skip may have ended: the agent's groups may now match.
                let groups = self.agents[agent as usize].groups.clone();
                self.dirty_groups.extend(groups);
            }
            TimerKind::Shift { agent, .. } => self.update_shift(agent),
            TimerKind::Ticket { ticket, .. } => self.fire_ticket(ticket),
        }
    }

    fn fire_ticket(&mut self, t: u32) {
        let now = self.now;
        let id = self.tickets[t as usize].ticket.id.clone();
        // SLA alerts due now; one at or past the tier's escalation share
        // escalates a waiting ticket.
        let escalate_at = self.rules.escalate_at_fraction.get(usize::from(self.tickets[t as usize].tier)).copied();
        let mut past_share = None;
        if let Ok(alerts) = self.policy.alerts_due(&self.tickets[t as usize].ticket, from_ms(now)) {
            for (metric, fraction) in alerts {
                // Told once (a timer may fire twice at one instant).
                if !self.first_telling(t, metric, fraction) {
                    continue;
                }
                if escalate_at.flatten().is_some_and(|f| fraction >= f) {
                    past_share = Some(fraction);
                }
                self.out.push(Decision::SlaAlert { at: from_ms(now), ticket: id.clone(), metric, fraction });
            }
        }
        let slot = &self.tickets[t as usize];
        match slot.status {
            Status::Offered { agent, expires } if expires <= now => {
                self.out.push(Decision::OfferExpired {
                    at: from_ms(now),
                    ticket: id,
                    agent: self.agent_id(agent).to_owned(),
                });
                self.decline(t, agent);
                self.enqueue_plain(t);
            }
            // Waiting, in the queue or held for its preferred agent (whose
            // hold may end now: escalation first, as for a queued ticket).
            Status::Queued | Status::Sticky { .. } => {
                let tier = usize::from(slot.tier);
                let waited = now.saturating_sub(slot.tier_since);
                let waited_too_long = match self.rules.escalate_after_ms.get(tier) {
                    Some(Some(wait)) if waited >= *wait => Some(*wait),
                    _ => None,
                };
                if (waited_too_long.is_some() || past_share.is_some()) && tier + 1 < self.rules.tiers.len() {
                    let reason = match waited_too_long {
                        Some(wait) => format!(
                            "waited {} in {}",
                            crate::format_duration(crate::time::ms_duration(wait)),
                            self.rules.tiers[tier]
                        ),
                        None => self.share_reason(past_share.unwrap_or(1.0), tier),
                    };
                    self.escalate(t, u8::try_from(tier + 1).unwrap_or(0), &reason);
                    return;
                }
                if let Status::Sticky { agent, until } = self.tickets[t as usize].status {
                    if until <= now {
                        self.agents[agent as usize].drop_sticky(t);
                        self.enqueue_plain(t);
                    } else {
                        self.arm(t);
                    }
                    return;
                }
                let mut relaxed = false;
                while let Some(step) = self.rules.relaxation.get(usize::from(self.tickets[t as usize].relax)) {
                    if waited < step.after_ms {
                        break;
                    }
                    let index = usize::from(self.tickets[t as usize].relax);
                    self.out.push(Decision::Relaxed {
                        at: from_ms(now),
                        ticket: id.clone(),
                        step: index,
                        detail: step.describe(),
                    });
                    self.tickets[t as usize].relax += 1;
                    self.tickets[t as usize].req_group = Packed::NONE;
                    relaxed = true;
                }
                if relaxed {
                    self.dequeue(t);
                    self.enqueue_plain(t);
                } else {
                    self.arm(t);
                }
            }
            _ => self.arm(t),
        }
    }

    /// The engine's state as plain data.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let mut timers: Vec<Timer> =
            self.timers.iter().map(|Reverse(t)| *t).filter(|t| self.timer_is_live(t.kind)).collect();
        compact_sort::sort(&mut timers);
        Snapshot {
            format: 1,
            tiers: self.rules.tiers.clone(),
            roster: self.roster.to_vec(),
            explain: self.explain,
            now: self.now,
            started: self.started,
            ticket_seq: self.ticket_seq,
            offer_seq: self.offer_seq,
            timer_seq: self.timer_seq,
            tickets: self.tickets.clone(),
            free_slots: self.free_slots.clone(),
            agents: self.agents.clone(),
            timers,
            pending: self.out.clone(),
        }
    }

    /// An engine that carries on from `snapshot` under `policy`: restoring and
    /// replaying the remaining events gives the same decisions as never stopping.
    ///
    /// The snapshot is checked as untrusted input: every ticket, agent, tier
    /// and relaxation step it refers to must exist, and the restored engine
    /// must pass [`Engine::audit`]. So a snapshot restored under a different
    /// policy is refused if, under that policy, an agent holds a ticket it may
    /// not serve, a free agent could take a waiting ticket, an agent's shift
    /// calendar puts it on or off shift otherwise than the snapshot says (or
    /// changes it at another instant), or a change the policy times (a
    /// waiting ticket's next relaxation step or escalation, the end of a
    /// fairness window) falls before the timer the snapshot kept for it, or
    /// an SLA alert it puts in the past was never told. To
    /// change the policy of a running desk, use [`Engine::reload`], which
    /// re-times all of these and first offers what the new policy allows.
    ///
    /// # Errors
    /// A snapshot from another format; one that refers to what does not
    /// exist, taken under tiers this policy renames or reorders, or whose
    /// state is inconsistent as above (code `inconsistent`, naming the first
    /// problem).
    pub fn restore(policy: CompiledPolicy, snapshot: Snapshot) -> Result<Engine, Error> {
        let engine = Engine::rebuild(policy, snapshot, false)?;
        // A snapshot is data from outside: one that was edited or corrupted
        // (loads that do not match holdings, a ticket with an agent who cannot
        // serve it) is refused rather than routed from.
        if let Some(problem) = engine.audit().into_iter().next() {
            return Err(Error::new(ErrorKind::Inconsistent, "", format!("the snapshot is inconsistent: {problem}")));
        }
        Ok(engine)
    }

    /// Switches a running engine to `policy` at the instant of the last event,
    /// keeping every ticket, agent and offer: waiting tickets are re-scored
    /// and regrouped, shifts and each ticket's next relaxation, escalation and
    /// SLA alert follow the new policy (SLA alerts a stricter policy puts in
    /// the past are told now, the highest of each clock, and escalate a
    /// waiting ticket at its tier's share, as for a reclassified ticket),
    /// free agents are filed under the new
    /// strategy, and whatever the new policy lets be offered now is offered
    /// (the decisions are appended to `out`, with a `wake_at`). Loads are
    /// counted again: an agent that tickets waiting on their customers take
    /// over its capacity (when the new policy counts them) keeps them, and
    /// takes nothing new on that channel until it is back under; it lets go
    /// of such a ticket it may not serve (as an update would). A ticket
    /// waiting for its last agent, who may not serve it under the new policy,
    /// waits for anyone instead, at its place.
    ///
    /// # Errors
    /// The policy cannot hold the roster (an agent's tier or shift calendar
    /// is missing), it renames or reorders the tiers (tickets hold theirs by
    /// position; tiers may only be added at the end), or under it an agent
    /// would hold a ticket it may not serve (code `inconsistent`). The
    /// engine is then unchanged: finish or withdraw those tickets, or reload
    /// a policy that keeps them servable.
    pub fn reload(&mut self, policy: CompiledPolicy, out: &mut Vec<Decision>) -> Result<(), Error> {
        let mut engine = Engine::rebuild(policy, self.snapshot(), true)?;
        // Shifts follow the new calendars, and each ticket's next relaxation,
        // escalation and SLA alert the new rules (older timers go stale).
        for a in 0..u32::try_from(engine.agents.len()).unwrap_or(0) {
            engine.update_shift(a);
        }
        for t in 0..u32::try_from(engine.tickets.len()).unwrap_or(0) {
            if engine.tickets[t as usize].ticket.id.is_empty() {
                continue;
            }
            match engine.tickets[t as usize].status {
                // Waiting for its last agent, who may no longer serve it
                // under the new policy (its relaxation ladder differs): it
                // waits for anyone instead, at its place.
                Status::Sticky { agent, .. } if !engine.can_serve(agent, &engine.requirements(t)) => {
                    engine.dequeue(t);
                    engine.enqueue_plain(t);
                }
                // Waiting on its customer, counted against its agent's
                // capacity under the new policy, with an agent who has
                // logged out or may not serve it (its relaxation or
                // confidentiality changed under a policy that did not count
                // it): the agent lets it go, as a logout or an update does
                // under such a policy. (Kept by a logged-out agent, it was
                // assigned to them at the customer's reply, and stuck.)
                Status::Pending { agent: Some(agent) }
                    if engine.rules.pending_consumes_capacity
                        && (!engine.agents[agent as usize].logged_in
                            || !engine.can_serve(agent, &engine.requirements(t))) =>
                {
                    engine.release(agent, t, false);
                    engine.tickets[t as usize].status = Status::Pending { agent: None };
                }
                _ => {}
            }
            // A stricter SLA may put alerts in the past, which no timer tells.
            engine.tell_alerts_passed(t);
            engine.arm(t);
        }
        // Offers counted by the fairness cap leave it when the new window
        // says (the pending rechecks were set for the old one): those past
        // it now, each of the others at its time, as if it had been made
        // under this policy. (A recheck only for the oldest left the cap on
        // too long when the agent reached it again later: nothing looked
        // when the next oldest left the shorter window.)
        if let Some((_, window)) = engine.rules.fairness {
            for a in 0..u32::try_from(engine.agents.len()).unwrap_or(0) {
                engine.forget_old_offers(a);
                let leaving: Vec<i64> = engine.agents[a as usize].recent_offers.iter().map(|&t| t + window).collect();
                for at in leaving {
                    engine.schedule(at, TimerKind::Recheck { agent: a });
                }
            }
        }
        engine.dirty_agents = (0..u32::try_from(engine.agents.len()).unwrap_or(0))
            .filter(|&a| engine.agents[a as usize].logged_in)
            .collect();
        engine.dirty_groups = (0..u32::try_from(engine.groups.len()).unwrap_or(0)).collect();
        engine.dispatch();
        if let Some(problem) = engine.audit().into_iter().next() {
            return Err(Error::new(
                ErrorKind::Inconsistent,
                "",
                format!("the engine's state does not fit the new policy: {problem}"),
            ));
        }
        engine.offers_made = self.offers_made.take();
        if self.tickets_by_handle {
            engine.name_tickets_by_handle();
        }
        *self = engine;
        self.finish(out);
        Ok(())
    }

    /// An engine with the state of `snapshot` under `policy`, its references
    /// checked (not yet audited). For a `reload`, tickets relaxed further than
    /// the new policy's ladder goes stay at its last step.
    fn rebuild(policy: CompiledPolicy, mut snapshot: Snapshot, reload: bool) -> Result<Engine, Error> {
        if snapshot.format != 1 {
            return Err(Error::new(ErrorKind::UnsupportedVersion, "format", "unknown snapshot format"));
        }
        Engine::check_instants_of(&snapshot)?;
        let mut engine = Engine::new(policy, snapshot.roster)?;
        if snapshot.agents.len() != engine.agents.len() {
            return Err(Error::new(ErrorKind::Inconsistent, "agents", "the snapshot's agents do not match its roster"));
        }
        if reload {
            let steps = u8::try_from(engine.rules.relaxation.len()).unwrap_or(u8::MAX);
            for slot in &mut snapshot.tickets {
                slot.relax = slot.relax.min(steps);
            }
        }
        // Tickets hold their tier and tier path by position in the policy's
        // list: under a policy that names those positions otherwise they
        // would silently change tier.
        let tiers = &engine.rules.tiers;
        if let Some(i) = snapshot.tiers.iter().zip(tiers).position(|(then, now)| then != now) {
            return Err(Error::new(
                ErrorKind::Inconsistent,
                format!("tiers[{i}]"),
                "tiers renamed or reordered since the snapshot (only adding at the end keeps tickets' tiers)",
            ));
        }
        engine.check_references(&snapshot.tickets, &snapshot.agents, &snapshot.free_slots, &snapshot.timers)?;
        engine.explain = snapshot.explain;
        engine.now = snapshot.now;
        engine.started = snapshot.started;
        engine.ticket_seq = snapshot.ticket_seq;
        engine.offer_seq = snapshot.offer_seq;
        engine.timer_seq = snapshot.timer_seq;
        for (slot, saved) in engine.agents.iter_mut().zip(snapshot.agents) {
            slot.logged_in = saved.logged_in;
            slot.away = saved.away;
            slot.on_shift = saved.on_shift;
            slot.load = saved.load;
            // Which channels are exclusive is the policy's: count again.
            slot.exclusive_load = u8::try_from(engine.rules.exclusive_items(&saved.load)).unwrap_or(u8::MAX);
            slot.last_offer_at = saved.last_offer_at;
            slot.last_offer_seq = saved.last_offer_seq;
            slot.recent_offers = saved.recent_offers;
            slot.any_sticky = !saved.sticky.is_empty();
            slot.sticky = saved.sticky;
            slot.generation = saved.generation;
        }
        for (i, mut saved) in snapshot.tickets.into_iter().enumerate() {
            // What a serialized snapshot leaves out is derived, and is worked
            // out again under this policy (a reload hands over live slots).
            saved.key = None;
            saved.channel = saved.ticket.channel;
            saved.group = Packed::NONE;
            saved.armed = Packed::NONE;
            saved.req_group = Packed::NONE;
            saved.next_sla = Packed::NONE;
            let index = u32::try_from(i).unwrap_or(u32::MAX);
            if !saved.ticket.id.is_empty() {
                engine.ticket_ids.insert(IdKey::new(&saved.ticket.id), index);
            }
            engine.tickets.push(saved);
        }
        engine.free_slots = snapshot.free_slots;
        let count = u32::try_from(engine.tickets.len()).unwrap_or(0);
        for t in 0..count {
            if !engine.tickets[t as usize].ticket.id.is_empty() {
                engine.rekey(t);
                if engine.tickets[t as usize].told.contains(&TOLD_UNKNOWN) {
                    // Written before alerts told were kept: what it passed
                    // was told by its timers.
                    let passed = engine.alerts_passed(&engine.tickets[t as usize].ticket);
                    engine.tickets[t as usize].told = passed.map(alert_step);
                }
            }
        }
        for a in 0..u32::try_from(engine.agents.len()).unwrap_or(0) {
            if engine.agents[a as usize].logged_in {
                engine.ensure_groups_for(a);
            }
        }
        // Rebuild queues in arrival order; then readiness.
        let mut queued: Vec<u32> =
            (0..count).filter(|&t| engine.tickets[t as usize].status == Status::Queued).collect();
        compact_sort::sort_by_key(&mut queued, |&t| engine.tickets[t as usize].seq);
        for t in queued {
            let g = engine.group_of(t);
            engine.tickets[t as usize].group = Packed(g);
            if let Some(key) = engine.tickets[t as usize].key {
                engine.waiting.push(g, t, key.into());
            }
            engine.tickets[t as usize].req_group = Packed(g);
        }
        for a in 0..u32::try_from(engine.agents.len()).unwrap_or(0) {
            engine.file_everywhere(a);
        }
        // The snapshot holds live timers only: each ticket's is its armed one,
        // kept (not pushed again) when it is re-armed for the same instant,
        // exactly as in the engine that was saved.
        for timer in &snapshot.timers {
            if let TimerKind::Ticket { ticket, .. } = timer.kind {
                engine.tickets[ticket as usize].armed = Packed(timer.at);
            }
        }
        engine.timers = snapshot.timers.into_iter().map(Reverse).collect();
        engine.out = snapshot.pending;
        engine.dirty_agents.clear();
        engine.dirty_groups.clear();
        if reload {
            engine.recount_loads();
        }
        Ok(engine)
    }

    /// The agent whose capacity a ticket takes, if any.
    fn load_holder(&self, slot: &TicketSlot) -> Option<u32> {
        match slot.status {
            Status::Offered { agent, .. } | Status::Assigned { agent } => Some(agent),
            Status::Pending { agent: Some(agent) } if self.rules.pending_consumes_capacity => Some(agent),
            _ => None,
        }
    }

    /// Every agent's load by channel as its tickets and running wrap-ups
    /// make it.
    fn expected_loads(&self) -> Vec<[u8; CHANNELS]> {
        let mut loads = vec![[0u8; CHANNELS]; self.agents.len()];
        for Reverse(timer) in &self.timers {
            if let TimerKind::WrapUp { agent, channel } = timer.kind {
                let load = &mut loads[agent as usize][channel.index()];
                *load = load.saturating_add(1);
            }
        }
        for slot in &self.tickets {
            if let Some(a) = self.load_holder(slot) {
                let load = &mut loads[a as usize][slot.channel.index()];
                *load = load.saturating_add(1);
            }
        }
        loads
    }

    /// Counts every agent's load again from what it holds under the policy
    /// in force (whether a ticket pending on its customer still takes
    /// capacity is the policy's) and the wrap-ups running.
    fn recount_loads(&mut self) {
        let loads = self.expected_loads();
        for (agent, load) in self.agents.iter_mut().zip(loads) {
            agent.load = load;
            agent.exclusive_load = u8::try_from(self.rules.exclusive_items(&load)).unwrap_or(u8::MAX);
        }
    }

    /// Whether every instant in `snapshot` is one the engine can hold (within
    /// the years jiff represents, or the "never" and "not yet" marks where
    /// those are used): an edited one far outside would overflow the
    /// engine's arithmetic on waits and timers.
    fn check_instants_of(snapshot: &Snapshot) -> Result<(), Error> {
        let far = |ms: i64| Timestamp::from_millisecond(ms).is_err();
        let ticket = snapshot.tickets.iter().position(|slot| {
            let until = match slot.status {
                Status::Offered { expires, .. } if expires != NEVER => expires,
                Status::Sticky { until, .. } => until,
                _ => 0,
            };
            far(until) || (!slot.ticket.id.is_empty() && far(slot.tier_since)) || slot.skip.iter().any(|s| far(s.1))
        });
        let agent = snapshot.agents.iter().position(|agent| {
            (agent.last_offer_at != i64::MIN && far(agent.last_offer_at))
                || agent.recent_offers.iter().any(|&at| far(at))
        });
        let path = match (ticket, agent) {
            _ if snapshot.started && far(snapshot.now) => "now".to_owned(),
            (Some(i), _) => format!("tickets[{i}]"),
            (None, Some(a)) => format!("agents[{a}]"),
            (None, None) if snapshot.timers.iter().any(|t| far(t.at)) => "timers".to_owned(),
            (None, None) => return Ok(()),
        };
        Err(Error::new(ErrorKind::Inconsistent, &path, "an instant outside the years -9999 to 9999"))
    }

    /// Checks that every ticket, agent, tier and relaxation step a snapshot
    /// refers to exists, before anything is looked up by those numbers.
    fn check_references(
        &self,
        tickets: &[TicketSlot],
        agents: &[AgentSlot],
        free_slots: &[u32],
        timers: &[Timer],
    ) -> Result<(), Error> {
        let bad = |path: String, what: String| Err(Error::new(ErrorKind::Inconsistent, &path, what));
        let n_agents = agents.len();
        let agent_ok = |a: u32| (a as usize) < n_agents;
        let ticket_ok = |t: u32| (t as usize) < tickets.len();
        let mut ids = HashSet::new();
        for (i, slot) in tickets.iter().enumerate() {
            let path = |field: &str| format!("tickets[{i}].{field}");
            if !slot.ticket.id.is_empty() && !ids.insert(slot.ticket.id.as_str()) {
                return bad(path("ticket.id"), format!("ticket {:?} appears twice", slot.ticket.id));
            }
            let holder = match slot.status {
                Status::Sticky { agent, .. } | Status::Offered { agent, .. } | Status::Assigned { agent } => {
                    Some(agent)
                }
                Status::Pending { agent } => agent,
                Status::Queued | Status::Handled | Status::Resolved => None,
            };
            if holder.is_some_and(|a| !agent_ok(a)) {
                return bad(path("status"), format!("no agent {holder:?} in the roster of {n_agents}"));
            }
            if slot.preferred.is_some_and(|a| !agent_ok(a)) || slot.skip.iter().any(|&(a, _)| !agent_ok(a)) {
                return bad(path("skip"), format!("refers to an agent outside the roster of {n_agents}"));
            }
            if usize::from(slot.tier) >= self.rules.tiers.len()
                || slot.tier_path.iter().any(|&t| usize::from(t) >= self.rules.tiers.len())
            {
                return bad(path("tier"), format!("the policy has {} tiers", self.rules.tiers.len()));
            }
            if usize::from(slot.relax) > self.rules.relaxation.len() {
                return bad(path("relax"), format!("the policy has {} relaxation steps", self.rules.relaxation.len()));
            }
        }
        for (a, agent) in agents.iter().enumerate() {
            if agent.sticky.iter().any(|&t| !ticket_ok(t)) {
                return bad(format!("agents[{a}].sticky"), "refers to a ticket outside the snapshot".to_owned());
            }
        }
        if let Some(i) = free_slots.iter().position(|&t| !ticket_ok(t) || !tickets[t as usize].ticket.id.is_empty()) {
            return bad(format!("free_slots[{i}]"), "not an empty ticket slot".to_owned());
        }
        let mut free = vec![false; tickets.len()];
        if let Some(i) = free_slots.iter().position(|&t| std::mem::replace(&mut free[t as usize], true)) {
            return bad(format!("free_slots[{i}]"), "listed twice".to_owned());
        }
        for (i, timer) in timers.iter().enumerate() {
            let ok = match timer.kind {
                TimerKind::Ticket { ticket, .. } => ticket_ok(ticket),
                TimerKind::Shift { agent, .. } | TimerKind::WrapUp { agent, .. } | TimerKind::Recheck { agent } => {
                    agent_ok(agent)
                }
            };
            if !ok {
                return bad(format!("timers[{i}]"), "refers to a ticket or agent outside the snapshot".to_owned());
            }
        }
        Ok(())
    }

    /// Counts for checks and dashboards: tickets by status, agents logged in.
    #[must_use]
    pub fn stats(&self) -> EngineStats {
        let mut s = EngineStats::default();
        for slot in self.tickets.iter().filter(|slot| !slot.ticket.id.is_empty()) {
            match slot.status {
                Status::Queued | Status::Sticky { .. } => s.waiting += 1,
                Status::Offered { .. } => s.offered += 1,
                Status::Assigned { .. } => s.assigned += 1,
                Status::Pending { .. } => s.pending += 1,
                Status::Handled => s.handled += 1,
                Status::Resolved => s.resolved += 1,
            }
        }
        s.agents_logged_in = self.agents.iter().filter(|a| a.logged_in).count();
        s.routing_groups = self.groups.len();
        s
    }

    /// Where every ticket is, for invariant checks: `(ticket id, status, agent)`.
    #[must_use]
    pub fn ticket_states(&self) -> Vec<(String, &'static str, Option<String>)> {
        self.tickets
            .iter()
            .filter(|slot| !slot.ticket.id.is_empty())
            .map(|slot| {
                let (name, agent) = match slot.status {
                    Status::Queued => ("queued", None),
                    Status::Sticky { agent, .. } => ("queued", Some(agent)),
                    Status::Offered { agent, .. } => ("offered", Some(agent)),
                    Status::Assigned { agent } => ("assigned", Some(agent)),
                    Status::Pending { agent } => ("pending", agent),
                    Status::Handled => ("handled", None),
                    Status::Resolved => ("resolved", None),
                };
                (slot.ticket.id.clone(), name, agent.map(|a| self.roster[a as usize].id.clone()))
            })
            .collect()
    }

    /// An agent's load on each channel (items held, including offers and
    /// wrap-up), by channel name.
    #[must_use]
    pub fn agent_load(&self, agent: &str) -> Option<BTreeMap<&'static str, (u8, u8)>> {
        let a = self.agent_ids.get(agent.as_bytes())?;
        let slot = &self.agents[a as usize];
        Some(Channel::ALL.iter().map(|c| (c.name(), (slot.load[c.index()], slot.capacity[c.index()]))).collect())
    }

    /// Checks the engine's internal consistency and returns every violation
    /// found (empty when all is well). Cost: O(tickets + agents x groups x
    /// waiting); meant for tests, fuzzing and health checks, not every event.
    ///
    /// Checked: every ticket is in exactly one place (one group queue, one
    /// agent's sticky list, or neither, as its status says); each agent's load
    /// per channel equals what it holds (offers, work, wrap-up) and never
    /// exceeds its capacity (but for tickets waiting on their customers, which
    /// a reload may make count); no confidential ticket is offered to or held by an
    /// agent without clearance, and no agent holds a ticket it cannot serve;
    /// ready queues hold exactly the agents ready for them; and no waiting
    /// ticket has a ready agent that could take it and has not declined it
    /// (work conservation). And every change due without a new event has its
    /// live timer: an offer's expiry, the end of a sticky wait, a waiting
    /// ticket's next relaxation step and escalation, an agent's next shift
    /// change (and whether it is on shift now), the end of a declined
    /// ticket's cooldown and of a fairness cap.
    #[must_use]
    pub fn audit(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut queued_in: Vec<Vec<u32>> = vec![Vec::new(); self.tickets.len()];
        for g in 0..u32::try_from(self.waiting.group_count()).unwrap_or(0) {
            for (t, key) in self.waiting.iter(g) {
                queued_in[t as usize].push(g);
                if self.tickets[t as usize].key.map(QueueKey::from) != Some(key) {
                    problems.push(format!("ticket {} is queued under a stale key", self.tickets[t as usize].ticket.id));
                }
            }
        }
        let mut sticky_in: Vec<usize> = vec![0; self.tickets.len()];
        for agent in &self.agents {
            for &t in &agent.sticky {
                sticky_in[t as usize] += 1;
            }
        }
        let expected_load = self.expected_loads();
        let mut pending_held = vec![[0u8; CHANNELS]; self.agents.len()];
        for (t, slot) in self.tickets.iter().enumerate() {
            if let (Status::Pending { agent: Some(a) }, true) = (slot.status, self.rules.pending_consumes_capacity) {
                let held = &mut pending_held[a as usize][slot.channel.index()];
                *held = held.saturating_add(1);
            }
            let id = &slot.ticket.id;
            let t32 = u32::try_from(t).unwrap_or(u32::MAX);
            if slot.channel != slot.ticket.channel {
                problems.push(format!("ticket {id} is routed as {} but is a {}", slot.channel, slot.ticket.channel));
            }
            let (want_queue, want_sticky) = match slot.status {
                Status::Queued => (1, 0),
                Status::Sticky { .. } => (0, 1),
                _ => (0, 0),
            };
            if queued_in[t].len() != want_queue || usize::from(slot.group.get().is_some()) != want_queue {
                problems.push(format!("ticket {id} ({:?}) is in {} group queues", slot.status, queued_in[t].len()));
            }
            if let (Some(g), [q]) = (slot.group.get(), queued_in[t].as_slice())
                && g != *q
            {
                problems.push(format!("ticket {id} is queued in group {q} but records group {g}"));
            }
            if sticky_in[t] != want_sticky {
                problems.push(format!("ticket {id} ({:?}) is in {} sticky lists", slot.status, sticky_in[t]));
            }
            if let Status::Sticky { agent, .. } = slot.status
                && !self.can_serve(agent, &self.requirements(t32))
            {
                problems.push(format!("ticket {id} waits for {} who cannot serve it", self.roster[agent as usize].id));
            }
            if let Some(a) = self.load_holder(slot) {
                if !self.agents[a as usize].logged_in {
                    problems.push(format!("ticket {id} is with {}, who is logged out", self.roster[a as usize].id));
                }
                if slot.ticket.confidential && !self.roster[a as usize].clearance {
                    problems.push(format!(
                        "confidential ticket {id} is with {} who has no clearance",
                        self.roster[a as usize].id
                    ));
                }
                if !self.can_serve(a, &self.requirements(t32)) {
                    problems.push(format!("ticket {id} is with {} who cannot serve it", self.roster[a as usize].id));
                }
            }
        }
        for (a, agent) in self.agents.iter().enumerate() {
            let name = &self.roster[a].id;
            if agent.load != expected_load[a] {
                problems.push(format!("agent {name} load {:?} but holds {:?}", agent.load, expected_load[a]));
            }
            // Tickets waiting on their customers may take an agent over its
            // capacity when a reload makes them count: the agent then takes
            // nothing new on that channel until it is back under. Nothing
            // else may.
            for (c, (load, capacity)) in agent.load.iter().zip(agent.capacity).enumerate() {
                if load.saturating_sub(pending_held[a][c]) > capacity {
                    problems.push(format!("agent {name} exceeds capacity on {}", Channel::ALL[c]));
                }
            }
            let exclusive = self.rules.exclusive_items(&agent.load);
            if exclusive != u32::from(agent.exclusive_load) {
                problems.push(format!("agent {name} exclusive load {} but holds {exclusive}", agent.exclusive_load));
            }
            let a32 = u32::try_from(a).unwrap_or(u32::MAX);
            if !agent.groups.is_sorted() {
                problems.push(format!("agent {name}'s groups are out of order"));
            }
            for (g, group) in self.groups.iter().enumerate() {
                let serves = agent.groups.contains(&u32::try_from(g).unwrap_or(u32::MAX));
                let should_serve = agent.logged_in && self.can_serve(a32, &group.req);
                if agent.logged_in && serves != should_serve {
                    problems.push(format!("agent {name} serving group {g}: listed {serves}, should be {should_serve}"));
                }
                // Free agents must be filed, with their current key or one
                // above it; busy ones may linger until they surface.
                let should = serves && self.can_take(a32, group.req.channel);
                let unfiled = agent.unfiled.contains(&u32::try_from(g).unwrap_or(u32::MAX));
                if agent.logged_in && serves && unfiled == group.ready.contains(a32) {
                    problems.push(format!("agent {name}'s list of groups lacking it is wrong about group {g}"));
                }
                if should
                    && group
                        .ready
                        .key_of(a32)
                        .is_none_or(|filed| filed < self.agent_key(a32, u32::try_from(g).unwrap_or(0)))
                {
                    problems.push(format!(
                        "agent {name} is free but not filed (with its current key or above) in group {g}"
                    ));
                }
                if should
                    && let Some((t, _)) =
                        self.waiting.iter(u32::try_from(g).unwrap_or(0)).find(|&(t, _)| !self.skipped(t, a32))
                {
                    problems.push(format!(
                        "work conservation: {name} is ready while {} waits in a group it serves",
                        self.tickets[t as usize].ticket.id
                    ));
                }
            }
            if agent.any_sticky == agent.sticky.is_empty() {
                problems.push(format!("{name}'s flag for sticky tickets disagrees with its list"));
            }
            for &t in &agent.sticky {
                if self.can_take(a32, self.tickets[t as usize].channel) {
                    problems.push(format!(
                        "{name} is ready while its sticky ticket {} waits",
                        self.tickets[t as usize].ticket.id
                    ));
                }
            }
        }
        self.audit_timers(&mut problems);
        self.audit_ids(&mut problems);
        problems.extend(self.waiting.check());
        problems
    }

    /// The part of [`Engine::audit`] about ticket ids (unless tickets are
    /// named by handle, when there is no table of ids): each open ticket is
    /// found under its id, and the table holds nothing else. A stale entry
    /// would refuse a new ticket under a closed one's id, or name a stranger.
    /// A slot is open while it holds an id (closing empties it). Not while
    /// it has a key: a ticket a reloaded policy cannot triage stays open
    /// without one.
    fn audit_ids(&self, problems: &mut Vec<String>) {
        if self.tickets_by_handle {
            return;
        }
        let mut open = 0;
        for (t, slot) in self.tickets.iter().enumerate().filter(|(_, slot)| !slot.ticket.id.is_empty()) {
            open += 1;
            if self.ticket_ids.get(slot.ticket.id.as_bytes()).map(|i| i as usize) != Some(t) {
                problems.push(format!("ticket {} is not found under its id", slot.ticket.id));
            }
        }
        if self.ticket_ids.len() != open {
            problems.push(format!("the table of ticket ids holds {} for {open} open tickets", self.ticket_ids.len()));
        }
    }

    /// The part of [`Engine::audit`] about time: whatever is due to change
    /// without a new event has a live timer by then. A missing one would
    /// leave an offer reserved forever, a ticket never relaxed or escalated,
    /// an agent on shift after its shift ends, or a declined ticket never
    /// offered to that agent again.
    fn audit_timers(&self, problems: &mut Vec<String>) {
        let mut ticket_timers: Vec<Vec<i64>> = vec![Vec::new(); self.tickets.len()];
        let mut shift_timers: Vec<Vec<i64>> = vec![Vec::new(); self.agents.len()];
        let mut rechecks: Vec<Vec<i64>> = vec![Vec::new(); self.agents.len()];
        for Reverse(timer) in &self.timers {
            if !self.timer_is_live(timer.kind) {
                continue;
            }
            match timer.kind {
                TimerKind::Ticket { ticket, .. } => ticket_timers[ticket as usize].push(timer.at),
                TimerKind::Shift { agent, .. } => shift_timers[agent as usize].push(timer.at),
                TimerKind::Recheck { agent } => rechecks[agent as usize].push(timer.at),
                TimerKind::WrapUp { .. } => {}
            }
        }
        // A timer armed at an instant already past fires at the next event.
        let by = |at: i64| at.max(self.now);
        for (t, slot) in self.tickets.iter().enumerate() {
            let id = &slot.ticket.id;
            if id.is_empty() {
                continue;
            }
            let live = &ticket_timers[t];
            if live.len() > 1 || live.first().copied() != slot.armed.get() {
                problems
                    .push(format!("ticket {id} is armed for {:?} but has live timers at {live:?}", slot.armed.get()));
            }
            let passed = self.alerts_passed(&slot.ticket);
            for (i, metric) in Metric::ALL.into_iter().enumerate() {
                if alert_step(passed[i]) > slot.told[i] {
                    problems.push(format!(
                        "ticket {id} had passed, at {}, SLA alert {} of its {} clock, never told",
                        from_ms(self.now),
                        passed[i],
                        metric.name()
                    ));
                }
            }
            for (at, what) in status_timers(&self.rules, slot).into_iter().flatten() {
                if slot.armed.get().is_none_or(|armed| armed > by(at)) {
                    problems.push(format!("ticket {id}'s {what} at {} has no timer", from_ms(at)));
                }
            }
            for &(a, until) in &slot.skip {
                if until > self.now && !rechecks[a as usize].iter().any(|&r| r <= until) {
                    problems.push(format!(
                        "{} declined ticket {id} until {}, but nothing rechecks the agent by then",
                        self.roster[a as usize].id,
                        from_ms(until)
                    ));
                }
            }
        }
        let now = from_ms(self.now);
        for (a, agent) in self.agents.iter().enumerate() {
            if !agent.logged_in {
                continue;
            }
            let name = &self.roster[a].id;
            if let Some(calendar) = &agent.shift {
                let open = calendar.is_open(now).unwrap_or(false);
                if agent.on_shift != open {
                    problems
                        .push(format!("agent {name} is on shift: {}, but its calendar says {open}", agent.on_shift));
                }
                let next = calendar.next_change(now).ok().flatten().map(to_ms);
                if shift_timers[a].as_slice() != next.as_slice() {
                    problems.push(format!(
                        "agent {name}'s shift next changes at {next:?}, but its live shift timers are at {:?}",
                        shift_timers[a]
                    ));
                }
            }
            if self.at_fairness_cap(u32::try_from(a).unwrap_or(u32::MAX))
                && let Some((_, window)) = self.rules.fairness
                && let Some(&oldest) = agent.recent_offers.front()
                && !rechecks[a].iter().any(|&r| r <= by(oldest + window))
            {
                problems.push(format!("agent {name} is at its fairness cap and nothing rechecks it"));
            }
        }
    }

    /// The SLA clock states of a ticket now (for hosts showing deadlines).
    ///
    /// # Errors
    /// Unknown ticket.
    pub fn triage(&self, ticket: &str) -> Result<crate::Triage, Error> {
        let t = self.ticket_index(ticket)?;
        self.policy.triage(&self.tickets[t as usize].ticket, from_ms(self.now))
    }
}

/// Where a roster leaves requirement combinations without anyone on duty.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoverageReport {
    /// The first instant of the week checked (Monday 00:00 UTC).
    pub week_start: Timestamp,
    /// The combinations with gaps, most serious first.
    pub gaps: Vec<CoverageGap>,
}

/// A requirement combination and when nobody on duty can serve it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CoverageGap {
    /// The combination, e.g. `"tier L2, skill network, language es"`.
    pub requirement: String,
    /// Uncovered stretches of the week, `(from, to)`, merged.
    pub uncovered: Vec<(Timestamp, Timestamp)>,
    /// Hours uncovered in the week.
    pub hours: f64,
    /// Whether nobody can serve it at any time on Saturday or Sunday (UTC).
    pub no_weekend_cover: bool,
    /// Holidays (of the shift calendars involved, in the year of the week)
    /// on which nobody can serve it at all.
    pub holidays_uncovered: Vec<String>,
    /// Whether no agent on the roster can ever serve it.
    pub never: bool,
}

const SLOTS: usize = 7 * 24 * 4;
const SLOT_MS: i64 = 15 * 60 * 1000;

impl Engine {
    /// Checks, in 15-minute steps over the week starting `week_start` (a
    /// Monday 00:00 UTC is best; any instant starts a week), which requirement combinations nobody on
    /// duty can serve, assuming every agent logs in for their shift. The
    /// combinations are every tier; every tier with each skill and language
    /// its agents have; and every tier with clearance for confidential work.
    /// Also reports combinations with nobody on weekends, and holidays of the
    /// shift calendars on which nobody can serve them.
    ///
    /// # Errors
    /// `out_of_range` (at `week_start`) for a week not wholly within the
    /// years calendars answer for ([`crate::MIN_YEAR`] to [`crate::MAX_YEAR`]).
    pub fn coverage(&self, week_start: Timestamp) -> Result<CoverageReport, Error> {
        let start = to_ms(week_start);
        let end = start.saturating_add(SLOTS as i64 * SLOT_MS);
        if !crate::calendar::in_range(start) || !crate::calendar::in_range(end - 1) {
            return Err(Error::new(
                ErrorKind::OutOfRange,
                "week_start",
                format!(
                    "the week of {week_start} is outside the years {} to {} that calendars answer for",
                    crate::MIN_YEAR,
                    crate::MAX_YEAR
                ),
            ));
        }
        // On-duty bitmaps, one per agent.
        let duty: Vec<Vec<bool>> = self
            .agents
            .iter()
            .map(|agent| {
                (0..SLOTS)
                    .map(|i| {
                        let at = from_ms(start + i as i64 * SLOT_MS);
                        agent.shift.as_ref().is_none_or(|c| c.is_open(at).unwrap_or(false))
                    })
                    .collect()
            })
            .collect();
        // Saturdays and Sundays (UTC) of this week, wherever it starts.
        let weekend: Vec<usize> = (0..SLOTS)
            .filter(|&i| {
                // 1970-01-01 was a Thursday: Monday is 0, Saturday 5.
                let monday_zero = ((start + i as i64 * SLOT_MS).div_euclid(86_400_000) + 3).rem_euclid(7);
                monday_zero >= 5
            })
            .collect();
        // Combinations: (tier, skill, language, clearance) with None = any.
        let mut combos: std::collections::BTreeSet<(u8, Option<u32>, Option<u32>, bool)> = Default::default();
        for t in 0..u8::try_from(self.rules.tiers.len()).unwrap_or(0) {
            combos.insert((t, None, None, false));
            combos.insert((t, None, None, true));
        }
        for agent in &self.agents {
            for &(s, _) in &agent.skills {
                if agent.languages.is_empty() {
                    combos.insert((agent.tier, Some(s), None, false));
                }
                for &l in &agent.languages {
                    combos.insert((agent.tier, Some(s), Some(l), false));
                }
            }
        }
        let name = |i: u32| self.names.get(i as usize).map_or("?", String::as_str);
        let mut gaps = Vec::new();
        for &(tier, skill, language, clearance) in &combos {
            let serves = |a: usize| {
                let agent = &self.agents[a];
                agent.tier == tier
                    && (!clearance || self.roster[a].clearance)
                    && skill.is_none_or(|s| agent.skills.iter().any(|x| x.0 == s))
                    && language.is_none_or(|l| agent.languages.contains(&l))
            };
            let members: Vec<usize> = (0..self.agents.len()).filter(|&a| serves(a)).collect();
            let covered: Vec<bool> = (0..SLOTS).map(|i| members.iter().any(|&a| duty[a][i])).collect();
            let mut uncovered = Vec::new();
            let mut i = 0;
            while i < SLOTS {
                if covered[i] {
                    i += 1;
                    continue;
                }
                let from = i;
                while i < SLOTS && !covered[i] {
                    i += 1;
                }
                uncovered.push((from_ms(start + from as i64 * SLOT_MS), from_ms(start + i as i64 * SLOT_MS)));
            }
            let no_weekend_cover = weekend.iter().all(|&i| !covered[i]);
            let mut holidays_uncovered = Vec::new();
            let mut calendars: Vec<&Calendar> = members.iter().filter_map(|&a| self.agents[a].shift.as_ref()).collect();
            compact_sort::sort_by(&mut calendars, |a, b| a.name() < b.name());
            calendars.dedup_by(|a, b| a.name() == b.name());
            let year = week_start.to_zoned_datetime(jiff::tz::TimeZone::UTC).year();
            for cal in &calendars {
                for h in cal.holidays() {
                    // From the year's first day for a holiday that began the
                    // year before (leave over the new year).
                    let mut day = h.first.max(jiff::civil::date(year, 1, 1));
                    while day <= h.last && day.year() == year {
                        let Ok(midnight) = cal
                            .zone()
                            .to_ambiguous_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
                            .compatible()
                        else {
                            break;
                        };
                        let anyone = (0..96).any(|q| {
                            let at = from_ms(to_ms(midnight) + q * SLOT_MS);
                            members
                                .iter()
                                .any(|&a| self.agents[a].shift.as_ref().is_none_or(|c| c.is_open(at).unwrap_or(false)))
                        });
                        if !anyone {
                            let label = h
                                .name
                                .as_deref()
                                .map(|n| format!(" ({n}, {})", cal.name()))
                                .unwrap_or_else(|| format!(" ({})", cal.name()));
                            holidays_uncovered.push(format!("{day}{label}"));
                        }
                        match day.tomorrow() {
                            Ok(d) => day = d,
                            Err(_) => break,
                        }
                    }
                }
            }
            compact_sort::sort(&mut holidays_uncovered);
            holidays_uncovered.dedup();
            if uncovered.is_empty() && holidays_uncovered.is_empty() {
                continue;
            }
            let mut requirement = format!("tier {}", self.rules.tiers[usize::from(tier)]);
            if let Some(s) = skill {
                requirement.push_str(&format!(", skill {}", name(s)));
            }
            if let Some(l) = language {
                requirement.push_str(&format!(", language {}", name(l)));
            }
            if clearance {
                requirement.push_str(", confidential (clearance)");
            }
            #[allow(clippy::cast_precision_loss)]
            let hours = covered.iter().filter(|c| !**c).count() as f64 / 4.0;
            gaps.push(CoverageGap {
                requirement,
                uncovered,
                hours,
                no_weekend_cover,
                holidays_uncovered,
                never: members.is_empty(),
            });
        }
        compact_sort::sort_by(&mut gaps, |a, b| {
            b.never.cmp(&a.never).then(b.hours.total_cmp(&a.hours)).then(a.requirement.cmp(&b.requirement)).is_lt()
        });
        Ok(CoverageReport { week_start, gaps })
    }
}

/// Ticket counts by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    /// Waiting for an agent.
    pub waiting: usize,
    /// On offer.
    pub offered: usize,
    /// Accepted, in progress.
    pub assigned: usize,
    /// Waiting on the customer.
    pub pending: usize,
    /// Handled (off the queues, not resolved).
    pub handled: usize,
    /// Resolved.
    pub resolved: usize,
    /// Agents logged in.
    pub agents_logged_in: usize,
    /// Routing groups created so far.
    pub routing_groups: usize,
}

/// The instants a ticket's status waits for without a new event, each with
/// its name (SLA alerts aside): an offer's expiry; the end of a hold for its
/// preferred agent; the next relaxation step; escalation after the tier's
/// wait. What `arm` schedules, and what `audit` checks it scheduled.
fn status_timers(rules: &RoutingRules, slot: &TicketSlot) -> [Option<(i64, &'static str)>; 2] {
    let escalation =
        rules.escalate_after_ms.get(usize::from(slot.tier)).copied().flatten().map(|wait| (wait, "escalation"));
    let since = |(wait, what): (i64, &'static str)| (slot.tier_since.saturating_add(wait), what);
    match slot.status {
        Status::Offered { expires, .. } if expires != NEVER => [Some((expires, "offer expiry")), None],
        Status::Sticky { until, .. } => [Some((until, "wait for its sticky agent")), escalation.map(since)],
        Status::Queued => {
            let step = rules.relaxation.get(usize::from(slot.relax)).map(|s| (s.after_ms, "next relaxation step"));
            [step.map(since), escalation.map(since)]
        }
        _ => [None, None],
    }
}

fn apply_changes(ticket: &mut Ticket, changes: &TicketChanges) {
    /// Replaces `field` when the change names it (`None` inside clears it).
    fn set<T: Clone>(field: &mut Option<T>, change: Option<&Option<T>>) {
        if let Some(value) = change {
            field.clone_from(value);
        }
    }
    /// Replaces `field` when the change names it (`None` inside: its default).
    fn set_or_default<T: Clone + Default>(field: &mut T, change: Option<&Option<T>>) {
        if let Some(value) = change {
            match value {
                Some(v) => field.clone_from(v),
                None => *field = T::default(),
            }
        }
    }
    set(&mut ticket.impact, changes.impact.as_ref());
    set(&mut ticket.urgency, changes.urgency.as_ref());
    set(&mut ticket.priority, changes.priority.as_ref());
    set(&mut ticket.category, changes.category.as_ref());
    set(&mut ticket.customer_tier, changes.customer_tier.as_ref());
    set(&mut ticket.language, changes.language.as_ref());
    set_or_default(&mut ticket.skills, changes.skills.as_ref());
    set_or_default(&mut ticket.confidential, changes.confidential.as_ref());
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Error {
        Error::from_problem(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prefetches_cover_every_line() {
        use crate::prefetch::covers_every_line;
        use std::mem::offset_of;
        // The fields `Engine::prefetch_ticket_slot`, `prefetch_ticket_box` and
        // `prefetch_agent` prefetch.
        let slot = [
            offset_of!(TicketSlot, key),
            offset_of!(TicketSlot, skip),
            offset_of!(TicketSlot, tier_since),
            offset_of!(TicketSlot, class),
        ];
        assert!(covers_every_line::<TicketSlot>(&slot), "{slot:?} of {}", size_of::<TicketSlot>());
        let ticket = [
            offset_of!(Ticket, id),
            offset_of!(Ticket, impact),
            offset_of!(Ticket, priority),
            offset_of!(Ticket, customer_tier),
            offset_of!(Ticket, created_at),
            offset_of!(Ticket, channel),
        ];
        assert!(covers_every_line::<Ticket>(&ticket), "{ticket:?} of {}", size_of::<Ticket>());
        // An agent: its first two lines (the slot is laid out by hand).
        assert_eq!((offset_of!(AgentSlot, capacity), offset_of!(AgentSlot, groups)), (0, 64));
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest! {
        /// The one-key ready queues (in order, and in a heap) behave
        /// exactly as the whole-key one for keys whose other parts are zero
        /// (what a one-key strategy makes): same tops, same pops, same filed
        /// keys, after every operation. Keys move both ways here, and among
        /// few values, so entries go in at both ends and in between.
        #[test]
        fn prop_single_key_ready_queues_act_as_the_whole_key_one(
            ops in proptest::collection::vec((0u8..4, 0u32..12, -4i64..4), 1..200),
        ) {
            let mut ordered = ReadyQueue::new(&[crate::routing::Strategy::LongestIdle]);
            let mut single = ReadyQueue::new(&[crate::routing::Strategy::MostSpareCapacity]);
            let mut whole = ReadyQueue::new(&[crate::routing::Strategy::LongestIdle, crate::routing::Strategy::BestSkillMatch]);
            prop_assert!(matches!(ordered, ReadyQueue::Ordered(_)));
            prop_assert!(matches!(single, ReadyQueue::Single(_)) && matches!(whole, ReadyQueue::Multi(_)));
            for (op, agent, key) in ops {
                match op {
                    0 | 1 => {
                        // Few distinct keys: ties go to the earlier roster position.
                        let key = AgentKey([key, 0, 0, 0], Reverse(agent));
                        ordered.push(agent, key);
                        single.push(agent, key);
                        whole.push(agent, key);
                    }
                    2 => {
                        let popped = whole.pop();
                        prop_assert_eq!(single.pop(), popped);
                        prop_assert_eq!(ordered.pop(), popped);
                    }
                    _ => {
                        // The agent on top is filed under another key.
                        if let Some((top, _)) = whole.peek() {
                            let key = AgentKey([key, 0, 0, 0], Reverse(top));
                            for queue in [&mut ordered, &mut single, &mut whole] {
                                queue.rekey_top(key);
                            }
                        }
                    }
                }
                for queue in [&ordered, &single] {
                    prop_assert_eq!(queue.peek(), whole.peek());
                    prop_assert_eq!(queue.is_empty(), whole.is_empty());
                    for a in 0..12 {
                        prop_assert_eq!(queue.contains(a), whole.contains(a));
                        prop_assert_eq!(queue.key_of(a), whole.key_of(a));
                    }
                }
            }
        }

        /// Queue keys order exactly as the ticket keys they are made from:
        /// points by `f64::total_cmp` (signed zeros, infinities and NaNs
        /// included), then the sooner due instant, the sooner creation and
        /// the earlier arrival number, at the ends of their ranges too.
        #[test]
        fn prop_queue_keys_order_as_ticket_keys(
            a in (0usize..12, 0usize..6, 0usize..6, 0usize..6),
            b in (0usize..12, 0usize..6, 0usize..6, 0usize..6),
        ) {
            let points = [f64::NEG_INFINITY, -1e300, -2.5, -0.0, 0.0, 1e-300, 2.5, 7.0, 1e300, f64::INFINITY, f64::NAN, -f64::NAN];
            let instants = [i64::MIN, -2_208_988_800_000, -1, 0, 1_772_784_000_000, i64::MAX];
            let seqs = [0, 1, 2, u64::from(u32::MAX), u64::MAX - 1, u64::MAX];
            let key = |(p, d, c, n): (usize, usize, usize, usize)| TicketKey {
                points: points[p],
                due: instants[d],
                created: instants[c],
                seq: seqs[n],
            };
            let (a, b) = (key(a), key(b));
            prop_assert_eq!(QueueKey::from(a).cmp(&QueueKey::from(b)), a.cmp(&b), "{:?} {:?}", a, b);
        }
    }

    /// An engine under `policy` (TOML) with agents `a0`, `a1`, ... of tier L1,
    /// each with `chat` chats and `email` emails at once, none logged in.
    #[cfg(not(target_arch = "wasm32"))]
    fn small_desk(policy: &str, agents: usize, chat: u8, email: u8) -> Engine {
        let policy = crate::Policy::from_toml_str(policy).and_then(|p| p.compile()).expect("policy");
        let roster = (0..agents)
            .map(|i| {
                let json =
                    format!(r#"{{"id": "a{i}", "tier": "L1", "capacity": {{"chat": {chat}, "email": {email}}}}}"#);
                serde_json::from_str::<crate::agent::AgentSpec>(&json).expect("agent")
            })
            .collect();
        Engine::new(policy, roster).expect("engine")
    }

    /// A roster's problems are each named by agent: ids empty, too long or
    /// repeated, and unknown tiers.
    #[test]
    fn roster_problems_name_the_agent() {
        let policy = crate::Policy::default().compile().expect("policy");
        let agent = |id: &str, tier: &str| crate::agent::AgentSpec {
            id: id.to_owned(),
            tier: tier.to_owned(),
            ..serde_json::from_str(r#"{"id": "x", "tier": "L1"}"#).expect("agent")
        };
        let long = "a".repeat(257);
        let roster = vec![
            agent("a0", "L1"),
            agent("a0", "L1"),
            agent("", "L1"),
            agent(&long, "L1"),
            agent("a4", "L9"),
            agent("a5", "L1"),
        ];
        let problems: Vec<(String, String)> = Engine::new(policy.clone(), roster)
            .expect_err("refused")
            .problems()
            .iter()
            .map(|p| (p.path().to_owned(), p.message().to_owned()))
            .collect();
        let paths: Vec<&str> = problems.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, ["agents[1].id", "agents[2].id", "agents[3].id", "agents[4].tier"], "{problems:?}");
        assert!(problems[0].1.contains("appears twice") && problems[1].1.contains("1 to 256"), "{problems:?}");
        // Agents alike but for their ids get slots alike.
        let engine = Engine::new(policy, vec![agent("a0", "L1"), agent("a1", "L1")]).expect("engine");
        assert_eq!(engine.agent_load("a0"), engine.agent_load("a1"));
        assert!(engine.agent_load("a1").is_some_and(|load| !load.is_empty()));
    }

    /// Ticket `T{n}`, created at `at` on `channel`, asking for nothing else.
    #[cfg(not(target_arch = "wasm32"))]
    fn plain_ticket(n: usize, at: Timestamp, channel: &str) -> Box<Ticket> {
        let json = format!(r#"{{"id": "T{n}", "created_at": "{at}", "channel": "{channel}"}}"#);
        Box::new(Ticket::from_json_str(&json).expect("ticket"))
    }

    /// Tickets named by handle: the events after creation name the ticket by
    /// its handle alone; once it is closed the handle no longer fits, and
    /// neither the handle nor the id finds it (there is no table of ids).
    /// The closed ticket's box comes back emptied when the next ticket takes
    /// its slot.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn tickets_named_by_handle() {
        let mut e = small_desk("version = 1", 1, 1, 1);
        e.take_offers_at_once();
        e.name_tickets_by_handle();
        let at = Timestamp::from_second(1_772_784_000).unwrap();
        let mut out = Vec::new();
        let known = |handle| Known { ticket: Some(handle), agent: None };
        let mut apply = |e: &mut Engine, kind, k| e.apply_known(Event::new(at, kind), k, &mut out);
        apply(&mut e, EventKind::AgentLoggedIn { agent: "a0".into() }, Known::default()).unwrap();
        let created =
            EventKind::TicketCreated { ticket: plain_ticket(1, at, "chat"), tier: None, preferred_agent: None };
        apply(&mut e, created, Known::default()).unwrap();
        let handle = e.take_created().expect("the new ticket's handle");
        assert_eq!(e.ticket_ids.len(), 0, "no table of ids");
        assert_eq!(e.spare_ticket(), None, "no ticket has closed yet");
        apply(&mut e, EventKind::AgentReplied { ticket: String::new() }, known(handle)).unwrap();
        apply(&mut e, EventKind::TicketClosed { ticket: String::new() }, known(handle)).unwrap();
        assert_eq!((e.stats().assigned, e.stats().resolved), (0, 0), "closed: its slot is free");
        for (id, k) in
            [(String::new(), known(handle)), ("T1".to_owned(), known(handle)), ("T1".to_owned(), Known::default())]
        {
            let refused = apply(&mut e, EventKind::TicketClosed { ticket: id }, k).expect_err("a closed ticket");
            assert_eq!((refused.kind(), refused.path()), (ErrorKind::UnknownName, "ticket"), "{refused}");
        }
        let next = EventKind::TicketCreated { ticket: plain_ticket(2, at, "email"), tier: None, preferred_agent: None };
        apply(&mut e, next, Known::default()).unwrap();
        let spare = e.spare_ticket().expect("the closed ticket's box");
        assert!(spare.id.is_empty() && spare.id.capacity() >= 2, "emptied, its id's memory kept");
        assert_ne!(e.take_created(), Some(handle), "the slot's new ticket has a new handle");
    }

    /// The simulation's ways in (`create_known`, `close_known`) do what
    /// `apply_known` does with the same events: the same decisions, offers,
    /// errors and state, step by step, on a desk that fills up, queues and
    /// drains, with a ticket created after its event and closed tickets'
    /// handles along the way.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn tickets_created_and_closed_known_as_by_events() {
        let desk = || {
            let mut e = small_desk("version = 1", 3, 1, 2);
            e.take_offers_at_once();
            e.name_tickets_by_handle();
            e
        };
        let (mut by_events, mut known) = (desk(), desk());
        let instant = |s: i64| Timestamp::from_second(1_772_784_000 + s).unwrap();
        let (mut out_events, mut out_known) = (Vec::new(), Vec::new());
        let (mut offers_events, mut offers_known) = (Vec::new(), Vec::new());
        for a in 0..3 {
            for (e, out) in [(&mut by_events, &mut out_events), (&mut known, &mut out_known)] {
                let login = EventKind::AgentLoggedIn { agent: format!("a{a}") };
                e.apply_known(Event::new(instant(0), login), Known::default(), out).unwrap();
            }
        }
        let (mut open, mut closed) = (Vec::new(), Vec::new());
        let (mut refused, mut most_waiting) = (0, 0);
        for step in 0..60_i64 {
            let at = instant(10 * step);
            // Two tickets created for each one closed while the desk fills,
            // then one for two; the 11th created after its event, and every
            // seventh close naming a ticket already closed (both refused).
            let create = if step < 30 { step % 3 != 2 } else { step % 3 == 2 };
            let (a, b) = if create {
                let n = usize::try_from(step).unwrap();
                let created_at = if step == 16 { instant(10 * step + 5) } else { at };
                let ticket = plain_ticket(n, created_at, if step % 2 == 0 { "chat" } else { "email" });
                let created = EventKind::TicketCreated { ticket: ticket.clone(), tier: None, preferred_agent: None };
                let a = by_events.apply_known(Event::new(at, created), Known::default(), &mut out_events);
                let b = known.create_known(at, ticket, None, &mut out_known);
                let (ha, hb) = (by_events.take_created(), known.take_created());
                assert_eq!(ha, hb, "step {step}: the same handle");
                open.extend(ha);
                (a, b)
            } else {
                let handle = if step % 7 == 0 && !closed.is_empty() {
                    closed[0]
                } else if open.is_empty() {
                    continue;
                } else {
                    let h = open.remove(0);
                    closed.push(h);
                    h
                };
                let close = EventKind::TicketClosed { ticket: String::new() };
                let named = Known { ticket: Some(handle), agent: None };
                let a = by_events.apply_known(Event::new(at, close), named, &mut out_events);
                (a, known.close_known(at, handle, &mut out_known))
            };
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "step {step}: the same outcome");
            refused += usize::from(b.is_err());
            by_events.take_offers_made(&mut offers_events);
            known.take_offers_made(&mut offers_known);
            assert_eq!(out_events, out_known, "step {step}: the same decisions");
            assert_eq!(offers_events, offers_known, "step {step}: the same offers");
            assert!(known.audit().is_empty(), "step {step}: {:?}", known.audit());
            most_waiting = most_waiting.max(known.stats().waiting);
        }
        assert!(
            refused >= 3 && most_waiting >= 2 && offers_known.len() >= 20,
            "{refused} {most_waiting} {offers_known:?}"
        );
        let snapshot = |e: &Engine| serde_json::to_string(&e.snapshot()).unwrap();
        assert_eq!(snapshot(&by_events), snapshot(&known), "the same state at the end");
    }

    /// The events of a random desk day, each applied to one engine by id and
    /// to another by the handles its offers gave (as the simulation names
    /// them; handles of tickets since closed included, which must fall back
    /// to the id): the same decisions and errors after every event, the same
    /// snapshot at the end.
    #[cfg(not(target_arch = "wasm32"))]
    mod by_place {
        use super::*;

        fn engine() -> Engine {
            small_desk("version = 1\n[routing]\noffer_timeout = \"40s\"", 4, 2, 3)
        }

        /// An offer or a held ticket: ids, and handles as the offer gave them.
        type Held = (String, String, Known);

        proptest! {
            #[test]
            fn prop_events_named_by_place_route_as_by_id(ops in proptest::collection::vec((0u8..6, 0usize..8), 1..120)) {
                let (mut by_id, mut by_place) = (engine(), engine());
                by_place.keep_offers_made();
                let (mut offers, mut held): (Vec<Held>, Vec<Held>) = (Vec::new(), Vec::new());
                let mut at = Timestamp::from_second(1_772_784_000).unwrap();
                let (mut made, mut next_ticket) = (Vec::new(), 0);
                let login = (0..4).map(|i| (EventKind::AgentLoggedIn { agent: format!("a{i}") }, Known::default()));
                let mut events: Vec<(EventKind, Known)> = login.collect();
                for (op, pick) in ops {
                    match op {
                        0 | 1 => {
                            next_ticket += 1;
                            let channel = if op == 0 { "chat" } else { "email" };
                            let ticket = plain_ticket(next_ticket, at, channel);
                            events.push((EventKind::TicketCreated { ticket, tier: None, preferred_agent: None }, Known::default()));
                        }
                        2 | 3 if !offers.is_empty() => {
                            let (ticket, agent, known) = offers.remove(pick % offers.len());
                            if op == 2 {
                                held.push((ticket.clone(), agent.clone(), known));
                                events.push((EventKind::OfferAccepted { agent, ticket }, known));
                            } else {
                                events.push((EventKind::OfferRejected { agent, ticket }, known));
                            }
                        }
                        4 if !held.is_empty() => {
                            let (ticket, agent, known) = held.remove(pick % held.len());
                            events.push((EventKind::AgentFinished { agent, ticket: ticket.clone() }, known));
                            events.push((EventKind::TicketClosed { ticket }, Known { agent: None, ..known }));
                        }
                        _ => {
                            at = at.checked_add(jiff::SignedDuration::from_secs(25)).unwrap();
                            events.push((EventKind::Tick {}, Known::default()));
                        }
                    }
                    at = at.checked_add(jiff::SignedDuration::from_secs(1)).unwrap();
                    for (kind, known) in events.drain(..) {
                        let (mut a, mut b) = (Vec::new(), Vec::new());
                        let ra = by_id.apply_owned(Event::new(at, kind.clone()), &mut a);
                        let rb = by_place.apply_known(Event::new(at, kind), known, &mut b);
                        prop_assert_eq!(ra.map_err(|e| e.to_string()), rb.map_err(|e| e.to_string()));
                        prop_assert_eq!(&a, &b);
                        made.clear();
                        by_place.take_offers_made(&mut made);
                        let offered = b.into_iter().filter_map(|d| match d {
                            Decision::Offer { ticket, agent, .. } => Some((ticket, agent)),
                            _ => None,
                        });
                        let offered: Vec<(String, String)> = offered.collect();
                        prop_assert_eq!(offered.len(), made.len());
                        for ((ticket, agent), &(handle, place)) in offered.into_iter().zip(&made) {
                            // A ticket is on offer to one agent at a time.
                            offers.retain(|o| o.0 != ticket);
                            offers.push((ticket, agent, Known { ticket: Some(handle), agent: Some(place) }));
                        }
                    }
                }
                let snapshot = |e: &Engine| serde_json::to_string(&e.snapshot()).unwrap();
                prop_assert_eq!(snapshot(&by_id), snapshot(&by_place));
                prop_assert!(by_place.audit().is_empty(), "{:?}", by_place.audit());
            }
        }
    }

    /// The events of a random desk day applied to one engine whose offers
    /// are each accepted by an event right after the one that made them (if
    /// still on offer: that event may have closed the ticket or taken it
    /// back from the agent), and to another that takes offers at once (as
    /// the simulation does, naming its tickets by handle), each ticked while
    /// it asks to be woken at the same instant (as the simulation does):
    /// after every event, the same
    /// offers taken, the same other decisions and errors, and the same next
    /// wake-up; at the end, the same state but for what numbers timers (the
    /// first engine armed an expiry timer per offer, and re-armed the ticket
    /// on accepting it). The policy has timers of every kind; tickets are
    /// closed while they wait too, some at the instant a wrap-up ends and
    /// offers them (where a ticket taken at once, not merely offered, would
    /// wrongly send its agent into wrap-up).
    #[cfg(not(target_arch = "wasm32"))]
    mod at_once {
        use super::*;

        fn engine() -> Engine {
            // Timers of every kind: wrap-ups, the fairness window, escalation
            // out of the first tier, a relaxation step. Few agents with
            // little capacity, so that tickets queue.
            let policy = r#"version = 1
                [routing]
                offer_timeout = "40s"
                wrap_up = { chat = "3s" }
                fairness = { max_offers = 3, window = "20s" }
                [[routing.escalation]]
                tier = "L1"
                max_wait = "30s"
                [[routing.relaxation]]
                after = "4s"
                widen_tier = true"#;
            small_desk(policy, 3, 1, 2)
        }

        /// The state without what differs by design: how timers are numbered
        /// (the accepting engine armed an expiry timer per offer) and the
        /// generations of tickets' timers (it re-armed each ticket on accepting).
        fn state(e: &Engine) -> serde_json::Value {
            let mut v = serde_json::to_value(e.snapshot()).unwrap();
            v.as_object_mut().unwrap().remove("timer_seq");
            for ticket in v["tickets"].as_array_mut().unwrap() {
                ticket.as_object_mut().unwrap().remove("generation");
            }
            for timer in v["timers"].as_array_mut().unwrap() {
                timer.as_object_mut().unwrap().remove("seq");
                timer["kind"].as_object_mut().unwrap().remove("generation");
            }
            v
        }

        /// Whether `ticket` is on offer to `agent`.
        fn on_offer(e: &Engine, ticket: &str, agent: &str) -> bool {
            let (Ok(t), Some(a)) = (e.ticket_index(ticket), e.agent_place(agent)) else { return false };
            matches!(e.tickets[t as usize].status, Status::Offered { agent, .. } if agent == a)
        }

        /// What a step did: the event's outcome, the offers taken (ticket,
        /// agent), the other decisions but wake-ups, and the next wake-up.
        type Step = (Result<(), String>, Vec<(String, String)>, Vec<Decision>, Option<i64>);

        /// Applies `kind` at `at` to an engine whose offers are accepted by
        /// events: each offer still on offer is accepted (and those the
        /// acceptances make), and the engine is ticked while it asks to be
        /// woken at `at`, as the simulation does.
        fn accepting_step(e: &mut Engine, at: Timestamp, kind: EventKind) -> Step {
            let mut out = Vec::new();
            let result = e.apply_owned(Event::new(at, kind), &mut out).map_err(|e| e.to_string());
            let (mut offers, mut rest) = (Vec::new(), Vec::new());
            let mut queue: std::collections::VecDeque<Decision> = out.into();
            for _ in 0..8 {
                while let Some(d) = queue.pop_front() {
                    match d {
                        Decision::Offer { ticket, agent, .. } if on_offer(e, &ticket, &agent) => {
                            let accepted = EventKind::OfferAccepted { agent: agent.clone(), ticket: ticket.clone() };
                            let mut after = Vec::new();
                            e.apply_owned(Event::new(at, accepted), &mut after).unwrap();
                            queue.extend(after);
                            offers.push((ticket, agent));
                        }
                        Decision::Offer { .. } | Decision::WakeAt { .. } => {}
                        d => rest.push(d),
                    }
                }
                if e.next_timer() != Some(to_ms(at)) {
                    break;
                }
                let mut after = Vec::new();
                e.apply_owned(Event::new(at, EventKind::Tick {}), &mut after).unwrap();
                queue.extend(after);
            }
            (result, offers, rest, e.next_timer())
        }

        /// The same for an engine that takes offers at once and is told its
        /// tickets by handle, as the simulation tells them: `handles` holds
        /// the handle of each ticket it created, an event that names a
        /// ticket it holds carries the handle and an empty id, and a new
        /// ticket comes in the box of a closed one when the engine has one
        /// to spare (its id written in the closed id's memory).
        fn at_once_step(
            e: &mut Engine,
            handles: &mut HashMap<String, TicketHandle>,
            at: Timestamp,
            kind: EventKind,
        ) -> Step {
            let mut kind = kind;
            let mut created = None;
            if let EventKind::TicketCreated { ticket, .. } = &mut kind {
                created = Some(ticket.id.clone());
                if let Some(t) = e.spare_tickets.last() {
                    let fields = [&t.impact, &t.urgency, &t.priority, &t.category, &t.customer_tier, &t.language];
                    let emptied = t.id.is_empty() && t.skills.is_empty() && t.history.is_empty() && !t.confidential;
                    assert!(emptied && fields.iter().all(|f| f.is_none()), "a spare box holds an emptied ticket");
                    let mut spare = e.ticket_box(ticket);
                    spare.id.push_str(&ticket.id);
                    *ticket = spare;
                }
            }
            let mut known = Known::default();
            if let EventKind::TicketClosed { ticket } | EventKind::AgentFinished { ticket, .. } = &mut kind
                && let Some(&handle) = handles.get(ticket.as_str())
            {
                known.ticket = Some(handle);
                ticket.clear();
            }
            let mut out = Vec::new();
            let result = e.apply_known(Event::new(at, kind), known, &mut out).map_err(|e| e.to_string());
            if let (Some(id), Some(handle)) = (created, e.take_created()) {
                handles.insert(id, handle);
            }
            for _ in 0..8 {
                if e.next_timer() != Some(to_ms(at)) {
                    break;
                }
                e.apply_owned(Event::new(at, EventKind::Tick {}), &mut out).unwrap();
            }
            let mut made = Vec::new();
            e.take_offers_made(&mut made);
            let offers =
                made.iter().map(|&(h, a)| (e.tickets[h.slot as usize].ticket.id.clone(), e.agent_id(a).to_owned()));
            let offers = offers.collect();
            let rest = out.into_iter().filter(|d| !matches!(d, Decision::WakeAt { .. })).collect();
            (result, offers, rest, e.next_timer())
        }

        proptest! {
            #[test]
            fn prop_offers_taken_at_once_assign_as_accepted_offers(ops in proptest::collection::vec((0u8..6, 0usize..8), 1..120)) {
                let (mut accepting, mut at_once) = (engine(), engine());
                at_once.take_offers_at_once();
                at_once.name_tickets_by_handle();
                let mut handles = HashMap::new();
                let mut held: Vec<(String, String)> = Vec::new();
                // Tickets created and not closed, oldest first.
                let mut open: Vec<String> = Vec::new();
                let mut at = Timestamp::from_second(1_772_784_000).unwrap();
                let mut next_ticket = 0;
                let mut events: Vec<EventKind> = (0..3).map(|i| EventKind::AgentLoggedIn { agent: format!("a{i}") }).collect();
                // A last tick hands out what a refused last event left waiting.
                for (op, pick) in ops.into_iter().chain([(4, 0)]) {
                    match op {
                        0 | 1 => {
                            next_ticket += 1;
                            let channel = if op == 0 { "chat" } else { "email" };
                            open.push(format!("T{next_ticket}"));
                            let ticket = plain_ticket(next_ticket, at, channel);
                            events.push(EventKind::TicketCreated { ticket, tier: None, preferred_agent: None });
                        }
                        2 if !held.is_empty() => {
                            let (ticket, agent) = held.remove(pick % held.len());
                            open.retain(|t| *t != ticket);
                            events.push(EventKind::AgentFinished { agent, ticket: ticket.clone() });
                            events.push(EventKind::TicketClosed { ticket });
                        }
                        5 if !open.is_empty() => {
                            // One of the two oldest tickets not in hand (the
                            // next to be offered) closed while it waits, or
                            // one in hand closed without being finished.
                            let waiting: Vec<&String> = open.iter().filter(|t| !held.iter().any(|(h, _)| h == *t)).collect();
                            let ticket = if pick < 6 && !waiting.is_empty() {
                                waiting[pick % waiting.len().min(2)].clone()
                            } else {
                                open[pick % open.len()].clone()
                            };
                            open.retain(|t| *t != ticket);
                            held.retain(|(t, _)| *t != ticket);
                            events.push(EventKind::TicketClosed { ticket });
                        }
                        3 => {
                            // Work is taken back at a logout, and offered again.
                            let agent = format!("a{}", pick % 3);
                            held.retain(|(_, a)| *a != agent);
                            events.push(EventKind::AgentLoggedOut { agent: agent.clone() });
                            events.push(EventKind::AgentLoggedIn { agent });
                        }
                        _ => {
                            at = at.checked_add(jiff::SignedDuration::from_secs(25)).unwrap();
                            events.push(EventKind::Tick {});
                        }
                    }
                    at = at.checked_add(jiff::SignedDuration::from_secs(1)).unwrap();
                    for kind in events.drain(..) {
                        let by_events = accepting_step(&mut accepting, at, kind.clone());
                        let taken = at_once_step(&mut at_once, &mut handles, at, kind);
                        let no_offers = !taken.2.iter().any(|d| matches!(d, Decision::Offer { .. }));
                        prop_assert!(no_offers, "offers taken at once make no offer decisions");
                        prop_assert_eq!(&by_events, &taken);
                        for (ticket, agent) in by_events.1 {
                            held.retain(|(t, _)| *t != ticket);
                            held.push((ticket, agent));
                        }
                        prop_assert!(at_once.audit().is_empty(), "{:?}", at_once.audit());
                    }
                }
                prop_assert_eq!(state(&accepting), state(&at_once));
            }
        }
    }

    /// Snapshots write these tagged records with serde's derive and read them
    /// through flat records: both ways must agree on every kind.
    #[test]
    fn statuses_and_timers_read_back_as_written() {
        let statuses = [
            Status::Queued,
            Status::Sticky { agent: 1, until: 5 },
            Status::Offered { agent: 2, expires: -7 },
            Status::Assigned { agent: 3 },
            Status::Pending { agent: Some(4) },
            Status::Pending { agent: None },
            Status::Handled,
            Status::Resolved,
        ];
        for status in statuses {
            let text = serde_json::to_string(&status).unwrap();
            assert_eq!(serde_json::from_str::<Status>(&text).unwrap(), status, "{text}");
        }
        let timers = [
            TimerKind::Ticket { ticket: 1, generation: 2 },
            TimerKind::Shift { agent: 3, generation: 4 },
            TimerKind::WrapUp { agent: 5, channel: Channel::Chat },
            TimerKind::Recheck { agent: 6 },
        ];
        for timer in timers {
            let text = serde_json::to_string(&timer).unwrap();
            assert_eq!(serde_json::from_str::<TimerKind>(&text).unwrap(), timer, "{text}");
        }
        for (text, says) in [
            (r#"{"status": "queued", "agent": 1}"#, "unknown field `agent`"),
            (r#"{"status": "offered", "agent": 1}"#, "missing field `expires`"),
            (r#"{"status": "lost"}"#, "unknown variant `lost`"),
            (r#"{"timer": "recheck", "agent": 1, "channel": "chat"}"#, "unknown field `channel`"),
            (r#"{"timer": "wrap_up", "agent": 1}"#, "missing field `channel`"),
            (r#"{"timer": "shift", "agent": 1, "generation": 2, "extra": 0}"#, "unknown field `extra`"),
        ] {
            let status = serde_json::from_str::<Status>(text).map(|_| ()).map_err(|e| e.to_string());
            let timer = serde_json::from_str::<TimerKind>(text).map(|_| ()).map_err(|e| e.to_string());
            let err = if text.contains("status") { status } else { timer }.unwrap_err();
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
