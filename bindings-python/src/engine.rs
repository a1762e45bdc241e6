//! `tierwise.Engine`: events in (dicts, JSON lines or an Arrow table),
//! decisions out (dicts, JSON lines or an Arrow table), snapshots as bytes.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString};
use tierwise::{Decision, Event, LinesStopped, Snapshot};

use crate::arrow::{DecisionColumns, EventBatch, RowError};
use crate::convert;
use crate::dicts;
use crate::errors::{self, Domain};
use crate::lines::{self, Stopped};
use crate::policy::Policy;

/// A routing engine: feed it events in time order, act on its decisions.
#[pyclass(module = "tierwise")]
pub struct Engine {
    inner: tierwise::Engine,
    policy: Py<Policy>,
    /// Set when the core panicked mid-event: the state is not to be trusted.
    broken: bool,
}

fn roster_of(py: Python<'_>, roster: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<tierwise::AgentSpec>> {
    let Some(roster) = roster else { return Ok(Vec::new()) };
    let text = if let Ok(s) = roster.cast::<PyString>() {
        s.to_cow()?.into_owned()
    } else {
        let value = convert::value_of(roster, "", Domain::Roster)?;
        if !(value.is_array() || value.is_object()) {
            return Err(errors::type_error("roster", "expected a list of agent dicts"));
        }
        value.to_string()
    };
    errors::guard(|| tierwise::parse_roster(&text))?.map_err(|e| errors::map(py, Domain::Roster, &e))
}

/// Whether `events` is an Arrow table: a `pyarrow.Table` or `RecordBatch`
/// (if pyarrow is loaded, it may be one), or anything that hands over an
/// Arrow stream (a pandas or polars DataFrame). Asked without importing
/// anything for other inputs.
fn is_arrow(py: Python<'_>, events: &Bound<'_, PyAny>) -> PyResult<bool> {
    if events.get_type().hasattr(pyo3::intern!(py, "__arrow_c_stream__"))? {
        return Ok(true);
    }
    if !py.import("sys")?.getattr("modules")?.contains("pyarrow")? {
        return Ok(false);
    }
    py.import("tierwise._arrow")?.call_method1("is_table", (events,))?.is_truthy()
}

/// Where the `index`th event of a list is, in error paths.
fn item_path(index: impl std::fmt::Display) -> String {
    format!("events[{index}]")
}

fn decisions_to_py<'py>(py: Python<'py>, decisions: &[Decision], out: &Bound<'py, PyList>) -> PyResult<()> {
    for d in decisions {
        out.append(dicts::decision(py, d)?)?;
    }
    Ok(())
}

/// Where `apply_many` puts decisions: Python dicts, JSON lines, or the
/// columns of an Arrow table.
enum Sink<'py> {
    Dicts(Bound<'py, PyList>),
    Json(Pieces),
    /// Boxed: the columns are many.
    Arrow(Box<DecisionColumns>),
}

/// JSON lines in pieces of a few megabytes, copied once into the `bytes`
/// returned (which pyo3 fills with zeros first). One growing buffer would
/// copy everything written so far each time it outgrew itself, and hold up
/// to twice the text meanwhile: with a million events, 200 MB or so of
/// decisions, that took as long as the copy into `bytes`.
#[derive(Default)]
struct Pieces {
    full: Vec<Vec<u8>>,
    last: Vec<u8>,
}

impl Pieces {
    /// Bytes in a piece, at least.
    const PIECE: usize = 4 << 20;
    /// Room left for a decision's line before a new piece is started: lines
    /// are a few hundred bytes (longer ones, full explanations, make the
    /// piece grow).
    const LINE: usize = 16 << 10;

    /// The piece to write `n` more bytes to: the last one while they fit
    /// in it, or a new one (of a whole piece, or `n` if more).
    fn room(&mut self, n: usize) -> &mut Vec<u8> {
        if !self.last.is_empty() && self.last.len() + n > self.last.capacity() {
            self.full.push(std::mem::take(&mut self.last));
        }
        if self.last.capacity() == 0 {
            self.last.reserve(n.max(Self::PIECE));
        }
        &mut self.last
    }

    fn len(&self) -> usize {
        self.full.iter().map(Vec::len).sum::<usize>() + self.last.len()
    }

    /// The text as one `bytes` (a `MemoryError` if Python cannot hold it).
    fn into_bytes(self, py: Python<'_>) -> PyResult<Bound<'_, PyBytes>> {
        if self.full.is_empty() {
            return Ok(PyBytes::new(py, &self.last));
        }
        PyBytes::new_with(py, self.len(), |into| {
            let mut at = 0;
            for piece in self.full.iter().chain([&self.last]) {
                into[at..at + piece.len()].copy_from_slice(piece);
                at += piece.len();
            }
            Ok(())
        })
    }
}

impl std::io::Write for Pieces {
    fn write(&mut self, text: &[u8]) -> std::io::Result<usize> {
        self.room(text.len()).extend_from_slice(text);
        Ok(text.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'py> Sink<'py> {
    /// A sink for `output`: for a table, once pyarrow is found to be
    /// there, so that no event is applied whose decisions could not be
    /// returned.
    fn new(py: Python<'py>, output: Output) -> PyResult<Sink<'py>> {
        Ok(match output {
            Output::Dicts => Sink::Dicts(PyList::empty(py)),
            Output::Json => Sink::Json(Pieces::default()),
            Output::Arrow => {
                py.import("pyarrow").map_err(|e| {
                    let message = format!("output=\"arrow\" needs pyarrow (the package's `arrow` extra): {e}");
                    pyo3::exceptions::PyImportError::new_err(message)
                })?;
                Sink::Arrow(Box::default())
            }
        })
    }

    fn push(&mut self, py: Python<'py>, decisions: &[Decision]) -> PyResult<()> {
        match self {
            Sink::Dicts(list) => decisions_to_py(py, decisions, list),
            Sink::Json(pieces) => {
                for d in decisions {
                    d.write_json_line(pieces.room(Pieces::LINE))
                        .map_err(|e| errors::one(py, Domain::Event, "", &e.to_string(), "internal"))?;
                }
                Ok(())
            }
            Sink::Arrow(columns) => columns.push(py, decisions),
        }
    }

    /// An `EventError` (code `too_large`) at `path()` if the decisions of
    /// one more event might not fit (only an Arrow table's columns can be
    /// full).
    fn check_room(&self, py: Python<'py>, path: impl FnOnce() -> String) -> PyResult<()> {
        match self {
            Sink::Arrow(columns) if !columns.has_room() => {
                let message = "the decisions pass what one Arrow table holds (2 GiB of text in a column); \
                               apply fewer events at a time: this one and those after it are not applied";
                Err(errors::one(py, Domain::Event, &path(), message, "too_large"))
            }
            _ => Ok(()),
        }
    }

    fn finish(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Sink::Dicts(list) => Ok(list.into_any()),
            Sink::Json(pieces) => Ok(pieces.into_bytes(py)?.into_any()),
            Sink::Arrow(columns) => columns.into_table(py),
        }
    }
}

/// The form `apply_many` returns decisions in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Dicts,
    Json,
    Arrow,
}

/// What `apply_many` returns once `applied` ends: the decisions, or the
/// error carrying in `.decisions` every decision made before it stopped (a
/// list of dicts, JSON lines as bytes, or a `pyarrow.Table`): the events
/// before the bad one stay applied, so the host must see what they decided.
fn settled<'py>(py: Python<'py>, applied: PyResult<()>, sink: Sink<'py>) -> PyResult<Bound<'py, PyAny>> {
    let Err(error) = applied else { return sink.finish(py) };
    sink.finish(py).and_then(|decisions| error.value(py).setattr("decisions", decisions))?;
    Err(error)
}

impl Engine {
    /// `apply_many`.
    fn apply_all<'py>(
        &mut self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        output: Output,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut sink = Sink::new(py, output)?;
        if is_arrow(py, events)? {
            return self.apply_table(py, events, sink);
        }
        // JSON lines are read where they are: bytes as they come, a str once
        // encoded.
        let encoded = match events.cast::<PyString>() {
            Ok(s) => Some(lines::encode(s)?),
            Err(_) => events.cast::<PyBytes>().ok().cloned(),
        };
        let Some(text) = &encoded else { return self.apply_iterable(py, events, sink) };
        let text = text.as_bytes();
        // Read, checked to be UTF-8 and parsed on a second thread while this
        // one routes (the second thread writes JSON too).
        let lines = lines::byte_lines(text);
        let routed = self.guarded(|engine| match &mut sink {
            // Nothing here needs Python: other threads run meanwhile.
            Sink::Json(pieces) => py.detach(|| engine.route_json_lines(lines, pieces)),
            _ => engine.apply_json_lines(lines, |decisions| sink.push(py, decisions).map_err(Stopped::Python)),
        })?;
        // The core handed out every decision made before a stop, those of
        // the refused line's timers included.
        let applied = routed.map_err(|stop| match stop {
            LinesStopped::Event { line, error } => errors::map_under(py, Domain::Event, &error, &item_path(line)),
            LinesStopped::Caller(Stopped::NotUtf8 { line, error }) => {
                errors::one(py, Domain::Event, &item_path(line), &format!("not UTF-8: {error}"), "syntax")
            }
            LinesStopped::Caller(Stopped::Python(e)) => e,
            LinesStopped::Output(e) => errors::one(py, Domain::Event, "", &e.to_string(), "internal"),
        });
        settled(py, applied, sink)
    }

    /// `apply_many` on an iterable of events (dicts or JSON texts).
    fn apply_iterable<'py>(
        &mut self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        mut sink: Sink<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let iter =
            events.try_iter().map_err(|_| errors::type_error("events", "expected an iterable of event dicts"))?;
        let events =
            iter.enumerate().map(|(i, item)| item.and_then(|item| Engine::event_of(py, &item, || item_path(i))));
        let applied = self.apply_each(py, 0, events, &mut sink);
        settled(py, applied, sink)
    }

    /// `apply_many` on an Arrow table, record batch by record batch, row by
    /// row.
    fn apply_table<'py>(
        &mut self,
        py: Python<'py>,
        table: &Bound<'py, PyAny>,
        mut sink: Sink<'py>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut each_batch = || -> PyResult<()> {
            // Every batch's columns are checked before any event is applied.
            let batches = EventBatch::describe(py, table)?
                .try_iter()?
                .map(|batch| EventBatch::new(py, &batch?))
                .collect::<PyResult<Vec<_>>>()?;
            if let Sink::Arrow(columns) = &mut sink {
                **columns = DecisionColumns::for_events(batches.iter().map(EventBatch::rows).sum());
            }
            let mut applied = 0;
            for batch in &batches {
                let columns = batch.read()?;
                let events = (0..batch.rows()).map(|row| {
                    columns.event(row).map_err(|error| match error {
                        RowError::Event(e) => errors::map_under(py, Domain::Event, &e, &item_path(applied + row)),
                        RowError::Cell(path, cell) => {
                            let path = format!("{}.{path}", item_path(applied + row));
                            errors::one(py, Domain::Event, &path, cell.why, cell.code)
                        }
                    })
                });
                self.apply_each(py, applied, events, &mut sink)?;
                applied += batch.rows();
            }
            Ok(())
        };
        let applied = each_batch();
        settled(py, applied, sink)
    }

    /// Applies `events` in order, the `i`th at `events[first + i]` in error
    /// paths, until one is refused or cannot be read (its error, the
    /// decisions until then in `sink`, those of the refused event's timers
    /// included).
    fn apply_each<'py>(
        &mut self,
        py: Python<'py>,
        first: usize,
        events: impl Iterator<Item = PyResult<Event>>,
        sink: &mut Sink<'py>,
    ) -> PyResult<()> {
        let mut out = Vec::new();
        for (i, event) in events.enumerate() {
            let event = event?;
            let i = first + i;
            sink.check_room(py, || item_path(i))?;
            out.clear();
            // A refused event's timers are handed out with what came before.
            let handed_out = |engine: &mut tierwise::Engine| engine.apply_handing_out(event, &mut out);
            if let Err(error) = self.change(py, Domain::Event, || item_path(i), handed_out) {
                sink.push(py, &out)?;
                return Err(error);
            }
            sink.push(py, &out)?;
        }
        Ok(())
    }

    fn check(&self, py: Python<'_>) -> PyResult<()> {
        if self.broken {
            return Err(errors::one(
                py,
                Domain::Event,
                "",
                "this engine hit an internal error earlier; restore it from a snapshot",
                "internal",
            ));
        }
        Ok(())
    }

    /// The event in `obj`; error paths start with `prefix()` (built only
    /// for the general way, which may need it).
    fn event_of(py: Python<'_>, obj: &Bound<'_, PyAny>, prefix: impl FnOnce() -> String) -> PyResult<Event> {
        if let Ok(s) = obj.cast::<PyString>() {
            let Ok(text) = s.to_cow() else {
                return Err(errors::one(py, Domain::Event, &prefix(), convert::NOT_UNICODE, "syntax"));
            };
            let text: &str = &text;
            return errors::guard(|| Event::from_json_str(text))?
                .map_err(|e| errors::map_under(py, Domain::Event, &e, &prefix()));
        }
        if let Some(event) = dicts::event(obj) {
            return Ok(event);
        }
        let prefix = prefix();
        let value = convert::value_of(obj, &prefix, Domain::Event)?;
        if !value.is_object() {
            return Err(errors::type_error(&prefix, "expected an event dict"));
        }
        errors::guard(|| Event::from_value(value))?.map_err(|e| errors::map_under(py, Domain::Event, &e, &prefix))
    }

    /// Applies one event.
    fn step(&mut self, py: Python<'_>, event: Event, out: &mut Vec<Decision>) -> PyResult<()> {
        self.change(py, Domain::Event, String::new, |engine| engine.apply_owned(event, out))
    }

    /// Runs a change of the engine: its error as the exception of `domain`
    /// (paths under `prefix()`, built only then); a panic marks the engine
    /// broken.
    fn change(
        &mut self,
        py: Python<'_>,
        domain: Domain,
        prefix: impl FnOnce() -> String,
        work: impl FnOnce(&mut tierwise::Engine) -> Result<(), tierwise::Error>,
    ) -> PyResult<()> {
        self.guarded(work)?.map_err(|e| errors::map_under(py, domain, &e, &prefix()))
    }

    /// Runs `work` on the engine; a panic in it marks the engine broken.
    fn guarded<T>(&mut self, work: impl FnOnce(&mut tierwise::Engine) -> T) -> PyResult<T> {
        errors::guard(|| work(&mut self.inner)).inspect_err(|_| self.broken = true)
    }
}

#[pymethods]
impl Engine {
    /// An engine for `policy` with the agents of `roster` (a list of agent
    /// dicts, or roster JSON text), all logged out.
    #[new]
    #[pyo3(signature = (policy, roster = None, *, explain = false))]
    fn new(
        py: Python<'_>,
        policy: Bound<'_, Policy>,
        roster: Option<&Bound<'_, PyAny>>,
        explain: bool,
    ) -> PyResult<Engine> {
        let roster = roster_of(py, roster)?;
        let compiled = policy.get().compiled.clone();
        let mut inner = errors::guard(|| tierwise::Engine::new(compiled, roster))?
            .map_err(|e| errors::map_under(py, Domain::Roster, &e, "roster"))?;
        inner.set_explain(explain);
        Ok(Engine { inner, policy: policy.unbind(), broken: false })
    }

    /// Applies one event (a dict, or JSON text); returns the decisions.
    fn apply<'py>(&mut self, py: Python<'py>, event: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        self.check(py)?;
        let event = Engine::event_of(py, event, String::new)?;
        let mut out = Vec::new();
        self.step(py, event, &mut out)?;
        let list = PyList::empty(py);
        decisions_to_py(py, &out, &list)?;
        Ok(list)
    }

    /// Applies events in order; returns every decision, in order.
    ///
    /// The events are an iterable of dicts (or JSON texts), JSON lines as
    /// str or bytes (blank lines and `#` comments skipped), or an Arrow
    /// table: a `pyarrow.Table` or `RecordBatch`, or anything with
    /// `__arrow_c_stream__` such as a pandas DataFrame (README.md lists the
    /// columns). The decisions come as a list of dicts; with
    /// `output="json"`, as one bytes object of JSON lines (as `tierwise
    /// route` prints); with `output="arrow"`, as a `pyarrow.Table` with a
    /// row per decision.
    ///
    /// JSON lines are read on a second thread while this one routes; bytes
    /// are read where they are, a str is first encoded to UTF-8. From JSON
    /// lines to `output="json"` the GIL is released while routing, so other
    /// Python threads run meanwhile (this engine is busy then: calling it
    /// from another thread raises `RuntimeError`). Every other way holds it.
    ///
    /// On a bad event the error's paths start with `events[i]` (for JSON
    /// lines, `i` is the line's index from 0, blank and comment lines
    /// counted; for a table, the row's). The events before it stay applied,
    /// and the error's `decisions` holds what they decided (in the form
    /// `output` asks for), with the decisions of timers that fired by the
    /// bad event's instant (time passes to it even though it is refused). A
    /// line that is not UTF-8 (in a str, one with a lone surrogate) is an
    /// `EventError` with code `syntax`. A table's column that is not an event
    /// field, is given twice or holds the wrong type is an `EventError` at
    /// `events.<column>` (codes `unknown_field`, `duplicate`,
    /// `invalid_value`, or `naive_datetime` for timestamps without a time
    /// zone), raised before any event is applied.
    #[pyo3(signature = (events, *, output = "dicts"))]
    fn apply_many<'py>(
        &mut self,
        py: Python<'py>,
        events: &Bound<'py, PyAny>,
        output: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.check(py)?;
        let output = match output {
            "dicts" => Output::Dicts,
            "json" => Output::Json,
            "arrow" => Output::Arrow,
            other => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "output: expected \"dicts\", \"json\" or \"arrow\", not {other:?}"
                )));
            }
        };
        if output != Output::Dicts {
            // No Python objects are made per decision (and from JSON lines
            // to JSON the GIL is released: other threads must find the
            // collector as they left it).
            return self.apply_all(py, events, output);
        }
        // The decision dicts hold no cycles: pause the cyclic collector, which
        // would otherwise rescan the growing list again and again. (Other
        // threads see it paused only if the events come from a generator
        // that lets them run.)
        let gc = py.import("gc")?;
        let was_enabled = gc.call_method0("isenabled")?.is_truthy()?;
        if was_enabled {
            gc.call_method0("disable")?;
        }
        let result = self.apply_all(py, events, output);
        if was_enabled {
            gc.call_method0("enable")?;
        }
        result
    }

    /// The engine's whole state as bytes (JSON): restore it with
    /// `Engine.restore(policy, data)`.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        self.check(py)?;
        let snap = errors::guard(|| self.inner.snapshot())?;
        let bytes =
            serde_json::to_vec(&snap).map_err(|e| errors::one(py, Domain::Snapshot, "", &e.to_string(), "internal"))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// An engine that carries on from `data` (from `snapshot()`) under `policy`.
    #[staticmethod]
    fn restore(py: Python<'_>, policy: Bound<'_, Policy>, data: &[u8]) -> PyResult<Engine> {
        let text = std::str::from_utf8(data).map_err(|e| {
            errors::one(py, Domain::Snapshot, "", &format!("not an engine snapshot: not UTF-8 ({e})"), "syntax")
        })?;
        let snap = Snapshot::from_json_str(text).map_err(|e| errors::map(py, Domain::Snapshot, &e))?;
        let compiled = policy.get().compiled.clone();
        let inner = errors::guard(|| tierwise::Engine::restore(compiled, snap))?
            .map_err(|e| errors::map(py, Domain::Snapshot, &e))?;
        Ok(Engine { inner, policy: policy.unbind(), broken: false })
    }

    /// Switches to `policy` at the instant of the last event, keeping every
    /// ticket, agent and offer; returns the decisions (what the new policy
    /// lets be offered now, and when to call back). Raises `PolicyError`
    /// (code `inconsistent`), leaving the engine unchanged, when under the
    /// new policy an agent would hold a ticket it may not serve.
    fn reload<'py>(&mut self, py: Python<'py>, policy: Bound<'py, Policy>) -> PyResult<Bound<'py, PyList>> {
        self.check(py)?;
        let compiled = policy.get().compiled.clone();
        let mut out = Vec::new();
        self.change(py, Domain::Policy, String::new, |engine| engine.reload(compiled, &mut out))?;
        self.policy = policy.unbind();
        let list = PyList::empty(py);
        decisions_to_py(py, &out, &list)?;
        Ok(list)
    }

    /// The policy the engine routes by.
    #[getter]
    fn policy(&self, py: Python<'_>) -> Py<Policy> {
        self.policy.clone_ref(py)
    }

    /// The instant of the last event applied, or `None`.
    #[getter]
    fn now<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.now() {
            None => Ok(None),
            Some(t) => convert::datetime(py, t).map(Some),
        }
    }

    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (Py<Policy>, Bound<'py, PyBytes>))> {
        let f = py.import("tierwise")?.getattr("_engine_restore")?;
        Ok((f, (self.policy.clone_ref(py), self.snapshot(py)?)))
    }
}
