//! `tierwise route`: events in (JSON lines), decisions out (JSON lines).
//!
//! Streams: lines are read and parsed up to about 25,000 ahead on one thread,
//! which also writes the decisions out, and routed on another (which turns
//! them into text itself when it has caught up with the reading), so memory
//! does not grow with the input file (the engine itself holds every ticket it
//! has seen). A bad line stops the run with its line number and field path, after
//! every decision made so far has been written. Decisions are written in
//! blocks (those of up to 8,192 events), not as each event is answered: a
//! host that answers events as they happen calls the engine once per event.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::process::ExitCode;

use tierwise::{Engine, LinesStopped, MAX_EVENT_BYTES, parse_roster};

use crate::input::{describe_error, load_policy, output_error, read_limited};

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

    let input: Box<dyn BufRead + Send> = if args.events == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        let file = File::open(&args.events).map_err(|e| format!("error: cannot open {}: {e}", args.events))?;
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    // Decisions come in blocks of whole lines, which standard output (line
    // buffered) writes through: a buffer here would only copy them.
    let mut out = io::stdout();
    // Lines are read and parsed, and decisions written, on one thread;
    // routed on this one (which writes a batch's decisions to text itself
    // when it has nothing to route).
    let routed = engine.route_json_lines(numbered_lines(input, &args.events), &mut out);
    // Whatever happened, what was decided is written.
    let flushed = out.flush();
    match routed {
        Ok(()) => {}
        Err(LinesStopped::Event { line, error }) => {
            return Err(describe_error(&format!("{}:{line}", args.events), &error));
        }
        Err(LinesStopped::Caller(message)) => return Err(message),
        Err(LinesStopped::Output(e)) => return Err(output_error("decisions", &e)),
    }
    flushed.map_err(|e| output_error("decisions", &e))?;
    Ok(ExitCode::SUCCESS)
}

/// The input's lines with their numbers (from 1); a line that cannot be
/// read, or is longer than an event may be, ends it with an error.
fn numbered_lines(
    mut input: Box<dyn BufRead + Send>,
    name: &str,
) -> impl Iterator<Item = Result<(u64, String), String>> + Send {
    let name = name.to_owned();
    let mut number = 0u64;
    std::iter::from_fn(move || {
        number += 1;
        let mut line = String::new();
        // Read at most one event's worth (plus one byte to detect overflow).
        match io::Read::take(&mut input, MAX_EVENT_BYTES as u64 + 1).read_line(&mut line) {
            Ok(0) => None,
            Ok(_) if line.len() > MAX_EVENT_BYTES => {
                Some(Err(format!("error: {name}:{number}: line longer than {MAX_EVENT_BYTES} bytes")))
            }
            Ok(_) => Some(Ok((number, line))),
            Err(e) => Some(Err(format!("error: {name}:{number}: cannot read: {e}"))),
        }
    })
}
