// The playground starts from the real build (dist/index.html), runs the default configuration in
// its Web Worker and shows the result.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

test('the app starts and shows the default result', async () => {
  const page = await openApp();

  assert.equal(await page.title(), 'pdsim playground');
  assert.ok(await page.getByRole('heading', { name: 'pdsim playground' }).isVisible());

  const result = page.locator('#ttft-p50');
  assert.ok(await result.isVisible(), 'the TTFT p50 line is visible');
  assert.match(await result.innerText(), /^TTFT p50: \d+(\.\d+)? ms$/);

  // The simulation ran in a Web Worker, not on the page's thread: the page's own module,
  // started from a small loader made in the page (a blob: URL).
  assert.ok(
    page.workers().some((w) => w.url().startsWith('blob:')),
    `a worker is running (workers: ${page.workers().map((w) => w.url()).join(', ') || 'none'})`,
  );

  await shot(page, 'default');
  assert.deepEqual(errorsOf(page), []);
});
