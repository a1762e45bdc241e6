//! `tierwise simulate`: run a staffing scenario and report. (Being written.)

use std::process::ExitCode;

/// Arguments of `tierwise simulate`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> Result<ExitCode, String> {
    Err("error: `tierwise simulate` is not available yet".to_owned())
}
