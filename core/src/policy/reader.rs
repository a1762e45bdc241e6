//! The checked reader: a serde deserializer over a JSON value that names the
//! field a problem is in.
//!
//! Every document the core reads with field paths (policies, scenarios,
//! rosters, events, tickets, snapshots, history lines) is first parsed into a
//! [`Value`], then read into its type by [`ValueReader`]. The path costs
//! nothing while reading succeeds: an error starts with no path, and each
//! list or table it travels out of adds its index or key on the way. So one
//! deserializer does the work that `serde_json`'s value deserializer and a
//! path-tracking wrapper around it did before, which keeps one copy of each
//! type's reader in the WebAssembly package instead of two.

use std::fmt::{self, Write as _};

use serde::de::value::StrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Error as _, Expected, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};
use serde_json::{Map, Number, Value};

/// A problem met while reading a value: serde's message, and where.
#[derive(Debug)]
pub(crate) struct ReadError {
    message: String,
    /// From the innermost step out.
    steps: Vec<Step>,
}

#[derive(Debug)]
enum Step {
    Key(String),
    Index(usize),
}

impl ReadError {
    /// What went wrong, in serde's words (e.g. "unknown field `x`, expected
    /// one of `a`, `b`").
    pub(crate) fn message(&self) -> &str {
        &self.message
    }

    /// Where, as `calendars.a.holidays[0].from`; empty at the top.
    pub(crate) fn path(&self) -> String {
        let mut path = String::new();
        for step in self.steps.iter().rev() {
            match step {
                Step::Key(key) if path.is_empty() => path.push_str(key),
                Step::Key(key) => {
                    path.push('.');
                    path.push_str(key);
                }
                Step::Index(i) => {
                    let _ = write!(path, "[{i}]");
                }
            }
        }
        path
    }

    fn within(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }
}

impl de::Error for ReadError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        ReadError { message: message.to_string(), steps: Vec::new() }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ReadError {}

/// Reads a type from a JSON value, taking the value apart as it goes.
///
/// It reads as `serde_json::from_value` does, with two differences that only
/// show in errors: an error carries the path to where it arose, and a map key
/// is read as text only (the core's documents have no numeric keys).
pub(crate) struct ValueReader(pub(crate) Value);

fn visit_number<'de, V: Visitor<'de>>(number: &Number, visitor: V) -> Result<V::Value, ReadError> {
    if let Some(n) = number.as_u64() {
        visitor.visit_u64(n)
    } else if let Some(n) = number.as_i64() {
        visitor.visit_i64(n)
    } else {
        // Without arbitrary precision every other number is an f64.
        visitor.visit_f64(number.as_f64().unwrap_or(f64::NAN))
    }
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Unexpected::Unsigned(u),
            (None, Some(i)) => Unexpected::Signed(i),
            _ => Unexpected::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Reads a list's items with `visitor`, refusing items it leaves unread.
fn visit_items<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value, ReadError> {
    let len = items.len();
    let mut access = Items { items: items.into_iter(), index: 0 };
    let value = visitor.visit_seq(&mut access)?;
    match access.items.len() {
        0 => Ok(value),
        _ => Err(ReadError::invalid_length(len, &"fewer elements in array")),
    }
}

/// Reads a table's entries with `visitor`, refusing entries it leaves unread.
fn visit_entries<'de, V: Visitor<'de>>(entries: Map<String, Value>, visitor: V) -> Result<V::Value, ReadError> {
    let len = entries.len();
    let mut access = Entries { entries: entries.into_iter(), pending: None };
    let value = visitor.visit_map(&mut access)?;
    match access.entries.len() {
        0 => Ok(value),
        _ => Err(ReadError::invalid_length(len, &"fewer elements in map")),
    }
}

// The typed entry points below take the value apart in these helpers, which
// are not generic: each visitor's reader then holds only its own visit.

/// A table's entries, or the error for any other value.
fn table(value: Value, expected: &dyn Expected) -> Result<Map<String, Value>, ReadError> {
    match value {
        Value::Object(entries) => Ok(entries),
        other => Err(wrong_type(&other, expected)),
    }
}

/// A struct's entries: its table, or (as `serde_json` reads it) the list of
/// its fields' values in order, taken as the table of those fields.
fn struct_table(
    value: Value,
    fields: &'static [&'static str],
    expected: &dyn Expected,
) -> Result<Map<String, Value>, ReadError> {
    match value {
        Value::Array(items) if items.len() > fields.len() => {
            Err(ReadError::invalid_length(items.len(), &"fewer elements in array"))
        }
        Value::Array(items) => {
            // Inserted one by one: `collect` into a map brings a sort along.
            let mut entries = Map::new();
            for (&field, item) in fields.iter().zip(items) {
                entries.insert(field.to_owned(), item);
            }
            Ok(entries)
        }
        other => table(other, expected),
    }
}

/// A list's items, or the error for any other value.
fn list(value: Value, expected: &dyn Expected) -> Result<Vec<Value>, ReadError> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(wrong_type(&other, expected)),
    }
}

/// A string, or the error for any other value.
fn text(value: Value, expected: &dyn Expected) -> Result<String, ReadError> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(wrong_type(&other, expected)),
    }
}

/// The error for a value of the wrong type (one copy, not one per visitor).
fn wrong_type(value: &Value, expected: &dyn Expected) -> ReadError {
    ReadError::invalid_type(unexpected(value), expected)
}

/// The typed entry points read only the one kind of value they expect, so
/// each visitor's reader holds only that arm (the WebAssembly package has
/// one reader per type read, so this is most of its size).
macro_rules! read_numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
            match self.0 {
                Value::Number(n) => visit_number(&n, visitor),
                other => Err(wrong_type(&other, &visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueReader {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(&n, visitor),
            Value::String(s) => visitor.visit_string(s),
            Value::Array(items) => visit_items(items, visitor),
            Value::Object(entries) => visit_entries(entries, visitor),
        }
    }

    read_numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0 {
            Value::Bool(b) => visitor.visit_bool(b),
            other => Err(wrong_type(&other, &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        let text = text(self.0, &visitor)?;
        visitor.visit_string(text)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        visit_items(list(self.0, &visitor)?, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        visit_entries(table(self.0, &visitor)?, visitor)
    }

    /// A struct is a table, or (as `serde_json` reads it, and so the fast
    /// path from text) a list of its fields in order.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visit_entries(struct_table(self.0, fields, &visitor)?, visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            other => Err(wrong_type(&other, &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            value => visitor.visit_some(ValueReader(value)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        match self.0 {
            Value::String(variant) => visitor.visit_enum(Variant { name: variant, content: None }),
            Value::Object(entries) => {
                let mut entries = entries.into_iter();
                match (entries.next(), entries.next()) {
                    (Some((variant, content)), None) => {
                        visitor.visit_enum(Variant { name: variant, content: Some(content) })
                    }
                    _ => Err(ReadError::invalid_value(Unexpected::Map, &"map with a single key")),
                }
            }
            other => Err(wrong_type(&other, &"string or map")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! { char bytes byte_buf }
}

/// The items of a list, each read with its index as the path step.
struct Items {
    items: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> SeqAccess<'de> for Items {
    type Error = ReadError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, ReadError> {
        let Some(item) = self.items.next() else { return Ok(None) };
        let index = self.index;
        self.index += 1;
        seed.deserialize(ValueReader(item)).map(Some).map_err(|e| e.within(Step::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of a table, each value read with its key as the path step. An
/// error in a key (an unknown field) is the table's own, at the table's path.
struct Entries {
    entries: <Map<String, Value> as IntoIterator>::IntoIter,
    pending: Option<(String, Value)>,
}

impl<'de> MapAccess<'de> for Entries {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, ReadError> {
        let Some((key, value)) = self.entries.next() else { return Ok(None) };
        let read = seed.deserialize(StrDeserializer::<ReadError>::new(&key))?;
        self.pending = Some((key, value));
        Ok(Some(read))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, ReadError> {
        match self.pending.take() {
            Some((key, value)) => seed.deserialize(ValueReader(value)).map_err(|e| e.within(Step::Key(key))),
            None => Err(ReadError::custom("a table's value was asked for before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum written as its variant's name, or as a table of one key (the
/// variant) holding its content.
struct Variant {
    name: String,
    content: Option<Value>,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = ReadError;
    type Variant = VariantContent;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, VariantContent), ReadError> {
        let variant = seed.deserialize(self.name.as_str().into_deserializer())?;
        Ok((variant, VariantContent { name: self.name, content: self.content }))
    }
}

/// The content of an enum's variant, read with the variant's name as the path
/// step.
struct VariantContent {
    name: String,
    content: Option<Value>,
}

impl VariantContent {
    /// The content, read with the variant's name as the path step; a variant
    /// written as a bare name has none, which is an error when `expected`.
    fn read<T>(
        self,
        expected: &'static str,
        read: impl FnOnce(ValueReader) -> Result<T, ReadError>,
    ) -> Result<T, ReadError> {
        match self.content {
            Some(content) => read(ValueReader(content)).map_err(|e| e.within(Step::Key(self.name))),
            None => Err(ReadError::invalid_type(Unexpected::UnitVariant, &expected)),
        }
    }
}

impl<'de> VariantAccess<'de> for VariantContent {
    type Error = ReadError;

    fn unit_variant(self) -> Result<(), ReadError> {
        match self.content {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(ReadError::invalid_type(unexpected(&other), &"unit")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, ReadError> {
        self.read("newtype variant", |reader| seed.deserialize(reader))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, ReadError> {
        self.read("tuple variant", |reader| reader.deserialize_seq(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        self.read("struct variant", |reader| reader.deserialize_map(visitor))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    fn read<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, (String, String)> {
        T::deserialize(ValueReader(value)).map_err(|e| (e.path(), e.message().to_owned()))
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Team {
        name: String,
        agents: Vec<Agent>,
        #[serde(default)]
        shift: Option<Shift>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Agent {
        id: String,
        level: u8,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Shift {
        AllDay,
        Hours(u32),
        Window { from: u32, to: u32 },
        Split(u32, u32),
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let documents = [
            json!({"name": "desk", "agents": [{"id": "ana", "level": 3}], "shift": "all_day"}),
            json!({"name": "desk", "agents": [], "shift": {"hours": 8}}),
            json!({"name": "desk", "agents": [], "shift": {"window": {"from": 9, "to": 17}}}),
            json!({"name": "desk", "agents": [], "shift": {"split": [9, 17]}}),
            json!({"name": "desk", "agents": [], "shift": null}),
        ];
        for document in documents {
            let ours: Team = read(document.clone()).unwrap();
            assert_eq!(ours, serde_json::from_value::<Team>(document).unwrap());
        }
        let numbers: Vec<f64> = read(json!([1, -2, 2.5])).unwrap();
        assert_eq!(numbers, [1.0, -2.0, 2.5]);
        let table: BTreeMap<String, Option<u64>> = read(json!({"a": 1, "b": null})).unwrap();
        assert_eq!(table, BTreeMap::from([("a".to_owned(), Some(1)), ("b".to_owned(), None)]));
    }

    #[test]
    fn errors_say_where_and_keep_serde_jsons_words() {
        let cases = [
            (json!({"name": "desk", "agents": [{"id": "ana", "level": 300}]}), "agents[0].level"),
            (json!({"name": "desk", "agents": [{"id": "ana", "level": 1}, {"id": 7, "level": 1}]}), "agents[1].id"),
            (json!({"name": "desk", "agents": [{"id": "ana", "levle": 1}]}), "agents[0]"),
            (json!({"name": "desk", "agents": [{"id": "ana"}]}), "agents[0]"),
            (json!({"name": "desk", "agents": [], "shift": {"window": {"from": 9, "to": "x"}}}), "shift.window.to"),
            (json!({"name": "desk", "agents": [], "shift": {"split": [9]}}), "shift.split"),
            (json!({"name": "desk", "agents": [], "shift": "night"}), "shift"),
            (json!({"name": "desk", "agents": [], "shift": {"hours": 1, "all_day": null}}), "shift"),
            (json!("desk"), ""),
        ];
        for (document, path) in cases {
            let expected = serde_json::from_value::<Team>(document.clone()).unwrap_err().to_string();
            let (got_path, message) = read::<Team>(document).unwrap_err();
            assert_eq!(got_path, path, "{message}");
            assert_eq!(message, expected, "at {path}");
        }
    }

    #[test]
    fn a_struct_written_as_a_list_reads_as_serde_json_reads_it() {
        let as_list = json!(["desk", [["ana", 2]], "all_day"]);
        assert_eq!(read::<Team>(as_list.clone()).unwrap(), serde_json::from_value::<Team>(as_list).unwrap());
        let short = json!(["desk", [["ana", 2]]]);
        assert_eq!(read::<Team>(short.clone()).unwrap(), serde_json::from_value::<Team>(short).unwrap());
        for wrong in [json!(["desk"]), json!(["desk", [], null, 1]), json!(["desk", [["ana"]]])] {
            assert!(read::<Team>(wrong.clone()).is_err() && serde_json::from_value::<Team>(wrong).is_err());
        }
    }

    #[test]
    fn a_visitor_that_stops_early_is_refused() {
        let err = read::<(u8,)>(json!([1, 2])).unwrap_err();
        assert_eq!(err.1, serde_json::from_value::<(u8,)>(json!([1, 2])).unwrap_err().to_string());
    }
}
