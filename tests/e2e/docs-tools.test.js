// <pdsim-demo> as documentation sites use it: dist/ copied under /docs/pdsim/, next to pages
// shaped like the output of mdBook, MkDocs (Material), Docusaurus and Sphinx, each holding the
// snippet docs/EMBEDDING.md gives for that tool (read from the doc, so the doc cannot drift).
// In each: the demo renders, the chosen control shows its value, and the frame reaches the
// full height of its content.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { DIST, REPO_ROOT, TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';
import { startServer } from './static-server.js';

const DOC = await readFile(join(REPO_ROOT, 'docs/EMBEDDING.md'), 'utf8');

/** The fenced block after `<!-- snippet: NAME -->` in docs/EMBEDDING.md. */
function snippet(name) {
  const m = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(DOC);
  assert.ok(m, `docs/EMBEDDING.md has no snippet ${name}`);
  return m[1];
}

/** What Sphinx's `.. raw:: html` directive puts in the page: its indented body. */
const sphinxRaw = (rst) => rst.split('\n').filter((l) => l.startsWith('   ')).map((l) => l.slice(3)).join('\n');

/** The module Docusaurus' `scripts` entry loads (from the doc's docusaurus.config.js). */
const docusaurusScript = () => /scripts: \[\{ src: "([^"]+)", type: "module" \}\]/.exec(DOC)?.[1];

// Pages shaped like each tool's output (the wrappers its default theme writes around content).
const PAGES = {
  mdbook: {
    path: 'docs/book/embedding.html',
    html: () => `<!DOCTYPE HTML><html lang="en" class="light" dir="ltr"><head><meta charset="UTF-8"><title>Embedding - My Book</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"></head>
<body class="sidebar-visible no-js"><div id="body-container"><nav id="sidebar" class="sidebar"><div class="sidebar-scrollbox"><ol class="chapter"><li class="chapter-item"><a href="embedding.html" class="active">Embedding</a></li></ol></div></nav>
<div id="page-wrapper" class="page-wrapper"><div class="page"><div id="content" class="content"><main><h1 id="embedding"><a class="header" href="#embedding">Embedding</a></h1>
<p>A demo:</p>
${snippet('mdbook')}
</main></div></div></div></div></body></html>`,
  },
  mkdocs: {
    path: 'docs/mkdocs/embedding/index.html',
    html: () => `<!doctype html><html lang="en" class="no-js"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Embedding - My Docs</title><link rel="icon" href="data:,"></head>
<body dir="ltr"><div class="md-container" data-md-component="container"><main class="md-main" data-md-component="main"><div class="md-main__inner md-grid"><div class="md-content" data-md-component="content">
<article class="md-content__inner md-typeset"><h1 id="embedding">Embedding</h1>
<p>A demo:</p>
${snippet('mkdocs')}
</article></div></div></main></div></body></html>`,
  },
  docusaurus: {
    path: 'docs/docusaurus/docs/embedding/index.html',
    html: () => `<!doctype html><html lang="en" dir="ltr" class="docs-wrapper"><head><meta charset="UTF-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Embedding | My Site</title><link rel="icon" href="data:,">
<script src="${docusaurusScript()}" type="module"></script></head>
<body class="navigation-with-keyboard"><div id="__docusaurus"><div class="main-wrapper"><div class="docMainContainer"><main><article><div class="theme-doc-markdown markdown"><header><h1>Embedding</h1></header>
<p>A demo:</p>
<div id="rendered">${snippet('docusaurus')}</div>
</div></article></main></div></div></div>
<script>
// Client-side navigation as React does it: the page's content replaced by elements created
// with createElement and setAttribute, after the module has defined <pdsim-demo>.
window.navigate = () => {
  const box = document.getElementById('rendered');
  const demo = document.createElement('pdsim-demo');
  const source = box.querySelector('pdsim-demo');
  for (const { name, value } of source.attributes) demo.setAttribute(name, value);
  demo.id = 'navigated';
  box.replaceChildren(demo);
};
</script></body></html>`,
  },
  sphinx: {
    path: 'docs/sphinx/embedding.html',
    html: () => `<!DOCTYPE html><html lang="en" data-content_root="./"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1.0"><title>Embedding &#8212; My Project</title><link rel="icon" href="data:,"></head>
<body><div class="document"><div class="documentwrapper"><div class="bodywrapper"><div class="body" role="main">
<section id="embedding"><h1>Embedding<a class="headerlink" href="#embedding" title="Link to this heading">¶</a></h1>
<p>A demo:</p>
${sphinxRaw(snippet('sphinx'))}
</section></div></div></div><div class="sphinxsidebar" role="navigation"></div></div></body></html>`,
  },
};

let server = null;
let root = null;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pdsim-docs-site-'));
  await mkdir(join(root, 'docs'), { recursive: true });
  await symlink(DIST, join(root, 'docs/pdsim'), 'dir');
  for (const { path, html } of Object.values(PAGES)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), html());
  }
  server = await startServer({ root });
});

after(async () => {
  await server?.close();
  await closeAll();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Waits for the demo `sel` to render and to be sized; returns what it shows. */
async function checkDemo(page, sel, name) {
  const frame = page.frameLocator(`${sel} iframe`);
  await frame.locator('main#app[data-ready="true"]').waitFor({ state: 'attached', timeout: TIMEOUT });
  const src = await page.$eval(sel, (d) => d.shadowRoot.querySelector('iframe').src);
  assert.ok(new URL(src).pathname.startsWith('/docs/pdsim/'), `${name}: the demo frames ${src}`);
  assert.equal(await frame.locator('#embed-title-text').textContent(), 'Where does TTFT go?', name);
  // The chosen controls, and the slider's value in its number box.
  assert.ok(await frame.locator('#decider').isVisible(), `${name}: no decider`);
  assert.ok(await frame.locator('#threshold-range').isVisible(), `${name}: no slider`);
  assert.ok(await frame.locator('#threshold').isVisible(), `${name}: the slider shows no value`);
  const [range, box] = await Promise.all([
    frame.locator('#threshold-range').inputValue(),
    frame.locator('#threshold').inputValue(),
  ]);
  assert.match(box, /^\d+$/, name);
  assert.equal(range, box, `${name}: the slider and its value disagree`);
  assert.ok(!(await frame.locator('#rate').isVisible()), `${name}: an unasked control`);
  assert.equal(await frame.locator('#breakdown-chart').count(), 1, name);
  // Sized to its full content: the frame is as tall as the page inside it.
  await page.waitForFunction((s) => {
    const f = document.querySelector(s).shadowRoot.querySelector('iframe');
    const inner = f.contentDocument?.documentElement;
    return f.dataset.sized === '1' && inner && Math.abs(f.clientHeight - inner.scrollHeight) <= 1;
  }, sel, { timeout: TIMEOUT });
  // And the fallback link to the full playground, without the embed's options.
  const link = await page.$eval(sel, (d) => d.shadowRoot.querySelector('a').href);
  assert.match(link, /\/docs\/pdsim\/index\.html#example=long-prompts-disagg$/, name);
}

for (const [name, { path }] of Object.entries(PAGES)) {
  test(`the ${name} snippet of docs/EMBEDDING.md works under /docs/pdsim/`, async () => {
    const page = await openApp(path, { base: `${server.url}/`, ready: 'pdsim-demo' });
    await checkDemo(page, 'pdsim-demo', name);
    if (name === 'docusaurus') {
      await page.evaluate(() => window.navigate());
      await checkDemo(page, '#navigated', `${name} after client-side navigation`);
    }
    if (name === 'mkdocs') {
      await shot(page, 'docs-mkdocs-desktop');
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(600);
      await checkDemo(page, 'pdsim-demo', `${name} on a phone`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways at 390 px (${overflow} px)`);
      await shot(page, 'docs-mkdocs-phone');
    }
    assert.deepEqual(errorsOf(page), []);
    await page.close();
  });
}

test('custom-elements.json lists the attributes the element observes, and the doc explains each', async () => {
  const page = await openApp('docs/mkdocs/embedding/index.html', { base: `${server.url}/`, ready: 'pdsim-demo' });
  const observed = await page.evaluate(async () => {
    await customElements.whenDefined('pdsim-demo');
    return customElements.get('pdsim-demo').observedAttributes;
  });
  const manifest = JSON.parse(await readFile(join(DIST, 'custom-elements.json'), 'utf8'));
  const declared = manifest.modules[0].declarations[0];
  assert.equal(declared.tagName, 'pdsim-demo');
  assert.deepEqual(declared.attributes.map((a) => a.name).sort(), [...observed].sort());
  for (const name of observed) assert.match(DOC, new RegExp(`\\| \`${name}\` \\|`), `docs/EMBEDDING.md does not explain ${name}`);
  await page.close();
});
