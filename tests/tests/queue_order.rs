//! The order in which waiting tickets are offered, checked against a model
//! kept by the test: the urgency score (priority class, customer tier, and,
//! in some desks, points per hour waiting and per hour past the nearest
//! deadline), then the SLA deadline, then arrival; a rejected or expired
//! offer puts the ticket back in its old place
//! and keeps it from that agent for the cooldown. Tickets come by chat and by
//! email (two routing groups); agents hold up to a few of each. Every offer
//! of every random history must take a ticket that no other waiting ticket
//! beats among those the agent has room for and has not declined lately.
//!
//! The model knows nothing of the engine's queues or keys: the class comes
//! from the policy's impact x urgency matrix, the deadline from the ticket's
//! creation and its first-response target (24x7: ten minutes for vip, an
//! hour for other chats, none for other emails), the score from the policy's
//! weights, all computed here. A ticket with no deadline counts as due from
//! its creation (see `tierwise::UrgencyKey`).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::engine_properties::{CASES, EVENTS, tally};
use tierwise::jiff::{SignedDuration, Timestamp};
use tierwise::{AgentSpec, Decision, Engine, Event, EventKind, Policy, Presence, Ticket, TicketChanges};

const LEVELS: [&str; 3] = ["high", "medium", "low"];
const TIERS: [&str; 2] = ["standard", "vip"];
const CHANNELS: [&str; 2] = ["chat", "email"];

const OFFER_TIMEOUT_S: i64 = 120;
const REJECT_COOLDOWN_S: i64 = 180;

/// The policy's scoring weights: vip points, points per second waiting and
/// per second past the nearest deadline (whole points, so that the model's
/// sums are exact).
#[derive(Clone, Copy, Debug)]
struct Weights {
    vip: i64,
    per_s_waiting: i64,
    per_s_past_deadline: i64,
}

fn weights() -> impl Strategy<Value = Weights> {
    prop_oneof![
        Just(Weights { vip: 0, per_s_waiting: 0, per_s_past_deadline: 0 }),
        (prop_oneof![Just(0i64), Just(300)], 0i64..3, 0i64..3)
            .prop_map(|(vip, per_s_waiting, per_s_past_deadline)| Weights { vip, per_s_waiting, per_s_past_deadline }),
    ]
}

fn policy(w: Weights) -> tierwise::CompiledPolicy {
    let text = format!(
        r#"
        version = 1
        [[sla.policies]]
        when = {{ customer_tier = "vip" }}
        first_response = "10m"
        [[sla.policies]]
        when = {{ channel = "chat" }}
        first_response = "1h"
        [routing]
        offer_timeout = "2m"
        reject_cooldown = "3m"
        [scoring]
        customer_tier = {{ vip = {} }}
        per_hour_waiting = {}
        per_hour_past_deadline = {}
        "#,
        w.vip,
        w.per_s_waiting * 3600,
        w.per_s_past_deadline * 3600
    );
    Policy::from_toml_str(&text).unwrap().compile().unwrap()
}

#[derive(Clone, Debug)]
enum Op {
    Create {
        channel: usize,
        impact: usize,
        urgency: usize,
        vip: bool,
    },
    Accept(usize),
    Reject(usize),
    Finish(usize),
    /// A new impact and urgency for a ticket, wherever it is.
    Update(usize, usize, usize),
    Presence(usize, bool),
    Tick,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0usize..2, 0usize..3, 0usize..3, proptest::bool::weighted(0.3))
            .prop_map(|(channel, impact, urgency, vip)| Op::Create { channel, impact, urgency, vip }),
        4 => any::<usize>().prop_map(Op::Accept),
        2 => any::<usize>().prop_map(Op::Reject),
        4 => any::<usize>().prop_map(Op::Finish),
        1 => (any::<usize>(), 0usize..3, 0usize..3).prop_map(|(t, i, u)| Op::Update(t, i, u)),
        1 => (0usize..4, any::<bool>()).prop_map(|(a, away)| Op::Presence(a, away)),
        2 => Just(Op::Tick),
    ]
}

/// A ticket as the model sees it.
#[derive(Clone, Copy, Debug)]
struct Modelled {
    channel: usize,
    /// 0 for P1 ... 4 for P5: impact and urgency levels added (the default matrix).
    class: usize,
    vip: bool,
    /// The first-response deadline, if it has one.
    due: Option<Timestamp>,
    created: Timestamp,
}

impl Modelled {
    /// The score less what every ticket gains as time passes.
    fn points(&self, w: Weights) -> i64 {
        let (created, due) = (self.created.as_second(), self.due.unwrap_or(self.created).as_second());
        1000 * (4 - self.class as i64) + if self.vip { w.vip } else { 0 }
            - w.per_s_waiting * created
            - w.per_s_past_deadline * due
    }

    /// Whether this ticket must be offered before `other`. With time terms
    /// the engine sums hours in floating point, so points that are equal
    /// here may differ there by rounding: either order is then accepted.
    fn beats(&self, other: &Modelled, w: Weights) -> bool {
        let (mine, theirs) = (self.points(w), other.points(w));
        if mine != theirs {
            return mine > theirs;
        }
        let exact = w.per_s_waiting == 0 && w.per_s_past_deadline == 0;
        exact
            && (self.due.unwrap_or(Timestamp::MAX), self.created) < (other.due.unwrap_or(Timestamp::MAX), other.created)
    }
}

/// What the model knows of the desk.
struct Model {
    weights: Weights,
    /// Each agent's capacity per channel.
    capacity: Vec<[usize; 2]>,
    /// Who holds each ticket offered or taken, until it is finished.
    holder: BTreeMap<String, usize>,
    /// Every ticket created, with what orders it.
    tickets: BTreeMap<String, Modelled>,
    /// Waiting: neither offered nor taken.
    waiting: BTreeSet<String>,
    /// When each agent last declined (rejected or let expire) each ticket.
    declined: BTreeMap<(String, String), Timestamp>,
}

impl Model {
    /// Checks an offer made at `at` and takes the ticket out of the waiting set.
    fn offered(&mut self, at: Timestamp, ticket: &str, agent: &str) -> Result<(), TestCaseError> {
        prop_assert!(self.waiting.remove(ticket), "{ticket} offered to {agent} at {at} but it was not waiting");
        let a: usize = agent[1..].parse().unwrap();
        let mut load = [0; 2];
        for (t, &h) in &self.holder {
            if h == a {
                load[self.tickets[t].channel] += 1;
            }
        }
        let chosen = self.tickets[ticket];
        prop_assert!(
            load[chosen.channel] < self.capacity[a][chosen.channel],
            "{agent} is offered {ticket} with no room"
        );
        let cooldown = SignedDuration::from_secs(REJECT_COOLDOWN_S);
        // Not to an agent that declined it less than the cooldown ago.
        if let Some(&when) = self.declined.get(&(ticket.to_owned(), agent.to_owned())) {
            prop_assert!(
                at >= when.checked_add(cooldown).unwrap(),
                "at {at}, {agent} was offered {ticket}, which it declined at {when}"
            );
        }
        for other in &self.waiting {
            // At the cooldown's last instant the model allows either choice.
            let declined = self
                .declined
                .get(&(other.clone(), agent.to_owned()))
                .is_some_and(|&when| at <= when.checked_add(cooldown).unwrap());
            let rival = self.tickets[other];
            let room = load[rival.channel] < self.capacity[a][rival.channel];
            prop_assert!(
                declined || !room || !rival.beats(&chosen, self.weights),
                "at {at}, {agent} (load {load:?}) was offered {ticket} {chosen:?} while {other} {rival:?} waited"
            );
        }
        self.holder.insert(ticket.to_owned(), a);
        Ok(())
    }

    fn back(&mut self, ticket: &str, declined_by: Option<(&str, Timestamp)>) {
        self.holder.remove(ticket);
        self.waiting.insert(ticket.to_owned());
        if let Some((agent, at)) = declined_by {
            self.declined.insert((ticket.to_owned(), agent.to_owned()), at);
        }
    }

    fn follow(&mut self, decisions: &[Decision]) -> Result<(), TestCaseError> {
        for d in decisions {
            match d {
                Decision::Offer { at, ticket, agent, expires_at, .. } => {
                    prop_assert_eq!(*expires_at, at.checked_add(SignedDuration::from_secs(OFFER_TIMEOUT_S)).unwrap());
                    self.offered(*at, ticket, agent)?;
                }
                Decision::OfferExpired { at, ticket, agent } => self.back(ticket, Some((agent, *at))),
                Decision::OfferWithdrawn { ticket, .. } => self.back(ticket, None),
                _ => {}
            }
        }
        Ok(())
    }
}

fn roster(capacities: &[[usize; 2]]) -> Vec<AgentSpec> {
    capacities
        .iter()
        .enumerate()
        .map(|(i, [chat, email])| {
            serde_json::from_str(&format!(
                r#"{{"id": "a{i}", "tier": "L1", "capacity": {{"chat": {chat}, "email": {email}}}}}"#
            ))
            .unwrap()
        })
        .collect()
}

fn run(weights: Weights, capacities: &[[usize; 2]], ops: &[(Op, u16)]) -> Result<(), TestCaseError> {
    let mut engine = Engine::new(policy(weights), roster(capacities)).unwrap();
    let mut model = Model {
        weights,
        capacity: capacities.to_vec(),
        holder: BTreeMap::new(),
        tickets: BTreeMap::new(),
        waiting: BTreeSet::new(),
        declined: BTreeMap::new(),
    };
    let mut now: Timestamp = "2026-03-02T08:00:00Z".parse().unwrap();
    for a in 0..capacities.len() {
        engine.apply(&Event::new(now, EventKind::AgentLoggedIn { agent: format!("a{a}") })).unwrap();
    }
    let mut created = 0usize;
    for (op, gap) in ops {
        now = now.checked_add(SignedDuration::from_secs(i64::from(*gap))).unwrap();
        // Timers due by now fire first, so the event's own decisions follow
        // the event's own change.
        model.follow(&engine.apply(&Event::new(now, EventKind::Tick {})).unwrap())?;
        let states = engine.ticket_states();
        let pick = |k: usize, status: &str| {
            let list: Vec<_> = states.iter().filter(|s| s.1 == status).collect();
            (!list.is_empty()).then(|| list[k % list.len()].clone())
        };
        let kind = match op {
            Op::Create { channel, impact, urgency, vip } => {
                created += 1;
                let id = format!("t{created}");
                let ticket: Ticket = serde_json::from_str(&format!(
                    r#"{{"id": "{id}", "created_at": "{now}", "channel": "{}", "impact": "{}", "urgency": "{}", "customer_tier": "{}"}}"#,
                    CHANNELS[*channel],
                    LEVELS[*impact],
                    LEVELS[*urgency],
                    TIERS[usize::from(*vip)]
                ))
                .unwrap();
                let target = match (vip, channel) {
                    (true, _) => Some(600),
                    (false, 0) => Some(3600),
                    (false, _) => None,
                };
                let due = target.map(|s| now.checked_add(SignedDuration::from_secs(s)).unwrap());
                let modelled = Modelled { channel: *channel, class: impact + urgency, vip: *vip, due, created: now };
                model.tickets.insert(id.clone(), modelled);
                model.waiting.insert(id);
                EventKind::TicketCreated { ticket: Box::new(ticket), tier: None, preferred_agent: None }
            }
            Op::Accept(k) => {
                let Some((ticket, _, agent)) = pick(*k, "offered") else { continue };
                EventKind::OfferAccepted { agent: agent.unwrap(), ticket }
            }
            Op::Reject(k) => {
                let Some((ticket, _, agent)) = pick(*k, "offered") else { continue };
                let agent = agent.unwrap();
                model.back(&ticket, Some((&agent, now)));
                EventKind::OfferRejected { agent, ticket }
            }
            Op::Finish(k) => {
                let Some((ticket, _, agent)) = pick(*k, "assigned") else { continue };
                model.holder.remove(&ticket);
                EventKind::AgentFinished { agent: agent.unwrap(), ticket }
            }
            Op::Update(k, impact, urgency) => {
                let Some(id) = model.tickets.keys().nth(k % model.tickets.len().max(1)).cloned() else { continue };
                model.tickets.get_mut(&id).unwrap().class = impact + urgency;
                EventKind::TicketUpdated {
                    ticket: id,
                    changes: Box::new(TicketChanges {
                        impact: Some(Some(LEVELS[*impact].to_owned())),
                        urgency: Some(Some(LEVELS[*urgency].to_owned())),
                        ..TicketChanges::default()
                    }),
                }
            }
            Op::Presence(a, away) => EventKind::AgentStateChanged {
                agent: format!("a{}", a % capacities.len()),
                state: if *away { Presence::Away } else { Presence::Available },
            },
            Op::Tick => continue,
        };
        let event = Event::new(now, kind);
        EVENTS.with(|n| n.set(n.get() + 1));
        let decisions = engine.apply(&event).map_err(|e| TestCaseError::fail(format!("{event:?}: {e}")))?;
        model.follow(&decisions)?;
        let waiting: BTreeSet<String> =
            engine.ticket_states().into_iter().filter(|s| s.1 == "queued").map(|s| s.0).collect();
        prop_assert_eq!(&waiting, &model.waiting, "after {:?}", event);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    /// Every offer takes a waiting ticket that no other beats on (score,
    /// deadline, arrival), leaving aside the tickets the agent declined less
    /// than the cooldown ago; the waiting set is the model's after every event.
    #[test]
    fn prop_offers_take_the_most_urgent_waiting_ticket(
        weights in weights(),
        capacities in proptest::collection::vec([1usize..4, 1usize..5], 1..4),
        ops in proptest::collection::vec((op(), 0u16..400), 1..150),
    ) {
        run(weights, &capacities, &ops)?;
        tally("offers in order of class, deadline, arrival");
    }
}
