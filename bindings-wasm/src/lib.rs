//! WebAssembly bindings of Tierwise: conversion and error mapping only; every
//! decision is made in the `tierwise` core crate.
//!
//! The JavaScript API (see `bindings-wasm/README.md` and the TypeScript
//! definitions below):
//!
//! - `new Policy(doc)` compiles a policy (JSON text or an object);
//! - `triage(policy, ticket, now)`, `triageMany(policy, tickets, now)` and
//!   `assessMany(policy, tickets, now)` (numbers only, for long lists);
//! - `preview(policy, ticket, now, roster)`: the triage and the ranked
//!   candidate agents, each with why it qualifies or not;
//! - `new Engine(policy, roster)` with `apply(event)`, `applyAll(events)`,
//!   `snapshot()` and `Engine.restore(policy, snapshot)`;
//! - `simulate(scenario, replications?)` and `policy.simulate(...)`.
//!
//! Every failure throws a JavaScript `Error` named `TierwiseError` whose
//! message names the field path, with `code`, `path` and `problems`
//! properties. A Rust panic (a bug) is turned into the same kind of error,
//! with code `internal`, never a bare `RuntimeError: unreachable`.

mod convert;
mod engine;
mod errors;
mod policy;
mod sim;
mod triage;

use wasm_bindgen::prelude::*;

pub use convert::{MAX_TEXT_BYTES, parse_instant};
pub use engine::{JsEngine, apply_text, restore_text, roster_text};
pub use errors::{Failure, ProblemOut};
pub use policy::{JsPolicy, compile_text};
pub use sim::{MAX_WASM_REPLICATIONS, simulate, simulate_text};
pub use triage::{
    AssessmentOut, assess_many, assess_many_text, preview, preview_text, triage, triage_many, triage_many_text,
    triage_text,
};

/// Runs one exported call: makes sure panics are reported as
/// `TierwiseError`s, and maps a [`Failure`] to one.
pub(crate) fn guard<T>(call: impl FnOnce() -> Result<T, Failure>) -> Result<T, JsValue> {
    panics::within(call).map_err(Failure::into_js)
}

/// The version of this package (and of the core it was built with).
#[wasm_bindgen]
#[must_use]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Panics on purpose: only in test builds (feature `panic-probe`), to check
/// that a panic reaches JavaScript as a `TierwiseError`.
#[cfg(feature = "panic-probe")]
#[wasm_bindgen(js_name = panicProbe)]
pub fn panic_probe(message: &str) -> Result<(), JsValue> {
    guard(|| -> Result<(), Failure> { panic!("{message}") })
}

#[cfg(target_arch = "wasm32")]
mod panics {
    //! On wasm32 a panic aborts: the instance executes `unreachable`, and
    //! JavaScript would see `RuntimeError: unreachable` with no hint of
    //! what went wrong. The hook below runs first. For a panic inside an
    //! exported call it asks wasm-bindgen to start a fresh instance on the
    //! next call (the current one may hold half-updated state), and throws a
    //! `TierwiseError` with code `internal` and the panic message, which
    //! unwinds through the Wasm frames to the caller. Other panics (a test's
    //! failed assertion) go to the hook that was there before.
    use std::sync::Once;
    use std::sync::atomic::{AtomicU32, Ordering};

    use crate::errors::Failure;

    static INSTALL: Once = Once::new();
    /// Exported calls in progress.
    static DEPTH: AtomicU32 = AtomicU32::new(0);

    /// Runs `call` as an exported call.
    pub(crate) fn within<T>(call: impl FnOnce() -> T) -> T {
        install();
        DEPTH.fetch_add(1, Ordering::Relaxed);
        let out = call();
        DEPTH.fetch_sub(1, Ordering::Relaxed);
        out
    }

    fn install() {
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if DEPTH.swap(0, Ordering::Relaxed) == 0 {
                    previous(info);
                    return;
                }
                let what = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                let failure = Failure::new(
                    "internal",
                    "",
                    format!(
                        "internal error in Tierwise{place}: {what}. This is a bug: please report it with the \
                         input. The module has been reset; objects created before this call can no longer be used."
                    ),
                );
                wasm_bindgen::handler::schedule_reinit();
                wasm_bindgen::throw_val(failure.into_js());
            }));
        });
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod panics {
    //! Natively a panic unwinds as usual (the native tests rely on it).
    pub(crate) fn within<T>(call: impl FnOnce() -> T) -> T {
        call()
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("types.d.ts");
