// Files the host refuses to hand to the core: each is an input error (exit 4), the model
// is never asked, and nothing in the workspace changes. Single files of each kind (directory,
// binary, not UTF-8, too large, a link outward) are rows of bad-input.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, lastRunLog, FIXTURES } from '../support/cli.mjs';

const server = useModelServer();

/** A workspace with the odd files copied next to the app. */
function oddWorkspace() {
  const ws = makeWorkspace();
  fs.cpSync(path.join(FIXTURES, 'odd-files'), path.join(ws, 'odd'), { recursive: true });
  return ws;
}

async function refused(ws, files) {
  const before = snapshot(ws);
  const r = await runCli(['Tidy these files', '--files', ...files, '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 4, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^red-exec: /);
  assert.equal(server.requests.length, 0, 'the model is not asked about unreadable input');
  assert.deepEqual(snapshot(ws), before);
  const result = lastRunLog(ws).events.at(-1);
  assert.equal(result.status, 'FAILED');
  assert.match(result.error.code, /^input_/);
  return { ...r, line: lines[0], result };
}

test('a new file under a symlinked directory that leads outside', async () => {
  const ws = makeWorkspace();
  const outside = makeTempDir();
  fs.symlinkSync(outside, path.join(ws, 'vendor'));
  const r = await refused(ws, ['vendor/new.js']);
  assert.match(r.line, /vendor\/new\.js/);
  assert.deepEqual(fs.readdirSync(outside), []);
});

test('one bad file spoils the run even next to good ones', async () => {
  const r = await refused(oddWorkspace(), ['odd/ok.js', 'odd/blob.js']);
  assert.match(r.line, /odd\/blob\.js/);
});
