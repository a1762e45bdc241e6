// The npm package as JavaScript uses it (pkg/node, the release build), and
// the same-answers-as-the-CLI fixtures. Run by scripts/test-wasm after it
// builds the package: `node --test js-tests/` in bindings-wasm/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const tw = require("../pkg/node/tierwise_wasm.js");
const ex = (p) => path.join(root, "examples", p);
const read = (p) => readFileSync(ex(p), "utf8");
// The package reads JSON: scripts/test-wasm converts the TOML example
// policies with `tierwise convert` into www/examples/.
const readPolicy = (p) => readFileSync(path.join(here, "../www/examples", path.basename(p, ".toml") + ".json"), "utf8");

function assertTierwiseError(fn, code, pathWanted) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error, `expected an Error, got ${caught}`);
  assert.equal(caught.name, "TierwiseError");
  assert.equal(caught.code, code, caught.message);
  if (pathWanted !== undefined) {
    assert.equal(caught.path, pathWanted, caught.message);
    if (pathWanted) assert.match(caught.message, new RegExp(pathWanted.replace(/[[\].]/g, "\\$&")));
  }
  assert.ok(Array.isArray(caught.problems) && caught.problems.length >= 1);
  return caught;
}

test("errors are real Errors named TierwiseError with code, path and problems", () => {
  const e = assertTierwiseError(
    () => new tw.Policy({ version: 1, sla: { policies: [{ resolution: "soon" }] }, tiers: 3 }),
    "invalid_value",
    "sla.policies[0].resolution",
  );
  assert.deepEqual(e.problems.map((p) => p.path).sort(), ["sla.policies[0].resolution", "tiers"]);
  assert.match(e.message, /^2 problems:/);
  assertTierwiseError(() => new tw.Policy('{"version": 1, "calendars": {"x": {"timezone": "Mars/Base", "hours": {"daily": "09:00-10:00"}}}}'), "unknown_name", "calendars.x.timezone");
  // The package reads JSON only; TOML or YAML text says how to convert it.
  for (const text of ["version = 1\n[routing]\noffer_timeout = '2m'", "version: 1\nrouting:\n  offer_timeout: 2m"]) {
    const e = assertTierwiseError(() => new tw.Policy(text), "syntax", "");
    assert.match(e.message, /tierwise convert/);
  }
  assertTierwiseError(() => new tw.Policy("{"), "syntax");
  assertTierwiseError(() => new tw.Policy(undefined), "invalid_value", "");
  assertTierwiseError(() => new tw.Policy(42n), "invalid_value", "");
  const policy = new tw.Policy(readPolicy("policies/global-desk.toml"));
  assertTierwiseError(() => tw.triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "fax" }, "2026-03-02T09:00:00Z"), "invalid_value", "channel");
  assertTierwiseError(() => tw.triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "chat" }, "tomorrow"), "invalid_value", "now");
  assertTierwiseError(() => tw.triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "chat" }, new Date(NaN)), "invalid_value", "now");
  const typo = assertTierwiseError(
    () => tw.triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "chat", customer_tier: "premum" }, "2026-03-02T09:00:00Z"),
    "unknown_name",
    "customer_tier",
  );
  assert.match(typo.problems[0].hint, /premium/);
  assertTierwiseError(() => tw.preview(policy, read("tickets/spanish-chat.json"), "2026-03-30T08:05:00Z", [{ id: "a", tier: "L7" }]), "unknown_name", "agents[0].tier");
  assertTierwiseError(() => tw.preview(policy, { created_at: "2026-03-30T08:00:00Z", channel: "chat", impact: "hgh" }, "2026-03-30T08:05:00Z", read("routing/agents.json")), "unknown_name", "ticket.impact");
});

test("hostile inputs throw TierwiseError, never RuntimeError", () => {
  const policy = new tw.Policy('{"version": 1}');
  const cyclic = {};
  cyclic.self = cyclic;
  const inputs = [null, undefined, 0, NaN, true, "", "[]", "null", cyclic, () => 1, Symbol("x"), "[".repeat(100000), "{\"a\":".repeat(10000), "\u0000", { created_at: 5 }, { created_at: "2026-03-02T09:00:00Z", channel: "chat", skills: { x: -1 } }, { created_at: "9999-12-31T23:59:59Z", channel: "chat" }, { created_at: "-009999-01-01T00:00:00Z", channel: "chat" }];
  for (const input of inputs) {
    for (const call of [
      () => new tw.Policy(input),
      () => tw.triage(policy, input, "2026-03-02T09:00:00Z"),
      () => tw.triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "chat" }, input),
      () => tw.triageMany(policy, input, "2026-03-02T09:00:00Z"),
      () => tw.preview(policy, { created_at: "2026-03-02T09:00:00Z", channel: "chat" }, "2026-03-02T09:00:00Z", input),
      () => new tw.Engine(policy, input),
      () => tw.Engine.restore(policy, input),
      () => tw.simulate(input),
    ]) {
      try {
        call();
      } catch (e) {
        assert.equal(e?.name, "TierwiseError", `${String(input).slice(0, 40)}: ${e}`);
        // A caught panic is a TierwiseError too, with code "internal": a bug.
        assert.notEqual(e.code, "internal", `${String(input).slice(0, 40)}: ${e}`);
      }
    }
  }
  // Instants beyond what an instant can hold are named.
  assertTierwiseError(() => tw.triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "chat" }, "9999-12-31T23:59:59Z"), "invalid_value", "now");
  // Still working afterwards.
  assert.equal(tw.triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "chat" }, "2026-03-02T09:00:00Z").priority, "P5");
});

test("a panic becomes a TierwiseError (code internal) and the module recovers", () => {
  const probe = require("../pkg-test/node/tierwise_wasm.js");
  const before = new probe.Policy('{"version": 1}');
  const e = assertTierwiseError(() => probe.panicProbe("deliberate"), "internal", "");
  assert.match(e.message, /deliberate/);
  assert.doesNotMatch(e.message, /unreachable/);
  // A fresh instance answers the next call; objects from before refuse clearly.
  const after = new probe.Policy('{"version": 1}');
  assert.equal(probe.triage(after, { created_at: "2026-03-02T09:00:00Z", channel: "chat" }, "2026-03-02T09:00:00Z").priority, "P5");
  assert.throws(() => before.priorityClasses, (err) => err instanceof Error && !(err instanceof WebAssembly.RuntimeError));
  assertTierwiseError(() => probe.panicProbe("again"), "internal", "");
});

test("free() of an object from before a reset frees nothing of the new instance", () => {
  const probe = require("../pkg-test/node/tierwise_wasm.js");
  const ticket = { created_at: "2026-03-02T09:00:00Z", channel: "chat" };
  const stale = [new probe.Policy('{"version": 1}'), new probe.Policy('{"version": 1}')];
  try {
    probe.panicProbe("deliberate");
  } catch {
    // expected: the module resets on the next call
  }
  const live = Array.from({ length: 4 }, () => new probe.Policy('{"version": 1}'));
  for (const p of stale) p.free(); // as a try/finally or `using` block would
  stale[1][Symbol.dispose]();
  for (const p of live) assert.equal(probe.triage(p, ticket, "2026-03-02T09:00:00Z").priority, "P5");
  const more = new probe.Policy('{"version": 1}');
  assert.equal(probe.triage(more, ticket, "2026-03-02T09:00:00Z").priority, "P5");
  for (const p of [...live, more]) p.free();
});

test("free() through a Proxy frees once, even when the object is collected", () => {
  // A child process with the collector exposed: the registry's cleanup runs
  // after a collection, between turns of the event loop.
  const script = `
    const tw = require(${JSON.stringify(path.join(here, "../pkg/node/tierwise_wasm.js"))});
    const doc = '{"version": 1}';
    const ticket = { created_at: "2026-03-02T09:00:00Z", channel: "chat" };
    const live = Array.from({ length: 50 }, () => new tw.Policy(doc));
    (async () => {
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 50; i++) new Proxy(new tw.Policy(doc), {}).free();
        for (let i = 0; i < 3; i++) { global.gc(); await new Promise((r) => setTimeout(r, 10)); }
        for (const p of live) {
          const fresh = new tw.Policy(doc);
          if (tw.triage(p, ticket, "2026-03-02T09:00:00Z").priority !== "P5") throw new Error("corrupted");
          fresh.free();
        }
      }
      console.log("ok");
    })().catch((e) => { console.log(String(e)); process.exit(1); });
  `;
  const out = execFileSync(process.execPath, ["--expose-gc", "-e", script], { encoding: "utf8" });
  assert.equal(out.trim(), "ok");
});

// Same policy + ticket + now through the CLI and through wasm: identical JSON.
const cli = process.env.TIERWISE_CLI ?? path.join(root, "target/debug/tierwise");
const fixtures = [
  { policy: "policies/global-desk.toml", ticket: "tickets/vip-outage-alert.json", now: "2026-03-06T21:45:00Z" },
  { policy: "policies/global-desk.toml", ticket: "tickets/vip-outage-alert.json", now: "2026-03-07T03:00:00Z" },
  { policy: "policies/madrid-office.toml", ticket: "tickets/madrid-email-waiting.json", now: "2026-03-30T07:15:00Z" },
  { policy: "policies/madrid-office.toml", ticket: "tickets/madrid-email-waiting.json", now: "2026-04-02T10:00:00Z" },
  { policy: "policies/global-desk.toml", ticket: "tickets/spanish-chat.json", now: "2026-03-30T08:05:00Z", roster: "routing/agents.json" },
  { policy: "policies/global-desk.toml", ticket: "tickets/vip-outage-alert.json", now: "2026-03-06T21:45:00Z", roster: "routing/agents.json" },
  { policy: "policies/global-desk.toml", ticket: "tickets/spanish-chat.json", now: "2026-04-03T23:00:00Z", roster: "routing/agents.json" },
];
for (const f of fixtures) {
  test(`same answer as the CLI: ${f.ticket} under ${f.policy} at ${f.now}${f.roster ? " with " + f.roster : ""}`, () => {
    const args = ["triage", "--json", "--policy", ex(f.policy), "--ticket", ex(f.ticket), "--now", f.now];
    if (f.roster) args.push("--roster", ex(f.roster));
    const native = JSON.parse(execFileSync(cli, args, { encoding: "utf8" }));
    const policy = new tw.Policy(readPolicy(f.policy));
    const wasm = f.roster
      ? tw.preview(policy, read(f.ticket), f.now, read(f.roster))
      : tw.triage(policy, read(f.ticket), f.now);
    assert.deepEqual(wasm, native);
    // Byte for byte, too (both are serde_json of the same structs).
    assert.equal(JSON.stringify(wasm), JSON.stringify(native));
  });
}

test("engine replay of examples/routing/events.jsonl matches `tierwise route`", () => {
  const policyPath = ex("policies/global-desk.toml");
  const events = read("routing/events.jsonl").split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
  const native = execFileSync(cli, ["route", "--policy", policyPath, "--agents", ex("routing/agents.json"), "--events", ex("routing/events.jsonl")], { encoding: "utf8" })
    .split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
  const engine = new tw.Engine(new tw.Policy(readPolicy("policies/global-desk.toml")), read("routing/agents.json"));
  const wasm = events.flatMap((e) => engine.apply(e));
  assert.deepEqual(wasm, native);
  // And applyAll, from a snapshot taken half-way, gives the rest.
  const again = new tw.Engine(new tw.Policy(readPolicy("policies/global-desk.toml")), read("routing/agents.json"));
  const half = Math.floor(events.length / 2);
  const first = again.applyAll(events.slice(0, half).map((e) => JSON.parse(e)));
  const restored = tw.Engine.restore(new tw.Policy(readPolicy("policies/global-desk.toml")), again.snapshot());
  const rest = restored.applyAll(JSON.stringify(events.slice(half).map((e) => JSON.parse(e))));
  assert.deepEqual([...first, ...rest], native);
});

test("applyAll stopping at a refused event hands out what it decided, once", () => {
  const events = read("routing/events.jsonl").split("\n").filter((l) => l.trim() && !l.trim().startsWith("#")).map((l) => JSON.parse(l));
  const engine = () => new tw.Engine(new tw.Policy(readPolicy("policies/global-desk.toml")), read("routing/agents.json"));
  const tick = { at: "2026-03-06T09:00:00Z", event: "tick" };
  // Never stopping: the events, then a tick at the refused event's instant
  // (offers expire by then).
  const reference = engine().applyAll([...events, tick]);
  const stopped = engine();
  const bad = { at: "2026-03-06T09:00:00Z", event: "agent_logged_in", agent: "nobody" };
  const error = assertTierwiseError(() => stopped.applyAll([...events, bad]), "unknown_name", `[${events.length}].agent`);
  assert.ok(error.decisions.some((d) => d.decision === "offer_expired"), "the timers' decisions come with the error");
  // Then when to call back, as a call that succeeds ends.
  assert.equal(error.decisions.at(-1).decision, "wake_at");
  assert.deepEqual([...error.decisions.slice(0, -1), ...stopped.apply(tick)], reference);
});

test("a Proxy or a revoked Proxy is refused with a TierwiseError and leaves objects usable", () => {
  const policy = new tw.Policy(readPolicy("policies/global-desk.toml"));
  const ticket = read("tickets/spanish-chat.json");
  assertTierwiseError(() => tw.triage(policy, ticket, new Proxy(new Date("2026-03-30T08:05:00Z"), {})), "invalid_value", "now");
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const engine = new tw.Engine(policy, read("routing/agents.json"));
  assert.throws(() => engine.triage(proxy), (e) => e.name === "TierwiseError");
  assert.throws(() => tw.triage(policy, proxy, "2026-03-30T08:05:00Z"), (e) => e.name === "TierwiseError");
  // Both still work, and free.
  assert.equal(tw.triage(policy, ticket, "2026-03-30T08:05:00Z").priority, tw.triage(policy, ticket, new Date("2026-03-30T08:05:00Z")).priority);
  const login = { at: "2026-03-06T08:00:00Z", event: "agent_logged_in", agent: "maria" };
  const fresh = new tw.Engine(policy, read("routing/agents.json"));
  assert.deepEqual(engine.apply(login), fresh.apply(login));
  fresh.free();
  engine.free();
  policy.free();
});

test("replications must be whole numbers of at least 1", () => {
  const scenario = {
    run: { start: "2026-03-02T00:00:00Z", arrivals: 50, seed: 3 },
    streams: [{ name: "calls", channel: "phone", per_hour: 60, handle: { dist: "exponential", mean: "5m" } }],
    teams: [{ name: "desk", agents: 6, tier: "L1" }],
  };
  for (const bad of [-1, 0, 1.9, 2 ** 32 + 2, "2", Number.NaN]) {
    assertTierwiseError(() => tw.simulate(scenario, bad), "invalid_value", "replications");
  }
  assertTierwiseError(() => tw.simulate(scenario, 101), "invalid_value", "replications");
  assert.deepEqual(tw.simulate(scenario, 2), tw.simulate(scenario, 2));
  assert.deepEqual(tw.simulate(scenario), tw.simulate(scenario, 1));
});

test("the browser build refuses calls before init() with a TierwiseError, then works after initSync()", async () => {
  const web = await import("../pkg/web/tierwise_wasm.js");
  const policyText = readPolicy("policies/global-desk.toml");
  const scenario = { run: { start: "2026-03-02T00:00:00Z", arrivals: 5, seed: 1 }, streams: [{ name: "calls", channel: "phone", per_hour: 60, handle: { dist: "fixed", value: "5m" } }], teams: [{ name: "desk", agents: 2, tier: "L1" }] };
  const e = assertTierwiseError(() => new web.Policy(policyText), "not_initialised", "");
  assert.match(e.message, /init\(\)/);
  assertTierwiseError(() => web.simulate(scenario), "not_initialised", "");
  web.initSync({ module: readFileSync(path.join(here, "../pkg/web/tierwise_wasm_bg.wasm")) });
  const policy = new web.Policy(policyText);
  assert.deepEqual(web.triage(policy, { id: "t1", created_at: "2026-03-30T08:00:00Z", channel: "email" }, "2026-03-30T08:05:00Z"), tw.triage(new tw.Policy(policyText), { id: "t1", created_at: "2026-03-30T08:00:00Z", channel: "email" }, "2026-03-30T08:05:00Z"));
  assert.deepEqual(web.simulate(scenario), tw.simulate(scenario));
});

test("explain reads back, and only a boolean sets it", () => {
  const engine = new tw.Engine(new tw.Policy(readPolicy("policies/global-desk.toml")), read("routing/agents.json"));
  assert.equal(engine.explain, false);
  engine.explain = true;
  assert.equal(engine.explain, true);
  assertTierwiseError(() => { engine.explain = "true"; }, "invalid_value", "explain");
  assert.equal(engine.explain, true);
});

test("assessMany gives triage's numbers", () => {
  const p = new tw.Policy(readPolicy("policies/global-desk.toml"));
  const tickets = [JSON.parse(read("tickets/vip-outage-alert.json")), JSON.parse(read("tickets/spanish-chat.json"))];
  const now = "2026-03-30T09:00:00Z";
  const lean = tw.assessMany(p, tickets, now);
  const full = tw.triageMany(p, tickets, now);
  assert.equal(lean.length, 2);
  for (let i = 0; i < 2; i++) {
    assert.equal(lean[i].priority, full[i].priority);
    assert.equal(lean[i].score, full[i].score);
    assert.equal(lean[i].resolution_due, full[i].deadlines.find((d) => d.metric === "resolution")?.due);
  }
  assertTierwiseError(() => tw.assessMany(p, [tickets[0], { ...tickets[1], urgency: "meh" }], now), "unknown_name", "[1].urgency");

  // The same numbers as typed arrays.
  const cols = tw.assessColumns(p, JSON.stringify(tickets), now);
  assert.equal(cols.count, 2);
  assert.ok(cols.score instanceof Float64Array && cols.priority instanceof Uint16Array);
  const ms = (instant) => (instant === undefined ? NaN : Date.parse(instant));
  for (let i = 0; i < 2; i++) {
    assert.equal(cols.priority_classes[cols.priority[i]], lean[i].priority);
    assert.equal(cols.score[i], lean[i].score);
    assert.deepEqual(
      [cols.first_response_due_ms[i], cols.next_reply_due_ms[i], cols.resolution_due_ms[i], cols.next_change_ms[i]],
      [ms(lean[i].first_response_due), ms(lean[i].next_reply_due), ms(lean[i].resolution_due), ms(lean[i].next_change)],
    );
  }
  assert.ok(Number.isNaN(cols.next_reply_due_ms[0]), "no next-reply clock on a new ticket");
  assert.equal(tw.assessColumns(p, [], now).count, 0);
  assertTierwiseError(() => tw.assessColumns(p, [tickets[0], { ...tickets[1], urgency: "meh" }], now), "unknown_name", "[1].urgency");
});

test("policy metadata for forms", () => {
  const p = new tw.Policy(readPolicy("policies/global-desk.toml"));
  assert.deepEqual(p.impactLevels, ["high", "medium", "low"]);
  assert.deepEqual(p.customerTiers, ["standard", "premium", "vip"]);
  assert.ok(p.categories.includes("outage"));
  assert.deepEqual(p.tiers, ["L1", "L2", "L3", "L4"]);
  assert.equal(p.toJSON().version, 1);
  assert.deepEqual(p.warnings, []);
  assert.equal(tw.version(), "0.1.0");
});

test("engine.reload switches policy, or refuses and changes nothing", () => {
  const strict = new tw.Policy({ version: 1 });
  const relaxing = new tw.Policy({ version: 1, routing: { relaxation: [{ after: "5m", lower_levels: 1 }] } });
  const engine = new tw.Engine(strict, [{ id: "ana", tier: "L1", skills: { network: 2 }, capacity: { chat: 1 } }]);
  engine.apply({ at: "2026-03-02T09:00:00Z", event: "agent_logged_in", agent: "ana" });
  const created = engine.apply({ at: "2026-03-02T09:00:00Z", event: "ticket_created", ticket: { id: "T1", created_at: "2026-03-02T09:00:00Z", channel: "chat", skills: { network: 3 } } });
  assert.equal(created.filter((d) => d.decision === "offer").length, 0);
  const out = engine.reload(relaxing);
  assert.deepEqual(out.at(-1), { decision: "wake_at", at: "2026-03-02T09:05:00Z" });
  const offers = engine.apply({ at: "2026-03-02T09:05:00Z", event: "tick" }).filter((d) => d.decision === "offer");
  assert.deepEqual(offers.map((d) => [d.ticket, d.agent]), [["T1", "ana"]]);
  engine.apply({ at: "2026-03-02T09:05:05Z", event: "offer_accepted", agent: "ana", ticket: "T1" });
  const before = engine.snapshot();
  const e = assertTierwiseError(() => engine.reload(strict), "inconsistent", "");
  assert.match(e.message, /cannot serve/);
  assert.equal(engine.snapshot(), before);
  engine.free();
  strict.free();
  relaxing.free();
});
