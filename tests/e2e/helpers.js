// Helpers of the end-to-end tests: serve dist/ (the real `trunk build --release` output) on a
// free port, drive Debian's Chromium through playwright-core, collect every error the page
// reports, and save screenshots.
//
//   import { after } from 'node:test';
//   import { openApp, shot, errorsOf, closeAll } from './helpers.js';
//   after(closeAll);
//   const page = await openApp();          // resolves once the app root has data-ready="true"
//   await shot(page, 'default');            // tests/e2e/screenshots/default.png
//   assert.deepEqual(errorsOf(page), []);
//
// Environment: CHROMIUM (default /usr/bin/chromium), PDSIM_DIST (default <repo>/dist),
// PDSIM_E2E_TIMEOUT (ms to wait for the app, default 30000).

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { startServer } from './static-server.js';

export const E2E_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(E2E_DIR, '..', '..');
export const DIST = resolve(process.env.PDSIM_DIST ?? join(REPO_ROOT, 'dist'));
export const SCREENSHOTS = join(E2E_DIR, 'screenshots');
export const TIMEOUT = Number(process.env.PDSIM_E2E_TIMEOUT ?? 30_000);

/** Chromium flags that keep it from stalling on blocked network calls (see TOOLCHAIN.md). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server = null;
let context = null;
let userDataDir = null;
const errorsByPage = new WeakMap();

async function start() {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html not found: run \`trunk build --release\` first`);
  }
  server ??= await startServer({ root: DIST });
  if (!context) {
    userDataDir = await mkdtemp(join(tmpdir(), 'pdsim-e2e-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
    });
  }
  return { server, context };
}

/** The base URL of the server of dist/ (starts it if needed). */
export async function baseUrl() {
  return (await start()).server.url;
}

/**
 * Opens the app at `path` in a new page and resolves with the page once the app root carries
 * `data-ready="true"` (the first result rendered). Rejects at once if the page reports an error
 * before that (a panic at start, an uncaught exception, a failed request, a console error),
 * and after `timeout` ms otherwise.
 *
 * Errors reported later are collected: read them with `errorsOf(page)`.
 * @param {string} [path]
 * @param {{timeout?: number, ready?: string, base?: string,
 *   before?: (page: import('playwright-core').Page) => Promise<void>}} [options] `ready`: the
 *   selector to wait for; `base`: another server's URL (default: the server of dist/ at the
 *   root); `before`: called with the page before it loads (e.g. to route requests)
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openApp(
  path = '/',
  { timeout = TIMEOUT, ready = '[data-ready="true"]', base, before } = {},
) {
  const { server: srv, context: ctx } = await start();
  const page = await ctx.newPage();
  const errors = [];
  errorsByPage.set(page, errors);

  let fail = () => {};
  const failed = new Promise((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {}); // handled below; avoid an unhandled rejection after success
  const report = (text) => {
    errors.push(text);
    fail(new Error(`the app reported an error before it was ready:\n  ${errors.join('\n  ')}`));
  };

  const onConsole = (where) => (msg) => {
    if (msg.type() === 'error') report(`${where} console.error: ${msg.text()}`);
  };
  page.on('console', onConsole('page'));
  page.on('pageerror', (err) => report(`page error: ${err.stack || err.message}`));
  page.on('requestfailed', (req) =>
    report(`request failed: ${req.url()} (${req.failure()?.errorText ?? 'unknown'})`),
  );
  page.on('response', (res) => {
    if (res.status() >= 400) report(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on('crash', () => report('the page crashed'));
  page.on('worker', (worker) => {
    // Console messages of Web Workers (a panic in the simulation worker logs one).
    worker.on('console', onConsole(`worker ${worker.url()}`));
  });

  await before?.(page);
  await page.goto((base ?? srv.url) + path);
  await Promise.race([page.waitForSelector(ready, { state: 'attached', timeout }), failed]);
  return page;
}

/** The duration a card shows, in ms (cards show ms or s, with thousands separators). */
export async function cardValue(page, id) {
  const text = await page.innerText(`#${id}`);
  const value = parseFloat(text.replaceAll(',', ''));
  return /\bms\b/.test(text) ? value : /\bs\b/.test(text) ? value * 1000 : value;
}

/** Runs `edit` and waits until the page shows the result of a newer run. */
export async function afterRun(page, edit) {
  const run = Number(await page.getAttribute('#app', 'data-run'));
  await edit();
  await page.waitForFunction(
    (n) => Number(document.querySelector('#app').dataset.run) > n
      && document.querySelector('#app').dataset.busy === 'false',
    run, { timeout: TIMEOUT });
}

/**
 * The config in the page's link (`#...&c=<base64url JSON>`), once the page has written one:
 * only the fields that differ from the default.
 */
export async function linkConfig(page) {
  await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).has('c'), null, { timeout: TIMEOUT });
  const c = new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('c');
  return JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
}

/** Errors the page reported so far (console errors, exceptions, failed requests). */
export function errorsOf(page) {
  return errorsByPage.get(page) ?? [];
}

/** Saves a full-page screenshot to tests/e2e/screenshots/<name>.png; returns its path. */
export async function shot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Closes the browser and the server (call from `after`). */
export async function closeAll() {
  await context?.close().catch(() => {});
  context = null;
  await server?.close();
  server = null;
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
  userDataDir = null;
}
