//! `tierwise staff`: agents needed per Erlang C / Erlang A. (Being written.)

use std::process::ExitCode;

/// Arguments of `tierwise staff`.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: &Args) -> Result<ExitCode, String> {
    Err("error: `tierwise staff` is not available yet".to_owned())
}
