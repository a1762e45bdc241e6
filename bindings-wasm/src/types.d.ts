
/** An instant as RFC 3339 text in UTC, e.g. `"2026-03-02T09:00:00Z"`. */
export type Instant = string;
/** A duration as text, e.g. `"1h30m"`, `"15m"`, `"-2h"`. Inputs also accept seconds as a number. */
export type DurationText = string;
/** How a ticket reached the desk. */
export type Channel = "phone" | "chat" | "email" | "sms" | "social" | "web" | "alert";
/** One name or a list of names. */
export type NameList = string | string[];

/** One thing wrong with an input, located by its field path. */
export interface Problem {
  /** The field path, e.g. `"sla.policies[2].resolution"`; `""` for the whole input. */
  path: string;
  /** Stable code: `syntax`, `invalid_value`, `unknown_field`, `missing_field`, `unknown_name`,
   * `duplicate`, `overlap`, `too_large`, `out_of_range`, `unsupported_version`, `inconsistent`,
   * `not_initialised` (a call before `init()` in the browser build), or `internal` (a bug in
   * Tierwise). */
  code: string;
  /** What went wrong, without the path. */
  message: string;
  /** A suggestion, such as `did you mean "vip"?`. */
  hint?: string;
}

/** What every function of this package throws: `name === "TierwiseError"`; the message names the
 * field path of the first problem (or says how many there are). */
export interface TierwiseError extends Error {
  name: "TierwiseError";
  /** The code of the first problem. */
  code: string;
  /** The field path of the first problem. */
  path: string;
  /** Every problem found, in document order. */
  problems: Problem[];
  /** Set by `Engine.applyAll` when it stops at a refused event: every decision made before it
   * (the events before it stay applied), with those of timers that fired by its instant. */
  decisions?: Decision[];
}

/** Something that happened to a ticket. */
export interface TicketEvent {
  event: "agent_replied" | "waiting_on_customer" | "customer_replied" | "resolved" | "reopened";
  at: Instant;
}

/** A ticket as the host describes it. Names are checked against the policy. */
export interface Ticket {
  id?: string;
  created_at: Instant;
  channel: Channel;
  /** Impact level (policy `priority.impact`); the least severe when absent. */
  impact?: string;
  /** Urgency level (policy `priority.urgency`); the least severe when absent. */
  urgency?: string;
  /** A class set by hand, which wins over the matrix and overrides. */
  priority?: string;
  category?: string;
  /** Customer tier (policy `customer_tiers`); the first when absent. */
  customer_tier?: string;
  language?: string;
  /** Skills needed with minimum levels (0-255), e.g. `{ network: 3 }`. */
  skills?: Record<string, number>;
  confidential?: boolean;
  history?: TicketEvent[];
}

/** One step of the priority decision. */
export interface PriorityStep {
  /** `"priority.matrix"`, `"priority.overrides[0]"`, `"ticket.priority"` or `"default"`. */
  source: string;
  detail: string;
  /** The class after this step. */
  class: string;
}

/** One term of the urgency score. */
export interface ScoreTerm {
  factor: "priority" | "customer_tier" | "channel" | "waiting" | "deadline";
  detail: string;
  weight: number;
  points: number;
}

export type Metric = "first_response" | "next_reply" | "resolution";
export type ClockState = "running" | "paused" | "met" | "breached";

/** The instant a fraction of an SLA target is used up. */
export interface BreachWarning {
  fraction: number;
  /** Absent while paused before reaching it. */
  at?: Instant;
  reached: boolean;
}

/** One SLA clock of a ticket. */
export interface Deadline {
  metric: Metric;
  /** The target, in business time of `calendar`. */
  target: DurationText;
  /** The calendar (`"24x7"` for calendar time). */
  calendar: string;
  /** The calendar's IANA zone. */
  zone: string;
  state: ClockState;
  started_at: Instant;
  /** When the target is reached (UTC); absent while paused before it. */
  due?: Instant;
  /** `due` in the calendar's zone (RFC 9557, e.g. `"2026-03-23T09:30:00+01:00[Europe/Madrid]"`). */
  due_local?: string;
  stopped_at?: Instant;
  /** Business time used so far. */
  elapsed: DurationText;
  /** Target minus elapsed; negative once breached. */
  remaining: DurationText;
  warnings: BreachWarning[];
}

/** What Tierwise makes of a ticket at an instant. */
export interface Triage {
  ticket: string;
  priority: string;
  priority_steps: PriorityStep[];
  score: number;
  explanation: ScoreTerm[];
  /** The SLA rule that applies (its name or path), if any. */
  sla_rule?: string;
  deadlines: Deadline[];
  /** When to ask again: the next warning or deadline, absent if none. */
  next_change?: Instant;
  now: Instant;
}

/** A calendar: an IANA zone, weekly local hours and holidays. */
export interface CalendarSpec {
  timezone: string;
  /** By day (`mon`..`sun`, `weekdays`, `weekend`, `daily`): `"09:00-17:00"` or a list. */
  hours: Record<string, NameList>;
  holidays?: (string | { date?: string; from?: string; to?: string; name?: string })[];
}

/** An agent on the roster. */
export interface Agent {
  id: string;
  name?: string;
  /** Support tier (policy `tiers`), e.g. `"L2"`. */
  tier: string;
  skills?: Record<string, number>;
  languages?: string[];
  clearance?: boolean;
  /** A policy calendar by name, or the agent's own hours. Absent: on duty whenever logged in. */
  shift?: string | CalendarSpec;
  /** Items held at once by channel (default 1 phone, 3 chat/sms/social, 8 email/web/alert). */
  capacity?: Partial<Record<Channel, number>>;
}

/** A roster: a list of agents, or `{ agents: [...] }`. */
export type Roster = Agent[] | { agents: Agent[] };

/** A condition of an override or SLA rule (every given field must match). */
export interface ConditionSpec {
  priority?: NameList;
  category?: NameList;
  customer_tier?: NameList;
  channel?: NameList;
}

/** An SLA target: a duration, or a duration in a calendar of its own. */
export type TargetSpec = DurationText | number | { within: DurationText | number; calendar?: string };

/** A policy document (see docs/policy.md). Unknown fields are errors. */
export interface PolicyDocument {
  version: 1;
  calendars?: Record<string, CalendarSpec>;
  customer_tiers?: string[];
  categories?: string[];
  priority?: {
    classes?: string[];
    impact?: string[];
    urgency?: string[];
    matrix?: string[][];
    overrides?: { name?: string; when?: ConditionSpec; raise?: number; lower?: number; set?: string }[];
  };
  sla?: {
    warn_at?: number[];
    policies?: {
      name?: string;
      when?: ConditionSpec;
      calendar?: string;
      first_response?: TargetSpec;
      next_reply?: TargetSpec;
      resolution?: TargetSpec;
      warn_at?: number[];
    }[];
  };
  scoring?: {
    priority?: number;
    per_hour_waiting?: number;
    per_hour_past_deadline?: number;
    customer_tier?: Record<string, number>;
    channel?: Record<string, number>;
  };
  tiers?: string[];
  routing?: {
    strategy?: NameList;
    offer_timeout?: DurationText | number;
    reject_cooldown?: DurationText | number;
    sticky_wait?: DurationText | number;
    wrap_up?: Record<string, DurationText | number>;
    exclusive_channels?: string[];
    pending_consumes_capacity?: boolean;
    fairness?: { max_offers: number; window: DurationText | number };
    escalation?: { tier: string; max_wait?: DurationText | number; sla_fraction?: number }[];
    relaxation?: {
      after: DurationText | number;
      lower_levels?: number;
      drop_skills?: boolean;
      keep_skills?: string[];
      widen_tier?: boolean;
      any_language?: boolean;
    }[];
  };
}

/**
 * New values for a ticket's fields: absent fields are unchanged; `null`
 * clears a field (back to what a new ticket without it gets).
 */
export interface TicketChanges {
  impact?: string | null;
  urgency?: string | null;
  priority?: string | null;
  category?: string | null;
  customer_tier?: string | null;
  language?: string | null;
  skills?: Record<string, number> | null;
  confidential?: boolean | null;
}

/** An event for `Engine.apply`: `{ at, event, ... }`. Events come in time order. */
export type EngineEvent = { at: Instant } & (
  | { event: "ticket_created"; ticket: Ticket & { id: string }; tier?: string; preferred_agent?: string }
  | { event: "ticket_updated"; ticket: string; changes: TicketChanges }
  | { event: "ticket_resolved" | "ticket_closed" | "ticket_reopened"; ticket: string }
  | { event: "waiting_on_customer" | "customer_replied" | "agent_replied"; ticket: string }
  | { event: "agent_logged_in" | "agent_logged_out"; agent: string }
  | { event: "agent_state_changed"; agent: string; state: "available" | "away" }
  | { event: "agent_finished" | "offer_accepted" | "offer_rejected"; agent: string; ticket: string }
  | { event: "escalate_requested"; ticket: string; to_tier?: string }
  | { event: "tick" }
);

/** Why an offer went to this agent, and why this ticket now. */
export interface OfferExplanation {
  priority: string;
  score: number;
  due?: Instant;
  waited_s: number;
  tier: string;
  strategy: string[];
  skills?: { skill: string; required: number; level: number }[];
  /** Items the agent holds on this channel before the offer, and the capacity. */
  load: [number, number];
  idle_s: number;
  preferred: boolean;
  relaxation?: string[];
  /** Only when `engine.explain = true`. */
  passed_over?: { agent: string; reason: string }[];
}

/** What the engine decided. */
export type Decision =
  | { decision: "offer"; at: Instant; ticket: string; agent: string; expires_at: Instant; why: OfferExplanation }
  | { decision: "offer_expired"; at: Instant; ticket: string; agent: string }
  | { decision: "offer_withdrawn"; at: Instant; ticket: string; agent: string; reason: string }
  | { decision: "requeued"; at: Instant; ticket: string; reason: string }
  | { decision: "escalated"; at: Instant; ticket: string; from_tier: string; to_tier: string; reason: string }
  | { decision: "relaxed"; at: Instant; ticket: string; step: number; detail: string }
  | { decision: "sla_alert"; at: Instant; ticket: string; metric: Metric; fraction: number }
  | { decision: "wake_at"; at: Instant };

/** Ticket counts by state. */
export interface EngineStats {
  waiting: number;
  offered: number;
  assigned: number;
  pending: number;
  handled: number;
  resolved: number;
  agents_logged_in: number;
  routing_groups: number;
}

/** An engine's state as JSON text (64-bit integers inside: do not round-trip it through
 * `JSON.parse`); treat it as opaque. */
export type EngineSnapshot = string & { readonly __engineSnapshot?: never };

/** A staffing scenario (see docs/simulation.md), or its JSON text (convert TOML or YAML with
 * `tierwise convert`: the package reads JSON only). */
export interface ScenarioDocument {
  run: { start: Instant; arrivals?: number; duration?: DurationText | number; seed?: number };
  targets?: Record<string, unknown>;
  /** An inline policy (a file name cannot be read here: pass a Policy instead). */
  policy?: PolicyDocument;
  streams: Record<string, unknown>[];
  teams: Record<string, unknown>[];
  tiers?: Record<string, unknown>[];
}

/** Figures over a group of simulated tickets (means over replications). */
export interface SimFigures {
  arrived: number;
  answered: number;
  abandoned: number;
  unanswered: number;
  mean_wait_s: number;
  p_wait: number;
  service_level: number;
  asa_s: number;
  abandon_rate: number;
  occupancy?: number;
  sla_breach_rate: number;
  /** 95% confidence intervals by figure, with two or more replications. */
  ci95?: Record<string, [number, number]>;
}

/** What a simulation found. */
export interface SimulationResult {
  start: Instant;
  end: Instant;
  seed: number;
  replications: number;
  agents: number;
  answer_within_s: number;
  engine_events: number;
  peak_waiting: number;
  warnings: string[];
  overall: SimFigures;
  by_priority: Record<string, SimFigures>;
  by_stream: Record<string, SimFigures>;
  by_tier: Record<string, SimFigures>;
  by_team: Record<string, SimFigures>;
  series: {
    interval_s: number;
    arrivals: number[];
    waiting: number[];
    on_duty: number[];
    service_level: (number | null)[];
  };
}

/** An agent's level in a required skill. */
export interface SkillMatch {
  skill: string;
  /** The level required. */
  required: number;
  /** The agent's level (0 if none). */
  level: number;
}

/** One agent's standing for a ticket. */
export interface Candidate {
  agent: string;
  name?: string;
  tier: string;
  skills: Record<string, number>;
  languages: string[];
  clearance: boolean;
  /** The zone of the agent's shift; absent: no shift (on duty whenever logged in). */
  timezone?: string;
  /** The agent's local time, ISO 8601 with offset, e.g. `"2026-03-02T10:00:00+01:00"`. */
  local_time?: string;
  on_shift: boolean;
  /** When the shift next opens or closes. */
  shift_changes_at?: Instant;
  /** Whether the router could offer the ticket to this agent now. */
  eligible: boolean;
  /** For eligible agents, the place in the offer order (1 is offered first). */
  rank?: number;
  /** For the others, the first reason found (presence, shift, tier, clearance, language, skills, capacity, fairness). */
  excluded_because?: string;
  /** The agent's levels in the ticket's required skills. */
  skill_match?: SkillMatch[];
}

/** A ticket's triage and who would receive it. */
export interface Preview {
  triage: Triage;
  /** The tier a new ticket starts in. */
  tier: string;
  /** The ordering that ranks eligible agents, e.g. `["longest_idle"]`; ties go to the earlier agent on the roster. */
  strategy: string[];
  /** Eligible agents in offer order, then the others in roster order. */
  candidates: Candidate[];
}

/** The numbers of a triage without the words (from `assessMany`). */
export interface Assessment {
  ticket: string;
  priority: string;
  score: number;
  first_response_due?: Instant;
  next_reply_due?: Instant;
  resolution_due?: Instant;
  next_change?: Instant;
}

/** `assessColumns`: `assessMany`'s numbers as typed arrays, entry `i` for ticket `i`. */
export interface AssessmentColumns {
  count: number;
  /** The policy's classes; `priority[i]` indexes this list. */
  priority_classes: string[];
  priority: Uint16Array;
  score: Float64Array;
  /** Milliseconds since 1970-01-01 UTC (`new Date(ms)`); `NaN` where the ticket has no such clock. */
  first_response_due_ms: Float64Array;
  next_reply_due_ms: Float64Array;
  resolution_due_ms: Float64Array;
  next_change_ms: Float64Array;
}
