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
    let cannot_read = |e: std::io::Error| format!("error: cannot read {path}: {e}");
    let bytes = match usize::try_from(len) {
        #[cfg(unix)]
        Ok(len) if len >= PARALLEL_READ_BYTES => read_halves(&file, len, limit).map_err(cannot_read)?,
        // Sized up front: `Take` hides the length, and growing a large
        // file's buffer by doubling copies it several times.
        len => {
            let mut bytes = Vec::with_capacity(len.unwrap_or(0).min(limit) + 1);
            file.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(cannot_read)?;
            bytes
        }
    };
    if bytes.len() > limit {
        return Err(format!("error: {path} is over the limit of {limit} bytes"));
    }
    String::from_utf8(bytes).map_err(|e| format!("error: {path} is not UTF-8 text: {e}"))
}

/// Files at least this large are read by two threads at once.
#[cfg(unix)]
const PARALLEL_READ_BYTES: usize = 16 << 20;

/// Reads the first `len` bytes of a file, each half by its own thread (the
/// copy and the page faults of a large buffer split over two cores), then
/// whatever follows if the file grew meanwhile (up to one byte past `limit`).
#[cfg(unix)]
fn read_halves(file: &File, len: usize, limit: usize) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let mut bytes = vec![0u8; len];
    let (first, second) = bytes.split_at_mut(len / 2);
    let offset = first.len() as u64;
    let (a, b) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| file.read_exact_at(second, offset));
        let a = file.read_exact_at(first, 0);
        (a, reader.join().unwrap_or_else(|_| Err(std::io::Error::other("reader thread failed"))))
    });
    a?;
    b?;
    let mut rest = Vec::new();
    let mut tail = file;
    std::io::Seek::seek(&mut tail, std::io::SeekFrom::Start(len as u64))?;
    tail.take((limit as u64 + 1).saturating_sub(len as u64)).read_to_end(&mut rest)?;
    bytes.extend(rest);
    Ok(bytes)
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

#[cfg(all(test, unix))]
mod tests {
    use super::read_halves;
    use std::fs::File;

    #[test]
    fn a_file_read_in_halves_is_read_whole_even_if_it_grew() {
        let path = std::env::temp_dir().join(format!("tierwise-read-halves-{}.txt", std::process::id()));
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, &text).unwrap();
        let file = File::open(&path).unwrap();
        assert_eq!(read_halves(&file, text.len(), usize::MAX - 1).unwrap(), text.as_bytes());
        // Opened when it was shorter: what was appended since is read too,
        // up to one byte past the limit.
        assert_eq!(read_halves(&file, 101, usize::MAX - 1).unwrap(), text.as_bytes());
        assert_eq!(read_halves(&file, 101, 200).unwrap(), &text.as_bytes()[..201]);
        std::fs::remove_file(&path).unwrap();
    }
}

/// A report file to write once a long run is done, opened before it starts,
/// so that a path that cannot be written fails at once instead of after the
/// run, with its results lost. An existing file keeps its contents until the
/// new report replaces them; a file this created is removed again if the run
/// fails.
pub struct ReportFile {
    path: String,
    file: std::fs::File,
    created: bool,
    written: bool,
}

impl ReportFile {
    /// Opens `path` for writing, if given, without changing it yet.
    pub fn open(path: Option<&str>) -> Result<Option<ReportFile>, String> {
        path.map(|path| {
            let created = !std::path::Path::new(path).exists();
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .open(path)
                .map(|file| ReportFile { path: path.to_owned(), file, created, written: false })
                .map_err(|e| format!("error: cannot write {path}: {e}"))
        })
        .transpose()
    }

    /// Replaces the file's contents with the report.
    pub fn write(mut self, contents: &str) -> Result<(), String> {
        use std::io::Write as _;
        self.written = true;
        self.file
            .set_len(0)
            .and_then(|()| self.file.write_all(contents.as_bytes()))
            .map_err(|e| format!("error: cannot write {}: {e}", self.path))
    }
}

impl Drop for ReportFile {
    fn drop(&mut self) {
        if self.created && !self.written {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The error for output that could not be written. When the reader has gone
/// (`tierwise ... | head`), that is its choice, not a failure: the process
/// ends quietly with the status a shell pipeline expects (128 + SIGPIPE), as
/// every command does.
pub fn output_error(what: &str, e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(141);
    }
    format!("error: cannot write {what}: {e}")
}
