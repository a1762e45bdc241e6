//! Every failure reaches JavaScript through [`Failure::into_js`]: a real
//! `Error` named `TierwiseError`, whose message names the field path, with the
//! `code` and `path` of the first problem and the whole `problems` list as
//! properties. Panics are turned into the same kind of error (see
//! [`crate::guard`]).

use std::fmt;

use serde::Serialize;
use wasm_bindgen::JsValue;

/// One thing wrong with an input, as JavaScript sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProblemOut {
    /// The field path, e.g. `sla.policies[2].resolution`; empty for the whole input.
    pub path: String,
    /// A stable snake_case code, e.g. `unknown_name` (the core's codes, plus
    /// `internal` for a bug in Tierwise).
    pub code: String,
    /// What went wrong, without the path.
    pub message: String,
    /// A suggestion such as "did you mean ...?".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for ProblemOut {
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

/// A failure of a binding call: the core's problems, or a problem found
/// while converting a JavaScript value (a wrong type, an invalid `now`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    problems: Vec<ProblemOut>,
}

impl Failure {
    /// A failure made of one problem.
    pub fn new(code: &str, path: impl Into<String>, message: impl Into<String>) -> Failure {
        Failure {
            problems: vec![ProblemOut {
                path: path.into(),
                code: code.to_owned(),
                message: message.into(),
                hint: None,
            }],
        }
    }

    /// Prefixes every problem's path with `parent` (`tickets[3]` + `impact`
    /// gives `tickets[3].impact`).
    #[must_use]
    pub fn under(mut self, parent: &str) -> Failure {
        for p in &mut self.problems {
            p.path = if p.path.is_empty() {
                parent.to_owned()
            } else if p.path.starts_with('[') {
                format!("{parent}{}", p.path)
            } else {
                format!("{parent}.{}", p.path)
            };
        }
        self
    }

    /// Every problem, in the order found.
    #[must_use]
    pub fn problems(&self) -> &[ProblemOut] {
        &self.problems
    }

    /// The stable code of the first problem.
    #[must_use]
    pub fn code(&self) -> &str {
        self.problems.first().map_or("internal", |p| p.code.as_str())
    }

    /// The field path of the first problem.
    #[must_use]
    pub fn path(&self) -> &str {
        self.problems.first().map_or("", |p| p.path.as_str())
    }

    /// The JavaScript `TierwiseError` for this failure.
    #[must_use]
    pub fn into_js(self) -> JsValue {
        let error = js_sys::Error::new(&self.to_string());
        error.set_name("TierwiseError");
        let object: &JsValue = error.as_ref();
        let problems = js_sys::Array::new();
        for p in &self.problems {
            let item = js_sys::Object::new();
            set(&item, "path", &JsValue::from_str(&p.path));
            set(&item, "code", &JsValue::from_str(&p.code));
            set(&item, "message", &JsValue::from_str(&p.message));
            if let Some(hint) = &p.hint {
                set(&item, "hint", &JsValue::from_str(hint));
            }
            problems.push(&item);
        }
        set(object, "code", &JsValue::from_str(self.code()));
        set(object, "path", &JsValue::from_str(self.path()));
        set(object, "problems", &problems);
        error.into()
    }
}

/// Sets a property on a fresh plain object or error.
pub(crate) fn set(target: &JsValue, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object or Error cannot fail.
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(key), value);
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [] => f.write_str("invalid input"),
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

impl From<tierwise::Error> for Failure {
    fn from(err: tierwise::Error) -> Failure {
        Failure { problems: err.problems().iter().map(ProblemOut::from).collect() }
    }
}

impl From<&tierwise::Problem> for ProblemOut {
    fn from(p: &tierwise::Problem) -> ProblemOut {
        ProblemOut {
            path: p.path().to_owned(),
            code: p.code().to_owned(),
            message: p.message().to_owned(),
            hint: p.hint().map(str::to_owned),
        }
    }
}

impl From<Failure> for JsValue {
    fn from(f: Failure) -> JsValue {
        f.into_js()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_path() {
        let f = Failure::new("invalid_value", "now", "not an instant");
        assert_eq!(f.to_string(), "now: not an instant");
        let f = f.under("options");
        assert_eq!(f.path(), "options.now");
        let f = Failure::new("x", "[2].at", "m").under("history");
        assert_eq!(f.path(), "history[2].at");
    }

    #[test]
    fn core_problems_carry_over() {
        let err = tierwise::Policy::from_toml_str("version = 1\nbogus = 3").unwrap_err();
        let f = Failure::from(err);
        assert_eq!(f.code(), "unknown_field");
        assert_eq!(f.path(), "bogus");
        assert!(f.to_string().starts_with("bogus: "));
    }
}
