// The JavaScript boundary's cost: for each JS API module directory given (ES modules built by
// `pdsim_build_js_module DIR web-release`, e.g. of two revisions), the fastest of 25 calls of
// run() (report as an object), runJson() (report as JSON text) and JSON.parse(runJson()), on
// three configs. Rounds interleave the modules, so a busy machine slows both alike.
//
//   node scripts/bench-js-boundary.mjs DIR [DIR...]
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
const dirs = process.argv.slice(2);
const mods = [];
for (const d of dirs) {
  const m = await import(pathToFileURL(path.join(d, "pdsim_wasm.js")).href);
  m.initSync({ module: fs.readFileSync(path.join(d, "pdsim_wasm_bg.wasm")) });
  mods.push([path.basename(d), m]);
}
const configs = {
  "default (200 req, records)": {},
  "10k req, records": { workload: { requests: 10000, arrival: { rate_per_s: 40 } }, output: { per_request: true } },
  "10k req, summary only": { workload: { requests: 10000, arrival: { rate_per_s: 40 } }, output: { per_request: false } },
};
const median = (xs) => xs.sort((a, b) => a - b)[0]; // the minimum: the least disturbed run
function time(f, n) {
  const ts = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); f(); ts.push(performance.now() - t); }
  return median(ts);
}
for (const [label, cfg] of Object.entries(configs)) {
  const text = JSON.stringify(cfg);
  for (let round = 0; round < 3; round++)
    for (const [name, m] of mods) {
      const n = 25;
      const obj = time(() => m.run(cfg), n);
      const txt = time(() => m.runJson(text), n);
      const parse = time(() => JSON.parse(m.runJson(text)), n);
      if (round >= 1) console.log(`${label.padEnd(28)} ${name.padEnd(10)} run() ${obj.toFixed(2)} ms   runJson() ${txt.toFixed(2)} ms   JSON.parse(runJson()) ${parse.toFixed(2)} ms   report ${m.runJson(text).length} B`);
    }
}
