// Results within reach: on a phone a result stays on the first screen while the controls are
// edited; a skip link jumps to the results without touching the URL's settings; focus stays on
// the Pin button; the pinned baseline travels in the URL; the engine knobs and per-instance KV
// peak and preemptions are on the page.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const runOf = async (page) => Number(await page.getAttribute('#app', 'data-run'));
async function waitForRun(page, old) {
  await page.waitForFunction((old) => Number(document.querySelector('#app').dataset.run) > old, old, {
    timeout: TIMEOUT,
  });
}

/** Whether the element is entirely inside the viewport now. */
async function onScreen(page, selector) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth + 1;
  });
}

test('on a 390 px phone a result card is on the first screen after an edit', async () => {
  const page = await openApp('/', {
    before: (p) => p.setViewportSize({ width: 390, height: 844 }),
  });
  assert.ok(await onScreen(page, '#mini-ttft'), 'a result on the first screen at start');
  await shot(page, 'phone-start');

  // Edit the arrival rate far down the form: the result follows, still on screen.
  await page.locator('#rate').scrollIntoViewIfNeeded();
  const before = await page.locator('#mini-ttft .mini-value').innerText();
  const run = await runOf(page);
  await page.fill('#rate', '10');
  await waitForRun(page, run);
  assert.ok(await onScreen(page, '#mini-ttft'), 'the headline result is on screen after the edit');
  assert.ok(await onScreen(page, '#rate'), 'and so is the edited box');
  const value = await page.locator('#mini-ttft .mini-value').innerText();
  assert.match(value, /^\d[\d,.]* (ms|s|min)$/);
  assert.notEqual(value, before, 'the headline shows the new result');
  assert.equal(
    await page.locator('#mini-ttft .mini-value').innerText(),
    await page.locator('#card-ttft-p50').innerText(),
    'the same number as the card',
  );
  await shot(page, 'phone-after-edit');

  // "All results" jumps to the results and keeps the settings in the URL.
  const hash = await page.evaluate(() => location.hash);
  await page.click('.headline .mini-link');
  await page.waitForFunction(() => document.activeElement?.id === 'results');
  const head = await page.$eval('.results-head', (el) => JSON.stringify(el.getBoundingClientRect()));
  assert.ok(await onScreen(page, '.results-head .summary'), `the results are on screen: ${head}`);
  assert.equal(await page.evaluate(() => location.hash), hash, 'the hash still holds the settings');
  // The breakdown table says it scrolls sideways.
  assert.ok(await page.locator('.scroll-hint').isVisible());
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('the skip link is the first Tab stop and leads to the results', async () => {
  const page = await openApp();
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.textContent);
  assert.equal(focused, 'Skip to results');
  assert.ok(await page.locator('.skip-link').isVisible(), 'visible when focused');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'results');
  // The next Tab stop is inside the results: the Pin button is near.
  let presses = 0;
  while (presses < 10 && (await page.evaluate(() => document.activeElement?.id)) !== 'pin') {
    await page.keyboard.press('Tab');
    presses += 1;
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pin', `Pin within ${presses} Tab presses`);
  await page.close();
});

test('focus stays on the Pin button, and the pinned baseline is in the URL', async () => {
  const page = await openApp();
  await page.focus('#pin');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#pin[aria-pressed="true"]');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pin', 'focus stays after pinning');
  assert.equal((await page.locator('#pin').innerText()).trim(), 'Unpin baseline');
  await page.waitForFunction(() => /[#&]b=/.test(location.hash));
  const link = await page.evaluate(() => location.href);

  // The link reopens with the baseline pinned and the comparison on screen.
  const copy = await openApp(link.slice(link.indexOf('/', 8)));
  await copy.waitForSelector('#pin[aria-pressed="true"]', { timeout: TIMEOUT });
  assert.match(await copy.locator('#baseline-counts').innerText(), /^Baseline: 400 of 400 requests completed, 0 dropped/);
  assert.equal(await copy.locator('.delta').count(), 13, 'one delta per card (13 cards with cost and energy)');
  await copy.close();

  await page.keyboard.press('Enter');
  await page.waitForSelector('#pin[aria-pressed="false"]');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'pin', 'focus stays after unpinning');
  await page.waitForFunction(() => !/[#&]b=/.test(location.hash));
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('engine knobs have units and hover text; instances show KV peak and preemptions', async () => {
  const page = await openApp();
  for (const [id, unit, field] of [
    ['chunk-tokens', 'tokens', 'engine.max_num_batched_tokens'],
    ['max-seqs', 'per step', 'engine.max_num_seqs'],
    ['gpu-memory', 'share, 0–1', 'engine.gpu_memory_utilization'],
  ]) {
    assert.match(await page.locator(`label[for="${id}"]`).innerText(), new RegExp(`\\(${unit}\\)`));
    assert.match((await page.getAttribute(`#${id}`, 'title')) ?? '', new RegExp(field.replace('.', '\\.')));
  }
  assert.equal(await page.inputValue('#chunk-tokens'), '2048');
  let run = await runOf(page);
  await page.fill('#chunk-tokens', '512');
  await waitForRun(page, run);
  await page.waitForFunction(() => /&c=/.test(location.hash), null, { timeout: TIMEOUT });

  // The conditional decider's queue limit appears with it.
  assert.equal(await page.locator('#max-prefill-queue').count(), 0);
  run = await runOf(page);
  await page.selectOption('#decider', 'conditional');
  await waitForRun(page, run);
  assert.equal(await page.inputValue('#max-prefill-queue'), '8');
  assert.match(await page.locator('label[for="max-prefill-queue"]').innerText(), /\(requests\)/);

  // Per-instance KV peak and preemptions.
  const rows = page.locator('#instances-table tbody tr');
  assert.equal(await rows.count(), 4);
  for (const text of await page.locator('#instances-table td.kv-peak').allInnerTexts()) {
    assert.match(text, /^\d+(\.\d)?%$/);
  }
  for (const text of await page.locator('#instances-table td.preemptions').allInnerTexts()) {
    assert.match(text, /^\d[\d,]*$/);
  }
  await page.locator('#instances-table').scrollIntoViewIfNeeded();
  await shot(page, 'instances-table');

  // Same GPUs, aggregated: the prefill pool's GPUs join the unified pool.
  run = await runOf(page);
  await page.click('#same-gpus-agg');
  await waitForRun(page, run);
  assert.equal(await page.inputValue('#unified-instances'), '4');
  assert.equal(await page.inputValue('#prefill-instances'), '0');
  assert.match(await page.locator('#gpu-total').innerText(), /^4 GPUs in all/);
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('an idle prefill pool is noted in the results and the diagram', async () => {
  const page = await openApp();
  const run = await runOf(page);
  await page.selectOption('#decider', 'never');
  await waitForRun(page, run);
  assert.match(
    await page.locator('#idle-note').innerText(),
    /^The prefill pool \(2 instances, 2 GPUs\) sat idle \(0\.0% busy\): the decider `never` sends it no prompts/,
  );
  assert.match((await page.getAttribute('#diagram-prefill', 'class')) ?? '', /\bidle\b/);
  assert.match((await page.getAttribute('#topology-diagram', 'aria-label')) ?? '', /it idles/);
  await page.locator('#group-topology').scrollIntoViewIfNeeded();
  await shot(page, 'idle-prefill-pool');
  await page.close();
});
