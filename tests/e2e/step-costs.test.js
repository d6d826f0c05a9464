// Three costs outside the GPU's kernels in the playground: the CPU time a step adds per
// sequence of its batch (Topology), the frontend's latency before a request is routed
// (Disaggregation & routing), and a decode instance that waits for incoming KV inside its
// steps (KV-cache link). A link carrying them shows them in the form; changing them changes
// the result the way each should, and the page's link keeps them.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { afterRun, cardValue, closeAll, errorsOf, linkConfig, openApp, shot } from './helpers.js';

after(closeAll);

const hash = (c) => `/#v=1&c=${Buffer.from(JSON.stringify(c)).toString('base64url')}`;

test('a link with the step costs, frontend latency and KV receive mode shows them in the form', async () => {
  const config = {
    engine: { step_overhead_ms: 0.45, step_overhead_per_seq_ms: 0.077 },
    routing: { frontend_latency_ms: 12.5 },
    kv_transfer: { receive: 'in-step' },
  };
  const page = await openApp(hash(config));
  assert.equal(await page.inputValue('#step-overhead'), '0.45');
  assert.equal(await page.inputValue('#seq-overhead'), '0.077');
  assert.equal(await page.inputValue('#frontend-latency'), '12.5');
  assert.equal(await page.inputValue('#kv-receive'), 'in-step');
  assert.match(await page.innerText('#kv-receive-help'), /^in-step: .*every request decoding there waits/);
  assert.deepEqual(await linkConfig(page), config, 'the page writes the same settings back');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});

test('frontend latency shifts TTFT alone, a per-sequence cost and an in-step receive slow decoding', async () => {
  const page = await openApp();
  assert.equal(await page.inputValue('#frontend-latency'), '0');
  assert.equal(await page.inputValue('#seq-overhead'), '0');
  assert.equal(await page.inputValue('#kv-receive'), 'beside-steps');
  assert.match(await page.innerText('#kv-receive-help'), /^beside-steps: .*KV cache/);
  const base = { ttft: await cardValue(page, 'card-ttft-p50'), itl: await cardValue(page, 'card-itl-p50') };

  // Every request waits the same 100 ms before the router: the run is the same, 100 ms later.
  await afterRun(page, () => page.fill('#frontend-latency', '100'));
  const front = { ttft: await cardValue(page, 'card-ttft-p50'), itl: await cardValue(page, 'card-itl-p50') };
  assert.ok(Math.abs(front.ttft - base.ttft - 100) <= 0.11, `TTFT p50 ${front.ttft} ms with 100 ms frontend latency, ${base.ttft} ms without`);
  assert.equal(front.itl, base.itl, 'the gaps between output tokens do not change');

  // 0.5 ms of CPU per sequence of each step's batch: every step is slower, so is every gap.
  await afterRun(page, () => page.fill('#seq-overhead', '0.5'));
  const perSeq = await cardValue(page, 'card-itl-p50');
  assert.ok(perSeq > base.itl, `ITL p50 ${perSeq} ms at 0.5 ms per sequence, ${base.itl} ms at 0`);
  await afterRun(page, () => page.fill('#seq-overhead', '0'));
  assert.equal(await cardValue(page, 'card-itl-p50'), base.itl);

  // The decode instances take in each prompt's KV inside a step: the requests decoding there
  // wait through it, so the slowest gaps grow.
  const beside = await cardValue(page, 'card-itl-p90');
  await afterRun(page, () => page.selectOption('#kv-receive', 'in-step'));
  assert.match(await page.innerText('#kv-receive-help'), /^in-step: /);
  const inStep = await cardValue(page, 'card-itl-p90');
  assert.ok(inStep > beside, `ITL p90 ${inStep} ms receiving in-step, ${beside} ms beside the steps`);

  assert.deepEqual((await linkConfig(page)), {
    routing: { frontend_latency_ms: 100 },
    kv_transfer: { receive: 'in-step' },
  });
  await shot(page, 'step-costs');
  assert.deepEqual(errorsOf(page), []);
  await page.close();
});
