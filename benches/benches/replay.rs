//! What-if on history: reading a history and replaying it under one and two
//! policies. A week of a 60-agent desk is generated once, outside the timed
//! closures; the month-scale figure (200 agents, 28 days) is measured with
//! the CLI (see BENCHMARKS.md).

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use tierwise::Policy;
use tierwise::history::{self, DeskSpec, Handling, History};

pub fn define(c: &mut Criterion) {
    let desk = Policy::from_toml_str(tierwise::sim::DEFAULT_POLICY).expect("policy").compile().expect("compiles");
    let proposal = Policy::from_toml_str(&format!(
        "{}\n[routing]\nstrategy = [\"best_skill_match\", \"longest_idle\"]",
        tierwise::sim::DEFAULT_POLICY
    ))
    .expect("policy")
    .compile()
    .expect("compiles");
    let spec = DeskSpec { agents: 60, days: 7, seed: 3, ..DeskSpec::default() };
    let generated = history::generate(&spec, &desk).expect("generates");
    let text = generated.to_jsonl_string();
    let records = generated.records.len() as u64;

    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    group.throughput(Throughput::Elements(records));
    group.bench_function("read/60_agents_week", |b| {
        b.iter(|| black_box(History::from_jsonl_str(&text).expect("reads")));
    });
    let one = [("desk".to_owned(), desk.clone())];
    group.bench_function("one_policy/60_agents_week", |b| {
        b.iter(|| {
            let report = history::replay(&generated, &one, Handling::Recorded).expect("replays");
            assert!((report.matches_history[0] - 1.0).abs() < f64::EPSILON, "reproduces history");
            black_box(report)
        });
    });
    let two = [("desk".to_owned(), desk), ("proposal".to_owned(), proposal)];
    group.bench_function("two_policies/60_agents_week", |b| {
        b.iter(|| black_box(history::replay(&generated, &two, Handling::Recorded).expect("replays")));
    });
    group.finish();
}
