// The reference bench scenario through the wasm build (the JS API in node), against the
// native build: prints both rates and their ratio.
//
//   node scripts/bench-wasm.mjs JS_API_DIR PDSIM_BIN [REPEAT]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [pkg, pdsim, repeatArg] = process.argv.slice(2);
const repeat = Number(repeatArg ?? 5);
const api = await import(pathToFileURL(path.resolve(pkg, "pdsim_wasm.js")).href);
await api.default({ module_or_path: readFileSync(path.resolve(pkg, "pdsim_wasm_bg.wasm")) });

const config = execFileSync(pdsim, ["example", "bench"], { encoding: "utf8" });
const requests = JSON.parse(config).workload.requests;
const times = [];
for (let i = 0; i < repeat; i++) {
  const start = performance.now();
  api.runJson(config);
  times.push(performance.now() - start);
}
times.sort((a, b) => a - b);
const wasmMs = times[Math.floor(repeat / 2)];

// Native: `pdsim bench` times the same scenario in-process; take its reference line.
const table = execFileSync(pdsim, ["bench", "--repeat", String(repeat)], { encoding: "utf8" });
const line = table.split("\n").find((l) => l.startsWith("reference (summary only)"));
const nativeMs = Number(line.trim().split(/\s+/).at(-5));
const rate = (ms) => (requests / (ms / 1000)).toFixed(0);
console.log(table);
console.log(`wasm (node ${process.version}): ${wasmMs.toFixed(1)} ms, ${rate(wasmMs)} requests/s`);
console.log(`native:                 ${nativeMs.toFixed(1)} ms, ${rate(nativeMs)} requests/s`);
console.log(`wasm / native rate:     ${(nativeMs / wasmMs).toFixed(2)} (target >= 0.5)`);
