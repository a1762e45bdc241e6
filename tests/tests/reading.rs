//! Reading documents. Events and tickets: the fast paths (the quick reader of
//! event lines, then serde straight from the text into the types) must give
//! exactly what the checked path (a JSON value first, then the types, with
//! field paths) gives, and leave every refusal to it. Every reader's errors name the field, inside nested tables too, and
//! tagged records (decisions) read back as written.

use proptest::prelude::*;
use serde_json::Value;
use tierwise::{Event, Ticket};

/// One valid document of every event kind, and tickets using every field.
const EVENTS: &[&str] = &[
    r#"{"at": "2026-03-06T08:05:00Z", "event": "ticket_created", "tier": "L2", "preferred_agent": "maria", "ticket": {"id": "INC-1", "created_at": "2026-03-06T08:04:59.250+01:00", "channel": "chat", "impact": "medium", "urgency": "high", "category": "access", "language": "es", "customer_tier": "gold", "skills": {"access": 2, "network": 3}, "confidential": true}}"#,
    r#"{"at": "2026-03-06T08:05:00Z", "event": "ticket_created", "ticket": {"id": "INC-2", "created_at": "2026-03-06T07:00:00Z", "channel": "email", "priority": "P1", "history": [{"event": "waiting_on_customer", "at": "2026-03-06T07:10:00Z"}, {"event": "customer_replied", "at": "2026-03-06T07:20:00Z"}]}}"#,
    r#"{"at": "2026-03-06T08:06:00Z", "event": "ticket_updated", "ticket": "INC-1", "changes": {"impact": "high", "urgency": "low", "priority": "P2", "category": "billing", "customer_tier": "silver", "language": "en", "skills": {"billing": 1}, "confidential": false}}"#,
    r#"{"at": "2026-03-06T08:06:00Z", "event": "ticket_updated", "ticket": "INC-1", "changes": {}}"#,
    r#"{"at": "2026-03-06T08:07:00Z", "event": "ticket_resolved", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:07:00Z", "event": "ticket_closed", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:07:00Z", "event": "ticket_reopened", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:07:00Z", "event": "waiting_on_customer", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:07:00Z", "event": "customer_replied", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:07:00Z", "event": "agent_replied", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:00:00Z", "event": "agent_logged_in", "agent": "maria"}"#,
    r#"{"at": "2026-03-06T08:00:00Z", "event": "agent_logged_out", "agent": "maria"}"#,
    r#"{"at": "2026-03-06T08:00:00Z", "event": "agent_state_changed", "agent": "maria", "state": "away"}"#,
    r#"{"at": "2026-03-06T08:00:00Z", "event": "agent_finished", "agent": "maria", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:00:00Z", "event": "offer_accepted", "agent": "maria", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:00:00Z", "event": "offer_rejected", "agent": "maria", "ticket": "INC-1"}"#,
    r#"{"at": "2026-03-06T08:00:00Z", "event": "escalate_requested", "ticket": "INC-1", "to_tier": "L3"}"#,
    r#"{"at": "2026-03-06T08:00:00-05:00", "event": "tick"}"#,
];

/// Values a mutation puts in place of another: every JSON type, numbers in
/// several spellings, instants with offsets, names the policy knows.
const REPLACEMENTS: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1",
    "3",
    "3.0",
    "3e0",
    "256",
    "1.5",
    r#""""#,
    r#""x""#,
    r#""chat""#,
    r#""high""#,
    r#""L1""#,
    r#""away""#,
    r#""tick""#,
    r#""ticket_closed""#,
    r#""2026-03-06T08:00:00Z""#,
    r#""2026-03-06T08:00:00.5+05:45""#,
    r#""2026-03-06 08:00""#,
    "[]",
    "{}",
    r#"["es"]"#,
    r#"{"a": 1}"#,
    r#"{"x": {"y": [1, {"z": null}]}}"#,
];

/// A document, changed: keys removed, renamed or added, values replaced,
/// key order reversed, a key written twice.
#[derive(Clone, Debug)]
struct Mutation {
    doc: usize,
    edits: Vec<(u8, usize, usize)>,
    reverse: bool,
    duplicate: Option<usize>,
}

fn mutation(docs: usize) -> impl Strategy<Value = Mutation> {
    (
        0..docs,
        proptest::collection::vec((0u8..4, any::<usize>(), any::<usize>()), 0..3),
        any::<bool>(),
        proptest::option::weighted(0.2, any::<usize>()),
    )
        .prop_map(|(doc, edits, reverse, duplicate)| Mutation { doc, edits, reverse, duplicate })
}

/// How many objects `v` holds, itself included.
fn count_objects(v: &Value) -> usize {
    match v {
        Value::Object(map) => 1 + map.values().map(count_objects).sum::<usize>(),
        Value::Array(items) => items.iter().map(count_objects).sum(),
        _ => 0,
    }
}

fn edit(v: &mut Value, (kind, at, pick): (u8, usize, usize)) {
    // The paths of all objects first, then a walk to the chosen one.
    let mut paths: Vec<Vec<String>> = Vec::new();
    let mut stack: Vec<(Vec<String>, &Value)> = vec![(Vec::new(), v)];
    while let Some((path, node)) = stack.pop() {
        if let Value::Object(map) = node {
            for (k, child) in map {
                let mut p = path.clone();
                p.push(k.clone());
                stack.push((p, child));
            }
            paths.push(path);
        }
    }
    let path = &paths[at % paths.len()];
    let mut node = &mut *v;
    for key in path {
        node = &mut node[key.as_str()];
    }
    let Value::Object(map) = node else { return };
    let keys: Vec<String> = map.keys().cloned().collect();
    let replacement: Value = serde_json::from_str(REPLACEMENTS[pick % REPLACEMENTS.len()]).unwrap();
    match kind {
        0 if !keys.is_empty() => {
            map.remove(&keys[pick % keys.len()]);
        }
        1 if !keys.is_empty() => {
            let key = &keys[pick % keys.len()];
            let value = map.remove(key).unwrap_or(Value::Null);
            map.insert(format!("{key}s"), value);
        }
        2 if !keys.is_empty() => {
            map.insert(keys[pick % keys.len()].clone(), replacement);
        }
        _ => {
            map.insert(["at", "event", "ticket", "agent", "extra"][pick % 5].to_owned(), replacement);
        }
    }
}

/// JSON text of `v`, keys in reverse order if asked, and the first key of
/// the `duplicate`-th object written twice (first with its value, then with
/// `null`, so the two readings of a duplicate differ).
fn write(v: &Value, reverse: bool, duplicate: Option<usize>, seen: &mut usize, out: &mut String) {
    match v {
        Value::Object(map) => {
            let here = *seen;
            *seen += 1;
            out.push('{');
            let mut entries: Vec<_> = map.iter().collect();
            if reverse {
                entries.reverse();
            }
            let mut first = true;
            if duplicate == Some(here)
                && let Some((k, value)) = entries.first()
            {
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push(':');
                write(value, reverse, None, &mut 0, out);
                first = false;
            }
            for (k, value) in entries {
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push(':');
                write(value, reverse, duplicate, seen, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, reverse, duplicate, seen, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn mutated(docs: &[&str], m: &Mutation) -> String {
    let mut v: Value = serde_json::from_str(docs[m.doc]).unwrap();
    for &e in &m.edits {
        edit(&mut v, e);
    }
    let mut text = String::new();
    let objects = count_objects(&v).max(1);
    write(&v, m.reverse, m.duplicate.map(|d| d % objects), &mut 0, &mut text);
    text
}

/// The checked path alone: a JSON value, then the types with field paths.
fn event_checked(text: &str) -> Result<Event, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Event::from_value(value).map_err(|e| e.to_string())
}

fn ticket_checked(text: &str) -> Result<Ticket, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    serde_json::from_value(value).map_err(|e| e.to_string())
}

fn tickets() -> Vec<String> {
    EVENTS
        .iter()
        .filter_map(|e| serde_json::from_str::<Value>(e).ok()?.get("ticket").filter(|t| t.is_object()).cloned())
        .map(|t| t.to_string())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Whatever `Event::from_json_str` accepts, the checked path accepts as
    /// the same event; whatever it refuses, the checked path refuses.
    #[test]
    fn events_read_fast_as_the_checked_path_reads_them(m in mutation(EVENTS.len())) {
        let text = mutated(EVENTS, &m);
        match (Event::from_json_str(&text), event_checked(&text)) {
            (Ok(fast), Ok(checked)) => prop_assert_eq!(fast, checked, "{}", text),
            (Err(_), Err(_)) => {}
            (fast, checked) => prop_assert!(false, "{text}\nfrom_json_str: {fast:?}\nchecked: {checked:?}"),
        }
    }

    /// The same for tickets.
    #[test]
    fn tickets_read_fast_as_the_checked_path_reads_them(m in mutation(2)) {
        let docs = tickets();
        let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
        let text = mutated(&docs, &m);
        match (Ticket::from_json_str(&text), ticket_checked(&text)) {
            (Ok(fast), Ok(checked)) => prop_assert_eq!(fast, checked, "{}", text),
            (Err(_), Err(_)) => {}
            (fast, checked) => prop_assert!(false, "{text}\nfrom_json_str: {fast:?}\nchecked: {checked:?}"),
        }
    }
}

#[test]
fn every_example_event_reads_and_round_trips() {
    for text in EVENTS {
        let event = Event::from_json_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(Ok(event.clone()), event_checked(text));
        let again = serde_json::to_string(&event).unwrap();
        assert_eq!(Event::from_json_str(&again).unwrap(), event);
    }
}

#[test]
fn duplicate_keys_read_as_the_checked_path_reads_them() {
    // The checked path keeps the last of two equal keys; the fast path fails
    // on them and leaves the document to the checked path.
    for text in [
        r#"{"at": "2026-03-06T08:00:00Z", "at": "2026-03-06T09:00:00Z", "event": "tick"}"#,
        r#"{"at": "2026-03-06T08:00:00Z", "event": "ticket_closed", "event": "ticket_resolved", "ticket": "a"}"#,
        r#"{"at": "2026-03-06T08:00:00Z", "event": "agent_logged_in", "agent": "a", "agent": "b"}"#,
        r#"{"at": "2026-03-06T08:00:00Z", "event": "ticket_updated", "ticket": "a", "changes": {"skills": {"x": 1, "x": 2}}}"#,
    ] {
        assert_eq!(Event::from_json_str(text).map_err(|e| e.to_string()), event_checked(text), "{text}");
    }
    let event = Event::from_json_str(
        r#"{"at": "2026-03-06T08:00:00Z", "event": "agent_logged_in", "agent": "a", "agent": "b"}"#,
    )
    .unwrap();
    assert_eq!(event.kind, tierwise::EventKind::AgentLoggedIn { agent: "b".into() });
}

#[test]
fn refusals_name_the_field_whichever_path_read_first() {
    let err = Event::from_json_str(
        r#"{"at": "2026-03-06T08:00:00Z", "event": "ticket_created", "ticket": {"id": "a", "created_at": "2026-03-06T08:00:00Z", "channel": "chat", "skills": {"net": 300}}}"#,
    )
    .unwrap_err();
    assert_eq!(err.problems()[0].path(), "ticket.skills.net", "{err}");
    // Deep nesting is refused by the limit, not by serde_json's recursion limit.
    let deep =
        format!(r#"{{"at": "2026-03-06T08:00:00Z", "event": "tick", "x": {}1{}}}"#, "[".repeat(100), "]".repeat(100));
    assert!(Event::from_json_str(&deep).unwrap_err().to_string().contains("nests deeper"), "{deep}");
}

/// The one problem `result` reports: its path, code and message.
fn only_problem<T: std::fmt::Debug>(result: Result<T, tierwise::Error>) -> (String, &'static str, String) {
    let err = result.unwrap_err();
    assert_eq!(err.problems().len(), 1, "{err}");
    let p = &err.problems()[0];
    (p.path().to_owned(), p.code(), p.message().to_owned())
}

#[test]
fn fields_written_as_text_or_a_table_name_the_wrong_field_inside() {
    let roster = |agent: &str| tierwise::parse_roster(&format!(r#"{{"agents": [{agent}]}}"#));
    // An agent's own shift: the field inside it, not "did not match any variant".
    let (path, code, _) = only_problem(roster(
        r#"{"id": "ana", "tier": "L1", "shift": {"timezone": "UTC", "hours": {"mon": "09:00-17:00"}, "holidays": [{"date": "2026-12-25", "nmae": "x"}]}}"#,
    ));
    assert_eq!((path.as_str(), code), ("agents[0].shift.holidays[0].nmae", "unknown_field"));
    let (path, _, message) = only_problem(roster(
        r#"{"id": "ana", "tier": "L1", "shift": {"timezone": "UTC", "hours": {"mon": ["09:00-12:00", 4]}}}"#,
    ));
    assert_eq!(path, "agents[0].shift.hours.mon[1]");
    assert!(message.contains("expected a string"), "{message}");
    let (path, _, message) = only_problem(roster(r#"{"id": "ana", "tier": "L1", "shift": 3}"#));
    assert_eq!(path, "agents[0].shift");
    assert!(message.contains("expected a policy calendar's name, or a table"), "{message}");
    let (path, _, _) = only_problem(tierwise::parse_roster(r#"{"agents": 3}"#));
    assert_eq!(path, "agents");

    // The same in a policy's calendars, and a duration of the wrong type.
    let policy = |text: &str| tierwise::Policy::from_toml_str(&format!("version = 1\n{text}"));
    let (path, code, _) = only_problem(policy(
        "[calendars.office]\ntimezone = \"UTC\"\nhours = { mon = \"09:00-17:00\" }\nholidays = [\"2026-12-24\", { dat = \"2026-12-25\" }]",
    ));
    assert_eq!((path.as_str(), code), ("calendars.office.holidays[1].dat", "unknown_field"));
    let (path, _, message) = only_problem(policy("[routing]\noffer_timeout = true"));
    assert_eq!(path, "routing.offer_timeout");
    assert!(message.contains("expected a duration such as"), "{message}");
    let (path, _, message) = only_problem(policy("[routing]\noffer_timeout = \"3 parsecs\""));
    assert_eq!(path, "routing.offer_timeout");
    assert!(message.contains("3 parsecs"), "{message}");

    // A scenario team's weekly hours.
    let scenario = tierwise::sim::Scenario::from_toml_str(
        "[run]\nstart = \"2026-03-02T00:00:00Z\"\narrivals = 10\n[[streams]]\nname = \"calls\"\nchannel = \"phone\"\nper_hour = 60\nhandle = { dist = \"exponential\", mean = \"6m\" }\n[[teams]]\nname = \"desk\"\nagents = 2\ntier = \"L1\"\ntimezone = \"UTC\"\nshifts = { mon = [\"09:00-17:00\", false] }",
    );
    let (path, _, message) = only_problem(scenario);
    assert_eq!(path, "teams[0].shifts.mon[1]");
    assert!(message.contains("expected a string"), "{message}");

    // A distribution's fields are checked against its kind, named in lower case.
    let policy = tierwise::Policy::from_toml_str("version = 1").unwrap().compile().unwrap();
    let with_handle = |handle: &str| {
        tierwise::sim::Scenario::from_toml_str(&format!(
            "[run]\nstart = \"2026-03-02T00:00:00Z\"\narrivals = 10\n[[streams]]\nname = \"calls\"\nchannel = \"phone\"\nper_hour = 60\nhandle = {handle}\n[[teams]]\nname = \"desk\"\nagents = 2\ntier = \"L1\"\ntimezone = \"UTC\"\nshifts = \"24/7\""
        ))
        .unwrap()
        .check(&policy)
    };
    let (path, code, message) = only_problem(with_handle("{ dist = \"exponential\" }"));
    assert_eq!(
        (path.as_str(), code, message.as_str()),
        ("streams[0].handle.mean", "missing_field", "an exponential distribution needs `mean`")
    );
    let (path, _, message) = only_problem(with_handle("{ dist = \"exponential\", mean = \"6m\", cv = 0.5 }"));
    assert_eq!(
        (path.as_str(), message.as_str()),
        ("streams[0].handle.cv", "`cv` does not apply to an exponential distribution")
    );
}

#[test]
fn event_errors_name_the_field() {
    let at = r#""at": "2026-03-06T08:00:00Z""#;
    for (fields, path, code, says) in [
        (r#""event": "agent_logged_in", "agent": 3"#, "agent", "invalid_value", "expected a string"),
        (r#""event": "agent_state_changed", "agent": "a", "state": "busy""#, "state", "invalid_value", "`busy`"),
        (r#""event": "ticket_closed", "ticket": {"id": "x"}"#, "ticket", "invalid_value", "expected a string"),
        // In either order (the checked path reads the kind first).
        (r#""ticket": {"id": "x"}, "event": "ticket_closed""#, "ticket", "invalid_value", "expected a string"),
        (r#""event": "ticket_created", "ticket": "x""#, "ticket", "invalid_value", "expected struct Ticket"),
        (
            r#""event": "ticket_created", "tier": 2, "ticket": {"id": "x", "created_at": "2026-03-06T08:00:00Z", "channel": "chat"}"#,
            "tier",
            "invalid_value",
            "expected a string",
        ),
        (r#""event": 3"#, "event", "invalid_value", "expected an event name"),
        (r#""event": "agent_loged_in", "agent": "a""#, "event", "invalid_value", "unknown variant `agent_loged_in`"),
        (r#""event": "agent_logged_in", "agent": "a", "ticket": "t""#, "ticket", "unknown_field", "unknown field"),
        (r#""event": "agent_logged_in""#, "agent", "missing_field", "missing field"),
        (r#""event": "ticket_updated", "ticket": "x""#, "changes", "missing_field", "missing field"),
        (r#""agent": "a""#, "event", "missing_field", "missing field"),
    ] {
        let text = format!("{{{at}, {fields}}}");
        let (p, c, message) = only_problem(Event::from_json_str(&text));
        assert_eq!((p.as_str(), c), (path, code), "{text}: {message}");
        assert!(message.contains(says), "{text}: {message}");
    }
    // The path inside a nested ticket, and a typo's hint.
    let text = format!(
        r#"{{{at}, "event": "ticket_created", "ticket": {{"id": "x", "created_at": "2026-03-06T08:00:00Z", "channel": "chat", "skills": {{"network": "high"}}}}}}"#
    );
    assert_eq!(only_problem(Event::from_json_str(&text)).0, "ticket.skills.network");
    let err = Event::from_json_str(&format!(r#"{{{at}, "event": "agent_logged_in", "agnet": "a"}}"#)).unwrap_err();
    assert_eq!(err.problems()[0].path(), "agnet");
    assert_eq!(err.problems()[0].hint(), Some("did you mean \"agent\"?"), "{err}");
    // Not an object at all.
    let (p, _, message) = only_problem(Event::from_json_str("[1]"));
    assert_eq!(p, "");
    assert!(message.contains("expected an event"), "{message}");
}

#[test]
fn decisions_read_back_as_written_and_refuse_other_kinds_fields() {
    use tierwise::{Decision, Metric, OfferExplanation, PassedOver, SkillMatch};
    let at: tierwise::jiff::Timestamp = "2026-03-06T08:00:00Z".parse().unwrap();
    let why = OfferExplanation {
        priority: "P2".into(),
        score: 41.5,
        due: Some(at),
        waited_s: 12.0,
        tier: "L1".into(),
        strategy: vec!["longest_idle".into()].into(),
        skills: vec![SkillMatch { skill: "network".into(), required: 2, level: 3 }],
        load: (1, 3),
        idle_s: 60.0,
        preferred: true,
        relaxation: vec!["drop language".to_owned()],
        passed_over: vec![PassedOver { agent: "bob".to_owned(), reason: "busy".to_owned() }],
    };
    let (t, a) = (|| "T1".to_owned(), || "ana".to_owned());
    let decisions = [
        Decision::Offer { at, ticket: t(), agent: a(), expires_at: at, why: Box::new(why) },
        Decision::OfferExpired { at, ticket: t(), agent: a() },
        Decision::OfferWithdrawn { at, ticket: t(), agent: a(), reason: "logged out".to_owned() },
        Decision::Requeued { at, ticket: t(), reason: "rejected".to_owned() },
        Decision::Escalated {
            at,
            ticket: t(),
            from_tier: "L1".to_owned(),
            to_tier: "L2".to_owned(),
            reason: "requested".to_owned(),
        },
        Decision::Relaxed { at, ticket: t(), step: 1, detail: "level 2".to_owned() },
        Decision::SlaAlert { at, ticket: t(), metric: Metric::FirstResponse, fraction: 0.75 },
        Decision::WakeAt { at },
    ];
    for decision in decisions {
        let text = serde_json::to_string(&decision).unwrap();
        assert_eq!(serde_json::from_str::<Decision>(&text).unwrap(), decision, "{text}");
    }
    for (text, says) in [
        (r#"{"decision": "wake_at", "at": "2026-03-06T08:00:00Z", "ticket": "T1"}"#, "unknown field `ticket`"),
        (r#"{"decision": "offer_expired", "at": "2026-03-06T08:00:00Z", "ticket": "T1"}"#, "missing field `agent`"),
        (
            r#"{"decision": "requeued", "at": "2026-03-06T08:00:00Z", "ticket": "T1", "reason": "x", "x": 1}"#,
            "unknown field `x`",
        ),
        (r#"{"decision": "wake_up", "at": "2026-03-06T08:00:00Z"}"#, "unknown variant `wake_up`"),
    ] {
        let err = serde_json::from_str::<Decision>(text).unwrap_err().to_string();
        assert!(err.contains(says), "{text}: {err}");
    }
}
