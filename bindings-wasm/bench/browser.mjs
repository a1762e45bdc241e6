// The same benchmark in headless Chromium (Debian's /usr/bin/chromium via
// playwright-core): `node bench/browser.mjs` in bindings-wasm/.
import path from "node:path";
import os from "node:os";
import { mkdtemp, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "../e2e/serve.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const server = await serve(path.resolve(here, ".."));
const profile = await mkdtemp(path.join(os.tmpdir(), "tierwise-bench-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic"],
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${server.url}www/index.html`);
  await page.waitForSelector("body[data-ready=true]");
  const { version, rows } = await page.evaluate(async () => {
    const tw = await import("/pkg/web/tierwise_wasm.js");
    await tw.default();
    const { run } = await import("/bench/workload.js");
    const policy = await (await fetch("/www/examples/global-desk.json")).text();
    const roster = await (await fetch("/www/examples/agents.json")).text();
    return { version: navigator.userAgent, rows: run(tw, policy, roster) };
  });
  console.log(version);
  for (const r of rows) console.log(`${r.bench.padEnd(58)} median ${r.median.toFixed(2).padStart(9)} ${r.unit}  (best ${r.best.toFixed(2)})`);
} finally {
  await context.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
}
