//! Criterion benches for Tierwise, one module per area.
//!
//! Run all: `cargo bench -p tierwise-benches`; one area:
//! `cargo bench -p tierwise-benches --bench tierwise -- calendar/`.
//! Inputs are seeded and built outside the timed closures.

use criterion::{Criterion, criterion_group, criterion_main};

/// The allocator the `tierwise` command and the Python module ship with
/// (`cli/src/main.rs` says why), with one difference: transparent huge pages
/// are allowed here (mimalloc asks for them where the system leaves them to
/// `madvise`, as Debian does). The engine benches' desks of 10,000 agents
/// and 100,000 tickets and more are read at random over tens of megabytes:
/// with 4 KiB pages most cache misses there are TLB misses too, each a page
/// walk (slower still in a virtual machine). A host routing for a desk that
/// large runs one long process, where huge pages are the usual setting; the
/// command and the Python module leave them off, as their first large call
/// paid about a second of page faults for them. `MIMALLOC_ALLOW_THP=0 cargo
/// bench ...` runs these benches without huge pages, as those get it;
/// BENCHMARKS.md gives the engine's figures both ways. The core itself leaves
/// the allocator to its host.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod calendar;
mod data;
mod engine;
mod queue;
mod replay;
mod route;
mod sim;
mod staffing;
mod triage;

fn all(c: &mut Criterion) {
    calendar::define(c);
    engine::define(c);
    queue::define(c);
    replay::define(c);
    route::define(c);
    sim::define(c);
    triage::define(c);
    staffing::define(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
