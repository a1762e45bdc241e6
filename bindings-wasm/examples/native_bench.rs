//! The wasm benchmark's workload run natively through the same binding code
//! (JSON text in, core triage, JSON text out), for the native/wasm ratio in
//! BENCHMARKS.md: `cargo run --release -p tierwise-wasm --example native_bench`.
//! Wall-clock timings, printed only.
#![allow(clippy::print_stdout, clippy::cast_precision_loss)]

use std::hint::black_box;
use std::time::Instant;

use tierwise::jiff::{SignedDuration, Timestamp};
use tierwise_wasm::{assess_many_text, compile_text, triage_many_text, triage_text};

/// SplitMix64, as `benches/benches/data.rs` and `bench/workload.js`.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> usize {
        usize::try_from(self.next() % n).unwrap_or(0)
    }
}

fn tickets(n: usize, seed: u64) -> Vec<(String, Timestamp)> {
    let mut at = Seeded(seed ^ 0x5eed);
    let created: Vec<Timestamp> =
        (0..n).map(|_| Timestamp::from_second(1_767_225_600 + at.below(365 * 86_400) as i64).expect("2026")).collect();
    let mut rng = Seeded(seed);
    let levels = ["high", "medium", "low"];
    let tiers = ["standard", "premium", "vip"];
    let categories = ["access", "hardware", "software", "network", "security", "outage"];
    let channels = ["phone", "chat", "email", "web", "alert"];
    created
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let json = format!(
                r#"{{"id":"T{i}","created_at":"{c}","channel":"{}","impact":"{}","urgency":"{}","category":"{}","customer_tier":"{}"}}"#,
                channels[rng.below(5)],
                levels[rng.below(3)],
                levels[rng.below(3)],
                categories[rng.below(6)],
                tiers[rng.below(3)],
            );
            (json, c + SignedDuration::from_mins(20))
        })
        .collect()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let policy = compile_text(include_str!("../../examples/policies/global-desk.toml")).expect("policy");
    let all = tickets(10_000, 11);
    for (t, now) in all.iter().take(2000) {
        black_box(triage_text(&policy, t, *now).expect("valid"));
    }
    let rounds = 7;
    let mut single = Vec::new();
    for _ in 0..rounds {
        let t0 = Instant::now();
        for (t, now) in &all[..1024] {
            black_box(triage_text(&policy, black_box(t), *now).expect("valid"));
        }
        single.push(t0.elapsed().as_secs_f64() * 1e6 / 1024.0);
    }
    let mut loop10k = Vec::new();
    for _ in 0..rounds {
        let t0 = Instant::now();
        for (t, now) in &all {
            black_box(triage_text(&policy, black_box(t), *now).expect("valid"));
        }
        loop10k.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    let json = format!("[{}]", all.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(","));
    let later: Timestamp = "2027-01-01T00:00:00Z".parse().expect("instant");
    let mut many = Vec::new();
    for _ in 0..rounds {
        let t0 = Instant::now();
        black_box(triage_many_text(&policy, black_box(&json), later).expect("valid"));
        many.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    let mut lean = Vec::new();
    for _ in 0..rounds {
        let t0 = Instant::now();
        black_box(assess_many_text(&policy, black_box(&json), later).expect("valid"));
        lean.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    println!("native, through the binding code (JSON text in and out)");
    println!("{:<58} median {:>9.2} us/ticket", "triage_text one ticket", median(single));
    println!("{:<58} median {:>9.2} ms/10k", "10,000 x triage_text in a loop", median(loop10k));
    println!("{:<58} median {:>9.2} ms/10k", "triage_many_text(JSON text of 10,000, 2027-01-01)", median(many));
    println!("{:<58} median {:>9.2} ms/10k", "assess_many_text(JSON text of 10,000, 2027-01-01)", median(lean));
}
