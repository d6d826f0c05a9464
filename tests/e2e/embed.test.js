// Embeds the author shapes: single controls, charts in order, a title, and a height the embed
// posts to its page (docs/embed.html resizes its iframe with it); the "Copy embed code" dialog.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const LESSON = '/index.html#embed=1&charts=breakdown&controls=decider,threshold-range&title=x';

test('an embed draws its first chart within a second of being opened', async () => {
  // The browser's first page pays for starting Chromium: time the second and third loads.
  await (await openApp(LESSON)).close();
  const times = [];
  for (let i = 0; i < 2; i++) {
    const start = Date.now();
    const page = await openApp(LESSON);
    times.push(Date.now() - start);
    await page.close();
  }
  console.log(`embed: first chart drawn ${times.join(' ms, ')} ms after opening`);
  // 1 s is the goal (measured 466-545 ms with other builds on both cores); CI gets slack.
  assert.ok(Math.min(...times) < 2000, `${times}`);
});

test('a lesson-sized embed sizes its iframe by postMessage and shows its chart unscrolled', async () => {
  const page = await openApp('/embed.html', { ready: '#lesson' });
  const frame = page.frameLocator('#lesson');
  await frame.locator('main#app[data-ready="true"]').waitFor({ state: 'attached' });
  // Resized by the page's three lines (it starts at 300 px).
  await page.waitForFunction(() => document.querySelector('#lesson').getBoundingClientRect().height > 320);
  const iframeBox = await page.locator('#lesson').boundingBox();
  // Inside: the title, exactly the two chosen controls, the breakdown chart and no other chart.
  assert.equal(await frame.locator('#embed-title-text').textContent(), 'Where does TTFT go?');
  assert.ok(await frame.locator('#decider').isVisible());
  assert.ok(await frame.locator('#threshold-range').isVisible());
  for (const hidden of ['#rate', '#model', '#prefill-instances']) {
    assert.ok(!(await frame.locator(hidden).isVisible()), `${hidden} is shown`);
  }
  assert.equal(await frame.locator('#breakdown-chart').count(), 1);
  assert.equal(await frame.locator('#waterfall-summary').count(), 0);
  const chart = await frame.locator('#breakdown-chart').boundingBox();
  assert.ok(chart.y + chart.height <= iframeBox.y + iframeBox.height + 1, 'the chart is cut off by the iframe');
  await shot(page, 'embed-lesson');
  assert.deepEqual(errorsOf(page), []);
});

test('"Copy embed code" opens a dialog whose checkboxes shape the code and the live preview', async () => {
  const page = await openApp();
  await page.click('#copy-embed');
  const code = () => page.$eval('#embed-code', (t) => t.value);
  assert.match(await code(), /charts=breakdown&controls=decider,threshold-range/);
  await page.check('input[name="embed-chart"][value="flow"]');
  await page.fill('#embed-title', 'My demo');
  await page.waitForFunction(() => /charts=breakdown,flow/.test(document.querySelector('#embed-code').value));
  assert.match(await code(), /title=My%20demo/);
  const src = await page.$eval('#embed-preview', (f) => f.getAttribute('src'));
  assert.match(src, /embed=1/);
  await page.frameLocator('#embed-preview').locator('main#app[data-ready="true"]').waitFor({ state: 'attached' });
  await shot(page, 'embed-dialog');
  await page.click('#embed-close');
  assert.equal(await page.locator('#embed-dialog').count(), 0);
  assert.deepEqual(errorsOf(page), []);
});
