// Successful runs of the real CLI against the loopback model server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, snapshot, lastRunLog, tokenLine, fenced, planJson, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH, GREET_WITH_BYE, HEALTH_MODULE } from '../support/answers.mjs';

const server = useModelServer();

const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');

test('MODIFY an existing file from a fenced plan and a fenced file', async () => {
  const ws = makeWorkspace();
  const greetBefore = read(ws, 'src/greet.js');
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]), { prompt: 1200, completion: 34 })
    .answer(fenced(SERVER_WITH_HEALTH), { prompt: 910, completion: 300 });

  const r = await runCli(['Add a GET /health route returning { status, uptime }', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });

  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.equal(read(ws, 'src/greet.js'), greetBefore);
  assert.match(r.stdout, /=== Run Report ===/);
  assert.match(r.stdout, /Status:\s*OK/);
  // One file in scope and a task about it: the plan is derived from the scope, no plan call
  // (the scripted plan is passed over by the test server, its usage with it).
  assert.deepEqual(tokenLine(r.stdout), { tokens: 910 + 300, calls: 1 });
  assert.match(r.stdout, /Tokens:\s*1,210t/);
  assert.match(r.stdout, /^Plan: {5}derived from the scope \(1 file\)$/m);
  assert.equal(server.skippedPlans, 1);

  // What the model server saw: the file call only, for the default model.
  assert.equal(server.requests.length, 1);
  const [file] = server.requests;
  assert.equal(file.url, '/v1/chat/completions');
  assert.equal(file.body.model, 'deepseek-chat');
  assert.equal(file.headers.authorization, undefined, 'no key configured, so no Authorization header');
  assert.equal(file.marker.stage, 'L3');
  assert.equal(file.marker.path, 'src/server.js');
  assert.match(file.body.messages.at(-1).content, /^YOU WRITE: src\/server\.js \(MODIFY this existing file\)\.$/m);
  assert.ok(Array.isArray(file.body.messages) && file.body.messages.length >= 1);
  assert.equal(typeof file.body.temperature, 'number');
  assert.equal(typeof file.body.max_tokens, 'number');
  assert.ok(JSON.stringify(file.body.messages).includes('Add a GET /health route'), 'the task reaches the unit prompt');

  // The run log: every event, then the result.
  const log = lastRunLog(ws);
  const kinds = log.events.map((e) => e.kind);
  assert.equal(kinds.filter((k) => k === 'model_request').length, 1);
  assert.equal(kinds.filter((k) => k === 'model_response').length, 1);
  assert.deepEqual(log.events.filter((e) => e.kind === 'plan').map((e) => e.source), ['derived']);
  const result = log.events.at(-1);
  assert.equal(result.kind, 'result');
  assert.equal(result.runId, log.id);
  assert.equal(result.status, 'OK');
  assert.equal(result.usage.calls, 1);
  const responses = log.events.filter((e) => e.kind === 'model_response');
  assert.deepEqual(responses[0].usage, { promptTokens: 910, completionTokens: 300 });
});

test('CREATE a new file from a bare JSON plan (comma-separated --files)', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  server.answer(
    JSON.stringify({
      actions: [
        { path: 'src/health.js', action: 'CREATE', intent: 'health() helper' },
        { path: 'src/greet.js', action: 'MODIFY', intent: 'add farewell()' },
      ],
    }),
    { prompt: 800, completion: 25 },
  );
  const byPath = { 'src/greet.js': GREET_WITH_BYE, 'src/health.js': HEALTH_MODULE };
  for (let i = 0; i < 2; i++) {
    server.dynamic((req) => ({ type: 'answer', content: fenced(byPath[req.marker.path]), usage: { prompt: 600, completion: 90 } }));
  }

  const r = await runCli(['Create src/health.js exporting health(); add farewell() to greet.js', '--files', 'src/health.js,src/greet.js', '--base-url', server.baseUrl], { cwd: ws });

  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(ws, 'src/health.js'), HEALTH_MODULE);
  assert.equal(read(ws, 'src/greet.js'), GREET_WITH_BYE);
  const after = snapshot(ws);
  assert.deepEqual(Object.keys(after).sort(), [...Object.keys(before), 'src/health.js'].sort(), 'one new file appeared');
  assert.equal(after['src/server.js'], before['src/server.js']);
  assert.deepEqual(tokenLine(r.stdout), { tokens: 825 + 690 + 690, calls: 3 });
  const l3 = Object.fromEntries(server.requests.slice(1).map((q) => [q.marker.path, /^YOU WRITE: \S+ \((CREATE|MODIFY)/m.exec(q.body.messages.at(-1).content)?.[1]]));
  assert.deepEqual(l3, { 'src/health.js': 'CREATE', 'src/greet.js': 'MODIFY' });
});

test('space-separated --files, two files, any model name with --base-url', async () => {
  const ws = makeWorkspace();
  server.answer(
    planJson([
      { path: 'src/greet.js', action: 'MODIFY', intent: 'add farewell()' },
      { path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' },
    ]),
    { prompt: 1500, completion: 60 },
  );
  const byPath = { 'src/greet.js': GREET_WITH_BYE, 'src/server.js': SERVER_WITH_HEALTH };
  for (let i = 0; i < 2; i++) {
    server.dynamic((req) => ({ type: 'answer', content: fenced(byPath[req.marker.path]), usage: { prompt: 700, completion: 200 } }));
  }

  const r = await runCli(['Add farewell() and a /health route', '--files', 'src/greet.js', 'src/server.js', '--base-url', server.baseUrl, '--model', 'qwen2.5-coder-local'], { cwd: ws });

  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(ws, 'src/greet.js'), GREET_WITH_BYE);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.deepEqual(tokenLine(r.stdout), { tokens: 1560 + 900 + 900, calls: 3 });
  assert.deepEqual(server.requests.map((q) => q.body.model), ['qwen2.5-coder-local', 'qwen2.5-coder-local', 'qwen2.5-coder-local']);
  assert.deepEqual(server.requests.slice(1).map((q) => q.marker.path).sort(), ['src/greet.js', 'src/server.js']);
});

test('--json prints the RunResult and --diff is not mixed into it', async () => {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]), { prompt: 300, completion: 20 })
    .answer(fenced(SERVER_WITH_HEALTH), { prompt: 400, completion: 280 });

  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl, '--json', '--diff'], { cwd: ws });

  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.status, 'OK');
  assert.equal(result.error, null);
  assert.equal(result.runId, lastRunLog(ws).id);
  // One file: the plan is derived (no plan call).
  assert.deepEqual(result.usage.calls, 1);
  assert.equal(result.usage.promptTokens, 400);
  assert.equal(result.usage.completionTokens, 280);
  assert.equal(result.usage.totalTokens, 680);
  assert.equal(result.files.length, 1);
  assert.equal(result.files[0].path, 'src/server.js');
  assert.equal(result.files[0].outcome, 'written');
  assert.match(result.files[0].diff, /\+.*'GET \/health'/);
  assert.doesNotMatch(r.stdout, /=== Run Report ===/);
});

test('--diff prints the unified diff after the report', async () => {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]))
    .answer(fenced(SERVER_WITH_HEALTH));

  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl, '--diff'], { cwd: ws });

  assert.equal(r.code, 0, r.stderr);
  const reportAt = r.stdout.indexOf('=== Run Report ===');
  const diffAt = r.stdout.search(/^\+.*'GET \/health'/m);
  assert.ok(reportAt >= 0 && diffAt > reportAt, `diff after report:\n${r.stdout}`);
  assert.match(r.stdout, /^\+const startedAt = Date\.now\(\);$/m);
  assert.match(r.stdout, /src\/server\.js/);
});

test('--quiet prints nothing on success; --workspace runs elsewhere than the cwd', async () => {
  const ws = makeWorkspace();
  const elsewhere = makeWorkspace(null);
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]))
    .answer(fenced(SERVER_WITH_HEALTH));

  const r = await runCli(['Add /health', '--files', 'src/server.js', '--workspace', ws, '--base-url', server.baseUrl, '--quiet'], { cwd: elsewhere });

  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, '');
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.ok(fs.existsSync(path.join(ws, LOG_DIR, 'last-run')));
  assert.deepEqual(fs.readdirSync(elsewhere), []);
});

test('keys: RED_EXEC_API_KEY goes to a --base-url server; a provider key never goes to another host', async () => {
  const ws = makeWorkspace();
  for (let i = 0; i < 2; i++) {
    server
      .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]))
      .answer(fenced(SERVER_WITH_HEALTH));
  }
  const a = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], {
    cwd: ws,
    env: { RED_EXEC_API_KEY: 'local-key-1', DEEPSEEK_API_KEY: 'ds-key-2' },
  });
  assert.equal(a.code, 0, a.stderr);
  // deepseek-chat (the default model) at another server: the DeepSeek key stays home.
  const b = await runCli(['Add /health', '--files', 'src/server.js'], {
    cwd: makeWorkspace(),
    env: { RED_EXEC_BASE_URL: server.baseUrl, DEEPSEEK_API_KEY: 'ds-key-2', OPENAI_API_KEY: 'oa-key-3' },
  });
  assert.equal(b.code, 0, b.stderr);
  // One call per run (one file in scope: the plan is derived).
  assert.deepEqual(server.requests.map((q) => q.headers.authorization), ['Bearer local-key-1', undefined]);
  assert.ok(server.requests.every((q) => !q.raw.includes('ds-key-2') && !q.raw.includes('oa-key-3')));
});

test('a rate limit (429) is retried and the run still succeeds', async () => {
  const ws = makeWorkspace();
  server
    .fail(429, { error: { message: 'slow down' } })
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]), { prompt: 10, completion: 5 })
    .fail(503, { error: { message: 'overloaded' } })
    .answer(fenced(SERVER_WITH_HEALTH), { prompt: 20, completion: 7 });

  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });

  assert.equal(r.code, 0, r.stderr);
  // 429, then (the plan derived, its scripted answer passed over) 503, then the answer.
  assert.equal(server.requests.length, 3);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.deepEqual(tokenLine(r.stdout), { tokens: 27, calls: 1 });
  const retries = lastRunLog(ws).events.filter((e) => e.kind === 'host_retry');
  assert.deepEqual(retries.map((e) => e.status), [429, 503]);
});

test('options reach the core: --gate, --module-format, --max-retries, --model', async () => {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]))
    .answer(fenced(SERVER_WITH_HEALTH));
  const r = await runCli(
    ['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl, '--no-gate', '--module-format', 'cjs', '--max-retries', '0', '--model', 'gpt-4o-mini'],
    { cwd: ws },
  );
  assert.equal(r.code, 0, r.stderr);
  const start = lastRunLog(ws).events.find((e) => e.kind === 'run_start');
  assert.ok(start, 'the core logged run_start');
  assert.deepEqual(start.files, ['src/server.js']);
  assert.equal(start.options.gate, 'off');
  assert.equal(start.options.moduleFormat, 'cjs');
  assert.equal(start.options.maxRetries, 0);
  assert.equal(start.options.model, 'gpt-4o-mini');
  assert.equal(server.requests[0].body.model, 'gpt-4o-mini');
});

test('an absolute --files path inside the workspace counts as its relative path', async () => {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]))
    .answer(fenced(SERVER_WITH_HEALTH));
  const r = await runCli(['Add /health', '--files', path.join(ws, 'src', 'server.js'), '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.equal(server.requests[0].marker.path, 'src/server.js');
});
