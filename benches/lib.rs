//! Benchmarks live in `benches/tierwise.rs`.
