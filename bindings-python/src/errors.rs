//! Every error that reaches Python is made here: the exception hierarchy, and
//! the mapping of core errors (with their problems' paths and codes) and of
//! panics onto it.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use tierwise::Error;

pyo3::create_exception!(
    tierwise,
    TierwiseError,
    PyValueError,
    "Base of every Tierwise error: `.problems` lists (path, message) pairs, `.codes` their stable codes, `.path` and `.code` describe the first."
);
pyo3::create_exception!(tierwise, PolicyError, TierwiseError, "A policy document that does not check.");
pyo3::create_exception!(
    tierwise,
    ScenarioError,
    TierwiseError,
    "A scenario that does not check, or a bad edit of one."
);
pyo3::create_exception!(tierwise, EventError, TierwiseError, "An event the engine refuses (bad fields, out of order).");
pyo3::create_exception!(tierwise, TicketError, TierwiseError, "A ticket that cannot be triaged.");
pyo3::create_exception!(tierwise, RosterError, TierwiseError, "A roster that does not fit the policy.");
pyo3::create_exception!(tierwise, SnapshotError, TierwiseError, "Snapshot bytes that cannot be restored.");
pyo3::create_exception!(tierwise, StaffingError, TierwiseError, "Bad arguments to an Erlang formula.");
pyo3::create_exception!(tierwise, SimulationError, TierwiseError, "A simulation or sweep that cannot run.");
pyo3::create_exception!(
    tierwise,
    HistoryError,
    TierwiseError,
    "A history that does not read (paths `lines[n].field`), or a replay or generated desk that cannot run."
);

/// Which exception class a core error becomes.
#[derive(Clone, Copy, Debug)]
pub enum Domain {
    /// [`PolicyError`].
    Policy,
    /// [`ScenarioError`].
    Scenario,
    /// [`EventError`].
    Event,
    /// [`TicketError`].
    Ticket,
    /// [`RosterError`].
    Roster,
    /// [`SnapshotError`].
    Snapshot,
    /// [`StaffingError`].
    Staffing,
    /// [`SimulationError`].
    Simulation,
    /// [`HistoryError`].
    History,
}

/// One problem: (path, message, code).
pub type Item = (String, String, String);

/// An exception of `domain` carrying `problems`.
pub fn raise(py: Python<'_>, domain: Domain, problems: &[Item]) -> PyErr {
    let text = match problems {
        [(p, m, _)] if p.is_empty() => m.clone(),
        [(p, m, _)] => format!("{p}: {m}"),
        many => {
            let mut t = format!("{} problems:", many.len());
            for (p, m, _) in many {
                if p.is_empty() {
                    t.push_str(&format!("\n  {m}"));
                } else {
                    t.push_str(&format!("\n  {p}: {m}"));
                }
            }
            t
        }
    };
    let err = match domain {
        Domain::Policy => PolicyError::new_err(text),
        Domain::Scenario => ScenarioError::new_err(text),
        Domain::Event => EventError::new_err(text),
        Domain::Ticket => TicketError::new_err(text),
        Domain::Roster => RosterError::new_err(text),
        Domain::Snapshot => SnapshotError::new_err(text),
        Domain::Staffing => StaffingError::new_err(text),
        Domain::Simulation => SimulationError::new_err(text),
        Domain::History => HistoryError::new_err(text),
    };
    let value = err.value(py);
    let attach = || -> PyResult<()> {
        let pairs: Vec<Bound<'_, PyTuple>> =
            problems.iter().map(|(p, m, _)| PyTuple::new(py, [p.as_str(), m.as_str()])).collect::<PyResult<_>>()?;
        value.setattr("problems", PyList::new(py, pairs)?)?;
        value.setattr("codes", PyList::new(py, problems.iter().map(|(_, _, c)| c.as_str()))?)?;
        let (path, _, code) = problems.first().cloned().unwrap_or_default();
        value.setattr("path", path)?;
        value.setattr("code", code)?;
        Ok(())
    };
    match attach() {
        Ok(()) => err,
        Err(e) => e,
    }
}

/// The problems of a core error, each path under `prefix`.
pub fn items(e: &Error, prefix: &str) -> Vec<Item> {
    e.problems()
        .iter()
        .map(|p| {
            let path = match (prefix.is_empty(), p.path().is_empty()) {
                (true, _) => p.path().to_owned(),
                (false, true) => prefix.to_owned(),
                (false, false) if p.path().starts_with('[') => format!("{prefix}{}", p.path()),
                (false, false) => format!("{prefix}.{}", p.path()),
            };
            let message = match p.hint() {
                Some(h) => format!("{} ({h})", p.message()),
                None => p.message().to_owned(),
            };
            (path, message, p.code().to_owned())
        })
        .collect()
}

/// A core error as the exception of `domain`.
pub fn map(py: Python<'_>, domain: Domain, e: &Error) -> PyErr {
    raise(py, domain, &items(e, ""))
}

/// A core error as the exception of `domain`, paths under `prefix`.
pub fn map_under(py: Python<'_>, domain: Domain, e: &Error, prefix: &str) -> PyErr {
    raise(py, domain, &items(e, prefix))
}

/// One problem as the exception of `domain`.
pub fn one(py: Python<'_>, domain: Domain, path: &str, message: &str, code: &str) -> PyErr {
    raise(py, domain, &[(path.to_owned(), message.to_owned(), code.to_owned())])
}

/// A `TypeError` naming the field path.
pub fn type_error(path: &str, message: &str) -> PyErr {
    if path.is_empty() {
        PyTypeError::new_err(message.to_owned())
    } else {
        PyTypeError::new_err(format!("{path}: {message}"))
    }
}

/// Runs `f`, turning a panic in the core into a [`TierwiseError`] with the
/// code `internal` (a bug to report), so no `PanicException` reaches Python.
pub fn guard<T>(f: impl FnOnce() -> T) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_owned());
        let err = TierwiseError::new_err(format!("internal error in tierwise (please report): {what}"));
        Python::attach(|py| {
            let v = err.value(py);
            let _ = v.setattr("problems", PyList::new(py, [("", what.as_str())]).ok());
            let _ = v.setattr("codes", PyList::new(py, ["internal"]).ok());
            let _ = v.setattr("path", "");
            let _ = v.setattr("code", "internal");
        });
        err
    })
}

/// Registers the exception classes on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("TierwiseError", py.get_type::<TierwiseError>())?;
    m.add("PolicyError", py.get_type::<PolicyError>())?;
    m.add("ScenarioError", py.get_type::<ScenarioError>())?;
    m.add("EventError", py.get_type::<EventError>())?;
    m.add("TicketError", py.get_type::<TicketError>())?;
    m.add("RosterError", py.get_type::<RosterError>())?;
    m.add("SnapshotError", py.get_type::<SnapshotError>())?;
    m.add("StaffingError", py.get_type::<StaffingError>())?;
    m.add("SimulationError", py.get_type::<SimulationError>())?;
    m.add("HistoryError", py.get_type::<HistoryError>())?;
    Ok(())
}

/// A seed: an `int` from 0 to 2**64 - 1 (a `TypeError` for anything else
/// than an `int`, an error of `domain` at `seed` for one out of range).
pub fn seed(py: Python<'_>, domain: Domain, value: &Bound<'_, PyAny>) -> PyResult<u64> {
    if value.is_instance_of::<pyo3::types::PyBool>() || !value.is_instance_of::<pyo3::types::PyInt>() {
        return Err(type_error("seed", "expected an int"));
    }
    value.extract().map_err(|_| seed_out_of_range(py, domain, value))
}

/// The error of `domain` for a seed outside 0 to 2**64 - 1.
pub fn seed_out_of_range(py: Python<'_>, domain: Domain, value: impl std::fmt::Display) -> PyErr {
    one(py, domain, "seed", &format!("must be 0 to 2**64 - 1, not {value}"), "out_of_range")
}
