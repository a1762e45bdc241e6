//! Seeded inputs shared by the benches.

use tierwise::jiff::Timestamp;
use tierwise::{CompiledPolicy, Policy, Ticket};

/// A small deterministic generator (SplitMix64), so benches need no RNG crate.
pub struct Seeded(u64);

impl Seeded {
    pub fn new(seed: u64) -> Self {
        Seeded(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `n` instants spread over 2026.
pub fn instants_2026(n: usize, seed: u64) -> Vec<Timestamp> {
    let start = 1_767_225_600_i64; // 2026-01-01T00:00:00Z
    let mut rng = Seeded::new(seed);
    (0..n)
        .map(|_| {
            let secs = start + i64::try_from(rng.below(365 * 86_400)).unwrap_or(0);
            Timestamp::from_second(secs).expect("in range")
        })
        .collect()
}

pub fn policy(name: &str) -> CompiledPolicy {
    let path = format!("{}/../examples/policies/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("example policy");
    Policy::from_toml_str(&text).expect("parses").compile().expect("compiles")
}

/// `n` varied tickets for the global-desk policy, created during 2026.
pub fn tickets(n: usize, seed: u64) -> Vec<Ticket> {
    let mut rng = Seeded::new(seed);
    let levels = ["high", "medium", "low"];
    let tiers = ["standard", "premium", "vip"];
    let categories = ["access", "hardware", "software", "network", "security", "outage"];
    let channels = ["phone", "chat", "email", "web", "alert"];
    instants_2026(n, seed ^ 0x5eed)
        .into_iter()
        .enumerate()
        .map(|(i, created)| {
            let json = format!(
                r#"{{"id":"T{i}","created_at":"{created}","channel":"{}","impact":"{}","urgency":"{}","category":"{}","customer_tier":"{}"}}"#,
                channels[rng.below(5) as usize],
                levels[rng.below(3) as usize],
                levels[rng.below(3) as usize],
                categories[rng.below(6) as usize],
                tiers[rng.below(3) as usize],
            );
            Ticket::from_json_str(&json).expect("valid ticket")
        })
        .collect()
}
