// Performance of the playground: edit-to-updated-charts latency in headless Chromium, and the
// size of dist/ (raw and gzip). Prints its numbers (`node --test` shows them as diagnostics).
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';

import { DIST, TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// The target is a median of at most TARGET_MS on a quiet machine (the default scenario).
// The test fails only above LIMIT_MS, so that it stays reliable on a loaded 2-core CI machine
// (a full build on the other core more than doubles every number); it prints the median
// against the target either way.
const TARGET_MS = 50;
const LIMIT_MS = 250;
// The dist/ budget: wasm + JS + CSS + HTML, gzip -9, in bytes. The target is 500 KB; the limit
// is 515 KB until the page is cut back (scripts/bundle-size.sh).
const BUDGET_BYTES = 515_000;

test(`edit-to-updated-charts latency: median of 10 discrete edits (target ${TARGET_MS} ms, fails above ${LIMIT_MS} ms)`, async (t) => {
  const page = await openApp();
  // Steady state: the initial threshold sweep (second worker) has answered.
  await page.waitForSelector('#sweep-summary', { timeout: TIMEOUT });

  // Discrete edits run at once (no debounce): a released slider (`change`) and select picks.
  const edits = [
    ['#threshold-range', '1024'], ['#policy', null], ['#threshold-range', '2048'], ['#decider', 'length-threshold'],
    ['#threshold-range', '128'], ['#policy', null], ['#threshold-range', '4096'], ['#decider', 'prefix-threshold'],
    ['#threshold-range', '768'], ['#threshold-range', '512'],
  ];
  const latencies = [];
  const phases = [];
  for (const [selector, wanted] of edits) {
    // From the change event to the render of the new report (data-run grows and the app sets
    // window.__pdsimLastRender = performance.now() after drawing it), measured in the page,
    // with its phases from the app's marks.
    const ms = await page.evaluate(
      ({ selector, wanted, timeout }) =>
        new Promise((resolve, reject) => {
          const app = document.querySelector('#app');
          const input = document.querySelector(selector);
          const before = Number(app.dataset.run);
          let value = wanted;
          if (value === null) {
            // The next option of a select.
            const options = [...input.options].filter((o) => !o.disabled).map((o) => o.value);
            value = options[(options.indexOf(input.value) + 1) % options.length];
          }
          const t0 = performance.now();
          input.value = value;
          input.dispatchEvent(new Event('change', { bubbles: true }));
          // The app's User Timing marks of its latest run (main.rs: mark_timing).
          const at = (name) => {
            const mark = performance.getEntriesByName(name, 'mark')[0];
            return mark && mark.startTime > t0 ? mark.startTime - t0 : NaN;
          };
          const poll = () => {
            if (Number(app.dataset.run) > before && window.__pdsimLastRender > t0) {
              const total = window.__pdsimLastRender - t0;
              const posted = at('pdsim:posted');
              const answered = at('pdsim:answered');
              resolve({ total, posted, worker: answered - posted, render: total - answered });
            } else if (performance.now() - t0 > timeout) {
              reject(new Error(`no new result within ${timeout} ms (${selector} = ${value})`));
            } else {
              setTimeout(poll, 2);
            }
          };
          poll();
        }),
      { selector, wanted, timeout: TIMEOUT },
    );
    latencies.push(ms.total);
    phases.push(ms);
    await page.waitForTimeout(100);
  }
  const m = median(latencies);
  const phase = (key) => median(phases.map((p) => p[key])).toFixed(1);
  const lines = [
    `edit-to-render latency over ${latencies.length} discrete edits: median ${m.toFixed(0)} ms ` +
      `(target ${TARGET_MS} ms: ${m <= TARGET_MS ? 'met' : 'NOT met'}; the test fails above ${LIMIT_MS} ms), ` +
      `min ${Math.min(...latencies).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms ` +
      `(no debounce); all: ${latencies.map((x) => x.toFixed(0)).join(', ')}`,
    `median phases (ms): edit to job posted ${phase('posted')}; posted to answer decoded ${phase('worker')} ` +
      `(worker run and messages, and any frame the page draws meanwhile); answer to charts drawn ${phase('render')}`,
  ];
  for (const line of lines) {
    t.diagnostic(line);
    console.log(line);
  }
  assert.ok(m < LIMIT_MS, lines[0]);
  await shot(page, 'latency-after-edits');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test(`dist/ sizes, raw and gzip (at most ${BUDGET_BYTES} bytes = 515 KB gzip in total)`, (t) => {
  let raw = 0;
  let gz = 0;
  const rows = [];
  for (const name of readdirSync(DIST).sort()) {
    const path = join(DIST, name);
    // What scripts/bundle-size.sh counts: wasm, JS, CSS and HTML (not custom-elements.json,
    // the <pdsim-demo> manifest for editors, which no page loads).
    if (!statSync(path).isFile() || !/\.(wasm|js|css|html)$/.test(name)) continue;
    const bytes = readFileSync(path);
    const zipped = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += zipped;
    rows.push(`${name.padEnd(40)} ${String(bytes.length).padStart(9)} ${String(zipped).padStart(9)}`);
  }
  const kb = (n) => `${n} bytes (${(n / 1000).toFixed(1)} KB)`;
  const report = [`${'file'.padEnd(40)} ${'raw'.padStart(9)} ${'gzip'.padStart(9)}`, ...rows,
    `total: ${kb(raw)} raw, ${kb(gz)} gzip; budget ${BUDGET_BYTES} bytes gzip`].join('\n');
  for (const l of report.split('\n')) t.diagnostic(l);
  console.log(report);
  assert.ok(gz <= BUDGET_BYTES, `dist/ gzip total ${kb(gz)} <= ${BUDGET_BYTES} bytes`);
});
