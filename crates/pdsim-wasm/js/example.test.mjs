// The documented example runs, and its report equals the native CLI's for the same config.
//
//   node --test example.test.mjs   (PDSIM_JS_API=<built module dir>, PDSIM_BIN=<native pdsim>)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import test from "node:test";

const pkg = process.env.PDSIM_JS_API;
const pdsim = process.env.PDSIM_BIN;

test("the JS API example runs and matches the CLI byte for byte", async () => {
  process.argv[2] = pkg;
  const { config, report } = await import("./example.mjs");
  const native = spawnSync(pdsim, ["run", "-"], { input: JSON.stringify(config), encoding: "utf8", maxBuffer: 1 << 28 });
  assert.equal(native.status, 0, native.stderr);
  assert.deepEqual(report, JSON.parse(native.stdout));
  const mod = await import(`${pkg}/pdsim_wasm.js`);
  assert.equal(mod.runJson(JSON.stringify(config)), native.stdout.trimEnd());
  assert.ok(report.summary.breakdown_ms.transfer.mean > 0);
});

test("errors are exceptions naming the field", async () => {
  const mod = await import(`${pkg}/pdsim_wasm.js`);
  assert.throws(() => mod.run({ engine: { block_size: 0 } }), /engine\.block_size: must be between 1 and 1024/);
  assert.throws(() => mod.run("{not json"), /key must be a string|expected/);
});

test("stepTime equals `pdsim step-time --json`, for catalog ids and HuggingFace configs", async () => {
  const mod = await import(`${pkg}/pdsim_wasm.js`);
  const query = { model: "qwen3-30b-a3b", hardware: "h200", tp: 2, ep: 2, step: { decode: { batch: 64, context: 2048 } } };
  const native = spawnSync(pdsim, ["step-time", "--model", "qwen3-30b-a3b", "--hardware", "h200", "--tp", "2", "--ep", "2",
    "--decode", "64", "--context", "2048", "--json"], { encoding: "utf8" });
  assert.equal(native.status, 0, native.stderr);
  assert.deepEqual(mod.stepTime(query), JSON.parse(native.stdout));
  const hf = { architectures: ["LlamaForCausalLM"], hidden_size: 4096, intermediate_size: 14336, num_attention_heads: 32,
    num_hidden_layers: 32, num_key_value_heads: 8, vocab_size: 128256 };
  const fromHf = mod.stepTime({ model: hf, hardware: "h100-sxm", tp: 1, step: { prefill: { tokens: 1024 } } });
  const fromId = mod.stepTime({ model: "llama-3.1-8b", hardware: "h100-sxm", tp: 1, step: { prefill: { tokens: 1024 } } });
  assert.equal(fromHf.ms, fromId.ms);
  assert.throws(() => mod.stepTime({ ...query, ep: 3 }), /ep: must divide/);
  assert.ok(mod.catalog().models.length >= 20);
});

test("catalog() is the CLI's `pdsim catalog --json`, byte for byte once written as JSON", async () => {
  const mod = await import(`${pkg}/pdsim_wasm.js`);
  const native = spawnSync(pdsim, ["catalog", "--json"], { encoding: "utf8" });
  assert.equal(native.status, 0, native.stderr);
  const fromJs = JSON.stringify(mod.catalog());
  assert.equal(fromJs, JSON.stringify(JSON.parse(native.stdout)));
  // The fields only the core's typed catalog carries (the old JS-side copy had neither).
  const first = mod.catalog().gpus[0];
  assert.ok("usd_per_hour" in first && "calibrated_as" in first, fromJs.slice(0, 200));
  assert.ok(mod.catalog().models.every((m) => m.params_b > 0));
});

test("the playground's helpers: formats, merge, share links, presets, phases, warnings", async () => {
  const mod = await import(`${pkg}/pdsim_wasm.js`);
  const { readFileSync } = await import("node:fs");
  await mod.default({ module_or_path: readFileSync(`${pkg}/pdsim_wasm_bg.wasm`) });
  // One rule for durations (web/src/format.rs's cases).
  assert.equal(mod.formatDuration(81.23), "81.2 ms");
  assert.equal(mod.formatDuration(1234.4), "1,234 ms");
  assert.equal(mod.formatDuration(117_927), "117.9 s");
  assert.equal(mod.formatNumber(1234.56, 1), "1,234.6");
  // The merge configs are read with: objects field by field, the rest replaced.
  const merged = mod.mergeConfig({ workload: { requests: 10, arrival: { rate_per_s: 2 } } }, { workload: { arrival: { rate_per_s: 5 } } });
  assert.deepEqual(merged, { workload: { requests: 10, arrival: { rate_per_s: 5 } } });
  // A share link carries the fields that differ from the defaults, and reads back.
  assert.equal(mod.playgroundHash({}), "v=1");
  const config = { seed: 7, workload: { arrival: { rate_per_s: 12.5 } } };
  const hash = mod.playgroundHash(config);
  const c = new URLSearchParams(hash).get("c");
  const part = JSON.parse(Buffer.from(c, "base64url").toString("utf8"));
  assert.deepEqual(part, config);
  assert.deepEqual(mod.validate(mod.mergeConfig(mod.defaultConfig(), part)), mod.validate(config));
  assert.throws(() => mod.playgroundHash({ engine: { block_size: 0 } }), /engine\.block_size/);
  // The presets: 100GbE's line rate is 12.5 GB/s.
  const gbe = mod.linkPresets().find((l) => l.id === "100gbe");
  assert.equal(gbe.line_rate_gb_per_s, 12.5);
  assert.ok(gbe.bandwidth_gb_per_s <= gbe.line_rate_gb_per_s);
  assert.deepEqual(mod.phases().map((p) => p.id), ["prefill_queue", "prefill", "transfer", "decode_queue", "first_decode"]);
  // Warnings: none for the default, "cannot keep up" at twenty times its rate, over enough
  // requests for the queue to grow (1,500: the last fifth's median TTFT is about 3.3 s
  // against 0.45 s for the first fifth; with the default 400 the gap stays under the 2 s
  // the warning asks for).
  const calm = mod.defaultConfig();
  assert.deepEqual(mod.warnings(calm, mod.run(calm)), []);
  const busy = mod.mergeConfig(calm, { workload: { arrival: { rate_per_s: 800 }, requests: 1500 } });
  assert.match(mod.warnings(busy, mod.run(busy)).join(" "), /cannot keep up/);
});
