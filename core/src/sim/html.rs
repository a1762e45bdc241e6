//! A self-contained HTML report with inline SVG charts: service level and
//! queue over the week, agents on duty, occupancy by team. No scripts, no
//! external files: it opens anywhere and prints well.

use std::fmt::Write as _;

use super::SimulationResult;
use super::metrics::Figures;

const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 26.0;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn duration(seconds: f64) -> String {
    if seconds < 90.0 {
        format!("{seconds:.0}s")
    } else if seconds < 5400.0 {
        format!("{:.1}m", seconds / 60.0)
    } else {
        format!("{:.1}h", seconds / 3600.0)
    }
}

/// A line chart of `series` (gaps where `None`) with day ticks; `lines` may
/// hold several series drawn in order with their colours and labels.
#[allow(clippy::cast_precision_loss)]
fn chart(
    title: &str,
    lines: &[(&str, &str, Vec<Option<f64>>)],
    y_max: f64,
    y_label: &dyn Fn(f64) -> String,
    target: Option<f64>,
) -> String {
    let n = lines.iter().map(|l| l.2.len()).max().unwrap_or(0).max(2);
    let x = |i: usize| LEFT + (WIDTH - LEFT - 10.0) * i as f64 / (n - 1) as f64;
    let y = |v: f64| 10.0 + (HEIGHT - BOTTOM - 10.0) * (1.0 - (v / y_max).clamp(0.0, 1.0));
    let mut svg = format!(
        r#"<figure><figcaption>{}</figcaption><svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}">"#,
        escape(title),
        escape(title)
    );
    for k in 0..=4 {
        let v = y_max * f64::from(k) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{y0:.1}" y2="{y0:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" class="axis" text-anchor="end">{}</text>"##,
            WIDTH - 10.0,
            LEFT - 4.0,
            y(v) + 4.0,
            escape(&y_label(v)),
            y0 = y(v)
        );
    }
    // Day ticks: 96 quarter-hours a day.
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let mut d = 0;
    while d * 96 < n {
        let _ = write!(
            svg,
            r##"<line x1="{x0:.1}" x2="{x0:.1}" y1="10" y2="{}" stroke="#eee"/><text x="{:.1}" y="{}" class="axis">{}</text>"##,
            HEIGHT - BOTTOM,
            x(d * 96) + 3.0,
            HEIGHT - 8.0,
            days[d % 7],
            x0 = x(d * 96)
        );
        d += 1;
    }
    if let Some(t) = target {
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{}" y1="{yt:.1}" y2="{yt:.1}" stroke="#c0392b" stroke-dasharray="4 3"/>"##,
            WIDTH - 10.0,
            yt = y(t)
        );
    }
    for (label, colour, values) in lines {
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(path, "{}{:.1},{:.1} ", if pen_down { "L" } else { "M" }, x(i), y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            svg,
            r#"<path d="{path}" fill="none" stroke="{colour}" stroke-width="1.5"><title>{}</title></path>"#,
            escape(label)
        );
    }
    svg.push_str("</svg>");
    if lines.len() > 1 || target.is_some() {
        svg.push_str("<p class=\"legend\">");
        for (label, colour, _) in lines {
            let _ = write!(svg, r#"<span style="color:{colour}">&#9632;</span> {} &nbsp; "#, escape(label));
        }
        if target.is_some() {
            svg.push_str(r#"<span style="color:#c0392b">- -</span> target"#);
        }
        svg.push_str("</p>");
    }
    svg.push_str("</figure>");
    svg
}

fn occupancy_bars(result: &SimulationResult) -> String {
    let teams: Vec<(&str, f64)> =
        result.by_team.0.iter().filter_map(|(name, f)| f.occupancy.map(|o| (name.as_str(), o))).collect();
    let row = 24.0;
    #[allow(clippy::cast_precision_loss)]
    let height = row * teams.len() as f64 + 10.0;
    let max = teams.iter().map(|t| t.1).fold(1.0_f64, f64::max);
    let mut svg = format!(
        r#"<figure><figcaption>Occupancy by team (share of time on duty holding at least one item)</figcaption><svg viewBox="0 0 {WIDTH} {height}" role="img" aria-label="Occupancy by team">"#
    );
    #[allow(clippy::cast_precision_loss)]
    for (i, (name, o)) in teams.iter().enumerate() {
        let top = 5.0 + row * i as f64;
        let w = (WIDTH - 260.0) * o / max;
        let colour = if *o > 0.9 { "#c0392b" } else { "#2e86c1" };
        let _ = write!(
            svg,
            r#"<text x="150" y="{:.1}" text-anchor="end">{}</text><rect x="160" y="{top:.1}" width="{w:.1}" height="{:.1}" fill="{colour}"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            top + 15.0,
            escape(name),
            row - 6.0,
            165.0 + w,
            top + 15.0,
            pct(*o)
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

fn table(title: &str, groups: &[(String, Figures)], answer_within: &str) -> String {
    let mut html = format!(
        "<h2>{}</h2><table><thead><tr><th></th><th>arrived</th><th>within {answer_within}</th><th>ASA</th><th>waited</th><th>abandoned</th><th>SLA breached</th><th>occupancy</th></tr></thead><tbody>",
        escape(title)
    );
    for (name, f) in groups {
        let _ = write!(
            html,
            "<tr><th>{}</th><td>{:.0}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            f.arrived,
            pct(f.service_level),
            duration(f.asa_s),
            pct(f.p_wait),
            pct(f.abandon_rate),
            pct(f.sla_breach_rate),
            f.occupancy.map_or_else(|| "-".to_owned(), pct)
        );
    }
    html.push_str("</tbody></table>");
    html
}

/// The whole page.
pub(crate) fn page(result: &SimulationResult) -> String {
    let within = duration(result.answer_within_s);
    let o = &result.overall;
    let s = &result.series;
    let waiting_max = s.waiting.iter().copied().fold(1.0_f64, f64::max);
    let duty_max = s.on_duty.iter().copied().map(f64::from).fold(1.0_f64, f64::max);
    let queue_max = waiting_max.max(duty_max) * 1.1;
    let target = 0.8;
    let mut html = String::with_capacity(64 * 1024);
    let _ = write!(
        html,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Tierwise staffing simulation</title><style>
body{{font:15px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}}
h1{{font-size:1.5em}} h2{{font-size:1.15em;margin-top:1.6em}}
.kpis{{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:.6em}}
.kpi{{border:1px solid #ddd;border-radius:6px;padding:.6em}} .kpi b{{display:block;font-size:1.4em}}
table{{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}} th,td{{padding:.25em .5em;border-bottom:1px solid #eee;text-align:right}} th:first-child{{text-align:left}}
figure{{margin:1.2em 0}} figcaption{{font-weight:600;margin-bottom:.3em}} svg{{width:100%;height:auto}} .axis{{font-size:11px;fill:#666}} .legend{{font-size:13px;margin:.2em 0}}
.warn{{background:#fff4e5;border-left:4px solid #e67e22;padding:.5em .8em}}
</style></head><body><h1>Staffing simulation</h1><p>{} to {}: {} agents, {} replication(s), seed {}.</p>"#,
        result.start, result.end, result.agents, result.replications, result.seed
    );
    for w in &result.warnings {
        let _ = write!(html, "<p class=\"warn\">{}</p>", escape(w));
    }
    let _ = write!(
        html,
        r#"<div class="kpis"><div class="kpi"><b>{}</b>answered within {within}</div><div class="kpi"><b>{}</b>average speed of answer</div><div class="kpi"><b>{}</b>had to wait</div><div class="kpi"><b>{}</b>abandoned</div><div class="kpi"><b>{}</b>SLA breached</div><div class="kpi"><b>{:.0}</b>tickets</div></div>"#,
        pct(o.service_level),
        duration(o.asa_s),
        pct(o.p_wait),
        pct(o.abandon_rate),
        pct(o.sla_breach_rate),
        o.arrived
    );
    html.push_str(&chart(
        &format!("Service level by 15 minutes (answered within {within})"),
        &[("service level", "#27ae60", s.service_level.clone())],
        1.0,
        &|v| pct(v),
        Some(target),
    ));
    html.push_str(&chart(
        "Tickets waiting and agents on duty",
        &[
            ("tickets waiting", "#c0392b", s.waiting.iter().copied().map(Some).collect()),
            ("agents on duty", "#2e86c1", s.on_duty.iter().map(|&d| Some(f64::from(d))).collect()),
        ],
        queue_max,
        &|v| format!("{v:.0}"),
        None,
    ));
    html.push_str(&occupancy_bars(result));
    html.push_str(&table("By priority", &result.by_priority.0, &within));
    html.push_str(&table("By team", &result.by_team.0, &within));
    html.push_str(&table("By tier", &result.by_tier.0, &within));
    html.push_str(&table("By stream", &result.by_stream.0, &within));
    html.push_str(
        "<p>Made by Tierwise: a discrete-event simulation driving the real routing engine.</p></body></html>\n",
    );
    html
}
