//! The JSON lines `Engine.apply_many` reads: `bytes` as they are, or a `str`
//! encoded to UTF-8 (the stable ABI of Python 3.9 cannot lend a `str`'s own
//! UTF-8).

use std::str::Utf8Error;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Why reading JSON lines stopped, other than at an event.
pub enum Stopped {
    /// The line numbered `line` (from 0) is not UTF-8.
    NotUtf8 { line: u64, error: Utf8Error },
    /// Handing decisions to Python failed.
    Python(PyErr),
}

/// `text` split at each newline, as `<[u8]>::split` splits it (so a text
/// ending in a newline has an empty last line), finding the newlines with
/// `memchr`.
fn split_lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        let (line, after) = match memchr::memchr(b'\n', text) {
            Some(newline) => (&text[..newline], Some(&text[newline + 1..])),
            None => (text, None),
        };
        rest = after;
        Some(line)
    })
}

/// The lines of `text`, numbered from 0, each checked to be UTF-8.
pub fn byte_lines(text: &[u8]) -> impl Iterator<Item = Result<(u64, &str), Stopped>> + Send {
    split_lines(text).zip(0u64..).map(|(line, number)| {
        std::str::from_utf8(line).map(|line| (number, line)).map_err(|error| Stopped::NotUtf8 { line: number, error })
    })
}

/// `text` in UTF-8, lone surrogates passed through: their lines then fail
/// the UTF-8 check as a bad line of `bytes` does.
pub fn encode<'py>(text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyBytes>> {
    Ok(text.call_method1("encode", ("utf-8", "surrogatepass"))?.cast_into::<PyBytes>()?)
}
