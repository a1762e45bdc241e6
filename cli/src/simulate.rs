//! `tierwise simulate`: run a staffing scenario through the real engine and
//! report.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use tierwise::Policy;
use tierwise::policy::Format;
use tierwise::sim::{self, Scenario};

use crate::input::{ReportFile, compile_policy, describe_error, read_limited};

/// Arguments of `tierwise simulate`.
#[derive(clap::Args)]
pub struct Args {
    /// The scenario (TOML, JSON or YAML). Default: an embedded week of a
    /// global desk.
    #[arg(long)]
    scenario: Option<String>,
    /// The policy file (overrides the scenario's `policy`).
    #[arg(long)]
    policy: Option<String>,
    /// The random seed (overrides `run.seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Independent replications, run in parallel; figures get 95% confidence
    /// intervals.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=i64::from(sim::MAX_REPLICATIONS)))]
    replications: u32,
    /// Print one JSON object instead of the report.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report with charts to this file.
    #[arg(long)]
    report: Option<String>,
}

fn load_scenario(path: &str) -> Result<Scenario, String> {
    let text = read_limited(path, sim::MAX_SCENARIO_BYTES)?;
    let format = Format::from_path(path).unwrap_or_else(|| Format::sniff(&text));
    let mut scenario =
        Scenario::from_str_as(&text, format).map_err(|e| describe_error(&format!("scenario {path}"), &e))?;
    // Recorded arrivals files, relative to the scenario file.
    scenario
        .load_arrivals(|file| {
            let full = Path::new(path).parent().unwrap_or(Path::new("")).join(file);
            let full = full.to_string_lossy();
            read_limited(&full, sim::MAX_ARRIVALS_BYTES).map_err(|e| e.trim_start_matches("error: ").to_owned())
        })
        .map_err(|e| describe_error(&format!("scenario {path}"), &e))?;
    Ok(scenario)
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let (mut scenario, policy) = match &args.scenario {
        None => {
            let (scenario, default_policy) =
                sim::default_desk().map_err(|e| describe_error("the embedded scenario", &e))?;
            let policy = match &args.policy {
                Some(p) => compile_policy(p)?,
                None => default_policy,
            };
            (scenario, policy)
        }
        Some(path) => {
            let scenario = load_scenario(path)?;
            let policy = match (&args.policy, &scenario.policy) {
                (Some(p), _) => compile_policy(p)?,
                (None, Some(sim::PolicyRef::File(f))) => {
                    // Relative to the scenario file.
                    let full = Path::new(path).parent().unwrap_or(Path::new("")).join(f);
                    let full = full.to_string_lossy().into_owned();
                    compile_policy(&full).map_err(|e| {
                        format!("{e}\n  (the policy that scenario {path} names in `policy`, relative to the scenario)")
                    })?
                }
                (None, Some(sim::PolicyRef::Inline(p))) => {
                    p.compile().map_err(|e| describe_error(&format!("the policy in scenario {path}"), &e))?
                }
                (None, None) => Policy::default().compile().map_err(|e| describe_error("the default policy", &e))?,
            };
            (scenario, policy)
        }
    };
    if let Some(seed) = args.seed {
        scenario.run.seed = seed;
    }
    let name = args.scenario.as_deref().unwrap_or("the embedded scenario");
    let report_file = ReportFile::open(args.report.as_deref())?;
    let started = Instant::now();
    if std::io::stderr().is_terminal() && !args.json {
        eprintln!("tierwise: simulating {name} ({} replication(s))...", args.replications);
    }
    let result = sim::simulate(&scenario, &policy, args.replications)
        .map_err(|e| describe_error(&format!("scenario {name}"), &e))?;
    let elapsed = started.elapsed().as_secs_f64();
    if let (Some(file), Some(path)) = (report_file, &args.report) {
        file.write(&result.html_report())?;
        if !args.json {
            eprintln!("tierwise: report written to {path}");
        }
    }
    if args.json {
        println!("{}", result.to_json_string());
    } else {
        print!("{}", result.report());
        let tickets = result.overall.arrived * f64::from(result.replications);
        println!(
            "\nSimulated {tickets:.0} tickets ({:.0} engine events) in {elapsed:.2}s: {:.0} tickets/s.",
            result.engine_events * f64::from(result.replications),
            tickets / elapsed.max(1e-9)
        );
    }
    Ok(ExitCode::SUCCESS)
}
