//! Random variates for the simulation: a seeded ChaCha generator and the
//! handling-time and patience distributions scenarios name.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// The generator every random draw comes from.
pub(crate) struct Rand(ChaCha8Rng);

impl Rand {
    /// A generator for `purpose` within replication `replication` of a run
    /// seeded with `seed`: the same inputs always give the same sequence.
    pub(crate) fn derive(seed: u64, replication: u64, purpose: u64) -> Rand {
        let s = mix(mix(mix(seed) ^ replication.wrapping_mul(0xA076_1D64_78BD_642F)) ^ purpose);
        Rand(ChaCha8Rng::seed_from_u64(s))
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn uniform(&mut self) -> f64 {
        // 53 random bits.
        #[allow(clippy::cast_precision_loss)]
        let x = (self.0.next_u64() >> 11) as f64;
        x * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform in `(0, 1]`: safe under a logarithm.
    fn open_uniform(&mut self) -> f64 {
        1.0 - self.uniform()
    }

    /// Exponential with mean 1.
    pub(crate) fn exp1(&mut self) -> f64 {
        -self.open_uniform().ln()
    }

    /// Standard normal (Box-Muller; one of the pair is used, for simplicity
    /// and a fixed number of draws per variate).
    fn normal(&mut self) -> f64 {
        let u = self.open_uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Gamma with `shape` and scale 1 (Marsaglia and Tsang).
    fn gamma(&mut self, shape: f64) -> f64 {
        if shape < 1.0 {
            // Boost: G(a) = G(a + 1) * U^(1/a).
            let u = self.open_uniform();
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        // Acceptance is above 95% for every shape; bounded for safety.
        for _ in 0..1000 {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.open_uniform();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
        shape
    }

    /// An index in `0..n` (`n > 0`).
    fn index(&mut self, n: usize) -> usize {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
        let i = (self.uniform() * n as f64) as usize;
        i.min(n - 1)
    }
}

/// SplitMix64's finaliser: a fixed, well-mixed derivation of seeds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A checked distribution of durations, in milliseconds.
#[derive(Clone, Debug)]
pub(crate) enum Dist {
    /// Exponential with this mean.
    Exponential { mean: f64 },
    /// Lognormal with the mean and standard deviation of the underlying normal.
    Lognormal { mu: f64, sigma: f64 },
    /// Gamma with shape and scale.
    Gamma { shape: f64, scale: f64 },
    /// Always this value.
    Fixed { value: f64 },
    /// One of these values, equally likely.
    Empirical { values: Vec<f64> },
}

impl Dist {
    /// A lognormal with this mean and coefficient of variation.
    pub(crate) fn lognormal(mean: f64, cv: f64) -> Dist {
        let sigma2 = (1.0 + cv * cv).ln();
        Dist::Lognormal { mu: mean.ln() - sigma2 / 2.0, sigma: sigma2.sqrt() }
    }

    /// A gamma with this mean and coefficient of variation.
    pub(crate) fn gamma(mean: f64, cv: f64) -> Dist {
        let shape = 1.0 / (cv * cv);
        Dist::Gamma { shape, scale: mean / shape }
    }

    /// The mean, in milliseconds.
    pub(crate) fn mean(&self) -> f64 {
        match self {
            Dist::Exponential { mean } => *mean,
            Dist::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Gamma { shape, scale } => shape * scale,
            Dist::Fixed { value } => *value,
            #[allow(clippy::cast_precision_loss)]
            Dist::Empirical { values } => values.iter().sum::<f64>() / values.len().max(1) as f64,
        }
    }

    /// One draw, in whole milliseconds (at least 1, so every event moves time
    /// forward or stays put, and never overflows).
    pub(crate) fn sample(&self, rng: &mut Rand) -> i64 {
        let x = match self {
            Dist::Exponential { mean } => mean * rng.exp1(),
            Dist::Lognormal { mu, sigma } => (mu + sigma * rng.normal()).exp(),
            Dist::Gamma { shape, scale } => rng.gamma(*shape) * scale,
            Dist::Fixed { value } => *value,
            Dist::Empirical { values } => values[rng.index(values.len())],
        };
        // A year at most: far beyond any handling time or patience.
        #[allow(clippy::cast_possible_truncation)]
        let ms = x.round().clamp(1.0, 3.2e10) as i64;
        ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(d: &Dist, n: usize) -> f64 {
        let mut rng = Rand::derive(1, 0, 0);
        #[allow(clippy::cast_precision_loss)]
        let m = (0..n).map(|_| d.sample(&mut rng) as f64).sum::<f64>() / n as f64;
        m
    }

    #[test]
    fn sample_means_match() {
        for d in [
            Dist::Exponential { mean: 360_000.0 },
            Dist::lognormal(360_000.0, 0.8),
            Dist::gamma(360_000.0, 0.5),
            Dist::gamma(360_000.0, 2.0),
            Dist::Fixed { value: 360_000.0 },
            Dist::Empirical { values: vec![60_000.0, 660_000.0] },
        ] {
            let m = mean_of(&d, 200_000);
            assert!((m / d.mean() - 1.0).abs() < 0.02, "{d:?}: {m}");
        }
    }

    #[test]
    fn derivation_is_fixed() {
        let a: Vec<u64> = (0..3).map(|_| Rand::derive(7, 1, 2).0.next_u64()).collect();
        assert_eq!(a[0], a[1]);
        assert_ne!(Rand::derive(7, 1, 2).0.next_u64(), Rand::derive(7, 2, 2).0.next_u64());
    }
}
