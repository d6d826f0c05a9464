// The Plan panel refuses every bad input with the message `pdsim plan` prints for the same
// flag (the core's shared validator, pdsim::plan::check_inputs), beside the field, and does
// not plan; every row shows its $ per million output tokens; and the table fits the page at
// 1,280 px and on a phone (issue 25).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

// (input, typed value, what `pdsim plan --FLAG VALUE` prints after `error: --FLAG: `)
const REFUSED = [
  ['#plan-gpus', '0', 'must be a whole number of GPUs between 1 and 4096, got 0'],
  ['#plan-ttft', '-5', 'must be a finite number > 0 ms, got -5'],
  ['#plan-requests', '0', 'must be a whole number of requests between 1 and 10000000, got 0'],
  ['#plan-attainment', '1.5', 'must be in (0, 1], got 1.5'],
];

test('bad plan inputs are refused beside their field, with the CLI message', async () => {
  const page = await openApp('/#plan=4_2000_50_0.9_both_600');
  for (const [input, value, message] of REFUSED) {
    const before = await page.$eval(input, (i) => i.value);
    await page.fill(input, value);
    await page.waitForSelector(`${input}-error`);
    assert.equal(await page.textContent(`${input}-error`), message);
    // The typed value stays (no silent reset to the old one), and nothing can start.
    assert.equal(await page.$eval(input, (i) => i.value), value);
    assert.equal(await page.$eval('#plan-start', (b) => b.disabled), true);
    await page.fill(input, before);
    await page.waitForSelector(`${input}-error`, { state: 'detached' });
  }
  assert.equal(await page.$eval('#plan-start', (b) => b.disabled), false);
  assert.deepEqual(errorsOf(page), []);
});

test('the cost objective ranks by $ per M output tokens and the table fits the page', async () => {
  const page = await openApp('/#plan=2_2000_50_0.9_both_300_cost_10');
  assert.equal(await page.$eval('#plan-objective', (s) => s.value), 'cost');
  await page.click('#plan-start');
  await page.waitForFunction(() => {
    const p = document.querySelector('#plan-progress');
    return p && p.dataset.total !== '0' && p.dataset.done === p.dataset.total;
  }, null, { timeout: 240_000 });
  const costs = await page.$$eval('#plan-table tbody tr.meets .plan-cost', (cells) =>
    cells.map((c) => Number(c.textContent.trim().replace('$', ''))));
  assert.ok(costs.length >= 2, `${costs}`);
  assert.deepEqual([...costs].sort((a, b) => a - b), costs);
  const fits = () => page.$eval('#plan-table', (t) => {
    const panel = t.closest('.plan-panel');
    return t.getBoundingClientRect().width <= panel.getBoundingClientRect().width + 1;
  });
  assert.equal(await fits(), true, 'at 1,280 px');
  await page.setViewportSize({ width: 390, height: 800 });
  assert.equal(await fits(), true, 'on a phone');
  await shot(page, 'plan-phone');
  assert.deepEqual(errorsOf(page), []);
});
