//! `tierwise history generate` and `tierwise replay`: what-if on a desk's
//! past.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use std::process::ExitCode;
use std::time::Instant;

use tierwise::history::{self, DeskSpec, Handling, History, ReplayReport};
use tierwise::{CompiledPolicy, Policy};

use crate::input::{ReportFile, compile_policy, describe_error, output_error, read_limited};

/// Largest history file read, in bytes.
const MAX_HISTORY_BYTES: usize = 4 << 30;

/// Arguments of `tierwise history`.
#[derive(clap::Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    command: HistoryCommand,
}

#[derive(clap::Subcommand)]
enum HistoryCommand {
    /// Write a realistic synthetic history (JSON lines): a month of a desk in
    /// Manila, Madrid and Bogotá with daily and weekly seasonality, a Monday
    /// peak, an incident burst and public holidays.
    Generate(GenerateArgs),
}

/// Arguments of `tierwise history generate`.
#[derive(clap::Args)]
pub struct GenerateArgs {
    /// Agents on the roster.
    #[arg(long, default_value_t = 200)]
    agents: u32,
    /// Days to generate.
    #[arg(long, default_value_t = 28)]
    days: u32,
    /// The first day (UTC).
    #[arg(long, default_value = "2026-03-02")]
    start: String,
    /// Tickets on an ordinary Wednesday (default: 40 per agent).
    #[arg(long)]
    tickets_per_day: Option<u32>,
    /// The seed: the same arguments give the same history.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// The policy that routes the generated desk (default: the embedded
    /// global desk, `examples/policies/global-desk.toml`).
    #[arg(long)]
    policy: Option<String>,
    /// Write here instead of standard output.
    #[arg(long, short)]
    out: Option<String>,
}

/// Arguments of `tierwise replay`.
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The history (JSON lines; see docs/history.md).
    #[arg(long)]
    history: String,
    /// A policy to replay under; give it again for each policy to compare
    /// with the first.
    #[arg(long, required = true)]
    policy: Vec<String>,
    /// How long work takes: as recorded for each ticket, or resampled from
    /// the history's own handling times.
    #[arg(long, value_parser = ["recorded", "resampled"], default_value = "recorded")]
    handling: String,
    /// The seed of resampled handling.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object (every ticket and every diff entry).
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report to this file.
    #[arg(long)]
    report: Option<String>,
    /// Changed decisions shown per cause in the text report.
    #[arg(long, default_value_t = 3)]
    examples: usize,
}

pub fn run_history(args: &HistoryArgs) -> Result<ExitCode, String> {
    match &args.command {
        HistoryCommand::Generate(a) => generate(a),
    }
}

fn generate(args: &GenerateArgs) -> Result<ExitCode, String> {
    let start = args
        .start
        .parse()
        .map_err(|e| format!("error: --start {:?} is not a date like 2026-03-02: {e}", args.start))?;
    let policy = match &args.policy {
        Some(path) => compile_policy(path)?,
        None => Policy::from_toml_str(tierwise::sim::DEFAULT_POLICY)
            .and_then(|p| p.compile())
            .map_err(|e| describe_error("the embedded policy", &e))?,
    };
    let spec = DeskSpec {
        agents: args.agents,
        start,
        days: args.days,
        tickets_per_day: args.tickets_per_day,
        seed: args.seed,
    };
    let clock = Instant::now();
    let history = history::generate(&spec, &policy).map_err(|e| describe_error("the desk", &e))?;
    let text = history.to_jsonl_string();
    match &args.out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes()).map_err(|e| output_error("the history", &e))?;
        }
        Some(path) => std::fs::write(path, &text).map_err(|e| format!("error: cannot write {path}: {e}"))?,
    }
    eprintln!(
        "tierwise: {} agents, {} tickets, {} lines in {:.1} s",
        history.roster.len(),
        history.tickets(),
        history.roster.len() + history.records.len(),
        clock.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn run_replay(args: &ReplayArgs) -> Result<ExitCode, String> {
    let clock = Instant::now();
    let text = read_limited(&args.history, MAX_HISTORY_BYTES)?;
    let history =
        History::from_jsonl_str(&text).map_err(|e| describe_error(&format!("history {}", args.history), &e))?;
    drop(text);
    let read_s = clock.elapsed().as_secs_f64();
    let policies: Vec<(String, CompiledPolicy)> =
        args.policy.iter().map(|p| Ok((p.clone(), compile_policy(p)?))).collect::<Result<_, String>>()?;
    let handling =
        if args.handling == "resampled" { Handling::Resampled { seed: args.seed } } else { Handling::Recorded };
    let report_file = ReportFile::open(args.report.as_deref())?;
    let clock = Instant::now();
    let report = history::replay(&history, &policies, handling)
        .map_err(|e| describe_error(&format!("history {}", args.history), &e))?;
    let replay_s = clock.elapsed().as_secs_f64();
    let events: u64 = report.runs.iter().map(|r| r.engine_events).sum();
    if std::io::stderr().is_terminal() || std::env::var_os("TIERWISE_TIMING").is_some() {
        #[allow(clippy::cast_precision_loss)]
        let rate = events as f64 / replay_s.max(1e-9);
        eprintln!(
            "tierwise: read {} records in {read_s:.1} s; replayed {} policies ({events} engine events) in {replay_s:.1} s ({rate:.0} events/s)",
            history.records.len(),
            policies.len(),
        );
    }
    if let Some(file) = report_file {
        file.write(&html(&report))?;
    }
    if args.json {
        let text = serde_json::to_string(&report).map_err(|e| format!("error: {e}"))?;
        println!("{text}");
    } else {
        print!("{}", text_report(&report, args.examples));
    }
    // The process ends here: freeing a month of records and outcomes piece by
    // piece would take a third of a second for nothing.
    std::mem::forget(report);
    std::mem::forget(history);
    Ok(ExitCode::SUCCESS)
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{:.1}%", 100.0 * x))
}

fn mins(s: f64) -> String {
    if s < 60.0 { format!("{s:.0}s") } else { format!("{:.1}m", s / 60.0) }
}

fn text_report(r: &ReplayReport, examples: usize) -> String {
    let mut out = String::new();
    let span = match (r.start, r.end) {
        (Some(a), Some(b)) => format!("{} to {}", a.strftime("%Y-%m-%d %H:%M"), b.strftime("%Y-%m-%d %H:%M UTC")),
        _ => "empty".to_owned(),
    };
    let _ = writeln!(out, "replay of {} tickets, {} agents, {span}", r.tickets, r.agents);
    let handling = match r.handling {
        Handling::Recorded => "as recorded for each ticket".to_owned(),
        Handling::Resampled { seed } => format!("resampled from the history (seed {seed})"),
    };
    let _ = writeln!(out, "handling times: {handling}; every offer accepted at once\n");
    let width = r.runs.iter().map(|run| run.policy.len()).max().unwrap_or(8).clamp(12, 40);
    let row = |out: &mut String, label: &str, cells: Vec<String>| {
        let _ = write!(out, "{label:<34}");
        for c in cells {
            let _ = write!(out, " {c:>width$}");
        }
        out.push('\n');
    };
    row(&mut out, "", r.runs.iter().map(|run| run.policy.clone()).collect());
    row(&mut out, "matches history (agent and time)", r.matches_history.iter().map(|&m| pct(Some(m))).collect());
    row(&mut out, "answered", r.runs.iter().map(|run| run.kpis.answered.to_string()).collect());
    row(&mut out, "unanswered at the end", r.runs.iter().map(|run| run.kpis.unanswered.to_string()).collect());
    row(&mut out, "  of which untriaged", r.runs.iter().map(|run| run.kpis.untriaged.to_string()).collect());
    row(&mut out, "tickets breaching an SLA", r.runs.iter().map(|run| run.kpis.breaches.to_string()).collect());
    row(&mut out, "escalations", r.runs.iter().map(|run| run.kpis.escalations.to_string()).collect());
    row(
        &mut out,
        "wait p50 / p90 / p99",
        r.runs
            .iter()
            .map(|run| {
                let w = run.kpis.wait_s;
                format!("{} / {} / {}", mins(w.p50), mins(w.p90), mins(w.p99))
            })
            .collect(),
    );
    let classes: Vec<&str> = r
        .runs
        .first()
        .map(|run| run.kpis.by_priority.iter().map(|p| p.priority.as_str()).collect())
        .unwrap_or_default();
    for class in classes {
        let of =
            |run: &tierwise::history::PolicyRun| run.kpis.by_priority.iter().find(|p| p.priority == class).cloned();
        row(
            &mut out,
            &format!("{class}: tickets"),
            r.runs.iter().map(|run| of(run).map_or_else(String::new, |p| p.tickets.to_string())).collect(),
        );
        row(
            &mut out,
            &format!("{class}: first response / resolution"),
            r.runs
                .iter()
                .map(|run| {
                    of(run).map_or_else(String::new, |p| {
                        format!("{} / {}", pct(p.first_response_attainment), pct(p.resolution_attainment))
                    })
                })
                .collect(),
        );
        row(
            &mut out,
            &format!("{class}: wait p90"),
            r.runs.iter().map(|run| of(run).map_or_else(String::new, |p| mins(p.wait_s.p90))).collect(),
        );
    }
    let regions: Vec<String> =
        r.runs.first().map(|run| run.kpis.by_region.iter().map(|x| x.region.clone()).collect()).unwrap_or_default();
    for region in regions {
        row(
            &mut out,
            &format!("occupancy {region}"),
            r.runs
                .iter()
                .map(|run| {
                    let x = run.kpis.by_region.iter().find(|x| x.region == region);
                    pct(x.map(|x| x.occupancy))
                })
                .collect(),
        );
    }
    let tiers: Vec<String> =
        r.runs.first().map(|run| run.kpis.fairness.iter().map(|f| f.tier.clone()).collect()).unwrap_or_default();
    for tier in tiers {
        row(
            &mut out,
            &format!("{tier} assignments/agent mean (sd)"),
            r.runs
                .iter()
                .map(|run| {
                    run.kpis
                        .fairness
                        .iter()
                        .find(|f| f.tier == tier)
                        .map_or_else(String::new, |f| format!("{:.0} ({:.0})", f.mean, f.stddev))
                })
                .collect(),
        );
    }
    for run in r.runs.iter().filter(|run| run.kpis.untriaged > 0) {
        let _ = writeln!(
            out,
            "\nwarning: {} could not triage {} tickets (counted unanswered, in no breach count):",
            run.policy, run.kpis.untriaged
        );
        for why in &run.kpis.untriaged_because {
            let _ = writeln!(out, "  {:>8}  {}", why.tickets, why.reason);
        }
    }
    for d in &r.diffs {
        let _ = writeln!(
            out,
            "\n{} of {} tickets decided differently under {} than under {}",
            d.entries.len(),
            d.tickets,
            d.other,
            d.base
        );
        for (cause, n) in &d.by_cause {
            let _ = writeln!(out, "  {cause:<18} {n}");
            for e in d.entries.iter().filter(|e| e.cause == *cause).take(examples) {
                let who = |s: &tierwise::history::DiffSide| {
                    let at =
                        s.assigned_at.map_or_else(|| "never".to_owned(), |t| t.strftime("%m-%d %H:%M:%S").to_string());
                    format!("{} at {at}", s.agent.as_deref().unwrap_or("nobody"))
                };
                let _ = writeln!(out, "    {}: {} -> {} ({})", e.ticket, who(&e.base), who(&e.other), e.detail);
            }
        }
    }
    out
}

/// The HTML report: KPIs side by side and bar charts per priority.
fn html(r: &ReplayReport) -> String {
    let mut out = String::new();
    let esc = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let _ = write!(
        out,
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Tierwise replay</title><style>body{{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}\
         table{{border-collapse:collapse;margin:1rem 0}}td,th{{padding:.3rem .7rem;border-bottom:1px solid #ddd;text-align:right}}\
         td:first-child,th:first-child{{text-align:left}}.c0{{fill:#3b6ea5}}.c1{{fill:#e07b39}}.c2{{fill:#5a9e5a}}.c3{{fill:#9467bd}}\
         svg text{{font-size:12px}}</style><h1>Replay of {} tickets, {} agents</h1>",
        r.tickets, r.agents
    );
    let _ = write!(out, "<p>Policies: ");
    for (i, run) in r.runs.iter().enumerate() {
        let _ = write!(
            out,
            "<svg width=12 height=12><rect class=c{} width=12 height=12/></svg> {} ",
            i % 4,
            esc(&run.policy)
        );
    }
    out.push_str("</p>");
    // Charts: first-response attainment and p90 wait per priority.
    let classes: Vec<String> =
        r.runs.first().map(|run| run.kpis.by_priority.iter().map(|p| p.priority.clone()).collect()).unwrap_or_default();
    let chart = |out: &mut String,
                 title: &str,
                 value: &dyn Fn(&tierwise::history::PriorityKpis) -> Option<f64>,
                 unit: &str| {
        let max = r
            .runs
            .iter()
            .flat_map(|run| run.kpis.by_priority.iter().filter_map(value))
            .fold(0.0f64, f64::max)
            .max(1e-9);
        let n = r.runs.len().max(1);
        let group = 40.0 + 22.0 * n as f64;
        let _ = write!(
            out,
            "<h2>{title}</h2><svg role=img aria-label=\"{title}\" width=\"{}\" height=\"230\">",
            20.0 + group * classes.len() as f64
        );
        for (c, class) in classes.iter().enumerate() {
            let x0 = 20.0 + group * c as f64;
            for (i, run) in r.runs.iter().enumerate() {
                let v = run.kpis.by_priority.iter().find(|p| &p.priority == class).and_then(value);
                if let Some(v) = v {
                    let h = 180.0 * v / max;
                    let x = x0 + 22.0 * i as f64;
                    let _ = write!(
                        out,
                        "<rect class=c{} x=\"{x:.0}\" y=\"{:.1}\" width=\"18\" height=\"{h:.1}\"><title>{}: {v:.1}{unit}</title></rect>",
                        i % 4,
                        200.0 - h,
                        esc(&run.policy)
                    );
                }
            }
            let _ = write!(out, "<text x=\"{:.0}\" y=\"218\">{}</text>", x0, esc(class));
        }
        out.push_str("</svg>");
    };
    chart(&mut out, "First response within target (%)", &|p| p.first_response_attainment.map(|x| 100.0 * x), "%");
    chart(&mut out, "Wait for a first agent, p90 (minutes)", &|p| Some(p.wait_s.p90 / 60.0), " min");
    // The KPI table.
    out.push_str("<h2>Side by side</h2><table><tr><th></th>");
    for run in &r.runs {
        let _ = write!(out, "<th>{}</th>", esc(&run.policy));
    }
    out.push_str("</tr>");
    let mut row = |label: &str, cells: Vec<String>| {
        let _ = write!(out, "<tr><td>{label}</td>");
        for c in cells {
            let _ = write!(out, "<td>{c}</td>");
        }
        out.push_str("</tr>");
    };
    row("answered", r.runs.iter().map(|x| x.kpis.answered.to_string()).collect());
    row("tickets breaching an SLA", r.runs.iter().map(|x| x.kpis.breaches.to_string()).collect());
    row("escalations", r.runs.iter().map(|x| x.kpis.escalations.to_string()).collect());
    row("wait p50", r.runs.iter().map(|x| mins(x.kpis.wait_s.p50)).collect());
    row("wait p90", r.runs.iter().map(|x| mins(x.kpis.wait_s.p90)).collect());
    row("wait p99", r.runs.iter().map(|x| mins(x.kpis.wait_s.p99)).collect());
    for (i, class) in classes.iter().enumerate() {
        row(
            &format!("{} resolution within target", esc(class)),
            r.runs.iter().map(|x| pct(x.kpis.by_priority.get(i).and_then(|p| p.resolution_attainment))).collect(),
        );
    }
    let regions: Vec<String> =
        r.runs.first().map(|run| run.kpis.by_region.iter().map(|x| x.region.clone()).collect()).unwrap_or_default();
    for (i, region) in regions.iter().enumerate() {
        row(
            &format!("occupancy {}", esc(region)),
            r.runs.iter().map(|x| pct(x.kpis.by_region.get(i).map(|g| g.occupancy))).collect(),
        );
    }
    out.push_str("</table>");
    for d in &r.diffs {
        let _ = write!(
            out,
            "<h2>{} of {} tickets decided differently under {}</h2><table><tr><th>cause</th><th>tickets</th></tr>",
            d.entries.len(),
            d.tickets,
            esc(&d.other)
        );
        for (cause, n) in &d.by_cause {
            let _ = write!(out, "<tr><td>{cause}</td><td>{n}</td></tr>");
        }
        out.push_str("</table><table><tr><th>ticket</th><th>cause</th><th>before</th><th>after</th></tr>");
        for e in d.entries.iter().take(50) {
            let side = |s: &tierwise::history::DiffSide| {
                let at = s.assigned_at.map_or_else(|| "never".to_owned(), |t| t.strftime("%m-%d %H:%M").to_string());
                format!("{} {at}", esc(s.agent.as_deref().unwrap_or("nobody")))
            };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}: {}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.ticket),
                e.cause,
                esc(&e.detail),
                side(&e.base),
                side(&e.other)
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</html>\n");
    out
}
