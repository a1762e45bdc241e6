//! `tierwise.History` and replay: a desk's past read (or generated) by the
//! core, replayed under policies by the core with the GIL released; the
//! report comes back as the core's JSON (the package builds the DataFrames).

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyList;
use tierwise::CompiledPolicy;
use tierwise::history::{self, DeskSpec, Handling};

use crate::errors::{self, Domain};
use crate::policy::{Policy, read_file};

/// Largest history file read, in bytes (as the CLI).
const MAX_HISTORY_BYTES: usize = 4 << 30;

fn history_err(py: Python<'_>, e: &tierwise::Error) -> PyErr {
    errors::map(py, Domain::History, e)
}

/// A desk's past: its roster and its records in time order.
#[pyclass(module = "tierwise", frozen)]
#[derive(Clone)]
pub struct History {
    pub(crate) inner: Arc<history::History>,
}

impl History {
    fn parse(py: Python<'_>, text: &str) -> PyResult<History> {
        let inner =
            py.detach(|| errors::guard(|| history::History::from_jsonl_str(text)))?.map_err(|e| history_err(py, &e))?;
        Ok(History { inner: Arc::new(inner) })
    }
}

#[pymethods]
impl History {
    /// A history from JSON-lines text (docs/history.md); `HistoryError`
    /// names each bad line as `lines[n]...`.
    #[staticmethod]
    fn from_jsonl(py: Python<'_>, text: &str) -> PyResult<History> {
        History::parse(py, text)
    }

    /// A history from a pandas DataFrame of records, one row per line
    /// (columns `event`, `at` and the line's other fields; nulls are left
    /// out): problems name row n (from 1) as `lines[n]`.
    #[staticmethod]
    fn from_records(py: Python<'_>, frame: &Bound<'_, PyAny>) -> PyResult<History> {
        let text: String = py.import("tierwise._replay")?.getattr("_jsonl_of_frame")?.call1((frame,))?.extract()?;
        History::parse(py, &text)
    }

    /// A history file (JSON lines).
    #[staticmethod]
    fn from_file(py: Python<'_>, path: std::path::PathBuf) -> PyResult<History> {
        let path = path.to_string_lossy().into_owned();
        let text = read_file(py, Domain::History, &path, MAX_HISTORY_BYTES)?;
        History::parse(py, &text)
    }

    /// A synthetic desk's history (as `tierwise history generate`), routed
    /// by `policy` (default: the embedded global desk).
    #[staticmethod]
    #[pyo3(
        signature = (agents = 200, days = 28, start = None, seed = None, tickets_per_day = None, policy = None),
        text_signature = "(agents=200, days=28, start=None, seed=7, tickets_per_day=None, policy=None)"
    )]
    fn generate(
        py: Python<'_>,
        agents: u32,
        days: u32,
        start: Option<&Bound<'_, PyAny>>,
        seed: Option<&Bound<'_, PyAny>>,
        tickets_per_day: Option<u32>,
        policy: Option<PyRef<'_, Policy>>,
    ) -> PyResult<History> {
        // An int from 0 to 2**64 - 1; left out (None), 7, as the text
        // signature says.
        let seed = seed.map_or(Ok(7), |s| errors::seed(py, Domain::History, s))?;
        let mut spec = DeskSpec { agents, days, seed, tickets_per_day, ..DeskSpec::default() };
        if let Some(start) = start {
            let module = py.import("datetime")?;
            if start.is_instance(&module.getattr("datetime")?)? || !start.is_instance(&module.getattr("date")?)? {
                return Err(errors::type_error("start", "expected a datetime.date"));
            }
            let text: String = start.call_method0("isoformat")?.extract()?;
            spec.start = text
                .parse()
                .map_err(|e| errors::one(py, Domain::History, "start", &format!("{e}"), "invalid_value"))?;
        }
        let compiled: CompiledPolicy = match policy {
            Some(p) => p.compiled.clone(),
            None => Policy::parse(py, tierwise::sim::DEFAULT_POLICY, tierwise::policy::Format::Toml)?.compiled,
        };
        let inner =
            py.detach(|| errors::guard(|| history::generate(&spec, &compiled)))?.map_err(|e| history_err(py, &e))?;
        Ok(History { inner: Arc::new(inner) })
    }

    /// The history as JSON lines: the roster, then the records in time order.
    fn to_jsonl(&self, py: Python<'_>) -> String {
        let inner = Arc::clone(&self.inner);
        py.detach(move || inner.to_jsonl_string())
    }

    /// The records (and roster lines) as a pandas DataFrame, one row per
    /// line of `to_jsonl()`: `event`, `at` (aware, UTC; NaT for roster
    /// lines), then the other fields (`ticket`, `agent`, `state`, `outcome`,
    /// ...; nested documents as dicts).
    fn records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("tierwise._replay")?.getattr("_frame_of_jsonl")?.call1((self.to_jsonl(py),))
    }

    /// Tickets that arrived.
    #[getter]
    fn tickets(&self) -> usize {
        self.inner.tickets()
    }

    /// Agents on the roster.
    #[getter]
    fn agents(&self) -> usize {
        self.inner.roster.len()
    }

    /// Records (not counting the roster).
    fn __len__(&self) -> usize {
        self.inner.records.len()
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((py.import("tierwise")?.getattr("_history_from_jsonl")?, (self.to_jsonl(py),)))
    }

    fn __repr__(&self) -> String {
        format!(
            "History(agents={}, tickets={}, records={})",
            self.inner.roster.len(),
            self.inner.tickets(),
            self.inner.records.len()
        )
    }
}

/// Replays `history` under each (name, policy) with the GIL released;
/// returns the core's report as JSON text (as `tierwise replay --json`)
/// and its summary (without tickets and diff entries) as JSON text.
#[pyfunction]
pub fn _replay(
    py: Python<'_>,
    history: PyRef<'_, History>,
    policies: &Bound<'_, PyList>,
    handling: &str,
    seed: &Bound<'_, PyAny>,
) -> PyResult<(String, String)> {
    let seed = errors::seed(py, Domain::History, seed)?;
    let handling = match handling {
        "recorded" => Handling::Recorded,
        "resampled" => Handling::Resampled { seed },
        other => {
            return Err(errors::one(
                py,
                Domain::History,
                "handling",
                &format!("expected \"recorded\" or \"resampled\", not {other:?}"),
                "invalid_value",
            ));
        }
    };
    let mut named: Vec<(String, CompiledPolicy)> = Vec::with_capacity(policies.len());
    for item in policies.iter() {
        let (name, policy): (String, PyRef<'_, Policy>) =
            item.extract().map_err(|_| errors::type_error("policies", "expected (name, Policy) pairs"))?;
        named.push((name, policy.compiled.clone()));
    }
    let inner = Arc::clone(&history.inner);
    let report =
        py.detach(|| errors::guard(|| history::replay(&inner, &named, handling)))?.map_err(|e| history_err(py, &e))?;
    let write = |e: serde_json::Error| {
        errors::one(py, Domain::History, "", &format!("cannot write the report: {e}"), "internal")
    };
    // The summary: the report without per-ticket lists and diff entries (so
    // `summary()` need not parse the whole report).
    let summary = serde_json::json!({
        "start": report.start,
        "end": report.end,
        "tickets": report.tickets,
        "agents": report.agents,
        "handling": report.handling,
        "matches_history": report.matches_history,
        "runs": report.runs.iter().map(|r| serde_json::json!({
            "policy": r.policy, "engine_events": r.engine_events, "kpis": r.kpis,
        })).collect::<Vec<_>>(),
        "diffs": report.diffs.iter().map(|d| serde_json::json!({
            "base": d.base, "other": d.other, "tickets": d.tickets, "by_cause": d.by_cause,
        })).collect::<Vec<_>>(),
    });
    let (full, summary) = py.detach(|| (serde_json::to_string(&report), serde_json::to_string(&summary)));
    Ok((full.map_err(write)?, summary.map_err(write)?))
}
