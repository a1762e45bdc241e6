//! `tierwise.staffing`: the core's Erlang C / Erlang A over columns (the
//! Python side broadcasts numpy arrays into equal-length lists).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use tierwise::ErrorKind;
use tierwise::jiff::SignedDuration;
use tierwise::staffing::{self, Load, Performance};

use crate::errors::{self, Domain};

fn duration(py: Python<'_>, secs: f64, path: &str) -> PyResult<SignedDuration> {
    SignedDuration::try_from_secs_f64(secs).map_err(|_| {
        errors::one(py, Domain::Staffing, path, &format!("{secs} is not a valid number of seconds"), "invalid_value")
    })
}

fn agents_of(py: Python<'_>, x: f64, path: &str) -> PyResult<u32> {
    if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX) {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Ok(x as u32);
    }
    Err(errors::one(
        py,
        Domain::Staffing,
        path,
        &format!("agents must be a whole number >= 0, not {x}"),
        "invalid_value",
    ))
}

/// Columns of performances.
#[derive(Default)]
struct Columns {
    agents: Vec<u32>,
    offered: Vec<f64>,
    occupancy: Vec<f64>,
    p_wait: Vec<f64>,
    service_level: Vec<f64>,
    asa_s: Vec<f64>,
    abandon_rate: Vec<f64>,
}

impl Columns {
    fn push(&mut self, p: &Performance) {
        self.agents.push(p.agents);
        self.offered.push(p.offered_load_erlangs);
        self.occupancy.push(p.occupancy);
        self.p_wait.push(p.p_wait);
        self.service_level.push(p.service_level);
        self.asa_s.push(p.asa_s);
        self.abandon_rate.push(p.abandon_rate);
    }

    fn into_dict(self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("agents", self.agents)?;
        d.set_item("offered_load_erlangs", self.offered)?;
        d.set_item("occupancy", self.occupancy)?;
        d.set_item("p_wait", self.p_wait)?;
        d.set_item("service_level", self.service_level)?;
        d.set_item("asa_s", self.asa_s)?;
        d.set_item("abandon_rate", self.abandon_rate)?;
        Ok(d)
    }
}

/// The i-th element's path, or the bare name for one element.
fn at(name: &str, i: usize, n: usize) -> String {
    if n == 1 { name.to_owned() } else { format!("{name}[{i}]") }
}

/// Erlang C or A for each element of equal-length columns.
#[pyfunction]
#[pyo3(signature = (model, agents, arrivals_per_hour, mean_handle_s, answer_within_s, mean_patience_s = None))]
pub fn _erlang<'py>(
    py: Python<'py>,
    model: &str,
    agents: Vec<f64>,
    arrivals_per_hour: Vec<f64>,
    mean_handle_s: Vec<f64>,
    answer_within_s: Vec<f64>,
    mean_patience_s: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let n = agents.len();
    let mut cols = Columns::default();
    for i in 0..n {
        let k = agents_of(py, agents[i], &at("agents", i, n))?;
        let handle = duration(py, mean_handle_s[i], &at("mean_handle", i, n))?;
        let within = duration(py, answer_within_s[i], &at("answer_within", i, n))?;
        let mut load = Load::new(arrivals_per_hour[i], handle);
        if let Some(p) = &mean_patience_s {
            load = load.with_patience(duration(py, p[i], &at("mean_patience", i, n))?);
        }
        let perf = if model == "erlang_a" {
            errors::guard(|| staffing::erlang_a(k, &load, within))?
        } else {
            errors::guard(|| staffing::erlang_c(k, &load, within))?
        };
        match perf {
            Ok(p) => cols.push(&p),
            // Erlang C with no more agents than erlangs: the queue grows
            // without bound; its limit is reported rather than raised.
            Err(e) if model != "erlang_a" && e.kind() == ErrorKind::OutOfRange && e.path() == "agents" => {
                let offered = load.offered_erlangs().unwrap_or(f64::NAN);
                cols.push(&Performance {
                    model: staffing::Model::ErlangC,
                    agents: k,
                    offered_load_erlangs: offered,
                    occupancy: 1.0,
                    p_wait: 1.0,
                    service_level: 0.0,
                    answer_within_s: answer_within_s[i],
                    asa_s: f64::INFINITY,
                    abandon_rate: 0.0,
                });
            }
            Err(e) => {
                let items: Vec<errors::Item> = errors::items(&e, "")
                    .into_iter()
                    .map(|(p, m, c)| (if n == 1 { p } else { format!("{p}[{i}]") }, m, c))
                    .collect();
                return Err(errors::raise(py, Domain::Staffing, &items));
            }
        }
    }
    cols.into_dict(py)
}

/// The fewest agents meeting the target, for each element of equal-length
/// columns.
#[pyfunction]
#[pyo3(signature = (arrivals_per_hour, mean_handle_s, target_service_level, answer_within_s, mean_patience_s = None, max_occupancy = None))]
pub fn _required<'py>(
    py: Python<'py>,
    arrivals_per_hour: Vec<f64>,
    mean_handle_s: Vec<f64>,
    target_service_level: Vec<f64>,
    answer_within_s: Vec<f64>,
    mean_patience_s: Option<Vec<f64>>,
    max_occupancy: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let n = arrivals_per_hour.len();
    let mut cols = Columns::default();
    for i in 0..n {
        let handle = duration(py, mean_handle_s[i], &at("mean_handle", i, n))?;
        let within = duration(py, answer_within_s[i], &at("answer_within", i, n))?;
        let mut load = Load::new(arrivals_per_hour[i], handle);
        if let Some(p) = &mean_patience_s {
            load = load.with_patience(duration(py, p[i], &at("mean_patience", i, n))?);
        }
        let occ = max_occupancy.as_ref().map(|o| o[i]);
        let perf = errors::guard(|| staffing::required_agents(&load, target_service_level[i], within, occ))?;
        match perf {
            Ok(p) => cols.push(&p),
            Err(e) => {
                let items: Vec<errors::Item> = errors::items(&e, "")
                    .into_iter()
                    .map(|(p, m, c)| (if n == 1 { p } else { format!("{p}[{i}]") }, m, c))
                    .collect();
                return Err(errors::raise(py, Domain::Staffing, &items));
            }
        }
    }
    cols.into_dict(py)
}
