// Makes wasm-bindgen's glue reset a module that panicked *before* checking
// whether an object belongs to the current instance.
//
// After a panic the bindings call `schedule_reinit()`: the next call's
// `__wbg_call_guard()` starts a fresh instance and bumps `__wbg_instance_id`.
// The glue of wasm-bindgen 0.2.130 checks `obj.__wbg_inst` against the id
// first and calls the guard after, so the first call after a panic with an
// object from before it passes the check and runs with a pointer into the
// fresh instance (`RuntimeError: unreachable`, or a second panic). Here each
// check calls the guard first, so such an object is refused at once with the
// glue's own "Invalid stale object from previous Wasm instance" error.
//
// Usage: node guard-first.mjs GLUE.js...   (fails if a file has no check to
// change, so a wasm-bindgen that writes its glue differently is noticed)
import { readFileSync, writeFileSync } from "node:fs";

const check = /if \((this|\([\w$]+\))\.__wbg_inst !== undefined && /g;
for (const file of process.argv.slice(2)) {
  const glue = readFileSync(file, "utf8");
  if (!glue.includes("function __wbg_call_guard()")) {
    console.error(`${file}: no __wbg_call_guard in the glue; update bindings-wasm/build/guard-first.mjs`);
    process.exit(1);
  }
  let changed = 0;
  const patched = glue.replace(check, (_, obj) => {
    changed += 1;
    return `if ((__wbg_call_guard(), ${obj}.__wbg_inst) !== undefined && `;
  });
  if (changed === 0) {
    console.error(`${file}: no instance check found; update bindings-wasm/build/guard-first.mjs`);
    process.exit(1);
  }
  writeFileSync(file, patched);
  console.log(`${file}: ${changed} instance checks now reset a panicked module first`);
}
