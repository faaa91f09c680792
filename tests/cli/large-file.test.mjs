// Large files through the CLI (issue 20): the read limit is an option (--max-file-bytes,
// .red-exec.json maxFileBytes) whose default lets a file of several MB be gated; what goes to the
// model is the context budget's call (the plan names a section, the model sees that section and
// an outline), not the read limit's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, fenced, planJson } from '../support/cli.mjs';

const server = useModelServer();

const GREET = "function greet(name) {\n  return 'hello ' + name;\n}\n";
const LOUD = "function greet(name) {\n  return 'HELLO ' + name.toUpperCase();\n}\n";

/** Over 3 MB: one large data statement, then a small function the task changes. */
function bigFile() {
  const rows = Array.from({ length: 60_000 }, (_, i) => `  ['row ${i}', ${i}, 'a value that makes the table long'],\n`).join('');
  return `'use strict';\n\nconst TABLE = [\n${rows}];\n\n${GREET}\nmodule.exports = { TABLE, greet };\n`;
}

function workspace(config) {
  const ws = makeWorkspace(null);
  fs.mkdirSync(path.join(ws, 'src'));
  fs.writeFileSync(path.join(ws, 'src', 'big.js'), bigFile());
  if (config) fs.writeFileSync(path.join(ws, '.red-exec.json'), JSON.stringify(config));
  return ws;
}

const TASK = 'Make greet() shout, and keep the table as it is';
const PLAN = planJson([{ path: 'src/big.js', action: 'MODIFY', intent: 'greet() shouts', sections: ['greet'] }]);
const args = (...more) => [TASK, '--files', 'src/big.js', '--base-url', server.baseUrl, '--json', ...more];

test('a file over 2 MB is read, gated and written by default; the model sees the section, not the file', async () => {
  const ws = workspace();
  const before = fs.readFileSync(path.join(ws, 'src', 'big.js'), 'utf8');
  assert.ok(Buffer.byteLength(before) > 3 * 1024 * 1024, 'the file must be over the old 2 MB limit');
  server.answer(PLAN).answer(fenced(LOUD));
  const r = await runCli(args(), { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).status, 'OK');
  assert.equal(fs.readFileSync(path.join(ws, 'src', 'big.js'), 'utf8'), before.replace(GREET, LOUD));
  // Every prompt stayed far under the file: the default context budget (24000 tokens) held.
  assert.equal(server.requests.length, 2);
  for (const req of server.requests) {
    const size = JSON.stringify(req.body.messages).length;
    assert.ok(size < 100_000, `a prompt of ${size} bytes`);
  }
});

test('--max-file-bytes and maxFileBytes set the read limit: a file over it is refused before any call', async () => {
  for (const [config, more] of [
    [null, ['--max-file-bytes', '2097152']],
    [{ maxFileBytes: 2097152 }, []],
  ]) {
    const ws = workspace(config);
    const before = fs.readFileSync(path.join(ws, 'src', 'big.js'), 'utf8');
    const r = await runCli(args(...more), { cwd: ws });
    assert.equal(r.code, 4, r.stderr);
    const size = Buffer.byteLength(before);
    assert.match(JSON.parse(r.stdout).error.message, new RegExp(`^src/big\\.js: ${size} bytes, over the limit for a file in scope \\(2097152 bytes\\)`));
    assert.equal(server.requests.length, 0);
    assert.equal(fs.readFileSync(path.join(ws, 'src', 'big.js'), 'utf8'), before);
  }
});

test('--max-file-bytes takes a whole number of bytes up to 32 MiB', async () => {
  for (const bad of ['0', '1.5', '33554433', 'lots']) {
    const r = await runCli([TASK, '--files', 'src/big.js', '--max-file-bytes', bad], { cwd: makeWorkspace(null) });
    assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--max-file-bytes/);
  }
});
