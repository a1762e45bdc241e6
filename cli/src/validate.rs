//! `tierwise validate POLICY`: what a policy defines, or every problem in it.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::json;
use tierwise::policy::{ConditionSpec, TargetSpec};
use tierwise::{CompiledPolicy, Policy, Problem, format_duration};

use crate::input::{describe_error, load_policy};

/// Arguments of `tierwise validate`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy file (JSON, TOML or YAML).
    policy: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Also check a roster (JSON list of agents) for coverage: requirement
    /// combinations nobody on duty can serve, hour by hour over a week.
    #[arg(long)]
    roster: Option<String>,
    /// The week to check coverage for, from this day on (YYYY-MM-DD, usually
    /// a Monday); default: this week, from its Monday.
    #[arg(long, requires = "roster")]
    week: Option<String>,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let (policy, compiled) = match load_policy(&args.policy) {
        Ok(loaded) => loaded,
        Err(message) if args.json => {
            println!("{}", json!({ "ok": false, "error": message }));
            return Ok(ExitCode::FAILURE);
        }
        Err(message) => return Err(message),
    };
    match compiled {
        Ok(compiled) if args.roster.is_some() => match coverage(args, &policy, compiled) {
            Err(message) if args.json => {
                println!("{}", json!({ "ok": false, "error": message }));
                Ok(ExitCode::FAILURE)
            }
            done => done,
        },
        Ok(compiled) if args.json => {
            let out = json!({
                "ok": true,
                "calendars": compiled.calendars().iter().map(|c| json!({
                    "name": c.name(),
                    "timezone": c.zone_name(),
                    "hours_per_week": c.week().secs_per_week() as f64 / 3600.0,
                    "holidays": c.holidays().len(),
                })).collect::<Vec<_>>(),
                "priority_classes": compiled.priority_classes(),
                "priority_matrix": compiled.priority_matrix(),
                "customer_tiers": compiled.customer_tiers(),
                "sla_rules": compiled.sla_rule_count(),
                "warnings": problems_json(compiled.warnings()),
            });
            println!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Ok(compiled) => {
            print!("{}", summary(&args.policy, &policy, &compiled));
            Ok(ExitCode::SUCCESS)
        }
        Err(err) if args.json => {
            println!("{}", json!({ "ok": false, "errors": problems_json(err.problems()) }));
            Ok(ExitCode::FAILURE)
        }
        Err(err) => Err(describe_error(&format!("policy {}", args.policy), &err)),
    }
}

fn coverage(args: &Args, policy: &Policy, compiled: CompiledPolicy) -> Result<ExitCode, String> {
    use tierwise::jiff::{Timestamp, ToSpan, civil::Date, tz::TimeZone};
    let path = args.roster.as_deref().unwrap_or_default();
    let text = crate::input::read_limited(path, tierwise::agent::MAX_ROSTER_BYTES)?;
    let roster = tierwise::parse_roster(&text).map_err(|e| describe_error(&format!("roster {path}"), &e))?;
    let engine =
        tierwise::Engine::new(compiled.clone(), roster).map_err(|e| describe_error(&format!("roster {path}"), &e))?;
    let monday = match &args.week {
        Some(text) => {
            text.parse::<Date>().map_err(|e| format!("error: --week {text:?} is not a date (YYYY-MM-DD): {e}"))?
        }
        None => {
            // The CLI is a host: it may read the clock.
            let today = TimeZone::UTC.to_datetime(Timestamp::now()).date();
            today.checked_sub(i64::from(today.weekday().to_monday_zero_offset()).days()).unwrap_or(today)
        }
    };
    let start = TimeZone::UTC
        .to_timestamp(monday.to_datetime(tierwise::jiff::civil::Time::midnight()))
        .map_err(|e| format!("error: --week: {e}"))?;
    let report = engine.coverage(start).map_err(|e| describe_error("--week", &e))?;
    if args.json {
        let out = json!({
            "ok": true,
            "warnings": problems_json(compiled.warnings()),
            "coverage": report,
        });
        println!("{out}");
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", summary(&args.policy, policy, &compiled));
    println!(
        "\ncoverage of roster {path}, week of {monday} (15-minute steps, UTC; every agent assumed to log in for their shift)"
    );
    if report.gaps.is_empty() {
        println!("  every combination is covered all week, holidays included");
    }
    for gap in &report.gaps {
        if gap.never {
            println!("  {}: nobody on the roster can ever serve it", gap.requirement);
            continue;
        }
        let mut line = format!("  {}: {} h uncovered", gap.requirement, gap.hours);
        if gap.no_weekend_cover {
            line.push_str("; nobody at weekends");
        }
        println!("{line}");
        for (from, to) in gap.uncovered.iter().take(6) {
            println!("      {} - {}", from.strftime("%a %H:%M"), to.strftime("%a %H:%M"));
        }
        if gap.uncovered.len() > 6 {
            println!("      ... and {} more stretches", gap.uncovered.len() - 6);
        }
        for h in &gap.holidays_uncovered {
            println!("      nobody on holiday {h}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn problems_json(problems: &[Problem]) -> Vec<serde_json::Value> {
    problems
        .iter()
        .map(|p| json!({ "code": p.code(), "path": p.path(), "message": p.message(), "hint": p.hint() }))
        .collect()
}

fn condition(c: &ConditionSpec) -> String {
    let mut parts = Vec::new();
    for (name, list) in [
        ("priority", &c.priority),
        ("category", &c.category),
        ("customer tier", &c.customer_tier),
        ("channel", &c.channel),
    ] {
        if !list.0.is_empty() {
            parts.push(format!("{name} {}", list.0.join("/")));
        }
    }
    if parts.is_empty() { "any ticket".to_owned() } else { parts.join(", ") }
}

fn summary(path: &str, policy: &Policy, compiled: &CompiledPolicy) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "policy {path}: valid (version {})", policy.version);
    let _ = writeln!(out, "\ncalendars");
    for cal in compiled.calendars() {
        if cal.is_always_open() {
            let _ = writeln!(out, "  {:<16} calendar time, 24 hours a day (built in)", cal.name());
            continue;
        }
        let hours = cal.week().secs_per_week() as f64 / 3600.0;
        let _ = writeln!(
            out,
            "  {:<16} {}, {hours} h a week, {} holiday entr{}",
            cal.name(),
            cal.zone_name(),
            cal.holidays().len(),
            if cal.holidays().len() == 1 { "y" } else { "ies" }
        );
        for day in [
            tierwise::jiff::civil::Weekday::Monday,
            tierwise::jiff::civil::Weekday::Tuesday,
            tierwise::jiff::civil::Weekday::Wednesday,
            tierwise::jiff::civil::Weekday::Thursday,
            tierwise::jiff::civil::Weekday::Friday,
            tierwise::jiff::civil::Weekday::Saturday,
            tierwise::jiff::civil::Weekday::Sunday,
        ] {
            let intervals: Vec<String> = cal.week().day(day).iter().map(ToString::to_string).collect();
            if !intervals.is_empty() {
                let _ = writeln!(out, "  {:<16}   {:<9} {}", "", format!("{day:?}"), intervals.join(", "));
            }
        }
    }
    let _ = writeln!(out, "\npriority: impact (rows) x urgency (columns)");
    let width =
        compiled.urgency_levels().iter().chain(compiled.impact_levels()).map(String::len).max().unwrap_or(6) + 2;
    let _ = write!(out, "  {:width$}", "");
    for u in compiled.urgency_levels() {
        let _ = write!(out, "{u:width$}");
    }
    let _ = writeln!(out);
    for (impact, row) in compiled.impact_levels().iter().zip(compiled.priority_matrix()) {
        let _ = write!(out, "  {impact:width$}");
        for class in row {
            let _ = write!(out, "{class:width$}");
        }
        let _ = writeln!(out);
    }
    for (i, o) in policy.priority.overrides.iter().enumerate() {
        let action = match (o.raise, o.lower, &o.set) {
            (Some(n), _, _) => format!("raise {n}"),
            (_, Some(n), _) => format!("lower {n}"),
            (_, _, Some(c)) => format!("set {c}"),
            _ => String::new(),
        };
        let name = o.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default();
        let _ = writeln!(out, "  override [{i}]{name}: {} -> {action}", condition(&o.when));
    }
    let _ = writeln!(out, "\ncustomer tiers: {}", compiled.customer_tiers().join(", "));
    let _ = writeln!(out, "\nSLA rules (the first that matches applies)");
    let target = |name: &str, t: &Option<TargetSpec>, default_cal: &str| {
        t.as_ref()
            .map(|t| format!("{name} {} [{}]", format_duration(t.within), t.calendar.as_deref().unwrap_or(default_cal)))
    };
    for (i, rule) in policy.sla.policies.iter().enumerate() {
        let cal = rule.calendar.as_deref().unwrap_or(tierwise::ALWAYS_OPEN);
        let targets: Vec<String> = [
            target("first response", &rule.first_response, cal),
            target("next reply", &rule.next_reply, cal),
            target("resolution", &rule.resolution, cal),
        ]
        .into_iter()
        .flatten()
        .collect();
        let name = rule.name.as_deref().map(|n| format!(" \"{n}\"")).unwrap_or_default();
        let _ = writeln!(out, "  [{i}]{name} {}: {}", condition(&rule.when), targets.join(", "));
    }
    if compiled.warnings().is_empty() {
        let _ = writeln!(out, "\nno warnings");
    } else {
        let _ = writeln!(out, "\nwarnings");
        for w in compiled.warnings() {
            let _ = writeln!(out, "  {w}");
        }
    }
    out
}
