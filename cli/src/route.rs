//! `tierwise route`: events in (JSON lines), decisions out (JSON lines).
//!
//! Streams: one line is read, applied and answered at a time, so memory does
//! not grow with the input file (the engine itself holds every ticket it has
//! seen). A bad line stops the run with its line number and field path, after
//! every decision made so far has been written.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

use tierwise::{Engine, Event, MAX_EVENT_BYTES, parse_roster};

use crate::input::{describe_error, load_policy, read_limited};

/// Arguments of `tierwise route`.
#[derive(clap::Args)]
pub struct Args {
    /// The policy file (JSON, TOML or YAML).
    #[arg(long)]
    policy: String,
    /// The roster: a JSON list of agents (or `{"agents": [...]}`).
    #[arg(long)]
    agents: String,
    /// Events, one JSON object per line, in time order; `-` for standard input.
    #[arg(long)]
    events: String,
    /// List, in every offer, the agents passed over and why (slower).
    #[arg(long)]
    explain: bool,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let (_, compiled) = load_policy(&args.policy)?;
    let compiled = compiled.map_err(|e| describe_error(&format!("policy {}", args.policy), &e))?;
    let roster_text = read_limited(&args.agents, tierwise::agent::MAX_ROSTER_BYTES)?;
    let roster = parse_roster(&roster_text).map_err(|e| describe_error(&format!("roster {}", args.agents), &e))?;
    let mut engine =
        Engine::new(compiled, roster).map_err(|e| describe_error(&format!("roster {}", args.agents), &e))?;
    engine.set_explain(args.explain);

    let input: Box<dyn BufRead> = if args.events == "-" {
        Box::new(BufReader::new(io::stdin().lock()))
    } else {
        let file = File::open(&args.events).map_err(|e| format!("error: cannot open {}: {e}", args.events))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = stream(&mut engine, input, &mut out, &args.events);
    // Whatever happened, what was decided is written.
    let flushed = out.flush();
    result?;
    flushed.map_err(|e| format!("error: cannot write decisions: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

fn stream(engine: &mut Engine, mut input: Box<dyn BufRead>, out: &mut impl Write, name: &str) -> Result<(), String> {
    let mut line = String::new();
    let mut decisions = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        number += 1;
        // Read at most one event's worth (plus one byte to detect overflow).
        let read = io::Read::take(&mut input, MAX_EVENT_BYTES as u64 + 1)
            .read_line(&mut line)
            .map_err(|e| format!("error: {name}:{number}: cannot read: {e}"))?;
        if read == 0 {
            return Ok(());
        }
        if line.len() > MAX_EVENT_BYTES {
            return Err(format!("error: {name}:{number}: line longer than {MAX_EVENT_BYTES} bytes"));
        }
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let event = Event::from_json_str(text).map_err(|e| describe_error(&format!("{name}:{number}"), &e))?;
        decisions.clear();
        engine.apply_owned(event, &mut decisions).map_err(|e| describe_error(&format!("{name}:{number}"), &e))?;
        for d in &decisions {
            serde_json::to_writer(&mut *out, d).map_err(|e| format!("error: cannot write decisions: {e}"))?;
            out.write_all(b"\n").map_err(|e| format!("error: cannot write decisions: {e}"))?;
        }
    }
}
