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

test('--max-tokens: a run estimated over it from its plan is refused before any generation call, exit 13, nothing written', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  // One file, so the plan is derived: no model call at all before the refusal (nothing is queued).
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--max-tokens', '50', '--json'], { cwd: ws });
  assert.equal(r.code, 13, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.error.code, 'budget_exceeded');
  assert.match(result.error.message, /estimated, from its plan \(1 unit\(s\) to generate\), at about [\d,]+ tokens, over --max-tokens 50; nothing was written/);
  assert.equal(server.requests.length, 0);
  assert.deepEqual(snapshot(ws), before);
});

test('--max-tokens from .red-exec.json: a run that goes over after an answer (a retry) stops, exit 13, nothing written', async () => {
  const ws = makeWorkspace();
  fs.writeFileSync(path.join(ws, '.red-exec.json'), JSON.stringify({ maxTokens: 2000 }));
  const before = snapshot(ws);
  // The first answer is unusable (no code) and large: the retry would go out over the budget.
  server.answer('no code here, sorry', { prompt: 1500, completion: 600 });
  // A retry, if one went out, would be answered (and counted).
  server.otherwise(() => fenced(SERVER_WITH_HEALTH));
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--json'], { cwd: ws });
  server.clearOtherwise();
  assert.equal(r.code, 13, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.error.code, 'budget_exceeded');
  assert.match(result.error.message, /the run has used 2,100 tokens, over --max-tokens 2,000/);
  assert.equal(server.requests.length, 1, 'no retry went out');
  assert.deepEqual(snapshot(ws), before);
});

test('--max-cost: over it is exit 13; for a model without a price it is refused before any call', async () => {
  const ws = makeWorkspace();
  server.answer(fenced(SERVER_WITH_HEALTH), { prompt: 100_000, completion: 10_000 });
  const over = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--model', 'gpt-4o', '--max-cost', '0.01', '--json'], { cwd: ws });
  assert.equal(over.code, 13, over.stderr);
  assert.match(JSON.parse(over.stdout).error.message, /over --max-cost \$0\.01/);
  const unpriced = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--model', 'llama-local', '--max-cost', '1', '--json'], { cwd: makeWorkspace() });
  assert.equal(unpriced.code, 13, unpriced.stderr);
  assert.match(JSON.parse(unpriced.stdout).error.message, /no price is known for the model "llama-local"/);
  assert.equal(server.requests.length, 1, 'the unpriced run made no call');
  const bad = await runCli([TASK, '--files', 'src/server.js', '--max-tokens', 'lots'], { cwd: makeWorkspace() });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--max-tokens must be an integer/);
});

test('maxCost from .red-exec.json holds as --max-cost does: over it, exit 13, nothing written', async () => {
  const ws = makeWorkspace();
  fs.writeFileSync(path.join(ws, '.red-exec.json'), JSON.stringify({ maxCost: 0.01 }));
  const before = snapshot(ws);
  server.answer(fenced(SERVER_WITH_HEALTH), { prompt: 100_000, completion: 10_000 });
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--model', 'gpt-4o', '--json'], { cwd: ws });
  assert.equal(r.code, 13, r.stderr);
  assert.match(JSON.parse(r.stdout).error.message, /over --max-cost \$0\.01; nothing was written/);
  assert.deepEqual(snapshot(ws), before);
});
