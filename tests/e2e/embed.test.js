// Embeds the author shapes: single controls, charts in order, a title, and a height the embed
// posts to its page; the "Copy embed code" dialog; docs/embed.html. Each fix of issue 26 has a
// test here: the slider's value, "Open full playground", the dialog's preview and code, the
// cards option, URL options decoded the standard way, and the docs page itself.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const LESSON = '/index.html#embed=1&charts=breakdown&controls=decider,threshold-range&title=x';
const visible = (frame, sel) => frame.locator(sel).isVisible();

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

test('the threshold slider of an embed shows its value, and moving it changes the value', async () => {
  const page = await openApp('/index.html#embed=1&example=long-prompts-disagg&controls=threshold-range&charts=breakdown');
  assert.ok(await visible(page, '#threshold-range'));
  assert.ok(await visible(page, '#threshold'), 'the number box beside the slider is hidden');
  assert.ok(!(await visible(page, '#decider')), 'an unasked control is shown');
  await page.$eval('#threshold-range', (el) => {
    el.value = '2048';
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForFunction(() => document.querySelector('#threshold').value === '2048');
  assert.deepEqual(errorsOf(page), []);
});

test('URL options are decoded as URLSearchParams writes them (%2C, + for spaces)', async () => {
  const options = new URLSearchParams({ embed: '1', controls: 'decider,threshold-range', charts: 'breakdown', title: 'Where does TTFT go?' });
  const hash = options.toString();
  assert.match(hash, /controls=decider%2Cthreshold-range/);
  assert.match(hash, /title=Where\+does\+TTFT\+go%3F/);
  const page = await openApp(`/index.html#${hash}`);
  assert.equal(await page.locator('#embed-title-text').textContent(), 'Where does TTFT go?');
  assert.ok(await visible(page, '#decider'));
  assert.ok(await visible(page, '#threshold-range'));
  assert.ok(!(await visible(page, '#rate')));
  assert.deepEqual(errorsOf(page), []);
});

test('"Number cards" left out hides the headline strip and the page links; chosen, shows them', async () => {
  const without = await openApp('/index.html#embed=1&charts=breakdown&controls=decider');
  for (const sel of ['#headline', '.mini-card', '.mini-link', '.to-controls', '.skip-link', '#card-ttft-p50']) {
    assert.equal(await without.locator(sel).count(), 0, `${sel} is shown without the cards`);
  }
  const withCards = await openApp('/index.html#embed=1&charts=cards,breakdown&controls=decider');
  assert.ok(await visible(withCards, '#card-ttft-p50'));
  assert.equal(await withCards.locator('#headline').count(), 1);
  assert.deepEqual([...errorsOf(without), ...errorsOf(withCards)], []);
});

test('"Open full playground" from an embed opens the same settings with every control', async () => {
  const page = await openApp('/index.html#embed=1&example=long-prompts-disagg&controls=decider&charts=breakdown&title=T');
  const href = await page.getAttribute('#open-full', 'href');
  for (const key of ['embed=', 'controls=', 'charts=', 'title=', 'hide=']) assert.ok(!href.includes(key), `${href} keeps ${key}`);
  const full = await openApp('/' + href.replace(/^\.\//, ''));
  for (const sel of ['#model', '#gpu', '#decider', '#rate', '#prefill-instances', '#bandwidth', '#threshold', '#slo-ttft']) {
    assert.ok(await visible(full, sel), `${sel} is hidden in the full playground`);
  }
  assert.equal(await full.$eval('#model', (s) => s.value), 'llama-3.1-70b');
  assert.equal(await full.locator('#embed-title-text').count(), 0);
  assert.deepEqual([...errorsOf(page), ...errorsOf(full)], []);
});

test('the embed dialog copies the <pdsim-demo> form: relative-safe, no plan state, preview follows edits', async () => {
  // Unrelated state in the URL: a plan target, a waterfall pick, an open section, a baseline.
  const page = await openApp('/#v=1&plan=%7B%22x%22%3A1%7D&w=p99&open=sweep-values&b=');
  await page.selectOption('#scenario', 'long-prompts-disagg').catch(() => {});
  await page.click('#copy-embed');
  const code = () => page.$eval('#embed-code', (t) => t.value);
  const first = await code();
  assert.match(first, /^<script type="module" src="\/pdsim-demo\.js"><\/script>\n<pdsim-demo /, first);
  assert.match(first, /controls="decider,threshold-range"/);
  assert.match(first, /charts="breakdown"/);
  assert.doesNotMatch(first, /https?:\/\//, 'the code names no origin');
  for (const key of ['plan', 'w=', 'open', 'b=', 'embed=']) assert.ok(!first.includes(key), `${key} in ${first}`);
  // No repository path in the dialog's words.
  assert.doesNotMatch(await page.locator('#embed-dialog').innerText(), /docs\/embed\.html/);

  // The preview follows every edit of the options.
  await page.check('input[name="embed-chart"][value="flow"]');
  await page.fill('#embed-title', 'My demo');
  await page.waitForFunction(() => /charts="breakdown,flow"/.test(document.querySelector('#embed-code').value));
  assert.match(await code(), /title="My demo"/);
  const preview = page.frameLocator('#embed-preview');
  await preview.locator('#embed-title-text').filter({ hasText: 'My demo' }).waitFor();
  await preview.locator('#flow-play').waitFor({ state: 'attached' });
  await page.fill('#embed-title', 'My second demo');
  await preview.locator('#embed-title-text').filter({ hasText: 'My second demo' }).waitFor();

  // The plain iframe form carries the lines that size it, and a src relative to the base.
  await page.fill('#embed-base', '/docs/pdsim/');
  await page.check('input[name="embed-form"][value="iframe"]');
  const iframe = await code();
  assert.match(iframe, /^<iframe src="\/docs\/pdsim\/index\.html#embed=1&/);
  assert.match(iframe, /addEventListener\("message"/);
  assert.match(iframe, /e\.data\?\.pdsim !== "resize"/);
  assert.match(iframe, /f\.contentWindow === e\.source/);
  for (const key of ['plan', 'w=', 'open=', 'b=']) assert.ok(!iframe.includes(key), `${key} in ${iframe}`);
  await shot(page, 'embed-dialog');
  await page.click('#embed-close');
  assert.equal(await page.locator('#embed-dialog').count(), 0);
  // A preview replaced while it was still loading cancels its downloads: not an error.
  assert.deepEqual(errorsOf(page).filter((e) => !/net::ERR_ABORTED/.test(e)), []);
});

test('docs/embed.html: documented options only, no SLO inputs, no contradicted claim, fits its window', async () => {
  const { readFile } = await import('node:fs/promises');
  const { DIST } = await import('./helpers.js');
  const html = await readFile(`${DIST}/embed.html`, 'utf8');
  assert.doesNotMatch(html, /hide=/, 'an undocumented option');
  assert.doesNotMatch(html, /stays flat/i, 'a claim the cards contradict');
  const page = await openApp('/embed.html', { ready: 'pdsim-demo#lesson' });
  for (const id of ['agg', 'disagg', 'lesson']) {
    const frame = page.frameLocator(`#${id} iframe`);
    await frame.locator('main#app[data-ready="true"]').waitFor({ state: 'attached' });
    for (const sel of ['#slo-ttft', '#slo-itl']) {
      assert.ok(!(await frame.locator(sel).isVisible().catch(() => false)), `${id} shows ${sel}`);
    }
  }
  // The lesson demo: its title, exactly the two chosen controls, its chart, sized to its content.
  const lesson = page.frameLocator('#lesson iframe');
  assert.equal(await lesson.locator('#embed-title-text').textContent(), 'Where does TTFT go?');
  assert.ok(await lesson.locator('#decider').isVisible());
  assert.ok(await lesson.locator('#threshold').isVisible());
  await page.waitForFunction(() => {
    const f = document.querySelector('#lesson').shadowRoot.querySelector('iframe');
    const inner = f.contentDocument?.documentElement;
    return inner && f.clientHeight + 1 >= inner.scrollHeight && f.clientHeight > 320;
  });
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 800 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `embed.html scrolls sideways at ${width} px (${overflow} px)`);
    await shot(page, `embed-page-${width}`);
  }
  assert.deepEqual(errorsOf(page), []);
});
