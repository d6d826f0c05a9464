// Native vs wasm determinism: the same configs through `pdsim run` (native) and the JS API's
// `runJson` (wasm32, in node) must give byte-identical reports, and the JS API's `run` the
// very object that parsing that text gives.
//
//   node tests/determinism/compare.mjs PKG_DIR PDSIM_BIN [COUNT]
//
// The configs are every named example (except the 100,000-request bench) and COUNT
// generated ones (default 100) from a seeded generator, so the set is the same every run, and
// three tenths of those again: with KV offload tiers, a frontend latency, step costs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { generated, withFrontend, withKvTiers, withStepCosts } from "./configs.mjs";

const [pkgDir, pdsimBin, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 100);
const require = createRequire(import.meta.url);
const wasm = require(path.resolve(pkgDir, "pdsim_wasm.js"));

const configs = wasm
  .examples()
  .filter((e) => !e.benchmark)
  .map((e) => ({ name: `example ${e.name}`, config: e.config }));
for (let i = 0; i < count; i++) configs.push({ name: `generated #${i}`, config: generated(i) });
// KV offload tiers on (every tier kind, small HBM so blocks go down), on a tenth of them.
for (let i = 0; i < count; i += 10) configs.push({ name: `generated #${i} with KV tiers`, config: withKvTiers(generated(i), i) });
// A frontend latency before the router, on another tenth.
for (let i = 5; i < count; i += 10) configs.push({ name: `generated #${i} with a frontend latency`, config: withFrontend(generated(i), i) });
// A CPU cost per sequence of a step, and (every other one) the KV received inside the decode
// instance's steps, on a third tenth.
for (let i = 2; i < count; i += 10) configs.push({ name: `generated #${i} with step costs`, config: withStepCosts(generated(i), i) });

let same = 0;
let differ = 0;
let bothErrors = 0;
for (const { name, config } of configs) {
  const json = JSON.stringify(config);
  const native = spawnSync(pdsimBin, ["run", "-"], { input: json, maxBuffer: 1 << 30, encoding: "utf8" });
  let web;
  try {
    web = { ok: true, text: wasm.runJson(json) };
  } catch (e) {
    web = { ok: false, text: String(e.message ?? e) };
  }
  const nativeOk = native.status === 0;
  if (!nativeOk && !web.ok) {
    // Both rejected the config: the messages must agree too.
    if (native.stderr.includes(web.text)) bothErrors++;
    else {
      differ++;
      console.error(`${name}: errors differ\n  native: ${native.stderr.trim()}\n  wasm:   ${web.text}`);
    }
  } else if (nativeOk && web.ok && native.stdout.trimEnd() === web.text) {
    // run() builds the report object directly (serde-wasm-bindgen), not from this text: it
    // must be the object JSON.parse gives, key order and all (NaN, -0 and null told apart).
    const object = wasm.run(config);
    const parsed = JSON.parse(web.text);
    try {
      assert.deepStrictEqual(object, parsed);
      assert.equal(JSON.stringify(object), JSON.stringify(parsed));
      same++;
    } catch (e) {
      differ++;
      console.error(`${name}: run() differs from JSON.parse(runJson())\n${String(e.message).slice(0, 2000)}`);
    }
  } else {
    differ++;
    console.error(`${name}: reports differ (native ok=${nativeOk}, wasm ok=${web.ok})`);
  }
}
console.log(`native vs wasm: ${same} identical reports, ${bothErrors} identical errors, ${differ} differing, of ${configs.length} configs`);
console.log(`test result: ${differ === 0 ? "ok" : "FAILED"}. ${same + bothErrors} passed; ${differ} failed; 0 ignored`);
process.exit(differ === 0 ? 0 : 1);
