// Corrections to the JavaScript glue wasm-bindgen 0.2.130 writes, so that
// every refusal reaches JavaScript as a `TierwiseError` and a panic never as a
// `RuntimeError`. `scripts/test-wasm` applies them to the package and to the
// test build; the script fails if the glue no longer has what it rewrites, so
// a wasm-bindgen that writes its glue differently is noticed.
//
// 1. Reset before checking. After a panic the bindings call
//    `schedule_reinit()`: the next call's `__wbg_call_guard()` starts a fresh
//    instance and bumps `__wbg_instance_id`. The glue checks `obj.__wbg_inst`
//    against the id first and calls the guard after, so the first call after
//    a panic with an object from before it passed the check and ran with a
//    pointer into the fresh instance (`RuntimeError: unreachable`, or a second
//    panic). Each check now calls the guard first, so such an object is
//    refused at once.
// 2. The glue's own refusals as `TierwiseError`s. An object of the wrong class
//    (`_assertClass`), and what wasm-bindgen's generated Rust refuses through
//    `throw_str` (an object used after `free()`: "null pointer passed to
//    rust"), and a stale object (1. above), were plain `Error`s; they are now
//    `TierwiseError`s with code `invalid_value`, like every other bad input,
//    and the script fails if the glue still throws a plain `Error` anywhere
//    but in the browser loader's network error (the `.wasm` not fetched).
//    (The bindings' own errors go through `throw_val`, which this leaves
//    alone.)
// 3. `free()` (and `[Symbol.dispose]`) of an object from before a reset frees
//    nothing: its memory went with the old instance, and freeing its pointer
//    in the new one corrupted an object living there.
// 4. `free()` through a `Proxy` (a Vue `reactive()` object, say) frees once.
//    The glue unregistered the object from its FinalizationRegistry by
//    `this`, the Proxy, which is not the token it registered, so the
//    registry freed the pointer a second time when the object was collected.
//    What the registry holds is now also on the object (not enumerable), and
//    `free()` clears its pointer, through any Proxy, so the registry skips it.
// 6. `replications` must be a whole number of at least 1 (the glue turned
//    -1 into 4294967295, 2**32 + 2 into 2 and 1.9 into 1 with `>>> 0`); the
//    Rust side checks the upper bound.
// 5. `engine.explain = value` refuses anything but a boolean, as a
//    `TierwiseError` at path `explain` (the glue passed it on as a number, so
//    `"true"` turned explanations off). Done here, not in Rust, where it cost
//    the .wasm 200 bytes of its size budget.
// 7. A call before `init()` (the browser build) is a `TierwiseError` with code
//    `not_initialised` saying what to do, where the glue failed with
//    `TypeError: Cannot read properties of undefined` on its missing module.
//
// Usage: node patch-glue.mjs GLUE.js...
import { readFileSync, writeFileSync } from "node:fs";

const TIERWISE_ERROR = `
function __tierwise_held(obj, held) {
    Object.defineProperty(obj, "__wbg_held", { value: held, writable: true });
    return held;
}

function __tierwise_error(message, path = "", code = "invalid_value") {
    const error = new Error(path ? path + ": " + message : message);
    error.name = "TierwiseError";
    error.code = code;
    error.path = path;
    error.problems = [{ path, code, message }];
    return error;
}
`;

/** [what, pattern, replacement, at least how many] */
const corrections = [
  [
    "calls before init() are TierwiseErrors",
    "function __wbg_call_guard() {\n",
    (whole) =>
      `${whole}    if (wasm === undefined) {\n` +
      `        throw __tierwise_error("the module is not initialised yet: await init() (or call initSync()) first", "", "not_initialised");\n` +
      `    }\n`,
    1,
  ],
  [
    "instance checks reset a panicked module first",
    /if \((this|\([\w$]+\))\.__wbg_inst !== undefined && /g,
    (_, obj) => `if ((__wbg_call_guard(), ${obj}.__wbg_inst) !== undefined && `,
    1,
  ],
  [
    "wrong-class refusals are TierwiseErrors",
    "throw new Error(`expected instance of ${klass.name}`);",
    () => "throw __tierwise_error(`expected a ${klass.name} object (made by this module)`);",
    1,
  ],
  [
    "wasm-bindgen's own refusals are TierwiseErrors",
    "throw new Error(getStringFromWasm0(arg0, arg1));",
    () => "throw __tierwise_error(getStringFromWasm0(arg0, arg1));",
    1,
  ],
  [
    "stale objects are refused with TierwiseErrors",
    "throw new Error('Invalid stale object from previous Wasm instance');",
    () =>
      "throw __tierwise_error('Invalid stale object from previous Wasm instance: it was made before an internal " +
      "error reset the module; make it again');",
    1,
  ],
  [
    "free() after a reset frees nothing",
    /free\(\) \{\n(\s*)const ptr = this\.__destroy_into_raw\(\);\n\s*__wbg_call_guard\(\);\n\s*(wasm\.__wbg_\w+_free\(ptr, 0\);)/g,
    (_, indent, free) =>
      `free() {\n${indent}__wbg_call_guard();\n` +
      `${indent}const stale = this.__wbg_inst !== undefined && this.__wbg_inst !== __wbg_instance_id;\n` +
      `${indent}const ptr = this.__destroy_into_raw();\n${indent}if (!stale) ${free}`,
    2,
  ],
  [
    "what the registry holds is on the object",
    /(\w+Finalization)\.register\((\w+), (\{ ptr[^}]*\}), \2\);/g,
    (_, registry, obj, held) => `${registry}.register(${obj}, __tierwise_held(${obj}, ${held}), ${obj});`,
    3,
  ],
  [
    "free() clears the held pointer, through any Proxy",
    /(\w+Finalization)\.unregister\(this\);/g,
    (_, registry) => `${registry}.unregister(this);\n        if (this.__wbg_held) this.__wbg_held.ptr = 0;`,
    2,
  ],
  [
    "the registry skips a cleared pointer",
    /if \(instance === __wbg_instance_id\) (wasm\.__wbg_\w+_free\(ptr, 1\);)/g,
    (_, free) => `if (instance === __wbg_instance_id && ptr !== 0) ${free}`,
    2,
  ],
  [
    "replications are whole numbers",
    /(simulate\(scenario, replications\) \{\n)/g,
    (whole) =>
      `${whole}        if (!isLikeNone(replications) && !(Number.isInteger(replications) && replications >= 1 && replications <= 0xffffffff)) {\n` +
      `            const found = typeof replications === "number" ? replications : typeof replications;\n` +
      `            throw __tierwise_error(\`must be a whole number of at least 1, not \${found}\`, "replications");\n` +
      `        }\n`,
    2,
  ],
  [
    "explain takes only a boolean",
    /set explain\((\w+)\) \{\n/g,
    (whole, arg) =>
      `${whole}        if (typeof ${arg} !== "boolean") {\n` +
      `            throw __tierwise_error(\`expected true or false, found \${typeof ${arg}}\`, "explain");\n` +
      `        }\n`,
    1,
  ],
];

for (const file of process.argv.slice(2)) {
  let glue = readFileSync(file, "utf8");
  if (!glue.includes("function __wbg_call_guard()")) {
    console.error(`${file}: no __wbg_call_guard in the glue; update bindings-wasm/build/patch-glue.mjs`);
    process.exit(1);
  }
  const report = [];
  for (const [what, pattern, replacement, least] of corrections) {
    let changed = 0;
    glue = glue.replaceAll(pattern, (...args) => {
      changed += 1;
      return replacement(...args);
    });
    if (changed < least) {
      console.error(`${file}: found nothing for "${what}"; update bindings-wasm/build/patch-glue.mjs`);
      process.exit(1);
    }
    report.push(`${changed} ${what}`);
  }
  // The browser loader's own network error (the .wasm could not be fetched)
  // is not a refusal of a call, and stays a plain Error.
  const plain = glue
    .split("\n")
    .map((line, i) => [i + 1, line.trim()])
    .filter(([, line]) => line.startsWith("throw new Error(") && !line.includes("failed to fetch Wasm"));
  if (plain.length > 0) {
    for (const [n, line] of plain) console.error(`${file}:${n}: still a plain Error: ${line}`);
    console.error("update bindings-wasm/build/patch-glue.mjs");
    process.exit(1);
  }
  writeFileSync(file, glue + TIERWISE_ERROR);
  console.log(`${file}: ${report.join("; ")}`);
}
