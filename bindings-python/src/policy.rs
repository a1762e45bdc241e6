//! `tierwise.Policy` and `tierwise.triage`: documents in, checked and
//! compiled by the core.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use tierwise::policy::{Format, MAX_POLICY_BYTES};
use tierwise::{CompiledPolicy, Ticket};

use crate::convert::{self, datetime_micros};
use crate::dicts;
use crate::errors::{self, Domain};

/// A checked, compiled routing policy.
#[pyclass(module = "tierwise", frozen)]
#[derive(Clone)]
pub struct Policy {
    pub(crate) source: tierwise::Policy,
    pub(crate) compiled: CompiledPolicy,
    /// The file it was read from (as given to `from_file`): its name in a replay.
    pub(crate) file: Option<String>,
}

impl Policy {
    pub(crate) fn build(py: Python<'_>, source: tierwise::Policy, prefix: &str) -> PyResult<Policy> {
        let compiled =
            errors::guard(|| source.compile())?.map_err(|e| errors::map_under(py, Domain::Policy, &e, prefix))?;
        Ok(Policy { source, compiled, file: None })
    }

    pub(crate) fn parse(py: Python<'_>, text: &str, format: Format) -> PyResult<Policy> {
        let source = errors::guard(|| tierwise::Policy::from_str_as(text, format))?
            .map_err(|e| errors::map(py, Domain::Policy, &e))?;
        Policy::build(py, source, "")
    }
}

/// Reads a text file of at most `limit` bytes: `OSError` if it cannot be
/// read, an error of `domain` (code `too_large` or `syntax`) if it is too
/// large or not UTF-8 text.
pub(crate) fn read_file(py: Python<'_>, domain: Domain, path: &str, limit: usize) -> PyResult<String> {
    let meta = std::fs::metadata(path)?;
    if meta.len() > limit as u64 {
        let message = format!("{path} is {} bytes; the limit is {limit}", meta.len());
        return Err(errors::one(py, domain, "", &message, "too_large"));
    }
    String::from_utf8(std::fs::read(path)?)
        .map_err(|e| errors::one(py, domain, "", &format!("{path} is not UTF-8 text: {}", e.utf8_error()), "syntax"))
}

/// The format of a file: its extension, else its content.
pub(crate) fn format_of(path: &str, text: &str) -> Format {
    Format::from_path(path).unwrap_or_else(|| Format::sniff(text))
}

#[pymethods]
impl Policy {
    /// A policy from a dict (the document's JSON shape).
    #[new]
    fn new(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Policy> {
        Policy::from_dict(py, source)
    }

    /// A policy from a dict (the document's JSON shape).
    #[staticmethod]
    fn from_dict(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Policy> {
        if source.is_instance_of::<PyString>() || source.is_instance_of::<PyBytes>() {
            return Err(errors::type_error("", "expected a dict; use Policy.from_json/from_toml/from_yaml for text"));
        }
        let value = convert::value_of(source, "", Domain::Policy)?;
        let policy =
            errors::guard(|| tierwise::Policy::from_value(value))?.map_err(|e| errors::map(py, Domain::Policy, &e))?;
        Policy::build(py, policy, "")
    }

    /// A policy from JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Policy> {
        Policy::parse(py, text, Format::Json)
    }

    /// A policy from TOML text.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Policy> {
        Policy::parse(py, text, Format::Toml)
    }

    /// A policy from YAML text.
    #[staticmethod]
    fn from_yaml(py: Python<'_>, text: &str) -> PyResult<Policy> {
        Policy::parse(py, text, Format::Yaml)
    }

    /// A policy file (JSON, TOML or YAML, by extension or content).
    #[staticmethod]
    fn from_file(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Policy> {
        let path = path.to_string_lossy().into_owned();
        let text = read_file(py, Domain::Policy, &path, MAX_POLICY_BYTES)?;
        let mut policy = Policy::parse(py, &text, format_of(&path, &text))?;
        policy.file = Some(path);
        Ok(policy)
    }

    /// Checks a policy document (a dict, or JSON/TOML/YAML text) without
    /// keeping it: returns its warnings as (path, message) pairs, or raises
    /// `PolicyError` listing every problem.
    #[staticmethod]
    fn validate(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
        let policy = match source.cast::<PyString>() {
            Ok(text) => {
                let text = text.to_cow()?;
                Policy::parse(py, &text, Format::sniff(&text))?
            }
            Err(_) => Policy::from_dict(py, source)?,
        };
        Ok(policy.warnings())
    }

    /// The built-in default policy.
    #[staticmethod]
    fn default(py: Python<'_>) -> PyResult<Policy> {
        Policy::build(py, tierwise::Policy::default(), "")
    }

    /// The document as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(&self.source).unwrap_or_default();
        convert::to_py(py, &value)
    }

    /// The document as JSON text.
    fn to_json(&self) -> String {
        self.source.to_json_string()
    }

    /// Things legal but probably unintended, as (path, message) pairs.
    #[getter]
    fn warnings(&self) -> Vec<(String, String)> {
        self.compiled.warnings().iter().map(|p| (p.path().to_owned(), p.message().to_owned())).collect()
    }

    /// The priority classes, most critical first.
    #[getter]
    fn priority_classes(&self) -> Vec<String> {
        self.compiled.priority_classes().to_vec()
    }

    /// The tiers, first line first.
    #[getter]
    fn tiers(&self) -> Vec<String> {
        self.compiled.tiers().to_vec()
    }

    /// Triage `ticket` at `now`: see `tierwise.triage`.
    fn triage<'py>(
        &self,
        py: Python<'py>,
        ticket: &Bound<'py, PyAny>,
        now: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        triage_with(py, &self.compiled, ticket, now)
    }

    /// The file the policy was read from (as given to `from_file`), else `None`.
    #[getter]
    fn file(&self) -> Option<String> {
        self.file.clone()
    }

    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String, Option<String>))> {
        Ok((py.import("tierwise")?.getattr("_policy_from_json")?, (self.source.to_json_string(), self.file.clone())))
    }

    fn __repr__(&self) -> String {
        format!(
            "Policy(priority_classes={:?}, tiers={:?}, sla_rules={})",
            self.compiled.priority_classes(),
            self.compiled.tiers(),
            self.compiled.sla_rule_count()
        )
    }
}

/// Rebuilds a policy from `__reduce__`'s state.
#[pyfunction]
pub fn _policy_restore(py: Python<'_>, text: &str, file: Option<String>) -> PyResult<Policy> {
    let mut policy = Policy::parse(py, text, Format::Json)?;
    policy.file = file;
    Ok(policy)
}

/// Reads an instant argument: an aware `datetime`.
pub(crate) fn instant_arg(obj: &Bound<'_, PyAny>, path: &str, domain: Domain) -> PyResult<tierwise::jiff::Timestamp> {
    let py = obj.py();
    let micros = datetime_micros(obj, path).map_err(|e| e.into_py(py, domain))?;
    tierwise::jiff::Timestamp::from_microsecond(micros)
        .map_err(|_| errors::one(py, domain, path, "instant out of range", "out_of_range"))
}

pub(crate) fn triage_with<'py>(
    py: Python<'py>,
    policy: &CompiledPolicy,
    ticket: &Bound<'py, PyAny>,
    now: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let now = instant_arg(now, "now", Domain::Ticket)?;
    let ticket = match dicts::ticket(ticket) {
        Some(ticket) => ticket,
        None => {
            let value = convert::value_of(ticket, "", Domain::Ticket)?;
            if !value.is_object() {
                return Err(errors::type_error("ticket", "expected a dict"));
            }
            errors::guard(|| Ticket::from_value(value))?.map_err(|e| errors::map(py, Domain::Ticket, &e))?
        }
    };
    let triage = errors::guard(|| policy.triage(&ticket, now))?.map_err(|e| errors::map(py, Domain::Ticket, &e))?;
    convert::to_py(py, &serde_json::to_value(&triage).unwrap_or_default())
}

/// Triage a ticket (a dict) at `now` (an aware datetime) under `policy`:
/// priority and why, urgency score and why, SLA deadlines, next change.
#[pyfunction]
pub fn triage<'py>(
    py: Python<'py>,
    policy: PyRef<'py, Policy>,
    ticket: &Bound<'py, PyAny>,
    now: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    triage_with(py, &policy.compiled, ticket, now)
}
