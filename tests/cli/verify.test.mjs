// --verify: the user's check decides "done". The real CLI, a real `node --test` in a real
// workspace, the loopback model server answering first with a wrong fix, then a right one.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, startCli, snapshot, lastRunLog, fenced, planJson } from '../support/cli.mjs';

const server = useModelServer();

const SUM_WRONG = `// Adds two numbers.
function sum(a, b) {
  return a * b;
}

module.exports = { sum };
`;
const SUM_RIGHT = `// Adds two numbers.
function sum(a, b) {
  return a + b;
}

module.exports = { sum };
`;
const EXTRA = `module.exports = function double(x) {\n  return x * 2;\n};\n`;
const CHECK = 'node --test test/';
const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const exists = (ws, rel) => fs.existsSync(path.join(ws, rel));
const TASK = 'Fix sum in src/sum.js, add src/extra.js with double(), delete src/legacy.js';
const PLAN = planJson([
  { path: 'src/sum.js', action: 'MODIFY', intent: 'return a + b' },
  { path: 'src/extra.js', action: 'CREATE', intent: 'double()' },
  { path: 'src/legacy.js', action: 'DELETE', intent: 'unused' },
]);
const SCOPE = ['--files', 'src/sum.js,src/extra.js,src/legacy.js'];

test('a passing check: OK, exit 0, the check is in the report and the log', async () => {
  const ws = makeWorkspace('calc-lib');
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_RIGHT));
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--verify', CHECK, '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Status:\s+OK/);
  assert.match(r.stdout, /Verify:\s+`node --test test\/` passed/);
  assert.equal(read(ws, 'src/sum.js'), SUM_RIGHT);
  const kinds = lastRunLog(ws).events.map((e) => e.kind);
  assert.ok(kinds.indexOf('verify_start') > kinds.indexOf('write'), kinds.join(' '));
  const end = lastRunLog(ws).events.find((e) => e.kind === 'verify_end');
  assert.equal(end.result.passed, true);
  assert.equal(end.result.exitCode, 0);
});

test('a failing check rolls every change back, then the retry with its output passes', async () => {
  const ws = makeWorkspace('calc-lib');
  server.answer(PLAN).answer(fenced(SUM_WRONG)).answer(fenced(EXTRA)).answer(fenced(SUM_RIGHT)).answer(fenced(EXTRA));
  const r = await runCli([TASK, ...SCOPE, '--verify', CHECK, '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /passed after 2 attempts/);
  assert.equal(read(ws, 'src/sum.js'), SUM_RIGHT);
  assert.equal(read(ws, 'src/extra.js'), EXTRA);
  assert.equal(exists(ws, 'src/legacy.js'), false);
  // The retry for sum.js carries the failing assertion and starts from the original code.
  const retry = server.requests.filter((q) => q.marker.path === 'src/sum.js')[1];
  const prompt = JSON.stringify(retry.body.messages);
  assert.equal(retry.marker.retry, 'verify');
  assert.match(prompt, /node --test test\/` ended with exit 1/);
  assert.match(prompt, /sum adds/);
  assert.match(prompt, /return a - b;/);
  const kinds = lastRunLog(ws).events.map((e) => e.kind).filter((k) => /verify|rollback|^write$|^delete$/.test(k));
  assert.deepEqual(kinds, [
    'delete', 'write', 'write', 'verify_start', 'verify_end', 'rollback', 'rollback', 'rollback',
    'delete', 'write', 'write', 'verify_start', 'verify_end',
  ]);
});

test('a check that keeps failing: exit 9, VERIFY_FAILED, the tree byte for byte as before', async () => {
  const ws = makeWorkspace('calc-lib');
  fs.chmodSync(path.join(ws, 'src/legacy.js'), 0o640);
  // Bytes a text round trip could lose: a BOM and CRLF line ends.
  const sum = path.join(ws, 'src/sum.js');
  fs.writeFileSync(sum, `\uFEFF${fs.readFileSync(sum, 'utf8').replace(/\n/g, '\r\n')}`);
  const before = snapshot(ws);
  server.answer(PLAN).answer(fenced(SUM_WRONG)).answer(fenced(EXTRA)).answer(fenced(SUM_WRONG)).answer(fenced(EXTRA));
  const r = await runCli([TASK, ...SCOPE, '--verify', CHECK, '--max-retries', '1', '--report', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 9, r.stderr);
  assert.match(r.stdout, /Status:\s+VERIFY_FAILED/);
  assert.match(r.stdout, /3 rolled back/);
  assert.match(r.stdout, /^ +\| # fail 1$/m, 'the console report ends with the end of the check output');
  assert.match(r.stderr, /red-exec: `node --test test\/` failed \(exit 1\) on all 2 attempts; every file was restored \[verify_failed\]/);
  assert.deepEqual(snapshot(ws), before);
  assert.equal(fs.statSync(path.join(ws, 'src/legacy.js')).mode & 0o777, 0o640, 'a restored file keeps its mode');
  const report = read(ws, '.red-exec-logs/report.md');
  assert.match(report, /## Verify/);
  assert.match(report, /\| 2 \| failed \(exit 1\) \|/);
  assert.match(report, /sum adds/);
});

test('--keep-on-fail keeps the writes; exit 9 all the same', async () => {
  const ws = makeWorkspace('calc-lib');
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_WRONG));
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--verify', CHECK, '--keep-on-fail', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 9, r.stderr);
  assert.match(r.stdout, /writes kept \(--keep-on-fail\)/);
  assert.equal(read(ws, 'src/sum.js'), SUM_WRONG);
});

test('a check over --verify-timeout is stopped and counts as failed', async () => {
  const ws = makeWorkspace('calc-lib');
  const before = snapshot(ws);
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_RIGHT));
  const check = 'echo started; sleep 30';
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--verify', check, '--verify-timeout', '0.5', '--max-retries', '0', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 9, r.stderr);
  assert.match(r.stderr, /failed \(timed out\)/);
  assert.deepEqual(snapshot(ws), before);
  const end = lastRunLog(ws).events.find((e) => e.kind === 'verify_end');
  assert.equal(end.result.timedOut, true);
  assert.match(end.result.outputTail, /started/);
});

test('.red-exec.json sets the check; --no-verify skips it; a bad file is a config error', async () => {
  const ws = makeWorkspace('calc-lib');
  fs.writeFileSync(path.join(ws, '.red-exec.json'), JSON.stringify({ verify: CHECK, maxRetries: 0 }));
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_WRONG));
  // A repository's check runs only once its file is trusted (tests/cli/attacks-trust.test.mjs): here for this run.
  let r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws, env: { RED_EXEC_TRUST_CONFIG: '1' } });
  assert.equal(r.code, 9, r.stderr);
  assert.equal(server.requests.length, 1, 'maxRetries 0 from the file: no retry (and no plan call: one file)');

  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_WRONG));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--no-verify', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /Verify:/);
  assert.equal(read(ws, 'src/sum.js'), SUM_WRONG);

  // A flag beats the file, its --no-* form too: --no-gate writes an answer the file's gate blocks.
  fs.writeFileSync(path.join(ws, '.red-exec.json'), JSON.stringify({ gate: 'block', maxRetries: 0 }));
  const NO_EXPORT = 'function sum(a, b) {\n  return a + b;\n}\n';
  for (const [flags, code, text] of [[[], 1, SUM_WRONG], [['--no-gate'], 0, NO_EXPORT]]) {
    server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(NO_EXPORT));
    r = await runCli(['Fix sum', '--files', 'src/sum.js', ...flags, '--base-url', server.baseUrl], { cwd: ws });
    assert.equal(r.code, code, `${flags}: ${r.stderr}`);
    assert.equal(read(ws, 'src/sum.js'), text, `${flags}: what is on disk`);
  }

  fs.writeFileSync(path.join(ws, '.red-exec.json'), '{"verify": "npm test", "verfiy": 1}');
  const before = snapshot(ws);
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 3);
  assert.equal(r.stderr, 'red-exec: .red-exec.json: unknown key "verfiy" (did you mean "verify"? known: verify, verifyTimeout, keepOnFail, maxRetries, gate, moduleFormat, contextBudget, maxTokens, maxCost, maxFileBytes, timeout, model, baseUrl)\n');
  assert.deepEqual(snapshot(ws), before);
});

test('the check runs without the model key in its environment', async () => {
  const ws = makeWorkspace('calc-lib');
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_RIGHT));
  const check = `node -e "process.exit(process.env.RED_EXEC_API_KEY || process.env.LEAK ? 1 : 0)"`;
  const key = 'sk-verify-env-0123456789';
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--verify', check, '--base-url', server.baseUrl], {
    cwd: ws,
    env: { RED_EXEC_API_KEY: key, LEAK: `Bearer ${key}` },
  });
  assert.equal(r.code, 0, r.stderr + r.stdout);
});

test('a dry run does not run the check and says so', async () => {
  const ws = makeWorkspace('calc-lib');
  const before = snapshot(ws);
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_WRONG));
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--verify', CHECK, '--dry-run', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Dry run: the check `node --test test\/` was not run\./);
  assert.deepEqual(snapshot(ws), before);
});

test('Ctrl-C while the check runs: the check is stopped, INTERRUPTED, exit 130, the files restored', async () => {
  const ws = makeWorkspace('calc-lib');
  const before = snapshot(ws);
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_RIGHT));
  const marker = path.join(ws, 'check-started');
  const check = `node -e "require('fs').writeFileSync('check-started', String(process.pid)); setTimeout(() => {}, 30000)"`;
  const { child, done } = startCli(['Fix sum', '--files', 'src/sum.js', '--verify', check, '--base-url', server.baseUrl], { cwd: ws });
  const deadline = Date.now() + 15_000;
  while (!fs.existsSync(marker) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  assert.ok(fs.existsSync(marker), 'the check started');
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stdout, /Status:\s+INTERRUPTED/);
  // Unchecked is not done: the core restores, as after a failed check.
  const pid = Number(fs.readFileSync(marker, 'utf8'));
  fs.rmSync(marker);
  assert.deepEqual(snapshot(ws), before);
  assert.match(r.stdout, /interrupted while the check was running: every file was restored/);
  // The check's process group was stopped with the run.
  let alive = true;
  for (let i = 0; i < 100 && alive; i++) {
    try {
      process.kill(pid, 0);
      await new Promise((res) => setTimeout(res, 50));
    } catch {
      alive = false;
    }
  }
  assert.equal(alive, false, 'the check process is gone');
});
