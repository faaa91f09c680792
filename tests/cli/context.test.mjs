// Issue 18: the stable prompt prefix, cached prompt tokens read from the providers' usage fields
// and priced at the cached rate, and the run budgets (--max-tokens, --max-cost).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, fenced, planJson, snapshot } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const server = useModelServer();
const TASK = 'Add a GET /health route';

test('cached prompt tokens (OpenAI and DeepSeek usage fields) are shown and priced at the cached rate', async () => {
  const runs = {};
  for (const [model, extra] of [
    ['gpt-4o-mini', { prompt_tokens_details: { cached_tokens: 400_000 } }],
    ['deepseek-chat', { prompt_cache_hit_tokens: 400_000 }],
    ['gpt-4o-mini', {}],
  ]) {
    const ws = makeWorkspace();
    server.answer(fenced(SERVER_WITH_HEALTH), { prompt: 1_000_000, completion: 0, extra });
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--model', model, '--json', '--report'], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    runs[`${model}${extra && Object.keys(extra).length ? '+cache' : ''}`] = { result: JSON.parse(r.stdout), ws };
  }
  const mini = runs['gpt-4o-mini+cache'].result;
  assert.equal(mini.usage.cachedTokens, 400_000);
  assert.equal(mini.usageByStage.L3.cachedTokens, 400_000);
  // 600k fresh at $0.15/M and 400k cached at $0.075/M; without the cache field, all at $0.15/M.
  assert.ok(Math.abs(mini.costUsd - 0.12) < 1e-9, String(mini.costUsd));
  assert.ok(Math.abs(runs['gpt-4o-mini'].result.costUsd - 0.15) < 1e-9);
  assert.equal(runs['gpt-4o-mini'].result.usage.cachedTokens, 0);
  const deepseek = runs['deepseek-chat+cache'].result;
  assert.equal(deepseek.usage.cachedTokens, 400_000);
  assert.ok(Math.abs(deepseek.costUsd - (0.6 * 0.28 + 0.4 * 0.028)) < 1e-9, String(deepseek.costUsd));
  // The Markdown report says so.
  const report = fs.readFileSync(path.join(runs['gpt-4o-mini+cache'].ws, '.red-exec-logs', 'report.md'), 'utf8');
  assert.match(report, /Cached prompt tokens \(served from the provider's prompt cache, priced at its cached rate\): 400,000 \(L1 0, L3 400,000\)/);
});

test("every generation call of a run starts with the same system message: the stable prefix", async () => {
  const ws = makeWorkspace();
  fs.writeFileSync(path.join(ws, 'src', 'health.js'), "'use strict';\nmodule.exports = {};\n");
  server
    .answer(planJson([
      { path: 'src/health.js', action: 'MODIFY', intent: 'export a health handler' },
      { path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' },
    ]))
    .answer(fenced("'use strict';\nfunction health(req, res) { res.end('ok'); }\nmodule.exports = { health };\n"))
    .answer(fenced(SERVER_WITH_HEALTH));
  const r = await runCli([`${TASK}; the handler lives in src/health.js.`, '--files', 'src/server.js,src/health.js', '--base-url', server.baseUrl, '--json'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const units = server.requests.filter((q) => q.marker?.stage === 'L3').map((q) => q.body.messages);
  assert.equal(units.length, 2);
  assert.equal(units[0][0].role, 'system');
  assert.equal(units[0][0].content, units[1][0].content, 'identical bytes across the calls');
  assert.notEqual(units[0][1].content, units[1][1].content);
  // The target leads and closes its own message.
  for (const [messages, target] of [[units[0], 'src/health.js'], [units[1], 'src/server.js']]) {
    const user = messages[1].content;
    assert.ok(user.split('\n')[2].startsWith(`YOU WRITE: ${target} (MODIFY`), user);
    assert.match(user.trimEnd().split('\n').at(-1), new RegExp(`^Answer with the complete new content of ${target.replace('.', '\\.')} `));
  }
});
