// A full disk (ENOSPC) in the workspace or in .red-exec-logs/: exit 8, one line on stderr (no
// stack trace), every file old or new (here: old, the run's changes rolled back or never made),
// and the run's log ends with its result, so --runs never shows it unfinished.
//
// The disks are real: small tmpfs mounts, filled by the loopback model server at the moment it
// answers, so the run meets the full disk at a known step. Mounting needs root and a sandbox
// that allows it; where it is impossible the tests skip with the reason, except under CI=true,
// where they must run (the CI machine is the same kind as the one they were written on).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, fenced, planJson, LOG_DIR, FIXTURES } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH, GREET_WITH_BYE } from '../support/answers.mjs';

const server = useModelServer();
const mounts = [];
const ownDirs = [];

/** A fresh 1 MiB tmpfs (at `at`, made if needed, else a new temp directory), or throws (with the reason) where mounting is not allowed. */
function mountTmpfs(at) {
  const dir = at ?? fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-full-disk-'));
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot mount a tmpfs (${String(err.stderr || err.message).trim()})`);
  }
  mounts.push(dir);
  return dir;
}

after(() => {
  // Last mounted first: a log disk may be mounted inside a workspace disk.
  for (const dir of mounts.splice(0).reverse()) {
    execFileSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const dir of ownDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

let skip = false;
try {
  mountTmpfs();
} catch (err) {
  if (process.env.CI === 'true') throw err;
  skip = `${err.message}: run as root where mount is allowed (required under CI=true)`;
}

/** Fill `disk` to the last byte, then free `leave` bytes (a spacer made first: tmpfs counts pages). */
function fill(disk, leave = 0) {
  const spacer = path.join(disk, 'spacer');
  if (leave > 0) fs.writeFileSync(spacer, Buffer.alloc(leave));
  const fd = fs.openSync(path.join(disk, `filler-${Math.random().toString(16).slice(2)}`), 'a');
  for (const size of [65536, 4096, 1]) {
    try {
      for (;;) fs.writeSync(fd, Buffer.alloc(size, 120));
    } catch (err) {
      assert.equal(err.code, 'ENOSPC');
    }
  }
  fs.closeSync(fd);
  fs.rmSync(spacer, { force: true });
}

/**
 * The express-app workspace on `disk`, or a normal one; with `logs`, its log directory is a disk
 * of its own mounted there (not a symbolic link: red-exec follows none for its own files).
 * Returns the workspace; workspaceOn.logs is the log disk's directory.
 */
function workspaceOn(disk, logs) {
  let ws;
  if (disk) {
    ws = fs.mkdtempSync(path.join(disk, 'ws-'));
    fs.cpSync(path.join(FIXTURES, 'express-app'), ws, { recursive: true });
  } else if (logs) {
    // Not makeWorkspace's: its cleanup would run while the log disk is still mounted inside.
    ws = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-full-disk-ws-'));
    fs.cpSync(path.join(FIXTURES, 'express-app'), ws, { recursive: true });
    ownDirs.push(ws);
  } else ws = makeWorkspace();
  if (logs) workspaceOn.logs = mountTmpfs(path.join(ws, LOG_DIR));
  return ws;
}

/** Exit 8 and exactly one stderr line, without a stack trace; returns the line. */
function assertOneLine(r) {
  assert.equal(r.code, 8, r.stderr + r.stdout);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
  assert.match(lines[0], /^red-exec: .*no space left on device/);
  return lines[0];
}

/** The last run's log: every line whole JSON, the last one its result. */
function assertLogFinished(ws, status = 'FAILED') {
  const base = path.join(ws, LOG_DIR);
  const id = fs.readFileSync(path.join(base, 'last-run'), 'utf8').trim();
  const lines = fs.readFileSync(path.join(base, id, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
  const events = lines.map((l) => JSON.parse(l));
  assert.equal(events.at(-1).kind, 'result');
  assert.equal(events.at(-1).status, status);
  assert.equal(events.at(-1).error.code, 'write_failed');
  assert.equal(fs.existsSync(path.join(base, id, '.reserve')), false, 'the reserve is released');
  return { id, events };
}

const PLAN = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);
// Larger than the free pages of a file being appended to: its log line cannot squeeze in.
const BIG = `${SERVER_WITH_HEALTH}// ${'padding '.repeat(6000)}\n`;

test('the workspace fills up at the write: exit 8, one line, the file old, the result logged', { skip }, async () => {
  const disk = mountTmpfs();
  const ws = workspaceOn(disk, true);
  const before = snapshot(ws);
  server.answer(PLAN).dynamic(() => (fill(disk), fenced(SERVER_WITH_HEALTH)));
  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.match(assertOneLine(r), /src\/server\.js: ENOSPC/);
  assert.deepEqual(snapshot(ws), before);
  assertLogFinished(ws);
});

test('the workspace fills up at the second of two writes: the first is rolled back, both files old, exit 8', { skip }, async () => {
  const disk = mountTmpfs();
  const ws = workspaceOn(disk, true);
  const before = snapshot(ws);
  server
    .answer(planJson([{ path: 'src/greet.js', action: 'MODIFY', intent: 'add bye' }, { path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]))
    .answer(fenced(GREET_WITH_BYE))
    // Room for the small first write (and its rollback), not for the large second one.
    .dynamic(() => (fill(disk, 16384), fenced(BIG)));
  const r = await runCli(['Add bye and /health', '--files', 'src/greet.js,src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.match(assertOneLine(r), /src\/server\.js: ENOSPC.*rolled back/);
  assert.match(r.stdout, /Restored: src\/greet\.js/);
  assert.deepEqual(snapshot(ws), before);
  assertLogFinished(ws);
});

test('.red-exec-logs/ fills up mid-run: exit 8, one line, nothing changed, no torn log line, a result line, --runs says FAILED', { skip }, async () => {
  const ws = workspaceOn(null, true);
  const logs = workspaceOn.logs;
  const before = snapshot(ws);
  server.answer(PLAN).dynamic(() => (fill(logs), fenced(BIG)));
  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.match(assertOneLine(r), /the run log \.red-exec-logs\/\S+\/events\.jsonl could not be written: no space left on device \(ENOSPC\); the run stopped there, no file was changed/);
  assert.match(r.stdout, /Status:\s+FAILED \(write_failed\)/);
  assert.deepEqual(snapshot(ws), before);
  const { id } = assertLogFinished(ws);
  const runs = await runCli(['--runs', '--json'], { cwd: ws });
  assert.equal(runs.code, 0, runs.stderr);
  assert.deepEqual(JSON.parse(runs.stdout).runs.map((x) => [x.runId ?? x.id, x.status]), [[id, 'FAILED']]);
});

test('workspace and .red-exec-logs/ on one disk that fills up mid-run: exit 8, one line, nothing changed, the result logged', { skip }, async () => {
  const disk = mountTmpfs();
  const ws = workspaceOn(disk);
  const before = snapshot(ws);
  server.answer(PLAN).dynamic(() => (fill(disk), fenced(BIG)));
  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assertOneLine(r);
  assert.deepEqual(snapshot(ws), before);
  assertLogFinished(ws);
});

test('.red-exec-logs/ already full: exit 8 before any model call, nothing changed', { skip }, async () => {
  const ws = workspaceOn(null, true);
  const logs = workspaceOn.logs;
  fill(logs);
  const before = snapshot(ws);
  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  // The workspace lock is the first thing a run writes there.
  assert.match(assertOneLine(r), /cannot take the workspace lock \.red-exec-logs\/lock \(no space left on device, ENOSPC\); nothing was changed/);
  assert.equal(fs.existsSync(path.join(ws, '.red-exec-logs', 'lock')), false, 'no empty lock left behind');
  assert.equal(server.requests.length, 0, 'no token spent');
  assert.deepEqual(snapshot(ws), before);
});
