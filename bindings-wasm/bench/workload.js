// The benchmark workload, shared by Node (bench/bench.mjs) and Chromium
// (bench/browser.mjs): the seeded tickets of the native criterion benches
// (benches/benches/data.rs, SplitMix64), triaged 20 minutes after creation.

const MASK = (1n << 64n) - 1n;

function splitmix(seed) {
  let state = BigInt(seed) & MASK;
  return {
    next() {
      state = (state + 0x9e3779b97f4a7c15n) & MASK;
      let z = state;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
      return z ^ (z >> 31n);
    },
    below(n) {
      return Number(this.next() % BigInt(n));
    },
  };
}

/** `n` tickets for examples/policies/global-desk.toml, created during 2026 (as data::tickets). */
export function tickets(n, seed = 11) {
  const start = 1767225600; // 2026-01-01T00:00:00Z
  const at = splitmix(BigInt(seed) ^ 0x5eedn);
  const created = Array.from({ length: n }, () => new Date((start + at.below(365 * 86400)) * 1000).toISOString().replace(".000Z", "Z"));
  const rng = splitmix(seed);
  const levels = ["high", "medium", "low"];
  const tiers = ["standard", "premium", "vip"];
  const categories = ["access", "hardware", "software", "network", "security", "outage"];
  const channels = ["phone", "chat", "email", "web", "alert"];
  return created.map((c, i) => ({
    id: `T${i}`,
    created_at: c,
    channel: channels[rng.below(5)],
    impact: levels[rng.below(3)],
    urgency: levels[rng.below(3)],
    category: categories[rng.below(6)],
    customer_tier: tiers[rng.below(3)],
  }));
}

const plus20m = (iso) => new Date(Date.parse(iso) + 20 * 60_000).toISOString().replace(".000Z", "Z");

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Runs every measurement with module `tw` (already initialised); returns a table of results. */
export function run(tw, policyText, rosterText, { rounds = 7 } = {}) {
  const now = () => performance.now();
  const policy = new tw.Policy(policyText);
  const all = tickets(10_000);
  const nows = all.map((t) => plus20m(t.created_at));
  const texts = all.map((t) => JSON.stringify(t));
  const out = [];
  // Warm up (calendar year tables, JIT).
  for (let i = 0; i < 2000; i++) tw.triage(policy, all[i % 1024], nows[i % 1024]);

  // One ticket at a time, as the page does: mean over 1,024 tickets, best of rounds.
  const single = (label, ticketAt) => {
    const times = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = now();
      for (let i = 0; i < 1024; i++) {
        const t = tw.triage(policy, ticketAt(i), nows[i]);
        if (!t.priority) throw new Error("no priority");
      }
      times.push(((now() - t0) / 1024) * 1000);
    }
    out.push({ bench: label, unit: "us/ticket", median: median(times), best: Math.min(...times) });
  };
  single("triage(policy, ticketObject, now) one ticket", (i) => all[i]);
  single("triage(policy, ticketJsonText, now) one ticket", (i) => texts[i]);

  const batch = (label, fn) => {
    const times = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = now();
      const n = fn();
      if (n !== 10_000) throw new Error(`got ${n} results`);
      times.push(now() - t0);
    }
    out.push({ bench: label, unit: "ms/10k", median: median(times), best: Math.min(...times) });
  };
  batch("10,000 x triage(object) in a loop", () => {
    let n = 0;
    for (let i = 0; i < all.length; i++) n += tw.triage(policy, all[i], nows[i]).priority ? 1 : 0;
    return n;
  });
  const json = JSON.stringify(all);
  batch("triageMany(policy, 10,000 objects, 2027-01-01)", () => tw.triageMany(policy, all, "2027-01-01T00:00:00Z").length);
  batch("triageMany(policy, JSON text of 10,000, 2027-01-01)", () => tw.triageMany(policy, json, "2027-01-01T00:00:00Z").length);
  batch("assessMany(policy, 10,000 objects, 2027-01-01)", () => tw.assessMany(policy, all, "2027-01-01T00:00:00Z").length);
  batch("assessMany(policy, JSON text of 10,000, 2027-01-01)", () => tw.assessMany(policy, json, "2027-01-01T00:00:00Z").length);
  batch("assessColumns(policy, 10,000 objects, 2027-01-01)", () => tw.assessColumns(policy, all, "2027-01-01T00:00:00Z").count);
  batch("assessColumns(policy, JSON text of 10,000, 2027-01-01)", () => tw.assessColumns(policy, json, "2027-01-01T00:00:00Z").count);

  if (rosterText) {
    const chat = { id: "CHAT-7", created_at: "2026-03-30T08:00:00Z", channel: "chat", impact: "medium", urgency: "medium", category: "software", skills: { software: 2 }, language: "es" };
    const times = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = now();
      for (let i = 0; i < 200; i++) tw.preview(policy, chat, "2026-03-30T08:05:00Z", rosterText);
      times.push(((now() - t0) / 200) * 1000);
    }
    out.push({ bench: "preview(policy, ticket, now, 5-agent roster)", unit: "us/call", median: median(times), best: Math.min(...times) });
  }
  return out;
}
