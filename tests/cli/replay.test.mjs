// --replay of recorded runs. (The API key staying out of output and logs: secrets.test.mjs.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, lastRunLog, tokenLine, fenced, planJson } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const server = useModelServer();

const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const TASK = 'Add a GET /health route';

async function recordRun() {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]), { prompt: 1111, completion: 22 })
    .answer(fenced(SERVER_WITH_HEALTH), { prompt: 3333, completion: 444 });
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  return { ws, report: r.stdout, log: lastRunLog(ws) };
}

test('--replay <events.jsonl> reproduces the recorded run without a model or key', async () => {
  const recorded = await recordRun();
  const ws = makeWorkspace();
  const r = await runCli([TASK, '--files', 'src/server.js', '--replay', recorded.log.file], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(server.requests.length, 1, 'only the recording talked to the server (one file: no plan call)');
  assert.equal(read(ws, 'src/server.js'), read(recorded.ws, 'src/server.js'));
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.deepEqual(tokenLine(r.stdout), { tokens: 3333 + 444, calls: 1 });
  assert.deepEqual(tokenLine(r.stdout), tokenLine(recorded.report));
  const replayLog = lastRunLog(ws);
  assert.notEqual(replayLog.id, recorded.log.id, 'a replay is a new run with its own log');
  assert.equal(replayLog.events.at(-1).status, 'OK');
});

test('a replay is priced as the recorded model unless --model says otherwise', async () => {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]), { prompt: 1000, completion: 1000 })
    .answer(fenced(SERVER_WITH_HEALTH), { prompt: 1000, completion: 1000 });
  const rec = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--model', 'gpt-4o', '--json'], { cwd: ws });
  assert.equal(rec.code, 0, rec.stderr);
  const recorded = lastRunLog(ws);

  const same = await runCli([TASK, '--files', 'src/server.js', '--replay', recorded.file, '--json'], { cwd: makeWorkspace() });
  assert.equal(same.code, 0, same.stderr);
  assert.equal(JSON.parse(same.stdout).costUsd, JSON.parse(rec.stdout).costUsd);

  const other = await runCli([TASK, '--files', 'src/server.js', '--replay', recorded.file, '--json', '--model', 'gpt-4o-mini'], { cwd: makeWorkspace() });
  assert.equal(other.code, 0, other.stderr);
  assert.ok(JSON.parse(other.stdout).costUsd < JSON.parse(rec.stdout).costUsd, 'gpt-4o-mini is cheaper than gpt-4o');
});

test('--replay <run-id> finds the run under .red-exec-logs of the workspace', async () => {
  const recorded = await recordRun();
  // Put the original file back, keep the logs, and replay by id.
  const fresh = makeWorkspace();
  fs.copyFileSync(path.join(fresh, 'src/server.js'), path.join(recorded.ws, 'src/server.js'));
  const r = await runCli([TASK, '--files', 'src/server.js', '--replay', recorded.log.id], { cwd: recorded.ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(recorded.ws, 'src/server.js'), SERVER_WITH_HEALTH);
});

test('a replay whose calls do not match the recording stops with "replay diverged" (exit 7)', async () => {
  const recorded = await recordRun();
  const edited = recorded.log.text
    .split('\n')
    .map((line) => {
      if (!line) return line;
      const e = JSON.parse(line);
      if (e.kind === 'model_request' && e.stage === 'L3') e.path = 'src/other.js';
      return JSON.stringify(e);
    })
    .join('\n');
  const dir = makeTempDir();
  const file = path.join(dir, 'edited.jsonl');
  fs.writeFileSync(file, edited);

  const ws = makeWorkspace();
  const before = snapshot(ws);
  const r = await runCli([TASK, '--files', 'src/server.js', '--replay', file], { cwd: ws });
  assert.equal(r.code, 7, r.stderr);
  assert.match(r.stderr, /^red-exec: .*replay diverged/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.deepEqual(snapshot(ws), before);
});

test('a recording made with a plan call replays where the plan is now derived; one whose plan differs stops clearly', async () => {
  // What an older red-exec recorded for a one-file run: the L1 plan call (id 1), then the unit (id 2).
  const recording = (unitPath) => [
    { seq: 1, kind: 'run_start', runId: 'old', task: TASK, files: ['src/server.js'], read: [], options: {} },
    { seq: 2, kind: 'model_request', id: 1, stage: 'L1', path: null, action: null, attempt: 0, messages: [] },
    { seq: 3, kind: 'model_response', id: 1, text: planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]), usage: { promptTokens: 1111, completionTokens: 22 } },
    { seq: 4, kind: 'model_request', id: 2, stage: 'L3', path: unitPath, action: 'MODIFY', attempt: 0, messages: [] },
    { seq: 5, kind: 'model_response', id: 2, text: fenced(SERVER_WITH_HEALTH), usage: { promptTokens: 3333, completionTokens: 444 } },
  ].map((e) => JSON.stringify(e)).join('\n') + '\n';
  const dir = makeTempDir();
  const file = path.join(dir, 'old.jsonl');
  fs.writeFileSync(file, recording('src/server.js'));
  const ws = makeWorkspace();
  const r = await runCli([TASK, '--files', 'src/server.js', '--replay', file], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.deepEqual(tokenLine(r.stdout), { tokens: 3333 + 444, calls: 1 });

  fs.writeFileSync(file, recording('src/other.js'));
  const again = makeWorkspace();
  const before = snapshot(again);
  const bad = await runCli([TASK, '--files', 'src/server.js', '--replay', file], { cwd: again });
  assert.equal(bad.code, 7, bad.stderr);
  assert.match(bad.stderr, /replay diverged: call 1 \(L3 src\/server\.js\) was recorded as L3 src\/other\.js/);
  assert.deepEqual(snapshot(again), before);
});
