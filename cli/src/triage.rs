//! `tierwise triage`: one ticket's priority, score and deadlines, explained.

use std::fmt::Write as _;
use std::process::ExitCode;

use tierwise::jiff::Timestamp;
use tierwise::{ClockState, Preview, Triage, format_duration};

use crate::input::{describe_error, load_policy, load_ticket, read_limited};

/// Arguments of `tierwise triage`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy file (JSON, TOML or YAML).
    #[arg(long)]
    policy: String,
    /// The ticket, as JSON.
    #[arg(long)]
    ticket: String,
    /// The instant to triage at (RFC 3339, e.g. 2026-03-02T09:00:00Z); default: now.
    #[arg(long)]
    now: Option<String>,
    /// Also rank the agents of this roster (JSON) for the ticket, as if all
    /// logged in at `--now` with nothing on their plate, and say why the
    /// others are excluded.
    #[arg(long)]
    roster: Option<String>,
    /// Print one JSON object instead of text (with `--roster`: the triage
    /// under `triage`, the agents under `candidates`).
    #[arg(long)]
    json: bool,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let (_, compiled) = load_policy(&args.policy)?;
    let compiled = compiled.map_err(|e| describe_error(&format!("policy {}", args.policy), &e))?;
    let ticket = load_ticket(&args.ticket)?;
    let now = match &args.now {
        // The CLI is a host: it may read the clock; the engine never does.
        None => Timestamp::now(),
        Some(text) => tierwise::parse_instant(text).map_err(|message| format!("error: --now {message}"))?,
    };
    if let Some(path) = &args.roster {
        let text = read_limited(path, tierwise::agent::MAX_ROSTER_BYTES)?;
        let roster = tierwise::parse_roster(&text).map_err(|e| describe_error(&format!("roster {path}"), &e))?;
        let preview = compiled.preview(&ticket, &roster, now).map_err(|e| {
            let what = if e.problems().iter().any(|p| p.path().starts_with("ticket")) {
                format!("ticket {}", args.ticket)
            } else {
                format!("roster {path}")
            };
            describe_error(&what, &e)
        })?;
        if args.json {
            let text = serde_json::to_string_pretty(&preview).map_err(|e| format!("error: {e}"))?;
            println!("{text}");
        } else {
            print!("{}{}", report(&preview.triage), candidates(&preview));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let triage = compiled.triage(&ticket, now).map_err(|e| describe_error(&format!("ticket {}", args.ticket), &e))?;
    if args.json {
        let text = serde_json::to_string_pretty(&triage).map_err(|e| format!("error: {e}"))?;
        println!("{text}");
    } else {
        print!("{}", report(&triage));
    }
    Ok(ExitCode::SUCCESS)
}

fn when(t: Timestamp, now: Timestamp) -> String {
    let d = t.duration_since(now);
    let rel =
        if d.is_negative() { format!("{} ago", format_duration(-d)) } else { format!("in {}", format_duration(d)) };
    let format = if t.as_second() % 60 == 0 { "%Y-%m-%d %H:%M UTC" } else { "%Y-%m-%d %H:%M:%S UTC" };
    format!("{} ({rel})", t.strftime(format))
}

fn report(t: &Triage) -> String {
    let mut out = String::new();
    let id = if t.ticket.is_empty() { "ticket" } else { &t.ticket };
    let _ = writeln!(out, "{id}: {}   score {:.2}   at {}", t.priority, t.score, t.now);
    let _ = writeln!(out, "\npriority {}", t.priority);
    for step in &t.priority_steps {
        let _ = writeln!(out, "  {:<24} {}", step.source, step.detail);
    }
    let _ = writeln!(out, "\nscore {:.2}", t.score);
    for term in &t.explanation {
        let _ = writeln!(out, "  {:<14} {:>+10.2}  {}", term.factor, term.points, term.detail);
    }
    match &t.sla_rule {
        None => {
            let _ = writeln!(out, "\nno SLA rule applies: no deadlines");
        }
        Some(rule) => {
            let _ = writeln!(out, "\nSLA ({rule})");
            for d in &t.deadlines {
                let state = match d.state {
                    ClockState::Running => "running",
                    ClockState::Paused => "paused",
                    ClockState::Met => "met",
                    ClockState::Breached => "BREACHED",
                };
                let _ = writeln!(
                    out,
                    "  {:<15} {state:<8} target {} in {} ({}), used {}, left {}",
                    d.metric.name(),
                    format_duration(d.target),
                    d.calendar,
                    d.zone,
                    format_duration(d.elapsed),
                    format_duration(d.remaining),
                );
                match (d.due, &d.due_local) {
                    (Some(due), Some(local)) => {
                        let _ = writeln!(out, "  {:<15} due {}  = {local}", "", when(due, t.now));
                    }
                    // Met: its stop below says when; a pause since does not matter.
                    _ if matches!(d.state, ClockState::Met) => {}
                    _ => {
                        let _ = writeln!(out, "  {:<15} due: not while waiting on the customer", "");
                    }
                }
                if let Some(stop) = d.stopped_at {
                    let _ = writeln!(out, "  {:<15} stopped {}", "", when(stop, t.now));
                }
                // A met clock's warnings not reached by then never will be.
                let met = matches!(d.state, ClockState::Met);
                for w in d.warnings.iter().filter(|w| w.reached || !met) {
                    if let Some(at) = w.at {
                        let mark = if w.reached { "reached" } else { "pending" };
                        let _ = writeln!(
                            out,
                            "  {:<15} warning at {:.0}%: {} [{mark}]",
                            "",
                            w.fraction * 100.0,
                            when(at, t.now)
                        );
                    }
                }
            }
        }
    }
    if let Some(next) = t.next_change {
        let _ = writeln!(out, "\nnext change: {}", when(next, t.now));
    }
    out
}

fn candidates(p: &Preview) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\ncandidates in tier {} (ranked by {})", p.tier, p.strategy.join(", then "));
    for c in &p.candidates {
        let place = c.rank.map_or_else(|| "  -".to_owned(), |r| format!("{r:>3}"));
        let local = match (&c.local_time, &c.timezone) {
            (Some(time), Some(zone)) => format!("{} {zone}", time.get(11..16).unwrap_or(time)),
            _ => "no shift".to_owned(),
        };
        let why = c.excluded_because.as_deref().unwrap_or("eligible");
        let _ = writeln!(out, "  {place} {:<12} {:<4} {:<28} {why}", c.agent, c.tier, local);
    }
    if p.candidates.is_empty() {
        let _ = writeln!(out, "  (the roster is empty)");
    }
    out
}
