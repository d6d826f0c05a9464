// The playground's charts and compare mode: request waterfall, latency CDFs, instance
// timeline, threshold sweep, and deltas against a pinned baseline.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

/** The run counter of the results on screen. */
async function runOf(page) {
  return Number(await page.getAttribute('#app', 'data-run'));
}

/** Waits until a newer result than run `old` is on screen. */
async function waitForRun(page, old) {
  await page.waitForFunction(
    (old) => Number(document.querySelector('#app').dataset.run) > old,
    old,
    { timeout: TIMEOUT },
  );
}

test('pinning a baseline, then switching the decider to "always" shows signed deltas', async () => {
  const page = await openApp();
  await page.click('#pin');
  await page.waitForSelector('#pin[aria-pressed="true"]');
  const deltas = page.locator('.delta');
  assert.equal(await deltas.count(), 13, 'one delta per card (13 cards with cost and energy)');
  for (const text of await deltas.allInnerTexts()) assert.equal(text.trim(), '= no change');

  const run = await runOf(page);
  await page.selectOption('#decider', 'always');
  await waitForRun(page, run);
  assert.equal(
    await page.locator('#baseline-changes').innerText(),
    'Changed since pinning: disaggregation.decider: prefix-threshold → always.',
  );
  const texts = (await deltas.allInnerTexts()).map((t) => t.trim());
  const changed = texts.filter((t) => /^[▲▼] \d/.test(t));
  assert.ok(changed.length >= 3, `several cards changed: ${texts.join(' | ')}`);
  // The disaggregated share went up to 100%.
  const share = (await page.locator('#share-disaggregated + .delta').innerText()).trim();
  assert.match(share, /^▲ \d+(\.\d+)? pp\s+from the baseline$/);
  // Every change is coloured as better, worse or neutral, and says so in its tooltip.
  const classes = await page.$$eval('.delta', (els) => els.map((e) => e.className));
  assert.ok(classes.some((c) => /\b(better|worse)\b/.test(c)), classes.join(' | '));
  const title = await page.locator('.delta.worse, .delta.better').first().getAttribute('title');
  assert.match(title ?? '', /Change from the baseline/);
  // The breakdown explains its outlined baseline bars; the CDFs their dashed curve.
  assert.match(await page.locator('.breakdown .help').innerText(), /baseline/);
  assert.match(await page.locator('.cdfs .help').innerText(), /baseline/);
  await shot(page, 'compare-always-vs-baseline');

  await page.click('#pin');
  await page.waitForSelector('#pin[aria-pressed="false"]');
  assert.equal(await page.locator('.delta').count(), 0, 'no deltas after unpinning');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('the waterfall shows the p90 request, with a KV transfer when disaggregated', async () => {
  const page = await openApp();
  const run = await runOf(page);
  await page.selectOption('#decider', 'always');
  await waitForRun(page, run);

  assert.equal(await page.getAttribute('#pick-p90', 'aria-pressed'), 'true', 'p90 is the default pick');
  const summary = page.locator('#waterfall-summary');
  assert.equal(await summary.getAttribute('data-disaggregated'), 'true');
  assert.match(await summary.innerText(), /Request #\d+ \(p90\): TTFT [\d.]+ ms; \d+ input tokens, \d+ of them cached/);
  assert.match(await summary.innerText(), /KV transferred to decode instance \d+ \(decode\)/);
  const phases = await page.$$eval('#waterfall-phases li', (lis) =>
    Object.fromEntries(lis.map((li) => [li.dataset.phase, Number(li.dataset.value)])),
  );
  assert.deepEqual(Object.keys(phases), ['prefill_queue', 'prefill', 'transfer', 'decode_queue', 'first_decode']);
  assert.ok(phases.transfer > 0, `a transfer segment (${phases.transfer} ms)`);
  assert.ok(phases.prefill > 0 && phases.first_decode > 0, JSON.stringify(phases));
  assert.match((await page.getAttribute('#waterfall-chart', 'aria-label')) ?? '', /KV transfer [\d.]+ ms/);
  await shot(page, 'waterfall-p90-disaggregated');

  // The slowest request has the largest TTFT; a request id picks that request.
  const ttft = async () => Number(/TTFT ([\d.]+) ms/.exec(await summary.innerText())[1]);
  const p90 = await ttft();
  await page.click('#pick-slowest');
  await page.waitForFunction(() => /\(slowest\)/.test(document.querySelector('#waterfall-summary').innerText));
  assert.ok((await ttft()) >= p90, 'slowest >= p90');
  await page.fill('#request-id', '7');
  await page.waitForFunction(() => document.querySelector('#waterfall-summary').dataset.request === '7');
  assert.match(await summary.innerText(), /^Request #7 \(#7\)/);

  // Served locally: no transfer.
  const run2 = await runOf(page);
  await page.selectOption('#decider', 'never');
  await waitForRun(page, run2);
  assert.equal(await summary.getAttribute('data-disaggregated'), 'false');
  assert.match(await summary.innerText(), /served locally/);
  assert.equal(await page.getAttribute('#waterfall-phases li[data-phase="transfer"]', 'data-value'), '0');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('the threshold sweep appears for prefix-threshold and names the best threshold', async () => {
  const page = await openApp();
  assert.equal(await page.inputValue('#decider'), 'prefix-threshold');
  await page.waitForSelector('#sweep-summary', { timeout: TIMEOUT });
  const text = await page.locator('#sweep-summary').innerText();
  const m = /Best p90 TTFT: [\d.]+ ms at threshold (\d+) tokens/.exec(text);
  assert.ok(m, text);
  assert.ok([0, 128, 256, 512, 1024, 2048, 4096, 8192].includes(Number(m[1])), text);
  assert.equal(await page.getAttribute('#sweep-summary', 'data-best'), m[1]);
  assert.match(text, /Current threshold 512 tokens: p90 TTFT [\d.]+ ms/);
  assert.equal(await page.locator('#sweep-table tbody tr').count(), 8);
  const label = (await page.getAttribute('#sweep-chart', 'aria-label')) ?? '';
  assert.match(label, /Threshold sweep\. Best p90 TTFT/);
  await page.locator('#sweep').scrollIntoViewIfNeeded();
  await shot(page, 'sweep-prefix-threshold');

  // Moving the threshold moves the marker, without re-running the sweep.
  await page.fill('#threshold', '1024');
  await page.waitForFunction(() => /Current threshold 1024 tokens/.test(document.querySelector('#sweep-summary')?.innerText ?? ''));

  // Other settings make the shown sweep outdated until it re-runs.
  await page.fill('#rate', '30');
  await page.waitForSelector('#sweep[data-fresh="false"]');
  await page.waitForSelector('#sweep[data-fresh="true"] #sweep-summary', { timeout: TIMEOUT });
  assert.equal(await page.locator('#sweep-outdated').count(), 0);

  // No threshold, no sweep.
  await page.selectOption('#decider', 'always');
  await page.waitForFunction(() => !document.querySelector('#sweep'));
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('the CDFs and the instance timeline are drawn and described', async () => {
  const page = await openApp();
  for (const id of ['cdf-ttft', 'cdf-tpot']) {
    const label = (await page.getAttribute(`#${id}-chart`, 'aria-label')) ?? '';
    assert.match(label, /^Cumulative distribution\. (TTFT|TPOT) of \d+ requests: p50 [\d.]+ ms, p90 [\d.]+ ms/, label);
    assert.equal(await page.locator(`#${id}-summary`).innerText(), label.replace('Cumulative distribution. ', ''));
    assert.ok(await page.$eval(`#${id}-chart`, (c) => c.width > 200), `${id} drawn`);
  }
  const timeline = (await page.getAttribute('#timeline-chart', 'aria-label')) ?? '';
  assert.match(timeline, /^Instance timeline\. 4 instances over [\d.]+ s: prefill pool [\d.]+% busy \(2 instances\), decode pool [\d.]+% busy \(2 instances\); \d+ KV transfers arrived\./, timeline);
  const transfers = Number(/(\d+) KV transfers/.exec(timeline)[1]);
  assert.ok(transfers > 0, 'the default scenario transfers KV');
  await page.locator('.timeline').scrollIntoViewIfNeeded();
  await shot(page, 'cdfs-and-timeline');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('every chart fits a 390 px wide phone and is redrawn on resize', async () => {
  const page = await openApp();
  await page.waitForSelector('#sweep-chart', { timeout: TIMEOUT });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => document.querySelector('#timeline-chart').width <= 390 * devicePixelRatio);
  const widths = await page.$$eval('canvas', (cs) =>
    cs.map((c) => [c.id, c.getBoundingClientRect().width, c.width / devicePixelRatio]),
  );
  for (const [id, css, drawn] of widths) {
    assert.ok(css <= 390 && css > 200, `${id} fits (${css}px)`);
    assert.ok(Math.abs(css - drawn) <= 2, `${id} redrawn at its width (${drawn} vs ${css})`);
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
  await shot(page, 'charts-mobile');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('the new controls: prefill routing, SLO, seed, lengths, prefix, arrival', async () => {
  const page = await openApp();
  const run = async (action) => {
    const old = await runOf(page);
    await action();
    await waitForRun(page, old);
  };
  assert.equal(await page.inputValue('#prefill-policy'), 'same');
  await run(() => page.selectOption('#prefill-policy', 'round-robin'));

  // An SLO lowers goodput below throughput.
  await run(() => page.fill('#slo-ttft', '50'));
  const goodput = parseFloat(await page.locator('#card-goodput').innerText());
  const throughput = parseFloat(await page.locator('#card-throughput').innerText());
  assert.ok(goodput < throughput, `goodput ${goodput} < throughput ${throughput}`);
  await run(() => page.fill('#slo-ttft', ''));

  // A new seed is a new sample.
  const seed = await page.inputValue('#seed');
  await run(() => page.click('#new-seed'));
  assert.notEqual(await page.inputValue('#seed'), seed);

  // Constant prompts of 2000 tokens, no shared prefixes.
  await run(() => page.selectOption('#input-dist', 'constant'));
  await run(() => page.fill('#input-value', '2000'));
  await run(() => page.fill('#prefix-groups', '0'));
  await page.locator('#pick-p50').click();
  assert.match(await page.locator('#waterfall-summary').innerText(), /2000 input tokens, 0 of them cached/);

  await run(() => page.selectOption('#arrival', 'gamma'));
  await run(() => page.fill('#cv', '4'));
  // The diagram follows the numbers.
  await run(() => page.fill('#prefill-instances', '3'));
  assert.match(await page.locator('#diagram-prefill').innerText(), /Prefill ×3/);
  assert.match((await page.getAttribute('#topology-diagram', 'aria-label')) ?? '', /^3 prefill instances \(TP 1\) send KV caches over a 25 GB\/s link/);
  await page.locator('.controls').scrollIntoViewIfNeeded();
  await shot(page, 'controls-edited');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('a long run shows "simulating…" while the page stays responsive', async (t) => {
  const page = await openApp();
  // At 4 requests/s (the default is 40) decode batches are small, so the 50,000-request run
  // takes many more steps: about 400 ms in the worker, well past the 150 ms after which
  // "simulating…" shows (at the default rate it now takes about 120 ms).
  let old = await runOf(page);
  await page.fill('#rate', '4');
  await waitForRun(page, old);
  old = await runOf(page);
  // Count the page's longest pause between timer ticks while the worker runs.
  await page.evaluate(() => {
    window.__gaps = { last: performance.now(), max: 0, running: 0, armed: false, on: true };
    const tick = () => {
      const now = performance.now();
      const gap = now - window.__gaps.last;
      window.__gaps.max = Math.max(window.__gaps.max, gap);
      // Pauses that end while the indicator still shows happened while the worker ran.
      const el = document.querySelector('#simulating');
      if (window.__gaps.armed && el && /simulating…/.test(el.innerText)) {
        window.__gaps.running = Math.max(window.__gaps.running, gap);
      }
      window.__gaps.last = now;
      if (window.__gaps.on) setTimeout(tick, 10);
    };
    tick();
  });
  await page.fill('#requests', '50000');
  await page.waitForFunction(() => /simulating…/.test(document.querySelector('#simulating').innerText), null, {
    timeout: TIMEOUT,
    polling: 5,
  });
  // From here the run is in the worker: count only pauses that end while the indicator
  // still shows (a simulation on the main thread would be one long such pause). Starting
  // the run and decoding its result are the page's own work and are not counted.
  await page.evaluate(() => {
    window.__gaps.last = performance.now();
    window.__gaps.armed = true;
  });
  await shot(page, 'simulating');
  await waitForRun(page, old);
  const { during, total } = await page.evaluate(() => {
    window.__gaps.on = false;
    return { during: window.__gaps.running, total: window.__gaps.max };
  });
  t.diagnostic(`longest main-thread pause: ${during.toFixed(0)} ms while simulating, ${total.toFixed(0)} ms including decoding and drawing the 50,000-request report`);
  assert.ok(during < 200, `the page is not frozen while the worker runs (${during.toFixed(0)} ms)`);
  assert.equal((await page.locator('#simulating').innerText()).trim(), '');
  assert.match(await page.locator('.summary').innerText(), /50,000 of 50,000 requests/);
  // Beyond 10,000 requests there are no per-request records: the CDFs say so instead of
  // drawing empty axes.
  assert.equal(await page.locator('#cdf-ttft-chart').count(), 0);
  assert.match(await page.locator('#cdf-ttft-summary').innerText(), /no distribution to draw\. Per-request records are kept for runs of up to 10,000 requests/);
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});
