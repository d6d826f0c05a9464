// Results that tell the whole truth: dropped requests and an overloaded cluster are said in
// words at the top of the results (role="alert"), latency cards say how many requests they
// describe, and compare mode never calls a latency better when fewer requests completed.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

/**
 * Llama-3.1-70B on 2 prefill + 2 decode H100s at TP 2, every prompt disaggregated, ~4k-token
 * prompts at 9 req/s, reservation policy `drop`: the decode instances have room for the KV of
 * only a few prompts, so many requests are dropped (`decode_kv_full`). The exact count follows
 * the cost model; the test checks the pattern.
 */
export const DROPPING = {
  model: 'llama-3.1-70b',
  hardware: 'h100-sxm',
  topology: { prefill: { instances: 2, tp: 2 }, decode: { instances: 2, tp: 2 }, unified: { instances: 0 } },
  disaggregation: { decider: 'always' },
  kv_transfer: { reservation: 'drop' },
  workload: {
    requests: 600,
    arrival: { rate_per_s: 9.0 },
    input_tokens: { dist: 'normal', mean: 4096.0, std: 512.0, min: 1024, max: 8192 },
    output_tokens: { dist: 'normal', mean: 400.0, std: 80.0, min: 16, max: 800 },
    prefix: { groups: 0, tokens: 0, fraction: 0.0 },
  },
};

/** The app's hash for a partial config. */
export function hashOf(config) {
  return `#v=1&c=${Buffer.from(JSON.stringify(config)).toString('base64url')}`;
}

/** Waits until a newer result than run `old` is on screen. */
async function waitForRun(page, old) {
  await page.waitForFunction((old) => Number(document.querySelector('#app').dataset.run) > old, old, {
    timeout: TIMEOUT,
  });
}

const runOf = async (page) => Number(await page.getAttribute('#app', 'data-run'));
const number = (text) => Number(text.replace(/[^\d]/g, ''));
const DROP = /(\d[\d,]*) of (\d[\d,]*) requests dropped: ([^.]+) \((decode_kv_full|prompt_exceeds_kv)\)/;

test('the dropping 70B scenario says how many requests were dropped and why', async () => {
  const page = await openApp(`/${hashOf(DROPPING)}`);
  const alert = page.getByRole('alert').filter({ hasText: 'requests dropped' });
  await alert.waitFor({ timeout: TIMEOUT });
  const text = await alert.innerText();
  const m = DROP.exec(text);
  assert.ok(m, `count and reason in words: ${text}`);
  const [, dropped, injected, why, reason] = m;
  assert.equal(number(injected), 600);
  assert.ok(number(dropped) > 0 && number(dropped) < 600, text);
  if (reason === 'decode_kv_full') assert.match(why, /decode instances had no KV room/);
  assert.match(text, /raise .*TP|lower the rate|GPU with more memory/, 'what helps');
  assert.equal(await alert.getAttribute('id'), 'result-warning');

  // The cards agree, and the latency cards say how many requests they describe.
  assert.equal(number(await page.locator('#card-dropped').innerText()), number(dropped));
  const completed = number(await page.locator('#card-completed').innerText());
  assert.equal(completed + number(dropped), 600);
  const sub = await page.locator('#card-ttft-p50 + .card-sub').innerText();
  assert.equal(sub, `of ${completed.toLocaleString('en-US')} completed requests`);
  // The headline strip flags the warning.
  assert.match(await page.locator('#mini-warning').innerText(), /^⚠ \d warnings?$/);
  await shot(page, 'honest-drops-desktop');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  await shot(page, 'honest-drops-phone');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('compare mode does not call the dropping run better than an aggregated baseline', async () => {
  const page = await openApp(`/${hashOf(DROPPING)}`);
  // The same 8 GPUs, aggregated, pinned as the baseline.
  let run = await runOf(page);
  await page.click('#same-gpus-agg');
  await waitForRun(page, run);
  assert.equal(await page.inputValue('#unified-instances'), '4');
  assert.equal(await page.inputValue('#decider'), 'never');
  await page.click('#pin');
  const baselineCompleted = number(await page.locator('#card-completed').innerText());

  // Back to the same GPUs, disaggregated: the dropping run.
  run = await runOf(page);
  await page.click('#same-gpus-disagg');
  await waitForRun(page, run);
  assert.equal(await page.inputValue('#prefill-tp'), '2');
  assert.equal(await page.inputValue('#decider'), 'always');
  const completed = number(await page.locator('#card-completed').innerText());
  assert.ok(completed < baselineCompleted, `fewer completed: ${completed} < ${baselineCompleted}`);

  // Completed and dropped counts come first, in the note and in the cards.
  const counts = await page.locator('#baseline-counts').innerText();
  assert.match(counts, /^Baseline: [\d,]+ of 600 requests completed, [\d,]+ dropped; now [\d,]+ of 600 requests completed, [\d,]+ dropped\./);
  assert.match(counts, /latency changes are marked not comparable/);
  const order = await page.$$eval('#cards .card-value', (els) => els.slice(0, 2).map((e) => e.id));
  assert.deepEqual(order, ['card-completed', 'card-dropped']);
  assert.match(await page.locator('#card-completed ~ .delta').getAttribute('class'), /\bworse\b/);

  // No latency is called better; changed latencies say they are not comparable.
  for (const id of ['card-ttft-p50', 'card-ttft-p90', 'card-ttft-p99', 'card-itl-p50', 'card-itl-p90', 'card-e2e-p90']) {
    const delta = page.locator(`#${id} ~ .delta`);
    const cls = (await delta.getAttribute('class')) ?? '';
    assert.doesNotMatch(cls, /\bbetter\b/, `${id}: ${cls} ${await delta.innerText()}`);
    if (!/\bsame\b/.test(cls)) {
      assert.match(cls, /\bincomparable\b/, id);
      assert.match(await delta.innerText(), /not comparable/, id);
    }
  }
  await shot(page, 'honest-compare-desktop');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('an overloaded cluster is named: served rate and growing time to first token', async () => {
  // 70B on 4 unified H100s at TP 2 with ~4k-token prompts at 9 req/s: far beyond capacity.
  const overloaded = {
    ...DROPPING,
    topology: { prefill: { instances: 0 }, decode: { instances: 0 }, unified: { instances: 4, tp: 2 } },
    disaggregation: { decider: 'never' },
  };
  const page = await openApp(`/${hashOf(overloaded)}`);
  const alert = page.getByRole('alert').filter({ hasText: 'cannot keep up' });
  await alert.waitFor({ timeout: TIMEOUT });
  assert.match(
    await alert.innerText(),
    /The cluster cannot keep up: requests arrived at [\d.,]+ req\/s but were served at [\d.,]+ req\/s; time to first token grew from [\d.,]+ (ms|s|min) for the first requests to [\d.,]+ (ms|s|min) for the last ones/,
  );
  await page.close();

  // The default scenario keeps up and drops nothing: no warning.
  const calm = await openApp();
  assert.equal(await calm.locator('#result-warning').count(), 0);
  assert.equal(await calm.locator('#mini-warning').count(), 0);
  await calm.close();
});
