// One run at a time per workspace: the second run (or an --undo) while a run holds
// .red-exec-logs/lock is refused with exit 12 and one line naming the holder, and the first run's
// change survives. The first run is held mid-call by a model answer the test releases by hand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { useModelServer, makeWorkspace, runCli, startCli, startProcess, lastRunLog, fenced, planJson, LOG_DIR } from '../support/cli.mjs';

const server = useModelServer();

const SUM_RIGHT = `// Adds two numbers.
function sum(a, b) {
  return a + b;
}

module.exports = { sum };
`;
const PLAN = planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }]);
const LOCK = `${LOG_DIR}/lock`;
const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const lockOf = (ws) => path.join(ws, LOCK);

/** Resolves once the server has received `n` requests (the run is then waiting on its answer). */
async function requestsReach(n) {
  while (server.requests.length < n) await sleep(10);
}

/** Start a run of "Fix sum" held in its plan call; returns { done, release }. */
async function heldRun(ws) {
  // One file in scope: the plan is derived, so the held call is the unit's.
  const release = server.held(fenced(SUM_RIGHT));
  const run = startCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  await requestsReach(1);
  return { ...run, release };
}

test('a second run while one holds the workspace is refused (exit 12), and the first one\'s change stays', async () => {
  const ws = makeWorkspace('calc-lib');
  const first = await heldRun(ws);
  const holder = JSON.parse(read(ws, LOCK));
  assert.equal(holder.pid, first.child.pid);
  assert.equal(holder.hostname, os.hostname());
  assert.equal(holder.what, 'run');

  const second = await runCli(['Break sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(second.code, 12, second.stderr);
  assert.equal(second.stdout, '');
  assert.match(second.stderr, new RegExp(`^red-exec: another red-exec run holds this workspace: run ${holder.runId} \\(process ${first.child.pid} on ${os.hostname()}, since ${holder.started}\\); wait for it to finish \\(one run at a time per workspace; if that process is not red-exec, its id was reused: rm \\.red-exec-logs/lock\\)\\n$`));
  // Refused before it spent a token, and the lock is still the first run's.
  assert.equal(server.requests.length, 1);
  assert.deepEqual(JSON.parse(read(ws, LOCK)), holder);
  const json = await runCli(['Break sum', '--files', 'src/sum.js', '--json', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(json.code, 12);
  assert.deepEqual(JSON.parse(json.stdout).error.code, 'locked');

  first.release();
  const r = await first.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(ws, 'src/sum.js'), SUM_RIGHT);
  assert.equal(lastRunLog(ws).id, holder.runId);
  assert.equal(fs.existsSync(lockOf(ws)), false, 'the lock is released when the run ends');
});

test('--undo while a run holds the lock is refused; --runs is not', async () => {
  const ws = makeWorkspace('calc-lib');
  const first = await heldRun(ws);
  const undo = await runCli(['--undo'], { cwd: ws });
  assert.equal(undo.code, 12, undo.stderr);
  assert.match(undo.stderr, /^red-exec: another red-exec run holds this workspace: run \S+ \(process \d+ on /);
  const runs = await runCli(['--runs'], { cwd: ws });
  assert.equal(runs.code, 0, runs.stderr);
  first.release();
  assert.equal((await first.done).code, 0);
  // Once it is free, --undo takes the lock itself and gives it back.
  const later = await runCli(['--undo'], { cwd: ws });
  assert.equal(later.code, 0, later.stderr);
  assert.equal(fs.existsSync(lockOf(ws)), false);
});

test('a lock left by a process that is gone is taken over, with a notice', async () => {
  const ws = makeWorkspace('calc-lib');
  const dead = startProcess(process.execPath, ['-e', '']);
  await dead.done;
  fs.mkdirSync(path.join(ws, LOG_DIR), { recursive: true });
  const stale = { pid: dead.child.pid, hostname: os.hostname(), runId: '20261201-000000-dead00', what: 'run', started: '2026-12-01T00:00:00.000Z' };
  fs.writeFileSync(lockOf(ws), JSON.stringify(stale));
  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, `red-exec: notice: took over the workspace lock of run ${stale.runId} (process ${stale.pid} on ${os.hostname()}, since ${stale.started}): that process is no longer running\n`);
  assert.equal(read(ws, 'src/sum.js'), SUM_RIGHT);
  assert.equal(fs.existsSync(lockOf(ws)), false);
  assert.match(lastRunLog(ws).text, /"lockTakenOver":"run 20261201-000000-dead00/);
});

test('a lock from another machine, or one that cannot be read, is refused with how to remove it', async () => {
  const ws = makeWorkspace('calc-lib');
  fs.mkdirSync(path.join(ws, LOG_DIR), { recursive: true });
  const other = { pid: process.pid, hostname: 'build-box-7', runId: '20261201-000000-away00', what: 'run', started: '2026-12-01T00:00:00.000Z' };
  fs.writeFileSync(lockOf(ws), JSON.stringify(other));
  const sum = read(ws, 'src/sum.js');
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 12, r.stderr);
  assert.match(r.stderr, /^red-exec: another red-exec run holds this workspace: run 20261201-000000-away00 \(process \d+ on build-box-7, since [^)]+\); it is on another machine, so red-exec cannot tell whether it is still going\. Once it is not, remove the lock: rm \.red-exec-logs\/lock\n$/);
  assert.equal(read(ws, 'src/sum.js'), sum);
  assert.deepEqual(JSON.parse(read(ws, LOCK)), other, 'someone else\'s lock is never removed');

  fs.writeFileSync(lockOf(ws), '');
  const torn = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(torn.code, 12, torn.stderr);
  assert.match(torn.stderr, /lock \.red-exec-logs\/lock is unreadable .* remove it: rm \.red-exec-logs\/lock\n$/);
  assert.equal(server.requests.length, 0);
});

test('the lock is released on an error and on Ctrl-C', async () => {
  const ws = makeWorkspace('calc-lib');
  server.fail(401, { error: { message: 'bad key' } });
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 5, r.stderr);
  assert.equal(fs.existsSync(lockOf(ws)), false);

  server.held(fenced(SUM_RIGHT));
  const run = startCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  await requestsReach(2);
  assert.ok(fs.existsSync(lockOf(ws)));
  run.child.kill('SIGINT');
  const stopped = await run.done;
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.equal(fs.existsSync(lockOf(ws)), false);
});
