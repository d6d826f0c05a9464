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
