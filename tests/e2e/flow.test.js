// The request-flow view: the default scenario animates (frame rate measured and printed),
// pauses, scrubs, and a click on a request opens its waterfall.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const t = (page) => page.$eval('#flow-canvas', (c) => Number(c.dataset.t));

test('requests move through the cluster: animate, pause, scrub, click to the waterfall', async () => {
  const page = await openApp();
  await page.locator('#flow-canvas').scrollIntoViewIfNeeded();
  // Frame rate over the first seconds (the canvas reports it once a second).
  await page.waitForFunction(() => Number(document.querySelector('#flow-canvas').dataset.fps) > 0, null, { timeout: 10_000 });
  await page.waitForTimeout(2200);
  const fps = await page.$eval('#flow-canvas', (c) => Number(c.dataset.fps));
  console.log(`request flow: ${fps.toFixed(1)} frames/s on the default scenario`);
  assert.ok(fps >= 30, `${fps} frames/s`);
  // Playing: simulated time advances.
  const t0 = await t(page);
  await page.waitForTimeout(300);
  assert.ok((await t(page)) > t0, 'time does not advance while playing');
  // Paused: it stops.
  await page.click('#flow-play');
  const t1 = await t(page);
  await page.waitForTimeout(300);
  assert.equal(await t(page), t1);
  // Scrub to 2 s of simulated time: the canvas follows.
  await page.$eval('#flow-scrub', (el) => {
    el.value = '2000';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForFunction(() => Math.abs(Number(document.querySelector('#flow-canvas').dataset.t) - 2000) < 1);
  await shot(page, 'flow-paused-2s');
  // Click the dot nearest the middle of the decode column: its waterfall opens.
  const box = await page.locator('#flow-canvas').boundingBox();
  let opened = null;
  for (let dy = 0.2; dy < 0.95 && opened === null; dy += 0.05) {
    for (let dx = 0.70; dx < 0.87 && opened === null; dx += 0.01) {
      await page.mouse.click(box.x + box.width * dx, box.y + box.height * dy);
      opened = await page.$eval('.flow-picked', (p) => p.textContent).catch(() => null);
    }
  }
  assert.ok(opened, 'no request under any click');
  const id = opened.match(/#(\d+)/)[1];
  await page.waitForFunction((want) => document.querySelector('#waterfall-summary').dataset.request === want, id);
  assert.deepEqual(errorsOf(page), []);
});
