// The release build works wherever it is hosted: served under a subpath (as documentation sites
// and project pages host things), the app and the embeds of docs/embed.html load every asset
// relative to the page (Trunk's public_url "./"), and the page says it is loading before the
// wasm arrives.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { DIST, TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';
import { startServer } from './static-server.js';

const PREFIX = '/some/sub/path/';
let server = null;

after(async () => {
  await server?.close();
  await closeAll();
});

async function subpath() {
  server ??= await startServer({ root: DIST, prefix: PREFIX });
  return server.url + PREFIX;
}

test('index.html links its assets relative to the page and says it is loading', async () => {
  const { readFile } = await import('node:fs/promises');
  const html = await readFile(`${DIST}/index.html`, 'utf8');
  // Attributes may be unquoted: the release build is minified.
  const urls = [...html.matchAll(/\b(?:href|src)=(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g)].map(
    (m) => m[1] ?? m[2] ?? m[3],
  );
  const assets = urls.filter((u) => !u.startsWith('data:') && !u.startsWith('#'));
  assert.ok(assets.length >= 2, `the page links its CSS and JS: ${urls.join(' ')}`);
  for (const url of assets) assert.ok(!url.startsWith('/'), `${url} is relative to the page`);
  // The importing script names its module and wasm relative to the page too.
  assert.match(html, /from\s*['"]\.\/pdsim-web-[^'"]+\.js['"]/, 'the module import is relative');
  assert.doesNotMatch(html, /(from|module_or_path:)\s*['"]\//, 'no root-absolute module or wasm');
  assert.match(html, /id=["]?loading["]?[\s\S]*Loading the playground/);
});

test('the app and the embeds work when the build is served under /some/sub/path/', async () => {
  const base = await subpath();
  const page = await openApp('', { base });
  assert.equal(new URL(page.url()).pathname, PREFIX);
  assert.ok(await page.locator('#card-ttft-p50').isVisible(), 'a result card is shown');
  assert.equal(await page.locator('#loading').count(), 0, 'the loading text is gone');
  // The workers run the page's module, which the page links from under the subpath (a
  // request outside it would have failed the page: the server answers 404 there).
  assert.ok(page.workers().length > 0, 'no worker runs');
  const module = await page.$eval('link[rel=modulepreload]', (l) => l.href);
  assert.ok(new URL(module).pathname.startsWith(PREFIX), `the module loads from ${module}`);
  await shot(page, 'subpath-app');
  assert.deepEqual(errorsOf(page), []);
  await page.close();

  const docs = await openApp('embed.html', { base, ready: '#disagg' });
  for (const id of ['agg', 'disagg']) {
    // The <pdsim-demo> elements frame the playground beside their script: under the subpath.
    const src = await docs.$eval(`#${id}`, (d) => d.shadowRoot.querySelector('iframe').src);
    assert.ok(new URL(src).pathname.startsWith(PREFIX), `${id} frames ${src}`);
    const frame = docs.frameLocator(`#${id} iframe`);
    await frame.locator('#app[data-ready="true"]').waitFor({ state: 'attached', timeout: TIMEOUT });
    await frame.locator('#card-ttft-p50').waitFor({ timeout: TIMEOUT });
    assert.match(await frame.locator('#card-ttft-p50').innerText(), /\d/, id);
  }
  await shot(docs, 'subpath-embed');
  assert.deepEqual(errorsOf(docs), []);
  await docs.close();
});

test('the page says it is loading until the wasm arrives', async () => {
  const base = await subpath();
  // Hold the app's wasm back (never answer it): the page must not be blank meanwhile.
  const page = await openApp('', {
    base,
    ready: '#loading',
    before: (p) => p.route(/pdsim-web-[^/]*_bg\.wasm$/, () => {}),
  });
  const loading = page.locator('#loading');
  assert.ok(await loading.isVisible(), 'the loading text is on screen');
  assert.match(await loading.innerText(), /Loading the playground…/);
  assert.equal(await page.locator('#app').count(), 0, 'no app yet');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'loading-phone');
  await page.close();
});
