//! `tierwise convert FILE`: a policy or scenario written in TOML or YAML,
//! printed as JSON (what the WebAssembly package reads).

use std::process::ExitCode;

use tierwise::policy::{Format, MAX_POLICY_BYTES, parse_value};

use crate::input::{describe_error, read_limited};

/// Arguments of `tierwise convert`.
#[derive(clap::Args)]
pub struct Args {
    /// The document (JSON, TOML or YAML, by extension or content).
    file: String,
    /// One line instead of indented JSON.
    #[arg(long)]
    compact: bool,
}

pub fn run(args: &Args) -> Result<ExitCode, String> {
    let text = read_limited(&args.file, MAX_POLICY_BYTES)?;
    let format = Format::from_path(&args.file).unwrap_or_else(|| Format::sniff(&text));
    let value = parse_value(&text, format, MAX_POLICY_BYTES)
        .map_err(|e| describe_error(&format!("{} {}", format.name(), args.file), &e))?;
    let json = if args.compact { serde_json::to_string(&value) } else { serde_json::to_string_pretty(&value) };
    println!("{}", json.map_err(|e| format!("error: cannot write JSON: {e}"))?);
    Ok(ExitCode::SUCCESS)
}
