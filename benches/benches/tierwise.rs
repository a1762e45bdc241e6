//! Criterion benches for Tierwise, one module per area.
//!
//! Run all: `cargo bench -p tierwise-benches`; one area:
//! `cargo bench -p tierwise-benches --bench tierwise -- calendar/`.
//! Inputs are seeded and built outside the timed closures.

use criterion::{Criterion, criterion_group, criterion_main};

/// The allocator the `tierwise` command and the Python module ship with
/// (`cli/src/main.rs` says why), so these figures are what they get. The
/// core itself leaves the allocator to its host.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod calendar;
mod data;
mod engine;
mod queue;
mod replay;
mod sim;
mod staffing;
mod triage;

fn all(c: &mut Criterion) {
    calendar::define(c);
    engine::define(c);
    queue::define(c);
    replay::define(c);
    sim::define(c);
    triage::define(c);
    staffing::define(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
