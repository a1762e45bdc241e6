//! `new Engine(policy, roster)`: the routing engine, for replays and what-ifs
//! in the browser. Events in, decisions out, exactly as natively.

use tierwise::{AgentSpec, CompiledPolicy, Decision, Engine, Event, Snapshot, parse_roster};
use wasm_bindgen::prelude::*;

use crate::convert::{document_text, from_json, json_items, output, to_json};
use crate::errors::{Failure, set};
use crate::guard;
use crate::policy::JsPolicy;

/// Reads a roster: `[agent, ...]` or `{"agents": [agent, ...]}` as JSON text.
///
/// # Errors
/// Malformed JSON, or agents with wrong types or unknown fields
/// (`agents[3].tier`).
pub fn roster_text(text: &str) -> Result<Vec<AgentSpec>, Failure> {
    Ok(parse_roster(text)?)
}

/// Applies one event given as JSON text; the decisions as JSON text.
///
/// # Errors
/// A malformed event, or one the engine refuses, with the field path.
pub fn apply_text(engine: &mut Engine, event: &str) -> Result<String, Failure> {
    let mut out = Vec::new();
    engine.apply_owned(Event::from_json_str(event)?, &mut out)?;
    to_json(&out)
}

/// Restores an engine from a snapshot given as JSON text.
///
/// # Errors
/// A snapshot that is not one, with the field path, or does not fit the policy.
pub fn restore_text(policy: CompiledPolicy, snapshot: &str) -> Result<Engine, Failure> {
    Ok(Engine::restore(policy, Snapshot::from_json_str(snapshot)?)?)
}

/// A routing engine: agents and tickets in, offers and alerts out.
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    engine: Engine,
    decisions: Vec<Decision>,
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// An engine for `policy` with the agents of `roster` (all logged out):
    /// an array of agents, `{agents: [...]}`, or its JSON text. Throws a
    /// `TierwiseError` naming every bad agent field (`agents[3].tier`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        policy: &JsPolicy,
        #[wasm_bindgen(unchecked_param_type = "string | Roster")] roster: JsValue,
    ) -> Result<JsEngine, JsValue> {
        guard(|| {
            let roster = roster_text(&document_text(&roster, "a roster", "")?)?;
            Ok(JsEngine { engine: Engine::new(policy.compiled.clone(), roster)?, decisions: Vec::new() })
        })
    }

    /// Switches to `policy` at the instant of the last event, keeping every
    /// ticket, agent and offer; returns the decisions (what the new policy
    /// lets be offered now, and when to call back). Throws a `TierwiseError`
    /// (code `inconsistent`), leaving the engine unchanged, when under the new
    /// policy an agent would hold a ticket it may not serve.
    #[wasm_bindgen(unchecked_return_type = "Decision[]")]
    pub fn reload(&mut self, policy: &JsPolicy) -> Result<JsValue, JsValue> {
        guard(|| {
            self.decisions.clear();
            self.engine.reload(policy.compiled.clone(), &mut self.decisions)?;
            output(&self.decisions)
        })
    }

    /// Applies one event (object or JSON text; events come in time order) and
    /// returns the engine's decisions. A refused event changes nothing itself,
    /// but time passes to its instant: timers due by then fire (an offer
    /// expires, say), and their decisions come with the next call's.
    #[wasm_bindgen(unchecked_return_type = "Decision[]")]
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | EngineEvent")] event: JsValue,
    ) -> Result<JsValue, JsValue> {
        guard(|| from_json(&apply_text(&mut self.engine, &document_text(&event, "an event", "")?)?))
    }

    /// Applies events in order (an array, or its JSON text) and returns every
    /// decision. Stops at the first refused event, naming its index
    /// (`[12].agent`); the events before it stay applied, and the error's
    /// `decisions` holds what they decided, with the decisions of the timers
    /// that fired by the refused event's instant.
    #[wasm_bindgen(js_name = applyAll, unchecked_return_type = "Decision[]")]
    pub fn apply_all(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | EngineEvent[]")] events: JsValue,
    ) -> Result<JsValue, JsValue> {
        let mut decided = None;
        guard(|| {
            let text = document_text(&events, "events", "")?;
            let items = json_items(&text, "events")?;
            self.decisions.clear();
            for (i, item) in items.into_iter().enumerate() {
                let applied = Event::from_value(item)
                    .and_then(|event| self.engine.apply_handing_out(event, &mut self.decisions))
                    .map_err(|e| Failure::from(e).under(&format!("[{i}]")));
                if applied.is_err() {
                    decided = Some(output(&self.decisions)?);
                }
                applied?;
            }
            output(&self.decisions)
        })
        .inspect_err(|error| {
            if let Some(decided) = &decided {
                set(error, "decisions", decided);
            }
        })
    }

    /// Whether offers list every agent passed over and why (slower). Default
    /// off. Anything but `true` or `false` is refused with a `TierwiseError`
    /// at path `explain` (checked in the JavaScript glue).
    #[wasm_bindgen(setter)]
    pub fn set_explain(&mut self, explain: bool) {
        self.engine.set_explain(explain);
    }

    /// Whether offers list every agent passed over and why.
    #[wasm_bindgen(getter)]
    pub fn explain(&self) -> bool {
        self.engine.explains()
    }

    /// The instant of the last event applied (RFC 3339), or `undefined`.
    #[wasm_bindgen(getter)]
    pub fn now(&self) -> Option<String> {
        self.engine.now().map(|t| t.to_string())
    }

    /// Ticket counts by state.
    #[wasm_bindgen(unchecked_return_type = "EngineStats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        guard(|| output(&self.engine.stats()))
    }

    /// The triage of a ticket the engine holds, by id, at the engine's instant.
    #[wasm_bindgen(unchecked_return_type = "Triage")]
    pub fn triage(&self, #[wasm_bindgen(unchecked_param_type = "string")] ticket: JsValue) -> Result<JsValue, JsValue> {
        guard(|| {
            // A `&str` parameter would let the glue copy a non-string (found
            // by the generated tests: `triage(42)` read out of bounds).
            let Some(id) = ticket.as_string() else {
                return Err(Failure::new(
                    "invalid_value",
                    "ticket",
                    format!("a ticket id is a string, found {}", crate::convert::type_name(&ticket)),
                ));
            };
            output(&self.engine.triage(&id)?)
        })
    }

    /// Broken invariants of the engine's structures (empty when all is well).
    pub fn audit(&self) -> Result<Vec<String>, JsValue> {
        guard(|| Ok(self.engine.audit()))
    }

    /// The engine's state as JSON text: keep it (it is plain data), then
    /// `Engine.restore(policy, snapshot)` carries on as if never stopped. It
    /// is text, not an object, because it holds 64-bit integers that
    /// JavaScript numbers would round.
    #[wasm_bindgen(unchecked_return_type = "EngineSnapshot")]
    pub fn snapshot(&self) -> Result<String, JsValue> {
        guard(|| to_json(&self.engine.snapshot()))
    }

    /// An engine that carries on from `snapshot` (the text `snapshot()`
    /// returned) under `policy`.
    pub fn restore(
        policy: &JsPolicy,
        #[wasm_bindgen(unchecked_param_type = "EngineSnapshot")] snapshot: JsValue,
    ) -> Result<JsEngine, JsValue> {
        guard(|| {
            let Some(text) = snapshot.as_string() else {
                return Err(Failure::new(
                    "invalid_value",
                    "",
                    format!(
                        "a snapshot is the text engine.snapshot() returned, found {}",
                        crate::convert::type_name(&snapshot)
                    ),
                ));
            };
            Ok(JsEngine { engine: restore_text(policy.compiled.clone(), &text)?, decisions: Vec::new() })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::compile_text;

    #[test]
    fn apply_snapshot_restore() {
        let policy = compile_text(include_str!("../../examples/policies/global-desk.toml")).unwrap();
        let roster = roster_text(include_str!("../../examples/routing/agents.json")).unwrap();
        let mut engine = Engine::new(policy.clone(), roster).unwrap();
        apply_text(&mut engine, r#"{"at": "2026-03-02T09:00:00Z", "event": "agent_logged_in", "agent": "maria"}"#)
            .unwrap();
        let snap = to_json(&engine.snapshot()).unwrap();
        let mut restored = restore_text(policy.clone(), &snap).unwrap();
        let created = r#"{"at": "2026-03-02T09:01:00Z", "event": "ticket_created",
            "ticket": {"id": "T1", "created_at": "2026-03-02T09:01:00Z", "channel": "chat", "language": "es"}}"#;
        assert_eq!(apply_text(&mut engine, created).unwrap(), apply_text(&mut restored, created).unwrap());
        let err = restore_text(policy, r#"{"format": "x"}"#).err().unwrap();
        assert_eq!(err.code(), "invalid_value");
        let err = apply_text(&mut engine, r#"{"at": "2026-03-02T09:02:00Z", "event": "agent_loged_in"}"#);
        assert!(err.is_err());
    }
}
