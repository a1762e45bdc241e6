//! Helpers shared by the CLI test binaries: run `tierwise`, read its output,
//! write scratch files.
#![allow(dead_code)] // each test binary uses its own subset

use std::process::{Command, Output};

/// Runs the `tierwise` binary from the workspace root.
pub fn tierwise(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tierwise"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("runs")
}

/// Bytes as text, lossily.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails if the run printed a panic or an internal error.
pub fn assert_no_panic(out: &Output) {
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked") && !stderr.contains("internal error"), "{stderr}");
}

/// Writes `contents` to a scratch file under a folder named for `suite` and
/// this process; returns its path.
pub fn temp_file(suite: &str, name: &str, contents: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("tierwise-{suite}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}
