// The lessons page (dist/lessons.html): every lesson draws its chart and writes its sentence
// from a live run; moving its first control changes both; its playground link carries the
// lesson's config. Screenshots at desktop and phone widths.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const LESSONS = ['ttft-phases', 'why-disaggregate', 'when-it-hurts', 'threshold', 'the-link', 'pd-ratio', 'step-time'];

test('each lesson runs, and its chart and live sentence follow its control', async () => {
  const page = await openApp('/lessons.html', { ready: 'body[data-ready="1"]' });
  const found = await page.$$eval('section[data-lesson]', (s) => s.map((x) => x.dataset.lesson));
  assert.deepEqual(found, LESSONS);
  for (const name of LESSONS) {
    const section = `section[data-lesson="${name}"]`;
    const before = await page.$eval(section, (s) => ({
      sentence: s.querySelector('.live').textContent,
      chart: s.querySelector('.chart').innerHTML,
      controls: s.querySelectorAll('.controls input, .controls select').length,
      updates: Number(s.dataset.updates),
    }));
    assert.ok(before.controls >= 2 && before.controls <= 4, `${name}: ${before.controls} controls`);
    assert.match(before.sentence, /\d/, `${name}: no numbers in "${before.sentence}"`);
    assert.doesNotMatch(before.sentence, /Could not run/, name);
    assert.match(before.chart, /<svg/, `${name}: no chart`);
    // Move the first control: to its other end (a slider) or to another option (a select).
    await page.$eval(`${section} .controls :is(input, select)`, (el) => {
      if (el.tagName === 'SELECT') el.selectedIndex = (el.selectedIndex + 1) % el.options.length;
      else el.value = el.value === el.max ? el.min : el.max;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await page.waitForFunction(
      ({ sel, n }) => Number(document.querySelector(sel).dataset.updates) > n,
      { sel: section, n: before.updates },
    );
    const afterMove = await page.$eval(section, (s) => ({
      sentence: s.querySelector('.live').textContent,
      chart: s.querySelector('.chart').innerHTML,
      label: s.querySelector('.chart').getAttribute('aria-label'),
      link: s.querySelector('.to-playground').getAttribute('href'),
    }));
    assert.notEqual(afterMove.sentence, before.sentence, `${name}: the sentence did not change`);
    assert.notEqual(afterMove.chart, before.chart, `${name}: the chart did not change`);
    assert.ok(afterMove.label && afterMove.label.length > 10, `${name}: no text alternative`);
    assert.match(afterMove.link, /^\.\/#v=1&c=[A-Za-z0-9_-]+$/, name);
  }
  assert.deepEqual(errorsOf(page), []);
  await shot(page, 'lessons-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(100);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways at 390 px (${overflow} px)`);
  await shot(page, 'lessons-phone');
});

test("a lesson's playground link opens the playground on the lesson's config", async () => {
  const page = await openApp('/lessons.html', { ready: 'body[data-ready="1"]' });
  const link = await page.$eval('section[data-lesson="why-disaggregate"] .to-playground', (a) => a.getAttribute('href'));
  const app = await openApp('/' + link.slice(2));
  const model = await app.$eval('#model', (s) => s.value);
  assert.equal(model, 'llama-3.1-70b');
  assert.deepEqual(errorsOf(app), []);
});
