//! Simulated tickets per second, driving the real engine: the issue's M/M/c
//! desk (480 calls an hour, 6 minutes each, 50 agents), the same load scaled
//! to 5,000 agents (48,000 calls an hour), and the embedded global desk.

use std::hint::black_box;

use criterion::{Criterion, Throughput};
use tierwise::Policy;
use tierwise::sim::{Scenario, default_desk, simulate};

fn mmc(agents: u32, per_hour: u32, arrivals: u64) -> Scenario {
    Scenario::from_toml_str(&format!(
        r#"
        [run]
        start = "2026-03-02T00:00:00Z"
        arrivals = {arrivals}
        seed = 7
        [targets]
        answer_within = "20s"
        [[streams]]
        name = "calls"
        channel = "phone"
        per_hour = {per_hour}
        handle = {{ dist = "exponential", mean = "6m" }}
        [[teams]]
        name = "desk"
        agents = {agents}
        tier = "L1"
        timezone = "UTC"
        shifts = "24/7"
        "#
    ))
    .expect("scenario")
}

pub fn define(c: &mut Criterion) {
    let policy = Policy::from_toml_str("version = 1").expect("policy").compile().expect("compiles");
    let mut group = c.benchmark_group("sim");
    group.sample_size(10);
    const N: u64 = 50_000;
    group.throughput(Throughput::Elements(N));
    for (agents, per_hour) in [(50, 480), (5_000, 48_000)] {
        let scenario = mmc(agents, per_hour, N);
        group.bench_function(format!("mmc/{agents}_agents/50k_tickets"), |b| {
            b.iter(|| {
                let result = simulate(&scenario, &policy, 1).expect("runs");
                assert!((result.overall.arrived - N as f64).abs() < 0.5, "every ticket arrives");
                black_box(result)
            });
        });
    }
    {
        for n in [10, 10_000] {
            let scenario = mmc(5_000, 48_000, n);
            group.throughput(Throughput::Elements(n));
            group.bench_function(format!("mmc/5000_agents/{n}_tickets"), |b| {
                b.iter(|| black_box(simulate(&scenario, &policy, 1).expect("runs")));
            });
        }
    }
    let (scenario, policy) = default_desk().expect("default");
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let arrived = simulate(&scenario, &policy, 1).expect("runs").overall.arrived as u64;
    group.throughput(Throughput::Elements(arrived));
    group.bench_function("default_global_desk/1_week", |b| {
        b.iter(|| black_box(simulate(&scenario, &policy, 1).expect("runs")));
    });
    group.finish();
}
