//! Python bindings of Tierwise: conversion and error mapping only; every
//! decision is made in the `tierwise` core crate.
//!
//! The extension module is `tierwise._tierwise`; the `tierwise` package
//! (`python/tierwise`) re-exports it and adds the pandas, pyarrow and
//! matplotlib glue.

use pyo3::prelude::*;

/// mimalloc, as in the `tierwise` command (why: `cli/src/main.rs`): JSON lines
/// are read on one thread and routed on another.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod arrow;
mod convert;
mod dicts;
mod engine;
mod errors;
mod history;
mod lines;
mod policy;
mod sim;
mod staffing;

/// The extension module.
#[pymodule]
fn _tierwise(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<policy::Policy>()?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<sim::Scenario>()?;
    m.add_class::<history::History>()?;
    m.add_function(wrap_pyfunction!(policy::triage, m)?)?;
    m.add_function(wrap_pyfunction!(policy::_policy_restore, m)?)?;
    m.add_function(wrap_pyfunction!(history::_replay, m)?)?;
    m.add_function(wrap_pyfunction!(sim::_simulate, m)?)?;
    m.add_function(wrap_pyfunction!(sim::_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sim::_scenario_restore, m)?)?;
    m.add_function(wrap_pyfunction!(staffing::_erlang, m)?)?;
    m.add_function(wrap_pyfunction!(staffing::_required, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
