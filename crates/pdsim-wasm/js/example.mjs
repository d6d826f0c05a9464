// The JS API's copy-paste example (docs/JS_API.md shows this file): run a scenario,
// read the TTFT breakdown, sweep the decider threshold.
//
//   node example.mjs PKG_DIR      (PKG_DIR: the built module, see scripts/build-js-api.sh)
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const pkg = path.resolve(process.argv[2] ?? ".");
const { default: init, run, validate, defaultConfig, examples, sweep } = await import(
  pathToFileURL(path.join(pkg, "pdsim_wasm.js")).href
);
// In a browser, `await init()` fetches pdsim_wasm_bg.wasm next to the module; in node,
// hand it the bytes.
await init({ module_or_path: readFileSync(path.join(pkg, "pdsim_wasm_bg.wasm")) });

// Partial configs override the defaults: this is the default cluster, always disaggregating.
const config = { disaggregation: { decider: "always" }, workload: { requests: 200 } };
const report = run(config);
const { ttft_ms, breakdown_ms, disaggregated_share } = report.summary;
console.log(`TTFT p90 ${ttft_ms.p90.toFixed(1)} ms, ${(100 * disaggregated_share).toFixed(0)}% disaggregated`);
for (const [phase, stat] of Object.entries(breakdown_ms)) {
  console.log(`  ${phase.padEnd(14)} mean ${stat.mean.toFixed(2)} ms`);
}

// Errors are exceptions carrying the core's message, which names the field.
try {
  validate({ workload: { arrival: { rate_per_s: 0 } } });
} catch (e) {
  console.log(`rejected: ${e.message}`);
}

// Where does disaggregating stop paying? One summary per threshold.
const rows = sweep({ ...config, disaggregation: { decider: "prefix-threshold" } },
  "disaggregation.threshold_tokens", [0, 512, 2048, 100000]);
for (const { value, summary } of rows) {
  console.log(`threshold ${value}: TTFT p90 ${summary.ttft_ms.p90.toFixed(1)} ms`);
}
console.log(`${examples().length} named scenarios; default seed ${defaultConfig().seed}`);

export { config, report };
