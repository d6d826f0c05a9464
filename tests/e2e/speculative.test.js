// Speculative decoding in the playground: the "Speculative decoding" group turns it on, the
// run reports the tokens per verify step, and the URL keeps the setting.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { TIMEOUT, cardValue, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

test('turning on EAGLE speculation shortens requests and reports tokens per verify step', async () => {
  const page = await openApp();
  assert.equal(await page.inputValue('#spec-method'), 'off');
  assert.equal(await page.locator('#spec-tokens').count(), 0, 'no boxes while off');
  const before = await cardValue(page, 'card-e2e-p90');

  await page.selectOption('#spec-method', 'eagle');
  await page.waitForSelector('#spec-result:has-text("tokens per verify step")', { timeout: TIMEOUT });
  assert.equal(await page.inputValue('#spec-tokens'), '3');
  assert.equal(await page.inputValue('#spec-acceptance'), '0.7');
  // k = 3 at 0.7: 1 + 0.7 + 0.49 + 0.343 = 2.533 tokens per verify step on average.
  const text = await page.innerText('#spec-result');
  const perStep = parseFloat(text.match(/([\d.]+) tokens per verify step/)[1]);
  assert.ok(Math.abs(perStep - 2.533) < 0.15, `${text}`);
  const after = await cardValue(page, 'card-e2e-p90');
  assert.ok(after < before, `E2E p90 ${after} ms with speculation, ${before} ms without`);
  await shot(page, 'speculative-eagle');

  // Acceptance 0: one token per verify step.
  const hashBefore = await page.evaluate(() => location.hash);
  await page.fill('#spec-acceptance', '0');
  await page.waitForSelector('#spec-result:has-text("1.00 tokens per verify step")', { timeout: TIMEOUT });

  // The URL keeps it; a link restores it.
  await page.waitForFunction((h) => location.hash.includes('c=') && location.hash !== h, hashBefore, { timeout: TIMEOUT });
  const url = new URL(page.url());
  const again = await openApp(url.pathname + url.hash);
  assert.equal(await again.inputValue('#spec-method'), 'eagle');
  assert.equal(await again.inputValue('#spec-acceptance'), '0');

  // Off again: the boxes and the result go away.
  await page.selectOption('#spec-method', 'off');
  await page.waitForFunction(() => !document.querySelector('#spec-tokens'), null, { timeout: TIMEOUT });
  assert.deepEqual(errorsOf(page), []);
  assert.deepEqual(errorsOf(again), []);
  await page.close();
  await again.close();
});
