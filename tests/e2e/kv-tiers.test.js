// KV offload tiers in the playground: a config whose shared prefixes outgrow HBM, with a CPU
// tier under it, shows the tier's line (hits, bytes stored and loaded) under the summary, and
// finds more cached tokens than the same config without the tier.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import { TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const tier = { tier: 'cpu', capacity_gb: 200, bandwidth_gb_per_s: 25, latency_ms: 0.5 };
// Llama-3.1-8B on H100s at 30% of GPU memory: about 60,000 tokens of KV per instance, far
// less than 64 prefix groups of 4,096 tokens.
const config = (tiers) => ({
  engine: { gpu_memory_utilization: 0.3, ...(tiers ? { kv_offload: [tier] } : {}) },
  workload: { requests: 300, prefix: { groups: 64, tokens: 4096, fraction: 1.0 } },
});
const hash = (c) => `/#v=1&c=${Buffer.from(JSON.stringify(c)).toString('base64url')}`;

/** The report the page shows, through its download (the same JSON as `pdsim run`). */
async function summaryOf(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')).summary;
}

test('a CPU tier under HBM shows its line and serves prefixes HBM had evicted', async () => {
  const withTier = await openApp(hash(config(true)));
  await withTier.waitForSelector('#kv-tiers', { timeout: TIMEOUT });
  const line = await withTier.innerText('#kv-tiers');
  const hit = Number(line.match(/cpu ([\d,]+) tokens hit/)[1].replaceAll(',', ''));
  assert.ok(hit > 0, line);
  assert.match(line, /MB stored, [\d,.]+ MB loaded/);
  const s = await summaryOf(withTier);
  assert.equal(s.kv_tiers.length, 1);
  assert.equal(s.kv_tiers[0].hit_tokens, hit);
  await shot(withTier, 'kv-tiers');
  assert.deepEqual(errorsOf(withTier), []);

  const without = await openApp(hash(config(false)));
  assert.equal(await without.locator('#kv-tiers').count(), 0, 'no tiers, no line');
  const t = await summaryOf(without);
  assert.deepEqual(t.kv_tiers, []);
  assert.ok(s.cached_tokens > t.cached_tokens, `${s.cached_tokens} > ${t.cached_tokens}`);
});
