//! Simulated tickets per second, driving the real engine: the issue's M/M/c
//! desk (480 calls an hour, 6 minutes each, 50 agents), the same load scaled
//! to 5,000 agents (48,000 calls an hour), each for 50,000, 200,000 and
//! 2,000,000 tickets, and the embedded global desk; and the cost of setting
//! up a desk of 5,000 agents (a run of 10 tickets).

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
    // The issue's file runs 200,000 tickets; 50,000 is the size of the
    // entries before 2026-12-05 (stop 33), kept for comparison. At 5,000
    // agents a run also plans, compiles and logs in its desk, which costs
    // about as much as 4,000 tickets (the 10-ticket run measures that), and
    // its first hours cost more than the rest: thousands of agents wait in
    // the ready queue while the desk fills up. 2,000,000 tickets measure the
    // steady state, where neither weighs.
    for n in [50_000, 200_000, 2_000_000] {
        group.throughput(Throughput::Elements(n));
        for (agents, per_hour) in [(50, 480), (5_000, 48_000)] {
            let scenario = mmc(agents, per_hour, n);
            group.bench_function(format!("mmc/{agents}_agents/{}k_tickets", n / 1000), |b| {
                b.iter(|| {
                    let result = simulate(&scenario, &policy, 1).expect("runs");
                    assert!((result.overall.arrived - n as f64).abs() < 0.5, "every ticket arrives");
                    black_box(result)
                });
            });
        }
    }
    let setup = mmc(5_000, 48_000, 10);
    group.throughput(Throughput::Elements(10));
    group.bench_function("mmc/5000_agents/10_tickets", |b| {
        b.iter(|| black_box(simulate(&setup, &policy, 1).expect("runs")));
    });
    let (scenario, policy) = default_desk().expect("default");
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let arrived = simulate(&scenario, &policy, 1).expect("runs").overall.arrived as u64;
    group.throughput(Throughput::Elements(arrived));
    group.bench_function("default_global_desk/1_week", |b| {
        b.iter(|| black_box(simulate(&scenario, &policy, 1).expect("runs")));
    });
    group.finish();
}
