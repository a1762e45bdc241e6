//! The `tierwise` binary: exit codes, messages, and output shapes.

mod common;

use common::{assert_no_panic, text, tierwise};

fn temp_file(name: &str, contents: &[u8]) -> String {
    common::temp_file("cli", name, contents)
}

#[test]
fn validate_prints_what_the_policy_defines() {
    let out = tierwise(&["validate", "examples/policies/madrid-office.toml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("madrid-office    Europe/Madrid, 41 h a week, 10 holiday entries"), "{stdout}");
    assert!(stdout.contains("[1] \"high\" priority P2: first response 1h [madrid-office]"), "{stdout}");
}

#[test]
fn validate_reports_every_problem_and_exits_1() {
    let bad = temp_file(
        "bad.toml",
        br#"
version = 1
[calendars.x]
timezone = "America/Bogata"
hours = { daily = "08:00-20:00" }
[[sla.policies]]
calendar = "emea-suport"
first_response = "1h"
"#,
    );
    let out = tierwise(&["validate", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_panic(&out);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("has 2 problems"), "{stderr}");
    assert!(
        stderr.contains("calendars.x.timezone: unknown time zone \"America/Bogata\" (did you mean \"America/Bogota\"?) [unknown_name]"),
        "{stderr}"
    );
    assert!(stderr.contains("sla.policies[0].calendar: unknown calendar \"emea-suport\""), "{stderr}");

    let out = tierwise(&["validate", "--json", &bad]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["errors"][0]["code"], "unknown_name");
    assert_eq!(v["errors"][0]["path"], "calendars.x.timezone");
}

#[test]
fn huge_and_malformed_files_are_refused_cleanly() {
    // A sparse 100 MB file: refused from its size, before reading it.
    let path = std::env::temp_dir().join(format!("tierwise-huge-{}.json", std::process::id()));
    std::fs::File::create(&path).unwrap().set_len(100 << 20).unwrap();
    let out = tierwise(&["validate", path.to_str().unwrap()]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_no_panic(&out);
    assert!(text(&out.stderr).contains("the limit is 8388608 bytes"), "{}", text(&out.stderr));

    for (name, body) in [
        ("garbage.json", &b"{\"version\": 1,"[..]),
        ("types.yaml", b"version: 1\npriority:\n  classes: 7\n"),
        ("deep.json", &[b'['; 5000][..]),
        ("binary.toml", &[0xff, 0xfe, 0x00, 0x12][..]),
    ] {
        let out = tierwise(&["validate", &temp_file(name, body)]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        assert_no_panic(&out);
    }
    let out = tierwise(&["validate", "no/such/file.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("cannot open no/such/file.toml"));
}

#[test]
fn triage_explains_in_text_and_json() {
    let args = [
        "triage",
        "--policy",
        "examples/policies/global-desk.toml",
        "--ticket",
        "examples/tickets/vip-outage-alert.json",
        "--now",
        "2026-03-06T21:50:00Z",
    ];
    let out = tierwise(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("INC-20417: P1"), "{stdout}");
    assert!(stdout.contains("due 2026-03-06 21:55 UTC (in 5m)"), "{stdout}");

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = tierwise(&json_args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["priority"], "P1");
    assert_eq!(v["deadlines"][0]["metric"], "first_response");
    assert_eq!(v["deadlines"][0]["due"], "2026-03-06T21:55:00Z");
    assert_eq!(v["deadlines"][0]["due_local"], "2026-03-06T21:55:00+00:00[UTC]");
    assert_eq!(v["next_change"], "2026-03-06T21:51:15Z");
}

#[test]
fn triage_shows_a_met_clock_without_what_no_longer_applies() {
    // First response met at 09:05; later the ticket waits on the customer.
    let replied = r#"{"id": "N1", "created_at": "2026-03-02T09:00:00Z", "channel": "email", "impact": "high",
        "urgency": "high", "history": [{"event": "agent_replied", "at": "2026-03-02T09:05:00Z"}"#;
    let paused = format!(r#"{replied}, {{"event": "waiting_on_customer", "at": "2026-03-02T09:06:00Z"}}]}}"#);
    let replied = format!("{replied}]}}");
    let triage = |name: &str, ticket: &str| {
        let path = temp_file(name, ticket.as_bytes());
        let args = ["triage", "--policy", "examples/policies/global-desk.toml", "--ticket", &path];
        let out = tierwise(&[&args[..], &["--now", "2026-03-02T09:08:00Z"]].concat());
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    // Running: the met clock keeps its deadline and the warning reached
    // before it was met (50% at 09:07:30 is after 09:05: none), and drops
    // the warnings it will never reach; the running clock keeps them all.
    let stdout = triage("met.json", &replied);
    let met = stdout.split("first_response").nth(1).and_then(|s| s.split("resolution").next()).unwrap();
    assert!(met.contains("due 2026-03-02 09:15 UTC") && met.contains("stopped 2026-03-02 09:05 UTC"), "{stdout}");
    assert!(!met.contains("warning"), "{stdout}");
    assert_eq!(stdout.matches("[pending]").count(), 3, "{stdout}");
    // Paused since: the met clock does not say it is due "not while
    // waiting on the customer"; the paused resolution clock does.
    let stdout = triage("met-paused.json", &paused);
    assert_eq!(stdout.matches("not while waiting on the customer").count(), 1, "{stdout}");
    let resolution = stdout.split("resolution").nth(1).unwrap();
    assert!(resolution.contains("not while waiting on the customer"), "{stdout}");
}

#[test]
fn triage_ranks_a_rosters_agents_for_the_ticket() {
    let args = [
        "triage",
        "--policy",
        "examples/policies/global-desk.toml",
        "--ticket",
        "examples/tickets/spanish-chat.json",
        "--now",
        "2026-03-30T08:00:00Z",
        "--roster",
        "examples/routing/agents.json",
    ];
    let out = tierwise(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("candidates in tier L1 (ranked by longest_idle)"), "{stdout}");
    assert!(stdout.contains("    1 maria        L1   10:00 Europe/Madrid"), "{stdout}");
    assert!(stdout.contains("joy          L1   16:00 Asia/Manila            does not speak es"), "{stdout}");

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = tierwise(&json_args);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["triage"]["ticket"], "CHAT-7");
    assert_eq!(v["candidates"][0]["agent"], "maria");
    assert_eq!(v["candidates"][0]["rank"], 1);
    assert_eq!(v["candidates"][0]["local_time"], "2026-03-30T10:00:00+02:00");
    assert_eq!(v["candidates"][2]["excluded_because"], "off shift");

    let roster = temp_file("roster.json", br#"[{"id": "ana", "tier": "L7"}]"#);
    let mut bad = args.to_vec();
    bad[8] = &roster;
    let out = tierwise(&bad);
    assert_eq!(out.status.code(), Some(1));
    assert_no_panic(&out);
    assert!(text(&out.stderr).contains("agents[0].tier: unknown tier \"L7\""), "{}", text(&out.stderr));
}

#[test]
fn triage_rejects_bad_tickets_and_instants() {
    let ticket = temp_file("t.json", br#"{"created_at": "2026-03-06T20:00:00Z", "channel": "email", "impact": 3}"#);
    let out = tierwise(&["triage", "--policy", "examples/policies/global-desk.toml", "--ticket", &ticket]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_panic(&out);
    assert!(
        text(&out.stderr).contains("impact: invalid type: integer `3`, expected a string"),
        "{}",
        text(&out.stderr)
    );

    let good = "examples/tickets/vip-outage-alert.json";
    let out =
        tierwise(&["triage", "--policy", "examples/policies/global-desk.toml", "--ticket", good, "--now", "yesterday"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("--now \"yesterday\" is not an RFC 3339 instant"));
}

/// `tierwise route` on the example desk and events.
const ROUTE_EXAMPLE: [&str; 7] = [
    "route",
    "--policy",
    "examples/policies/global-desk.toml",
    "--agents",
    "examples/routing/agents.json",
    "--events",
    "examples/routing/events.jsonl",
];

#[test]
fn route_streams_decisions_as_json_lines() {
    let out = tierwise(&ROUTE_EXAMPLE);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let decisions: Vec<serde_json::Value> =
        text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let offers: Vec<(&str, &str)> = decisions
        .iter()
        .filter(|d| d["decision"] == "offer")
        .map(|d| (d["ticket"].as_str().unwrap(), d["agent"].as_str().unwrap()))
        .collect();
    assert_eq!(offers, [("INC-1", "maria"), ("INC-2", "sofia"), ("INC-2", "sofia")]);
    assert!(decisions.iter().any(|d| d["decision"] == "escalated" && d["to_tier"] == "L2"));

    // The same files with byte-order marks (as some Windows editors write
    // them) give the same decisions.
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/");
    let marked = |name: &str| {
        let mut bytes = b"\xef\xbb\xbf".to_vec();
        bytes.extend(std::fs::read(format!("{root}{name}")).unwrap());
        temp_file(name.rsplit('/').next().unwrap(), &bytes)
    };
    let (agents, events) = (marked("routing/agents.json"), marked("routing/events.jsonl"));
    let again = tierwise(&[
        "route",
        "--policy",
        "examples/policies/global-desk.toml",
        "--agents",
        &agents,
        "--events",
        &events,
    ]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(again.stdout, out.stdout);
}

#[test]
fn route_stops_at_a_bad_line_keeping_earlier_decisions() {
    let events = temp_file(
        "events.jsonl",
        br#"{"at": "2026-03-06T08:00:00Z", "event": "agent_logged_in", "agent": "maria"}
{"at": "2026-03-06T08:05:00Z", "event": "ticket_created", "ticket": {"id": "A", "created_at": "2026-03-06T08:05:00Z", "channel": "chat", "language": "es"}}
{"at": "2026-03-06T08:06:00Z", "event": "ticket_created", "ticket": {"id": "B", "created_at": "2026-03-06T08:06:00Z", "channel": "fax"}}
{"at": "2026-03-06T08:07:00Z", "event": "tick"}
"#,
    );
    let mut args = ROUTE_EXAMPLE;
    args[6] = &events;
    let out = tierwise(&args);
    assert_eq!(out.status.code(), Some(1));
    assert_no_panic(&out);
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("{events}:3 has a problem")), "{stderr}");
    assert!(stderr.contains("ticket.channel"), "{stderr}");
    assert!(text(&out.stdout).contains(r#""ticket":"A","agent":"maria""#), "decisions before the bad line are kept");

    let roster = temp_file("roster.json", br#"[{"id": "x", "tier": "L9"}]"#);
    let out = tierwise(&[
        "route",
        "--policy",
        "examples/policies/global-desk.toml",
        "--agents",
        &roster,
        "--events",
        &events,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("agents[0].tier: unknown tier \"L9\""), "{}", text(&out.stderr));
}

#[test]
fn validate_with_a_roster_reports_coverage_gaps() {
    let out = tierwise(&[
        "validate",
        "examples/policies/global-desk.toml",
        "--roster",
        "examples/routing/agents.json",
        "--week",
        "2026-03-02",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("tier L1, confidential (clearance): nobody on the roster can ever serve it"), "{stdout}");
    assert!(stdout.contains("tier L2: 123 h uncovered; nobody at weekends"), "{stdout}");

    let validate = |week: &str, json: bool| {
        let mut args =
            vec!["validate", "examples/policies/global-desk.toml", "--roster", "examples/routing/agents.json"];
        args.extend(["--week", week]);
        if json {
            args.push("--json");
        }
        tierwise(&args)
    };
    // From a Wednesday, the weekend is still Saturday and Sunday.
    let out = validate("2026-03-04", false);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("; nobody at weekends"), "{}", text(&out.stdout));
    // A week outside the calendars' years is an error, in JSON with --json.
    let out = validate("2999-12-30", false);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("week_start"), "{}", text(&out.stderr));
    for week in ["2999-12-30", "2026-02-30"] {
        let out = validate(week, true);
        assert_eq!(out.status.code(), Some(1), "{week}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["ok"], false, "{v}");
        assert!(v["error"].as_str().unwrap().contains("week"), "{v}");
    }
}

#[test]
fn convert_turns_toml_and_yaml_into_the_same_policy_as_json() {
    let toml = "examples/policies/global-desk.toml";
    let out = tierwise(&["convert", toml]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json = temp_file("global-desk.json", &out.stdout);
    // The JSON defines what the TOML defines, and triages the same way.
    let validate = |p: &str| text(&tierwise(&["validate", "--json", p]).stdout);
    assert_eq!(validate(&json), validate(toml));
    let triage = |p: &str| {
        let out = tierwise(&[
            "triage",
            "--policy",
            p,
            "--ticket",
            "examples/tickets/vip-outage-alert.json",
            "--now",
            "2026-03-06T21:45:00Z",
            "--json",
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(triage(&json), triage(toml));

    let yaml = temp_file("p.yaml", b"version: 1\nrouting:\n  offer_timeout: 2m\n");
    let out = tierwise(&["convert", "--compact", &yaml]);
    assert_eq!(text(&out.stdout).trim(), r#"{"routing":{"offer_timeout":"2m"},"version":1}"#);

    let bad = temp_file("bad.toml", b"version = = 1");
    let out = tierwise(&["convert", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert_no_panic(&out);
    assert!(text(&out.stderr).contains("invalid TOML at line 1 column"), "{}", text(&out.stderr));
    // Where: the line and column of the second key.
    let twice =
        temp_file("twice.toml", b"version = 1\n[calendars.x]\ntimezone = \"UTC\"\nname = \"a\"\n  name = \"b\"\n");
    let out = tierwise(&["validate", &twice]);
    assert!(text(&out.stderr).contains("invalid TOML at line 5 column 3: duplicate key"), "{}", text(&out.stderr));
}

#[test]
fn a_reader_that_goes_away_ends_every_command_quietly() {
    use std::process::{Command, Stdio};
    // As `tierwise ... | head -c 0`: the reader closes the pipe before the
    // first line. Each command ends with 128 + SIGPIPE and says nothing.
    let commands: [&[&str]; 3] =
        [&["history", "generate", "--agents", "18", "--days", "3"], &ROUTE_EXAMPLE, &["simulate", "--json"]];
    for args in commands {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tierwise"))
            .args(args)
            .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", text(&out.stderr));
        assert_eq!(text(&out.stderr), "", "{args:?}");
    }
}
