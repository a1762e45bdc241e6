//! Baselines for the scheduler: a bare `priority_queue::PriorityQueue` and a
//! `std::collections::BinaryHeap` doing 100,000 pushes then 100,000 pops of
//! ticket-like keys (priority points, deadline, arrival), the work a routing
//! group's ticket queue does. Compare with `engine/*`, which adds triage,
//! requirements, agent choice, offers and explanations per decision.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput};
use priority_queue::PriorityQueue;

use crate::data::Seeded;

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
    group.finish();
}
