// Node benchmark of the npm package (pkg/node): `node bench/bench.mjs` in
// bindings-wasm/ after scripts/test-wasm built it. Wall-clock timings, printed
// only; nothing is asserted about speed.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { run } from "./workload.js";

const require = createRequire(import.meta.url);
const tw = require("../pkg/node/tierwise_wasm.js");
const read = (p) => readFileSync(new URL(`../../examples/${p}`, import.meta.url), "utf8");
const policy = readFileSync(new URL("../www/examples/global-desk.json", import.meta.url), "utf8"); // converted by scripts/test-wasm
const rows = run(tw, policy, read("routing/agents.json"));
console.log(`node ${process.version}`);
for (const r of rows) console.log(`${r.bench.padEnd(58)} median ${r.median.toFixed(2).padStart(9)} ${r.unit}  (best ${r.best.toFixed(2)})`);
