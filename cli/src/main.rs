//! `tierwise`: validate policies and triage tickets from the command line.
//!
//! Exit codes: 0 success, 1 bad input (every problem printed, with its field
//! path), 2 bad usage.

mod convert;
mod history;
mod input;
mod route;
mod simulate;
mod staff;
mod triage;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc rather than the C library's allocator: when events are read on one
/// thread and routed on another, the engine frees on one thread what was
/// allocated on the other, and glibc then takes a lock per free (about 20,000
/// futex calls per million events). Transparent huge pages are off
/// (`no_thp`): with them, the first large run paid about a second of page
/// faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tierwise: ticket routing and prioritisation for support desks.
#[derive(Parser)]
#[command(name = "tierwise", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a policy and print what it defines, or every problem in it.
    Validate(validate::Args),
    /// Priority, urgency score and SLA deadlines of one ticket, explained.
    Triage(triage::Args),
    /// Route a stream of events (JSON lines) and print decisions (JSON lines).
    Route(route::Args),
    /// Simulate a desk (default: an embedded week of a global desk) and report.
    Simulate(simulate::Args),
    /// Agents needed for a service-level target (Erlang C, or Erlang A with patience).
    Staff(staff::Args),
    /// Print a policy or scenario written in TOML or YAML as JSON (what the
    /// WebAssembly package reads). Checks the syntax only: `validate` checks
    /// a policy.
    Convert(convert::Args),
    /// Synthetic desk histories for replay.
    History(history::HistoryArgs),
    /// Replay a desk's history under one or more policies: KPIs side by side
    /// and every changed decision with its cause.
    Replay(history::ReplayArgs),
}

fn main() -> ExitCode {
    // A bug must not greet users with a Rust backtrace: say what happened and
    // how to report it. (Bad input never panics; this is for bugs only.)
    std::panic::set_hook(Box::new(|info| {
        // `println!` panics when the reader has gone (`tierwise ... | head`):
        // that is the reader's choice, not a bug; end quietly, as a shell
        // pipeline expects (128 + SIGPIPE).
        let payload = info.payload();
        let message =
            payload.downcast_ref::<String>().map(String::as_str).or_else(|| payload.downcast_ref::<&str>().copied());
        let message = message.unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        eprintln!("tierwise: internal error: {info}");
        eprintln!("tierwise: this is a bug; please report it with the command and input that caused it");
    }));
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Triage(args) => triage::run(&args),
        Command::Route(args) => route::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Staff(args) => staff::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::History(args) => history::run_history(&args),
        Command::Replay(args) => history::run_replay(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
