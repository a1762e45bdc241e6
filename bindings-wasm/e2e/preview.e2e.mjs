// End-to-end test of the preview page in headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core; no browser is downloaded).
// Loads the page from a local server with the clock frozen, types a ticket,
// and checks the priority, a deadline and the first candidate against the
// engine's answers; saves screenshots to $ARTIFACTS (default ../artifacts).
import assert from "node:assert/strict";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "./serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const artifacts = process.env.ARTIFACTS ?? path.resolve(here, "../../artifacts");
const NOW = "2026-03-30T08:05:00Z"; // a Monday: 10:05 in Madrid, 16:05 in Manila, 03:05 in Bogotá
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--disable-sync", "--no-first-run", "--disable-quic",
];

let passed = 0;
const check = (what, fn) => {
  fn();
  passed += 1;
  console.log(`ok - ${what}`);
};

await mkdir(artifacts, { recursive: true });
const server = await serve(path.resolve(here, "../www"));
const profile = await mkdtemp(path.join(os.tmpdir(), "tierwise-e2e-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: FLAGS,
  timezoneId: "America/New_York", // the viewer's zone: deadlines are shown in it
  locale: "en-US",
  viewport: { width: 390, height: 844 }, // a phone
});
const errors = [];
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  await page.goto(`${server.url}index.html?now=${NOW}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });

  // Every form control has an accessible name.
  const unlabeled = await page.$$eval("input, select", (els) =>
    els.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute("aria-label")).map((e) => e.id));
  check("every input has a label", () => assert.deepEqual(unlabeled, []));

  // Type a ticket: a Spanish-speaking customer's chat about software.
  await page.selectOption("#policy", "examples/global-desk.json");
  await page.selectOption("#roster", "examples/agents.json");
  await page.getByLabel("Title").fill("La aplicación de nóminas no abre");
  await page.getByLabel("Category").selectOption("software");
  await page.getByLabel("Impact").selectOption("medium");
  await page.getByLabel("Urgency").selectOption("high");
  await page.getByLabel("Channel").selectOption("chat");
  await page.getByLabel("Language").fill("es");
  await page.getByLabel("Customer tier").selectOption("vip");
  await page.getByLabel(/Skills needed/).fill("software:2");

  // P2 from the matrix (medium x high), raised to P1 for the VIP.
  const priority = (await page.getByTestId("priority").textContent()).trim();
  check("priority P1", () => assert.equal(priority, "P1"));
  const steps = await page.locator("#steps").textContent();
  check("the override that made it is shown", () => assert.match(steps, /VIP customers/));
  // First response: 15 minutes of calendar time from 08:05Z = 08:20Z = 04:20 in New York (EDT).
  const due = page.getByTestId("due-0");
  const dueIso = await due.locator("time").getAttribute("datetime");
  const dueText = (await due.textContent()).trim();
  check("first response due 2026-03-30T08:20:00Z", () => assert.equal(dueIso, "2026-03-30T08:20:00Z"));
  check("shown in the viewer's zone (04:20 AM EDT)", () => assert.match(dueText, /04:20\s?AM EDT/));
  const left = (await page.locator("td.countdown").first().textContent()).trim();
  check("countdown 15m", () => assert.equal(left, "in 15m 0s"));
  // Candidates: María (Madrid, L1, es, software 2) is on shift; Andrés (Bogotá) is not yet.
  const first = page.locator("#candidates li").first();
  const firstName = (await first.locator(".name").textContent()).trim();
  check("first candidate María", () => assert.equal(firstName, "María (Madrid, L1)"));
  const rank = (await first.locator(".rank").textContent()).trim();
  check("ranked #1", () => assert.equal(rank, "#1"));
  const excluded = await page.locator("#excluded").textContent();
  check("others are excluded with a reason", () => assert.match(excluded, /Not eligible: /));
  await page.screenshot({ path: path.join(artifacts, "preview-phone.png"), fullPage: true });

  // Bad input: an unknown skill level is refused with the field path, and the field is marked.
  await page.getByLabel(/Skills needed/).fill("software:999");
  await page.waitForSelector("#error:not([hidden])");
  const message = await page.locator("#error").textContent();
  check("bad input names the field path", () => assert.match(message, /skills\.software/));
  const invalid = await page.getByLabel(/Skills needed/).getAttribute("aria-invalid");
  check("the field is marked invalid", () => assert.equal(invalid, "true"));
  await page.getByLabel(/Skills needed/).fill("software:2");
  await page.waitForSelector("#error[hidden]", { state: "attached" });

  // Another desk: the Madrid office policy and its roster.
  await page.selectOption("#policy", "examples/madrid-office.json");
  await page.selectOption("#roster", "rosters/madrid-office.json");
  await page.waitForFunction(() => document.querySelector("#customer-tier option[value=management]"));
  await page.getByLabel("Customer tier").selectOption("management");
  const madridDue = await page.getByTestId("due-0").textContent();
  check("Madrid office deadlines shown", () => assert.ok(madridDue.trim().length > 0));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(artifacts, "preview-desktop.png"), fullPage: true });

  check("no errors in the page", () => assert.deepEqual(errors, []));
} finally {
  await context.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
}
console.log(`e2e: ${passed} checks passed; screenshots in ${artifacts}`);
