// The seeded config generator shared by the determinism checks: `compare.mjs` (native vs
// wasm) and `scripts/same-reports.sh` (one revision vs another, through `write-configs.mjs`).
// Config i is the same on every run and every machine, so two checks that ask for the first N
// configs run the same set.

// mulberry32: a tiny seeded PRNG, so the generated configs never change between runs.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generated(i) {
  const r = rng(1000 + i);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = (xs) => xs[int(0, xs.length - 1)];
  const unified = int(0, 2);
  return {
    seed: int(0, 1e9),
    model: pick(["llama-3.1-8b", "qwen2.5-7b", "qwen3-32b"]),
    hardware: pick(["h100-sxm", "h200", "b200", "a100-80g"]),
    topology: {
      prefill: { instances: int(0, 3), tp: pick([1, 2]) },
      decode: { instances: unified === 0 ? int(1, 3) : int(0, 2), tp: pick([1, 2, 4]) },
      unified: { instances: unified },
    },
    engine: { max_num_seqs: pick([8, 64, 256]), block_size: pick([16, 32]), kv_cache_blocks: pick([null, null, 400, 5000]) },
    routing: { policy: pick(["round-robin", "least-loaded", "prefix-aware", "kv-cost"]) },
    disaggregation: {
      decider: pick(["never", "always", "prefix-threshold", "length-threshold", "conditional"]),
      threshold_tokens: int(0, 2048),
    },
    kv_transfer: { bandwidth_gb_per_s: pick([10, 25, 50, 450]), contention: r() < 0.5 },
    workload: {
      requests: int(10, 150),
      arrival: { process: pick(["poisson", "constant", "gamma"]), rate_per_s: 1 + r() * 60, cv: 0.5 + r() * 3 },
      input_tokens: pick([
        { dist: "lognormal", mean: 200 + r() * 2000, std: 100 + r() * 1500 },
        { dist: "uniform", min: 1, max: int(2, 6000) },
        { dist: "normal", mean: 1000, std: 300, min: 10 },
      ]),
      output_tokens: { dist: "normal", mean: 20 + r() * 200, std: 30, min: 1 },
      prefix: { groups: int(0, 6), tokens: int(0, 1024), fraction: r() },
    },
    slo: { ttft_ms: 200 + r() * 800, tpot_ms: 10 + r() * 40 },
    // Drawn last, so adding it left the configs above unchanged.
    output: { percentiles: r() < 0.3 ? "histogram" : "exact" },
  };
}

// `config` with KV offload tiers (`engine.kv_offload`): a small HBM, so blocks go down to a
// small CPU tier, then a disk tier, then (for odd i) a remote store shared by all instances.
// Separate from `generated`, so the configs `scripts/same-reports.sh` compares stay the same.
export function withKvTiers(config, i) {
  const tiers = [
    { tier: "cpu", capacity_gb: 0.5, bandwidth_gb_per_s: 25, latency_ms: 0.05 },
    { tier: "disk", capacity_gb: 2, bandwidth_gb_per_s: 3, latency_ms: 0.2 },
  ];
  if (i % 20 === 10) tiers.push({ tier: "remote", capacity_gb: 50, bandwidth_gb_per_s: 10, latency_ms: 1 });
  const prefix = { groups: 12, tokens: 900, fraction: 0.9 };
  return {
    ...config,
    engine: { ...config.engine, kv_cache_blocks: 400, kv_offload: tiers },
    workload: { ...config.workload, prefix },
  };
}

// `config` with a frontend latency before the router (`routing.frontend_latency_ms`), an
// odd number of ms and fractions of a ms, so that its conversion to nanoseconds is checked too.
export function withFrontend(config, i) {
  return { ...config, routing: { ...config.routing, frontend_latency_ms: 0.37 + 13 * (i % 5) } };
}

// `config` with step costs outside the kernels: a CPU time per sequence of each step's batch
// (`engine.step_overhead_per_seq_ms`, odd fractions of a ms, so its conversion to nanoseconds
// times a batch is checked too) and, for every other ten of i, the decode instances receiving
// the KV inside their steps (`kv_transfer.receive: "in-step"`; else the default, beside them).
export function withStepCosts(config, i) {
  return {
    ...config,
    engine: { ...config.engine, step_overhead_per_seq_ms: 0.013 + 0.031 * (i % 7) },
    kv_transfer: { ...config.kv_transfer, receive: Math.floor(i / 10) % 2 === 0 ? "in-step" : "beside-steps" },
  };
}
