// The playground and the lessons share one glossary and one palette for the five TTFT phases
// (the core's pdsim::report::phases, through the JS API on the lessons page): same names, same
// colours, and the definitions as tooltips in the playground. The playground links to the
// lessons and to what pdsim does not model.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp } from './helpers.js';

after(closeAll);

const rgb = (hex) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

test('the breakdown names, colours and defines the phases as the lessons do', async () => {
  const lessons = await openApp('/lessons.html', { ready: 'body[data-ready="1"]' });
  const phases = await lessons.evaluate(async () => (await import('./lessons/pdsim_wasm.js')).phases());
  const glossary = await lessons.$$eval('#phases dt', (dts) => dts.map((d) => ({
    name: d.textContent, colour: getComputedStyle(d.querySelector('.swatch')).backgroundColor,
  })));
  assert.deepEqual(glossary, phases.map((p) => ({ name: p.name, colour: rgb(p.colour) })));

  const app = await openApp();
  const legend = await app.$$eval('[data-phase]', (items) => items.filter((li) => li.tagName === 'LI' && li.closest('.breakdown, #breakdown, section, div')).map((li) => ({
    id: li.dataset.phase, title: li.getAttribute('title'), text: li.textContent.trim(),
    colour: getComputedStyle(li.querySelector('.swatch')).backgroundColor,
  })));
  for (const p of phases) {
    const item = legend.find((l) => l.id === p.id && l.text === p.name);
    assert.ok(item, `the playground's legend has no "${p.name}": ${JSON.stringify(legend)}`);
    assert.equal(item.title, p.definition, `${p.id}: its tooltip`);
    assert.equal(item.colour, rgb(p.colour), `${p.id}: its colour`);
  }
  assert.deepEqual([...errorsOf(lessons), ...errorsOf(app)], []);
});

test('the playground links to the lessons and to what pdsim does not model', async () => {
  const app = await openApp();
  assert.equal(await app.getAttribute('#to-lessons', 'href'), './lessons.html');
  assert.equal(await app.getAttribute('#to-limitations', 'href'), './lessons.html#limitations');
  // The accuracy doc, where the model doc lives (docs/ACCURACY.md), from the page and the lessons.
  const accuracy = 'https://github.com/pdsim/pdsim/blob/main/docs/ACCURACY.md';
  assert.equal(await app.getAttribute('#to-accuracy', 'href'), accuracy);
  await app.click('#to-limitations');
  await app.waitForSelector('#limitations');
  assert.ok(await app.locator('#limitations').isVisible());
  assert.equal(await app.getAttribute('#to-accuracy', 'href'), accuracy);
});
