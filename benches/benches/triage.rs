//! Scoring and deadlines for one ticket: the lean `assess` path the engine
//! uses per event, and the explained `triage` a person reads.

use std::hint::black_box;

use criterion::Criterion;
use tierwise::jiff::SignedDuration;

use crate::data;

pub fn define(c: &mut Criterion) {
    let policy = data::policy("global-desk.toml");
    let tickets = data::tickets(1024, 11);
    let later = SignedDuration::from_mins(20);
    // Warm calendars and check every ticket is accepted.
    for t in &tickets {
        let assessment = policy.assess(t, t.created_at + later).expect("valid");
        assert!(assessment.sla_rule.is_some());
    }

    let mut group = c.benchmark_group("triage");
    group.bench_function("assess/global-desk", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % tickets.len();
            let t = &tickets[i];
            let out = policy.assess(black_box(t), t.created_at + later).expect("valid");
            assert!(out.due[2].is_some());
            black_box(out)
        });
    });
    group.bench_function("explained/global-desk", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % tickets.len();
            let t = &tickets[i];
            let out = policy.triage(black_box(t), t.created_at + later).expect("valid");
            assert!(!out.explanation.is_empty());
            black_box(out)
        });
    });
    group.finish();
}
