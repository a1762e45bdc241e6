//! Who would receive a ticket: every agent on the roster ranked or excluded,
//! with the reason, as the router sees them at one instant.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use super::Engine;
use crate::agent::AgentSpec;
use crate::error::{Error, unknown_name};
use crate::event::{Event, EventKind, SkillMatch};
use crate::policy::CompiledPolicy;
use crate::ticket::Ticket;
use crate::time::from_ms;
use crate::triage::Triage;

/// One agent's standing for a ticket.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    /// The agent's id.
    pub agent: String,
    /// The name to show, when the roster gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The agent's tier.
    pub tier: String,
    /// Skills with levels.
    pub skills: BTreeMap<String, u8>,
    /// Languages spoken.
    pub languages: Vec<String>,
    /// Cleared for confidential work.
    pub clearance: bool,
    /// The zone of the agent's shift (`None`: no shift, on duty whenever
    /// logged in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// The agent's local time (ISO 8601 with offset) in that zone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_time: Option<String>,
    /// Whether the agent is within their shift.
    pub on_shift: bool,
    /// When the shift next opens or closes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shift_changes_at: Option<Timestamp>,
    /// Whether the router could offer the ticket to the agent now.
    pub eligible: bool,
    /// For eligible agents, the place in the offer order (1 is offered first).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank: Option<u32>,
    /// For the others, why not (the first reason found: presence, shift, tier,
    /// clearance, language, skills, capacity, fairness).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded_because: Option<String>,
    /// The agent's levels in the ticket's required skills.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skill_match: Vec<SkillMatch>,
}

/// A ticket's triage and its candidate agents.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Preview {
    /// Priority, score, deadlines and their explanation.
    pub triage: Triage,
    /// The tier a new ticket starts in.
    pub tier: String,
    /// The ordering that ranks eligible agents, e.g. `["longest_idle"]`;
    /// ties go to the earlier agent on the roster.
    pub strategy: Vec<String>,
    /// Eligible agents in offer order, then the others in roster order.
    pub candidates: Vec<Candidate>,
}

impl Engine {
    /// Every agent's standing for `ticket` if it arrived now, in tier `tier`
    /// (default: the first): eligible agents in the order the router would
    /// offer it to them, then the others with the reason they are excluded.
    /// The engine is not changed.
    ///
    /// # Errors
    /// An unknown tier.
    pub fn candidates(&self, ticket: &Ticket, tier: Option<&str>) -> Result<Vec<Candidate>, Error> {
        let tier = match tier {
            None => 0,
            Some(name) => self.rules.tiers.iter().position(|t| t == name).ok_or_else(|| {
                Error::from(unknown_name("tier", "tier", name, self.rules.tiers.iter().map(String::as_str)))
            })?,
        };
        let req = self.requirements_of(ticket, u8::try_from(tier).unwrap_or(0), 0);
        let now = from_ms(self.now);
        let mut ranked = Vec::new();
        let mut excluded = Vec::new();
        for (a, spec) in (0u32..).zip(self.roster.iter()) {
            let agent = &self.agents[a as usize];
            let reason = self.why_not(a, &req, ticket, None);
            let zoned = agent.shift.as_ref().map(|cal| now.to_zoned_datetime(cal.zone().clone()));
            let candidate = Candidate {
                agent: spec.id.clone(),
                name: spec.name.clone(),
                tier: spec.tier.clone(),
                skills: spec.skills.clone(),
                languages: spec.languages.clone(),
                clearance: spec.clearance,
                timezone: agent.shift.as_ref().map(|cal| cal.zone_name().to_owned()),
                local_time: zoned.as_ref().map(crate::time::local_rfc3339),
                on_shift: agent.shift.as_ref().is_none_or(|cal| cal.is_open(now).unwrap_or(false)),
                shift_changes_at: agent.shift.as_ref().and_then(|cal| cal.next_change(now).ok().flatten()),
                eligible: reason.is_none(),
                rank: None,
                excluded_because: reason,
                skill_match: req
                    .skills
                    .iter()
                    .map(|&(s, required)| SkillMatch {
                        skill: self
                            .shared_names
                            .get(s as usize)
                            .cloned()
                            .unwrap_or_else(|| self.skill_name(s, ticket).into()),
                        required,
                        level: agent.skills.binary_search_by_key(&s, |x| x.0).map_or(0, |i| agent.skills[i].1),
                    })
                    .collect(),
            };
            if candidate.eligible {
                ranked.push((self.agent_key_for(a, &req), candidate));
            } else {
                excluded.push(candidate);
            }
        }
        crate::compact_sort::sort_by_key(&mut ranked, |x| std::cmp::Reverse(x.0));
        let mut out: Vec<Candidate> = ranked
            .into_iter()
            .zip(1u32..)
            .map(|((_, mut c), rank)| {
                c.rank = Some(rank);
                c
            })
            .collect();
        out.extend(excluded);
        Ok(out)
    }
}

impl CompiledPolicy {
    /// Triage of `ticket` at `now` and who would receive it from `roster`,
    /// every agent logged in at `now` with nothing on their plate (their
    /// shifts still apply). For previews while a ticket is typed.
    ///
    /// ```
    /// use tierwise::{Policy, Ticket, parse_roster};
    /// let policy = Policy::from_toml_str("version = 1")?.compile()?;
    /// let roster = parse_roster(r#"[{"id": "ana", "tier": "L1", "languages": ["es"]},
    ///                              {"id": "bob", "tier": "L1", "languages": ["en"]}]"#)?;
    /// let ticket = Ticket::from_json_str(r#"{"id": "T1", "created_at": "2026-03-02T09:00:00Z",
    ///     "channel": "chat", "language": "en"}"#)?;
    /// let preview = policy.preview(&ticket, &roster, "2026-03-02T09:00:00Z".parse()?)?;
    /// assert_eq!(preview.candidates[0].agent, "bob");
    /// assert_eq!(preview.candidates[1].excluded_because.as_deref(), Some("does not speak en"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A ticket the policy cannot triage (paths under `ticket`), and roster
    /// problems (paths under `agents[i]`).
    pub fn preview(&self, ticket: &Ticket, roster: &[AgentSpec], now: Timestamp) -> Result<Preview, Error> {
        let triage = self.triage(ticket, now).map_err(|e| e.under("ticket"))?;
        let mut engine = Engine::new(self.clone(), roster.to_vec())?;
        for spec in roster {
            engine.apply(&Event::new(now, EventKind::AgentLoggedIn { agent: spec.id.clone() }))?;
        }
        let candidates = engine.candidates(ticket, None)?;
        Ok(Preview {
            triage,
            tier: self.tiers().first().cloned().unwrap_or_default(),
            strategy: engine.rules.strategy.iter().map(|s| s.name().to_owned()).collect(),
            candidates,
        })
    }
}
