// --replay of recorded runs, and the API key never leaking into output or logs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, lastRunLog, tokenLine, fenced, planJson, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const FAKE_KEY = 'sk-redexec-TEST-7f3a9c1e5b2d4f60';

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
  assert.equal(server.requests.length, 2, 'only the recording talked to the server');
  assert.equal(read(ws, 'src/server.js'), read(recorded.ws, 'src/server.js'));
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.deepEqual(tokenLine(r.stdout), { tokens: 1111 + 22 + 3333 + 444, calls: 2 });
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

test('the API key never appears in stdout, stderr or the logs', async () => {
  const ws = makeWorkspace();
  const echo = `// generated for ${FAKE_KEY}\n`;
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: `add GET /health (key ${FAKE_KEY})` }]))
    .answer(fenced(echo + SERVER_WITH_HEALTH));
  const ok = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--diff'], {
    cwd: ws,
    env: { RED_EXEC_API_KEY: FAKE_KEY },
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(server.requests[0].headers.authorization, `Bearer ${FAKE_KEY}`, 'the key did reach the server');
  assert.equal(read(ws, 'src/server.js'), `// generated for ***\n${SERVER_WITH_HEALTH}`);
  assert.match(ok.stdout, /\*\*\*/, 'the echoed key shows masked in the diff');

  server.fail(401, { error: { message: `Incorrect API key provided: ${FAKE_KEY}` } });
  const denied = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--json'], {
    cwd: ws,
    env: { RED_EXEC_API_KEY: FAKE_KEY },
  });
  assert.equal(denied.code, 5, denied.stderr);
  assert.match(denied.stderr, /Incorrect API key provided: \*\*\*/);

  const logs = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else logs.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(path.join(ws, LOG_DIR));
  assert.ok(logs.length >= 3, 'two runs logged, plus last-run');
  for (const [where, text] of [
    ['stdout (ok)', ok.stdout],
    ['stderr (ok)', ok.stderr],
    ['stdout (401)', denied.stdout],
    ['stderr (401)', denied.stderr],
    ...logs.map((t, i) => [`log ${i}`, t]),
  ]) {
    assert.ok(!text.includes(FAKE_KEY), `${where} contains the key`);
    assert.ok(!text.includes(FAKE_KEY.slice(3)), `${where} contains most of the key`);
  }
});
