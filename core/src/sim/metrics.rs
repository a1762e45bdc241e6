//! Online tallies (flat in the number of tickets) and the figures and
//! confidence intervals computed from them.

use std::collections::BTreeMap;

use serde::{Serialize, Serializer};

/// Counts and sums for one group of tickets, in one replication.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Tally {
    pub arrived: u64,
    pub answered: u64,
    /// Answered without waiting.
    pub at_once: u64,
    /// Answered within the target.
    pub within: u64,
    pub abandoned: u64,
    /// Sum of waits of answered tickets, in ms.
    pub wait_ms: u64,
    /// Tickets with at least one SLA breach.
    pub breached: u64,
    /// Work time, in ms.
    pub busy_ms: f64,
    /// On-duty agent time, in ms.
    pub duty_ms: f64,
}

impl Tally {
    /// Records an answer after `wait` ms.
    pub(crate) fn answer(&mut self, wait: i64, within_ms: i64) {
        self.answered += 1;
        self.at_once += u64::from(wait <= 0);
        self.within += u64::from(wait <= within_ms);
        self.wait_ms += u64::try_from(wait).unwrap_or(0);
    }
}

/// The figures of one group: means over replications, with 95% confidence
/// intervals when there was more than one.
///
/// Shares are of the tickets that arrived (for a team: of the tickets it
/// answered); waits average over answered tickets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// Tickets that arrived (for a team or a later tier: that it received).
    pub arrived: f64,
    /// Tickets answered (offered to an agent, who took them).
    pub answered: f64,
    /// Tickets whose customer gave up waiting.
    pub abandoned: f64,
    /// Tickets neither answered nor abandoned when the run ended.
    pub unanswered: f64,
    /// Mean wait of answered tickets, in seconds.
    pub mean_wait_s: f64,
    /// Share that could not be answered at once (answered later, abandoned,
    /// or never answered).
    pub p_wait: f64,
    /// Share answered within `targets.answer_within`.
    pub service_level: f64,
    /// Average speed of answer: the mean wait of answered tickets, in seconds
    /// (the same figure as `mean_wait_s`, under the name call centres use).
    pub asa_s: f64,
    /// Share abandoned.
    pub abandon_rate: f64,
    /// The share of on-duty agent time in which agents held at least one
    /// item (teams and tiers, and overall), from the start of the run to its
    /// last finish, the drain after the last arrival included. Several chats
    /// at once count once, so it never passes 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occupancy: Option<f64>,
    /// Share of tickets with at least one SLA target breached.
    pub sla_breach_rate: f64,
    /// 95% confidence intervals `[low, high]` of each figure, with more than
    /// one replication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ci95: Option<BTreeMap<&'static str, [f64; 2]>>,
}

const NAMES: [&str; 11] = [
    "arrived",
    "answered",
    "abandoned",
    "unanswered",
    "mean_wait_s",
    "p_wait",
    "service_level",
    "asa_s",
    "abandon_rate",
    "occupancy",
    "sla_breach_rate",
];

#[allow(clippy::cast_precision_loss)]
fn values(t: &Tally) -> [f64; 11] {
    let share = |n: u64| if t.arrived == 0 { 0.0 } else { n as f64 / t.arrived as f64 };
    let wait = if t.answered == 0 { 0.0 } else { t.wait_ms as f64 / t.answered as f64 / 1000.0 };
    let unanswered = t.arrived.saturating_sub(t.answered + t.abandoned);
    [
        t.arrived as f64,
        t.answered as f64,
        t.abandoned as f64,
        unanswered as f64,
        wait,
        share(t.arrived - t.at_once.min(t.arrived)),
        share(t.within),
        wait,
        share(t.abandoned),
        if t.duty_ms > 0.0 { t.busy_ms / t.duty_ms } else { 0.0 },
        share(t.breached),
    ]
}

/// Student's t quantile at 0.975 for `df` degrees of freedom.
pub(crate) fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        31..=60 => 2.000,
        61..=120 => 1.980,
        _ => 1.960,
    }
}

/// Mean and 95% half-width of `xs` (half-width 0 for one value).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn mean_ci(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    (mean, t975(n - 1) * (var / n as f64).sqrt())
}

impl Figures {
    /// The figures of one group over replications (in replication order).
    pub(crate) fn from_reps(reps: &[Tally], occupancy: bool) -> Figures {
        let per_rep: Vec<[f64; 11]> = reps.iter().map(values).collect();
        let mut mean = [0.0; 11];
        let mut ci = BTreeMap::new();
        for k in 0..11 {
            let xs: Vec<f64> = per_rep.iter().map(|v| v[k]).collect();
            let (m, h) = mean_ci(&xs);
            mean[k] = m;
            if reps.len() > 1 && (occupancy || NAMES[k] != "occupancy") {
                // Every figure is a count, a time or a share: the interval
                // stops at 0, and a share's at 1.
                let share =
                    matches!(NAMES[k], "p_wait" | "service_level" | "abandon_rate" | "occupancy" | "sla_breach_rate");
                let high = if share { (m + h).min(1.0) } else { m + h };
                ci.insert(NAMES[k], [(m - h).max(0.0), high]);
            }
        }
        Figures {
            arrived: mean[0],
            answered: mean[1],
            abandoned: mean[2],
            unanswered: mean[3],
            mean_wait_s: mean[4],
            p_wait: mean[5],
            service_level: mean[6],
            asa_s: mean[7],
            abandon_rate: mean[8],
            occupancy: occupancy.then_some(mean[9]),
            sla_breach_rate: mean[10],
            ci95: (reps.len() > 1).then_some(ci),
        }
    }
}

/// Named groups in a fixed order, serialised as a map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Groups(pub Vec<(String, Figures)>);

impl Groups {
    /// The figures of the group called `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&Figures> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, f)| f)
    }
}

impl Serialize for Groups {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One 15-minute interval of one replication.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Slot {
    pub arrivals: u64,
    pub within: u64,
    /// Tickets waiting at the interval's start.
    pub waiting: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_stop_at_zero_and_shares_at_one() {
        // Two replications far apart: 10 answered of 10 at once, then 10
        // answered of 10 after waiting 60 s each, all within the target in
        // the first, none in the second.
        let quick = Tally { arrived: 10, answered: 10, at_once: 10, within: 10, ..Tally::default() };
        let slow = Tally { arrived: 10, answered: 10, wait_ms: 600_000, ..Tally::default() };
        let f = Figures::from_reps(&[quick, slow], false);
        let ci = f.ci95.expect("two replications");
        // Unclipped, mean 30 s +- 12.706 * 30 s and 0.5 +- 12.706 * 0.5.
        assert_eq!(ci["asa_s"][0], 0.0);
        assert!(ci["asa_s"][1] > 300.0);
        assert_eq!(ci["service_level"], [0.0, 1.0]);
        assert_eq!(ci["p_wait"], [0.0, 1.0]);
        assert_eq!(ci["arrived"], [10.0, 10.0]);
        assert!(!ci.contains_key("occupancy"));
    }
}
