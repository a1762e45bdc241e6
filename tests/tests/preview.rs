//! The candidate preview: every agent ranked or excluded with a reason, and
//! the first-ranked agent is the one the engine really offers the ticket to.

use proptest::prelude::*;
use tierwise::jiff::Timestamp;
use tierwise::{AgentSpec, Decision, Engine, Event, EventKind, Policy, Ticket};

const NOW: &str = "2026-03-27T08:30:00Z"; // 09:30 in Madrid (CET), 16:30 in Manila.

fn policy(extra: &str) -> tierwise::CompiledPolicy {
    Policy::from_toml_str(&format!("version = 1\n{extra}")).unwrap().compile().unwrap()
}

fn roster(json: &str) -> Vec<AgentSpec> {
    tierwise::parse_roster(json).unwrap()
}

#[test]
fn ranks_eligible_agents_and_says_why_the_others_are_excluded() {
    let policy = policy(
        r#"
        [calendars.madrid]
        timezone = "Europe/Madrid"
        hours = { weekdays = "09:00-17:00" }
        [calendars.bogota]
        timezone = "America/Bogota"
        hours = { weekdays = "09:00-17:00" }
        [routing]
        strategy = "best_skill_match"
        "#,
    );
    let roster = roster(
        r#"[
        {"id": "junior", "tier": "L1", "skills": {"network": 2}, "languages": ["es"], "clearance": true, "shift": "madrid"},
        {"id": "expert", "tier": "L1", "skills": {"network": 5}, "languages": ["es"], "clearance": true, "shift": "madrid"},
        {"id": "night", "tier": "L1", "skills": {"network": 5}, "languages": ["es"], "clearance": true, "shift": "bogota"},
        {"id": "uncleared", "tier": "L1", "skills": {"network": 5}, "languages": ["es"], "shift": "madrid"},
        {"id": "english", "tier": "L1", "skills": {"network": 5}, "languages": ["en"], "clearance": true},
        {"id": "novice", "tier": "L1", "skills": {"network": 1}, "languages": ["es"], "clearance": true},
        {"id": "lead", "tier": "L2", "skills": {"network": 5}, "languages": ["es"], "clearance": true}
        ]"#,
    );
    let ticket = Ticket::from_json_str(&format!(
        r#"{{"id": "T", "created_at": "{NOW}", "channel": "chat", "impact": "high", "urgency": "high",
            "skills": {{"network": 2}}, "language": "es", "confidential": true}}"#
    ))
    .unwrap();
    let preview = policy.preview(&ticket, &roster, NOW.parse().unwrap()).unwrap();
    assert_eq!(preview.triage.priority, "P1");
    assert_eq!(preview.tier, "L1");
    assert_eq!(preview.strategy, ["best_skill_match"]);
    let got: Vec<(&str, Option<u32>, Option<&str>)> =
        preview.candidates.iter().map(|c| (c.agent.as_str(), c.rank, c.excluded_because.as_deref())).collect();
    assert_eq!(
        got,
        [
            ("expert", Some(1), None),
            ("junior", Some(2), None),
            ("night", None, Some("off shift")),
            ("uncleared", None, Some("no clearance for confidential work")),
            ("english", None, Some("does not speak es")),
            ("novice", None, Some("network level 1 (needs 2)")),
            ("lead", None, Some("tier L2 (needs L1)")),
        ]
    );
    let expert = &preview.candidates[0];
    assert_eq!(expert.timezone.as_deref(), Some("Europe/Madrid"));
    assert_eq!(expert.local_time.as_deref(), Some("2026-03-27T09:30:00+01:00"));
    assert!(expert.on_shift);
    assert_eq!(expert.shift_changes_at, Some("2026-03-27T16:00:00Z".parse().unwrap()));
    assert_eq!((expert.skill_match[0].required, expert.skill_match[0].level), (2, 5));
    let night = &preview.candidates[2];
    assert_eq!(night.local_time.as_deref(), Some("2026-03-27T03:30:00-05:00"));
    assert!(!night.on_shift);
    // No shift: no zone, always on duty.
    assert_eq!(preview.candidates[4].timezone, None);
}

#[test]
fn a_skill_nobody_has_is_named_and_excludes_everyone() {
    let roster = roster(r#"[{"id": "ana", "tier": "L1", "skills": {"network": 3}}]"#);
    let ticket = Ticket::from_json_str(&format!(
        r#"{{"id": "T", "created_at": "{NOW}", "channel": "email", "skills": {{"cobol": 1}}}}"#
    ))
    .unwrap();
    let preview = policy("").preview(&ticket, &roster, NOW.parse().unwrap()).unwrap();
    let ana = &preview.candidates[0];
    assert_eq!(ana.excluded_because.as_deref(), Some("cobol level 0 (needs 1)"));
    assert_eq!(&*ana.skill_match[0].skill, "cobol");
}

#[test]
fn bad_rosters_and_tickets_are_errors_with_paths() {
    let ticket = Ticket::from_json_str(&format!(r#"{{"id": "T", "created_at": "{NOW}", "channel": "chat"}}"#)).unwrap();
    let bad = roster(r#"[{"id": "ana", "tier": "L1"}, {"id": "bob", "tier": "L9"}]"#);
    let err = policy("").preview(&ticket, &bad, NOW.parse().unwrap()).unwrap_err();
    assert_eq!(err.problems()[0].path(), "agents[1].tier", "{err}");
    let engine = Engine::new(policy(""), Vec::new()).unwrap();
    let err = engine.candidates(&ticket, Some("L7")).unwrap_err();
    assert_eq!(err.problems()[0].path(), "tier", "{err}");
}

const SKILLS: [&str; 3] = ["network", "database", "sap"];
const LANGS: [&str; 2] = ["en", "es"];
const CHANNELS: [&str; 3] = ["chat", "phone", "email"];
const POLICIES: [&str; 3] = [
    "",
    "[routing]\nstrategy = [\"best_skill_match\", \"most_spare_capacity\"]",
    "[calendars.day]\ntimezone = \"Asia/Manila\"\nhours = { daily = \"08:00-20:00\" }\n[routing]\nstrategy = \"round_robin\"",
];

fn agent_json(i: usize, tier: usize, skills: &[(usize, u8)], langs: &[usize], clearance: bool, day: bool) -> String {
    let skills: Vec<String> = skills.iter().map(|(s, l)| format!("\"{}\": {l}", SKILLS[*s])).collect();
    let langs: Vec<String> = langs.iter().map(|l| format!("\"{}\"", LANGS[*l])).collect();
    let shift = if day { r#", "shift": "day""# } else { "" };
    format!(
        r#"{{"id": "a{i}", "tier": "L{}", "skills": {{{}}}, "languages": [{}], "clearance": {clearance}{shift}}}"#,
        tier + 1,
        skills.join(", "),
        langs.join(", ")
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// The preview agrees with the engine: its first-ranked agent is the one
    /// offered the ticket, and nobody is eligible when nobody is offered it.
    /// Confidential tickets never rank an agent without clearance.
    #[test]
    fn first_candidate_is_the_engines_choice(
        policy_index in 0usize..3,
        agents in proptest::collection::vec(
            (0usize..3, proptest::collection::vec((0usize..3, 1u8..=4), 0..3),
             proptest::collection::vec(0usize..2, 0..3), any::<bool>(), any::<bool>()),
            0..12),
        channel in 0usize..3,
        skills in proptest::collection::vec((0usize..3, 1u8..=4), 0..3),
        lang in proptest::option::of(0usize..2),
        confidential in any::<bool>(),
        hour in 0u32..24,
    ) {
        let extra = POLICIES[policy_index];
        let day_calendar = policy_index == 2;
        let json: Vec<String> = agents.iter().enumerate()
            .map(|(i, (tier, s, l, c, day))| agent_json(i, *tier, s, l, *c, *day && day_calendar))
            .collect();
        let roster = roster(&format!("[{}]", json.join(", ")));
        let now: Timestamp = format!("2026-03-27T{hour:02}:00:00Z").parse().unwrap();
        let mut skill_map = serde_json::Map::new();
        for (s, l) in &skills {
            skill_map.insert(SKILLS[*s].to_owned(), (*l).into());
        }
        let ticket = serde_json::json!({
            "id": "T", "created_at": now.to_string(), "channel": CHANNELS[channel],
            "skills": skill_map, "language": lang.map(|l| LANGS[l]), "confidential": confidential,
        });
        let ticket = Ticket::from_json_str(&ticket.to_string()).unwrap();
        let policy = policy(extra);
        let preview = policy.preview(&ticket, &roster, now).unwrap();

        let ranks: Vec<u32> = preview.candidates.iter().filter_map(|c| c.rank).collect();
        prop_assert_eq!(&ranks, &(1..=u32::try_from(ranks.len()).unwrap()).collect::<Vec<_>>());
        for c in &preview.candidates {
            prop_assert_eq!(c.eligible, c.excluded_because.is_none());
            prop_assert_eq!(c.eligible, c.rank.is_some());
            if confidential && c.eligible {
                prop_assert!(c.clearance, "{} has no clearance", c.agent);
            }
        }

        let mut engine = Engine::new(policy, roster.clone()).unwrap();
        for a in &roster {
            engine.apply(&Event::new(now, EventKind::AgentLoggedIn { agent: a.id.clone() })).unwrap();
        }
        let created = Event::new(now, EventKind::TicketCreated {
            ticket: Box::new(ticket), tier: None, preferred_agent: None,
        });
        let offered = engine.apply(&created).unwrap().into_iter().find_map(|d| match d {
            Decision::Offer { agent, .. } => Some(agent),
            _ => None,
        });
        let first = preview.candidates.first().filter(|c| c.eligible).map(|c| c.agent.clone());
        prop_assert_eq!(first, offered);
    }
}
