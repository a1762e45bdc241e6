//! Reading the files the commands are given: size limits, format detection,
//! and error messages that name the file.

use std::fs::File;
use std::io::Read;

use tierwise::policy::{Format, MAX_POLICY_BYTES, MAX_TICKET_BYTES};
use tierwise::{CompiledPolicy, Error, Policy, Ticket};

/// Reads a whole file, refusing anything over `limit` bytes before reading it.
pub fn read_limited(path: &str, limit: usize) -> Result<String, String> {
    let file = File::open(path).map_err(|e| format!("error: cannot open {path}: {e}"))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > limit as u64 {
        return Err(format!("error: {path} is {len} bytes; the limit is {limit} bytes"));
    }
    // Sized up front: `Take` hides the length, and growing a large file's
    // buffer by doubling copies it several times.
    let mut text = String::with_capacity(usize::try_from(len).unwrap_or(0).min(limit) + 1);
    file.take(limit as u64 + 1).read_to_string(&mut text).map_err(|e| format!("error: cannot read {path}: {e}"))?;
    if text.len() > limit {
        return Err(format!("error: {path} is over the limit of {limit} bytes"));
    }
    Ok(text)
}

/// Formats every problem of an error, one per line, with its code.
pub fn describe_error(what: &str, err: &Error) -> String {
    let n = err.problems().len();
    let mut out =
        if n == 1 { format!("error: {what} has a problem:") } else { format!("error: {what} has {n} problems:") };
    for p in err.problems() {
        out.push_str(&format!("\n  {p} [{}]", p.code()));
    }
    out
}

/// Reads and compiles a policy file (JSON, TOML or YAML by extension or content).
pub fn load_policy(path: &str) -> Result<(Policy, Result<CompiledPolicy, Error>), String> {
    let text = read_limited(path, MAX_POLICY_BYTES)?;
    let format = Format::from_path(path).unwrap_or_else(|| Format::sniff(&text));
    let policy = Policy::from_str_as(&text, format).map_err(|e| describe_error(&format!("policy {path}"), &e))?;
    let compiled = policy.compile();
    Ok((policy, compiled))
}

/// Reads and compiles a policy file, or says what is wrong with it.
pub fn compile_policy(path: &str) -> Result<CompiledPolicy, String> {
    let (_, compiled) = load_policy(path)?;
    compiled.map_err(|e| describe_error(&format!("policy {path}"), &e))
}

/// Reads a ticket JSON file.
pub fn load_ticket(path: &str) -> Result<Ticket, String> {
    let text = read_limited(path, MAX_TICKET_BYTES)?;
    Ticket::from_json_str(&text).map_err(|e| describe_error(&format!("ticket {path}"), &e))
}
