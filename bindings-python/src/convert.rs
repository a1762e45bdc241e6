//! Python objects to JSON values and back: the only place that knows both.
//! Aware `datetime`s become RFC 3339 instants (naive ones are refused),
//! `timedelta`s duration text, and instants in results come back as aware
//! `datetime`s in UTC.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};

use crate::errors::{self, Domain};

/// Deepest nesting accepted from Python.
const MAX_DEPTH: usize = 64;

/// Fields whose text values are instants, returned as `datetime`.
const INSTANT_KEYS: [&str; 14] = [
    "at",
    "expires_at",
    "due",
    "created_at",
    "now",
    "next_change",
    "start",
    "end",
    "started_at",
    "stopped_at",
    "arrived_at",
    "answered_at",
    "ended_at",
    "warn_at",
];

static DATETIME: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static EPOCH: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn epoch(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    EPOCH
        .get_or_try_init(py, || -> PyResult<Py<PyAny>> {
            Ok(datetime_type(py)?.call1((1970, 1, 1, 0, 0, 0, 0, utc(py)?))?.unbind())
        })
        .map(|e| e.bind(py))
}

/// `datetime.timezone.utc`.
pub(crate) fn utc(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    UTC.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("datetime")?.getattr("timezone")?.getattr("utc")?.unbind())
    })
    .map(|u| u.bind(py))
}

/// `datetime.datetime`.
pub(crate) fn datetime_type(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DATETIME.import(py, "datetime", "datetime")
}

/// Why a Python value could not be converted.
#[derive(Debug)]
pub enum ConvError {
    /// A value of a type that has no meaning here (`TypeError`).
    Type(String, String),
    /// A value of the right type that is wrong (the domain's `ValueError`).
    Value(String, String, &'static str),
    /// Python itself raised.
    Py(PyErr),
}

impl From<PyErr> for ConvError {
    fn from(e: PyErr) -> Self {
        ConvError::Py(e)
    }
}

impl ConvError {
    /// The Python exception, domain errors as `domain`.
    pub fn into_py(self, py: Python<'_>, domain: Domain) -> PyErr {
        match self {
            ConvError::Type(path, m) => errors::type_error(&path, &m),
            ConvError::Value(path, m, code) => errors::one(py, domain, &path, &m, code),
            ConvError::Py(e) => e,
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Microseconds from the epoch to `obj`, an aware `datetime`: an error if
/// `obj` is naive, `None` past what an `i64` holds.
pub(crate) fn since_epoch(obj: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    timedelta_micros(&obj.sub(epoch(obj.py())?)?)
}

/// The microseconds of a `timedelta`, from its `days`, `seconds` and
/// `microseconds` (a third of the work of `// timedelta(0, 0, 1)`); `None`
/// past what an `i64` holds.
fn timedelta_micros(delta: &Bound<'_, PyAny>) -> PyResult<Option<i64>> {
    let py = delta.py();
    let part = |name: &Bound<'_, PyString>| -> PyResult<i64> { delta.getattr(name)?.extract() };
    let (days, seconds, micros) =
        (part(intern!(py, "days"))?, part(intern!(py, "seconds"))?, part(intern!(py, "microseconds"))?);
    Ok(days
        .checked_mul(86_400_000_000)
        .and_then(|d| d.checked_add(seconds.checked_mul(1_000_000)?))
        .and_then(|d| d.checked_add(micros)))
}

/// Microseconds since the epoch of an aware datetime.
pub fn datetime_micros(obj: &Bound<'_, PyAny>, path: &str) -> Result<i64, ConvError> {
    let py = obj.py();
    if !obj.is_instance(datetime_type(py)?)? {
        return Err(ConvError::Type(
            path.to_owned(),
            format!("expected a timezone-aware datetime, not {}", type_name(obj)),
        ));
    }
    if obj.getattr("utcoffset")?.call0()?.is_none() {
        return Err(ConvError::Value(
            path.to_owned(),
            format!(
                "naive datetime {}: give a timezone-aware datetime (e.g. with tzinfo=datetime.timezone.utc)",
                obj.str().map(|s| s.to_string()).unwrap_or_default()
            ),
            "naive_datetime",
        ));
    }
    since_epoch(obj)?
        .ok_or_else(|| ConvError::Value(path.to_owned(), "instant out of range".to_owned(), "out_of_range"))
}

/// An aware datetime as an RFC 3339 instant.
fn datetime_text(obj: &Bound<'_, PyAny>, path: &str) -> Result<String, ConvError> {
    let micros = datetime_micros(obj, path)?;
    tierwise::jiff::Timestamp::from_microsecond(micros)
        .map(|t| t.to_string())
        .map_err(|_| ConvError::Value(path.to_owned(), "instant out of range".to_owned(), "out_of_range"))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".to_owned())
}

/// A Python value as JSON; `path` names it in errors.
pub fn to_value(obj: &Bound<'_, PyAny>, path: &str) -> Result<Value, ConvError> {
    to_value_at(obj, path, 0)
}

fn to_value_at(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<Value, ConvError> {
    if depth > MAX_DEPTH {
        return Err(ConvError::Value(path.to_owned(), format!("nested deeper than {MAX_DEPTH} levels"), "too_large"));
    }
    let py = obj.py();
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(ConvError::Value(path.to_owned(), "integer out of range".to_owned(), "out_of_range"));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        let x = f.value();
        return Number::from_f64(x)
            .map(Value::Number)
            .ok_or_else(|| ConvError::Value(path.to_owned(), format!("{x} is not a finite number"), "invalid_value"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(unicode(s, path)?));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let Ok(key) = k.cast::<PyString>() else {
                return Err(ConvError::Type(path.to_owned(), format!("keys must be str, not {}", type_name(&k))));
            };
            let key = unicode(key, path)?;
            let value = to_value_at(&v, &join(path, &key), depth + 1)?;
            map.insert(key, value);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            items.push(to_value_at(&v?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if obj.is_instance(datetime_type(py)?)? {
        return datetime_text(obj, path).map(Value::String);
    }
    if obj.is_instance(DATE.import(py, "datetime", "date")?)? {
        return Ok(Value::String(obj.call_method0("isoformat")?.extract()?));
    }
    if obj.is_instance(TIMEDELTA.import(py, "datetime", "timedelta")?)? {
        let Some(micros) = timedelta_micros(obj)? else {
            let message = "a timedelta beyond 292,000 years either way".to_owned();
            return Err(ConvError::Value(path.to_owned(), message, "out_of_range"));
        };
        return Ok(Value::String(format!("{}ms", micros / 1000)));
    }
    // numpy scalars and arrays, and other containers that know how.
    if obj.hasattr("tolist")? && !obj.is_instance_of::<PyType>() {
        let plain = obj.call_method0("tolist")?;
        if !plain.is(obj) {
            return to_value_at(&plain, path, depth + 1);
        }
    }
    if obj.hasattr("keys")? && obj.hasattr("__getitem__")? {
        let d = PyDict::new(py);
        for k in obj.call_method0("keys")?.try_iter()? {
            let k = k?;
            d.set_item(&k, obj.get_item(&k)?)?;
        }
        return to_value_at(d.as_any(), path, depth);
    }
    if obj.is_instance_of::<pyo3::types::PyRange>() || obj.is_instance_of::<pyo3::types::PySet>() {
        let mut items = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            items.push(to_value_at(&v?, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    Err(ConvError::Type(path.to_owned(), format!("cannot use a {} here", type_name(obj))))
}

/// Why a `str` that UTF-8 cannot hold (a lone surrogate, as `"\ud800"`) is
/// refused, at its path, rather than with Python's bare `UnicodeEncodeError`.
pub const NOT_UNICODE: &str = "text with a lone surrogate, which is not Unicode text";

/// The text of a `str`; one UTF-8 cannot hold is an error at `path`.
fn unicode(s: &Bound<'_, PyString>, path: &str) -> Result<String, ConvError> {
    s.to_cow()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| ConvError::Value(path.to_owned(), NOT_UNICODE.to_owned(), "syntax"))
}

/// A Python value as JSON, errors raised as `domain`.
pub fn value_of(obj: &Bound<'_, PyAny>, path: &str, domain: Domain) -> PyResult<Value> {
    to_value(obj, path).map_err(|e| e.into_py(obj.py(), domain))
}

/// The last instants converted, and which of them to replace next: the
/// decisions of one event share their `at`, and an offer's expiry is often
/// the instant of the wake-up after it.
struct Recent {
    made: [Option<(i64, Py<PyAny>)>; 4],
    next: usize,
}

thread_local! {
    static RECENT: std::cell::RefCell<Recent> = const { std::cell::RefCell::new(Recent { made: [const { None }; 4], next: 0 }) };
}

/// An instant as an aware `datetime` in UTC.
pub fn datetime(py: Python<'_>, at: tierwise::jiff::Timestamp) -> PyResult<Bound<'_, PyAny>> {
    let micros = at.as_microsecond();
    let hit =
        RECENT.with(|r| r.borrow().made.iter().flatten().find(|(m, _)| *m == micros).map(|(_, o)| o.clone_ref(py)));
    if let Some(hit) = hit {
        return Ok(hit.into_bound(py));
    }
    // `datetime(year, ..., tzinfo=utc)` takes two thirds of the time of
    // `epoch + microsecond * micros`.
    let c = tierwise::jiff::tz::TimeZone::UTC.to_datetime(at);
    // Python's years are 1 to 9999; jiff's go further either way.
    if !(1..=9999).contains(&c.year()) {
        return Err(pyo3::exceptions::PyOverflowError::new_err(format!("year {} is out of range", c.year())));
    }
    let utc = utc(py)?;
    let fields = (c.year(), c.month(), c.day(), c.hour(), c.minute(), c.second(), c.subsec_nanosecond() / 1000, utc);
    let dt = datetime_type(py)?.call1(fields)?;
    remember_datetime(micros, &dt);
    Ok(dt)
}

/// Keeps `dt`, a `datetime` in UTC exactly as [`datetime`] would
/// make it for `micros`, for the instants converted next.
pub(crate) fn remember_datetime(micros: i64, dt: &Bound<'_, PyAny>) {
    let old = RECENT.with(|r| {
        let mut r = r.borrow_mut();
        let next = r.next;
        r.next = (next + 1) % r.made.len();
        r.made[next].replace((micros, dt.clone().unbind()))
    });
    // Dropped after the borrow: nothing kept here runs Python code as it
    // goes, but the cell must not be borrowed if it ever did.
    drop(old);
}

fn instant<'py>(py: Python<'py>, text: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    match text.parse::<tierwise::jiff::Timestamp>() {
        Ok(t) => datetime(py, t).map(Some),
        Err(_) => Ok(None),
    }
}

/// A JSON value as Python objects; text at instant keys becomes `datetime`.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    to_py_keyed(py, value, false)
}

/// [`to_py`] of the value at a field path (`run.start`): an instant there is
/// a `datetime`, as it is inside the dict of its parent.
pub fn to_py_at<'py>(py: Python<'py>, value: &Value, path: &str) -> PyResult<Bound<'py, PyAny>> {
    let last = path.rsplit('.').next().unwrap_or(path);
    to_py_keyed(py, value, INSTANT_KEYS.contains(&last))
}

fn to_py_keyed<'py>(py: Python<'py>, value: &Value, instant_key: bool) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => {
            if instant_key && let Some(dt) = instant(py, s)? {
                return Ok(dt);
            }
            PyString::new(py, s).into_any()
        }
        Value::Array(items) => {
            let list = PyList::empty(py);
            for v in items {
                list.append(to_py_keyed(py, v, false)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let d = PyDict::new(py);
            for (k, v) in map {
                d.set_item(k, to_py_keyed(py, v, INSTANT_KEYS.contains(&k.as_str()))?)?;
            }
            d.into_any()
        }
    })
}
