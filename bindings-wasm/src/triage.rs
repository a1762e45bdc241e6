//! `triage(policy, ticket, now)` and `triageMany(policy, tickets, now)`.

use jiff::Timestamp;
use serde::Serialize;
use tierwise::{AgentSpec, Assessment, CompiledPolicy, Metric, Ticket, Triage};
use wasm_bindgen::prelude::*;

use crate::convert::{document_text, from_json, instant, json_items, to_json};
use crate::errors::Failure;
use crate::guard;
use crate::policy::JsPolicy;

/// The numbers of a triage without the words, for lists and sorting.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AssessmentOut {
    /// The ticket's id.
    pub ticket: String,
    /// The priority class.
    pub priority: String,
    /// The urgency score at `now`.
    pub score: f64,
    /// When the first-response clock is (or was) due: running, breached or met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_response_due: Option<Timestamp>,
    /// When the next-reply clock is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_reply_due: Option<Timestamp>,
    /// When the resolution clock is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_due: Option<Timestamp>,
    /// The next instant a warning fires or a deadline passes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_change: Option<Timestamp>,
}

/// [`CompiledPolicy::assess`] of every ticket of a JSON array, as a JSON array
/// of [`AssessmentOut`].
///
/// # Errors
/// The first ticket that fails, with its index in the path (`[3].impact`).
pub fn assess_many_text(policy: &CompiledPolicy, tickets: &str, now: Timestamp) -> Result<String, Failure> {
    let classes = policy.priority_classes();
    let mut out: Vec<AssessmentOut> = Vec::new();
    assess_each(policy, tickets, now, |ticket, a| {
        out.push(AssessmentOut {
            priority: classes.get(a.class).cloned().unwrap_or_default(),
            ticket: ticket.id,
            score: a.score,
            first_response_due: a.due(Metric::FirstResponse),
            next_reply_due: a.due(Metric::NextReply),
            resolution_due: a.due(Metric::Resolution),
            next_change: a.next_change,
        });
    })?;
    to_json(&out)
}

/// Reads each ticket of a JSON array and assesses it at `now`, in order.
fn assess_each(
    policy: &CompiledPolicy,
    tickets: &str,
    now: Timestamp,
    mut each: impl FnMut(Ticket, Assessment),
) -> Result<(), Failure> {
    for (i, item) in json_items(tickets, "tickets")?.into_iter().enumerate() {
        let ticket = Ticket::from_value(item).map_err(|e| Failure::from(e).under(&format!("[{i}]")))?;
        let a = policy.assess(&ticket, now).map_err(|e| Failure::from(e).under(&format!("[{i}]")))?;
        each(ticket, a);
    }
    Ok(())
}

/// The numbers of [`assess_many_text`] as columns, one entry per ticket in
/// the order given: what `assessColumns` hands JavaScript as typed arrays,
/// which cross the boundary without building an object per ticket.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AssessedColumns {
    /// Priority class of each ticket, as an index into the policy's classes.
    pub priority: Vec<u16>,
    /// Urgency score at `now`.
    pub score: Vec<f64>,
    /// Due instants (milliseconds since 1970-01-01 UTC; NaN where the ticket
    /// has no such clock) of first response, next reply and resolution.
    pub due_ms: [Vec<f64>; 3],
    /// The next instant a warning fires or a deadline passes (ms; NaN: none).
    pub next_change_ms: Vec<f64>,
}

/// [`CompiledPolicy::assess`] of every ticket of a JSON array, as columns.
///
/// # Errors
/// The first ticket that fails, with its index in the path (`[3].impact`).
pub fn assess_columns_text(policy: &CompiledPolicy, tickets: &str, now: Timestamp) -> Result<AssessedColumns, Failure> {
    let ms = |t: Option<Timestamp>| t.map_or(f64::NAN, |t| t.as_millisecond() as f64);
    let mut out = AssessedColumns::default();
    assess_each(policy, tickets, now, |_, a| {
        out.priority.push(u16::try_from(a.class).unwrap_or(u16::MAX));
        out.score.push(a.score);
        for (column, due) in out.due_ms.iter_mut().zip(a.due) {
            column.push(ms(due));
        }
        out.next_change_ms.push(ms(a.next_change));
    })?;
    Ok(out)
}

/// Triage of one ticket given as JSON text, as JSON text (what
/// `tierwise triage --json` prints, without the pretty-printing).
///
/// # Errors
/// As [`CompiledPolicy::triage`], plus a malformed ticket.
pub fn triage_text(policy: &CompiledPolicy, ticket: &str, now: Timestamp) -> Result<String, Failure> {
    let ticket = Ticket::from_json_str(ticket)?;
    to_json(&policy.triage(&ticket, now)?)
}

/// Triage of every ticket of a JSON array, as a JSON array.
///
/// # Errors
/// The first ticket that fails, with its index in the path (`[3].impact`).
pub fn triage_many_text(policy: &CompiledPolicy, tickets: &str, now: Timestamp) -> Result<String, Failure> {
    let items = json_items(tickets, "tickets")?;
    let mut out: Vec<Triage> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let one = Ticket::from_value(item)
            .map_err(Failure::from)
            .and_then(|t| policy.triage(&t, now).map_err(Failure::from))
            .map_err(|e| e.under(&format!("[{i}]")))?;
        out.push(one);
    }
    to_json(&out)
}

/// What Tierwise makes of `ticket` at `now` under `policy`: priority and the
/// steps that decided it, urgency score and its terms, SLA deadlines (UTC
/// and in the calendar's zone), breach warnings and the next instant anything
/// changes. `now` is an RFC 3339 instant or a `Date`; the engine never reads
/// the clock. Throws a `TierwiseError` naming the field path of bad input.
#[wasm_bindgen(unchecked_return_type = "Triage")]
pub fn triage(
    policy: &JsPolicy,
    #[wasm_bindgen(unchecked_param_type = "string | Ticket")] ticket: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Date")] now: JsValue,
) -> Result<JsValue, JsValue> {
    guard(|| {
        let now = instant(&now, "now")?;
        let text = document_text(&ticket, "a ticket", "")?;
        from_json(&triage_text(&policy.compiled, &text, now)?)
    })
}

/// Triage of a ticket and its ranked candidate agents from `roster`, as JSON
/// text (what `tierwise triage --roster ... --json` prints).
///
/// # Errors
/// As [`CompiledPolicy::preview`]: ticket problems under `ticket`, roster
/// problems under `agents[i]`.
pub fn preview_text(
    policy: &CompiledPolicy,
    ticket: &str,
    roster: &[AgentSpec],
    now: Timestamp,
) -> Result<String, Failure> {
    let ticket = Ticket::from_json_str(ticket).map_err(|e| Failure::from(e).under("ticket"))?;
    to_json(&policy.preview(&ticket, roster, now)?)
}

/// [`triage`] plus who would receive the ticket: every agent of `roster`
/// (an array of agents, `{agents: [...]}`, or its JSON text), logged in at
/// `now` with nothing on their plate (shifts apply), either ranked in the
/// order the router would offer the ticket (`rank` 1 first) or with the
/// reason they are excluded; with their tier, skills, languages, zone, local
/// time and shift state. Ticket problems have paths under `ticket`, roster
/// problems under `agents[i]`.
#[wasm_bindgen(unchecked_return_type = "Preview")]
pub fn preview(
    policy: &JsPolicy,
    #[wasm_bindgen(unchecked_param_type = "string | Ticket")] ticket: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Date")] now: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Roster")] roster: JsValue,
) -> Result<JsValue, JsValue> {
    guard(|| {
        let now = instant(&now, "now")?;
        let roster = crate::engine::roster_text(&document_text(&roster, "a roster", "agents")?)?;
        let text = document_text(&ticket, "a ticket", "ticket")?;
        from_json(&preview_text(&policy.compiled, &text, &roster, now)?)
    })
}

/// [`triage`] of many tickets at the same instant, in one call: `tickets` is
/// an array (or its JSON text). Throws on the first bad ticket, with its
/// index in the path (`[3].impact`).
#[wasm_bindgen(js_name = triageMany, unchecked_return_type = "Triage[]")]
pub fn triage_many(
    policy: &JsPolicy,
    #[wasm_bindgen(unchecked_param_type = "string | Ticket[]")] tickets: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Date")] now: JsValue,
) -> Result<JsValue, JsValue> {
    guard(|| {
        let now = instant(&now, "now")?;
        let text = document_text(&tickets, "tickets", "")?;
        from_json(&triage_many_text(&policy.compiled, &text, now)?)
    })
}

/// The numbers of [`triage`] without the words (priority, score, due
/// instants, next change) for many tickets at `now`: what a ticket list needs
/// to sort and colour thousands of rows. `tickets` is an array or its JSON
/// text. Throws on the first bad ticket, with its index in the path.
#[wasm_bindgen(js_name = assessMany, unchecked_return_type = "Assessment[]")]
pub fn assess_many(
    policy: &JsPolicy,
    #[wasm_bindgen(unchecked_param_type = "string | Ticket[]")] tickets: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Date")] now: JsValue,
) -> Result<JsValue, JsValue> {
    guard(|| {
        let now = instant(&now, "now")?;
        let text = document_text(&tickets, "tickets", "")?;
        from_json(&assess_many_text(&policy.compiled, &text, now)?)
    })
}

/// [`assessMany`]'s numbers as typed arrays, one entry per ticket in the
/// order given: the fastest way to sort and colour a list of thousands of
/// tickets. Due instants are milliseconds since 1970 (`new Date(ms)`), `NaN`
/// where the ticket has no such clock; `priority[i]` indexes
/// `priority_classes`. Throws on the first bad ticket, with its index in the
/// path.
#[wasm_bindgen(js_name = assessColumns, unchecked_return_type = "AssessmentColumns")]
pub fn assess_columns(
    policy: &JsPolicy,
    #[wasm_bindgen(unchecked_param_type = "string | Ticket[]")] tickets: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string | Date")] now: JsValue,
) -> Result<JsValue, JsValue> {
    guard(|| {
        let now = instant(&now, "now")?;
        let text = document_text(&tickets, "tickets", "")?;
        let columns = assess_columns_text(&policy.compiled, &text, now)?;
        let object = js_sys::Object::new();
        let set = |key: &str, value: &JsValue| crate::errors::set(&object, key, value);
        let classes: js_sys::Array = policy.compiled.priority_classes().iter().map(|c| JsValue::from_str(c)).collect();
        set("count", &JsValue::from(columns.score.len() as u32));
        set("priority_classes", &classes);
        set("priority", &js_sys::Uint16Array::from(&columns.priority[..]));
        set("score", &js_sys::Float64Array::from(&columns.score[..]));
        let [first_response, next_reply, resolution] = &columns.due_ms;
        set("first_response_due_ms", &js_sys::Float64Array::from(&first_response[..]));
        set("next_reply_due_ms", &js_sys::Float64Array::from(&next_reply[..]));
        set("resolution_due_ms", &js_sys::Float64Array::from(&resolution[..]));
        set("next_change_ms", &js_sys::Float64Array::from(&columns.next_change_ms[..]));
        Ok(object.into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::compile_text;

    const POLICY: &str = include_str!("../../examples/policies/global-desk.toml");
    const TICKET: &str = include_str!("../../examples/tickets/vip-outage-alert.json");

    #[test]
    fn triage_as_text() {
        let p = compile_text(POLICY).unwrap();
        let now: Timestamp = "2026-03-06T21:45:00Z".parse().unwrap();
        let out: serde_json::Value = serde_json::from_str(&triage_text(&p, TICKET, now).unwrap()).unwrap();
        assert_eq!(out["priority"], "P1");
        let many = triage_many_text(&p, &format!("[{TICKET}, {TICKET}]"), now).unwrap();
        let many: serde_json::Value = serde_json::from_str(&many).unwrap();
        assert_eq!(many[1], out);
    }

    #[test]
    fn assess_many_matches_triage() {
        let p = compile_text(POLICY).unwrap();
        let now: Timestamp = "2026-03-06T21:45:00Z".parse().unwrap();
        let a: serde_json::Value =
            serde_json::from_str(&assess_many_text(&p, &format!("[{TICKET}]"), now).unwrap()).unwrap();
        let t: serde_json::Value = serde_json::from_str(&triage_text(&p, TICKET, now).unwrap()).unwrap();
        assert_eq!(a[0]["priority"], t["priority"]);
        assert_eq!(a[0]["score"], t["score"]);
        assert_eq!(a[0]["first_response_due"], t["deadlines"][0]["due"]);
        assert_eq!(a[0]["next_change"], t["next_change"]);
    }

    #[test]
    fn preview_ranks_the_roster() {
        let p = compile_text(POLICY).unwrap();
        let roster = crate::engine::roster_text(include_str!("../../examples/routing/agents.json")).unwrap();
        let now: Timestamp = "2026-03-06T21:45:00Z".parse().unwrap();
        let out: serde_json::Value = serde_json::from_str(&preview_text(&p, TICKET, &roster, now).unwrap()).unwrap();
        assert_eq!(out["triage"]["priority"], "P1");
        assert_eq!(out["candidates"].as_array().unwrap().len(), roster.len());
        let err = preview_text(&p, r#"{"created_at": "2026-03-06T21:40:00Z", "channel": "fax"}"#, &roster, now);
        assert_eq!(err.unwrap_err().path(), "ticket.channel");
    }

    #[test]
    fn bad_tickets_name_their_index() {
        let p = compile_text(POLICY).unwrap();
        let now: Timestamp = "2026-03-06T21:45:00Z".parse().unwrap();
        let bad = r#"{"created_at": "2026-03-06T21:40:00Z", "channel": "email", "impact": "hgh"}"#;
        let err = triage_many_text(&p, &format!("[{TICKET}, {bad}]"), now).unwrap_err();
        assert_eq!(err.path(), "[1].impact");
        assert_eq!(err.code(), "unknown_name");
        assert!(triage_many_text(&p, "{}", now).is_err());
        assert_eq!(triage_text(&p, "[", now).unwrap_err().code(), "syntax");
    }
}
