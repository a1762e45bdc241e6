//! The one error type of the crate.
//!
//! Every failure carries one or more [`Problem`]s. Each problem has a stable
//! machine-readable [`ErrorKind::code`], the field path of the input that caused it
//! (`sla.policies[2].resolution.calendar`), a human message, and, for typos, the
//! closest valid name. Validation collects every problem it finds instead of
//! stopping at the first, so a policy author can fix a file in one pass.

use std::fmt;

/// What went wrong, in a form programs can match on.
///
/// New kinds may be added in minor releases; match with a wildcard arm.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorKind {
    /// The text is not well-formed JSON, TOML or YAML.
    Syntax,
    /// A value has the wrong type or an impossible value (negative duration, NaN).
    InvalidValue,
    /// A field that the document format does not define (typos are never ignored).
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A reference to something that does not exist: a calendar, a time zone, a
    /// priority class, a customer tier.
    UnknownName,
    /// The same name or interval is defined twice.
    Duplicate,
    /// Two intervals overlap where they must not.
    Overlap,
    /// The input exceeds a size, count or nesting limit.
    TooLarge,
    /// An instant or a duration outside the supported range.
    OutOfRange,
    /// The document declares a format version this build does not read.
    UnsupportedVersion,
    /// Events or history entries that contradict each other (out of order, a reply
    /// to a resolved ticket).
    Inconsistent,
}

impl ErrorKind {
    /// A stable snake_case identifier for this kind, suitable for logs, metrics
    /// and for matching in other languages.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Syntax => "syntax",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::UnknownField => "unknown_field",
            ErrorKind::MissingField => "missing_field",
            ErrorKind::UnknownName => "unknown_name",
            ErrorKind::Duplicate => "duplicate",
            ErrorKind::Overlap => "overlap",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::OutOfRange => "out_of_range",
            ErrorKind::UnsupportedVersion => "unsupported_version",
            ErrorKind::Inconsistent => "inconsistent",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One thing wrong with an input, located by its field path.
///
/// Also used for warnings: a policy that is legal but probably not what its
/// author meant (see [`crate::CompiledPolicy::warnings`]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Problem {
    path: String,
    kind: ErrorKind,
    message: String,
    hint: Option<String>,
}

impl Problem {
    /// A problem of `kind` at `path`.
    pub(crate) fn new(kind: ErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { kind, path: path.into(), message: message.into(), hint: None }
    }

    /// Adds a hint, typically "did you mean ...?".
    pub(crate) fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Prefixes the path with a parent path.
    pub(crate) fn under(mut self, parent: &str) -> Self {
        if parent.is_empty() {
            return self;
        }
        self.path = if self.path.is_empty() {
            parent.to_owned()
        } else if self.path.starts_with('[') {
            format!("{parent}{}", self.path)
        } else {
            format!("{parent}.{}", self.path)
        };
        self
    }

    /// What went wrong.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable code of [`Problem::kind`].
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The field path of the offending input, e.g. `calendars.madrid.hours.mon[1]`.
    /// Empty when the problem concerns the whole input.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A human-readable description, without the path.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A suggestion, such as the closest valid name for a typo.
    #[must_use]
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// The error type of every fallible operation in Tierwise.
///
/// It holds one or more [`Problem`]s; [`Error::kind`], [`Error::path`] and
/// [`Error::message`] describe the first, [`Error::problems`] lists them all.
///
/// ```
/// let err = tierwise::Policy::from_toml_str("version = 1\nbogus = 3").unwrap_err();
/// assert_eq!(err.code(), "unknown_field");
/// assert_eq!(err.path(), "bogus");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    problems: Box<[Problem]>,
}

impl Error {
    /// An error made of a single problem.
    pub(crate) fn new(kind: ErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::from_problem(Problem::new(kind, path, message))
    }

    pub(crate) fn from_problem(problem: Problem) -> Self {
        Error { problems: Box::new([problem]) }
    }

    /// An error made of several problems. `problems` must not be empty.
    pub(crate) fn from_problems(mut problems: Vec<Problem>) -> Self {
        if problems.is_empty() {
            problems.push(Problem::new(ErrorKind::InvalidValue, "", "invalid input"));
        }
        Error { problems: problems.into_boxed_slice() }
    }

    /// Prefixes every problem's path with `parent`.
    pub(crate) fn under(self, parent: &str) -> Self {
        Error { problems: self.problems.into_vec().into_iter().map(|p| p.under(parent)).collect() }
    }

    fn first(&self) -> &Problem {
        &self.problems[0]
    }

    /// The kind of the first problem.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.first().kind
    }

    /// The stable code of the first problem, e.g. `unknown_name`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.first().kind.code()
    }

    /// The field path of the first problem.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.first().path
    }

    /// The message of the first problem.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.first().message
    }

    /// Every problem found, in document order.
    #[must_use]
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.problems {
            [one] => write!(f, "{one}"),
            many => {
                write!(f, "{} problems:", many.len())?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error").field("problems", &self.problems).finish()
    }
}

impl std::error::Error for Error {}

/// The closest name to `wrong` among `valid`, as a "did you mean" hint, when it
/// is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a>(wrong: &str, valid: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let wrong_lower = wrong.to_ascii_lowercase();
    let mut best: Option<(f64, &str)> = None;
    for candidate in valid {
        let score = strsim::jaro_winkler(&wrong_lower, &candidate.to_ascii_lowercase());
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, candidate));
        }
    }
    match best {
        Some((score, name)) if score >= 0.8 => Some(format!("did you mean \"{name}\"?")),
        _ => None,
    }
}

/// A problem for a name that is not among `valid`, with a hint when one is close.
pub(crate) fn unknown_name<'a>(
    path: impl Into<String>,
    what: &str,
    wrong: &str,
    valid: impl IntoIterator<Item = &'a str> + Clone,
) -> Problem {
    let hint = did_you_mean(wrong, valid.clone()).or_else(|| {
        let all: Vec<&str> = valid.into_iter().take(12).collect();
        if all.is_empty() { None } else { Some(format!("expected one of: {}", all.join(", "))) }
    });
    Problem::new(ErrorKind::UnknownName, path, format!("unknown {what} \"{wrong}\"")).with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_single_and_many() {
        let one = Error::new(ErrorKind::UnknownName, "sla.policies[2].calendar", "unknown calendar \"x\"");
        assert_eq!(one.to_string(), "sla.policies[2].calendar: unknown calendar \"x\"");
        let many = Error::from_problems(vec![
            Problem::new(ErrorKind::Syntax, "", "bad"),
            Problem::new(ErrorKind::Overlap, "calendars.a.hours.mon[1]", "overlaps"),
        ]);
        assert_eq!(many.to_string(), "2 problems:\n  bad\n  calendars.a.hours.mon[1]: overlaps");
    }

    #[test]
    fn typo_hint() {
        let p = unknown_name("x", "calendar", "emea-suport", ["emea-support", "apac"]);
        assert_eq!(p.hint(), Some("did you mean \"emea-support\"?"));
        let p = unknown_name("x", "calendar", "zzz", ["emea-support", "apac"]);
        assert_eq!(p.hint(), Some("expected one of: emea-support, apac"));
    }

    #[test]
    fn under_prefixes_paths() {
        let p = Problem::new(ErrorKind::Syntax, "[3].at", "m").under("history");
        assert_eq!(p.path(), "history[3].at");
        let p = Problem::new(ErrorKind::Syntax, "at", "m").under("history[3]");
        assert_eq!(p.path(), "history[3].at");
    }
}
