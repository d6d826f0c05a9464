// URL state, embed mode, trace import, downloads and crash recovery of the playground.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, test } from 'node:test';

import { TIMEOUT, baseUrl, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

/** The path + hash of the page's URL. */
function pathOf(page) {
  const url = new URL(page.url());
  return url.pathname + url.hash;
}

async function waitForHash(page, predicate) {
  await page.waitForFunction(predicate, null, { timeout: TIMEOUT });
}

test('the URL keeps the config and the waterfall pick; a link restores them', async () => {
  const page = await openApp();
  assert.equal(await page.locator('#url-note').count(), 0, 'no note on a plain URL');
  await page.fill('#rate', '12');
  await page.selectOption('#decider', 'always');
  await page.click('#pick-p99');
  await waitForHash(page, () => location.hash.includes('c=') && location.hash.includes('w=p99'));
  const hash = new URL(page.url()).hash;
  assert.match(hash, /^#v=1&/);
  // Only the changed fields are encoded.
  const c = new URLSearchParams(hash.slice(1)).get('c');
  const json = JSON.parse(Buffer.from(c, 'base64url').toString());
  assert.deepEqual(json, { disaggregation: { decider: 'always' }, workload: { arrival: { rate_per_s: 12 } } });

  const again = await openApp(pathOf(page));
  assert.equal(await again.inputValue('#rate'), '12');
  assert.equal(await again.inputValue('#decider'), 'always');
  assert.equal(await again.getAttribute('#pick-p99', 'aria-pressed'), 'true');
  assert.equal(await again.locator('#url-note').count(), 0);

  // Copy link.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: await baseUrl() });
  await page.click('#copy-link');
  await page.waitForSelector('#copy-status:has-text("copied")', { timeout: TIMEOUT });
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(copied.endsWith(hash), `copied ${copied}`);
  // Copy embed code: a dialog shapes the embed, then copies its code.
  await page.click('#copy-embed');
  await page.click('#embed-copy');
  await page.waitForSelector('#embed-dialog [role="status"]:has-text("copied")', { timeout: TIMEOUT });
  const code = await page.evaluate(() => navigator.clipboard.readText());
  // The <pdsim-demo> form (embed.test.js checks it in detail), with these settings' config.
  assert.match(code, /^<script type="module" src="\/pdsim-demo\.js"><\/script>\n<pdsim-demo controls="decider,threshold-range" charts="breakdown" config='\{[^']+\}'><\/pdsim-demo>$/, code);
  await page.click('#embed-close');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
  await again.close();
});

test('an opened section is kept in the URL', async () => {
  const page = await openApp();
  await page.waitForSelector('#sweep-summary', { timeout: TIMEOUT });
  await page.click('#sweep-values summary');
  await waitForHash(page, () => location.hash.includes('open=sweep-values'));
  const again = await openApp(pathOf(page));
  await again.waitForSelector('#sweep-summary', { timeout: TIMEOUT });
  assert.equal(await again.$eval('#sweep-values', (d) => d.open), true);
  assert.ok(await again.locator('#sweep-table').isVisible());
  await page.close();
  await again.close();
});

test('a broken or unknown link falls back to the defaults with a note', async () => {
  for (const [path, words] of [['/#v=7&c=e30', /v=7/], ['/#v=1&c=%%%', /damaged/],
    [`/#v=1&c=${Buffer.from('{"seed":"x"}').toString('base64url')}`, /seed/]]) {
    const page = await openApp(path);
    const note = page.locator('#url-note');
    assert.ok(await note.isVisible(), path);
    assert.equal(await note.getAttribute('role'), 'status');
    assert.match(await note.innerText(), words);
    assert.match(await page.locator('#ttft-p50').innerText(), /^TTFT p50: /);
    await page.close();
  }
});

test('embed mode hides the chosen groups and charts; docs/embed.html shows two results', async () => {
  const page = await openApp('/#v=1&embed=1&hide=scenario,topology,disagg,slo,link&charts=cards,breakdown');
  assert.equal(await page.locator('#group-topology').count(), 0);
  assert.equal(await page.locator('#group-workload').count(), 1);
  assert.equal(await page.locator('#cards').count(), 1);
  assert.equal(await page.locator('#breakdown-chart').count(), 1);
  assert.equal(await page.locator('#waterfall-chart').count(), 0);
  assert.equal(await page.locator('#copy-link').count(), 0);
  const full = await page.getAttribute('#open-full', 'href');
  assert.ok(full.includes('v=1') && !full.includes('embed'), full);
  assert.equal(await page.getAttribute('#open-full', 'target'), '_blank');
  await page.close();

  const docs = await openApp('/embed.html', { ready: '#disagg' });
  const ttft = [];
  for (const id of ['agg', 'disagg']) {
    const frame = docs.frameLocator(`#${id} iframe`);
    await frame.locator('#card-ttft-p50').waitFor({ timeout: TIMEOUT });
    await frame.locator('#breakdown-chart').waitFor({ timeout: TIMEOUT });
    ttft.push(await frame.locator('#card-ttft-p50').innerText());
    assert.equal(await frame.locator('#url-note').count(), 0, id);
  }
  assert.notEqual(ttft[0], ttft[1], 'two different scenarios');
  await docs.waitForTimeout(300);
  await shot(docs, 'embed-docs');
  assert.deepEqual(errorsOf(docs), []);
  await docs.close();
});

test('a trace file with a bad line is refused naming it; a good one replays', async () => {
  const page = await openApp();
  const lines = [
    '{"arrival_ms": 0, "input_tokens": 1000, "output_tokens": 20}',
    '{"arrival_ms": 10, "input_tokens": 3000, "output_tokens": 30}',
    '{"arrival_ms": 20, "input_tokens": "many", "output_tokens": 30}',
    '{"arrival_ms": 30, "input_tokens": 500, "output_tokens": 10}',
    '{"arrival_ms": 40, "input_tokens": 800, "output_tokens": 40}',
  ];
  await page.setInputFiles('#trace-file', {
    name: 'trace.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(lines.join('\n')),
  });
  await page.waitForSelector('#trace-errors', { timeout: TIMEOUT });
  assert.match(await page.locator('#trace-errors').innerText(), /line 3: /);
  // A file with a bad line is refused whole, naming the line, as the CLI does.
  assert.equal((await page.locator('#trace-status').innerText()).split(' remove')[0].trim(),
    'trace refused: 1 bad line(s), fix them and load it again');
  await shot(page, 'trace-refused');
  await page.click('#remove-trace');
  await page.waitForSelector('#trace-status', { state: 'detached', timeout: TIMEOUT });

  // The drop zone takes a dropped file too.
  await page.evaluate((text) => {
    const data = new DataTransfer();
    data.items.add(new File([text], 'dropped.jsonl', { type: 'application/x-ndjson' }));
    const zone = document.querySelector('#trace-drop');
    zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, lines.slice(0, 2).join('\n'));
  await page.waitForSelector('#trace-status', { timeout: TIMEOUT });
  assert.match(await page.locator('#trace-status').innerText(), /^trace: 2 requests/);
  assert.equal(await page.locator('#trace-errors').count(), 0);
  await page.waitForFunction(() => document.querySelector('.summary').innerText.includes(' 2 of 2 requests'), null, { timeout: TIMEOUT });
  await page.click('#remove-trace');
  await page.waitForFunction(() => !document.querySelector('.summary').innerText.includes(' of 4 requests'), null, { timeout: TIMEOUT });
  assert.equal(await page.locator('#trace-status').count(), 0);
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('the report downloads as JSON, its requests as CSV, a chart as PNG', async () => {
  const page = await openApp();
  const summary = await page.locator('.summary').innerText();
  const injected = Number(/ of (\d+) requests/.exec(summary)[1]);

  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
  assert.equal(json.suggestedFilename(), 'pdsim-report.json');
  const report = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.equal(report.requests.length, injected);
  assert.equal(report.summary.injected, injected);

  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  assert.equal(csv.suggestedFilename(), 'pdsim-requests.csv');
  const rows = (await readFile(await csv.path(), 'utf8')).trim().split('\n');
  assert.equal(rows.length, injected + 1, 'a header and one row per request');
  const header = rows[0].split(',');
  assert.equal(header.length, 16);
  assert.deepEqual(header.slice(0, 3), ['id', 'arrival_ms', 'input_tokens']);
  assert.ok(rows.slice(1).every((r) => r.split(',').length === 16));
  assert.equal(rows[1].split(',')[0], '0');

  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#png-breakdown-chart')]);
  assert.equal(png.suggestedFilename(), 'pdsim-breakdown-chart.png');
  const bytes = await readFile(await png.path());
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  // The image carries the chart's title above it and its legend below: taller than the canvas.
  const canvasHeight = await page.$eval('#breakdown-chart', (c) => c.height);
  assert.ok(bytes.readUInt32BE(20) > canvasHeight + 20, `PNG ${bytes.readUInt32BE(20)} px high, canvas ${canvasHeight}`);
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('a panic in the worker shows a banner; "Reset to defaults" brings back a fresh result', async () => {
  const fresh = await openApp();
  const defaultTtft = await fresh.locator('#ttft-p50').innerText();
  const defaultRate = await fresh.inputValue('#rate');
  await fresh.close();

  const page = await openApp();
  await page.fill('#rate', '11');
  await page.waitForFunction(() => location.hash.includes('c='), null, { timeout: TIMEOUT });
  await page.waitForSelector('[data-busy="false"]', { timeout: TIMEOUT });
  await page.evaluate(() => window.__pdsimTestPanic());
  const banner = page.locator('#fatal');
  await banner.waitFor({ timeout: TIMEOUT });
  assert.equal(await banner.getAttribute('role'), 'alert');
  assert.match(await banner.innerText(), /crashed/);
  await shot(page, 'worker-crash');
  await page.click('#reset');
  await page.waitForSelector('#fatal', { state: 'detached', timeout: TIMEOUT });
  await page.waitForSelector('[data-ready="true"]', { timeout: TIMEOUT });
  assert.equal(await page.locator('#ttft-p50').innerText(), defaultTtft);
  assert.equal(await page.inputValue('#rate'), defaultRate);
  // The URL follows the config a moment after the edit (url.rs: WRITE_DELAY_MS).
  await page.waitForFunction(() => !location.hash.includes('c='), null, { timeout: TIMEOUT });
  // The new worker keeps working.
  await page.selectOption('#decider', 'always');
  await page.waitForFunction((t) => document.querySelector('#ttft-p50').innerText !== t, defaultTtft, { timeout: TIMEOUT });
  await page.close();
});
