// Sessions and traces in the playground: a follow-up turn finds the previous turn's generated
// tokens in the cache (as vLLM's prefix cache keeps them), and a Mooncake-style trace is read
// as AIPerf reads it: a follow-up turn with a `delay` needs no `timestamp`, a record with both
// is refused naming its line and field, with the CLI's message.
// Run after `trunk build --release`: cd tests/e2e && node --test --test-concurrency=1
// (PDSIM_BIN, default <repo>/target/release/pdsim: the CLI whose message is compared, when built).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { REPO_ROOT, TIMEOUT, closeAll, errorsOf, openApp, shot } from './helpers.js';

after(closeAll);

const hash = (c, extra = '') => `/#v=1&c=${Buffer.from(JSON.stringify(c)).toString('base64url')}${extra}`;
const constant = (value) => ({ dist: 'constant', value });

test("a session's follow-up turn finds the previous turn's prompt and output in the cache", async () => {
  // One conversation of two turns (the next session starts 100 s later): 256 prompt tokens
  // and 100 output tokens, then 32 new tokens. The follow-up's prompt is 256 + 100 + 32 = 388
  // tokens; the first turn left (256 + 100) / 16 = 22 full blocks (352 tokens) in the cache,
  // generated tokens included (docs/MODEL.md, "Sessions and closed loops").
  const config = {
    workload: {
      requests: 2, arrival: { process: 'constant', rate_per_s: 0.01 },
      input_tokens: constant(256), output_tokens: constant(100),
      sessions: { turns: constant(2), new_tokens: constant(32), think_time_ms: 10 },
      prefix: { groups: 0, tokens: 0, fraction: 0, system_tokens: 0 },
    },
  };
  // `w=1`: the waterfall shows request #1, the follow-up turn.
  const page = await openApp(hash(config, '&w=1'));
  const text = await page.innerText('#waterfall-summary');
  assert.match(text, /^Request #1 .*; 388 input tokens, 352 of them cached; 100 output tokens;/);
  // More than the first turn's 256 prompt tokens: its generated tokens are reused too.
  await shot(page, 'session-output-cached');
  assert.deepEqual(errorsOf(page), []);
});

const first = '{"timestamp": 0, "input_length": 1024, "output_length": 64, "hash_ids": [1, 2], "session_id": "a"}';
const followUp = '{"input_length": 2048, "output_length": 16, "hash_ids": [1, 2, 3, 4], "session_id": "a", "delay": 100}';
const both = '{"timestamp": 50, "input_length": 2048, "output_length": 16, "hash_ids": [1, 2, 3, 4], "session_id": "a", "delay": 100}';
const refusal = 'delay: given with a timestamp (50); a turn with a delay arrives that many ms after the '
  + 'previous turn of its session ends, a turn with a timestamp at that time: give one of them';

async function load(page, name, lines) {
  await page.setInputFiles('#trace-file', {
    name, mimeType: 'application/x-ndjson', buffer: Buffer.from(lines.join('\n')),
  });
  await page.waitForSelector('#trace-status', { timeout: TIMEOUT });
}

test('a Mooncake-style follow-up turn with a delay and no timestamp replays; one with both is refused', async () => {
  const page = await openApp();
  await load(page, 'mooncake.jsonl', [first, followUp]);
  assert.match(await page.innerText('#trace-status'), /^trace: 2 requests/);
  assert.equal(await page.locator('#trace-errors').count(), 0);
  await page.waitForFunction(() => document.querySelector('.summary').innerText.includes(' 2 of 2 requests'), null, { timeout: TIMEOUT });
  await page.click('#remove-trace');
  await page.waitForSelector('#trace-status', { state: 'detached', timeout: TIMEOUT });

  await load(page, 'both.jsonl', [first, both]);
  assert.equal((await page.innerText('#trace-status')).split(' remove')[0].trim(),
    'trace refused: 1 bad line(s), fix them and load it again');
  const errors = await page.innerText('#trace-errors');
  assert.equal(errors, `line 2: ${refusal}`);
  await shot(page, 'trace-delay-and-timestamp');

  // The CLI refuses the same file with the same message (when it is built).
  const cli = process.env.PDSIM_BIN ?? join(REPO_ROOT, 'target', 'release', 'pdsim');
  if (existsSync(cli)) {
    const dir = mkdtempSync(join(tmpdir(), 'pdsim-trace-'));
    writeFileSync(join(dir, 'both.jsonl'), [first, both].join('\n'));
    writeFileSync(join(dir, 'config.json'), '{}');
    const run = spawnSync(cli, ['run', join(dir, 'config.json'), '--trace', join(dir, 'both.jsonl')], { encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.ok(run.stderr.includes(`both.jsonl:2: ${refusal}`), run.stderr);
  }
  assert.deepEqual(errorsOf(page), []);
});
