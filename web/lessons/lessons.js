// The lessons page: each <section data-lesson="NAME"> gets a few controls, one chart and a
// sentence written from the simulator's results, recomputed whenever a control moves. The
// simulator is pdsim's JavaScript API (the same core as the playground and the CLI), loaded
// from ./pdsim_wasm.js beside this file.
import init, { examples, run, stepTime } from "./pdsim_wasm.js";

// ---------------------------------------------------------------------------------------
// Numbers as people read them: one rule for durations (ms below 10 s, then s, then min)
// and thousands separators.
const number = (x, digits = 0) =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
export function duration(ms) {
  if (!Number.isFinite(ms)) return "none";
  if (ms < 10) return `${number(ms, 2)} ms`;
  if (ms < 100) return `${number(ms, 1)} ms`;
  if (ms < 10_000) return `${number(ms, 0)} ms`;
  if (ms < 600_000) return `${number(ms / 1000, 1)} s`;
  return `${number(ms / 60_000, 1)} min`;
}
const bytes = (b) => (b >= 1e9 ? `${number(b / 1e9, 2)} GB` : `${number(b / 1e6, 1)} MB`);
// The mean gap between a request's output tokens (TPOT).
const tpot = (summary) => summary.tpot_ms;

// ---------------------------------------------------------------------------------------
// Configs: a lesson's config is a partial config over the defaults, as the playground's URL
// carries it (`#v=1&c=<base64url of the JSON>`).
const EXAMPLES = {};
function example(name, patch = {}) {
  return merge(structuredClone(EXAMPLES[name]), patch);
}
function merge(base, patch) {
  for (const [k, v] of Object.entries(patch)) {
    if (v && typeof v === "object" && !Array.isArray(v) && base[k] && typeof base[k] === "object") {
      merge(base[k], v);
    } else {
      base[k] = v;
    }
  }
  return base;
}
function playgroundLink(config) {
  const json = new TextEncoder().encode(JSON.stringify(config));
  let text = "";
  for (const b of json) text += String.fromCharCode(b);
  const c = btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `./#v=1&c=${c}`;
}

// ---------------------------------------------------------------------------------------
// Controls.
function slider(name, label, { min, max, step, value, unit = "", format }) {
  return { kind: "range", name, label, min, max, step, value, unit, format };
}
function choice(name, label, options, value) {
  return { kind: "select", name, label, options, value };
}
function buildControls(section, specs, onChange) {
  const box = section.querySelector(".controls");
  const values = {};
  for (const spec of specs) {
    const label = document.createElement("label");
    const id = `${section.dataset.lesson}-${spec.name}`;
    label.htmlFor = id;
    const title = document.createElement("span");
    title.textContent = spec.label + " ";
    const out = document.createElement("output");
    out.htmlFor = id;
    title.append(out);
    let input;
    if (spec.kind === "range") {
      input = document.createElement("input");
      Object.assign(input, { type: "range", min: spec.min, max: spec.max, step: spec.step, value: spec.value });
    } else {
      input = document.createElement("select");
      for (const [value, text] of spec.options) input.add(new Option(text, value));
      input.value = String(spec.value);
    }
    input.id = id;
    input.name = spec.name;
    const show = () => {
      const v = spec.kind === "range" ? Number(input.value) : input.value;
      values[spec.name] = v;
      out.textContent = spec.kind === "range" ? (spec.format ? spec.format(v) : `${number(v, spec.step < 1 ? 1 : 0)}${spec.unit}`) : "";
    };
    show();
    input.addEventListener("input", () => {
      show();
      onChange();
    });
    label.append(title, input);
    box.append(label);
  }
  return values;
}

// ---------------------------------------------------------------------------------------
// Charts, drawn as SVG: horizontal stacked bars and lines. Each chart also gets a text
// alternative (aria-label) listing its values.
const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)", "var(--c5)", "var(--c6)"];
function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
// rows: [{ label, parts: [{ name, value }], scale? }], values in ms. Rows with the same
// `scale` share a bar length scale (so metrics of different sizes can sit in one chart).
function stackedBars(container, rows, { unit = "ms", format = duration } = {}) {
  // Drawn at the container's own width (phones get larger text, not a shrunken picture).
  const width = Math.max(340, Math.min(container.clientWidth || 720, 900));
  const left = width < 560 ? 116 : 170;
  const rowH = 34;
  const names = [...new Set(rows.flatMap((r) => r.parts.map((p) => p.name)))];
  const colour = (name) => PALETTE[names.indexOf(name) % PALETTE.length];
  // The legend, wrapped to the width.
  const legend = [];
  let lx = 0;
  let ly = 6;
  for (const name of names) {
    const w = 18 + name.length * 7.2 + 14;
    if (lx > 0 && lx + w > width) {
      lx = 0;
      ly += 20;
    }
    legend.push({ name, x: lx, y: ly });
    lx += w;
  }
  const legendH = ly + 22;
  const height = legendH + rows.length * rowH + 24;
  const totals = rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0));
  const max = (row) =>
    Math.max(...rows.filter((r) => r.scale === row.scale).map((r) => r.parts.reduce((a, p) => a + p.value, 0)), 1e-9);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "presentation" });
  for (const { name, x, y } of legend) {
    svg.append(el("rect", { x, y, width: 12, height: 12, fill: colour(name) }));
    svg.append(el("text", { x: x + 16, y: y + 10 }, name));
  }
  rows.forEach((row, r) => {
    const y = legendH + r * rowH;
    svg.append(el("text", { x: 0, y: y + 19 }, row.label));
    let at = left;
    const m = max(row);
    row.parts.forEach((p) => {
      const w = ((width - left - 70) * p.value) / m;
      svg.append(el("rect", { x: at, y: y + 4, width: Math.max(w, 0), height: rowH - 10, fill: colour(p.name) }));
      at += w;
    });
    svg.append(el("text", { x: at + 6, y: y + 19 }, format(totals[r])));
  });
  container.replaceChildren(svg);
  container.setAttribute(
    "aria-label",
    rows.map((r) => `${r.label}: ${r.parts.map((p) => `${p.name} ${format(p.value)}`).join(", ")}`).join("; ") + ` (${unit})`,
  );
}
// series: [{ name, points: [[x, y]] }] on a shared x axis of categories `xs`; `mark` is the
// index of the chosen x.
function lines(container, xs, series, { mark, yUnit = "ms" } = {}) {
  const width = Math.max(340, Math.min(container.clientWidth || 720, 900));
  const height = 300;
  const pad = { l: 70, r: 20, t: 30, b: 40 };
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const yMax = Math.max(...ys, 1e-9) * 1.1;
  const px = (i) => pad.l + ((width - pad.l - pad.r) * i) / Math.max(xs.length - 1, 1);
  const py = (v) => height - pad.b - ((height - pad.t - pad.b) * v) / yMax;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "presentation" });
  svg.append(el("line", { class: "axis", x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b }));
  svg.append(el("line", { class: "axis", x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b }));
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    svg.append(el("text", { x: pad.l - 6, y: py(v) + 4, "text-anchor": "end" }, duration(v)));
  }
  xs.forEach((x, i) => svg.append(el("text", { x: px(i), y: height - pad.b + 18, "text-anchor": "middle" }, x)));
  let lx = pad.l;
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    const d = s.points.map(([i, v], j) => `${j ? "L" : "M"}${px(i)},${py(v)}`).join(" ");
    svg.append(el("path", { d, fill: "none", stroke: color, "stroke-width": 2.5 }));
    for (const [i, v] of s.points) {
      svg.append(el("circle", { cx: px(i), cy: py(v), r: i === mark ? 6 : 3, fill: color }));
    }
    svg.append(el("rect", { x: lx, y: 8, width: 12, height: 12, fill: color }));
    svg.append(el("text", { x: lx + 16, y: 18 }, s.name));
    lx += 30 + s.name.length * 7.2;
  });
  container.replaceChildren(svg);
  container.setAttribute(
    "aria-label",
    series.map((s) => `${s.name}: ${s.points.map(([i, v]) => `${xs[i]} ${duration(v)}`).join(", ")}`).join("; ") + ` (${yUnit})`,
  );
}

// ---------------------------------------------------------------------------------------
// The lessons: controls, and an update that returns { config, sentence } after drawing.
const PHASES = [
  ["prefill_queue", "waiting for prefill"],
  ["prefill", "prefill"],
  ["transfer", "KV transfer"],
  ["decode_queue", "waiting for decode"],
  ["first_decode", "first decode step"],
];
const phaseParts = (b, key) => PHASES.map(([k, name]) => ({ name, value: b[k][key] ?? b[k] }));

const LESSONS = {
  "ttft-phases": {
    controls: [
      slider("rate", "Arrivals", { min: 10, max: 80, step: 5, value: 40, unit: " req/s" }),
      slider("prompt", "Mean prompt", { min: 256, max: 4096, step: 256, value: 1024, unit: " tokens" }),
    ],
    update(v, chart) {
      const config = example("default", {
        workload: { requests: 300, arrival: { rate_per_s: v.rate }, input_tokens: { mean: v.prompt } },
      });
      const s = run(config).summary;
      const b = s.breakdown_disaggregated_ms;
      const p90 = s.breakdown_at_ttft_ms.p90;
      stackedBars(chart, [
        { label: "mean, disaggregated", parts: phaseParts(b, "mean") },
        { label: "the p90 request", parts: PHASES.map(([k, name]) => ({ name, value: p90[k] })) },
      ]);
      const parts = PHASES.map(([k, name]) => [name, b[k].mean]);
      const [largest] = parts.slice().sort((a, c) => c[1] - a[1]);
      const total = parts.reduce((a, p) => a + p[1], 0);
      const sentence =
        `At <strong>${number(v.rate)} req/s</strong>, a disaggregated request waits <strong>${duration(b.prefill_queue.mean)}</strong> for a prefill GPU, ` +
        `computes for <strong>${duration(b.prefill.mean)}</strong>, moves its KV cache in <strong>${duration(b.transfer.mean)}</strong>, ` +
        `waits <strong>${duration(b.decode_queue.mean)}</strong> for the decode batch and takes <strong>${duration(b.first_decode.mean)}</strong> for its first token: ` +
        `<strong>${duration(total)}</strong> on average (${number(b.prefill.count)} of ${number(s.completed)} requests were disaggregated). The largest part is ${largest[0]}.`;
      return { config, sentence };
    },
  },

  "why-disaggregate": {
    controls: [
      slider("rate", "Arrivals", { min: 1, max: 3.5, step: 0.5, value: 2.5, unit: " req/s" }),
      slider("prompt", "Mean prompt", { min: 1024, max: 8192, step: 512, value: 4096, unit: " tokens" }),
    ],
    update(v, chart) {
      const patch = { workload: { requests: 300, arrival: { rate_per_s: v.rate }, input_tokens: { mean: v.prompt } } };
      const disagg = example("long-prompts-disagg", patch);
      const agg = example("long-prompts-agg", patch);
      const d = run(disagg).summary;
      const a = run(agg).summary;
      stackedBars(chart, [
        { label: "shared: p90 TTFT", parts: [{ name: "p90 TTFT (wait for the first token)", value: a.ttft_ms.p90 }], scale: "ttft" },
        { label: "split: p90 TTFT", parts: [{ name: "p90 TTFT (wait for the first token)", value: d.ttft_ms.p90 }], scale: "ttft" },
        { label: "shared: p90 TPOT", parts: [{ name: "p90 TPOT (gap between tokens)", value: tpot(a).p90 }], scale: "tpot" },
        { label: "split: p90 TPOT", parts: [{ name: "p90 TPOT (gap between tokens)", value: tpot(d).p90 }], scale: "tpot" },
      ]);
      const better = tpot(d).p90 < tpot(a).p90;
      const sentence =
        `Disaggregating ${better ? "cut" : "raised"} p90 TPOT from <strong>${duration(tpot(a).p90)}</strong> to <strong>${duration(tpot(d).p90)}</strong> ` +
        `but ${d.ttft_ms.p90 > a.ttft_ms.p90 ? "raised" : "cut"} p90 TTFT from <strong>${duration(a.ttft_ms.p90)}</strong> to <strong>${duration(d.ttft_ms.p90)}</strong>` +
        ` (${number(d.completed)} and ${number(a.completed)} of 300 requests completed; one prefill instance instead of two shared ones).`;
      return { config: disagg, sentence };
    },
  },

  "when-it-hurts": {
    controls: [
      slider("share", "Prompts reusing a cached prefix", { min: 0, max: 1, step: 0.1, value: 0.9, format: (x) => `${number(x * 100)}%` }),
      slider("prompt", "Mean prompt", { min: 256, max: 4096, step: 256, value: 768, unit: " tokens" }),
    ],
    update(v, chart) {
      const patch = {
        workload: { requests: 600, prefix: { fraction: v.share, tokens: Math.min(640, Math.round((v.prompt * 5) / 6 / 16) * 16) }, input_tokens: { mean: v.prompt } },
      };
      const disagg = example("short-prompts-disagg", patch);
      const agg = example("short-prompts-agg", patch);
      const d = run(disagg).summary;
      const a = run(agg).summary;
      stackedBars(chart, [
        { label: "shared (aggregated)", parts: phaseParts(a.breakdown_ms, "mean") },
        { label: "split (disaggregated)", parts: phaseParts(d.breakdown_ms, "mean") },
      ]);
      const diff = d.ttft_ms.p90 - a.ttft_ms.p90;
      const sentence =
        `With <strong>${number(v.share * 100)}%</strong> of prompts reusing a cached prefix, p90 TTFT is <strong>${duration(a.ttft_ms.p90)}</strong> aggregated and ` +
        `<strong>${duration(d.ttft_ms.p90)}</strong> disaggregated: disaggregating ${diff > 0 ? "adds" : "saves"} <strong>${duration(Math.abs(diff))}</strong>` +
        ` (its mean KV transfer alone is ${duration(d.breakdown_ms.transfer.mean)}).`;
      return { config: disagg, sentence };
    },
  },

  threshold: {
    controls: [
      choice("threshold", "Disaggregate prompts with more uncached tokens than",
        [["0", "0 (all)"], ["256", "256"], ["512", "512"], ["1024", "1,024"], ["2048", "2,048"], ["4096", "4,096"], ["100000", "never"]], "1024"),
      slider("rate", "Arrivals", { min: 10, max: 40, step: 5, value: 30, unit: " req/s" }),
    ],
    update(v, chart) {
      const values = [0, 256, 512, 1024, 2048, 4096, 100000];
      const labels = ["0", "256", "512", "1k", "2k", "4k", "never"];
      const configs = values.map((t) =>
        example("threshold-sweep", { workload: { requests: 400, arrival: { rate_per_s: v.rate } }, disaggregation: { threshold_tokens: t } }),
      );
      const sums = configs.map((c) => run(c).summary);
      const mark = values.indexOf(Number(v.threshold));
      lines(chart, labels, [
        { name: "p90 TTFT", points: sums.map((s, i) => [i, s.ttft_ms.p90]) },
        { name: "p90 TPOT", points: sums.map((s, i) => [i, tpot(s).p90]) },
      ], { mark });
      const best = sums.reduce((b, s, i) => (s.ttft_ms.p90 < sums[b].ttft_ms.p90 ? i : b), 0);
      const here = sums[mark];
      const sentence =
        `At a threshold of <strong>${labels[mark]}</strong> tokens, <strong>${number(here.disaggregated_share * 100)}%</strong> of requests are disaggregated; ` +
        `p90 TTFT is <strong>${duration(here.ttft_ms.p90)}</strong> and p90 TPOT <strong>${duration(tpot(here).p90)}</strong>. ` +
        `The lowest p90 TTFT of the sweep, <strong>${duration(sums[best].ttft_ms.p90)}</strong>, is at <strong>${labels[best]}</strong>.`;
      return { config: configs[mark], sentence };
    },
  },

  "the-link": {
    controls: [
      choice("bandwidth", "Link bandwidth", [["10", "10 GB/s (100GbE)"], ["25", "25 GB/s (RoCE 200G)"], ["50", "50 GB/s (InfiniBand NDR)"], ["450", "450 GB/s (NVLink)"]], "25"),
      slider("latency", "Setup latency", { min: 0.05, max: 2, step: 0.05, value: 0.5, format: (x) => `${number(x, 2)} ms` }),
      slider("prompt", "Prompt", { min: 1024, max: 16384, step: 1024, value: 4096, unit: " tokens" }),
    ],
    update(v, chart) {
      const models = [
        ["llama-3.1-8b", "Llama-3.1-8B (GQA)", 1, "h100-sxm"],
        ["qwen3-32b", "Qwen3-32B (GQA)", 2, "h100-sxm"],
        ["llama-3.1-70b", "Llama-3.1-70B (GQA)", 4, "h100-sxm"],
        ["deepseek-v3", "DeepSeek-V3 (MLA)", 8, "h200"],
      ];
      const rows = models.map(([id, label, tp, gpu]) => {
        const config = {
          model: id,
          hardware: gpu,
          topology: { prefill: { instances: 1, tp }, decode: { instances: 1, tp }, unified: { instances: 0 } },
          disaggregation: { decider: "always" },
          kv_transfer: { bandwidth_gb_per_s: Number(v.bandwidth), base_latency_ms: v.latency },
          workload: { trace: [{ arrival_ms: 0, input_tokens: v.prompt, output_tokens: 2 }] },
        };
        const s = run(config).summary;
        // Every GPU of the prefill instance sends its share of the cache to its peer, in parallel.
        return { id, label, tp, ms: s.transfer.time_ms.mean, perGpu: s.transfer.bytes / tp, config };
      });
      stackedBars(chart, rows.map((r) => ({ label: r.label, parts: [{ name: "KV transfer time", value: r.ms }] })));
      const [llama70, ds] = [rows[2], rows[3]];
      const perToken = (r) => (r.perGpu * (r.id === "deepseek-v3" ? 1 : r.tp)) / v.prompt;
      const sentence =
        `A ${number(v.prompt)}-token prompt of Llama-3.1-70B moves in <strong>${duration(llama70.ms)}</strong> at ${v.bandwidth} GB/s: each of its ${llama70.tp} GPUs ` +
        `sends its share, <strong>${bytes(llama70.perGpu)}</strong>. DeepSeek-V3's MLA cache is <strong>${number(perToken(llama70) / perToken(ds), 1)} times smaller</strong> per token, ` +
        `but every GPU holds all of it, so each of its ${ds.tp} GPUs sends <strong>${bytes(ds.perGpu)}</strong>, in <strong>${duration(ds.ms)}</strong>.`;
      return { config: llama70.config, sentence };
    },
  },

  "pd-ratio": {
    controls: [
      slider("rate", "Arrivals", { min: 10, max: 60, step: 5, value: 30, unit: " req/s" }),
      slider("prompt", "Mean prompt", { min: 512, max: 8192, step: 512, value: 2048, unit: " tokens" }),
    ],
    update(v, chart) {
      const splits = [1, 2, 3, 4, 5];
      const configs = splits.map((p) =>
        example("default", {
          topology: { prefill: { instances: p }, decode: { instances: 6 - p }, unified: { instances: 0 } },
          disaggregation: { decider: "always" },
          workload: { requests: 400, arrival: { rate_per_s: v.rate }, input_tokens: { mean: v.prompt }, prefix: { fraction: 0 } },
        }),
      );
      const sums = configs.map((c) => run(c).summary);
      const labels = splits.map((p) => `${p}P:${6 - p}D`);
      lines(chart, labels, [
        { name: "p90 TTFT", points: sums.map((s, i) => [i, s.ttft_ms.p90]) },
        { name: "p90 TPOT", points: sums.map((s, i) => [i, tpot(s).p90]) },
      ]);
      const bestT = sums.reduce((b, s, i) => (s.ttft_ms.p90 < sums[b].ttft_ms.p90 ? i : b), 0);
      const bestD = sums.reduce((b, s, i) => (tpot(s).p90 < tpot(sums[b]).p90 ? i : b), 0);
      const sentence =
        `On 6 H100s at ${number(v.rate)} req/s, the lowest p90 TTFT (<strong>${duration(sums[bestT].ttft_ms.p90)}</strong>) comes with <strong>${labels[bestT]}</strong>, ` +
        `the lowest p90 TPOT (<strong>${duration(tpot(sums[bestD]).p90)}</strong>) with <strong>${labels[bestD]}</strong>. ` +
        (bestT === bestD ? "Here one split wins both." : "No split wins both: the split is a trade between the two.") +
        ` (<code>pdsim plan</code> searches splits, TP and thresholds for a target.)`;
      return { config: configs[bestT], sentence };
    },
  },

  "step-time": {
    controls: [
      choice("model", "Model", [["llama-3.1-8b", "Llama-3.1-8B"], ["llama-3.1-70b", "Llama-3.1-70B"], ["qwen3-30b-a3b", "Qwen3-30B-A3B (MoE)"], ["deepseek-v3", "DeepSeek-V3 (MLA, MoE, FP8)"]], "llama-3.1-8b"),
      choice("gpu", "GPU", [["h100-sxm", "H100"], ["h200", "H200"], ["b200", "B200"], ["a100-80g", "A100 80G"], ["l40s", "L40S"]], "h100-sxm"),
      slider("prompt", "Prefill of", { min: 128, max: 8192, step: 128, value: 1024, unit: " tokens" }),
      slider("batch", "Decode batch", { min: 1, max: 256, step: 1, value: 64, unit: " sequences" }),
    ],
    update(v, chart) {
      // The smallest TP that holds the model (A100 has no FP8: DeepSeek-V3 does not run there).
      let tp = null;
      let prefill;
      let decode;
      for (const t of [1, 2, 4, 8]) {
        try {
          prefill = stepTime({ model: v.model, hardware: v.gpu, tp: t, step: { prefill: { tokens: v.prompt } } });
          decode = stepTime({ model: v.model, hardware: v.gpu, tp: t, step: { decode: { batch: v.batch, context: 2048 } } });
          tp = t;
          break;
        } catch (e) {
          if (t === 8) {
            chart.replaceChildren();
            return { config: { model: v.model, hardware: v.gpu }, sentence: `Not on 8 or fewer of these GPUs: ${e.message}.` };
          }
        }
      }
      const parts = (s) => [
        ["matmul", s.parts_ms.gemm], ["attention + KV", s.parts_ms.attention], ["experts", s.parts_ms.moe],
        ["all-reduce", s.parts_ms.all_reduce], ["dispatch", s.parts_ms.dispatch], ["other", s.parts_ms.other],
      ].map(([name, value]) => ({ name, value }));
      stackedBars(chart, [
        { label: `prefill ${number(v.prompt)}`, parts: parts(prefill) },
        { label: `decode ${v.batch} x 2k`, parts: parts(decode) },
      ]);
      const sentence =
        `${prefill.model} on ${tp} ${prefill.hardware}${tp > 1 ? "s" : ""}: one ${number(v.prompt)}-token prefill takes <strong>${duration(prefill.ms)}</strong>, ` +
        `<strong>${prefill.bound}-bound</strong>; one decode step of ${v.batch} sequences at 2,048 tokens takes <strong>${duration(decode.ms)}</strong>, <strong>${decode.bound}-bound</strong>.`;
      return {
        config: { model: v.model, hardware: v.gpu, topology: { prefill: { tp }, decode: { tp } } },
        sentence,
      };
    },
  },
};

// ---------------------------------------------------------------------------------------
function setUp(section) {
  const lesson = LESSONS[section.dataset.lesson];
  if (!lesson) return;
  const chart = section.querySelector(".chart");
  const live = section.querySelector(".live");
  const link = section.querySelector(".to-playground");
  let values;
  let pending = 0;
  const refresh = () => {
    try {
      const { config, sentence } = lesson.update(values, chart);
      live.innerHTML = sentence;
      if (link) link.href = playgroundLink(config);
      section.dataset.updates = String(Number(section.dataset.updates ?? 0) + 1);
    } catch (e) {
      live.textContent = `Could not run this lesson: ${e.message}`;
    }
  };
  // Coalesce a burst of slider events into one run per animation frame.
  const schedule = () => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      refresh();
    });
  };
  values = buildControls(section, lesson.controls, schedule);
  refresh();
  // Charts are drawn at their container's width: redraw when it changes.
  let drawnAt = chart.clientWidth;
  new ResizeObserver(() => {
    if (Math.abs(chart.clientWidth - drawnAt) > 40) {
      drawnAt = chart.clientWidth;
      schedule();
    }
  }).observe(chart);
}

async function main() {
  const status = document.getElementById("status");
  try {
    await init(new URL("pdsim_wasm_bg.wasm", import.meta.url));
    for (const e of examples()) EXAMPLES[e.name] = e.config;
    for (const section of document.querySelectorAll("section[data-lesson]")) setUp(section);
    status.textContent = "";
    document.body.dataset.ready = "1";
  } catch (e) {
    status.textContent = `The simulator could not load: ${e.message}`;
    status.classList.add("error");
  }
}
main();
