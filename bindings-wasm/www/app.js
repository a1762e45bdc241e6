// The triage preview page: plain ES modules, no framework. The page is the
// host: it reads the clock (the engine never does) and the viewer's time zone
// (Intl), and hands Tierwise documents and instants.
//
// URL parameters (for demos and tests): ?now=2026-03-30T08:05:00Z freezes the
// clock at that instant.
import init, { Policy, preview, version } from "./pkg/tierwise_wasm.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const frozen = params.get("now");
const clock = () => (frozen ? new Date(frozen) : new Date());
const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const state = {
  policy: null,
  rosterText: null,
  createdAt: clock().toISOString(),
  result: null,
  cache: new Map(),
};

const fmtDue = new Intl.DateTimeFormat(undefined, {
  weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short",
});

function fmtIn(zone, iso) {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short", hour: "2-digit", minute: "2-digit", timeZone: zone, timeZoneName: "short",
  }).format(new Date(iso));
}

async function fetchText(url) {
  if (!state.cache.has(url)) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`cannot load ${url}: ${response.status}`);
    state.cache.set(url, await response.text());
  }
  return state.cache.get(url);
}

function fillSelect(select, values, { keep = true, blank = null } = {}) {
  const previous = select.value;
  select.replaceChildren();
  if (blank !== null) select.append(new Option(blank, ""));
  for (const v of values) select.append(new Option(v, v));
  if (keep && [...select.options].some((o) => o.value === previous)) select.value = previous;
}

async function loadPolicy() {
  const text = await fetchText($("policy").value);
  state.policy?.free();
  state.policy = new Policy(text);
  const p = state.policy;
  fillSelect($("impact"), p.impactLevels);
  fillSelect($("urgency"), p.urgencyLevels);
  fillSelect($("customer-tier"), p.customerTiers);
  fillSelect($("category"), p.categories, { blank: "(none)" });
  if (!p.impactLevels.includes($("impact").value)) $("impact").value = p.impactLevels.at(-1);
  if (!p.urgencyLevels.includes($("urgency").value)) $("urgency").value = p.urgencyLevels.at(-1);
}

async function loadRoster() {
  state.rosterText = await fetchText($("roster").value);
}

function parseSkills(text) {
  const skills = {};
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [name, level] = part.split(":").map((s) => s.trim());
    skills[name] = level === undefined || level === "" ? 1 : Number(level);
  }
  return skills;
}

function ticketFromForm() {
  const ticket = {
    id: $("title").value.trim() || "new ticket",
    created_at: state.createdAt,
    channel: $("channel").value,
    impact: $("impact").value,
    urgency: $("urgency").value,
    customer_tier: $("customer-tier").value,
    confidential: $("confidential").checked,
    skills: parseSkills($("skills").value),
  };
  if ($("category").value) ticket.category = $("category").value;
  if ($("language").value.trim()) ticket.language = $("language").value.trim();
  return ticket;
}

const fieldOfPath = {
  impact: "impact", urgency: "urgency", channel: "channel", category: "category",
  customer_tier: "customer-tier", language: "language", skills: "skills", id: "title",
};

function showError(error) {
  const box = $("error");
  for (const el of document.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  if (!error) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  box.hidden = false;
  const problems = error.problems ?? [{ path: "", message: String(error.message ?? error) }];
  box.replaceChildren(
    Object.assign(document.createElement("strong"), { textContent: "Cannot preview this ticket" }),
    ...problems.map((p) => {
      const line = document.createElement("p");
      line.textContent = `${p.path ? p.path + ": " : ""}${p.message}${p.hint ? ` (${p.hint})` : ""}`;
      return line;
    }),
  );
  for (const p of problems) {
    const key = p.path.replace(/^ticket\./, "").split(/[.[]/)[0];
    const id = fieldOfPath[key];
    if (id) $(id).setAttribute("aria-invalid", "true");
  }
}

function countdown(dueIso, now) {
  let s = Math.round((new Date(dueIso) - now) / 1000);
  const sign = s < 0 ? "overdue by " : "in ";
  s = Math.abs(s);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const parts = d ? [`${d}d`, `${h}h`, `${m}m`] : h ? [`${h}h`, `${m}m`, `${sec}s`] : [`${m}m`, `${sec}s`];
  return sign + parts.join(" ");
}

const metricName = { first_response: "First response", next_reply: "Next reply", resolution: "Resolution" };

function el(tag, { dataset = {}, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function render(result) {
  const t = result.triage;
  $("priority").textContent = t.priority;
  $("priority").className = `badge p${state.policy.priorityClasses.indexOf(t.priority)}`;
  $("score").textContent = `score ${t.score.toFixed(1)}`;
  $("sla-rule").textContent = t.sla_rule ? `· SLA rule “${t.sla_rule}”` : "";
  $("steps").replaceChildren(...t.priority_steps.map((s) =>
    el("li", {}, el("code", { textContent: s.source }), ` ${s.detail} → `, el("strong", { textContent: s.class }))));
  $("terms").replaceChildren(...t.explanation.map((term) =>
    el("li", {}, el("code", { textContent: term.factor }), ` ${term.points >= 0 ? "+" : ""}${term.points.toFixed(1)}: ${term.detail}`)));

  const now = clock();
  const rows = t.deadlines.map((d, i) => {
    const due = d.due
      ? el("time", { dateTime: d.due, textContent: fmtDue.format(new Date(d.due)) })
      : el("span", { textContent: "paused (waiting on the customer)" });
    const left = el("td", { className: "countdown" });
    if (d.due && (d.state === "running" || d.state === "breached")) {
      left.dataset.due = d.due;
      left.textContent = countdown(d.due, now);
    } else {
      left.textContent = d.state;
    }
    const business = d.calendar === "24x7"
      ? "calendar time"
      : `${d.remaining} left in ${d.calendar} (${d.zone}${d.due ? `, due ${fmtIn(d.zone, d.due)}` : ""})`;
    return el("tr", { className: d.state },
      el("th", { scope: "row", textContent: metricName[d.metric] ?? d.metric }),
      el("td", { dataset: { testid: `due-${i}` } }, due), left, el("td", { textContent: business }));
  });
  $("deadlines").tBodies[0].replaceChildren(...rows);
  $("deadlines").hidden = rows.length === 0;
  $("no-deadlines").hidden = rows.length !== 0;

  $("strategy").textContent = `Starts in tier ${result.tier}; eligible agents ordered by ${result.strategy.join(", then ")}` +
    " (ties: roster order). Everyone is assumed logged in and free.";
  const card = (c) => {
    const local = c.local_time && c.timezone ? fmtIn(c.timezone, c.local_time) : "no shift: on duty when logged in";
    const skills = Object.entries(c.skills).map(([k, v]) => `${k} ${v}`).join(", ") || "none";
    const shift = c.timezone
      ? `${c.on_shift ? "on shift" : "off shift"}${c.shift_changes_at ? ` until ${fmtDue.format(new Date(c.shift_changes_at))}` : ""}`
      : "";
    return el("li", { className: c.eligible ? "card eligible" : "card excluded", dataset: { agent: c.agent } },
      el("div", { className: "who" },
        c.rank ? el("span", { className: "rank", textContent: `#${c.rank}`, ariaLabel: `rank ${c.rank}` }) : null,
        el("strong", { className: "name", textContent: c.name ?? c.agent }),
        el("span", { className: "tier", textContent: c.tier })),
      el("p", { className: "muted", textContent: `${local}${shift ? " · " + shift : ""}` }),
      el("p", { textContent: `Skills: ${skills} · speaks ${c.languages.join(", ") || "—"}${c.clearance ? " · cleared" : ""}` }),
      c.excluded_because ? el("p", { className: "reason", textContent: `Not eligible: ${c.excluded_because}` }) : null);
  };
  const eligible = result.candidates.filter((c) => c.eligible);
  const excluded = result.candidates.filter((c) => !c.eligible);
  $("candidates").replaceChildren(...(eligible.length ? eligible.map(card)
    : [el("li", { className: "muted", textContent: "Nobody could take it now: it would wait in the queue." })]));
  $("excluded").replaceChildren(...(excluded.length ? excluded.map(card)
    : [el("li", { className: "muted", textContent: "Everyone qualifies." })]));
}

function tickCountdowns() {
  const now = clock();
  for (const cell of document.querySelectorAll("td.countdown[data-due]")) cell.textContent = countdown(cell.dataset.due, now);
}

function update() {
  if (!state.policy || !state.rosterText) return;
  try {
    const result = preview(state.policy, ticketFromForm(), clock(), state.rosterText);
    state.result = result;
    showError(null);
    render(result);
    $("results").classList.remove("stale");
  } catch (error) {
    showError(error);
    $("results").classList.add("stale");
  }
  $("results").setAttribute("aria-busy", "false");
}

async function main() {
  $("viewer-zone").textContent = viewerZone;
  try {
    await init();
    $("version").textContent = version();
    await Promise.all([loadPolicy(), loadRoster()]);
  } catch (error) {
    showError(error);
    return;
  }
  $("policy").addEventListener("change", async () => {
    try { await loadPolicy(); update(); } catch (error) { showError(error); }
  });
  $("roster").addEventListener("change", async () => {
    try { await loadRoster(); update(); } catch (error) { showError(error); }
  });
  $("ticket-form").addEventListener("input", update);
  $("ticket-form").addEventListener("submit", (e) => e.preventDefault());
  update();
  document.body.dataset.ready = "true";
  setInterval(tickCountdowns, 1000);
  // Warnings and scores move with time: ask again when the engine says so, or each minute.
  setInterval(update, 60_000);
}

main();
