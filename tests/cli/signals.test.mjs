// SIGTERM (kill, a service manager, CI cancelling a job) and SIGHUP (the terminal closed) stop a
// run as Ctrl-C does: the model call is cancelled, the --verify check's whole process group is
// stopped (its grandchildren too), unchecked changes are restored, the status is INTERRUPTED and
// the exit code 128 + the signal's number (143, 129). A dry run's temporary copy goes on every path.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, startCli, snapshot, lastRunLog, fenced, planJson } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const server = useModelServer();
const EXIT = { SIGTERM: 143, SIGHUP: 129, SIGINT: 130 };
const SUM_RIGHT = `// Adds two numbers.\nfunction sum(a, b) {\n  return a + b;\n}\n\nmodule.exports = { sum };\n`;

/** Wait (bounded) until `ready()` is true. */
async function until(ready, what) {
  for (let i = 0; i < 750 && !ready(); i++) await new Promise((res) => setTimeout(res, 20));
  assert.ok(ready(), what);
}

/** Whether `pid` is a live process (a zombie left for a parent that never reaps counts as gone). */
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

for (const signal of ['SIGTERM', 'SIGHUP']) {
  test(`${signal} while the --verify check runs: its process group (a grandchild sleep too) stopped, files restored, INTERRUPTED, exit ${EXIT[signal]}`, async (t) => {
    const ws = makeWorkspace('calc-lib');
    const pids = makeTempDir();
    const before = snapshot(ws);
    server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_RIGHT));
    // The shell starts a grandchild and waits for it: only a group kill stops both.
    const check = `echo $$ > ${pids}/group; sleep 300 & echo $! > ${pids}/grandchild.tmp; mv ${pids}/grandchild.tmp ${pids}/grandchild; wait`;
    const { child, done } = startCli(['Fix sum', '--files', 'src/sum.js', '--verify', check, '--base-url', server.baseUrl], { cwd: ws });
    const marker = path.join(pids, 'grandchild');
    await until(() => fs.existsSync(marker), 'the check started its grandchild');
    const grandchild = Number(fs.readFileSync(marker, 'utf8'));
    // Whatever the outcome, the test leaves no process behind (a failing run would).
    t.after(() => {
      try {
        process.kill(-Number(fs.readFileSync(path.join(pids, 'group'), 'utf8')), 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    });
    assert.equal(fs.readFileSync(path.join(ws, 'src/sum.js'), 'utf8'), SUM_RIGHT, 'the unchecked change is on disk while the check runs');
    child.kill(signal);
    const r = await done;
    assert.equal(r.signal, null, `red-exec handled ${signal} itself`);
    assert.equal(r.code, EXIT[signal], r.stderr);
    assert.equal(r.stderr, `red-exec: interrupted (${signal})\n`);
    assert.match(r.stdout, /Status:\s+INTERRUPTED/);
    assert.deepEqual(snapshot(ws), before, 'the unverified change was taken back');
    assert.equal(lastRunLog(ws).events.at(-1).status, 'INTERRUPTED');
    await until(() => !alive(grandchild), `the check's grandchild ${grandchild} is gone`);
  });
}

test('SIGTERM during a model call: the call is cancelled, nothing written, exit 143, a result line', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  server.stall();
  const { child, done } = startCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  await until(() => server.requests.length === 1, 'the CLI reached the model call');
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 143, r.stderr);
  assert.equal(r.stderr, 'red-exec: interrupted (SIGTERM)\n');
  assert.deepEqual(snapshot(ws), before);
  const result = lastRunLog(ws).events.at(-1);
  assert.equal(result.kind, 'result');
  assert.equal(result.status, 'INTERRUPTED');
  assert.equal(server.requests.length, 1, 'no retry after the signal');
});

test('SIGTERM with --json: one JSON answer, status INTERRUPTED, exit 143', async () => {
  const ws = makeWorkspace();
  server.stall();
  const { child, done } = startCli(['Add /health', '--files', 'src/server.js', '--json', '--base-url', server.baseUrl], { cwd: ws });
  await until(() => server.requests.length === 1, 'the CLI reached the model call');
  child.kill('SIGTERM');
  const r = await done;
  assert.equal(r.code, 143, r.stderr);
  assert.equal(JSON.parse(r.stdout).status, 'INTERRUPTED');
});

for (const signals of [['SIGTERM'], ['SIGHUP'], ['SIGTERM', 'SIGTERM']]) {
  test(`a dry run removes its temporary copy on ${signals.join(' then ')}`, async () => {
    const ws = makeWorkspace();
    const tmp = makeTempDir();
    const before = snapshot(ws);
    server.stall();
    const { child, done } = startCli(['Add /health', '--files', 'src/server.js', '--dry-run', '--base-url', server.baseUrl], { cwd: ws, env: { TMPDIR: tmp } });
    await until(() => server.requests.length === 1, 'the CLI reached the model call');
    assert.equal(fs.readdirSync(tmp).filter((n) => n.startsWith('red-exec-dry-run-')).length, 1, 'the copy exists during the run');
    for (const s of signals) child.kill(s);
    const r = await done;
    assert.equal(r.code, EXIT[signals[0]], r.stderr);
    assert.deepEqual(fs.readdirSync(tmp), [], 'the temporary copy is gone');
    assert.deepEqual(snapshot(ws), before);
  });
}

test('control: an uninterrupted dry run leaves no temporary copy either', async () => {
  const ws = makeWorkspace();
  const tmp = makeTempDir();
  server.answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }])).answer(fenced(SERVER_WITH_HEALTH));
  const r = await startCli(['Add /health', '--files', 'src/server.js', '--dry-run', '--base-url', server.baseUrl], { cwd: ws, env: { TMPDIR: tmp } }).done;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fs.readdirSync(tmp), []);
});
