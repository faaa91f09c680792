// Crash safety: the real CLI is killed with SIGKILL at many points of a multi-file run (MODIFY
// two files, CREATE one in a new directory, DELETE one). After every kill each in-scope file
// must be byte for byte its old or its new content (never torn, never a mix), and
// `red-exec --undo` must bring back exactly the original tree (contents, modes, no temp files,
// no directory the run made). Ctrl-C (SIGINT) must stop cleanly with exit 130.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { useModelServer, startCli, runCli, LOG_DIR } from '../support/cli.mjs';
import { makeShop, shopArgs, shopAnswer, tree, bytesOrNull, SHOP_AFTER, SHOP_SCOPE, HOST_TEMP } from '../support/shop.mjs';

// The benchmark's seeded generator (mulberry32): the same kill times on every machine.
const { rng: seeded } = createRequire(import.meta.url)('../../benchmarks/reference-model/chaos.js');

const server = useModelServer();

/**
 * How the loopback server answers the next shop run: each request after a delay taken in turn
 * from `delays`, and from the `holdFrom`-th request on, no answer at all.
 */
function serveShop({ delays = null, holdFrom = Infinity } = {}) {
  let calls = 0;
  server.otherwise((record) => {
    const i = calls++;
    if (i + 1 >= holdFrom) return { type: 'stall' };
    return shopAnswer(record, delays ? delays[i % delays.length] : 0);
  });
}

const totals = { killPoints: 0, fileChecks: 0, undone: 0, undoKills: 0, phases: [] };

/** Resolves once `cond()` holds (polling); rejects after `ms`. */
async function until(cond, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the CLI');
    await new Promise((res) => setTimeout(res, 5));
  }
}

function runDirOf(ws) {
  try {
    const id = fs.readFileSync(path.join(ws, LOG_DIR, 'last-run'), 'utf8').trim();
    return id ? path.join(ws, LOG_DIR, id) : null;
  } catch {
    return null;
  }
}

/** Where in the run a kill landed, from what the run left in its log (for the closing note). */
function phaseOf(ws) {
  const dir = runDirOf(ws);
  if (!dir) return 'before the run log';
  const lines = (file) => {
    try {
      return fs.readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const events = lines('events.jsonl');
  const journal = lines('journal.jsonl');
  const responses = events.filter((l) => l.includes('"kind":"model_response"')).length;
  if (journal.length === 0) return `model calls (${responses} answered)`;
  const done = journal.filter((l) => l.includes('"op":"done"')).length;
  return `write phase (${journal.length - done} changes journaled, ${done} done)`;
}

/**
 * Every in-scope file is its old or its new bytes; every other file is as it was, apart from the
 * host's temp files and the directory the CREATE makes. Counts the file checks.
 */
function assertOldOrNew(ws, original, label) {
  for (const rel of SHOP_SCOPE) {
    const now = bytesOrNull(ws, rel);
    const old = original[rel] === undefined ? null : Buffer.from(original[rel].split(' ')[1], 'base64');
    const next = SHOP_AFTER[rel] === null ? null : Buffer.from(SHOP_AFTER[rel]);
    const same = (a, b) => (a === null ? b === null : b !== null && a.equals(b));
    assert.ok(same(now, old) || same(now, next), `${label}: ${rel} is neither its old nor its new content (${now === null ? 'missing' : `${now.length} bytes`})`);
    totals.fileChecks += 1;
  }
  const now = tree(ws);
  for (const [rel, value] of Object.entries(original)) {
    if (SHOP_SCOPE.includes(rel)) continue;
    assert.equal(now[rel], value, `${label}: out-of-scope ${rel} changed`);
  }
  for (const rel of Object.keys(now)) {
    if (rel in original || SHOP_SCOPE.includes(rel) || HOST_TEMP.test(rel) || rel === 'src/metrics/') continue;
    assert.fail(`${label}: unexpected ${rel} after the kill`);
  }
}

/** `red-exec --undo`, then the tree must be exactly the original. */
async function assertUndoRestores(ws, original, label) {
  const r = await runCli(['--undo'], { cwd: ws });
  assert.equal(r.code, 0, `${label}: --undo exit code\n${r.stdout}\n${r.stderr}`);
  assert.deepEqual(tree(ws), original, `${label}: the tree after --undo`);
  totals.undone += 1;
}

/**
 * One shop run killed at `point`: { env } arms the CLI's crash hook; { killWhen } decides when
 * the test sends SIGKILL itself. Then the checks above.
 */
async function killAndCheck(label, { env = {}, args = [], killWhen = null, delays = null, holdFrom = Infinity }) {
  serveShop({ delays, holdFrom });
  const ws = makeShop();
  const original = tree(ws);
  const { child, done } = startCli(shopArgs(server.baseUrl, ...args), { cwd: ws, env });
  if (killWhen) await killWhen(child).then(() => child.kill('SIGKILL'));
  const r = await done;
  const killed = r.signal === 'SIGKILL';
  // A time-line kill may come after the run already ended: that point still gets every check.
  if (!killWhen || killWhen.mustKill) assert.equal(r.signal, 'SIGKILL', `${label}: the CLI was not killed (exit ${r.code})\n${r.stderr}`);
  const phase = killed ? phaseOf(ws) : 'after the run ended';
  totals.killPoints += 1;
  totals.phases.push(`${label}: ${phase}`);
  assertOldOrNew(ws, original, label);
  if (runDirOf(ws)) await assertUndoRestores(ws, original, label);
  else assert.deepEqual(tree(ws), original, `${label}: killed before the run log, so nothing may have changed`);
  // The CLI may have died with requests in flight: the next run starts from a clean slate.
  server.requests.length = 0;
  return { ws, phase };
}

function afterRequest(n) {
  const when = () => until(() => server.requests.length >= n);
  when.mustKill = true;
  return when;
}

// A check that always fails: the core then rolls the run back through the same host writes and
// deletes, newest first (delete src/metrics/counter.js, write back routes.js and config.js,
// re-create src/legacy.js), and those are journaled and killable like any other.
const CHECK_FAILS = ['--verify', 'node -e "process.exit(1)"', '--max-retries', '0'];

// A check that signals it has started (a file outside the workspace holding its process group
// id), then runs until it is killed: the CLI is SIGKILLed while it runs.
const checkMarker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-check-')), 'started');
const CHECK_RUNS = ['--verify', `echo $$ > ${checkMarker}; sleep 30`];
function whileCheckRuns() {
  fs.rmSync(checkMarker, { force: true });
  const when = async () => {
    await until(() => fs.existsSync(checkMarker) && fs.readFileSync(checkMarker, 'utf8').endsWith('\n'));
  };
  when.mustKill = true;
  return when;
}
/** The orphaned check of a killed CLI: its whole process group goes. */
function stopOrphanedCheck() {
  try {
    process.kill(-Number(fs.readFileSync(checkMarker, 'utf8')), 'SIGKILL');
  } catch {
    // already gone
  }
}

// The write phase, point by point (lib/crash-hook.js). The core deletes first, then writes
// src/config.js, src/routes.js and src/metrics/counter.js (in a directory the run creates).
const KILL_POINTS = [
  { label: 'while the --verify check runs', args: CHECK_RUNS, killWhen: whileCheckRuns(), after: stopOrphanedCheck },
  { label: 'after the plan (2nd model request held)', killWhen: afterRequest(2), holdFrom: 2 },
  { label: 'before a delete', env: { RED_EXEC_CRASH_AT: 'before-delete:1' } },
  { label: 'after a delete, before its done record', env: { RED_EXEC_CRASH_AT: 'after-delete:1' } },
  { label: 'a write journaled and backed up, file untouched', env: { RED_EXEC_CRASH_AT: 'after-journal:2' } },
  { label: 'half of a write in its temp file', env: { RED_EXEC_CRASH_AT: 'mid-write:1' } },
  { label: "before a write's rename", env: { RED_EXEC_CRASH_AT: 'before-rename:2' } },
  { label: 'between two writes', env: { RED_EXEC_CRASH_AT: 'after-write:1' } },
  { label: 'before the rename into a new directory', env: { RED_EXEC_CRASH_AT: 'before-rename:3' } },
  { label: 'after the last write, before the result', env: { RED_EXEC_CRASH_AT: 'after-write:3' } },
  { label: "rollback after a failed check: before it deletes the run's new file", args: CHECK_FAILS, env: { RED_EXEC_CRASH_AT: 'before-delete:2' } },
  { label: 'rollback after a failed check: half of a restoring write', args: CHECK_FAILS, env: { RED_EXEC_CRASH_AT: 'mid-write:5' } },
  { label: 'rollback after a failed check: before re-creating the deleted file', args: CHECK_FAILS, env: { RED_EXEC_CRASH_AT: 'before-rename:6' } },
];

for (const point of KILL_POINTS) {
  test(`SIGKILL ${point.label}: every file old or new, --undo restores the tree`, async () => {
    const { ws } = await killAndCheck(point.label, point);
    point.after?.();
    // The crash hook fires inside the write phase, so those runs must have journaled something.
    if (point.env) assert.match(phaseOf(ws), /write phase/);
  });
}


const SEED = 20_250_107;
const TIMELINE_KILLS = 6;

test(`SIGKILL at ${TIMELINE_KILLS} seeded points of a slowed run's time line`, async (t) => {
  const random = seeded(SEED);
  const delays = Array.from({ length: 4 }, () => 40 + Math.floor(random() * 160));
  // One whole run first, to learn how long the slowed run takes on this machine; the kill times
  // are fractions of that (nothing is asserted about time itself).
  serveShop({ delays });
  const ws = makeShop();
  const original = tree(ws);
  const startedAt = Date.now();
  const full = await runCli(shopArgs(server.baseUrl), { cwd: ws });
  const wholeRunMs = Date.now() - startedAt;
  assert.equal(full.code, 0, full.stderr);
  await assertUndoRestores(ws, original, 'the whole slowed run');
  server.requests.length = 0;

  const fractions = Array.from({ length: TIMELINE_KILLS }, (_, i) => (i + random()) / TIMELINE_KILLS).map((f) => 0.1 + f * 0.8);
  for (const f of fractions) {
    const at = Math.round(wholeRunMs * f);
    const label = `time line ${Math.round(f * 100)}%`;
    const killWhen = () => new Promise((res) => setTimeout(res, at));
    const { phase } = await killAndCheck(label, { killWhen, delays });
    t.diagnostic(`${label} (${at} ms of ${wholeRunMs} ms, delays ${delays.join('/')} ms): ${phase}`);
  }
});

// --undo itself killed: the shop run's undo writes back config.js and routes.js, re-creates
// src/legacy.js and removes src/metrics/counter.js (4 steps, 3 of them writes through a temp
// file). Killed after each step and before each rename, every file must be its run's version or
// its original, and the same --undo run again must finish the job.
const UNDO_KILLS = [
  ...[1, 2, 3].map((n) => `undo-before-rename:${n}`),
  ...[1, 2, 3, 4].map((n) => `undo-after-step:${n}`),
];

for (const at of UNDO_KILLS) {
  test(`SIGKILL inside --undo (${at}): every file old or new, a second --undo finishes`, async () => {
    serveShop();
    const ws = makeShop();
    const original = tree(ws);
    const run = await runCli(shopArgs(server.baseUrl), { cwd: ws });
    assert.equal(run.code, 0, run.stderr);
    server.requests.length = 0;
    const killed = await runCli(['--undo'], { cwd: ws, env: { RED_EXEC_CRASH_AT: at } });
    assert.equal(killed.signal, 'SIGKILL', `--undo was not killed (exit ${killed.code})\n${killed.stderr}`);
    assertOldOrNew(ws, original, `--undo killed at ${at}`);
    // It got somewhere: at least one file is back to its original, and the undo is not recorded.
    assert.ok(SHOP_SCOPE.some((rel) => tree(ws)[rel] === original[rel]), 'the killed undo restored nothing');
    assert.equal(fs.existsSync(path.join(runDirOf(ws), 'undo.json')), false);
    await assertUndoRestores(ws, original, `--undo again after a kill at ${at}`);
    totals.undoKills += 1;
  });
}

test('SIGINT between two writes: exit 130, no half write, a result line, --undo restores', async () => {
  serveShop();
  const ws = makeShop();
  const original = tree(ws);
  // The hook sends SIGINT to the CLI itself right after the first write's rename.
  const r = await runCli(shopArgs(server.baseUrl), { cwd: ws, env: { RED_EXEC_CRASH_AT: 'after-write:1:SIGINT' } });
  assert.equal(r.code, 130, r.stderr);
  assert.match(r.stderr, /^red-exec: interrupted$/m);
  assertOldOrNew(ws, original, 'SIGINT between writes');
  // The delete and the first write had happened: the core took both back before it stopped.
  assert.deepEqual(tree(ws), original, 'the run ends as it began');
  const events = fs.readFileSync(path.join(runDirOf(ws), 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const result = events.at(-1);
  assert.equal(result.kind, 'result');
  assert.equal(result.status, 'INTERRUPTED');
  assert.equal(result.error.code, 'interrupted');
  assert.match(result.error.message, /the 2 change\(s\) already made were rolled back/);
  assert.match(r.stdout, /Status:\s+INTERRUPTED/);
  await assertUndoRestores(ws, original, 'SIGINT between writes');
});

test('SIGINT during a slow model call: exit 130, nothing written, a result line, nothing to undo', async () => {
  serveShop({ holdFrom: 3 });
  const ws = makeShop();
  const original = tree(ws);
  const { child, done } = startCli(shopArgs(server.baseUrl), { cwd: ws });
  await until(() => server.requests.length >= 3);
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(tree(ws), original);
  const events = fs.readFileSync(path.join(runDirOf(ws), 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.at(-1).kind, 'result');
  assert.equal(events.at(-1).status, 'INTERRUPTED');
  assert.match(r.stdout, /Status:\s+INTERRUPTED/);
  const undo = await runCli(['--undo'], { cwd: ws });
  assert.equal(undo.code, 0, undo.stderr);
  assert.match(undo.stdout, /changed no file; nothing to undo/);
  server.requests.length = 0;
});

test('RED_EXEC_CRASH_AT that names no point is refused before the run (exit 3)', async () => {
  const ws = makeShop();
  const original = tree(ws);
  const r = await runCli(shopArgs(server.baseUrl), { cwd: ws, env: { RED_EXEC_CRASH_AT: 'somewhere:1' } });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^red-exec: RED_EXEC_CRASH_AT must be <point>:<n>/);
  assert.deepEqual(tree(ws), original);
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), false);
});

test('closing note: how many kill points and file states were checked', (t) => {
  const expected = KILL_POINTS.length + TIMELINE_KILLS;
  assert.equal(totals.killPoints, expected, 'every kill point ran');
  assert.equal(totals.undoKills, UNDO_KILLS.length, 'every --undo kill point ran');
  assert.equal(totals.fileChecks >= (expected + UNDO_KILLS.length) * SHOP_SCOPE.length, true);
  const note = `crash test: ${totals.killPoints} SIGKILL points in a run (${KILL_POINTS.length} named, ${TIMELINE_KILLS} on the time line, seed ${SEED}) and ${totals.undoKills} inside --undo, ${totals.fileChecks} in-scope file states checked byte for byte, ${totals.undone} --undo runs back to the original tree`;
  t.diagnostic(note);
  for (const p of totals.phases) t.diagnostic(p);
  console.log(note);
});
