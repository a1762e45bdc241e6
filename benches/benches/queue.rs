//! The scheduler ([`tierwise::GroupQueues`]) against a bare
//! `priority_queue::PriorityQueue` and a `std::collections::BinaryHeap`, each
//! doing the same 100,000 pushes then 100,000 pops of ticket-like keys
//! (priority points, deadline, arrival):
//!
//! - `scheduler/200_groups/agents_serve_12`: tickets go to 200 routing groups
//!   (by id); agents who each serve 12 groups take turns, each taking the most
//!   urgent ticket among its groups (compare the copies of the groups' tops,
//!   then take it out of its queue), as a freed agent does in the engine;
//! - `scheduler/200_groups/agent_serves_all`: one agent serves all 200 groups,
//!   so every pop compares up to 200 tops (the scheduler's worst case).
//!
//! Compare with `engine/*`, which adds triage, requirements, offers,
//! explanations, timers and id lookups per decision.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput};
use priority_queue::PriorityQueue;

use tierwise::GroupQueues;

use crate::data::Seeded;

const GROUPS: u32 = 200;
const GROUPS_PER_AGENT: u32 = 12;

/// (points, Reverse(deadline ms), Reverse(arrival seq)): most urgent greatest.
type Key = (i64, Reverse<i64>, Reverse<u64>);

fn keys(n: usize) -> Vec<(u32, Key)> {
    let mut rng = Seeded::new(9);
    (0..n)
        .map(|i| {
            let points = i64::try_from(rng.below(5)).unwrap_or(0) * 1000;
            let due = 1_772_784_000_000 + i64::try_from(rng.below(86_400_000)).unwrap_or(0);
            (u32::try_from(i).unwrap_or(u32::MAX), (points, Reverse(due), Reverse(i as u64)))
        })
        .collect()
}

pub fn define(c: &mut Criterion) {
    const N: usize = 100_000;
    let input = keys(N);
    let mut group = c.benchmark_group("queue");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(20);
    group.bench_function("push_pop/100k/priority_queue", |b| {
        b.iter_batched(
            || input.clone(),
            |items| {
                let mut q: PriorityQueue<u32, Key> = PriorityQueue::with_capacity(N);
                for (id, key) in items {
                    q.push(id, key);
                }
                let mut last = None;
                while let Some((_, key)) = q.pop() {
                    assert!(last.is_none_or(|l| key <= l), "pops come most urgent first");
                    last = Some(key);
                }
                black_box(last)
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("push_pop/100k/binary_heap", |b| {
        b.iter_batched(
            || input.clone(),
            |items| {
                let mut q: BinaryHeap<(Key, u32)> = BinaryHeap::with_capacity(N);
                for (id, key) in items {
                    q.push((key, id));
                }
                let mut last = None;
                while let Some((key, _)) = q.pop() {
                    assert!(last.is_none_or(|l| key <= l), "pops come most urgent first");
                    last = Some(key);
                }
                black_box(last)
            },
            BatchSize::LargeInput,
        );
    });
    group.bench_function("push_pop/100k/scheduler/200_groups/agents_serve_12", |b| {
        // Agent j serves the 12 groups from 12j on (mod 200): 50 agents cover
        // every group.
        let agents: Vec<Vec<u32>> = (0..50)
            .map(|j| {
                let mut serves: Vec<u32> = (0..GROUPS_PER_AGENT).map(|k| (j * GROUPS_PER_AGENT + k) % GROUPS).collect();
                serves.sort_unstable();
                serves
            })
            .collect();
        b.iter_batched(|| input.clone(), |items| drain_by_agents(items, &agents), BatchSize::LargeInput);
    });
    group.bench_function("push_pop/100k/scheduler/200_groups/agent_serves_all", |b| {
        let agents = vec![(0..GROUPS).collect::<Vec<u32>>()];
        b.iter_batched(|| input.clone(), |items| drain_by_agents(items, &agents), BatchSize::LargeInput);
    });
    group.finish();
}

/// Pushes every ticket into its group (id mod 200), then lets the agents take
/// turns taking the most urgent ticket among the groups each serves, until
/// none is left. Checks that each group gives its tickets most urgent first.
fn drain_by_agents(items: Vec<(u32, Key)>, agents: &[Vec<u32>]) -> Option<Key> {
    let n = items.len();
    let mut queues: GroupQueues<Key> = GroupQueues::new();
    for _ in 0..GROUPS {
        queues.add_group();
    }
    for (id, key) in items {
        queues.push(id % GROUPS, id, key);
    }
    let mut last_in_group: Vec<Option<Key>> = vec![None; GROUPS as usize];
    let mut taken = 0;
    let mut turn = 0;
    while taken < n {
        let serves = &agents[turn % agents.len()];
        turn += 1;
        if let Some((g, ticket, key)) = queues.most_urgent_among(serves, |_| true) {
            assert_eq!(queues.remove(g, ticket), Some(key));
            let last = &mut last_in_group[g as usize];
            assert!(last.is_none_or(|l| key <= l), "each group gives its tickets most urgent first");
            *last = Some(key);
            taken += 1;
        }
    }
    black_box(last_in_group.into_iter().flatten().min())
}
