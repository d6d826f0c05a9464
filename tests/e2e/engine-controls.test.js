// The engine's scheduler and KV offload tier in the playground: plain controls in the
// Topology group, each with a line saying what it does; changing them changes the result.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { afterRun, cardValue, closeAll, errorsOf, linkConfig, openApp, shot } from './helpers.js';

after(closeAll);

test('prefill-first gives first tokens sooner and changes the gaps between output tokens', async () => {
  const page = await openApp();
  // Aggregated: every instance both prefills and decodes, so the scheduler decides.
  await afterRun(page, () => page.click('#same-gpus-agg'));
  assert.equal(await page.inputValue('#scheduler'), 'mixed');
  assert.match(await page.innerText('#scheduler-help'), /^mixed: .*decoding never stops/);
  const mixed = { ttft: await cardValue(page, 'card-ttft-p50'), itl: await cardValue(page, 'card-itl-p90') };

  await afterRun(page, () => page.selectOption('#scheduler', 'prefill-first'));
  assert.match(await page.innerText('#scheduler-help'), /^prefill-first: .*decoding pauses/);
  const first = { ttft: await cardValue(page, 'card-ttft-p50'), itl: await cardValue(page, 'card-itl-p90') };
  assert.ok(first.ttft < mixed.ttft, `TTFT p50: prefill-first ${first.ttft} ms, mixed ${mixed.ttft} ms`);
  // The decoders' gaps change too (which way depends on the load: the stalls are longer, but
  // a request decodes in fewer, emptier steps while prompts no longer share them).
  assert.notEqual(first.itl, mixed.itl, `p90 gap: prefill-first ${first.itl} ms, mixed ${mixed.itl} ms`);
  // The setting is part of the page's link (written a moment after the run).
  assert.equal((await linkConfig(page)).engine.scheduler, 'prefill-first');
  await shot(page, 'scheduler-prefill-first');
  assert.deepEqual(errorsOf(page), []);
});

// Llama-3.1-8B on H100s at 30% of GPU memory: about 60,000 tokens of KV per instance, far
// less than 64 prefix groups of 4,096 tokens (as kv-tiers.test.js).
const outgrown = { engine: { gpu_memory_utilization: 0.3 }, workload: { requests: 300, prefix: { groups: 64, tokens: 4096, fraction: 1.0 } } };
const hash = (c) => `/#v=1&c=${Buffer.from(JSON.stringify(c)).toString('base64url')}`;

test('a CPU tier picked in the form serves evicted prefixes; a slower tier makes TTFT grow', async () => {
  const page = await openApp(hash(outgrown));
  assert.equal(await page.inputValue('#kv-tier'), 'off');
  assert.equal(await page.locator('#kv-capacity').count(), 0, 'no boxes while off');
  assert.equal(await page.locator('#kv-tiers').count(), 0, 'no tier, no tier line');
  const off = await cardValue(page, 'card-ttft-p50');

  await afterRun(page, () => page.selectOption('#kv-tier', 'cpu'));
  assert.match(await page.innerText('#kv-tier-help'), /^cpu: .*host memory/);
  assert.equal(await page.inputValue('#kv-capacity'), '256');
  assert.equal(await page.inputValue('#kv-bandwidth'), '25');
  const line = await page.innerText('#kv-tiers');
  const hits = Number(line.match(/cpu ([\d,]+) tokens hit/)[1].replaceAll(',', ''));
  assert.ok(hits > 0, line);
  const fast = await cardValue(page, 'card-ttft-p50');
  assert.ok(fast < off, `TTFT p50 with a CPU tier ${fast} ms, without ${off} ms`);

  // The same tier at 0.5 GB/s: the loads take longer, and so do first tokens.
  await afterRun(page, () => page.fill('#kv-bandwidth', '0.5'));
  const slow = await cardValue(page, 'card-ttft-p50');
  assert.ok(slow > fast, `TTFT p50 at 0.5 GB/s ${slow} ms, at 25 GB/s ${fast} ms`);
  await shot(page, 'kv-tier-form');

  await afterRun(page, () => page.selectOption('#kv-tier', 'off'));
  assert.equal(await page.locator('#kv-tiers').count(), 0);
  assert.equal(await cardValue(page, 'card-ttft-p50'), off, 'off again: the result without a tier');
  assert.deepEqual(errorsOf(page), []);
});
