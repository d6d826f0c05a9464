// The Plan panel: a small plan runs in the page's worker pool, shows its progress, a frontier
// and a ranked table, and loads a candidate into the playground. Its settings are in the URL.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

test('a small plan finishes, draws its frontier and loads a candidate', async () => {
  // 4 GPUs, generous targets: a few dozen layouts.
  const page = await openApp('/#plan=4_2000_50_0.9_both_600');
  assert.equal(await page.$eval('#plan-gpus', (i) => i.value), '4');
  await page.click('#plan-start');
  const start = Date.now();
  await page.waitForFunction(() => {
    const p = document.querySelector('#plan-progress');
    return p && p.dataset.total !== '0' && p.dataset.done === p.dataset.total;
  }, null, { timeout: 240_000 });
  const total = await page.$eval('#plan-progress', (p) => p.dataset.total);
  console.log(`plan panel: ${total} layouts in ${Date.now() - start} ms`);
  assert.ok(Number(total) >= 4);
  assert.ok(Number(await page.$eval('#plan-frontier', (s) => s.dataset.frontier)) >= 1);
  assert.match(await page.textContent('#plan-best'), /req\/s per GPU/);
  await shot(page, 'plan-panel');
  // Load the best: the playground takes its layout (and reruns).
  const label = await page.$eval('#plan-table tbody tr', (r) => r.querySelector('th').textContent);
  const runBefore = Number(await page.$eval('#app', (a) => a.dataset.run));
  await page.click('#plan-table tbody tr .plan-load');
  await page.waitForFunction((n) => Number(document.querySelector('#app').dataset.run) > n, runBefore);
  const instances = await page.$$eval('#prefill-instances, #decode-instances, #unified-instances', (is) => is.map((i) => Number(i.value)));
  assert.ok(instances.some((n) => n > 0), `${label}: ${instances}`);
  assert.deepEqual(errorsOf(page), []);
});
