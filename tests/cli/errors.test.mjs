// Failing runs: each error path's exit code, its single stderr line, and an untouched workspace.
// The one-spawn-per-case table of bad input is bad-input.test.mjs; these need more than one
// assertion shape (retries, logs, races, signals).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, startCli, snapshot, lastRunLog, fenced, planJson, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH, BROKEN_SERVER, PROSE_ONLY } from '../support/answers.mjs';

const server = useModelServer();

const PLAN_MODIFY_SERVER = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);

/** The one stderr line of a failed run, checked to be exactly one line. */
function oneLine(stderr) {
  const lines = stderr.split('\n').filter((l) => l.length > 0);
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${stderr}`);
  assert.match(lines[0], /^red-exec: \S/);
  return lines[0];
}

/** Run the CLI in a fresh workspace; assert the exit code and that no file changed. */
async function failingRun(args, { code, env, logs = true } = {}) {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  const r = await runCli(args, { cwd: ws, env });
  assert.equal(r.code, code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.deepEqual(snapshot(ws), before, 'the workspace must be unchanged');
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), logs, logs ? 'a run that reached the core is logged' : 'no log for a refused run');
  return { ...r, ws, line: oneLine(r.stderr) };
}

test('missing OpenAI key for an OpenAI model: exit 3 names OPENAI_API_KEY', async () => {
  const r = await failingRun(['Add /health', '--files', 'src/server.js', '--model', 'gpt-4o-mini'], {
    code: 3,
    logs: false,
    env: { DEEPSEEK_API_KEY: 'not-the-right-one' },
  });
  assert.match(r.line, /OPENAI_API_KEY/);
  assert.doesNotMatch(r.line, /DEEPSEEK/);
});

test('unknown model without --base-url: exit 3 lists the known models', async () => {
  const r = await failingRun(['Add /health', '--files', 'src/server.js', '--model', 'llama-9000'], {
    code: 3,
    logs: false,
    env: { DEEPSEEK_API_KEY: 'x', OPENAI_API_KEY: 'y' },
  });
  assert.match(r.line, /unknown model "llama-9000"/);
  for (const name of ['deepseek-chat', 'deepseek-reasoner', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini']) {
    assert.ok(r.line.includes(name), `lists ${name}`);
  }
});

test('LLM_MODEL picks the model; an unknown one is a config error too', async () => {
  const r = await failingRun(['Add /health', '--files', 'src/server.js'], { code: 3, logs: false, env: { LLM_MODEL: 'mystery-model' } });
  assert.match(r.line, /unknown model "mystery-model"/);
});

test('MODIFY of a file that does not exist: exit 4 (input), no file call, nothing written', async () => {
  server.answer(planJson([{ path: 'src/missing.js', action: 'MODIFY', intent: 'change it' }]));
  const r = await failingRun(['Change src/missing.js', '--files', 'src/missing.js', '--base-url', server.baseUrl], { code: 4 });
  assert.match(r.line, /src\/missing\.js/);
  assert.ok(server.requests.every((q) => q.marker.stage === 'L1'), 'no L3 call for a missing MODIFY target');
  const result = lastRunLog(r.ws).events.at(-1);
  assert.equal(result.status, 'FAILED');
  assert.match(result.error.code, /^input_/);
  assert.match(r.stdout, /^Status: {3}FAILED \(input_missing\)$/m);
});

test('server 500 on every attempt: exit 6 after two retries', async () => {
  server.fail(500).fail(502).fail(500);
  const r = await failingRun(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { code: 6 });
  assert.equal(server.requests.length, 3);
  assert.match(r.line, /500/);
  const events = lastRunLog(r.ws).events;
  assert.equal(events.filter((e) => e.kind === 'host_retry').length, 2);
  assert.equal(events.at(-1).error.code, 'model_unavailable');
});

test('a model call that stalls past --timeout twice: exit 6 after one retry', async () => {
  server.stall();
  server.stall();
  const started = Date.now();
  const r = await failingRun(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl, '--timeout', '0.3'], { code: 6 });
  assert.ok(Date.now() - started < 5000, 'the timeout cut the calls short');
  assert.match(r.line, /did not answer within 0\.3s \(after 1 retry\)/);
  assert.equal(server.requests.length, 2, 'a timeout is retried once, not more');
});

test('a stall once is survived: the retry answers and the run is OK', async () => {
  const ws = makeWorkspace();
  server.stall();
  server.answer(PLAN_MODIFY_SERVER).answer(fenced(SERVER_WITH_HEALTH));
  const r = await runCli(['Add a GET /health route', '--files', 'src/server.js', '--base-url', server.baseUrl, '--timeout', '0.3'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  // The stalled call and its retry (one file: the plan is derived, no plan call).
  assert.equal(server.requests.length, 2);
  assert.equal(fs.readFileSync(path.join(ws, 'src/server.js'), 'utf8'), SERVER_WITH_HEALTH);
});

test('an answer that is prose without code: no usable answer, exit 7, file unchanged', async () => {
  server.answer(PLAN_MODIFY_SERVER).answer(PROSE_ONLY).answer(PROSE_ONLY);
  const r = await failingRun(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl, '--max-retries', '1'], { code: 7 });
  assert.equal(server.requests.length, 2, 'first try + one retry (the plan is derived)');
  assert.match(r.line, /no code block/);
  assert.match(r.stdout, /^Status: {3}FAILED \(model_answer\)$/m);
  const result = lastRunLog(r.ws).events.at(-1);
  assert.equal(result.error.code, 'model_answer');
  assert.equal(result.files[0].outcome, 'failed');
});

test('an answer with a syntax error is blocked: FAILED (blocked), exit 1, file unchanged', async () => {
  server.answer(PLAN_MODIFY_SERVER).answer(fenced(BROKEN_SERVER)).answer(fenced(BROKEN_SERVER));
  const r = await failingRun(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl, '--max-retries', '1'], { code: 1 });
  assert.equal(server.requests.length, 2, 'first try + one retry (the plan is derived)');
  assert.equal(server.requests[1].marker.stage, 'L3');
  assert.match(r.stdout, /^Status: {3}FAILED \(blocked\)$/m);
  assert.match(r.line, /src\/server\.js/);
  assert.match(r.line, /syntax/i);
  const result = lastRunLog(r.ws).events.at(-1);
  assert.deepEqual([result.status, result.error.code], ['FAILED', 'blocked']);
  assert.equal(result.files[0].outcome, 'blocked');
  assert.ok(result.files[0].violations.some((v) => v.rule === 'syntax'));
});

test('a write that fails on disk: exit 8, nothing else changed', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  server.answer(planJson([{ path: 'src/health.js', action: 'CREATE', intent: 'health() helper' }]));
  server.dynamic(() => {
    // Between the read and the write, something else puts a directory where the file goes.
    fs.mkdirSync(path.join(ws, 'src', 'health.js'));
    return fenced("'use strict';\nmodule.exports = { health: () => ({ status: 'ok' }) };\n");
  });
  const r = await runCli(['Create src/health.js', '--files', 'src/health.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 8, r.stderr);
  const line = oneLine(r.stderr);
  assert.match(line, /src\/health\.js/);
  assert.match(line, /write_failed/);
  assert.deepEqual(snapshot(ws), { ...before, 'src/health.js/': 'dir' });
  assert.equal(lastRunLog(ws).events.at(-1).error.code, 'write_failed');
});

test('SIGINT during a model call: exit 130, the call is cancelled, nothing written', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  server.stall();
  const { child, done } = startCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  const deadline = Date.now() + 10_000;
  while (server.requests.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  assert.equal(server.requests.length, 1, 'the CLI reached the model call');
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.equal(r.stderr.trim(), 'red-exec: interrupted');
  assert.deepEqual(snapshot(ws), before);
  const result = lastRunLog(ws).events.at(-1);
  assert.equal(result.kind, 'result');
  assert.equal(result.status, 'INTERRUPTED');
  assert.match(r.stdout, /Status:\s+INTERRUPTED/);
  assert.equal(server.requests.length, 1, 'no retry after an interrupt');
});

test('the exit code is 0 again once the model behaves (control for the tests above)', async () => {
  server.answer(PLAN_MODIFY_SERVER).answer(fenced(SERVER_WITH_HEALTH));
  const ws = makeWorkspace();
  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
});
