//! Routing JSON lines as `tierwise route` and Python's `apply_many(...,
//! output="json")` do, without their front ends: the lines are read and
//! parsed ahead on a second thread, routed, and the decisions written as JSON
//! lines (here to `io::sink`). The stream has the shape of the Python
//! bench's (`bindings-python/bench/bench.py`), on a tenth of its length: 50
//! agents log in, then chats are created and closed a second apart, each
//! creation offered to an agent.
//!
//! The parts, each on one thread, for comparison; each leaves something out
//! that the whole pays, so they bound it from below:
//! - `parse_only` reads the lines into events (dropped untimed);
//! - `engine_only` applies events read beforehand, the decisions dropped as
//!   each event's come (a fresh engine each time, made and dropped untimed);
//! - `write_only` writes the decisions made beforehand as JSON lines, into a
//!   buffer already grown to their size.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput};
use tierwise::{AgentSpec, Decision, Engine, Event, Policy};

const TICKETS: u32 = 100_000;

/// The stream's lines: the logins, then each chat's creation and closing.
fn lines() -> Vec<String> {
    let mut lines: Vec<String> = (0..50)
        .map(|i| format!(r#"{{"at": "2026-03-02T00:00:00Z", "event": "agent_logged_in", "agent": "a{i}"}}"#))
        .collect();
    for i in 1..=TICKETS {
        let at = format!("2026-03-{:02}T{:02}:{:02}:{:02}Z", 2 + i / 86_400, i / 3600 % 24, i / 60 % 60, i % 60);
        lines.push(format!(
            r#"{{"at": "{at}", "event": "ticket_created", "ticket": {{"id": "T{i}", "created_at": "{at}", "channel": "chat"}}}}"#
        ));
        lines.push(format!(r#"{{"at": "{at}", "event": "ticket_closed", "ticket": "T{i}"}}"#));
    }
    lines
}

pub fn define(c: &mut Criterion) {
    let policy = Policy::default().compile().expect("the default policy compiles");
    let roster: Vec<AgentSpec> =
        (0..50).map(|i| serde_json::from_str(&format!(r#"{{"id": "a{i}", "tier": "L1"}}"#)).expect("agent")).collect();
    let lines = lines();
    let route = |explain: bool, out: &mut (dyn std::io::Write + Send)| {
        let mut engine = Engine::new(policy.clone(), roster.clone()).expect("engine");
        engine.set_explain(explain);
        let numbered = lines.iter().zip(1u64..).map(|(line, n)| Ok::<_, ()>((n, line)));
        engine.route_json_lines(numbered, &mut &mut *out).expect("routed");
    };
    // Each chat is offered, then withdrawn as it closes, and a wake-up for
    // the offer's expiry follows the offer.
    let mut written = Vec::new();
    route(false, &mut written);
    assert_eq!(written.iter().filter(|&&b| b == b'\n').count(), 3 * TICKETS as usize);

    let mut group = c.benchmark_group("route");
    group.sample_size(10);
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("json_lines/100k_chats", |b| b.iter(|| route(false, black_box(&mut std::io::sink()))));
    group.bench_function("json_lines/100k_chats/explained", |b| {
        b.iter(|| route(true, black_box(&mut std::io::sink())));
    });

    let parse = || lines.iter().map(|line| Event::from_json_str(line).expect("an event")).collect::<Vec<_>>();
    group.bench_function("parse_only/100k_chats", |b| b.iter_with_large_drop(parse));
    let events = parse();
    let mut decisions: Vec<Decision> = Vec::new();
    group.bench_function("engine_only/100k_chats", |b| {
        b.iter_batched(
            || (Engine::new(policy.clone(), roster.clone()).expect("engine"), events.clone()),
            |(mut engine, events)| {
                for event in events {
                    decisions.clear();
                    engine.apply_owned(event, &mut decisions).expect("applied");
                }
                engine
            },
            BatchSize::LargeInput,
        );
    });
    let mut engine = Engine::new(policy.clone(), roster.clone()).expect("engine");
    let mut made = Vec::new();
    for event in events {
        engine.apply_owned(event, &mut made).expect("applied");
    }
    let mut text = Vec::with_capacity(written.len());
    group.throughput(Throughput::Elements(made.len() as u64));
    group.bench_function("write_only/100k_chats", |b| {
        b.iter(|| {
            text.clear();
            for decision in &made {
                decision.write_json_line(&mut text).expect("written");
            }
            assert_eq!(text.len(), written.len());
        });
    });
    group.finish();
}
