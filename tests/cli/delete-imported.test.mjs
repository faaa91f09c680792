// A delete never leaves the project broken (issue 13): when a file that stays on disk still
// requires a file the plan deletes, the plan does not land. An importer the plan writes is sent
// back once per retry with the reason; out of retries, or when the importer is a file the run
// does not change (read-only context), the delete is blocked and, by default, the plan with it.
// The fixture (tests/fixtures/tool-migration) is a small CommonJS project: src/index.js requires
// src/tools/index.js, which requires PatchTool.js and ReadTool.js; bin/patch.js requires PatchTool.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { useModelServer, makeWorkspace, runCli, snapshot, lastRunLog, fenced, planJson } from '../support/cli.mjs';

const server = useModelServer();

const TASK = 'Replace the patch tool by a new EditTool: create src/tools/EditTool.js, register it in src/tools/index.js, and delete src/tools/PatchTool.js';
const SCOPE = ['src/tools/index.js', 'src/tools/EditTool.js', 'src/tools/PatchTool.js'];
const PLAN = planJson([
  { path: 'src/tools/index.js', action: 'MODIFY', intent: 'register EditTool instead of PatchTool' },
  { path: 'src/tools/EditTool.js', action: 'CREATE', intent: 'EditTool with run(input)' },
  { path: 'src/tools/PatchTool.js', action: 'DELETE', intent: 'replaced by EditTool' },
]);

const EDIT_TOOL = "'use strict';\n\nclass EditTool {\n  run(input) {\n    return `edited ${input}`;\n  }\n}\n\nmodule.exports = { EditTool };\n";

/** The registry as the model writes it when it forgets the old require (it is never used). */
const INDEX_FORGOT = (extra) => `'use strict';

const { PatchTool } = require('./PatchTool.js');
const { ReadTool } = require('./ReadTool');
const { EditTool } = require('./EditTool');

const tools = {
  edit: new EditTool(),
  read: new ReadTool(),${extra}
};

module.exports = { tools };
`;

const INDEX_DONE = `'use strict';

const { ReadTool } = require('./ReadTool');
const { EditTool } = require('./EditTool');

const tools = {
  edit: new EditTool(),
  read: new ReadTool(),
};

module.exports = { tools };
`;

const args = (...more) => [TASK, '--files', SCOPE.join(','), '--base-url', server.baseUrl, ...more];

/** The project loads with plain Node: the entry point, and the script that uses the tool directly. */
function assertLoads(ws, { bin = true } = {}) {
  const r = spawnSync(process.execPath, ['-e', "require('./src/index.js').run('read', 'x')"], { cwd: ws, encoding: 'utf8' });
  assert.equal(r.status, 0, `src/index.js no longer loads:\n${r.stderr}`);
  if (bin) {
    const b = spawnSync(process.execPath, ['bin/patch.js', 'y'], { cwd: ws, encoding: 'utf8' });
    assert.equal(b.status, 0, `bin/patch.js no longer runs:\n${b.stderr}`);
  }
}

const result = (ws) => lastRunLog(ws).events.at(-1);

test('a registry answer that still requires the deleted file is sent back with the reason, then the plan stops: nothing deleted', async () => {
  const ws = makeWorkspace('tool-migration');
  const before = snapshot(ws);
  server.answer(PLAN).answer(fenced(INDEX_FORGOT(''))).answer(fenced(INDEX_FORGOT('\n  // PatchTool is gone'))).answer(fenced(EDIT_TOOL));
  const r = await runCli(args('--max-retries', '1'), { cwd: ws });
  assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.deepEqual(snapshot(ws), before, 'not one file changed');
  assertLoads(ws);
  assert.match(r.stdout, /^Status: {3}FAILED \(blocked\)$/m);
  assert.match(
    r.stderr,
    /^red-exec: src\/tools\/PatchTool\.js \(DELETE\) was blocked by delete_still_imported \(the plan deletes it, but src\/tools\/index\.js still imports it \(as the run leaves it on disk\)\); nothing was written/,
  );
  // The retry's prompt says why the first answer was refused.
  const prompts = server.requests.map((q) => JSON.stringify(q.body?.messages ?? []));
  assert.equal(prompts.length, 4);
  assert.match(prompts[2], /src\/tools\/index\.js: still imports src\/tools\/PatchTool\.js, which the plan deletes/);
  const end = result(ws);
  assert.deepEqual([end.status, end.error.code], ['FAILED', 'blocked']);
  const by = Object.fromEntries(end.files.map((f) => [f.path, f.outcome]));
  assert.deepEqual(by, { 'src/tools/index.js': 'withheld', 'src/tools/EditTool.js': 'withheld', 'src/tools/PatchTool.js': 'blocked' });
});

test('a delete that a read-only file still requires is blocked even when every answer is right', async () => {
  const ws = makeWorkspace('tool-migration');
  const before = snapshot(ws);
  server.answer(PLAN).answer(fenced(INDEX_DONE)).answer(fenced(EDIT_TOOL));
  const r = await runCli(args('--read', 'bin/patch.js'), { cwd: ws });
  assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.deepEqual(snapshot(ws), before, 'not one file changed');
  assertLoads(ws);
  assert.match(r.stderr, /src\/tools\/PatchTool\.js \(DELETE\) was blocked by delete_still_imported \(the plan deletes it, but bin\/patch\.js still imports it/);
  const violations = fs.readFileSync(path.join(ws, '.red-exec-logs', 'violations.jsonl'), 'utf8');
  assert.match(violations, /"rule":"delete_still_imported"/);
});

test('once nothing left on disk needs it, the same plan lands: OK, the file is gone, the project loads', async () => {
  const ws = makeWorkspace('tool-migration');
  fs.rmSync(path.join(ws, 'bin'), { recursive: true });
  server.answer(PLAN).answer(fenced(INDEX_DONE)).answer(fenced(EDIT_TOOL));
  const r = await runCli(args(), { cwd: ws });
  assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stdout, /^Status: {3}OK$/m);
  assert.equal(fs.existsSync(path.join(ws, 'src/tools/PatchTool.js')), false);
  assert.equal(fs.readFileSync(path.join(ws, 'src/tools/index.js'), 'utf8'), INDEX_DONE);
  assertLoads(ws, { bin: false });
});
