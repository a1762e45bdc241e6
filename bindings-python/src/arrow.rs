//! Arrow tables in and out of `Engine.apply_many`: events read record batch
//! by record batch, column by column, from NumPy views of the buffers
//! (`tierwise/_arrow.py` describes them, converting first only the types
//! read through a cast and sliced arrays), and decisions written to columns
//! that become a `pyarrow.Table`'s buffers without a copy.
//!
//! An events table has one column per event field, named as in JSON, with
//! the created ticket's fields as columns of their own: `at`, `event`,
//! `ticket` (the ticket's id, for every ticket event), `agent`, `tier`,
//! `preferred_agent`, `state`, `to_tier`, and `created_at`, `channel`,
//! `impact`, `urgency`, `priority`, `category`, `customer_tier`, `language`,
//! `skills` (a map of skill to level), `confidential`. On a `ticket_created`
//! row the ticket fields make the ticket; on a `ticket_updated` row they are
//! the changes (a null field is unchanged). Null is absent everywhere.
//!
//! Each row is read directly when it is of the usual shape
//! ([`tierwise::Event::from_parts`]); any other row is written out as the
//! JSON object it stands for and read the general way, which gives the same
//! event or names the field that is wrong, as for a dict or a JSON line.

use numpy::{IntoPyArray, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use serde_json::{Map, Value};
use tierwise::jiff::Timestamp;
use tierwise::{Channel, Decision, Event, EventParts, OfferExplanation, Ticket};

use crate::errors::{self, Domain};

/// A column's buffers: NumPy arrays while held (`B` and `T` =
/// `PyReadonlyArray1<u8>`), their bytes while read (`B` = `&[u8]`, and `T` =
/// [`Data`] for text). Every buffer is read as little-endian values of its
/// width, bounds checked.
enum Column<B, T = B> {
    /// Every value null (Arrow's null type).
    Nulls,
    /// Counts of `unit` since 1970 (UTC), 64-bit.
    Instants { unit: Unit, values: B, valid: Option<B> },
    /// UTF-8 text: 32-bit offsets into `data`.
    Texts { offsets: B, data: T, valid: Option<B> },
    /// Dictionary-encoded text (a pandas categorical): 32-bit codes into
    /// `names` (a null name is a null value).
    Categories { codes: B, names: Vec<Option<String>>, valid: Option<B> },
    /// Booleans, a bit each.
    Booleans { bits: B, valid: Option<B> },
    /// Integers, 64-bit.
    Integers { values: B, valid: Option<B> },
    /// Maps of text to integer (skill levels): 32-bit offsets into the
    /// entries, whose keys are `keys` and values `levels` (integers).
    Levels { offsets: B, keys: Box<Column<B, T>>, levels: Box<Column<B, T>>, valid: Option<B> },
    /// Timestamps without a time zone, as pyarrow names their type.
    Naive(String),
    /// Any other Arrow type, as pyarrow names it.
    Unsupported(String),
}

/// The unit of an instants column.
#[derive(Clone, Copy)]
enum Unit {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

type Held<'py> = PyReadonlyArray1<'py, u8>;

/// The bytes of a text column: checked as UTF-8 all at once where they are,
/// each value as it is read otherwise.
#[derive(Clone, Copy)]
enum Data<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// A column as read.
type Read<'a> = Column<&'a [u8], Data<'a>>;

impl<'py> Column<Held<'py>> {
    /// The column `description` (from `tierwise._arrow`) names.
    fn held(description: &Bound<'py, PyAny>) -> PyResult<Column<Held<'py>>> {
        let parts = description.cast::<PyTuple>()?;
        let kind: String = parts.get_item(0)?.extract()?;
        let buffer = |i: usize| -> PyResult<Held<'py>> { parts.get_item(i)?.extract() };
        let optional = |i: usize| -> PyResult<Option<Held<'py>>> { parts.get_item(i)?.extract() };
        let column =
            |i: usize| -> PyResult<Box<Column<Held<'py>>>> { Ok(Box::new(Column::held(&parts.get_item(i)?)?)) };
        Ok(match kind.as_str() {
            "nulls" => Column::Nulls,
            "instants" => {
                let unit = match parts.get_item(1)?.extract::<String>()?.as_str() {
                    "s" => Unit::Seconds,
                    "ms" => Unit::Milliseconds,
                    "us" => Unit::Microseconds,
                    _ => Unit::Nanoseconds,
                };
                Column::Instants { unit, values: buffer(2)?, valid: optional(3)? }
            }
            "texts" => Column::Texts { offsets: buffer(1)?, data: buffer(2)?, valid: optional(3)? },
            "categories" => {
                Column::Categories { codes: buffer(1)?, names: parts.get_item(2)?.extract()?, valid: optional(3)? }
            }
            "booleans" => Column::Booleans { bits: buffer(1)?, valid: optional(2)? },
            "integers" => Column::Integers { values: buffer(1)?, valid: optional(2)? },
            "levels" => {
                Column::Levels { offsets: buffer(1)?, keys: column(2)?, levels: column(3)?, valid: optional(4)? }
            }
            "naive" => Column::Naive(parts.get_item(1)?.extract()?),
            _ => Column::Unsupported(parts.get_item(1)?.extract()?),
        })
    }

    /// The column's bytes (of `rows` rows), borrowed from its arrays.
    fn read(&self, rows: usize) -> PyResult<Read<'_>> {
        fn slice<'a>(b: &'a Held<'_>) -> PyResult<&'a [u8]> {
            b.as_slice().map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
        }
        fn optional<'a>(b: &'a Option<Held<'_>>) -> PyResult<Option<&'a [u8]>> {
            b.as_ref().map(slice).transpose()
        }
        // Where the values of the rows end: the last offset.
        let end = |offsets: &[u8]| i32_at(offsets, rows).and_then(|end| usize::try_from(end).ok());
        Ok(match self {
            Column::Nulls => Column::Nulls,
            Column::Instants { unit, values, valid } => {
                Column::Instants { unit: *unit, values: slice(values)?, valid: optional(valid)? }
            }
            Column::Texts { offsets, data, valid } => {
                let (offsets, data) = (slice(offsets)?, slice(data)?);
                let data = match end(offsets).and_then(|end| data.get(..end)).map(std::str::from_utf8) {
                    Some(Ok(text)) => Data::Text(text),
                    _ => Data::Bytes(data),
                };
                Column::Texts { offsets, data, valid: optional(valid)? }
            }
            Column::Categories { codes, names, valid } => {
                Column::Categories { codes: slice(codes)?, names: names.clone(), valid: optional(valid)? }
            }
            Column::Booleans { bits, valid } => Column::Booleans { bits: slice(bits)?, valid: optional(valid)? },
            Column::Integers { values, valid } => Column::Integers { values: slice(values)?, valid: optional(valid)? },
            Column::Levels { offsets, keys, levels, valid } => {
                let offsets = slice(offsets)?;
                let entries = end(offsets).unwrap_or(0);
                Column::Levels {
                    offsets,
                    keys: Box::new(keys.read(entries)?),
                    levels: Box::new(levels.read(entries)?),
                    valid: optional(valid)?,
                }
            }
            Column::Naive(name) => Column::Naive(name.clone()),
            Column::Unsupported(name) => Column::Unsupported(name.clone()),
        })
    }
}

/// A cell: null, a value, or a value that cannot be read (why).
enum Cell<T> {
    Null,
    Value(T),
    Bad(Unreadable),
}

/// Why a cell cannot be read, and the code of its error (the dict forms'
/// for the same fault).
#[derive(Clone, Copy)]
pub struct Unreadable {
    pub why: &'static str,
    pub code: &'static str,
}

const MALFORMED: Unreadable =
    Unreadable { why: "a malformed Arrow array (its offsets or codes point outside its data)", code: "invalid_value" };
const NOT_UTF8: Unreadable = Unreadable { why: "not UTF-8 text", code: "syntax" };
const OUT_OF_RANGE: Unreadable = Unreadable { why: "an instant out of range", code: "out_of_range" };
const NAMELESS: Unreadable = Unreadable { why: "a skill without a name", code: "invalid_value" };

fn bit(bits: &[u8], i: usize) -> Option<bool> {
    bits.get(i / 8).map(|byte| byte >> (i % 8) & 1 == 1)
}

fn i32_at(bytes: &[u8], i: usize) -> Option<i32> {
    let start = i.checked_mul(4)?;
    bytes.get(start..start.checked_add(4)?).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn i64_at(bytes: &[u8], i: usize) -> Option<i64> {
    let start = i.checked_mul(8)?;
    bytes
        .get(start..start.checked_add(8)?)
        .map(|b| i64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
}

/// Whether row `i` has a value: `None` when the bitmap is too short.
fn present(valid: Option<&[u8]>, i: usize) -> Option<bool> {
    valid.map_or(Some(true), |bits| bit(bits, i))
}

/// Offsets `i` and `i + 1`, as a range.
fn span(offsets: &[u8], i: usize) -> Option<std::ops::Range<usize>> {
    let start = usize::try_from(i32_at(offsets, i)?).ok()?;
    let end = usize::try_from(i32_at(offsets, i.checked_add(1)?)?).ok()?;
    (start <= end).then_some(start..end)
}

/// `data[offsets[i]..offsets[i + 1]]` as text.
fn text_at<'a>(offsets: &[u8], data: Data<'a>, i: usize) -> Cell<&'a str> {
    let Some(range) = span(offsets, i) else { return Cell::Bad(MALFORMED) };
    match data {
        Data::Text(text) => match text.get(range.clone()) {
            Some(value) => Cell::Value(value),
            // Within the text, yet not at character boundaries.
            None if range.end <= text.len() => Cell::Bad(NOT_UTF8),
            None => Cell::Bad(MALFORMED),
        },
        Data::Bytes(bytes) => match bytes.get(range).map(std::str::from_utf8) {
            Some(Ok(value)) => Cell::Value(value),
            Some(Err(_)) => Cell::Bad(NOT_UTF8),
            None => Cell::Bad(MALFORMED),
        },
    }
}

impl<'a> Read<'a> {
    /// What the column holds, in errors.
    fn describe(&self) -> &str {
        match self {
            Column::Nulls => "null",
            Column::Instants { .. } => "timestamps",
            Column::Texts { .. } | Column::Categories { .. } => "strings",
            Column::Booleans { .. } => "booleans",
            Column::Integers { .. } => "integers",
            Column::Levels { .. } => "a map of strings to integers",
            Column::Naive(name) | Column::Unsupported(name) => name,
        }
    }

    fn validity(&self) -> Option<&'a [u8]> {
        match self {
            Column::Instants { valid, .. }
            | Column::Texts { valid, .. }
            | Column::Categories { valid, .. }
            | Column::Booleans { valid, .. }
            | Column::Integers { valid, .. }
            | Column::Levels { valid, .. } => *valid,
            Column::Nulls | Column::Naive(_) | Column::Unsupported(_) => None,
        }
    }

    /// Whether row `i` is null (a row past a short bitmap counts as a value,
    /// which reading then finds malformed).
    fn is_null(&self, i: usize) -> bool {
        matches!(self, Column::Nulls) || present(self.validity(), i) == Some(false)
    }

    fn cell<T>(&self, i: usize, value: impl FnOnce() -> Cell<T>) -> Cell<T> {
        match present(self.validity(), i) {
            None => Cell::Bad(MALFORMED),
            Some(false) => Cell::Null,
            Some(true) => value(),
        }
    }

    fn text(&self, i: usize) -> Cell<&str> {
        match self {
            Column::Texts { offsets, data, .. } => self.cell(i, || text_at(offsets, *data, i)),
            Column::Categories { codes, names, .. } => self.cell(i, || {
                match i32_at(codes, i).and_then(|c| usize::try_from(c).ok()).and_then(|c| names.get(c)) {
                    Some(Some(name)) => Cell::Value(name.as_str()),
                    Some(None) => Cell::Null,
                    None => Cell::Bad(MALFORMED),
                }
            }),
            _ => Cell::Null,
        }
    }

    fn instant(&self, i: usize) -> Cell<Timestamp> {
        let Column::Instants { unit, values, .. } = self else { return Cell::Null };
        self.cell(i, || {
            let Some(n) = i64_at(values, i) else { return Cell::Bad(MALFORMED) };
            let at = match unit {
                Unit::Seconds => Timestamp::from_second(n),
                Unit::Milliseconds => Timestamp::from_millisecond(n),
                Unit::Microseconds => Timestamp::from_microsecond(n),
                Unit::Nanoseconds => Timestamp::from_nanosecond(i128::from(n)),
            };
            at.map_or(Cell::Bad(OUT_OF_RANGE), Cell::Value)
        })
    }

    fn boolean(&self, i: usize) -> Cell<bool> {
        let Column::Booleans { bits, .. } = self else { return Cell::Null };
        self.cell(i, || bit(bits, i).map_or(Cell::Bad(MALFORMED), Cell::Value))
    }

    fn integer(&self, i: usize) -> Cell<i64> {
        let Column::Integers { values, .. } = self else { return Cell::Null };
        self.cell(i, || i64_at(values, i).map_or(Cell::Bad(MALFORMED), Cell::Value))
    }

    /// Row `i` as JSON has it (an instant as its text, the skill levels as an
    /// object, where a skill given twice keeps its last level); null for the
    /// types no field has.
    fn json(&self, i: usize) -> Cell<Value> {
        fn map<T>(cell: Cell<T>, value: impl FnOnce(T) -> Value) -> Cell<Value> {
            match cell {
                Cell::Value(v) => Cell::Value(value(v)),
                Cell::Null => Cell::Null,
                Cell::Bad(why) => Cell::Bad(why),
            }
        }
        match self {
            Column::Instants { .. } => map(self.instant(i), |at| Value::String(at.to_string())),
            Column::Texts { .. } | Column::Categories { .. } => {
                map(self.text(i), |text| Value::String(text.to_owned()))
            }
            Column::Booleans { .. } => map(self.boolean(i), Value::Bool),
            Column::Levels { .. } => map(self.levels(i), |entries| {
                let skills = entries
                    .into_iter()
                    .map(|(skill, level)| (skill.to_owned(), level.map_or(Value::Null, Value::from)));
                Value::Object(skills.collect())
            }),
            Column::Nulls | Column::Integers { .. } | Column::Naive(_) | Column::Unsupported(_) => Cell::Null,
        }
    }

    /// Row `i`'s entries (key, level; `None` for a null level).
    fn levels(&self, i: usize) -> Cell<Vec<(&str, Option<i64>)>> {
        let Column::Levels { offsets, keys, levels, .. } = self else { return Cell::Null };
        self.cell(i, || {
            let Some(range) = span(offsets, i) else { return Cell::Bad(MALFORMED) };
            // Not sized from the offsets: malformed ones could ask for any size.
            let mut entries = Vec::new();
            for e in range {
                let key = match keys.text(e) {
                    Cell::Value(key) => key,
                    Cell::Null => return Cell::Bad(NAMELESS),
                    Cell::Bad(why) => return Cell::Bad(why),
                };
                let level = match levels.integer(e) {
                    Cell::Value(level) => Some(level),
                    Cell::Null => None,
                    Cell::Bad(why) => return Cell::Bad(why),
                };
                entries.push((key, level));
            }
            Cell::Value(entries)
        })
    }
}

/// The fields of events, each a column of its own, in the order of
/// [`FIELDS`] (a field is its index there).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    At,
    Event,
    Ticket,
    Agent,
    Tier,
    PreferredAgent,
    State,
    ToTier,
    CreatedAt,
    Channel,
    Impact,
    Urgency,
    Priority,
    Category,
    CustomerTier,
    Language,
    Skills,
    Confidential,
}

/// What a field's column must hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Holds {
    Instants,
    Texts,
    Booleans,
    Levels,
}

/// Every column an events table may have, in the order of [`Field`]: its
/// name and contents.
const FIELDS: [(&str, Holds); 18] = [
    ("at", Holds::Instants),
    ("event", Holds::Texts),
    ("ticket", Holds::Texts),
    ("agent", Holds::Texts),
    ("tier", Holds::Texts),
    ("preferred_agent", Holds::Texts),
    ("state", Holds::Texts),
    ("to_tier", Holds::Texts),
    ("created_at", Holds::Instants),
    ("channel", Holds::Texts),
    ("impact", Holds::Texts),
    ("urgency", Holds::Texts),
    ("priority", Holds::Texts),
    ("category", Holds::Texts),
    ("customer_tier", Holds::Texts),
    ("language", Holds::Texts),
    ("skills", Holds::Levels),
    ("confidential", Holds::Booleans),
];

/// The columns from `created_at` on: a created ticket's fields, or an
/// updated one's changes.
const TICKET_FIELDS: std::ops::Range<usize> = 8..18;

/// What the row `row` of an events table could not be read as.
pub enum RowError {
    /// Refused by the event reader: paths from the event.
    Event(tierwise::Error),
    /// A cell that cannot be read at all: its path from the event, and why.
    Cell(String, Unreadable),
}

/// A record batch of an events table as `tierwise._arrow.event_batches`
/// describes it, its buffers held for as long as it is read.
pub struct EventBatch<'py> {
    rows: usize,
    columns: Vec<(usize, Column<Held<'py>>)>,
}

impl<'py> EventBatch<'py> {
    /// The record batches of `table` (a `pyarrow.Table`, `RecordBatch` or
    /// other Arrow stream), described.
    pub fn describe(py: Python<'py>, table: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        py.import("tierwise._arrow")?.call_method1("event_batches", (table,))
    }

    /// The batch `described` (one of [`EventBatch::describe`]'s); an
    /// `EventError` naming the column when one is not an event field, is
    /// given twice, or holds the wrong type.
    pub fn new(py: Python<'py>, described: &Bound<'py, PyAny>) -> PyResult<EventBatch<'py>> {
        let (rows, described): (usize, Vec<(String, Bound<'py, PyAny>)>) = described.extract()?;
        let mut columns: Vec<(usize, Column<Held<'py>>)> = Vec::with_capacity(described.len());
        for (name, description) in described {
            let path = format!("events.{name}");
            let Some(f) = FIELDS.iter().position(|(n, ..)| *n == name) else {
                let names = FIELDS.map(|(n, ..)| n).join(", ");
                let message = format!("not an event field; the columns are {names}");
                return Err(errors::one(py, Domain::Event, &path, &message, "unknown_field"));
            };
            if columns.iter().any(|(g, _)| *g == f) {
                return Err(errors::one(py, Domain::Event, &path, "a column given twice", "duplicate"));
            }
            let column = Column::held(&description)?;
            let holds = FIELDS[f].1;
            let text = |c: &Column<Held<'py>>| matches!(c, Column::Texts { .. } | Column::Categories { .. });
            let fits = match &column {
                Column::Nulls => true,
                Column::Instants { .. } => holds == Holds::Instants,
                Column::Texts { .. } | Column::Categories { .. } => holds == Holds::Texts,
                Column::Booleans { .. } => holds == Holds::Booleans,
                Column::Levels { keys, levels, .. } => {
                    holds == Holds::Levels && text(keys) && matches!(**levels, Column::Integers { .. } | Column::Nulls)
                }
                Column::Integers { .. } | Column::Naive(_) | Column::Unsupported(_) => false,
            };
            if let (Column::Naive(name), Holds::Instants) = (&column, holds) {
                let message =
                    format!("timestamps without a time zone ({name}): give the column a time zone (e.g. UTC)");
                return Err(errors::one(py, Domain::Event, &path, &message, "naive_datetime"));
            }
            if !fits {
                let expected = match holds {
                    Holds::Instants => "timestamps with a time zone",
                    Holds::Texts => "strings",
                    Holds::Booleans => "booleans",
                    Holds::Levels => "a map of strings to integers",
                };
                let what = match &column {
                    Column::Levels { .. } => "a map of other types".to_owned(),
                    other => other.read(rows)?.describe().to_owned(),
                };
                let message = format!("expected {expected}, not {what}");
                return Err(errors::one(py, Domain::Event, &path, &message, "invalid_value"));
            }
            columns.push((f, column));
        }
        Ok(EventBatch { rows, columns })
    }

    /// How many events.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The columns' bytes, to read rows from.
    pub fn read(&self) -> PyResult<EventColumns<'_>> {
        let mut columns: [Option<Read<'_>>; 18] = Default::default();
        let mut ticket_fields = Vec::new();
        for (f, column) in &self.columns {
            columns[*f] = Some(column.read(self.rows)?);
            if TICKET_FIELDS.contains(f) && !matches!(column, Column::Nulls) {
                ticket_fields.push(*f);
            }
        }
        Ok(EventColumns { columns, ticket_fields })
    }
}

/// The columns of an events table, read.
pub struct EventColumns<'a> {
    columns: [Option<Read<'a>>; 18],
    /// The columns of ticket fields the table has (not all null), by index.
    ticket_fields: Vec<usize>,
}

const NULLS: Read<'static> = Column::Nulls;

impl EventColumns<'_> {
    fn column(&self, f: Field) -> &Read<'_> {
        self.column_at(f as usize)
    }

    fn column_at(&self, f: usize) -> &Read<'_> {
        self.columns[f].as_ref().unwrap_or(&NULLS)
    }

    /// A text field: absent, present, or `None` when it cannot be read.
    fn optional_text(&self, f: Field, row: usize) -> Option<Option<&str>> {
        match self.column(f).text(row) {
            Cell::Null => Some(None),
            Cell::Value(text) => Some(Some(text)),
            Cell::Bad(_) => None,
        }
    }

    fn owned_text(&self, f: Field, row: usize) -> Option<Option<String>> {
        self.optional_text(f, row).map(|text| text.map(str::to_owned))
    }

    /// The event in row `row`.
    pub fn event(&self, row: usize) -> Result<Event, RowError> {
        match self.quick(row) {
            Some(event) => Ok(event),
            None => self.general(row),
        }
    }

    /// The event in row `row` if it is of the usual shape: as
    /// [`Event::from_parts`] reads it, instants from 1970 on.
    fn quick(&self, row: usize) -> Option<Event> {
        let Cell::Value(at) = self.column(Field::At).instant(row) else { return None };
        if at.as_second() < 0 {
            return None;
        }
        let Cell::Value(name) = self.column(Field::Event).text(row) else { return None };
        let (ticket, ticket_id) = if name == "ticket_created" {
            (Some(Box::new(self.ticket(row)?)), None)
        } else {
            if self.ticket_fields.iter().any(|&f| !self.column_at(f).is_null(row)) {
                return None;
            }
            (None, self.owned_text(Field::Ticket, row)?)
        };
        Event::from_parts(EventParts {
            at,
            event: name,
            ticket,
            ticket_id,
            agent: self.owned_text(Field::Agent, row)?,
            state: self.optional_text(Field::State, row)?,
            tier: self.owned_text(Field::Tier, row)?,
            preferred_agent: self.owned_text(Field::PreferredAgent, row)?,
            to_tier: self.owned_text(Field::ToTier, row)?,
        })
    }

    /// The ticket a `ticket_created` row makes, if it is of the usual shape.
    fn ticket(&self, row: usize) -> Option<Ticket> {
        let Cell::Value(created_at) = self.column(Field::CreatedAt).instant(row) else { return None };
        if created_at.as_second() < 0 {
            return None;
        }
        let Some(Some(channel)) = self.optional_text(Field::Channel, row) else { return None };
        let mut ticket = Ticket {
            id: self.owned_text(Field::Ticket, row)?.unwrap_or_default(),
            created_at,
            channel: Channel::from_name(channel).ok()?,
            impact: self.owned_text(Field::Impact, row)?,
            urgency: self.owned_text(Field::Urgency, row)?,
            priority: self.owned_text(Field::Priority, row)?,
            category: self.owned_text(Field::Category, row)?,
            customer_tier: self.owned_text(Field::CustomerTier, row)?,
            language: self.owned_text(Field::Language, row)?,
            skills: Default::default(),
            confidential: match self.column(Field::Confidential).boolean(row) {
                Cell::Null => false,
                Cell::Value(confidential) => confidential,
                Cell::Bad(_) => return None,
            },
            history: Vec::new(),
        };
        match self.column(Field::Skills).levels(row) {
            Cell::Null => {}
            Cell::Value(entries) => {
                for (skill, level) in entries {
                    // A skill given twice keeps its last level.
                    ticket.skills.insert(skill.to_owned(), u8::try_from(level?).ok()?);
                }
            }
            Cell::Bad(_) => return None,
        }
        Some(ticket)
    }

    /// Row `row` as the JSON object it stands for, read the general way:
    /// the event, or the field that is wrong.
    fn general(&self, row: usize) -> Result<Event, RowError> {
        let name = match self.column(Field::Event).text(row) {
            Cell::Value(name) => Some(name),
            _ => None,
        };
        // Where the ticket fields go: into the created ticket, into the
        // changes, or beside the other fields (where the reader refuses them).
        let within = match name {
            Some("ticket_created") => "ticket.",
            Some("ticket_updated") => "changes.",
            _ => "",
        };
        let mut event = Map::new();
        let mut ticket = Map::new();
        for (f, &(field_name, _)) in FIELDS.iter().enumerate() {
            let in_ticket = TICKET_FIELDS.contains(&f);
            let value = match self.column_at(f).json(row) {
                Cell::Value(value) => value,
                Cell::Null => continue,
                Cell::Bad(why) => {
                    let path = if in_ticket { format!("{within}{field_name}") } else { field_name.to_owned() };
                    return Err(RowError::Cell(path, why));
                }
            };
            if in_ticket && !within.is_empty() {
                ticket.insert(field_name.to_owned(), value);
            } else if f == Field::Ticket as usize && within == "ticket." {
                ticket.insert("id".to_owned(), value);
            } else {
                event.insert(field_name.to_owned(), value);
            }
        }
        // A ticket or changes without a field are absent, as they would be
        // from a dict.
        match within {
            "ticket." if !ticket.is_empty() => {
                event.insert("ticket".to_owned(), Value::Object(ticket));
            }
            "changes." if !ticket.is_empty() => {
                event.insert("changes".to_owned(), Value::Object(ticket));
            }
            _ => {}
        }
        Event::from_value(Value::Object(event)).map_err(RowError::Event)
    }
}

/// Arrow's validity bitmap, set row by row; rows never set are null.
#[derive(Default)]
struct Validity {
    bits: Vec<u8>,
    set: usize,
}

impl Validity {
    fn set(&mut self, row: usize) {
        let byte = row / 8;
        if self.bits.len() <= byte {
            self.bits.resize(byte + 1, 0);
        }
        self.bits[byte] |= 1 << (row % 8);
        self.set += 1;
    }

    /// The bitmap of `rows` rows, or `None` when every row is set.
    fn finish(mut self, py: Python<'_>, rows: usize) -> Option<Bound<'_, PyAny>> {
        if self.set == rows {
            return None;
        }
        self.bits.resize(rows.div_ceil(8), 0);
        Some(self.bits.into_pyarray(py).into_any())
    }
}

/// A column of fixed-width values, some null (left as `T::default()`).
struct Values<T> {
    values: Vec<T>,
    valid: Validity,
}

impl<T> Default for Values<T> {
    fn default() -> Self {
        Values { values: Vec::new(), valid: Validity::default() }
    }
}

impl<T: Copy + Default + numpy::Element> Values<T> {
    fn put(&mut self, row: usize, value: T) {
        self.values.resize(row, T::default());
        self.values.push(value);
        self.valid.set(row);
    }

    fn finish<'py>(mut self, py: Python<'py>, kind: &str, rows: usize) -> PyResult<Bound<'py, PyTuple>> {
        self.values.resize(rows, T::default());
        let valid = self.valid.finish(py, rows);
        PyTuple::new(
            py,
            [PyString::new(py, kind).into_any(), self.values.into_pyarray(py).into_any(), none_or(py, valid)],
        )
    }
}

impl Values<f64> {
    /// A number as JSON has it: null when not finite.
    fn put_number(&mut self, row: usize, x: f64) {
        if x.is_finite() {
            self.put(row, x);
        }
    }
}

fn none_or<'py>(py: Python<'py>, value: Option<Bound<'py, PyAny>>) -> Bound<'py, PyAny> {
    value.unwrap_or_else(|| py.None().into_bound(py))
}

/// Bytes (or rows) a column of text (or lists) may hold before an event is
/// applied: Arrow counts them in 32 bits, and an event's decisions add far
/// less than the 64 MiB left (an event is at most 1 MiB)...
const ROOM_FOR_AN_EVENT: usize = i32::MAX as usize - (64 << 20);
/// ... and before a decision is added (a decision adds a few kilobytes at
/// most: the agents passed over are 50 at most).
const ROOM_FOR_A_DECISION: usize = i32::MAX as usize - (1 << 20);

/// The decisions' names, in the order of their codes in the `decision`
/// column ([`DecisionColumns::push`] gives the codes).
const DECISIONS: [&str; 8] =
    ["offer", "offer_expired", "offer_withdrawn", "requeued", "escalated", "relaxed", "sla_alert", "wake_at"];

/// A column of text (or of lists: `data` then holds no bytes, `offsets`
/// count the child's rows).
struct Texts {
    offsets: Vec<i32>,
    data: Vec<u8>,
    valid: Validity,
}

impl Default for Texts {
    fn default() -> Self {
        Texts { offsets: vec![0], data: Vec::new(), valid: Validity::default() }
    }
}

impl Texts {
    /// Row `row`, ending at `end` (a byte of `data`, or a child row): the
    /// null rows before it end where the last value did.
    fn put_end(&mut self, row: usize, end: usize) {
        let last = *self.offsets.last().unwrap_or(&0);
        self.offsets.resize(row + 1, last);
        self.offsets.push(i32::try_from(end).unwrap_or(i32::MAX));
        self.valid.set(row);
    }

    fn put(&mut self, row: usize, text: &str) {
        self.data.extend_from_slice(text.as_bytes());
        self.put_end(row, self.data.len());
    }

    fn finish_offsets<'py>(&mut self, py: Python<'py>, rows: usize) -> (Bound<'py, PyAny>, Bound<'py, PyAny>) {
        let last = *self.offsets.last().unwrap_or(&0);
        self.offsets.resize(rows + 1, last);
        let offsets = std::mem::take(&mut self.offsets).into_pyarray(py).into_any();
        let valid = none_or(py, std::mem::take(&mut self.valid).finish(py, rows));
        (offsets, valid)
    }

    fn finish(mut self, py: Python<'_>, rows: usize) -> PyResult<Bound<'_, PyTuple>> {
        let (offsets, valid) = self.finish_offsets(py, rows);
        let data = self.data.into_pyarray(py).into_any();
        PyTuple::new(py, [PyString::new(py, "texts").into_any(), offsets, data, valid])
    }

    /// The column as lists of the `child_rows` rows of `child`.
    fn finish_list<'py>(
        mut self,
        py: Python<'py>,
        rows: usize,
        child_rows: usize,
        child: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let (offsets, valid) = self.finish_offsets(py, rows);
        let child_rows = child_rows.into_pyobject(py)?.into_any();
        PyTuple::new(py, [PyString::new(py, "list").into_any(), offsets, valid, child_rows, child])
    }
}

/// A column of lists of text.
#[derive(Default)]
struct TextLists {
    lists: Texts,
    values: Texts,
    /// Values so far, in all lists.
    count: usize,
}

impl TextLists {
    fn put<'a>(&mut self, row: usize, values: impl Iterator<Item = &'a str>) {
        for value in values {
            self.values.put(self.count, value);
            self.count += 1;
        }
        self.lists.put_end(row, self.count);
    }

    fn finish(self, py: Python<'_>, rows: usize) -> PyResult<Bound<'_, PyTuple>> {
        let values = self.values.finish(py, self.count)?.into_any();
        self.lists.finish_list(py, rows, self.count, values)
    }
}

/// Offers' explanations, a struct column (null but for offers).
#[derive(Default)]
struct Explanations {
    valid: Validity,
    priority: Texts,
    score: Values<f64>,
    due: Values<i64>,
    waited_s: Values<f64>,
    tier: Texts,
    strategy: TextLists,
    /// Lists of rows of `skill`, `required`, `level`.
    skills: Texts,
    skill: Texts,
    required: Values<u8>,
    level: Values<u8>,
    /// Two per row: the load and the capacity.
    load: Vec<u8>,
    idle_s: Values<f64>,
    preferred: Values<u8>,
    relaxation: TextLists,
    /// Lists of rows of `passed_agent`, `passed_reason`.
    passed_over: Texts,
    passed_agent: Texts,
    passed_reason: Texts,
    skill_rows: usize,
    passed: usize,
}

impl Explanations {
    fn put(&mut self, row: usize, why: &OfferExplanation) {
        self.valid.set(row);
        self.priority.put(row, &why.priority);
        self.score.put_number(row, why.score);
        if let Some(due) = why.due {
            self.due.put(row, due.as_microsecond());
        }
        self.waited_s.put_number(row, why.waited_s);
        self.tier.put(row, &why.tier);
        self.strategy.put(row, why.strategy.iter().map(|name| &**name));
        // Lists the dicts leave out when empty are null then.
        if !why.skills.is_empty() {
            for s in &why.skills {
                self.skill.put(self.skill_rows, &s.skill);
                self.required.put(self.skill_rows, s.required);
                self.level.put(self.skill_rows, s.level);
                self.skill_rows += 1;
            }
            self.skills.put_end(row, self.skill_rows);
        }
        self.load.resize(2 * row, 0);
        self.load.extend([why.load.0, why.load.1]);
        self.idle_s.put_number(row, why.idle_s);
        self.preferred.put(row, u8::from(why.preferred));
        if !why.relaxation.is_empty() {
            self.relaxation.put(row, why.relaxation.iter().map(String::as_str));
        }
        if !why.passed_over.is_empty() {
            for p in &why.passed_over {
                self.passed_agent.put(self.passed, &p.agent);
                self.passed_reason.put(self.passed, &p.reason);
                self.passed += 1;
            }
            self.passed_over.put_end(row, self.passed);
        }
    }

    /// Whether every column holds less than `limit`.
    fn below(&self, limit: usize) -> bool {
        [
            &self.priority,
            &self.tier,
            &self.strategy.values,
            &self.skill,
            &self.relaxation.values,
            &self.passed_agent,
            &self.passed_reason,
        ]
        .iter()
        .all(|t| t.data.len() < limit)
            && [self.strategy.count, self.skill_rows, self.relaxation.count, self.passed].iter().all(|&n| n < limit)
    }

    /// The struct column, fields in the (sorted) order of the dicts'.
    fn finish<'py>(mut self, py: Python<'py>, rows: usize) -> PyResult<Bound<'py, PyTuple>> {
        let fields = PyDict::new(py);
        let struct_of = |fields: Bound<'py, PyDict>| {
            PyTuple::new(py, [PyString::new(py, "struct").into_any(), py.None().into_bound(py), fields.into_any()])
        };
        fields.set_item("due", self.due.finish(py, "instants", rows)?)?;
        fields.set_item("idle_s", self.idle_s.finish(py, "floats", rows)?)?;
        self.load.resize(2 * rows, 0);
        fields.set_item("load", ("pairs", self.load.into_pyarray(py)))?;
        let passed = PyDict::new(py);
        passed.set_item("agent", self.passed_agent.finish(py, self.passed)?)?;
        passed.set_item("reason", self.passed_reason.finish(py, self.passed)?)?;
        fields.set_item(
            "passed_over",
            self.passed_over.finish_list(py, rows, self.passed, struct_of(passed)?.into_any())?,
        )?;
        fields.set_item("preferred", self.preferred.finish(py, "flags", rows)?)?;
        fields.set_item("priority", self.priority.finish(py, rows)?)?;
        fields.set_item("relaxation", self.relaxation.finish(py, rows)?)?;
        fields.set_item("score", self.score.finish(py, "floats", rows)?)?;
        let skill = PyDict::new(py);
        skill.set_item("level", self.level.finish(py, "levels", self.skill_rows)?)?;
        skill.set_item("required", self.required.finish(py, "levels", self.skill_rows)?)?;
        skill.set_item("skill", self.skill.finish(py, self.skill_rows)?)?;
        fields.set_item("skills", self.skills.finish_list(py, rows, self.skill_rows, struct_of(skill)?.into_any())?)?;
        fields.set_item("strategy", self.strategy.finish(py, rows)?)?;
        fields.set_item("tier", self.tier.finish(py, rows)?)?;
        fields.set_item("waited_s", self.waited_s.finish(py, "floats", rows)?)?;
        let valid = none_or(py, self.valid.finish(py, rows));
        PyTuple::new(py, [PyString::new(py, "struct").into_any(), valid, fields.into_any()])
    }
}

/// Decisions as columns, one row each, in order: what `output="arrow"`
/// returns, as a `pyarrow.Table`. A column a decision does not have is null
/// in its row.
#[derive(Default)]
pub struct DecisionColumns {
    rows: usize,
    /// Each decision's kind, as its index in [`DECISIONS`].
    decision: Vec<i8>,
    at: Vec<i64>,
    ticket: Texts,
    agent: Texts,
    expires_at: Values<i64>,
    reason: Texts,
    from_tier: Texts,
    to_tier: Texts,
    step: Values<u32>,
    detail: Texts,
    metric: Texts,
    fraction: Values<f64>,
    why: Explanations,
}

impl DecisionColumns {
    /// Columns with room for about the decisions of `events` events (two
    /// each, up to a few million; more grow as they come). Room not filled
    /// costs address space, not memory.
    pub fn for_events(events: usize) -> DecisionColumns {
        let rows = events.saturating_mul(2).min(1 << 22);
        let mut columns = DecisionColumns::default();
        columns.decision.reserve(rows);
        columns.at.reserve(rows);
        for texts in [&mut columns.ticket, &mut columns.agent] {
            texts.offsets.reserve(rows + 1);
            texts.data.reserve(8 * rows);
        }
        for texts in
            [&mut columns.reason, &mut columns.why.priority, &mut columns.why.tier, &mut columns.why.strategy.lists]
        {
            texts.offsets.reserve(rows + 1);
        }
        columns.expires_at.values.reserve(rows);
        for values in [&mut columns.why.score, &mut columns.why.waited_s, &mut columns.why.idle_s] {
            values.values.reserve(rows);
        }
        columns
    }

    /// Whether the columns have room for the decisions of one more event
    /// (Arrow counts text in 32 bits: 2 GiB a column).
    pub fn has_room(&self) -> bool {
        self.below(ROOM_FOR_AN_EVENT)
    }

    /// Adds `decisions`' rows; an `EventError` (code `too_large`) if they
    /// pass what a column holds. Where [`DecisionColumns::has_room`] was
    /// asked before the event (a table's rows), only one event's decisions
    /// adding up to 64 MiB of text can do that; JSON lines are not asked
    /// about, so there the error can come after the 2 GiB are reached.
    pub fn push(&mut self, py: Python<'_>, decisions: &[Decision]) -> PyResult<()> {
        for d in decisions {
            if !self.below(ROOM_FOR_A_DECISION) {
                let message = "the decisions pass what one Arrow table holds (2 GiB of text in a column); \
                               apply fewer events at a time";
                return Err(errors::one(py, Domain::Event, "", message, "too_large"));
            }
            self.push_one(d);
        }
        Ok(())
    }

    /// Whether every column holds less than `limit`.
    fn below(&self, limit: usize) -> bool {
        [&self.ticket, &self.agent, &self.reason, &self.from_tier, &self.to_tier, &self.detail, &self.metric]
            .iter()
            .all(|t| t.data.len() < limit)
            && self.why.below(limit)
    }

    fn push_one(&mut self, decision: &Decision) {
        let row = self.rows;
        let (kind, at) = match decision {
            Decision::Offer { at, ticket, agent, expires_at, why } => {
                self.ticket.put(row, ticket);
                self.agent.put(row, agent);
                self.expires_at.put(row, expires_at.as_microsecond());
                self.why.put(row, why);
                (0, at)
            }
            Decision::OfferExpired { at, ticket, agent } => {
                self.ticket.put(row, ticket);
                self.agent.put(row, agent);
                (1, at)
            }
            Decision::OfferWithdrawn { at, ticket, agent, reason } => {
                self.ticket.put(row, ticket);
                self.agent.put(row, agent);
                self.reason.put(row, reason);
                (2, at)
            }
            Decision::Requeued { at, ticket, reason } => {
                self.ticket.put(row, ticket);
                self.reason.put(row, reason);
                (3, at)
            }
            Decision::Escalated { at, ticket, from_tier, to_tier, reason } => {
                self.ticket.put(row, ticket);
                self.from_tier.put(row, from_tier);
                self.to_tier.put(row, to_tier);
                self.reason.put(row, reason);
                (4, at)
            }
            Decision::Relaxed { at, ticket, step, detail } => {
                self.ticket.put(row, ticket);
                self.step.put(row, u32::try_from(*step).unwrap_or(u32::MAX));
                self.detail.put(row, detail);
                (5, at)
            }
            Decision::SlaAlert { at, ticket, metric, fraction } => {
                self.ticket.put(row, ticket);
                self.metric.put(row, metric.name());
                self.fraction.put_number(row, *fraction);
                (6, at)
            }
            Decision::WakeAt { at } => (7, at),
        };
        self.decision.push(kind);
        self.at.push(at.as_microsecond());
        self.rows += 1;
    }

    /// The decisions as a `pyarrow.Table` (through `tierwise._arrow`).
    pub fn into_table(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        let rows = self.rows;
        let columns = PyDict::new(py);
        columns.set_item("decision", ("names", self.decision.into_pyarray(py), DECISIONS))?;
        columns.set_item("at", ("instants", self.at.into_pyarray(py), py.None()))?;
        columns.set_item("ticket", self.ticket.finish(py, rows)?)?;
        columns.set_item("agent", self.agent.finish(py, rows)?)?;
        columns.set_item("expires_at", self.expires_at.finish(py, "instants", rows)?)?;
        columns.set_item("reason", self.reason.finish(py, rows)?)?;
        columns.set_item("from_tier", self.from_tier.finish(py, rows)?)?;
        columns.set_item("to_tier", self.to_tier.finish(py, rows)?)?;
        columns.set_item("step", self.step.finish(py, "counts", rows)?)?;
        columns.set_item("detail", self.detail.finish(py, rows)?)?;
        columns.set_item("metric", self.metric.finish(py, rows)?)?;
        columns.set_item("fraction", self.fraction.finish(py, "floats", rows)?)?;
        columns.set_item("why", self.why.finish(py, rows)?)?;
        py.import("tierwise._arrow")?.call_method1("decision_table", (rows, columns))
    }
}
