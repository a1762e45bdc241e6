//! The exported API as JavaScript sees it, run inside Node by
//! `wasm-bindgen-test-runner`: `cargo test -p tierwise-wasm --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Date, JSON, Object, Reflect};
use tierwise_wasm::{JsEngine, JsPolicy, simulate, triage, triage_many};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const GLOBAL_DESK: &str = include_str!("../../examples/policies/global-desk.toml");
const MADRID: &str = include_str!("../../examples/policies/madrid-office.toml");
const AGENTS: &str = include_str!("../../examples/routing/agents.json");
const VIP_ALERT: &str = include_str!("../../examples/tickets/vip-outage-alert.json");
const MADRID_EMAIL: &str = include_str!("../../examples/tickets/madrid-email-waiting.json");

fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &s(key)).unwrap()
}

fn get_str(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_else(|| panic!("{key} is not a string in {:?}", JSON::stringify(v)))
}

fn parse(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

/// Checks a thrown value is a TierwiseError with `path` and `code`, and
/// that its message names the path.
fn assert_error(err: &JsValue, code: &str, path: &str) {
    let error = err.dyn_ref::<js_sys::Error>().expect("a JS Error");
    assert_eq!(error.name(), "TierwiseError");
    let message = error.message().as_string().unwrap();
    assert_eq!(get_str(err, "code"), code, "{message}");
    assert_eq!(get_str(err, "path"), path, "{message}");
    if !path.is_empty() {
        assert!(message.contains(path), "{message} does not name {path}");
    }
    let problems: Array = get(err, "problems").dyn_into().unwrap();
    assert!(problems.length() >= 1);
    assert_eq!(get_str(&problems.get(0), "path"), path);
}

fn global_desk() -> JsPolicy {
    JsPolicy::new(s(GLOBAL_DESK)).unwrap()
}

#[wasm_bindgen_test]
fn policy_from_toml_json_text_and_object() {
    let p = global_desk();
    assert_eq!(p.priority_classes(), ["P1", "P2", "P3", "P4", "P5"]);
    assert_eq!(p.customer_tiers(), ["standard", "premium", "vip"]);
    let doc = p.to_json().unwrap();
    assert_eq!(get(&doc, "version").as_f64(), Some(1.0));
    // The document round-trips as an object and as JSON text.
    let again = JsPolicy::new(doc.clone()).unwrap();
    assert_eq!(again.categories(), p.categories());
    let text = JSON::stringify(&doc).unwrap();
    assert!(JsPolicy::new(text.into()).is_ok());
    let warnings: Array = p.warnings().unwrap().dyn_into().unwrap();
    assert_eq!(warnings.length(), 0);
}

#[wasm_bindgen_test]
fn policy_errors_name_the_field_path() {
    let err = JsPolicy::new(parse(r#"{"version": 1, "sla": {"policies": [{"resolution": "soon"}]}}"#)).err().unwrap();
    assert_error(&err, "invalid_value", "sla.policies[0].resolution");
    let err = JsPolicy::new(s(
        "version = 1\n[calendars.x]\ntimezone = \"Mars/Olympus\"\nhours = { weekdays = \"09:00-17:00\" }",
    ))
    .err()
    .unwrap();
    assert_error(&err, "unknown_name", "calendars.x.timezone");
    let err = JsPolicy::new(s("{\"version\": 1,")).err().unwrap();
    assert_eq!(get_str(&err, "code"), "syntax");
    let err = JsPolicy::new(parse(r#"{"version": 1, "bogus": true, "tiers": "L1"}"#)).err().unwrap();
    let problems: Array = get(&err, "problems").dyn_into().unwrap();
    assert_eq!(problems.length(), 2, "every problem is reported");
}

#[wasm_bindgen_test]
fn wrong_javascript_types_are_errors_not_traps() {
    for bad in [JsValue::UNDEFINED, JsValue::NULL, JsValue::from_f64(3.0), JsValue::TRUE] {
        let err = JsPolicy::new(bad).err().unwrap();
        assert_error(&err, "invalid_value", "");
    }
    // A cycle: JSON.stringify throws; we report it.
    let cyclic = Object::new();
    Reflect::set(&cyclic, &s("self"), &cyclic).unwrap();
    assert_error(&JsPolicy::new(cyclic.into()).err().unwrap(), "invalid_value", "");
    // A BigInt inside an object.
    let big = Object::new();
    Reflect::set(&big, &s("version"), &js_sys::BigInt::from(1u64).into()).unwrap();
    assert_error(&JsPolicy::new(big.into()).err().unwrap(), "invalid_value", "");
    let p = global_desk();
    for now in [JsValue::UNDEFINED, s("yesterday"), s("2026-03-06T21:45:00"), JsValue::from_f64(f64::NAN)] {
        assert_error(&triage(&p, s(VIP_ALERT), now).err().unwrap(), "invalid_value", "now");
    }
    let invalid_date = Date::new(&JsValue::from_f64(f64::NAN));
    assert_error(&triage(&p, s(VIP_ALERT), invalid_date.into()).err().unwrap(), "invalid_value", "now");
}

#[wasm_bindgen_test]
fn triage_matches_the_documented_example() {
    let p = global_desk();
    let t = triage(&p, s(VIP_ALERT), s("2026-03-06T21:45:00Z")).unwrap();
    assert_eq!(get_str(&t, "priority"), "P1");
    assert_eq!(get_str(&t, "ticket"), "INC-20417");
    let deadlines: Array = get(&t, "deadlines").dyn_into().unwrap();
    let first = deadlines.get(0);
    assert_eq!(get_str(&first, "metric"), "first_response");
    assert_eq!(get_str(&first, "due"), "2026-03-06T21:55:00Z");
    // A Date works as `now` too, with the same answer.
    let date = Date::new(&s("2026-03-06T21:45:00Z"));
    let again = triage(&p, s(VIP_ALERT), date.into()).unwrap();
    assert_eq!(JSON::stringify(&again).unwrap(), JSON::stringify(&t).unwrap());
    // So does the ticket as an object.
    let again = triage(&p, parse(VIP_ALERT), s("2026-03-06T21:45:00Z")).unwrap();
    assert_eq!(JSON::stringify(&again).unwrap(), JSON::stringify(&t).unwrap());
}

#[wasm_bindgen_test]
fn triage_in_business_hours_across_a_zone() {
    let p = JsPolicy::new(s(MADRID)).unwrap();
    let t = triage(&p, s(MADRID_EMAIL), s("2026-03-30T07:15:00Z")).unwrap();
    let deadlines: Array = get(&t, "deadlines").dyn_into().unwrap();
    assert!(deadlines.length() >= 2);
    let local = get_str(&deadlines.get(deadlines.length() - 1), "due_local");
    assert!(local.ends_with("[Europe/Madrid]"), "{local}");
}

#[wasm_bindgen_test]
fn bad_tickets_name_the_field() {
    let p = global_desk();
    let now = s("2026-03-06T21:45:00Z");
    let ticket = parse(VIP_ALERT);
    Reflect::set(&ticket, &s("customer_tier"), &s("vipp")).unwrap();
    let err = triage(&p, ticket.clone(), now.clone()).err().unwrap();
    assert_error(&err, "unknown_name", "customer_tier");
    assert!(get_str(&get(&err, "problems").dyn_into::<Array>().unwrap().get(0), "hint").contains("vip"));
    Reflect::set(&ticket, &s("customer_tier"), &s("vip")).unwrap();
    Reflect::set(&ticket, &s("channel"), &JsValue::from_f64(7.0)).unwrap();
    assert_error(&triage(&p, ticket.clone(), now.clone()).err().unwrap(), "invalid_value", "channel");
    Reflect::set(&ticket, &s("channel"), &s("alert")).unwrap();
    Reflect::set(&ticket, &s("skills"), &parse(r#"{"network": 300}"#)).unwrap();
    assert_error(&triage(&p, ticket.clone(), now.clone()).err().unwrap(), "invalid_value", "skills.network");
    Reflect::set(&ticket, &s("skills"), &parse("{}")).unwrap();
    Reflect::set(&ticket, &s("colour"), &s("red")).unwrap();
    assert_error(&triage(&p, ticket, now.clone()).err().unwrap(), "unknown_field", "colour");
    // Triage before creation is inconsistent, not a crash.
    let err = triage(&p, s(VIP_ALERT), s("2020-01-01T00:00:00Z")).err().unwrap();
    assert_error(&err, "inconsistent", "created_at");
    // Far-off instants are range errors, not panics.
    let far = triage(&p, s(VIP_ALERT), s("9999-12-31T23:59:59Z"));
    assert_error(&far.err().unwrap(), "invalid_value", "now");
}

#[wasm_bindgen_test]
fn triage_many_names_the_index() {
    let p = global_desk();
    let list = Array::new();
    for _ in 0..3 {
        list.push(&parse(VIP_ALERT));
    }
    let out: Array = triage_many(&p, list.clone().into(), s("2026-03-06T21:45:00Z")).unwrap().dyn_into().unwrap();
    assert_eq!(out.length(), 3);
    Reflect::set(&list.get(2), &s("impact"), &s("huge")).unwrap();
    let err = triage_many(&p, list.into(), s("2026-03-06T21:45:00Z")).err().unwrap();
    assert_error(&err, "unknown_name", "[2].impact");
}

#[wasm_bindgen_test]
fn hostile_documents_are_refused() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(get_str(&JsPolicy::new(s(&deep)).err().unwrap(), "code"), "too_large");
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    let p = global_desk();
    assert!(triage(&p, s(&deep_obj), s("2026-03-06T21:45:00Z")).is_err());
    let big = format!("{{\"id\": \"{}\"}}", "x".repeat(2 << 20));
    assert_eq!(get_str(&triage(&p, s(&big), s("2026-03-06T21:45:00Z")).err().unwrap(), "code"), "too_large");
    for text in ["", "null", "[]", "\"x\"", "{\"version\": 1e400}", "{\"version\": -1}", "\u{0}"] {
        let err = JsPolicy::new(s(text)).err().unwrap();
        assert_eq!(err.dyn_ref::<js_sys::Error>().unwrap().name(), "TierwiseError", "{text:?}");
    }
}

fn event(at: &str, rest: &str) -> JsValue {
    parse(&format!(r#"{{"at": "{at}", {rest}}}"#))
}

#[wasm_bindgen_test]
fn engine_routes_and_survives_snapshot_restore() {
    let p = global_desk();
    let mut engine = JsEngine::new(&p, s(AGENTS)).unwrap();
    engine.apply(event("2026-03-02T08:00:00Z", r#""event": "agent_logged_in", "agent": "maria""#)).unwrap();
    let snapshot = engine.snapshot().unwrap();
    let created = event(
        "2026-03-02T09:00:00Z",
        r#""event": "ticket_created", "ticket": {"id": "T1", "created_at": "2026-03-02T09:00:00Z",
            "channel": "chat", "language": "es", "skills": {"software": 2}}"#,
    );
    let decisions: Array = engine.apply(created.clone()).unwrap().dyn_into().unwrap();
    let offer = decisions.get(0);
    assert_eq!(get_str(&offer, "decision"), "offer");
    assert_eq!(get_str(&offer, "agent"), "maria");
    // A restored engine decides the same.
    let mut restored = JsEngine::restore(&p, JsValue::from_str(&snapshot)).unwrap();
    let again = restored.apply(created).unwrap();
    assert_eq!(JSON::stringify(&again).unwrap(), JSON::stringify(&decisions).unwrap());
    assert!(engine.audit().unwrap().is_empty());
    assert_eq!(engine.now().as_deref(), Some("2026-03-02T09:00:00Z"));
    // Bad events are errors with paths, and change nothing.
    // The core reads an event's fields through a tagged enum, which loses
    // the path of a wrong type: the message still says what is wrong.
    let err = engine.apply(event("2026-03-02T09:01:00Z", r#""event": "agent_logged_in", "agent": 5"#)).err().unwrap();
    assert_eq!(get_str(&err, "code"), "invalid_value");
    let err =
        engine.apply(event("2026-03-02T09:01:00Z", r#""event": "agent_loged_in", "agent": "maria""#)).err().unwrap();
    assert_eq!(err.dyn_ref::<js_sys::Error>().unwrap().name(), "TierwiseError");
    let err = engine.apply(event("2026-03-02T08:00:00Z", r#""event": "tick""#)).err().unwrap();
    assert_eq!(get_str(&err, "code"), "inconsistent");
    let err = engine.apply(s("{\"event\": \"tick\"}")).err().unwrap();
    assert_error(&err, "missing_field", "at");
    let bad_roster =
        parse(r#"[{"id": "a", "tier": "L1", "skills": {"x": "high"}}, {"id": "b", "tier": "L1", "skils": {}}]"#);
    let err = JsEngine::new(&p, bad_roster).err().unwrap();
    let problems: Array = get(&err, "problems").dyn_into().unwrap();
    assert_eq!(problems.length(), 2, "every agent's problems");
    assert_eq!(get_str(&problems.get(0), "path"), "agents[0].skills.x");
    let err = JsEngine::new(&p, parse(r#"[{"id": "a", "tier": "L9"}]"#)).err().unwrap();
    assert_error(&err, "unknown_name", "agents[0].tier");
    assert_error(&JsEngine::restore(&p, parse(r#"{"format": 1}"#)).err().unwrap(), "invalid_value", "");
    let err = JsEngine::restore(&p, s(r#"{"format": 1}"#)).err().unwrap();
    assert_error(&err, "missing_field", "roster");
}

#[wasm_bindgen_test]
fn engine_apply_all_names_the_index() {
    let p = global_desk();
    let mut engine = JsEngine::new(&p, s(AGENTS)).unwrap();
    let events = Array::new();
    events.push(&event("2026-03-02T08:00:00Z", r#""event": "agent_logged_in", "agent": "maria""#));
    events.push(&event("2026-03-02T08:01:00Z", r#""event": "agent_logged_in", "agent": "nobody""#));
    let err = engine.apply_all(events.into()).err().unwrap();
    assert_eq!(get_str(&err, "path").split('.').next(), Some("[1]"));
    assert_eq!(get(&engine.stats().unwrap(), "agents_logged_in").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
fn small_simulation_is_reproducible() {
    let scenario = r#"
        [run]
        start = "2026-03-02T00:00:00Z"
        arrivals = 300
        seed = 11
        [[streams]]
        name = "calls"
        channel = "phone"
        per_hour = 60
        handle = { dist = "exponential", mean = "5m" }
        [[teams]]
        name = "desk"
        agents = 8
        tier = "L1"
        timezone = "UTC"
        shifts = "24/7"
    "#;
    let a = simulate(s(scenario), Some(2)).unwrap();
    let b = simulate(s(scenario), Some(2)).unwrap();
    assert_eq!(JSON::stringify(&a).unwrap(), JSON::stringify(&b).unwrap());
    assert_eq!(get(&get(&a, "overall"), "arrived").as_f64(), Some(300.0));
    let err = simulate(s(scenario), Some(1000)).err().unwrap();
    assert_error(&err, "invalid_value", "replications");
    let err = simulate(s("[run]\nstart = \"never\""), None).err().unwrap();
    assert_eq!(err.dyn_ref::<js_sys::Error>().unwrap().name(), "TierwiseError");
}
