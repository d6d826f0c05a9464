// The lessons page: each <section data-lesson="NAME"> gets a few controls, one chart and a
// sentence written from the simulator's results, recomputed whenever a control moves. The
// simulator is pdsim's JavaScript API (the same core as the playground and the CLI), loaded
// from ./pdsim_wasm.js beside this file. Everything the playground also shows comes from that
// API, not from this file: number formats, the config merge, the playground links, the link
// presets, the phases' names, definitions and colours, and the warnings about a run.
import init, {
  examples, formatDuration, formatNumber, linkPresets, mergeConfig, notes, phases, playgroundHash, run, stepTime, warnings,
} from "./pdsim_wasm.js";

// ---------------------------------------------------------------------------------------
// Numbers as the playground writes them.
const duration = (ms) => (Number.isFinite(ms) ? formatDuration(ms) : "none");
const number = (x, digits = 0) => formatNumber(x, digits);
const bytes = (b) => (b >= 1e9 ? `${number(b / 1e9, 2)} GB` : `${number(b / 1e6, 1)} MB`);
// The mean gap between a request's output tokens (TPOT).
const tpot = (summary) => summary.tpot_ms;

// ---------------------------------------------------------------------------------------
// Configs: a lesson's config is an example with a partial config merged onto it, and its
// playground link is the one the playground's "Copy link" writes.
const EXAMPLES = {};
let PHASES = [];
const example = (name, patch = {}) => mergeConfig(EXAMPLES[name], patch);
const playgroundLink = (config) => `./#${playgroundHash(config)}`;

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
// Charts, drawn as SVG: horizontal stacked bars, and line panels (one panel, with its own
// axis, per metric). Each chart also gets a text alternative (aria-label) listing its values.
const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["var(--c1)", "var(--c2)", "var(--c3)", "var(--c4)", "var(--c5)", "var(--c6)"];
function el(name, attrs = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
const chartWidth = (container) => Math.max(300, Math.min(container.clientWidth || 720, 900));
// The TTFT phases as bar parts, in the glossary's names and colours.
const phaseParts = (b, key) => PHASES.map((p) => ({ name: p.name, value: key ? b[p.id][key] : b[p.id], colour: p.colour }));

// rows: [{ label, parts: [{ name, value, colour? }] }], values in ms, on one scale. On a narrow
// screen each row's label goes above its bar, so long labels are never cut.
function stackedBars(container, rows, { format = duration, title } = {}) {
  const width = chartWidth(container);
  const narrow = width < 560;
  const longest = Math.max(...rows.map((r) => r.label.length));
  const left = narrow ? 0 : Math.min(Math.ceil(longest * 6.6) + 12, Math.round(width * 0.4));
  const rowH = narrow ? 48 : 34;
  const names = [...new Set(rows.flatMap((r) => r.parts.map((p) => p.name)))];
  const colourOf = Object.fromEntries(rows.flatMap((r) => r.parts).map((p) => [p.name, p.colour]));
  const colour = (name) => colourOf[name] ?? PALETTE[names.indexOf(name) % PALETTE.length];
  // The legend, wrapped to the width.
  const legend = [];
  let lx = 0;
  let ly = title ? 26 : 6;
  for (const name of names) {
    const w = 18 + name.length * 7 + 14;
    if (lx > 0 && lx + w > width) {
      lx = 0;
      ly += 20;
    }
    legend.push({ name, x: lx, y: ly });
    lx += w;
  }
  const legendH = ly + 22;
  const height = legendH + rows.length * rowH + 12;
  const totals = rows.map((r) => r.parts.reduce((a, p) => a + p.value, 0));
  const max = Math.max(...totals, 1e-9);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "presentation" });
  if (title) svg.append(el("text", { x: 0, y: 14, class: "chart-title" }, title));
  for (const { name, x, y } of legend) {
    svg.append(el("rect", { x, y, width: 12, height: 12, fill: colour(name) }));
    svg.append(el("text", { x: x + 16, y: y + 10 }, name));
  }
  rows.forEach((row, r) => {
    const y = legendH + r * rowH;
    const barY = narrow ? y + 18 : y + 4;
    svg.append(el("text", { x: 0, y: narrow ? y + 12 : y + 19 }, row.label));
    let at = left;
    row.parts.forEach((p) => {
      const w = ((width - left - 80) * p.value) / max;
      svg.append(el("rect", { x: at, y: barY, width: Math.max(w, 0), height: 24, fill: colour(p.name) }));
      at += w;
    });
    svg.append(el("text", { x: at + 6, y: barY + 16 }, format(totals[r])));
  });
  container.replaceChildren(svg);
  container.setAttribute(
    "aria-label",
    (title ? `${title}. ` : "") + rows.map((r) => `${r.label}: ${r.parts.map((p) => `${p.name} ${format(p.value)}`).join(", ")}`).join("; "),
  );
}

// One line panel per series, each with its own y axis (TTFT and TPOT differ a hundredfold), on
// a shared x axis of categories `xs`; `mark` is the index of the chosen x.
function linePanels(container, xs, series, { mark } = {}) {
  const width = chartWidth(container);
  const height = 190;
  const pad = { l: 74, r: 30, t: 28, b: 34 };
  const panels = series.map((s, k) => {
    const ys = s.points.map((p) => p[1]).filter(Number.isFinite);
    const yMax = Math.max(...ys, 1e-9) * 1.1;
    const px = (i) => pad.l + ((width - pad.l - pad.r) * i) / Math.max(xs.length - 1, 1);
    const py = (v) => height - pad.b - ((height - pad.t - pad.b) * v) / yMax;
    const color = PALETTE[k % PALETTE.length];
    const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "presentation" });
    svg.append(el("text", { x: 0, y: 16, class: "chart-title" }, s.name));
    svg.append(el("line", { class: "axis", x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b }));
    svg.append(el("line", { class: "axis", x1: pad.l, y1: pad.t, x2: pad.l, y2: height - pad.b }));
    for (let t = 0; t <= 3; t++) {
      const v = (yMax * t) / 3;
      svg.append(el("text", { x: pad.l - 6, y: py(v) + 4, "text-anchor": "end" }, duration(v)));
    }
    xs.forEach((x, i) => svg.append(el("text", { x: px(i), y: height - pad.b + 18, "text-anchor": "middle" }, x)));
    const d = s.points.map(([i, v], j) => `${j ? "L" : "M"}${px(i)},${py(v)}`).join(" ");
    svg.append(el("path", { d, fill: "none", stroke: color, "stroke-width": 2.5 }));
    for (const [i, v] of s.points) svg.append(el("circle", { cx: px(i), cy: py(v), r: i === mark ? 6 : 3, fill: color }));
    return svg;
  });
  container.replaceChildren(...panels);
  container.setAttribute(
    "aria-label",
    series.map((s) => `${s.name}: ${s.points.map(([i, v]) => `${xs[i]} ${duration(v)}`).join(", ")}`).join("; "),
  );
}

// ---------------------------------------------------------------------------------------
// The lessons: controls, and an update that draws and returns { config, sentence, facts,
// runs }: `facts` are the numbers the sentence states (the tests check the sentence against
// them), `runs` the runs whose warnings the lesson shows.
const argmin = (xs) => xs.reduce((b, x, i) => (x < xs[b] ? i : b), 0);
const summaryFacts = (s) => ({
  ttft_p90: s.ttft_ms.p90, tpot_p90: tpot(s).p90, completed: s.completed, injected: s.injected,
  disaggregated_share: s.disaggregated_share,
});
const gpus = (t) => t.prefill.instances * t.prefill.tp + t.decode.instances * t.decode.tp + t.unified.instances * t.unified.tp;

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
      const report = run(config);
      const s = report.summary;
      const b = s.breakdown_disaggregated_ms;
      stackedBars(chart, [
        { label: "mean, disaggregated", parts: phaseParts(b, "mean") },
        { label: "the p90 request", parts: phaseParts(s.breakdown_at_ttft_ms.p90) },
      ]);
      const means = Object.fromEntries(PHASES.map((p) => [p.id, b[p.id].mean]));
      const largest = PHASES[PHASES.map((p) => means[p.id]).reduce((best, x, i, xs) => (x > xs[best] ? i : best), 0)];
      const total = PHASES.reduce((a, p) => a + means[p.id], 0);
      const sentence =
        `At <strong>${number(v.rate)} req/s</strong>, a disaggregated request waits <strong>${duration(means.prefill_queue)}</strong> for a prefill batch, ` +
        `computes for <strong>${duration(means.prefill)}</strong>, moves its KV cache in <strong>${duration(means.transfer)}</strong>, ` +
        `waits <strong>${duration(means.decode_queue)}</strong> on the decode instance and takes <strong>${duration(means.first_decode)}</strong> for its first token: ` +
        `<strong>${duration(total)}</strong> on average (${number(b.prefill.count)} of ${number(s.completed)} requests were disaggregated). ` +
        `The largest part is <strong>${largest.name.toLowerCase()}</strong>.`;
      return { config, sentence, facts: { means, total, largest: largest.id, disaggregated: b.prefill.count, completed: s.completed }, runs: [{ label: "", config, report }] };
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
      const dr = run(disagg);
      const ar = run(agg);
      const [d, a] = [dr.summary, ar.summary];
      const [ttftBox, tpotBox] = [document.createElement("div"), document.createElement("div")];
      chart.replaceChildren(ttftBox, tpotBox);
      const shared = `shared: ${agg.topology.unified.instances} unified`;
      const split = `split: ${disagg.topology.prefill.instances}P + ${disagg.topology.decode.instances}D`;
      stackedBars(ttftBox, [
        { label: shared, parts: [{ name: "p90 TTFT", value: a.ttft_ms.p90, colour: PALETTE[0] }] },
        { label: split, parts: [{ name: "p90 TTFT", value: d.ttft_ms.p90, colour: PALETTE[0] }] },
      ], { title: "p90 TTFT: the wait for the first token" });
      stackedBars(tpotBox, [
        { label: shared, parts: [{ name: "p90 TPOT", value: tpot(a).p90, colour: PALETTE[4] }] },
        { label: split, parts: [{ name: "p90 TPOT", value: tpot(d).p90, colour: PALETTE[4] }] },
      ], { title: "p90 TPOT: the gap between tokens" });
      chart.setAttribute("aria-label", `${ttftBox.getAttribute("aria-label")}; ${tpotBox.getAttribute("aria-label")}`);
      const tpotCut = tpot(d).p90 < tpot(a).p90;
      const ttftCut = d.ttft_ms.p90 < a.ttft_ms.p90;
      const sentence =
        `Disaggregating ${tpotCut ? "cut" : "raised"} p90 TPOT from <strong>${duration(tpot(a).p90)}</strong> to <strong>${duration(tpot(d).p90)}</strong> ` +
        `${tpotCut === ttftCut ? "and" : "but"} ${ttftCut ? "cut" : "raised"} p90 TTFT from <strong>${duration(a.ttft_ms.p90)}</strong> to <strong>${duration(d.ttft_ms.p90)}</strong>` +
        ` (${number(d.completed)} and ${number(a.completed)} of ${number(d.injected)} requests completed; the same ${gpus(disagg.topology)} GPUs as ` +
        `${disagg.topology.prefill.instances} prefill + ${disagg.topology.decode.instances} decode instances, or ${agg.topology.unified.instances} shared ones).`;
      return {
        config: disagg, sentence, facts: { split: summaryFacts(d), shared: summaryFacts(a) },
        runs: [{ label: "split", config: disagg, report: dr }, { label: "shared", config: agg, report: ar }],
      };
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
      const dr = run(disagg);
      const ar = run(agg);
      const [d, a] = [dr.summary, ar.summary];
      stackedBars(chart, [
        { label: "shared (aggregated)", parts: phaseParts(a.breakdown_ms, "mean") },
        { label: "split (disaggregated)", parts: phaseParts(d.breakdown_ms, "mean") },
      ]);
      const diff = d.ttft_ms.p90 - a.ttft_ms.p90;
      const prefillPool = dr.pools.find((p) => p.role === "prefill");
      const sentence =
        `With <strong>${number(v.share * 100)}%</strong> of prompts reusing a cached prefix, p90 TTFT is <strong>${duration(a.ttft_ms.p90)}</strong> aggregated and ` +
        `<strong>${duration(d.ttft_ms.p90)}</strong> disaggregated: here disaggregating <strong>${diff > 0 ? "adds" : "saves"} ${duration(Math.abs(diff))}</strong>` +
        ` (its mean KV transfer is ${duration(d.breakdown_ms.transfer.mean)}; ${number(d.disaggregated_share * 100)}% of its requests were disaggregated` +
        (prefillPool ? `, and its prefill pool was ${number(prefillPool.utilization * 100)}% busy` : "") + ").";
      return {
        config: disagg, sentence,
        facts: { split: summaryFacts(d), shared: summaryFacts(a), transfer_mean: d.breakdown_ms.transfer.mean, prefill_busy: prefillPool?.utilization ?? null },
        runs: [{ label: "split", config: disagg, report: dr }, { label: "shared", config: agg, report: ar }],
      };
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
      const reports = configs.map((c) => run(c));
      const sums = reports.map((r) => r.summary);
      const mark = values.indexOf(Number(v.threshold));
      linePanels(chart, labels, [
        { name: "p90 TTFT", points: sums.map((s, i) => [i, s.ttft_ms.p90]) },
        { name: "p90 TPOT", points: sums.map((s, i) => [i, tpot(s).p90]) },
      ], { mark });
      const best = argmin(sums.map((s) => s.ttft_ms.p90));
      const here = sums[mark];
      // What the playground notes about this point: e.g. a prefill pool left idle.
      const idle = notes(configs[mark], reports[mark]).filter((n) => /sat idle/.test(n));
      const prefillPool = reports[mark].pools.find((p) => p.role === "prefill");
      const sentence =
        `At a threshold of <strong>${labels[mark]}</strong>${mark === values.length - 1 ? "" : " tokens"}, <strong>${number(here.disaggregated_share * 100)}%</strong> of requests are disaggregated; ` +
        `p90 TTFT is <strong>${duration(here.ttft_ms.p90)}</strong> and p90 TPOT <strong>${duration(tpot(here).p90)}</strong>. ` +
        `The lowest p90 TTFT of the sweep, <strong>${duration(sums[best].ttft_ms.p90)}</strong>, is at <strong>${labels[best]}</strong>.` +
        (idle.length ? ` ${idle.join(" ")}` : "");
      return {
        config: configs[mark], sentence,
        facts: { mark, best, ttft_p90: sums.map((s) => s.ttft_ms.p90), here: summaryFacts(here), prefill_busy: prefillPool?.utilization ?? null, idle: idle.length > 0 },
        runs: configs.map((config, i) => ({ label: `threshold ${labels[i]}`, config, report: reports[i] })),
      };
    },
  },

  "the-link": {
    // A getter: the presets come from the JS API, which is ready only once the page has loaded it.
    get controls() {
      return [
      choice("link", "Link", linkPresets().filter((l) => l.id !== "nvlink").concat(linkPresets().filter((l) => l.id === "nvlink")).map((l) => [l.id, l.label]), "roce-200g"),
      slider("latency", "Setup latency", { min: 0.05, max: 2, step: 0.05, value: 0.5, format: (x) => `${number(x, 2)} ms` }),
      slider("prompt", "Prompt", { min: 1024, max: 16384, step: 1024, value: 4096, unit: " tokens" }),
      ];
    },
    update(v, chart) {
      const link = linkPresets().find((l) => l.id === v.link);
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
          kv_transfer: { bandwidth_gb_per_s: link.bandwidth_gb_per_s, base_latency_ms: v.latency },
          workload: { trace: [{ arrival_ms: 0, input_tokens: v.prompt, output_tokens: 2 }] },
        };
        const s = run(config).summary;
        // Every GPU of the prefill instance sends its own part of the cache to its peer, in
        // parallel: the transfer takes as long as one GPU's part.
        return { id, label: `${label}, TP ${tp}`, tp, ms: s.transfer.time_ms.mean, bytes: s.transfer.bytes, perGpu: s.transfer.bytes / tp, config };
      });
      stackedBars(chart, rows.map((r) => ({ label: r.label, parts: [{ name: "KV transfer time (each GPU sends its part at once)", value: r.ms, colour: PHASES[2].colour }] })));
      const [llama70, ds] = [rows[2], rows[3]];
      const ratio = llama70.perGpu / ds.perGpu;
      const sentence =
        `At ${link.bandwidth_gb_per_s} GB/s (${link.name}), a ${number(v.prompt)}-token prompt of Llama-3.1-70B moves in <strong>${duration(llama70.ms)}</strong>: ` +
        `its ${llama70.tp} GPUs each send their share of the KV heads, <strong>${bytes(llama70.perGpu)}</strong>. ` +
        `DeepSeek-V3's compressed (MLA) cache is not split by TP: each of its ${ds.tp} GPUs sends all of it, <strong>${bytes(ds.perGpu)}</strong>, ` +
        `${ratio >= 1 ? `${number(ratio, 1)} times less than a Llama-3.1-70B GPU` : `${number(1 / ratio, 1)} times more than a Llama-3.1-70B GPU`}, in <strong>${duration(ds.ms)}</strong>.`;
      return {
        config: llama70.config, sentence,
        facts: { rows: rows.map(({ id, tp, ms, bytes: b, perGpu }) => ({ id, tp, ms, bytes: b, perGpu })), bandwidth: link.bandwidth_gb_per_s },
        runs: [],
      };
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
      const reports = configs.map((c) => run(c));
      const sums = reports.map((r) => r.summary);
      const labels = splits.map((p) => `${p}P:${6 - p}D`);
      linePanels(chart, labels, [
        { name: "p90 TTFT", points: sums.map((s, i) => [i, s.ttft_ms.p90]) },
        { name: "p90 TPOT", points: sums.map((s, i) => [i, tpot(s).p90]) },
      ]);
      const bestT = argmin(sums.map((s) => s.ttft_ms.p90));
      const bestD = argmin(sums.map((s) => tpot(s).p90));
      const sentence =
        `On 6 H100s at ${number(v.rate)} req/s, the lowest p90 TTFT (<strong>${duration(sums[bestT].ttft_ms.p90)}</strong>) comes with <strong>${labels[bestT]}</strong>, ` +
        `the lowest p90 TPOT (<strong>${duration(tpot(sums[bestD]).p90)}</strong>) with <strong>${labels[bestD]}</strong>. ` +
        (bestT === bestD ? "Here one split wins both." : "No split wins both: the split is a trade between the two.") +
        ` (<code>pdsim plan</code> searches splits, TP and thresholds for a target.)`;
      return {
        config: configs[bestT], sentence,
        facts: { bestT, bestD, ttft_p90: sums.map((s) => s.ttft_ms.p90), tpot_p90: sums.map((s) => tpot(s).p90) },
        runs: configs.map((config, i) => ({ label: labels[i], config, report: reports[i] })),
      };
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
      // The smallest TP that holds the model and the step's KV cache (A100 has no FP8:
      // DeepSeek-V3 does not run there).
      let tp = null;
      let prefill;
      let decode;
      for (const t of [1, 2, 4, 8]) {
        try {
          prefill = stepTime({ model: v.model, hardware: v.gpu, tp: t, step: { prefill: { tokens: v.prompt } } });
          decode = stepTime({ model: v.model, hardware: v.gpu, tp: t, step: { decode: { batch: v.batch, context: 2048 } } });
          // Held: its weights leave room for the KV cache of this prefill and of the batch.
          const need = Math.max(v.prompt, v.batch * 2048);
          if (prefill.kv_capacity_tokens < need) throw new Error(`at TP ${t}, ${number(prefill.weights_per_gpu_gb, 1)} GB of weights per GPU leave KV room for ${number(prefill.kv_capacity_tokens)} tokens, and this step needs ${number(need)}`);
          tp = t;
          break;
        } catch (e) {
          if (t === 8) {
            chart.replaceChildren();
            chart.setAttribute("aria-label", "No chart: the model does not fit on 8 or fewer of these GPUs.");
            // No config of the playground runs it either: no link.
            return { config: null, sentence: `Not on 8 or fewer of these GPUs: ${e.message}.`, facts: { fits: false }, runs: [] };
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
      const moe = prefill.parts_ms.moe > 0;
      const why =
        prefill.bound === "compute"
          ? ""
          : moe
            ? " This prefill is memory-bound, against the rule of thumb: each token uses only a few of the model's experts, so the expert weights read from memory are shared by few tokens."
            : " This prefill is memory-bound, against the rule of thumb: at this prompt length, reading the weights takes longer than the arithmetic.";
      const sentence =
        `${prefill.model} on ${tp} ${prefill.hardware}${tp > 1 ? "s" : ""}: one ${number(v.prompt)}-token prefill takes <strong>${duration(prefill.ms)}</strong>, ` +
        `<strong>${prefill.bound}-bound</strong>; one decode step of ${v.batch} sequences at 2,048 tokens takes <strong>${duration(decode.ms)}</strong>, <strong>${decode.bound}-bound</strong>.` +
        why;
      return {
        config: { model: v.model, hardware: v.gpu, topology: { prefill: { tp }, decode: { tp } } },
        sentence,
        facts: { fits: true, tp, prefill_ms: prefill.ms, decode_ms: decode.ms, prefill_bound: prefill.bound, decode_bound: decode.bound, moe },
        runs: [],
      };
    },
  },
};

// ---------------------------------------------------------------------------------------
// The warnings of a lesson's runs, by the playground's rule (the JS API's `warnings`).
function showWarnings(section, runs) {
  let box = section.querySelector(".warning");
  const lines = [];
  for (const { label, config, report } of runs) {
    for (const w of warnings(config, report)) lines.push(label ? `${label}: ${w}` : w);
  }
  if (!lines.length) {
    box?.remove();
    return;
  }
  if (!box) {
    box = document.createElement("div");
    box.className = "warning";
    box.setAttribute("role", "alert");
    section.querySelector("figure").after(box);
  }
  box.replaceChildren(...lines.map((line) => Object.assign(document.createElement("p"), { textContent: `⚠ ${line}` })));
}

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
      const { config, sentence, facts, runs } = lesson.update(values, chart);
      live.innerHTML = sentence;
      showWarnings(section, runs);
      section.dataset.facts = JSON.stringify(facts);
      // The configs whose warnings are shown (the tests re-run them).
      section.dataset.runs = JSON.stringify(runs.map(({ label, config: c }) => ({ label, config: c })));
      if (link) {
        link.hidden = !config;
        if (config) link.href = playgroundLink(config);
      }
    } catch (e) {
      live.textContent = `Could not run this lesson: ${e.message}`;
    }
    section.dataset.updates = String(Number(section.dataset.updates ?? 0) + 1);
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

// The glossary of the five phases, from the JS API (the playground's names and colours).
function glossary() {
  const list = document.getElementById("phases");
  if (!list) return;
  list.replaceChildren(
    ...PHASES.flatMap((p) => {
      const dt = document.createElement("dt");
      dt.dataset.phase = p.id;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = p.colour;
      dt.append(swatch, p.name);
      const dd = document.createElement("dd");
      dd.textContent = p.definition;
      return [dt, dd];
    }),
  );
}

async function main() {
  const status = document.getElementById("status");
  try {
    await init(new URL("pdsim_wasm_bg.wasm", import.meta.url));
    for (const e of examples()) EXAMPLES[e.name] = e.config;
    PHASES = phases();
    glossary();
    for (const section of document.querySelectorAll("section[data-lesson]")) setUp(section);
    status.textContent = "";
    document.body.dataset.ready = "1";
  } catch (e) {
    status.textContent = `The simulator could not load: ${e.message}`;
    status.classList.add("error");
  }
}
main();
