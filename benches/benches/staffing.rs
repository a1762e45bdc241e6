//! Staffing: the fewest agents for 80% answered within 20 s, by Erlang C and by
//! Erlang A, at about 50 and about 5,000 agents' worth of load.

use std::hint::black_box;

use criterion::Criterion;
use tierwise::jiff::SignedDuration;
use tierwise::staffing::{Load, required_agents};

pub fn define(c: &mut Criterion) {
    let handle = SignedDuration::from_mins(4);
    let patience = SignedDuration::from_mins(3);
    let within = SignedDuration::from_secs(20);
    // 675/h and 73,500/h of 4-minute contacts: 45 and 4,900 erlangs. The counts
    // were checked independently (see the staffing unit tests); a wrong answer
    // fails here rather than being timed.
    let cases = [
        ("erlang_c/50", Load::new(675.0, handle), 51),
        ("erlang_c/5000", Load::new(73_500.0, handle), 4_916),
        ("erlang_a/50", Load::new(675.0, handle).with_patience(patience), 47),
        ("erlang_a/5000", Load::new(73_500.0, handle).with_patience(patience), 4_473),
    ];
    let mut group = c.benchmark_group("staffing");
    for (name, load, expected) in cases {
        let plan = required_agents(&load, 0.8, within, None).expect("valid load");
        assert_eq!(plan.agents, expected, "{name}");
        group.bench_function(format!("required_agents/{name}"), |b| {
            b.iter(|| required_agents(black_box(&load), 0.8, within, None).expect("valid load").agents);
        });
    }
    group.finish();
}
