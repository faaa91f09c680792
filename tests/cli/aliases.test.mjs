// One file, one unit: two names of one file in scope (a symbolic link and its target, a linked
// directory, hard links) are merged before the core plans, so the run writes the file once and
// says which names it merged. A hard-linked file is written by rename: the report says that the
// other names keep the old text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, lastRunLog, fenced, planJson } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const server = useModelServer();
const TASK = 'Add a GET /health route';
const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const ORIGINAL = read(path.join(import.meta.dirname, '..', 'fixtures', 'express-app'), 'src/server.js');

function run(ws, args) {
  return runCli([TASK, ...args, '--json', '--base-url', server.baseUrl], { cwd: ws });
}


const cases = [
  { name: 'a symbolic link and its target in --files', link: ['src/app.js', 'server.js'], args: ['--files', 'src/server.js,src/app.js'], unit: 'src/server.js', merged: 'src/app.js' },
  { name: 'the link listed first', link: ['src/app.js', 'server.js'], args: ['--files', 'src/app.js,src/server.js'], unit: 'src/server.js', merged: 'src/app.js' },
  { name: 'the link in --files, its target in --read', link: ['src/app.js', 'server.js'], args: ['--files', 'src/app.js', '--read', 'src/server.js'], unit: 'src/app.js', merged: 'src/server.js' },
  { name: 'a linked directory', link: ['lib', 'src'], args: ['--files', 'lib/server.js,src/server.js'], unit: 'src/server.js', merged: 'lib/server.js' },
];

for (const c of cases) {
  test(`${c.name}: one unit, one write, the link still a link, the merge reported`, async () => {
    const ws = makeWorkspace();
    fs.symlinkSync(c.link[1], path.join(ws, c.link[0]));
    server.answer(planJson([{ path: c.unit, action: 'MODIFY', intent: 'add GET /health' }])).answer(fenced(SERVER_WITH_HEALTH));
    const r = await run(ws, c.args);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout);
    assert.deepEqual(result.files.map((f) => [f.path, f.outcome]), [[c.unit, 'written']]);
    // The aliases are one file in scope: its plan is derived, so one generate call and no plan call.
    assert.equal(server.requests.length, 1, 'one generate call');
    assert.equal(fs.lstatSync(path.join(ws, c.link[0])).isSymbolicLink(), true, 'the link is still a link');
    assert.equal(fs.readlinkSync(path.join(ws, c.link[0])), c.link[1]);
    assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
    const warning = result.warnings.find((w) => w.code === 'alias_merged');
    assert.ok(warning, JSON.stringify(result.warnings));
    assert.equal(warning.path, c.unit);
    assert.match(warning.message, new RegExp(`"${c.merged}"`));
    const start = lastRunLog(ws).events.find((e) => e.kind === 'host_start');
    assert.deepEqual(start.cli.aliases, [{ path: c.unit, aliases: [c.merged] }]);
  });
}

test('two names of a hard-linked file: one unit, and a warning that the rename breaks the link', async () => {
  const ws = makeWorkspace();
  fs.linkSync(path.join(ws, 'src/server.js'), path.join(ws, 'src/server-copy.js'));
  server.answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }])).answer(fenced(SERVER_WITH_HEALTH));
  const r = await run(ws, ['--files', 'src/server.js,src/server-copy.js']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(result.files.map((f) => f.path), ['src/server.js']);
  assert.deepEqual(result.warnings.map((w) => w.code).sort(), ['alias_merged', 'hard_link']);
  assert.match(result.warnings.find((w) => w.code === 'hard_link').message, /2 names.*other names keep the old one/);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.equal(read(ws, 'src/server-copy.js'), ORIGINAL, 'as the warning says');
});

test('a hard-linked file whose other name is out of scope: warned in the console report too', async () => {
  const ws = makeWorkspace();
  fs.linkSync(path.join(ws, 'src/server.js'), path.join(ws, 'server-backup.js'));
  server.answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }])).answer(fenced(SERVER_WITH_HEALTH));
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /src\/server\.js.*2 names on disk \(hard links\)/);
  assert.equal(read(ws, 'server-backup.js'), ORIGINAL);
});

test('control: two different files stay two units, with no warning', async () => {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }, { path: 'src/greet.js', action: 'MODIFY', intent: 'same' }]))
    .answer(fenced(SERVER_WITH_HEALTH))
    .answer(fenced(read(ws, 'src/greet.js')));
  const r = await run(ws, ['--files', 'src/server.js,src/greet.js']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const result = JSON.parse(r.stdout);
  assert.equal(result.files.length, 2);
  assert.deepEqual(result.warnings, []);
});
