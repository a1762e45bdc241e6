// Generated-input (fast-check) tests of every public entry point of the npm
// package (pkg/node, the release build): whatever a host passes, each call
// returns or throws a TierwiseError (string `code` and `path`, never
// `internal`); never a WebAssembly.RuntimeError (`unreachable`, out of bounds)
// or another error type; the module is not poisoned afterwards; memory stays
// bounded. Seeded, so every run generates the same inputs. Run by
// `node --test js-tests/` in bindings-wasm/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import fc from "fast-check";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

// The glue keeps its wasm instance private; watch `new WebAssembly.Instance`
// to reach the instance's exported memory. A second instance would mean the
// glue re-created the module after a panic.
const instances = [];
const OriginalInstance = WebAssembly.Instance;
WebAssembly.Instance = class extends OriginalInstance {
  constructor(module, imports) {
    super(module, imports);
    instances.push(this);
  }
};
const tw = require("../pkg/node/tierwise_wasm.js");
const memoryBytes = () => instances.at(-1).exports.memory.buffer.byteLength;
// The allocator's malloc and free, by the (minified) names the glue uses for them.
const glue = readFileSync(path.join(here, "../pkg/node/tierwise_wasm.js"), "utf8");
const [, mallocName] = glue.match(/passStringToWasm0\([^,]+, wasm\.(\w+), wasm\.\w+\)/);
const [, freeName] = glue.match(/wasm\.(\w+)\(deferred\d+_0, deferred\d+_1, 1\)/);
/** Free space inside the wasm heap, in 4 KiB blocks: allocates blocks until the memory would grow, then frees them. */
function freeHeapBlocks() {
  const x = instances.at(-1).exports;
  const size = x.memory.buffer.byteLength;
  const blocks = [];
  while (x.memory.buffer.byteLength === size && blocks.length < 1 << 20) blocks.push(x[mallocName](4096, 1));
  for (const b of blocks) x[freeName](b, 4096, 1);
  return blocks.length - 1;
}

const SEED = 20261124;
const runs = (numRuns) => ({ seed: SEED, numRuns, includeErrorInReport: true });

const exampleText = (name) => readFileSync(path.join(here, "../www/examples", name), "utf8");
const deskText = exampleText("global-desk.json");
const madridText = exampleText("madrid-office.json");
const rosterText = exampleText("agents.json");
const deskDoc = JSON.parse(deskText);
const madridDoc = JSON.parse(madridText);
const rosterDoc = JSON.parse(rosterText);
const ticketDocs = ["vip-outage-alert.json", "spanish-chat.json", "madrid-email-waiting.json"].map((n) => JSON.parse(exampleText(n)));
const eventDocs = readFileSync(path.join(root, "examples/routing/events.jsonl"), "utf8")
  .split("\n")
  .filter((l) => l.trim() && !l.trim().startsWith("#"))
  .map((l) => JSON.parse(l));

const desk = new tw.Policy(deskText);
const bare = new tw.Policy('{"version": 1}');
const KNOWN = { ticket: ticketDocs[0], now: "2026-03-06T21:45:00Z" };
const knownAnswer = tw.triage(desk, KNOWN.ticket, KNOWN.now);
const sceneBase = {
  run: { start: "2026-03-02T00:00:00Z", duration: "2h", seed: 7 },
  targets: { answer_within: "20s" },
  streams: [{ name: "calls", channel: "phone", per_hour: 20, handle: { dist: "exponential", mean: "6m" } }],
  teams: [{ name: "desk", agents: 2, tier: "L1", timezone: "UTC", shifts: "24/7" }],
};

// ---------------------------------------------------------------- checks

/** Runs `fn`: its result, or `undefined` after a well-formed TierwiseError; any other throw fails. */
function checked(fn, label = "") {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw new Error(`${label}: WebAssembly.RuntimeError reached the host: ${e.message}`, { cause: e });
    if (!(e instanceof Error)) throw new Error(`${label}: threw a non-Error: ${String(e)}`);
    if (e.name !== "TierwiseError") throw new Error(`${label}: threw ${e.constructor.name} (name ${e.name}): ${e.message}`, { cause: e });
    if (typeof e.code !== "string" || typeof e.path !== "string") throw new Error(`${label}: TierwiseError without string code/path: ${e.message}`);
    if (!Array.isArray(e.problems) || e.problems.length < 1) throw new Error(`${label}: TierwiseError without problems: ${e.message}`);
    if (e.code === "internal") throw new Error(`${label}: internal error (a caught panic): ${e.message}`, { cause: e });
    return undefined;
  }
}

/** The module still answers the known question with the known answer, in its first instance. */
function assertHealthy() {
  assert.deepEqual(tw.triage(desk, KNOWN.ticket, KNOWN.now), knownAnswer);
  assert.equal(tw.version(), "0.1.0");
  assert.equal(instances.length, 1, "the wasm instance was re-created (a panic reached the glue)");
}

/** Frees a Policy or Engine a call returned (wasm memory is not GC'd promptly). */
const release = (x) => {
  if (x instanceof tw.Policy || x instanceof tw.Engine) x.free();
};

// ---------------------------------------------------------------- generators

const HUGE = [1 << 10, 64 << 10, (1 << 20) - 64, (1 << 20) + 1];
const DEPTHS = [1, 2, 63, 64, 65, 66, 200];
const EDGE = [
  0, -0, -1, 1, 0.5, 255, 256, 65535, 2 ** 31, 2 ** 32, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e308, 5e-324, NaN, Infinity, -Infinity,
  "", " ", "\u0000", "\ud800", "\udfff", "💥".repeat(3), "e\u0301", "0", "-1", "1e999", "true", "null", "[]", "{}",
  "P1", "P9", "L1", "L9", "vip", "high", "outage", "24x7", "madrid", "UTC", "Mars/Base",
  "1h", "-1h", "0s", "1.5h", "99999999h", "9223372036854775807s", "1d2h3m4s", "30", "P1D",
  "2026-03-06T08:00:00Z", "2026-02-30T00:00:00Z", "2026-03-06T08:00:60Z", "9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z", "-009999-01-01T00:00:00Z",
  "2026-03-06T08:00:00+25:00", "2026-03-06", "08:00-17:00", "23:00-01:00", "24:00-24:00", "00:00-00:00", "17:00-08:00", "25:00-26:00",
  null, true, false, [], {}, [null], [[]], { version: 1 }, ["P1", "P1"], { "": 1 }, { __proto__: null, x: 1 },
];

function nested(value, depth, arrays) {
  let v = value;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { x: v };
  return v;
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });
/** Any JS value at all: JSON, bigint, Date, Map, typed arrays, sparse arrays, null-prototype objects, boxed values. */
const anyValue = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withNullPrototype: true,
  withObjectString: true,
  withBoxedValues: true,
});
const hostileExtra = fc.constantFrom(
  undefined,
  Symbol("x"),
  () => 1,
  new Date(NaN),
  new Error("not a ticket"),
  Object.assign(Object.create(null), { version: 1 }),
  "[".repeat(100000),
  nested(0, 3000, true),
  nested({}, 3000, false),
  '{"a":'.repeat(10000),
  "\ufeff{}",
  "version = 1",
);
/** A hostile value: any JS value, JSON text, or something nasty. */
const hostile = fc.oneof(anyValue, fc.json({ maxDepth: 3 }), fc.string(), hostileExtra, fc.constantFrom(...EDGE));

/** One mutation of a JSON document (its target picked among all its paths by `at`). */
const mutation = fc.record({
  kind: fc.constantFrom("delete", "delete", "replace", "replace", "edge", "edge", "retype", "swap", "swap", "addKey", "dup", "nest", "huge"),
  at: fc.nat(),
  other: fc.nat(),
  value: jsonValue,
  edge: fc.constantFrom(...EDGE),
  key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("version", "id", "tier", "name", "when", "calendar", "hours", "agents", "__proto__", "constructor")),
  depth: fc.constantFrom(...DEPTHS),
  size: fc.constantFrom(...HUGE),
  flag: fc.boolean(),
});

/** Every path into `v` (not below depth 80: a nested mutation is deep enough). */
function allPaths(v, prefix = [], out = []) {
  out.push(prefix);
  if (v !== null && typeof v === "object" && prefix.length < 80) {
    for (const k of Object.keys(v)) allPaths(v[k], [...prefix, Array.isArray(v) ? Number(k) : k], out);
  }
  return out;
}
const getAt = (root, p) => p.reduce((o, k) => o?.[k], root);
function setAt(root, p, value) {
  if (p.length === 0) return value;
  getAt(root, p.slice(0, -1))[p.at(-1)] = value;
  return root;
}
function retype(v, n) {
  const options = [String(v), Number(v), v === null ? 1 : !v, [v], { value: v }, null, JSON.stringify(v) ?? "undefined"];
  return options[n % options.length];
}

/** Applies a mutation to `root` (mutated in place where it can be); returns the new root. */
function applyMutation(root, m) {
  const paths = allPaths(root);
  const p = paths[m.at % paths.length];
  const target = getAt(root, p);
  switch (m.kind) {
    case "delete": {
      if (p.length === 0) return m.flag ? undefined : {};
      const parent = getAt(root, p.slice(0, -1));
      if (Array.isArray(parent)) parent.splice(p.at(-1), 1);
      else delete parent[p.at(-1)];
      return root;
    }
    case "replace":
      return setAt(root, p, structuredClone(m.value));
    case "edge":
      return setAt(root, p, structuredClone(m.edge));
    case "retype":
      return setAt(root, p, retype(target, m.other));
    case "swap":
      return setAt(root, p, structuredClone(getAt(root, paths[m.other % paths.length])));
    case "addKey":
      if (target !== null && typeof target === "object" && !Array.isArray(target)) {
        Object.defineProperty(target, m.key, { value: structuredClone(m.value), enumerable: true, writable: true, configurable: true });
        return root;
      }
      return setAt(root, p, { [m.key]: structuredClone(m.value) });
    case "dup":
      if (Array.isArray(target) && target.length > 0) {
        target.push(structuredClone(target[m.other % target.length]));
        return root;
      }
      return setAt(root, p, [target, target]);
    case "nest":
      return setAt(root, p, nested(target, m.depth, m.flag));
    case "huge":
      return setAt(root, p, (m.flag ? "x" : "é").repeat(m.size));
    default:
      throw new Error(m.kind);
  }
}

/** A mutated copy of `base` (1 to `max` mutations), as an object or as its JSON text. */
const mutated = (base, max = 4) =>
  fc.record({ ms: fc.array(mutation, { minLength: 1, maxLength: max }), text: fc.boolean() }).map(({ ms, text }) => {
    let doc = structuredClone(base);
    for (const m of ms) doc = applyMutation(doc, m);
    if (!text) return doc;
    try {
      return JSON.stringify(doc) ?? "";
    } catch {
      return doc; // too deep to stringify: pass the object
    }
  });

/** Instants and non-instants for `now`. */
const pad = (n, w = 2) => String(n).padStart(w, "0");
const rfc3339ish = fc
  .record({
    y: fc.integer({ min: -1, max: 10000 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 61 }),
    s: fc.integer({ min: 0, max: 61 }),
    frac: fc.constantFrom("", ".5", ".123456789", ".1234567890123", "."),
    zone: fc.constantFrom("Z", "z", "+00:00", "-05:30", "+14:00", "+24:00", "", "[Europe/Madrid]", "+01:00[Europe/Madrid]", " UTC"),
  })
  .map(({ y, mo, d, h, mi, s, frac, zone }) => `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}${frac}${zone}`);
const nowArb = fc.oneof(
  rfc3339ish,
  rfc3339ish,
  fc.date({ noInvalidDate: false }),
  fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2026-12-31T00:00:00Z") }),
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(...EDGE),
  anyValue,
  hostileExtra,
);

/** A valid ticket for the global desk: names from the policy, history in time order. */
const T0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms) => new Date(ms).toISOString().replace(".000Z", "Z");
const validTicket = (id) =>
  fc
    .record(
      {
        created: fc.integer({ min: 0, max: 365 * 86400 }),
        channel: fc.constantFrom("phone", "chat", "email", "sms", "social", "web", "alert"),
        impact: fc.constantFrom(...desk.impactLevels),
        urgency: fc.constantFrom(...desk.urgencyLevels),
        priority: fc.constantFrom(...desk.priorityClasses),
        category: fc.constantFrom(...desk.categories),
        customer_tier: fc.constantFrom(...desk.customerTiers),
        language: fc.constantFrom("en", "es", "tl", "fr"),
        skills: fc.dictionary(fc.constantFrom("access", "network", "software", "security"), fc.integer({ min: 0, max: 5 }), { maxKeys: 3 }),
        confidential: fc.boolean(),
        history: fc.array(
          fc.tuple(fc.constantFrom("agent_replied", "waiting_on_customer", "customer_replied", "resolved", "reopened"), fc.integer({ min: 1, max: 86400 })),
          { maxLength: 5 },
        ),
        later: fc.integer({ min: 0, max: 10 * 86400 }),
      },
      { requiredKeys: ["created", "channel", "history", "later"] },
    )
    .map(({ created, later, history, ...rest }) => {
      const createdMs = T0 + created * 1000;
      let t = createdMs;
      const ticket = { id, created_at: iso(createdMs), ...rest };
      if (history.length) ticket.history = history.map(([event, dt]) => ({ event, at: iso((t += dt * 1000)) }));
      return { ticket, now: iso(t + later * 1000) };
    });

// ---------------------------------------------------------------- Policy

test("new Policy(arbitrary value or JSON text) returns or throws TierwiseError", () => {
  fc.assert(
    fc.property(hostile, (doc) => {
      release(checked(() => new tw.Policy(doc), "new Policy"));
    }),
    runs(400),
  );
  assertHealthy();
});

test("new Policy(mutated real policy): a policy it accepts is usable and round-trips", () => {
  let accepted = 0;
  fc.assert(
    fc.property(fc.oneof(mutated(deskDoc), mutated(madridDoc)), fc.constantFrom(...ticketDocs), (doc, ticket) => {
      const p = checked(() => new tw.Policy(doc), "new Policy");
      if (!p) return;
      accepted++;
      try {
        for (const get of ["calendars", "categories", "customerTiers", "impactLevels", "priorityClasses", "tiers", "urgencyLevels"]) {
          const names = checked(() => p[get], get);
          assert.ok(Array.isArray(names) && names.every((n) => typeof n === "string"), get);
        }
        checked(() => p.warnings, "warnings");
        const canonical = checked(() => p.toJSON(), "toJSON");
        // The canonical form is a policy that compiles to the same canonical form.
        const again = checked(() => new tw.Policy(canonical), "new Policy(toJSON())");
        assert.ok(again, "the canonical form of an accepted policy is refused");
        assert.deepEqual(again.toJSON(), canonical);
        again.free();
        checked(() => tw.triage(p, ticket, "2026-03-30T09:00:00Z"), "triage under mutated policy");
        checked(() => tw.preview(p, ticket, "2026-03-30T09:00:00Z", rosterDoc), "preview under mutated policy");
      } finally {
        p.free();
      }
    }),
    runs(400),
  );
  assert.ok(accepted > 20, `only ${accepted} mutated policies were accepted`);
  assertHealthy();
});

// ---------------------------------------------------------------- triage family

test("triage / triageMany / assessMany with hostile and mutated tickets", () => {
  const ticketArb = fc.oneof(hostile, ...ticketDocs.map((t) => mutated(t)));
  fc.assert(
    fc.property(ticketArb, fc.array(ticketArb, { maxLength: 4 }), fc.boolean(), fc.constantFrom(desk, bare), (ticket, many, manyAsText, p) => {
      const now = "2026-03-30T09:00:00Z";
      checked(() => tw.triage(p, ticket, now), "triage");
      let list = many;
      if (manyAsText) {
        try {
          list = JSON.stringify(many) ?? "";
        } catch {}
      }
      checked(() => tw.triageMany(p, list, now), "triageMany");
      checked(() => tw.assessMany(p, list, now), "assessMany");
      // The list argument itself may be anything.
      checked(() => tw.triageMany(p, ticket, now), "triageMany(non-list)");
      checked(() => tw.assessMany(p, ticket, now), "assessMany(non-list)");
    }),
    runs(400),
  );
  assertHealthy();
});

test("the `now` argument: random strings, numbers, Dates (invalid too) and values", () => {
  fc.assert(
    fc.property(nowArb, fc.constantFrom(...ticketDocs), (now, ticket) => {
      checked(() => tw.triage(desk, ticket, now), "triage");
      checked(() => tw.triageMany(desk, [ticket, ticket], now), "triageMany");
      checked(() => tw.assessMany(desk, [ticket], now), "assessMany");
      checked(() => tw.preview(desk, ticket, now, rosterDoc), "preview");
    }),
    runs(500),
  );
  assertHealthy();
});

test("determinism: a valid ticket triaged twice gives deep-equal answers, and the batch calls agree", () => {
  let answered = 0;
  fc.assert(
    fc.property(validTicket("GEN-1"), ({ ticket, now }) => {
      const first = checked(() => tw.triage(desk, ticket, now), "triage");
      const second = checked(() => tw.triage(desk, structuredClone(ticket), now), "triage again");
      assert.deepEqual(second, first);
      assert.deepEqual(checked(() => tw.triage(desk, JSON.stringify(ticket), new Date(now)), "triage(text, Date)"), first);
      if (!first) return;
      answered++;
      const many = tw.triageMany(desk, [ticket, ticket], now);
      assert.deepEqual(many, [first, first]);
      const [lean] = tw.assessMany(desk, [ticket], now);
      assert.equal(lean.priority, first.priority);
      assert.equal(lean.score, first.score);
      assert.equal(lean.resolution_due, first.deadlines.find((d) => d.metric === "resolution")?.due);
    }),
    runs(300),
  );
  assert.ok(answered > 150, `only ${answered} of 300 valid tickets were answered`);
  assertHealthy();
});

test("preview with mutated tickets and mutated or hostile rosters", () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.constantFrom(...ticketDocs), ...ticketDocs.map((t) => mutated(t, 2))),
      fc.oneof(mutated(rosterDoc), mutated(rosterDoc.agents), hostile),
      fc.constantFrom("2026-03-30T08:05:00Z", "2026-03-06T21:45:00Z", "2026-04-03T23:00:00Z"),
      (ticket, roster, now) => {
        const out = checked(() => tw.preview(desk, ticket, now, roster), "preview");
        if (out) assert.ok(Array.isArray(out.candidates));
      },
    ),
    runs(400),
  );
  assertHealthy();
});

// ---------------------------------------------------------------- Engine

const START = Date.parse(eventDocs[0].at);
const agentIds = [...rosterDoc.agents.map((a) => a.id), "ghost", ""];
const ticketIds = ["T0", "T1", "T2", "T0", "T1", "T2", "T3", "INC-1", "INC-2"];
const eventKinds = [
  "ticket_created", "ticket_created", "ticket_created", "ticket_updated", "ticket_resolved", "ticket_closed", "ticket_reopened",
  "waiting_on_customer", "customer_replied", "agent_replied", "agent_logged_in", "agent_logged_in", "agent_logged_out",
  "agent_state_changed", "agent_finished", "offer_accepted", "offer_accepted", "offer_rejected", "escalate_requested", "tick", "tick",
];
/** An event from the engine's grammar (names from the roster and a few ticket ids), `dt` seconds after the previous. */
const grammarEvent = fc
  .record({
    event: fc.constantFrom(...eventKinds),
    dt: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 6 * 3600 }), fc.constantFrom(-60, 0, 30, 86400 * 3)),
    agent: fc.constantFrom(...agentIds),
    ticket: fc.constantFrom(...ticketIds),
    made: validTicket("T0"),
    plain: fc.boolean(),
    tier: fc.option(fc.constantFrom("L1", "L2", "L3", "L4", "L9")),
    preferred: fc.option(fc.constantFrom(...agentIds)),
    state: fc.constantFrom("available", "away", "busy"),
    changes: fc.record(
      { impact: fc.constantFrom("high", "low", "huge"), priority: fc.constantFrom("P1", "P5"), skills: fc.constant({ network: 9 }), confidential: fc.boolean() },
      { requiredKeys: [] },
    ),
  })
  .map((g) => {
    const e = { event: g.event, dt: g.dt };
    if (g.event === "ticket_created") {
      // No history (its instants are the generator's, not this clock's); half of them routable by anyone.
      const { history: _h, ...made } = g.made.ticket;
      if (g.plain) {
        delete made.skills;
        delete made.confidential;
        delete made.language;
      }
      e.ticket = { ...made, id: g.ticket };
      if (g.tier !== null) e.tier = g.tier;
      if (g.preferred !== null) e.preferred_agent = g.preferred;
    } else if (g.event === "ticket_updated") Object.assign(e, { ticket: g.ticket, changes: g.changes });
    else if (g.event.startsWith("agent_logged")) e.agent = g.agent;
    else if (g.event === "agent_state_changed") Object.assign(e, { agent: g.agent, state: g.state });
    else if (["agent_finished", "offer_accepted", "offer_rejected"].includes(g.event)) Object.assign(e, { agent: g.agent, ticket: g.ticket });
    else if (g.event === "escalate_requested") {
      e.ticket = g.ticket;
      if (g.tier !== null) e.to_tier = g.tier;
    } else if (g.event !== "tick") e.ticket = g.ticket;
    return e;
  });
/** An event sequence: some agents log in, then grammar events, the example's events (some mutated), and arbitrary values. */
const loginStep = fc.constantFrom(...rosterDoc.agents.map((a) => a.id)).map((agent) => ({ event: "agent_logged_in", dt: 0, agent }));
const createStep = grammarEvent.filter((e) => e.event === "ticket_created");
const eventStep = fc.oneof(
  { weight: 6, arbitrary: grammarEvent },
  { weight: 2, arbitrary: fc.constantFrom(...eventDocs).map((e) => ({ ...structuredClone(e), example: true })) },
  { weight: 2, arbitrary: fc.constantFrom(...eventDocs).chain((e) => mutated(e, 3)).map((e) => ({ raw: e })) },
  { weight: 1, arbitrary: hostile.map((e) => ({ raw: e })) },
);
const eventSequence = fc
  .tuple(fc.array(loginStep, { maxLength: 4 }), fc.array(createStep, { maxLength: 3 }), fc.array(eventStep, { minLength: 1, maxLength: 25 }))
  .map(([logins, creations, rest]) => [...logins, ...creations, ...rest]);
/** Gives each event its instant (a running clock; the example's events keep theirs shifted onto it). */
function timed(steps) {
  let t = START;
  return steps.map((s) => {
    if ("raw" in s) return s.raw;
    const { dt, example, ...e } = s;
    if (example) return e;
    t += (dt ?? 0) * 1000;
    if (e.event === "ticket_created") e.ticket.created_at = iso(t);
    return { at: iso(t), ...e };
  });
}

/** Events that carry an engine on from its instant: everyone logs in, time passes. */
function continuation(engine) {
  const t = engine.now ? Date.parse(engine.now) : START;
  return [
    { at: iso(t + 60e3), event: "tick" },
    ...rosterDoc.agents.map((a) => ({ at: iso(t + 120e3), event: "agent_logged_in", agent: a.id })),
    { at: iso(t + 3 * 3600e3), event: "tick" },
  ];
}

/** Checks an engine's own view of itself: no broken invariants, and a snapshot
 * that restores to an engine which carries on exactly as the original. */
function inspectEngine(engine, label) {
  assert.deepEqual(engine.audit(), [], `${label}: engine.audit() found broken invariants`);
  const now = engine.now;
  assert.ok(now === undefined || typeof now === "string");
  const stats = checked(() => engine.stats(), `${label} stats`);
  for (const id of ticketIds) checked(() => engine.triage(id), `${label} engine.triage`);
  const snap = checked(() => engine.snapshot(), `${label} snapshot`);
  if (snap === undefined) return;
  const restored = checked(() => tw.Engine.restore(desk, snap), `${label} restore`);
  assert.ok(restored, `${label}: Engine.restore refused the engine's own snapshot`);
  try {
    // `routing_groups` counts groups created so far: a restored engine recreates only those it needs.
    const { routing_groups: _a, ...counts } = stats;
    const { routing_groups: _b, ...restoredCounts } = restored.stats();
    assert.deepEqual(restoredCounts, counts);
    assert.equal(restored.snapshot(), snap);
    assert.deepEqual(restored.audit(), []);
    const more = continuation(engine);
    const original = checked(() => engine.applyAll(more), `${label} continuation`);
    const again = checked(() => restored.applyAll(more), `${label} continuation after restore`);
    assert.deepEqual(again, original, `${label}: the restored engine decides differently`);
    assert.equal(restored.snapshot(), engine.snapshot());
  } finally {
    restored.free();
  }
}

test("new Engine(policy, mutated or hostile roster) returns or throws TierwiseError", () => {
  fc.assert(
    fc.property(fc.oneof(mutated(rosterDoc), mutated(rosterDoc.agents), hostile), fc.constantFrom(desk, bare), (roster, p) => {
      const engine = checked(() => new tw.Engine(p, roster), "new Engine");
      if (engine) {
        try {
          assert.deepEqual(engine.audit(), []);
          checked(() => engine.apply({ at: "2026-03-06T08:00:00Z", event: "tick" }), "apply tick");
          checked(() => engine.stats(), "stats");
        } finally {
          engine.free();
        }
      }
    }),
    runs(300),
  );
  assertHealthy();
});

test("engine.apply / applyAll with generated, example-based, mutated and arbitrary events", () => {
  let decisions = 0;
  let offers = 0;
  fc.assert(
    fc.property(eventSequence, fc.boolean(), fc.array(fc.boolean(), { maxLength: 25 }), (steps, explain, batched) => {
      const events = timed(steps);
      const engine = new tw.Engine(desk, rosterDoc);
      try {
        engine.explain = explain;
        for (let i = 0; i < events.length; i++) {
          if (batched[i] && i + 1 < events.length) {
            const pair = events.slice(i, i + 2);
            const asText = batched[i + 1] ?? false;
            let arg = pair;
            if (asText) {
              try {
                arg = JSON.stringify(pair) ?? "";
              } catch {}
            }
            const out = checked(() => engine.applyAll(arg), "applyAll");
            if (out) {
              decisions += out.length;
              offers += out.filter((d) => d.decision === "offer").length;
            }
            i++;
          } else {
            const out = checked(() => engine.apply(events[i]), "apply");
            if (out) {
              assert.ok(Array.isArray(out) && out.every((d) => typeof d.decision === "string"));
              decisions += out.length;
              offers += out.filter((d) => d.decision === "offer").length;
            }
          }
        }
        checked(() => engine.applyAll(events.map((e) => e)), "applyAll(all, again)");
        inspectEngine(engine, "after events");
      } finally {
        engine.free();
      }
    }),
    runs(150),
  );
  assert.ok(offers > 100, `only ${offers} offers (${decisions} decisions): the generated events rarely reach the router`);
  assertHealthy();
});

test("engine.apply / applyAll with arbitrary values", () => {
  const engine = new tw.Engine(desk, rosterDoc);
  try {
    engine.applyAll(eventDocs.slice(0, 4));
    fc.assert(
      fc.property(fc.oneof(hostile, fc.array(hostile, { maxLength: 3 }), mutated(eventDocs)), (value) => {
        checked(() => engine.apply(value), "apply");
        checked(() => engine.applyAll(value), "applyAll");
      }),
      runs(300),
    );
    inspectEngine(engine, "after arbitrary values");
  } finally {
    engine.free();
  }
  assertHealthy();
});

/** Snapshot text with its 64-bit integers kept as text through JSON.parse/stringify. */
const BIG = /(?<![\w".])-?\d{16,}(?![\w".])/g;
const parseSnapshot = (text) => JSON.parse(text.replace(BIG, (m) => `"#big:${m}"`));
const stringifySnapshot = (doc) => JSON.stringify(doc).replace(/"#big:(-?\d+)"/g, "$1");

test("Engine.restore(policy, mutated snapshot text) returns or throws TierwiseError", () => {
  const engine = new tw.Engine(desk, rosterDoc);
  engine.applyAll(eventDocs);
  const snap = engine.snapshot();
  engine.free();
  const snapDoc = parseSnapshot(snap);
  assert.equal(stringifySnapshot(snapDoc), snap, "the snapshot's 64-bit integers survive the test's own parse");
  const textEdit = fc.record({
    kind: fc.constantFrom("truncate", "cut", "insert", "digits", "flip"),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 40 }),
    insert: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("-", "9".repeat(25), "-9223372036854775808", "1e400", "null", "[]", "{}", ",", '"', "\\u0000")),
    digits: fc.oneof(fc.integer().map(String), fc.constantFrom("0", "-1", "18446744073709551615", "9223372036854775807", "-9223372036854775809", "4294967296")),
  });
  const byText = fc.array(textEdit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let s = snap;
    for (const e of edits) {
      const at = e.at % (s.length + 1);
      if (e.kind === "truncate") s = s.slice(0, at);
      else if (e.kind === "cut") s = s.slice(0, at) + s.slice(at + e.len);
      else if (e.kind === "insert") s = s.slice(0, at) + e.insert + s.slice(at);
      else if (e.kind === "flip") s = s.replace(/true|false/g, (m, i) => (i >= at ? (m === "true" ? "false" : "true") : m));
      else {
        let n = 0;
        const which = e.len;
        s = s.replace(/-?\d+/g, (m) => (n++ === which ? e.digits : m));
      }
    }
    return s;
  });
  const byStructure = mutated(snapDoc, 3).map((doc) => {
    try {
      return stringifySnapshot(typeof doc === "string" ? JSON.parse(doc) : doc);
    } catch {
      return doc;
    }
  });
  let restored = 0;
  fc.assert(
    fc.property(fc.oneof(byText, byStructure, byStructure, hostile), (text) => {
      const engine = checked(() => tw.Engine.restore(desk, text), "Engine.restore");
      if (!engine) return;
      restored++;
      try {
        // What a host does with an engine it restored: a snapshot that restores is
        // consistent, and the engine keeps routing.
        assert.ok(engine.now === undefined || typeof engine.now === "string");
        assert.deepEqual(checked(() => engine.audit(), "audit"), []);
        if (engine.now) checked(() => engine.apply({ at: iso(Date.parse(engine.now) + 60e3), event: "tick" }), "apply(tick)");
        checked(() => engine.stats(), "stats");
        checked(() => engine.snapshot(), "snapshot");
        for (const id of ticketIds) checked(() => engine.triage(id), "engine.triage");
      } finally {
        engine.free();
      }
    }),
    runs(400),
  );
  // Most mutations make a snapshot the engine refuses (as it should); enough
  // must restore to exercise routing on them. Fewer do since snapshots hold
  // each ticket's alerts told, and a clock moved past alerts never told is
  // refused (8 of these 400 at the time of writing).
  assert.ok(restored >= 5, `only ${restored} mutated snapshots were restored`);
  assertHealthy();
});

// ---------------------------------------------------------------- simulate

/** Small replacements only, so a mutated scenario stays a few simulated hours. */
const smallValue = fc.oneof(
  fc.integer({ min: -3, max: 60 }),
  fc.double({ min: -2, max: 2 }),
  fc.string({ maxLength: 6 }),
  fc.constantFrom(null, true, false, [], {}, "1h", "30m", "0s", "-1h", "6m", "UTC", "Mars/Base", "L1", "L9", "24/7", "phone", "chat", "exponential", "fixed", "lognormal", "P1"),
);
const sceneMutation = fc.record({
  kind: fc.constantFrom("delete", "delete", "replace", "replace", "retype", "swap", "addKey", "dup"),
  at: fc.nat(),
  other: fc.nat(),
  value: smallValue,
  key: fc.constantFrom("x", "name", "agents", "per_hour", "handle", "patience", "skills", "priority", "tier", "arrivals", "policy", "shifts", "language"),
  flag: fc.boolean(),
});
const smallScenario = fc
  .record({
    ms: fc.array(sceneMutation, { maxLength: 3 }),
    text: fc.boolean(),
    inline: fc.boolean(),
  })
  .map(({ ms, text, inline }) => {
    let doc = structuredClone(sceneBase);
    if (inline) doc.policy = structuredClone(deskDoc);
    for (const m of ms) doc = applyMutation(doc, { ...m, edge: m.value, depth: 1, size: 1 });
    // Keep every generated run short whatever the mutations did.
    if (doc && typeof doc === "object" && doc.run && typeof doc.run === "object" && !Array.isArray(doc.run)) {
      if (typeof doc.run.arrivals === "number" && doc.run.arrivals > 200) doc.run.arrivals = 200;
    }
    return text ? JSON.stringify(doc) ?? "" : doc;
  });
const replicationsArb = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer({ min: 1, max: 2 }),
  fc.constantFrom(0, -1, 101, 2 ** 32, 2 ** 32 + 1, NaN, 1.5, "2", {}),
);

test("simulate(small mutated scenario, replications) and Policy.simulate", () => {
  let simulated = 0;
  fc.assert(
    fc.property(smallScenario, replicationsArb, fc.boolean(), (scenario, reps, underPolicy) => {
      const out = underPolicy
        ? checked(() => desk.simulate(scenario, reps), "policy.simulate")
        : checked(() => tw.simulate(scenario, reps), "simulate");
      if (out) {
        simulated++;
        assert.equal(typeof out.overall.arrived, "number");
      }
    }),
    runs(120),
  );
  assert.ok(simulated > 10, `only ${simulated} mutated scenarios ran`);
  fc.assert(
    fc.property(hostile, (scenario) => {
      checked(() => tw.simulate(scenario, 1), "simulate(hostile)");
      checked(() => bare.simulate(scenario, 1), "policy.simulate(hostile)");
    }),
    runs(200),
  );
  // Same scenario, same figures.
  assert.deepEqual(tw.simulate(sceneBase, 1), tw.simulate(JSON.stringify(sceneBase), 1));
  assertHealthy();
});

// ---------------------------------------------------------------- memory

test("memory stays bounded: a second batch of 2,000 refused calls does not grow the wasm memory", () => {
  const policyArb = fc.oneof(mutated(deskDoc, 2), hostile);
  const call = fc.oneof(
    policyArb.map((doc) => () => new tw.Policy(doc)),
    fc.oneof(hostile, mutated(ticketDocs[0], 2)).map((t) => () => tw.triage(desk, t, "2026-03-30T09:00:00Z")),
    fc.array(hostile, { maxLength: 3 }).map((ts) => () => tw.triageMany(desk, ts, "2026-03-30T09:00:00Z")),
    fc.array(hostile, { maxLength: 3 }).map((ts) => () => tw.assessMany(desk, ts, "2026-03-30T09:00:00Z")),
    nowArb.map((now) => () => tw.triage(desk, ticketDocs[1], now)),
    fc.oneof(hostile, mutated(rosterDoc, 2)).map((r) => () => tw.preview(desk, ticketDocs[1], "2026-03-30T09:00:00Z", r)),
    fc.oneof(hostile, mutated(rosterDoc, 2)).map((r) => () => new tw.Engine(desk, r)),
    fc.oneof(hostile, mutated(eventDocs[2], 2)).map((e) => (engine) => engine.apply(e)),
    fc.array(hostile, { maxLength: 3 }).map((es) => (engine) => engine.applyAll(es)),
    fc.oneof(fc.string(), hostile).map((s) => () => tw.Engine.restore(desk, s)),
    fc.oneof(hostile, smallScenario).map((s) => () => tw.simulate(s, 1)),
  );
  const batch = fc.sample(call, { seed: SEED, numRuns: 2000 });
  // One engine for the event calls, with the example's first events applied.
  const engine = new tw.Engine(desk, rosterDoc);
  engine.applyAll(eventDocs.slice(0, 3));
  let refused = 0;
  const runBatch = () => {
    refused = 0;
    for (const c of batch) {
      const out = checked(() => c(engine), "batch call");
      if (out === undefined) refused++;
      release(out);
    }
  };
  const start = memoryBytes();
  runBatch();
  const afterFirst = memoryBytes();
  runBatch();
  const afterSecond = memoryBytes();
  // Page growth misses a leak that fits in the heap's free space: count that space too.
  const freeBefore = freeHeapBlocks();
  const probed = memoryBytes();
  runBatch();
  runBatch();
  const afterFourth = memoryBytes();
  const freeAfter = freeHeapBlocks();
  engine.free();
  console.log(
    `wasm memory: ${start} bytes before, ${afterFirst} after batch 1, ${afterSecond} after batch 2; ` +
      `${freeBefore} free 4 KiB heap blocks after batch 2, ${freeAfter} after batch 4 (memory ${probed} -> ${afterFourth}); ` +
      `${refused} of ${batch.length} calls refused per batch`,
  );
  assert.ok(refused > 1000, `only ${refused} of the batch's calls were refused`);
  assert.equal(afterSecond, afterFirst, "the wasm memory grew during a second identical batch (a leak per call)");
  assert.equal(afterFourth, probed, "the wasm memory grew during batches 3 and 4 (a leak per call)");
  assert.ok(freeAfter >= freeBefore - 1, `the heap's free space shrank by ${freeBefore - freeAfter} blocks of 4 KiB over 4,000 calls (a leak per call)`);
  assert.ok(afterFourth < 256 << 20, `the wasm memory reached ${afterFourth} bytes`);
  assertHealthy();
});

// ---------------------------------------------------------------- found by these tests

test(
  "engine.triage(non-string id) throws TierwiseError, not a RuntimeError",
  () => {
    const engine = new tw.Engine(desk, rosterDoc);
    try {
      for (const id of [42, {}, Symbol("id"), null, undefined, ["T0"]]) checked(() => engine.triage(id), `engine.triage(${String(id)})`);
    } finally {
      engine.free();
    }
  },
);

test(
  "a non-Policy or freed object throws TierwiseError",
  () => {
    const freed = new tw.Policy('{"version": 1}');
    freed.free();
    const engine = new tw.Engine(desk, "[]");
    engine.free();
    const failures = [];
    for (const [label, fn] of [
      ["triage({}, …)", () => tw.triage({}, KNOWN.ticket, KNOWN.now)],
      ["triage(freed policy, …)", () => tw.triage(freed, KNOWN.ticket, KNOWN.now)],
      ["freed policy getter", () => freed.tiers],
      ["freed engine apply", () => engine.apply({ at: KNOWN.now, event: "tick" })],
      ["second free()", () => freed.free()],
    ]) {
      try {
        checked(fn, label);
      } catch (e) {
        failures.push(e.message);
      }
    }
    assert.deepEqual(failures, []);
  },
);

// The last tests: a panic resets the module, which makes every object created before it stale.
test(
  "Engine.restore refuses a snapshot whose agent loads disagree with its tickets",
  () => {
    const engine = new tw.Engine(desk, rosterDoc);
    engine.applyAll(eventDocs);
    const snap = engine.snapshot();
    engine.free();
    const text = snap.replace('"load":[0,0,1,0,0,0,0]', '"load":[0,0,5,0,0,0,0]');
    assert.notEqual(text, snap);
    assert.throws(
      () => tw.Engine.restore(desk, text),
      (e) => e.name === "TierwiseError" && e.code === "inconsistent" && /load/.test(e.message),
    );
  },
);

test(
  "Engine.restore refuses a snapshot whose ticket is on offer to an agent index past the roster",
  () => {
    const engine = new tw.Engine(desk, rosterDoc);
    engine.applyAll(eventDocs);
    const snap = engine.snapshot();
    engine.free();
    const text = snap.replace('"agent":3', '"agent":99');
    assert.notEqual(text, snap);
    assert.throws(
      () => tw.Engine.restore(desk, text),
      (e) => e.name === "TierwiseError" && e.code !== "internal" && /outside the snapshot|roster/.test(e.message),
    );
  },
);

test(
  "after a panic, the first call with an object from before it refuses clearly",
  () => {
    const probe = require("../pkg-test/node/tierwise_wasm.js");
    const before = new probe.Policy(deskText);
    assert.throws(() => probe.panicProbe("deliberate"), (e) => e.name === "TierwiseError" && e.code === "internal");
    let caught;
    try {
      probe.triage(before, KNOWN.ticket, KNOWN.now);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof Error && !(caught instanceof WebAssembly.RuntimeError), `first call after the panic: ${caught}`);
    assert.equal(caught.name, "TierwiseError", `first call after the panic: ${caught}`);
    assert.equal(caught.code, "invalid_value");
    assert.match(caught.message, /stale/);
  },
);
