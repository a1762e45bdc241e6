//! Values across the boundary. Documents come in as text or as plain objects
//! (turned into JSON text with `JSON.stringify`, so the core's own parsers,
//! limits and field paths apply unchanged); results go out as JSON made by
//! the core's serde types and read with `JSON.parse`, so JavaScript sees
//! exactly what the CLI prints with `--json`.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use tierwise::policy::{Format, parse_value};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::Failure;

/// Largest document text accepted from JavaScript, in bytes (the core's own
/// per-document limits are lower and apply too).
pub const MAX_TEXT_BYTES: usize = 64 << 20;

/// The text of a document given as a string, or a JSON object or array.
///
/// # Errors
/// `undefined`, `null`, numbers, booleans, functions, symbols, and objects
/// `JSON.stringify` refuses (cycles, `BigInt`), with `what` in the message and
/// `path` as the problem's path.
pub fn document_text(value: &JsValue, what: &str, path: &str) -> Result<String, Failure> {
    if let Some(text) = value.as_string() {
        return check_len(text, path);
    }
    if !value.is_object() || value.is_function() {
        return Err(Failure::new(
            "invalid_value",
            path,
            format!("{what} must be JSON text or an object, found {}", type_name(value)),
        ));
    }
    match js_sys::JSON::stringify(value) {
        Ok(text) => match text.as_string() {
            Some(text) => check_len(text, path),
            None => Err(Failure::new("invalid_value", path, format!("{what} cannot be written as JSON"))),
        },
        Err(e) => {
            let why = e
                .dyn_ref::<js_sys::Error>()
                .and_then(|e| e.message().as_string())
                .unwrap_or_else(|| "JSON.stringify failed".to_owned());
            Err(Failure::new("invalid_value", path, format!("{what} cannot be written as JSON: {why}")))
        }
    }
}

/// The format of a policy or scenario text. The package reads JSON; TOML and
/// YAML readers are left out to keep the `.wasm` small, so such text gets an
/// error saying how to convert it.
///
/// # Errors
/// Text in a format this build does not read.
pub fn document_format(text: &str, what: &str) -> Result<Format, Failure> {
    let format = Format::sniff(text);
    if format.is_supported() {
        return Ok(format);
    }
    Err(Failure::new(
        "syntax",
        "",
        format!(
            "{what} must be JSON text or an object; this looks like {}, which the WebAssembly package does not \
             read: convert it with `tierwise convert FILE`",
            format.name()
        ),
    ))
}

/// The items of a JSON array given as text (tickets, events), each left as a
/// JSON value for the core's checked reader: the text is parsed once.
///
/// # Errors
/// Text that is not JSON, too large or too deep, or not an array.
pub fn json_items(text: &str, what: &str) -> Result<Vec<Value>, Failure> {
    match parse_value(text, Format::Json, MAX_TEXT_BYTES)? {
        Value::Array(items) => Ok(items),
        _ => Err(Failure::new("invalid_value", "", format!("expected a JSON array of {what}"))),
    }
}

fn check_len(text: String, path: &str) -> Result<String, Failure> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(Failure::new(
            "too_large",
            path,
            format!("document is {} bytes; the limit is {MAX_TEXT_BYTES}", text.len()),
        ));
    }
    Ok(text)
}

// Calls into JavaScript that can throw (on a `Proxy`, a revoked one or one
// around a `Date`): declared with `catch`, so that the exception comes back
// here as an `Err` instead of unwinding through Rust, which would leave the
// object it was called on borrowed for good.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["Date", "prototype", "getTime"], js_name = call)]
    fn date_time(date: &JsValue) -> Result<f64, JsValue>;
}

/// A JavaScript type name for messages: `undefined`, `null`, `number`, ...
#[must_use]
pub fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        "null".to_owned()
    } else if is_array(value).unwrap_or(false) {
        "an array".to_owned()
    } else {
        value.js_typeof().as_string().unwrap_or_else(|| "a value of unknown type".to_owned())
    }
}

/// An instant from an RFC 3339 string with an offset, or a `Date`.
///
/// # Errors
/// Anything else, or an invalid `Date`, with `path` (usually `now`).
pub fn instant(value: &JsValue, path: &str) -> Result<Timestamp, Failure> {
    if let Some(text) = value.as_string() {
        return parse_instant(&text, path);
    }
    if value.is_instance_of::<js_sys::Date>() {
        let ms = date_time(value).map_err(|_| Failure::new("invalid_value", path, "the Date cannot be read"))?;
        #[allow(clippy::cast_possible_truncation)]
        let whole = ms as i64;
        #[allow(clippy::cast_precision_loss)]
        let exact = ms.is_finite() && whole as f64 == ms;
        return exact
            .then(|| Timestamp::from_millisecond(whole).ok())
            .flatten()
            .ok_or_else(|| Failure::new("invalid_value", path, "the Date is invalid or outside the supported range"));
    }
    Err(Failure::new(
        "invalid_value",
        path,
        format!("expected an RFC 3339 instant such as \"2026-03-02T09:00:00Z\", or a Date; found {}", type_name(value)),
    ))
}

/// An instant from RFC 3339 text with an offset (`Z` or `+01:00`).
///
/// # Errors
/// Text that is not such an instant, with `path`.
pub fn parse_instant(text: &str, path: &str) -> Result<Timestamp, Failure> {
    tierwise::parse_instant(text).map_err(|message| Failure::new("invalid_value", path, message))
}

/// JSON text of a core result.
///
/// # Errors
/// Only if serialization fails, which the core's types never do.
pub fn to_json<T: Serialize>(value: &T) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| Failure::new("internal", "", format!("cannot write the result: {e}")))
}

/// A JavaScript value from JSON text made by [`to_json`].
///
/// # Errors
/// Only if the text is not JSON, which [`to_json`] never produces.
pub fn from_json(text: &str) -> Result<JsValue, Failure> {
    js_sys::JSON::parse(text).map_err(|_| Failure::new("internal", "", "cannot read the result back"))
}

/// A core result as a plain JavaScript value.
///
/// # Errors
/// As [`to_json`].
pub fn output<T: Serialize>(value: &T) -> Result<JsValue, Failure> {
    from_json(&to_json(value)?)
}
