//! A quick reader for event lines of the usual shape: plain JSON, each field
//! once, strings without escapes. It reads the text in one pass straight into
//! an [`Event`], and gives up (`None`) on anything else, which the full reader
//! then reads or refuses with the field path. Where it gives an event, it is
//! the one the full reader gives (`tests/tests/reading.rs` checks this on
//! thousands of changed documents).

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::IntoDeserializer;
use serde::de::value::{Error as ValueError, StrDeserializer};

use super::{Event, EventFields};
use crate::policy::ObjectOrId;
use crate::ticket::Ticket;
use crate::time::parse_instant;

/// The event in `text`, or `None` if it is not of the usual shape (or not an
/// event at all).
pub(super) fn read(text: &str) -> Option<Event> {
    let mut json = Json { text, at: 0 };
    let mut f = EventFields::default();
    json.object(|json, key| match key {
        "at" => once(&mut f.at, parse_instant(json.string()?).ok()?),
        "event" => once(&mut f.name, named(json.string()?)?),
        "ticket" => {
            let ticket = if json.next_is(b'{') {
                ObjectOrId::Object(Box::new(ticket(json)?))
            } else {
                ObjectOrId::Id(json.string()?.to_owned())
            };
            once(&mut f.ticket, ticket)
        }
        "agent" => once(&mut f.agent, json.string()?.to_owned()),
        "state" => once(&mut f.state, named(json.string()?)?),
        "tier" => once(&mut f.tier, Some(json.string()?.to_owned())),
        "preferred_agent" => once(&mut f.preferred_agent, Some(json.string()?.to_owned())),
        "to_tier" => once(&mut f.to_tier, Some(json.string()?.to_owned())),
        // `changes`, and fields no event has.
        _ => None,
    })?;
    json.end()?;
    let at = f.at?;
    Some(Event { at, kind: f.into_kind::<ValueError>().ok()? })
}

/// An event's fields as a host that reads its own objects has them (the
/// Python package reads event dicts so): for [`Event::from_parts`].
#[derive(Debug)]
pub struct EventParts<'a> {
    /// `at`.
    pub at: Timestamp,
    /// `event`, the kind's name as documents write it (`"ticket_closed"`).
    pub event: &'a str,
    /// `ticket` when it is a ticket table (`ticket_created`).
    pub ticket: Option<Box<Ticket>>,
    /// `ticket` when it is an id (every other event that names a ticket).
    pub ticket_id: Option<String>,
    /// `agent`.
    pub agent: Option<String>,
    /// `state`, as documents write it (`"away"`).
    pub state: Option<&'a str>,
    /// `tier`.
    pub tier: Option<String>,
    /// `preferred_agent`.
    pub preferred_agent: Option<String>,
    /// `to_tier`.
    pub to_tier: Option<String>,
}

impl Event {
    /// The event `parts` make when they are exactly the fields of its kind,
    /// read as the full reader reads them; `None` otherwise. A host then
    /// reads its object the full way ([`Event::from_value`]), which refuses
    /// it with the field path, so this is a quicker road to the same events,
    /// never a second set of rules.
    ///
    /// ```
    /// use tierwise::{Event, EventParts};
    /// let at = "2026-03-02T09:00:00Z".parse().unwrap();
    /// let parts = |event| EventParts { at, event, ticket: None, ticket_id: None, agent: Some("ana".into()),
    ///     state: None, tier: None, preferred_agent: None, to_tier: None };
    /// let event = Event::from_parts(parts("agent_logged_in")).unwrap();
    /// assert_eq!(event, Event::from_json_str(r#"{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "ana"}"#)?);
    /// // A ticket event without its ticket: read it the full way to learn why.
    /// assert_eq!(Event::from_parts(parts("ticket_closed")), None);
    /// # Ok::<(), tierwise::Error>(())
    /// ```
    #[must_use]
    pub fn from_parts(parts: EventParts<'_>) -> Option<Event> {
        let EventParts { at, event, ticket, ticket_id, agent, state, tier, preferred_agent, to_tier } = parts;
        let ticket = match (ticket, ticket_id) {
            (Some(ticket), None) => Some(ObjectOrId::Object(ticket)),
            (None, Some(id)) => Some(ObjectOrId::Id(id)),
            (None, None) => None,
            (Some(_), Some(_)) => return None,
        };
        let state = match state {
            Some(state) => Some(named(state)?),
            None => None,
        };
        let fields = EventFields {
            at: Some(at),
            name: Some(named(event)?),
            ticket,
            tier: tier.map(Some),
            preferred_agent: preferred_agent.map(Some),
            changes: None,
            agent,
            state,
            to_tier: to_tier.map(Some),
            unknown: None,
        };
        Some(Event { at, kind: fields.into_kind::<ValueError>().ok()? })
    }
}

/// A ticket table, every field as the derived reader reads it.
fn ticket(json: &mut Json<'_>) -> Option<Ticket> {
    let (mut id, mut created_at, mut channel, mut confidential) = (None, None, None, None);
    let (mut impact, mut urgency, mut priority, mut category, mut customer_tier, mut language) =
        (None, None, None, None, None, None);
    let mut skills: Option<BTreeMap<String, u8>> = None;
    json.object(|json, key| match key {
        "id" => once(&mut id, json.string()?.to_owned()),
        "created_at" => once(&mut created_at, parse_instant(json.string()?).ok()?),
        "channel" => once(&mut channel, named(json.string()?)?),
        "impact" => once(&mut impact, json.string()?.to_owned()),
        "urgency" => once(&mut urgency, json.string()?.to_owned()),
        "priority" => once(&mut priority, json.string()?.to_owned()),
        "category" => once(&mut category, json.string()?.to_owned()),
        "customer_tier" => once(&mut customer_tier, json.string()?.to_owned()),
        "language" => once(&mut language, json.string()?.to_owned()),
        "confidential" => once(&mut confidential, json.boolean()?),
        "skills" => {
            let mut levels = BTreeMap::new();
            json.object(|json, skill| {
                let level = json.level()?;
                // A skill named twice: the full reader keeps the last.
                levels.insert(skill.to_owned(), level).is_none().then_some(())
            })?;
            once(&mut skills, levels)
        }
        // `history`, and fields no ticket has.
        _ => None,
    })?;
    Some(Ticket {
        id: id.unwrap_or_default(),
        created_at: created_at?,
        channel: channel?,
        impact,
        urgency,
        priority,
        category,
        customer_tier,
        language,
        skills: skills.unwrap_or_default(),
        confidential: confidential.unwrap_or(false),
        history: Vec::new(),
    })
}

/// Stores a field's value; `None` if it was already there.
fn once<T>(slot: &mut Option<T>, value: T) -> Option<()> {
    slot.is_none().then(|| *slot = Some(value))
}

/// A name (an event kind, a channel, a presence) read as its own reader
/// reads it.
fn named<'a, T: Deserialize<'a>>(name: &'a str) -> Option<T> {
    let name: StrDeserializer<'a, ValueError> = name.into_deserializer();
    T::deserialize(name).ok()
}

/// Where the first `"`, `\\` or control character is in `bytes`, eight bytes
/// at a time: a byte equal to `c` is a zero byte of `word ^ c`, and a zero
/// byte, or one below 0x20, borrows in a subtraction from every byte; the
/// lowest byte flagged is always a real one.
pub(super) fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_in = |w: u64| w.wrapping_sub(ONES) & !w;
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().ok()?);
        let quote = zero_in(w ^ (ONES * u64::from(b'"')));
        let backslash = zero_in(w ^ (ONES * u64::from(b'\\')));
        let control = w.wrapping_sub(ONES * 0x20) & !w;
        let found = (quote | backslash | control) & HIGH;
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize / 8);
        }
        at += 8;
    }
    let tail = words.remainder().iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(at + tail)
}

/// JSON text being read, `at` bytes in.
struct Json<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Json<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.text.as_bytes()[self.at..]
    }

    fn skip_space(&mut self) {
        self.at += self.rest().iter().take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')).count();
    }

    /// Whether the next token starts with `byte` (not taken).
    fn next_is(&mut self, byte: u8) -> bool {
        self.skip_space();
        self.rest().first() == Some(&byte)
    }

    /// Takes `byte` if it comes next.
    fn take(&mut self, byte: u8) -> bool {
        let next = self.next_is(byte);
        self.at += usize::from(next);
        next
    }

    /// The end of the text: nothing but space may follow.
    fn end(&mut self) -> Option<()> {
        self.skip_space();
        self.rest().is_empty().then_some(())
    }

    /// A string without escapes (or the control characters JSON forbids).
    fn string(&mut self) -> Option<&'a str> {
        if !self.take(b'"') {
            return None;
        }
        let len = string_end(self.rest())?;
        if self.rest()[len] != b'"' {
            return None;
        }
        // Both ends are at a quote, so on character boundaries.
        let text = self.text.get(self.at..self.at + len)?;
        self.at += len + 1;
        Some(text)
    }

    fn boolean(&mut self) -> Option<bool> {
        self.skip_space();
        for (word, value) in [(&b"true"[..], true), (b"false", false)] {
            if self.rest().starts_with(word) {
                self.at += word.len();
                return Some(value);
            }
        }
        None
    }

    /// A skill level: a whole number from 0 to 255, written plainly.
    fn level(&mut self) -> Option<u8> {
        self.skip_space();
        let digits = self.rest().iter().take_while(|b| b.is_ascii_digit()).count();
        let plain = (1..=3).contains(&digits) && (digits == 1 || self.rest()[0] != b'0');
        if !plain || matches!(self.rest().get(digits), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        let level = self.rest()[..digits].iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        self.at += digits;
        u8::try_from(level).ok()
    }

    /// A table: `field` reads the value of each key in turn.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        if !self.take(b'{') {
            return None;
        }
        if self.take(b'}') {
            return Some(());
        }
        loop {
            let key = self.string()?;
            if !self.take(b':') {
                return None;
            }
            field(self, key)?;
            if !self.take(b',') {
                return self.take(b'}').then_some(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_lines() {
        for text in [
            r#"{"at": "2026-03-02T00:01:41+00:00", "event": "ticket_created", "ticket": {"id": "T100", "created_at": "2026-03-02T00:01:41+00:00", "channel": "chat"}}"#,
            r#"{"at":"2026-03-02T00:01:41Z","event":"ticket_created","tier":"L2","preferred_agent":"ana","ticket":{"created_at":"2026-03-02T00:01:41Z","channel":"email","impact":"high","urgency":"low","priority":"P1","category":"access","customer_tier":"gold","language":"es","skills":{"network":3,"vpn":0,"db":255},"confidential":true}}"#,
            " {\"at\": \"2026-03-02T00:01:41Z\",\n\t\"event\": \"ticket_closed\", \"ticket\": \"T100\"} \r\n",
            r#"{"event": "agent_state_changed", "state": "away", "agent": "ana", "at": "2026-03-02T00:01:41Z"}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "offer_accepted", "agent": "änä", "ticket": "T-1"}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "escalate_requested", "ticket": "T-1", "to_tier": "L3"}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "tick"}"#,
        ] {
            let quick = read(text).unwrap_or_else(|| panic!("not read: {text}"));
            let full: Event = serde_json::from_str(text).unwrap();
            assert_eq!(quick, full, "{text}");
        }
    }

    #[test]
    fn makes_events_from_parts_as_the_full_reader_reads_them() {
        let at: Timestamp = "2026-03-02T00:01:41Z".parse().unwrap();
        let none = || EventParts {
            at,
            event: "tick",
            ticket: None,
            ticket_id: None,
            agent: None,
            state: None,
            tier: None,
            preferred_agent: None,
            to_tier: None,
        };
        let ticket = || {
            let text = r#"{"id": "T1", "created_at": "2026-03-02T00:01:41Z", "channel": "chat", "skills": {"vpn": 2}}"#;
            Box::new(serde_json::from_str::<Ticket>(text).unwrap())
        };
        let made = [
            (none(), r#"{"at": "2026-03-02T00:01:41Z", "event": "tick"}"#),
            (
                EventParts { event: "ticket_created", ticket: Some(ticket()), tier: Some("L2".into()), ..none() },
                r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_created", "tier": "L2",
                    "ticket": {"id": "T1", "created_at": "2026-03-02T00:01:41Z", "channel": "chat", "skills": {"vpn": 2}}}"#,
            ),
            (
                EventParts {
                    event: "offer_accepted",
                    ticket_id: Some("T1".into()),
                    agent: Some("ana".into()),
                    ..none()
                },
                r#"{"at": "2026-03-02T00:01:41Z", "event": "offer_accepted", "ticket": "T1", "agent": "ana"}"#,
            ),
            (
                EventParts { event: "agent_state_changed", agent: Some("ana".into()), state: Some("away"), ..none() },
                r#"{"at": "2026-03-02T00:01:41Z", "event": "agent_state_changed", "agent": "ana", "state": "away"}"#,
            ),
            (
                EventParts {
                    event: "escalate_requested",
                    ticket_id: Some("T1".into()),
                    to_tier: Some("L3".into()),
                    ..none()
                },
                r#"{"at": "2026-03-02T00:01:41Z", "event": "escalate_requested", "ticket": "T1", "to_tier": "L3"}"#,
            ),
        ];
        for (parts, text) in made {
            assert_eq!(Event::from_parts(parts), Some(serde_json::from_str::<Event>(text).unwrap()), "{text}");
        }
        // What the full reader refuses, left to it.
        for parts in [
            EventParts { event: "no_such_event", ..none() },
            EventParts { event: "ticket_closed", ..none() },
            EventParts { event: "ticket_closed", ticket: Some(ticket()), ..none() },
            EventParts { event: "ticket_created", ticket_id: Some("T1".into()), ..none() },
            EventParts { event: "ticket_created", ticket: Some(ticket()), ticket_id: Some("T1".into()), ..none() },
            EventParts { event: "ticket_closed", ticket_id: Some("T1".into()), agent: Some("ana".into()), ..none() },
            EventParts { event: "agent_state_changed", agent: Some("ana".into()), state: Some("asleep"), ..none() },
            EventParts { event: "tick", tier: Some("L2".into()), ..none() },
        ] {
            let shown = format!("{parts:?}");
            assert_eq!(Event::from_parts(parts), None, "{shown}");
        }
    }

    #[test]
    fn finds_the_end_of_a_string_as_a_byte_walk_does() {
        let walk = |b: &[u8]| b.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        let bytes: Vec<u8> = (0..=255).collect();
        for start in 0..bytes.len() {
            for len in 0..24.min(bytes.len() - start) {
                let text = &bytes[start..start + len];
                assert_eq!(string_end(text), walk(text), "{text:?}");
            }
        }
        for text in ["plain ascii text without any end", "ünïcödé text, then\\", "tab\tin it", "end\""] {
            assert_eq!(string_end(text.as_bytes()), walk(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_full_reader() {
        for text in [
            // Escapes, nulls, numbers written otherwise, fields read elsewhere.
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_closed", "ticket": "T\"1"}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_closed", "ticket": "T\u0031"}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_created", "tier": null, "ticket": {"created_at": "2026-03-02T00:01:41Z", "channel": "chat"}}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_created", "ticket": {"created_at": "2026-03-02T00:01:41Z", "channel": "chat", "skills": {"x": 03}}}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_created", "ticket": {"created_at": "2026-03-02T00:01:41Z", "channel": "chat", "skills": {"x": 3.0}}}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_created", "ticket": {"created_at": "2026-03-02T00:01:41Z", "channel": "chat", "skills": {"x": 256}}}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_created", "ticket": {"created_at": "2026-03-02T00:01:41Z", "channel": "chat", "skills": {"x": 1, "x": 2}}}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_created", "ticket": {"created_at": "2026-03-02T00:01:41Z", "channel": "chat", "history": []}}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_updated", "ticket": "T1", "changes": {}}"#,
            // Not events, or not JSON.
            r#"{"at": "2026-03-02T00:01:41Z", "at": "2026-03-02T00:01:42Z", "event": "tick"}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "tick", "extra": 1}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_closed"}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "ticket_closed", "ticket": {"id": "T1"}}"#,
            r#"{"at": "yesterday", "event": "tick"}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "tick",}"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "tick"} x"#,
            r#"{"at": "2026-03-02T00:01:41Z", "event": "tick""#,
            "",
        ] {
            assert_eq!(read(text), None, "{text}");
        }
    }
}
