//! The text report.

use std::fmt::Write;

use super::{Figures, Groups, SimulationResult};

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn secs(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0}s")
    } else if s < 7200.0 {
        format!("{:.1}m", s / 60.0)
    } else {
        format!("{:.1}h", s / 3600.0)
    }
}

fn ci(f: &Figures, key: &str, show: impl Fn(f64) -> String) -> String {
    match f.ci95.as_ref().and_then(|c| c.get(key)) {
        Some([lo, hi]) => format!(" ({}..{})", show(*lo), show(*hi)),
        None => String::new(),
    }
}

fn table(out: &mut String, title: &str, groups: &Groups, teams: bool) {
    if groups.0.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n{title}");
    let width = groups.0.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(4).max(6);
    if teams {
        let _ =
            writeln!(out, "  {:<width$}  {:>9}  {:>9}  {:>8}  {:>9}", "", "answered", "in target", "ASA", "occupancy");
    } else {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>9}  {:>9}  {:>8}  {:>9}  {:>9}  {:>10}",
            "", "arrived", "in target", "ASA", "abandoned", "waited", "SLA breach"
        );
    }
    for (name, f) in &groups.0 {
        if teams {
            let occ = f.occupancy.map_or_else(|| "-".to_owned(), pct);
            let _ = writeln!(
                out,
                "  {name:<width$}  {:>9.0}  {:>9}  {:>8}  {:>9}",
                f.answered,
                pct(f.service_level),
                secs(f.asa_s),
                occ
            );
        } else {
            let _ = writeln!(
                out,
                "  {name:<width$}  {:>9.0}  {:>9}  {:>8}  {:>9}  {:>9}  {:>10}",
                f.arrived,
                pct(f.service_level),
                secs(f.asa_s),
                pct(f.abandon_rate),
                pct(f.p_wait),
                pct(f.sla_breach_rate)
            );
        }
    }
}

/// The report as text.
pub(crate) fn text(r: &SimulationResult) -> String {
    let mut out = String::new();
    let o = &r.overall;
    let target = secs(r.answer_within_s);
    let _ = writeln!(
        out,
        "Staffing simulation: {} to {}, {} agents, {} replication{} (seed {})",
        r.start,
        r.end,
        r.agents,
        r.replications,
        if r.replications == 1 { "" } else { "s" },
        r.seed
    );
    let _ = writeln!(out, "\nOverall");
    let _ = writeln!(out, "  tickets arrived        {:.0}{}", o.arrived, ci(o, "arrived", |x| format!("{x:.0}")));
    let _ = writeln!(
        out,
        "  answered               {:.0} ({}){}",
        o.answered,
        pct(if o.arrived > 0.0 { o.answered / o.arrived } else { 0.0 }),
        ci(o, "answered", |x| format!("{x:.0}"))
    );
    let _ = writeln!(
        out,
        "  service level          {} answered within {target}{}",
        pct(o.service_level),
        ci(o, "service_level", pct)
    );
    let _ = writeln!(out, "  average speed of answer {}{}", secs(o.asa_s), ci(o, "asa_s", secs));
    let _ = writeln!(out, "  had to wait            {}{}", pct(o.p_wait), ci(o, "p_wait", pct));
    let _ = writeln!(
        out,
        "  abandoned              {:.0} ({}){}",
        o.abandoned,
        pct(o.abandon_rate),
        ci(o, "abandon_rate", pct)
    );
    if o.unanswered > 0.0 {
        let _ = writeln!(out, "  never answered         {:.0} (still waiting when the run ended)", o.unanswered);
    }
    if let Some(occ) = o.occupancy {
        let _ = writeln!(out, "  agent occupancy        {}{}", pct(occ), ci(o, "occupancy", pct));
    }
    let _ = writeln!(out, "  SLA breached           {}{}", pct(o.sla_breach_rate), ci(o, "sla_breach_rate", pct));
    let _ = writeln!(out, "  longest queue          {:.0} tickets waiting", r.peak_waiting);

    table(&mut out, "By priority", &r.by_priority, false);
    table(&mut out, "By stream", &r.by_stream, false);
    if r.by_tier.0.len() > 1 {
        table(&mut out, "By tier (waits are in the tier; arrivals include escalations)", &r.by_tier, false);
    }
    table(&mut out, "By team", &r.by_team, true);

    // Day by day, from the series.
    let s = &r.series;
    let per_day = 96;
    if s.arrivals.len() > per_day / 2 {
        let _ = writeln!(out, "\nDay by day (UTC days from the start)");
        let _ = writeln!(
            out,
            "  {:<16}  {:>8}  {:>9}  {:>12}  {:>13}  worst hour (in target)",
            "day", "arrived", "in target", "peak queue", "agents on"
        );
        let days = s.arrivals.len().div_ceil(per_day);
        for d in 0..days {
            let range = d * per_day..((d + 1) * per_day).min(s.arrivals.len());
            let arrived: f64 = s.arrivals[range.clone()].iter().sum();
            let within: f64 = range.clone().filter_map(|i| s.service_level[i].map(|sl| sl * s.arrivals[i])).sum();
            let peak = s.waiting[range.clone()].iter().copied().fold(0.0, f64::max);
            let on_min = s.on_duty[range.clone()].iter().copied().min().unwrap_or(0);
            let on_max = s.on_duty[range.clone()].iter().copied().max().unwrap_or(0);
            // The worst hour with real traffic.
            let mut worst: Option<(usize, f64)> = None;
            for h in range.clone().step_by(4) {
                let hr = h..(h + 4).min(range.end);
                let a: f64 = s.arrivals[hr.clone()].iter().sum();
                let w: f64 = hr.clone().filter_map(|i| s.service_level[i].map(|sl| sl * s.arrivals[i])).sum();
                if a >= 5.0 && worst.is_none_or(|(_, x)| w / a < x) {
                    worst = Some((h - range.start, w / a));
                }
            }
            #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
            let day = r.start.checked_add(jiff::SignedDuration::from_hours(24 * d as i64)).unwrap_or(r.start);
            let day = crate::time::utc_day(day);
            let worst = worst.map_or_else(|| "-".to_owned(), |(h, x)| format!("{:02}:00 ({})", h / 4, pct(x)));
            let _ = writeln!(
                out,
                "  {day:<16}  {arrived:>8.0}  {:>9}  {peak:>12.0}  {:>13}  {worst}",
                if arrived > 0.0 { pct(within / arrived) } else { "-".to_owned() },
                format!("{on_min}-{on_max}")
            );
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(out, "\nWarnings");
        for w in &r.warnings {
            let _ = writeln!(out, "  {w}");
        }
    }
    out
}
