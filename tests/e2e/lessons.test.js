// The lessons page (dist/lessons.html). Every lesson draws its chart and writes its sentence
// from a live run; each of its controls is moved across its whole range (every value of a
// slider, every option of a select) and at each value the sentence's claims are checked
// against the numbers behind it (the lesson's data-facts), the warnings against the
// playground's rule re-run on the lesson's configs, and the numbers against the playground's
// formats. Screenshots at desktop and phone widths.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const LESSONS = ['ttft-phases', 'why-disaggregate', 'when-it-hurts', 'threshold', 'the-link', 'pd-ratio', 'step-time'];

/**
 * Moves control `index` of lesson `name` over every value (the others at their defaults, then
 * back to its default) and returns, per value, what the lesson showed: the sentence, facts,
 * warnings, the playground's warnings for the lesson's runs, and a few formatted numbers.
 */
function sweep(page, name, index) {
  return page.evaluate(async ({ name, index }) => {
    const m = await import('./lessons/pdsim_wasm.js');
    const section = document.querySelector(`section[data-lesson="${name}"]`);
    const control = section.querySelectorAll('.controls :is(input, select)')[index];
    const values = control.tagName === 'SELECT'
      ? [...control.options].map((o) => o.value)
      : (() => {
        const out = [];
        const [min, max, step] = [Number(control.min), Number(control.max), Number(control.step)];
        for (let k = 0; min + k * step <= max + 1e-9; k++) out.push(String(Math.round((min + k * step) * 1e6) / 1e6));
        return out;
      })();
    const initial = control.value;
    const seen = [];
    for (const value of [...values, initial]) {
      const before = Number(section.dataset.updates);
      control.value = value;
      control.dispatchEvent(new Event('input', { bubbles: true }));
      while (Number(section.dataset.updates) === before) await new Promise((r) => requestAnimationFrame(r));
      const facts = JSON.parse(section.dataset.facts ?? 'null');
      const runs = JSON.parse(section.dataset.runs ?? '[]');
      const expected = runs.flatMap(({ label, config }) => m.warnings(config, m.run(config)).map((w) => (label ? `${label}: ${w}` : w)));
      seen.push({
        value,
        // A slider's value is in its <output>; a select shows its own.
        output: control.tagName === 'SELECT'
          ? control.selectedOptions[0]?.textContent ?? ''
          : section.querySelector(`label[for="${control.id}"] output`)?.textContent ?? '',
        sentence: section.querySelector('.live').textContent,
        facts,
        warnings: [...section.querySelectorAll('.warning p')].map((p) => p.textContent.replace(/^⚠ /, '')),
        expected,
        label: section.querySelector('.chart').getAttribute('aria-label'),
        link: section.querySelector('.to-playground').getAttribute('href'),
        linkHidden: section.querySelector('.to-playground').hidden,
      });
    }
    return { control: control.id, values, seen, phases: m.phases(), duration: Object.fromEntries(
      seen.flatMap((s) => collect(s.facts)).map((x) => [String(x), m.formatDuration(x)])) };
    function collect(v) {
      if (typeof v === 'number') return [v];
      if (v && typeof v === 'object') return Object.values(v).flatMap(collect);
      return [];
    }
  }, { name, index });
}

const CHECKS = {
  'ttft-phases'(f, s, ctx) {
    const ids = ctx.phases.map((p) => p.id);
    const total = ids.reduce((a, id) => a + f.means[id], 0);
    assert.ok(Math.abs(total - f.total) < 1e-6, 'the total is the sum of the five phases');
    const largest = ids.reduce((b, id) => (f.means[id] > f.means[b] ? id : b), ids[0]);
    assert.equal(f.largest, largest);
    const name = ctx.phases.find((p) => p.id === largest).name.toLowerCase();
    assert.ok(s.endsWith(`The largest part is ${name}.`), s);
    for (const id of ids) assert.ok(s.includes(ctx.duration[String(f.means[id])]), `${id} ${f.means[id]} in "${s}"`);
    assert.ok(f.disaggregated <= f.completed);
  },
  'why-disaggregate'(f, s, ctx) {
    const { split, shared } = f;
    const tpotCut = split.tpot_p90 < shared.tpot_p90;
    const ttftCut = split.ttft_p90 < shared.ttft_p90;
    assert.ok(s.startsWith(`Disaggregating ${tpotCut ? 'cut' : 'raised'} p90 TPOT from ${ctx.duration[String(shared.tpot_p90)]} to ${ctx.duration[String(split.tpot_p90)]}`), s);
    assert.ok(s.includes(`${tpotCut === ttftCut ? 'and' : 'but'} ${ttftCut ? 'cut' : 'raised'} p90 TTFT from ${ctx.duration[String(shared.ttft_p90)]}`), s);
    assert.ok(s.includes('the same 8 GPUs as 1 prefill + 1 decode instances, or 2 shared ones'), s);
  },
  'when-it-hurts'(f, s, ctx) {
    const diff = f.split.ttft_p90 - f.shared.ttft_p90;
    assert.ok(s.includes(`here disaggregating ${diff > 0 ? 'adds' : 'saves'} `), s);
    assert.ok(s.includes(ctx.duration[String(f.shared.ttft_p90)]) && s.includes(ctx.duration[String(f.split.ttft_p90)]), s);
  },
  threshold(f, s) {
    const labels = ['0', '256', '512', '1k', '2k', '4k', 'never'];
    const best = f.ttft_p90.reduce((b, x, i) => (x < f.ttft_p90[b] ? i : b), 0);
    assert.equal(f.best, best);
    assert.ok(s.includes(`is at ${labels[best]}.`), s);
    // Idle prefill GPUs are said (at "never" they do nothing), and only then.
    const idle = f.prefill_busy !== null && f.prefill_busy < 0.005;
    assert.equal(/sat idle/.test(s), idle, `${f.prefill_busy}: ${s}`);
    if (f.mark === 6) assert.ok(idle && /GPUs\) sat idle/.test(s), s);
  },
  'the-link'(f, s, ctx, value) {
    // Transfer time = setup latency + one GPU's bytes / bandwidth (GB = 1e9 B), hand-derived.
    const latency = Number(ctx.latency);
    for (const r of f.rows) {
      const expect = latency + (r.perGpu / (f.bandwidth * 1e9)) * 1000;
      assert.ok(Math.abs(r.ms - expect) <= 0.01 * expect, `${r.id}: ${r.ms} ms, expected ${expect} (${value})`);
    }
    const [llama70, ds] = [f.rows[2], f.rows[3]];
    assert.ok(s.includes(llama70.perGpu > ds.perGpu ? 'times less than a Llama-3.1-70B GPU' : 'times more than a Llama-3.1-70B GPU'), s);
    assert.ok(s.includes(`At ${f.bandwidth} GB/s`), s);
  },
  'pd-ratio'(f, s) {
    const argmin = (xs) => xs.reduce((b, x, i) => (x < xs[b] ? i : b), 0);
    assert.equal(f.bestT, argmin(f.ttft_p90));
    assert.equal(f.bestD, argmin(f.tpot_p90));
    const labels = ['1P:5D', '2P:4D', '3P:3D', '4P:2D', '5P:1D'];
    assert.ok(s.includes(`comes with ${labels[f.bestT]}`) && s.includes(`with ${labels[f.bestD]}.`), s);
    assert.equal(s.includes('Here one split wins both.'), f.bestT === f.bestD, s);
  },
  'step-time'(f, s) {
    if (!f.fits) {
      assert.match(s, /^Not on 8 or fewer of these GPUs/);
      return;
    }
    assert.ok(s.includes(`${f.prefill_bound}-bound; one decode step`), s);
    assert.ok(s.includes(`${f.decode_bound}-bound.`), s);
    assert.equal(s.includes('against the rule of thumb'), f.prefill_bound !== 'compute', s);
    if (f.prefill_bound !== 'compute') assert.equal(s.includes('experts'), f.moe, s);
  },
};

test('each lesson runs, and its chart and live sentence follow its controls', async () => {
  const page = await openApp('/lessons.html', { ready: 'body[data-ready="1"]' });
  const found = await page.$$eval('section[data-lesson]', (s) => s.map((x) => x.dataset.lesson));
  assert.deepEqual(found, LESSONS);
  for (const name of LESSONS) {
    const section = `section[data-lesson="${name}"]`;
    const before = await page.$eval(section, (s) => ({
      sentence: s.querySelector('.live').textContent,
      chart: s.querySelector('.chart').innerHTML,
      controls: s.querySelectorAll('.controls input, .controls select').length,
    }));
    assert.ok(before.controls >= 2 && before.controls <= 4, `${name}: ${before.controls} controls`);
    assert.match(before.sentence, /\d/, `${name}: no numbers in "${before.sentence}"`);
    assert.match(before.chart, /<svg/, `${name}: no chart`);
  }
  assert.deepEqual(errorsOf(page), []);
  await shot(page, 'lessons-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways at 390 px (${overflow} px)`);
  // No chart label runs past its chart's right edge on a phone.
  const clipped = await page.$$eval('.chart svg', (svgs) => svgs.flatMap((svg) => {
    const box = svg.getBoundingClientRect();
    return [...svg.querySelectorAll('text')].filter((t) => t.getBoundingClientRect().right > box.right + 1).map((t) => t.textContent);
  }));
  assert.deepEqual(clipped, [], 'chart labels cut at 390 px');
  await shot(page, 'lessons-phone');
});

for (const name of LESSONS) {
  test(`lesson ${name}: at every value of every control, the sentence says what the numbers say`, async () => {
    const page = await openApp('/lessons.html', { ready: 'body[data-ready="1"]' });
    const count = await page.$eval(`section[data-lesson="${name}"]`, (s) => s.querySelectorAll('.controls :is(input, select)').length);
    const defaults = await page.$eval(`section[data-lesson="${name}"]`, (s) =>
      Object.fromEntries([...s.querySelectorAll('.controls :is(input, select)')].map((c) => [c.name, c.value])));
    let sentences = new Set();
    for (let index = 0; index < count; index++) {
      const { control, values, seen, phases, duration } = await sweep(page, name, index);
      assert.ok(values.length >= 2, `${control}: ${values.length} values`);
      for (const shown of seen) {
        const where = `${control}=${shown.value}`;
        assert.doesNotMatch(shown.sentence, /Could not run|NaN|undefined|Infinity/, `${where}: ${shown.sentence}`);
        assert.match(shown.output, /\S/, `${where}: the control shows no value`);
        assert.ok(shown.label && shown.label.length > 10, `${where}: no text alternative`);
        if (shown.facts?.fits !== false) assert.match(shown.link, /^\.\/#v=1(&c=[A-Za-z0-9_-]+)?$/, where);
        else assert.ok(shown.linkHidden, `${where}: a link to a config that does not run`);
        // Warnings exactly when the playground's rule finds some for these runs.
        assert.deepEqual(shown.warnings, shown.expected, where);
        const ctx = { phases, duration, latency: name === 'the-link' ? (control === 'the-link-latency' ? shown.value : defaults.latency) : null };
        CHECKS[name](shown.facts, shown.sentence, ctx, where);
        sentences.add(shown.sentence);
      }
    }
    assert.ok(sentences.size > 2, `${name}: the sentence never changes`);
    assert.deepEqual(errorsOf(page), []);
    await page.close();
  });
}

test('an overloaded lesson says so, as the playground does', async () => {
  const page = await openApp('/lessons.html', { ready: 'body[data-ready="1"]' });
  const section = 'section[data-lesson="ttft-phases"]';
  // 1,024-token prompts at 40 req/s keep up; 4,096-token ones do not (served at about half).
  await page.$eval(`${section} input[name="prompt"]`, (el) => {
    el.value = el.max;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForSelector(`${section} .warning[role="alert"]`);
  assert.match(await page.locator(`${section} .warning`).innerText(), /cannot keep up/);
  assert.deepEqual(errorsOf(page), []);
});

test('the glossary, the limitations box and the link presets come from the JS API', async () => {
  const page = await openApp('/lessons.html', { ready: 'body[data-ready="1"]' });
  const { phases, links } = await page.evaluate(async () => {
    const m = await import('./lessons/pdsim_wasm.js');
    return { phases: m.phases(), links: m.linkPresets() };
  });
  const terms = await page.$$eval('#phases dt', (dts) => dts.map((d) => d.textContent));
  assert.deepEqual(terms, phases.map((p) => p.name));
  assert.equal(phases.length, 5);
  const options = await page.$$eval('#the-link-link option', (os) => os.map((o) => o.textContent));
  assert.deepEqual([...options].sort(), links.map((l) => l.label).sort());
  assert.ok(options.some((o) => o.includes('12.5 GB/s')), `100GbE's line rate: ${options}`);
  assert.ok(!options.some((o) => /^10 GB\/s \(100GbE\)/.test(o)));
  assert.ok(await page.locator('#limitations').isVisible());
  assert.match(await page.locator('#limitations h2').innerText(), /What pdsim does not model/);
});

test("a lesson's playground link opens the playground on the lesson's config", async () => {
  const page = await openApp('/lessons.html', { ready: 'body[data-ready="1"]' });
  const link = await page.$eval('section[data-lesson="why-disaggregate"] .to-playground', (a) => a.getAttribute('href'));
  const app = await openApp('/' + link.slice(2));
  const model = await app.$eval('#model', (s) => s.value);
  assert.equal(model, 'llama-3.1-70b');
  assert.deepEqual(errorsOf(app), []);
});
