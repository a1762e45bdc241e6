// A small consumer of the package, type-checked with `tsc --noEmit --strict`
// (scripts/test-wasm): the definitions describe real shapes, not `any`.
import init, { Engine, Policy, preview, simulate, triage, triageMany } from "../pkg/web/tierwise_wasm.js";
import type { Candidate, Decision, Deadline, Preview, Problem, TierwiseError, Triage } from "../pkg/web/tierwise_wasm.js";

export async function demo(policyText: string, rosterText: string): Promise<string[]> {
  await init();
  const policy = new Policy(policyText);
  const out: string[] = [...policy.priorityClasses, ...policy.warnings.map((w: Problem) => w.path)];
  const t: Triage = triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "chat", impact: "high" }, new Date());
  const due: string | undefined = t.deadlines.find((d: Deadline) => d.metric === "first_response")?.due;
  out.push(t.priority, String(t.score), due ?? "none", ...t.explanation.map((term) => `${term.factor}:${term.points}`));
  const p: Preview = preview(policy, { created_at: "2026-03-02T09:00:00Z", channel: "email" }, "2026-03-02T09:00:00Z", rosterText);
  const first: Candidate | undefined = p.candidates.find((c) => c.rank === 1);
  if (first) out.push(first.agent, first.tier, first.on_shift ? "on shift" : "off", first.local_time ?? "");
  for (const c of p.candidates) if (!c.eligible) out.push(c.excluded_because ?? "");
  const many: Triage[] = triageMany(policy, [{ created_at: "2026-03-02T09:00:00Z", channel: "web" }], "2026-03-02T10:00:00Z");
  out.push(String(many.length));
  const engine = new Engine(policy, [{ id: "ana", tier: "L1", languages: ["es"], capacity: { chat: 2 } }]);
  const decisions: Decision[] = engine.apply({ at: "2026-03-02T09:00:00Z", event: "agent_logged_in", agent: "ana" });
  for (const d of decisions) {
    if (d.decision === "offer") out.push(d.agent, d.why.priority);
    else if (d.decision === "sla_alert") out.push(d.metric);
  }
  const restored: Engine = Engine.restore(policy, engine.snapshot());
  out.push(String(restored.stats().waiting), restored.now ?? "");
  const sim = simulate('{"run": {"start": "2026-03-02T00:00:00Z", "arrivals": 10}}', 1);
  out.push(String(sim.overall.service_level));
  try {
    new Policy({ version: 1, tiers: ["L1"] });
  } catch (e) {
    const err = e as TierwiseError;
    out.push(err.code, err.path, ...err.problems.map((p) => p.message));
  }
  // @ts-expect-error: a ticket needs created_at and channel.
  triage(policy, { id: "x" }, "2026-03-02T09:00:00Z");
  // @ts-expect-error: channel is a closed set.
  triage(policy, { created_at: "2026-03-02T09:00:00Z", channel: "fax" }, "2026-03-02T09:00:00Z");
  return out;
}
