// The playground's form and results, driven as a person would: every edit re-runs the
// simulation in the worker; invalid values show an error naming the field and mark the results
// stale. Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

/** The values (ms) of one phase's row of the breakdown table, in column order (mean first). */
async function phaseRow(page, phase) {
  return page.$$eval(`#breakdown-table tr[data-phase="${phase}"] td`, (cells) =>
    cells.map((c) => Number(c.dataset.value)),
  );
}

/** Waits until the table's `phase` row satisfies `predicate(values)` (run in the page). */
async function waitForRow(page, phase, predicate) {
  await page.waitForFunction(
    ({ phase, predicate }) => {
      const cells = [...document.querySelectorAll(`#breakdown-table tr[data-phase="${phase}"] td`)];
      const values = cells.map((c) => Number(c.dataset.value));
      // eslint-disable-next-line no-new-func
      return values.length > 0 && new Function('v', `return (${predicate})(v);`)(values);
    },
    { phase, predicate: predicate.toString() },
    { timeout: TIMEOUT },
  );
}

async function share(page) {
  return (await page.locator('#share-disaggregated').innerText()).trim();
}

test('the default result shows TTFT cards in ms and a nonzero KV transfer', async () => {
  const page = await openApp();

  const cards = page.locator('#cards');
  assert.ok(await cards.isVisible(), 'the cards are visible');
  for (const id of ['card-ttft-p50', 'card-ttft-p90', 'card-ttft-p99', 'card-itl-p50', 'card-e2e-p90']) {
    assert.match(await page.locator(`#${id}`).innerText(), /^\d[\d,]*(\.\d+)? ms$/, `#${id}`);
  }
  assert.match(await page.locator('#card-throughput').innerText(), /^\d+(\.\d+)? req\/s$/);
  assert.match(await share(page), /^\d+(\.\d+)?%$/);

  // The table has the five phases; the default scenario disaggregates long prompts.
  const phases = await page.$$eval('#breakdown-table tbody tr', (rows) => rows.map((r) => r.dataset.phase));
  assert.deepEqual(phases, ['prefill_queue', 'prefill', 'transfer', 'decode_queue', 'first_decode']);
  const transfer = await phaseRow(page, 'transfer');
  assert.equal(transfer.length, 6, 'mean, p50, p90, p99, local mean, disaggregated mean');
  assert.ok(transfer[0] > 0, `transfer mean > 0 (got ${transfer[0]})`);
  assert.equal(transfer[4], 0, 'local requests have no transfer');

  // The chart is drawn and described.
  const label = await page.locator('#breakdown-chart').getAttribute('aria-label');
  assert.match(label ?? '', /milliseconds/);
  const drawn = await page.$eval('#breakdown-chart', (c) => c.width > 300);
  assert.ok(drawn, 'the canvas takes the width of its column');

  await shot(page, 'playground-default');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('decider never has no transfer and 0% disaggregated; always transfers', async () => {
  const page = await openApp();

  await page.selectOption('#decider', 'never');
  await waitForRow(page, 'transfer', (v) => v.every((x) => x === 0));
  await page.waitForFunction(() => /^0(\.0)?%$/.test(document.querySelector('#share-disaggregated').innerText.trim()));
  assert.equal(await share(page), '0.0%');
  await shot(page, 'playground-never');

  await page.selectOption('#decider', 'always');
  await waitForRow(page, 'transfer', (v) => v[0] > 0);
  await page.waitForFunction(() => parseFloat(document.querySelector('#share-disaggregated').innerText) >= 99);
  const transfer = await phaseRow(page, 'transfer');
  assert.ok(transfer[0] > 0 && transfer[5] > 0, `transfer nonzero: ${transfer}`);
  await shot(page, 'playground-always');

  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('raising the threshold from 512 to 8192 tokens changes the disaggregated share', async () => {
  const page = await openApp();

  assert.equal(await page.inputValue('#threshold'), '512');
  const before = await share(page);
  await page.fill('#threshold', '8192');
  await page.waitForFunction(
    (old) => document.querySelector('#share-disaggregated').innerText.trim() !== old,
    before,
    { timeout: TIMEOUT },
  );
  const afterShare = await share(page);
  assert.notEqual(afterShare, before);
  assert.ok(parseFloat(afterShare) < parseFloat(before), `${afterShare} < ${before}`);
  // The slider follows the number box.
  assert.equal(await page.inputValue('#threshold-range'), '8192');

  await shot(page, 'playground-threshold-8192');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('an invalid value shows an error naming the field and marks the results stale', async () => {
  const page = await openApp();
  const results = page.locator('#results');
  const error = page.locator('#error');
  assert.equal((await error.innerText()).trim(), '');
  const ttft = await page.locator('#card-ttft-p50').innerText();

  // No decode-capable instance left.
  await page.fill('#decode-instances', '0');
  await page.waitForFunction(() => document.querySelector('#error').innerText.trim() !== '');
  assert.match(await error.innerText(), /topology\.decode\.instances/);
  assert.equal(await error.getAttribute('role'), 'alert');
  assert.match((await results.getAttribute('class')) ?? '', /\bstale\b/);
  assert.ok(await page.locator('#stale-note').isVisible(), 'a visible "stale" note');
  assert.match(await page.locator('#stale-note').innerText(), /stale/);
  // The last good result stays on screen.
  assert.equal(await page.locator('#card-ttft-p50').innerText(), ttft);
  assert.equal(await page.getAttribute('#decode-instances', 'aria-invalid'), 'true');
  await shot(page, 'playground-invalid-topology');

  // Back to valid: the error goes, the results are fresh again.
  await page.fill('#decode-instances', '2');
  await page.waitForFunction(() => document.querySelector('#error').innerText.trim() === '');
  await page.waitForFunction(() => !document.querySelector('#results').classList.contains('stale'));

  // A zero arrival rate.
  await page.fill('#rate', '0');
  await page.waitForFunction(() => /workload\.arrival\.rate_per_s/.test(document.querySelector('#error').innerText));
  assert.match((await results.getAttribute('class')) ?? '', /\bstale\b/);
  assert.equal(await page.getAttribute('#rate', 'aria-invalid'), 'true');

  // Text that is not a number names the field too, and keeps what was typed.
  await page.fill('#rate', '');
  await page.waitForFunction(() => /workload\.arrival\.rate_per_s: must be a number/.test(document.querySelector('#error').innerText));
  assert.equal(await page.inputValue('#rate'), '');
  await shot(page, 'playground-invalid-rate');

  await page.fill('#rate', '20');
  await page.waitForFunction(() => !document.querySelector('#results').classList.contains('stale'));
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('a scenario preset loads its config, and the page fits a 390 px wide phone', async () => {
  const page = await openApp();
  await page.setViewportSize({ width: 390, height: 844 });

  await page.selectOption('#scenario', 'long-prompts-agg');
  await page.waitForFunction(() => document.querySelector('#prefill-instances').value === '0');
  assert.ok(Number(await page.inputValue('#unified-instances')) > 0);
  assert.equal(await page.inputValue('#decider'), 'never');
  await page.waitForFunction(() => document.querySelector('#share-disaggregated').innerText.trim() === '0.0%');

  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 390 px (overflow ${overflow}px)`);
  const chartWidth = await page.$eval('#breakdown-chart', (c) => c.getBoundingClientRect().width);
  assert.ok(chartWidth <= 390, `the chart fits (${chartWidth}px)`);

  await shot(page, 'playground-mobile');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});
