//! `tierwise staff`: agents needed for a service-level target, by Erlang C, or
//! Erlang A when callers hang up (`--patience`); for one arrival rate or for
//! each interval of a profile.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Map, Value, json};
use tierwise::jiff::SignedDuration;
use tierwise::staffing::{self, Load, Model, Performance};
use tierwise::{Error, format_duration, parse_duration};

use crate::input::read_limited;

/// The largest `--profile` file read.
const MAX_PROFILE_BYTES: usize = 4 << 20;

/// Arguments of `tierwise staff`.
#[derive(clap::Args)]
pub struct Args {
    /// Mean contacts arriving per hour, e.g. 200.
    #[arg(
        long,
        value_name = "RATE",
        allow_hyphen_values = true,
        required_unless_present = "profile",
        conflicts_with = "profile"
    )]
    per_hour: Option<String>,
    /// Arrivals per hour for consecutive intervals: one number per line, or CSV
    /// whose last column is the rate (a header line, blank lines and lines
    /// starting with # are skipped). Prints the agents needed per interval.
    #[arg(long, value_name = "FILE")]
    profile: Option<String>,
    /// Length of each --profile interval [default: 1h].
    #[arg(
        long,
        value_name = "DURATION",
        allow_hyphen_values = true,
        requires = "profile",
        conflicts_with = "per_hour"
    )]
    interval: Option<String>,
    /// Mean handle time per contact (talk plus wrap-up): 3m, 4m30s, or seconds.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    handle: String,
    /// Share of all contacts to answer within --within: 0.8 or 80%.
    #[arg(long, value_name = "SHARE", allow_hyphen_values = true)]
    target: String,
    /// Answer-time threshold of the target, e.g. 20s.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    within: String,
    /// Mean patience of waiting callers: use Erlang A (callers hang up) instead
    /// of Erlang C (nobody hangs up).
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    patience: Option<String>,
    /// Highest acceptable agent occupancy: 0.85 or 85%.
    #[arg(long, value_name = "SHARE", allow_hyphen_values = true)]
    max_occupancy: Option<String>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// The flags shared by both modes, parsed (not yet checked by the engine).
struct Common {
    handle: SignedDuration,
    target: f64,
    within: SignedDuration,
    patience: Option<SignedDuration>,
    max_occupancy: Option<f64>,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let common = Common {
        handle: duration("--handle", &args.handle)?,
        target: share("--target", &args.target)?,
        within: duration("--within", &args.within)?,
        patience: args.patience.as_deref().map(|p| duration("--patience", p)).transpose()?,
        max_occupancy: args.max_occupancy.as_deref().map(|m| share("--max-occupancy", m)).transpose()?,
    };
    let out = match (&args.per_hour, &args.profile) {
        (Some(rate), _) => single(number("--per-hour", rate)?, &common, args.json)?,
        (None, Some(path)) => {
            let interval = match &args.interval {
                Some(text) => duration("--interval", text)?,
                None => SignedDuration::from_hours(1),
            };
            if !interval.is_positive() {
                return Err(format!("error: --interval must be positive, not {}", format_duration(interval)));
            }
            profile(path, interval, &common, args.json)?
        }
        // clap requires one of the two.
        (None, None) => return Err("error: give --per-hour or --profile".to_owned()),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn number(flag: &str, text: &str) -> Result<f64, String> {
    // Adding 0 turns "-0" into 0, which is how it is echoed.
    text.trim().parse::<f64>().map(|x| x + 0.0).map_err(|_| format!("error: {flag} {text:?} is not a number"))
}

/// A share written `0.8` or `80%`.
fn share(flag: &str, text: &str) -> Result<f64, String> {
    match text.trim().strip_suffix('%') {
        Some(percent) => {
            Ok(number(flag, percent).map_err(|_| format!("error: {flag} {text:?} is not a share"))? / 100.0)
        }
        None => number(flag, text).map_err(|_| format!("error: {flag} {text:?} is not a share; write e.g. 0.8 or 80%")),
    }
}

fn duration(flag: &str, text: &str) -> Result<SignedDuration, String> {
    parse_duration(text).map_err(|e| format!("error: {flag}: {e}"))
}

/// The flag behind an engine field path.
fn flag_of(path: &str) -> &str {
    match path {
        "arrivals_per_hour" => "--per-hour",
        "mean_handle" => "--handle",
        "mean_patience" => "--patience",
        "target_service_level" => "--target",
        "answer_within" => "--within",
        "max_occupancy" => "--max-occupancy",
        other => other,
    }
}

/// Every problem of an engine error, one line each, located by `locate`.
fn describe(err: &Error, locate: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    for (i, p) in err.problems().iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "error: {}: {} [{}]", locate(p.path()), p.message(), p.code());
    }
    out
}

fn model_name(model: Model, patience: Option<SignedDuration>) -> String {
    match (model, patience) {
        (Model::ErlangA, Some(p)) => format!("Erlang A (callers hang up after {} on average)", format_duration(p)),
        _ => "Erlang C (nobody hangs up)".to_owned(),
    }
}

fn percent(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// A target as given: one decimal, or up to four where it has them (a target
/// of 0.999999 is 99.9999%, not 100.0%).
fn target_percent(x: f64) -> String {
    let p = x * 100.0;
    if (p * 10.0 - (p * 10.0).round()).abs() < 1e-6 {
        format!("{p:.1}%")
    } else {
        format!("{}%", format!("{p:.4}").trim_end_matches('0'))
    }
}

/// The service level with enough digits that a value just under the target
/// never prints as the target.
fn level(x: f64) -> String {
    format!("{:.2}%", (x * 10_000.0).floor() / 100.0)
}

fn seconds(s: f64) -> String {
    if s < 60.0 {
        format!("{s:.1}s")
    } else {
        #[allow(clippy::cast_possible_truncation)]
        let whole = s.round().min(1e12) as i64;
        format_duration(SignedDuration::from_secs(whole))
    }
}

fn goal_line(c: &Common) -> String {
    let mut line = format!("target: {} answered within {}", target_percent(c.target), format_duration(c.within));
    if let Some(m) = c.max_occupancy {
        let _ = write!(line, ", occupancy at most {}", percent(m));
    }
    line
}

/// The inputs, as JSON fields beside the results.
fn inputs_json(c: &Common, map: &mut Map<String, Value>) {
    map.insert("handle_s".to_owned(), json!(c.handle.as_secs_f64()));
    if let Some(p) = c.patience {
        map.insert("patience_s".to_owned(), json!(p.as_secs_f64()));
    }
    map.insert("target_service_level".to_owned(), json!(c.target));
    if let Some(m) = c.max_occupancy {
        map.insert("max_occupancy".to_owned(), json!(m));
    }
}

fn perf_json(p: &Performance) -> Result<Map<String, Value>, String> {
    match serde_json::to_value(p) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("error: internal: performance is not a JSON object".to_owned()),
        Err(e) => Err(format!("error: {e}")),
    }
}

fn single(rate: f64, c: &Common, json: bool) -> Result<String, String> {
    let load = Load { arrivals_per_hour: rate, mean_handle: c.handle, mean_patience: c.patience };
    let p = staffing::required_agents(&load, c.target, c.within, c.max_occupancy)
        .map_err(|e| describe(&e, |path| flag_of(path).to_owned()))?;
    if json {
        let mut map = perf_json(&p)?;
        map.insert("per_hour".to_owned(), json!(rate));
        inputs_json(c, &mut map);
        let text = serde_json::to_string_pretty(&Value::Object(map)).map_err(|e| format!("error: {e}"))?;
        return Ok(format!("{text}\n"));
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", model_name(p.model, c.patience));
    let _ = writeln!(
        out,
        "load: {rate} contacts an hour, {} each: {:.2} erlangs offered",
        format_duration(c.handle),
        p.offered_load_erlangs
    );
    let _ = writeln!(out, "{}", goal_line(c));
    let _ = writeln!(out);
    let _ = writeln!(out, "agents needed   {}", p.agents);
    let _ = writeln!(out, "service level   {} answered within {}", level(p.service_level), format_duration(c.within));
    let _ = writeln!(out, "p(wait)         {}", percent(p.p_wait));
    let _ = writeln!(out, "average wait    {} (ASA, answered contacts)", seconds(p.asa_s));
    let _ = writeln!(out, "occupancy       {}", percent(p.occupancy));
    let _ = writeln!(out, "abandoned       {}", percent(p.abandon_rate));
    Ok(out)
}

/// The rates of a profile file, with the line number of each.
fn read_profile(path: &str) -> Result<(Vec<f64>, Vec<usize>), String> {
    let text = read_limited(path, MAX_PROFILE_BYTES)?;
    let mut rates = Vec::new();
    let mut lines = Vec::new();
    let mut seen_data = false;
    // A byte-order mark, as spreadsheets write it, is no part of the data.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // The last field; a quoted one whole, separators and all ("1,200"
        // is then refused, not read as 200).
        let field = match line.strip_suffix('"') {
            Some(open) => open.rfind('"').map_or(open, |q| &open[q + 1..]),
            None => line.rsplit([',', ';', '\t']).next().unwrap_or(line),
        }
        .trim();
        match field.parse::<f64>() {
            Ok(rate) => {
                rates.push(rate);
                lines.push(i + 1);
            }
            // A header line: the first non-comment line, if its last field
            // is a name (no digits: a mistyped first rate such as `1OO` is
            // refused rather than skipped).
            Err(_) if !seen_data && !field.bytes().any(|b| b.is_ascii_digit()) => {}
            Err(_) => {
                return Err(format!(
                    "error: profile {path} line {}: {field:?} is not a number of arrivals per hour",
                    i + 1
                ));
            }
        }
        seen_data = true;
        if rates.len() > staffing::MAX_INTERVALS {
            return Err(format!("error: profile {path} has more than {} intervals", staffing::MAX_INTERVALS));
        }
    }
    if rates.is_empty() {
        return Err(format!("error: profile {path} has no arrival rates"));
    }
    Ok((rates, lines))
}

/// `day 1 09:30` for the start of interval `i`.
fn interval_label(i: usize, interval: SignedDuration) -> String {
    let start = interval.as_secs_f64() * i as f64;
    #[allow(clippy::cast_possible_truncation)]
    let secs = start.round().min(1e15) as i64;
    let (day, rest) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    if s == 0 { format!("day {} {h:02}:{m:02}", day + 1) } else { format!("day {} {h:02}:{m:02}:{s:02}", day + 1) }
}

fn profile(path: &str, interval: SignedDuration, c: &Common, json: bool) -> Result<String, String> {
    let (rates, lines) = read_profile(path)?;
    let results = staffing::required_per_interval(&rates, c.handle, c.patience, c.target, c.within, c.max_occupancy)
        .map_err(|e| {
            describe(&e, |p| {
                let index = p.strip_prefix("rates[").and_then(|r| r.strip_suffix(']')?.parse::<usize>().ok());
                match index.and_then(|i| lines.get(i)) {
                    Some(line) => format!("profile {path} line {line}"),
                    None => flag_of(p).to_owned(),
                }
            })
        })?;
    let hours = interval.as_secs_f64() / 3600.0;
    let agent_hours: f64 = results.iter().map(|p| f64::from(p.agents) * hours).sum();
    let peak = results.iter().enumerate().max_by_key(|(i, p)| (p.agents, std::cmp::Reverse(*i)));
    let model = if c.patience.is_some() { Model::ErlangA } else { Model::ErlangC };
    if json {
        let mut map = Map::new();
        map.insert("model".to_owned(), json!(model.code()));
        map.insert("interval_s".to_owned(), json!(interval.as_secs_f64()));
        map.insert("answer_within_s".to_owned(), json!(c.within.as_secs_f64()));
        inputs_json(c, &mut map);
        let mut items = Vec::with_capacity(results.len());
        for (i, (p, rate)) in results.iter().zip(&rates).enumerate() {
            let mut item = Map::new();
            item.insert("index".to_owned(), json!(i));
            item.insert("start_s".to_owned(), json!(interval.as_secs_f64() * i as f64));
            item.insert("per_hour".to_owned(), json!(rate));
            item.extend(perf_json(p)?);
            items.push(Value::Object(item));
        }
        map.insert("intervals".to_owned(), Value::Array(items));
        map.insert("peak_agents".to_owned(), json!(peak.map_or(0, |(_, p)| p.agents)));
        map.insert("agent_hours".to_owned(), json!(agent_hours));
        let text = serde_json::to_string_pretty(&Value::Object(map)).map_err(|e| format!("error: {e}"))?;
        return Ok(format!("{text}\n"));
    }
    let mut out = String::new();
    let _ = writeln!(out, "{}", model_name(model, c.patience));
    let _ = writeln!(
        out,
        "{} intervals of {}, handle {} each; {}",
        results.len(),
        format_duration(interval),
        format_duration(c.handle),
        goal_line(c)
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<14} {:>9} {:>7} {:>9} {:>8} {:>8} {:>10} {:>10}",
        "interval", "per hour", "agents", "service", "p(wait)", "ASA", "occupancy", "abandoned"
    );
    for (i, (p, rate)) in results.iter().zip(&rates).enumerate() {
        let _ = writeln!(
            out,
            "{:<14} {:>9} {:>7} {:>9} {:>8} {:>8} {:>10} {:>10}",
            interval_label(i, interval),
            rate,
            p.agents,
            level(p.service_level),
            percent(p.p_wait),
            seconds(p.asa_s),
            percent(p.occupancy),
            percent(p.abandon_rate),
        );
    }
    let _ = writeln!(out);
    if let Some((i, p)) = peak {
        let _ = writeln!(out, "peak: {} agents ({})", p.agents, interval_label(i, interval));
    }
    let _ = writeln!(out, "total: {agent_hours:.1} agent-hours");
    Ok(out)
}
