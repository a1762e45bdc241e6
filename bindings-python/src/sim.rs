//! `tierwise.Scenario`, simulation and sweeps: the core runs them with the
//! GIL released; results come back as the core's JSON and as columns.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::Value;
use tierwise::policy::MAX_POLICY_BYTES;
use tierwise::sim::{self, PolicyRef, TicketRecord};

use crate::convert;
use crate::errors::{self, Domain};
use crate::policy::{Policy, format_of, read_file};

/// A staffing scenario, editable by field path.
#[pyclass(module = "tierwise")]
#[derive(Clone)]
pub struct Scenario {
    pub(crate) inner: sim::Scenario,
    /// The policy the scenario names or holds, compiled; `None`: the default.
    pub(crate) policy: Option<Policy>,
    /// The folder of the scenario's file, which the files it names are
    /// relative to; `None`: the working directory.
    base: Option<PathBuf>,
}

fn scenario_err(py: Python<'_>, e: &tierwise::Error) -> PyErr {
    errors::map(py, Domain::Scenario, e)
}

/// Reads the recorded arrivals files `inner` names (those not read yet),
/// relative to `base`.
fn load_arrivals(py: Python<'_>, inner: &mut sim::Scenario, base: Option<&Path>) -> PyResult<()> {
    let read = |file: &str| {
        let full: PathBuf = base.map_or_else(|| PathBuf::from(file), |b| b.join(file));
        let len = std::fs::metadata(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))?.len();
        if len > sim::MAX_ARRIVALS_BYTES as u64 {
            return Err(format!("{} is {len} bytes; the limit is {}", full.display(), sim::MAX_ARRIVALS_BYTES));
        }
        std::fs::read_to_string(&full).map_err(|e| format!("cannot read {}: {e}", full.display()))
    };
    errors::guard(|| inner.load_arrivals(read))?.map_err(|e| scenario_err(py, &e))
}

/// The policy `inner` names (a file relative to `base`) or holds, compiled.
fn policy_of(py: Python<'_>, inner: &sim::Scenario, base: Option<&Path>) -> PyResult<Option<Policy>> {
    Ok(match &inner.policy {
        None => None,
        Some(PolicyRef::Inline(p)) => Some(Policy::build(py, (**p).clone(), "policy")?),
        Some(PolicyRef::File(f)) => {
            let full: PathBuf = base.map_or_else(|| PathBuf::from(f), |b| b.join(f));
            let path = full.to_string_lossy().into_owned();
            let text = read_file(py, Domain::Policy, &path, MAX_POLICY_BYTES)?;
            Some(Policy::parse(py, &text, format_of(&path, &text))?)
        }
    })
}

impl Scenario {
    /// This scenario with `edits` ((path, value) pairs) applied to its
    /// document in order; then the arrivals files of streams that name
    /// another are read, a changed policy is read and compiled, and the
    /// whole is checked against its policy. With no policy of its own, the
    /// default stands in, and a scenario it finds only names unknown in is
    /// let through: they may be those of a policy given to `simulate` (which
    /// checks the rest then).
    fn edited(&self, py: Python<'_>, edits: Vec<(String, Value)>) -> PyResult<Scenario> {
        let mut edited = self.inner.clone();
        for (path, value) in edits {
            errors::guard(|| edited.set(&path, value))?.map_err(|e| scenario_err(py, &e))?;
        }
        load_arrivals(py, &mut edited, self.base.as_deref())?;
        let policy = if serde_json::to_value(&edited.policy).ok() == serde_json::to_value(&self.inner.policy).ok() {
            self.policy.clone()
        } else {
            policy_of(py, &edited, self.base.as_deref())?
        };
        let compiled = match &policy {
            Some(p) => p.compiled.clone(),
            None => Policy::build(py, tierwise::Policy::default(), "")?.compiled,
        };
        if let Err(e) = errors::guard(|| edited.check(&compiled))? {
            let kept: Vec<errors::Item> = errors::items(&e, "")
                .into_iter()
                .filter(|(_, _, code)| policy.is_some() || code != "unknown_name")
                .collect();
            if !kept.is_empty() {
                return Err(errors::raise(py, Domain::Scenario, &kept));
            }
        }
        Ok(Scenario { inner: edited, policy, base: self.base.clone() })
    }

    fn resolve(py: Python<'_>, mut inner: sim::Scenario, base: Option<&Path>) -> PyResult<Scenario> {
        load_arrivals(py, &mut inner, base)?;
        let policy = policy_of(py, &inner, base)?;
        Ok(Scenario { inner, policy, base: base.map(Path::to_path_buf) })
    }

    fn parse(py: Python<'_>, text: &str, format: tierwise::policy::Format, base: Option<&Path>) -> PyResult<Scenario> {
        let inner = errors::guard(|| sim::Scenario::from_str_as(text, format))?.map_err(|e| scenario_err(py, &e))?;
        Scenario::resolve(py, inner, base)
    }

    /// The policy to simulate under: `policy` if given, else the scenario's,
    /// else the default.
    pub(crate) fn policy_for(
        &self,
        py: Python<'_>,
        policy: Option<&Bound<'_, Policy>>,
    ) -> PyResult<tierwise::CompiledPolicy> {
        if let Some(p) = policy {
            return Ok(p.get().compiled.clone());
        }
        match &self.policy {
            Some(p) => Ok(p.compiled.clone()),
            None => Policy::build(py, tierwise::Policy::default(), "").map(|p| p.compiled),
        }
    }
}

#[pymethods]
impl Scenario {
    /// A scenario from a dict (the document's JSON shape).
    #[new]
    fn new(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Scenario> {
        Scenario::from_dict(py, source)
    }

    /// A scenario from a dict; a `policy` file name is read relative to the
    /// working directory.
    #[staticmethod]
    fn from_dict(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Scenario> {
        if source.is_instance_of::<PyString>() {
            return Err(errors::type_error("", "expected a dict; use Scenario.from_toml/from_json/from_yaml for text"));
        }
        let value = convert::value_of(source, "", Domain::Scenario)?;
        let inner = errors::guard(|| sim::Scenario::from_value(value))?.map_err(|e| scenario_err(py, &e))?;
        Scenario::resolve(py, inner, None)
    }

    /// A scenario from TOML text.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Scenario> {
        Scenario::parse(py, text, tierwise::policy::Format::Toml, None)
    }

    /// A scenario from JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Scenario> {
        Scenario::parse(py, text, tierwise::policy::Format::Json, None)
    }

    /// A scenario from YAML text.
    #[staticmethod]
    fn from_yaml(py: Python<'_>, text: &str) -> PyResult<Scenario> {
        Scenario::parse(py, text, tierwise::policy::Format::Yaml, None)
    }

    /// A scenario file (TOML, JSON or YAML); its `policy` file is read
    /// relative to it.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Scenario> {
        let p = path.to_string_lossy().into_owned();
        let text = read_file(py, Domain::Scenario, &p, sim::MAX_SCENARIO_BYTES)?;
        Scenario::parse(py, &text, format_of(&p, &text), path.parent())
    }

    /// The embedded default: a week of a global desk, with its policy.
    #[staticmethod]
    fn default(py: Python<'_>) -> PyResult<Scenario> {
        let (mut inner, _) = errors::guard(sim::default_desk)?.map_err(|e| scenario_err(py, &e))?;
        let policy = Policy::parse(py, sim::DEFAULT_POLICY, tierwise::policy::Format::Toml)?;
        // In the document too, so that `to_dict()` and `to_json()` are the
        // whole desk.
        inner.policy = Some(PolicyRef::Inline(Box::new(policy.source.clone())));
        Ok(Scenario { inner, policy: Some(policy), base: None })
    }

    /// The value at a field path: `run.seed`, `teams.desk.agents`,
    /// `streams.calls.per_hour`, `streams[0].handle.mean`.
    fn get<'py>(&self, py: Python<'py>, path: &str) -> PyResult<Bound<'py, PyAny>> {
        let v = errors::guard(|| self.inner.get(path))?.map_err(|e| scenario_err(py, &e))?;
        convert::to_py_at(py, &v, path)
    }

    /// Sets the value at a field path, checking the scenario again against
    /// its policy (a stream that names another arrivals file reads it; a new
    /// `policy` is read and compiled; without a policy of its own, names the
    /// default policy does not know are let through, for `simulate(policy=)`).
    /// On error (a `ScenarioError` or `PolicyError` naming the path, `OSError`
    /// for a file that cannot be read) nothing changes. To change a policy
    /// and the names it brings together, use `with_changes`.
    fn set(&mut self, py: Python<'_>, path: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let v = convert::value_of(value, path, Domain::Scenario)?;
        *self = self.edited(py, vec![(path.to_owned(), v)])?;
        Ok(())
    }

    /// A copy with `changes` ({path: value}) applied, then checked once as
    /// `set` checks (so a policy and the tier names it brings can change
    /// together).
    fn with_changes(&self, py: Python<'_>, changes: &Bound<'_, PyDict>) -> PyResult<Scenario> {
        let mut edits = Vec::new();
        for (k, v) in changes.iter() {
            let path: String = k.extract().map_err(|_| errors::type_error("changes", "keys must be str paths"))?;
            let value = convert::value_of(&v, &path, Domain::Scenario)?;
            edits.push((path, value));
        }
        self.edited(py, edits)
    }

    /// A copy.
    fn copy(&self) -> Scenario {
        self.clone()
    }

    /// The document as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &serde_json::to_value(&self.inner).unwrap_or_default())
    }

    /// The document as JSON text.
    fn to_json(&self) -> String {
        serde_json::to_string(&self.inner).unwrap_or_default()
    }

    /// The policy the scenario routes by (its own, or the default).
    #[getter]
    fn policy(&self, py: Python<'_>) -> PyResult<Py<Policy>> {
        match &self.policy {
            Some(p) => Py::new(py, p.clone()),
            None => Py::new(py, Policy::build(py, tierwise::Policy::default(), "")?),
        }
    }

    /// Names of the teams, streams and tiers.
    #[getter]
    fn teams(&self) -> Vec<String> {
        self.inner.teams.iter().map(|t| t.name.clone()).collect()
    }

    /// Names of the streams.
    #[getter]
    fn streams(&self) -> Vec<String> {
        self.inner.streams.iter().map(|t| t.name.clone()).collect()
    }

    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String, Option<String>))> {
        let f = py.import("tierwise")?.getattr("_scenario_from_state")?;
        let policy = self.policy.as_ref().map(|p| p.source.to_json_string());
        let mut doc = self.inner.clone();
        doc.policy = None;
        Ok((f, (serde_json::to_string(&doc).unwrap_or_default(), policy)))
    }

    fn __repr__(&self) -> String {
        format!("Scenario(streams={:?}, teams={:?})", self.streams(), self.teams())
    }
}

/// Rebuilds a scenario from `__reduce__`'s state.
#[pyfunction]
pub fn _scenario_restore(py: Python<'_>, doc: &str, policy: Option<&str>) -> PyResult<Scenario> {
    let mut inner = errors::guard(|| sim::Scenario::from_json_str(doc))?.map_err(|e| scenario_err(py, &e))?;
    let policy = match policy {
        Some(text) => Some(Policy::parse(py, text, tierwise::policy::Format::Json)?),
        None => None,
    };
    // The policy travels inside the document: a file it was read from may not
    // be where the scenario is unpickled.
    if let Some(p) = &policy {
        inner.policy = Some(PolicyRef::Inline(Box::new(p.source.clone())));
    }
    Ok(Scenario { inner, policy, base: None })
}

fn records_to_columns<'py>(py: Python<'py>, records: &[TicketRecord]) -> PyResult<Bound<'py, PyDict>> {
    let micros = |t: tierwise::jiff::Timestamp| t.as_microsecond();
    let cols = PyDict::new(py);
    cols.set_item("replication", records.iter().map(|r| r.replication).collect::<Vec<_>>())?;
    cols.set_item("ticket", records.iter().map(|r| r.ticket).collect::<Vec<_>>())?;
    cols.set_item("stream", records.iter().map(|r| r.stream.as_str()).collect::<Vec<_>>())?;
    cols.set_item("channel", records.iter().map(|r| r.channel).collect::<Vec<_>>())?;
    cols.set_item("priority", records.iter().map(|r| r.priority.as_str()).collect::<Vec<_>>())?;
    cols.set_item("arrived_at_us", records.iter().map(|r| micros(r.arrived_at)).collect::<Vec<_>>())?;
    cols.set_item("answered_at_us", records.iter().map(|r| r.answered_at.map(micros)).collect::<Vec<_>>())?;
    cols.set_item("wait_s", records.iter().map(|r| r.wait_s).collect::<Vec<_>>())?;
    cols.set_item("within_target", records.iter().map(|r| r.within_target).collect::<Vec<_>>())?;
    cols.set_item("ended_at_us", records.iter().map(|r| r.ended_at.map(micros)).collect::<Vec<_>>())?;
    cols.set_item("outcome", records.iter().map(|r| r.outcome).collect::<Vec<_>>())?;
    cols.set_item("tiers", records.iter().map(|r| &r.tiers).collect::<Vec<_>>())?;
    cols.set_item("agents", records.iter().map(|r| &r.agents).collect::<Vec<_>>())?;
    cols.set_item("teams", records.iter().map(|r| &r.teams).collect::<Vec<_>>())?;
    cols.set_item("agent_tiers", records.iter().map(|r| &r.agent_tiers).collect::<Vec<_>>())?;
    cols.set_item("agent_waits_s", records.iter().map(|r| &r.agent_waits_s).collect::<Vec<_>>())?;
    cols.set_item("sla_breached", records.iter().map(|r| r.sla_breached).collect::<Vec<_>>())?;
    Ok(cols)
}

fn check_replications(py: Python<'_>, replications: i64) -> PyResult<u32> {
    u32::try_from(replications).ok().filter(|r| (1..=sim::MAX_REPLICATIONS).contains(r)).ok_or_else(|| {
        errors::one(
            py,
            Domain::Simulation,
            "replications",
            &format!("must be 1 to {}, not {replications}", sim::MAX_REPLICATIONS),
            "invalid_value",
        )
    })
}

/// Runs `work` on another thread with the GIL released, checking for
/// signals (Ctrl-C) every 20 ms; on KeyboardInterrupt it sets the cancel
/// flag, waits for the work to stop, and raises. A panic in the work is a
/// `TierwiseError` (code `internal`).
fn interruptible<T: Send>(py: Python<'_>, work: impl FnOnce(&AtomicBool) -> T + Send) -> PyResult<T> {
    let cancel = AtomicBool::new(false);
    // Set (and signalled) by the worker when it is done.
    let finished = (Mutex::new(false), Condvar::new());
    std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let out = errors::guard(|| work(&cancel));
            *finished.0.lock().unwrap_or_else(PoisonError::into_inner) = true;
            finished.1.notify_all();
            out
        });
        loop {
            // Returns as soon as the work is done, or after 20 ms to look for
            // Ctrl-C: a call costs the work's own time, not whole sleeps.
            let ended = py.detach(|| {
                let done = finished.0.lock().unwrap_or_else(PoisonError::into_inner);
                let (done, _) = finished
                    .1
                    .wait_timeout_while(done, Duration::from_millis(20), |done| !*done)
                    .unwrap_or_else(PoisonError::into_inner);
                *done
            });
            if ended || worker.is_finished() {
                return worker
                    .join()
                    .map_err(|_| errors::one(py, Domain::Simulation, "", "worker thread failed", "internal"))?;
            }
            if let Err(interrupt) = py.check_signals() {
                cancel.store(true, Ordering::Relaxed);
                py.detach(|| {
                    while !worker.is_finished() {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                });
                let _ = worker.join();
                return Err(interrupt);
            }
        }
    })
}

/// Runs a simulation with the GIL released (Ctrl-C interrupts it); returns the core's JSON and,
/// with `records`, the per-ticket columns.
#[pyfunction]
#[pyo3(signature = (scenario, seed = None, replications = 1, policy = None, records = false))]
pub fn _simulate<'py>(
    py: Python<'py>,
    scenario: PyRef<'py, Scenario>,
    seed: Option<Bound<'py, PyAny>>,
    replications: i64,
    policy: Option<Bound<'py, Policy>>,
    records: bool,
) -> PyResult<(String, Option<Bound<'py, PyDict>>)> {
    let replications = check_replications(py, replications)?;
    let compiled = scenario.policy_for(py, policy.as_ref())?;
    let mut inner = scenario.inner.clone();
    if let Some(seed) = seed {
        inner.run.seed = errors::seed(py, Domain::Simulation, &seed)?;
    }
    let outcome =
        interruptible(py, |cancel| sim::simulate_cancellable(&inner, &compiled, replications, records, cancel))?;
    let Some((result, tickets)) = outcome.map_err(|e| scenario_err(py, &e))? else {
        return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err("simulation cancelled"));
    };
    let cols = if records { Some(records_to_columns(py, &tickets)?) } else { None };
    Ok((result.to_json_string(), cols))
}

/// Runs a sweep over a grid of (path, values) in parallel with the GIL
/// released, checking for Ctrl-C while it runs (KeyboardInterrupt stops
/// the points not yet started). Returns (values, JSON) per point.
#[pyfunction]
#[pyo3(signature = (scenario, grid, replications = 1, policy = None, seed = None))]
pub fn _sweep<'py>(
    py: Python<'py>,
    scenario: PyRef<'py, Scenario>,
    grid: &Bound<'py, PyList>,
    replications: i64,
    policy: Option<Bound<'py, Policy>>,
    seed: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let replications = check_replications(py, replications)?;
    let compiled = scenario.policy_for(py, policy.as_ref())?;
    let mut inner = scenario.inner.clone();
    if let Some(seed) = seed {
        inner.run.seed = errors::seed(py, Domain::Simulation, &seed)?;
    }
    let mut params: Vec<(String, Vec<Value>)> = Vec::new();
    for item in grid.iter() {
        let (path, values): (String, Bound<'py, PyAny>) =
            item.extract().map_err(|_| errors::type_error("grid", "expected (path, values) pairs"))?;
        let values = convert::value_of(&values, &path, Domain::Scenario)?;
        let Value::Array(values) = values else {
            return Err(errors::type_error(&path, "expected a list (or range, array) of values"));
        };
        params.push((path, values));
    }
    let outcome = interruptible(py, |cancel| sim::sweep(&inner, &compiled, &params, replications, cancel))?;
    let points = outcome.map_err(|e| errors::map(py, Domain::Scenario, &e))?;
    let Some(points) = points else {
        return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err("sweep cancelled"));
    };
    let out = PyList::empty(py);
    for p in points {
        let values = PyList::empty(py);
        for v in &p.values {
            values.append(convert::to_py(py, v)?)?;
        }
        out.append((values, p.result.to_json_string()))?;
    }
    Ok(out)
}
