// A written file never imports a module that is not there (gate rule import_resolves): seen live,
// a new tool required './utils', which nobody created, and its registry and the CLI stopped
// loading while the run said OK. The core asks the host about relative import targets it has not
// read; a write that imports a missing module is blocked, and by default the plan with it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useModelServer, makeWorkspace, runCli, snapshot, lastRunLog, fenced, planJson } from '../support/cli.mjs';

const server = useModelServer();

const TASK = 'Add an EditTool: create src/tools/EditTool.js and register it in src/tools/index.js as edit';
const SCOPE = ['src/tools/index.js', 'src/tools/EditTool.js'];
const PLAN = planJson([
  { path: 'src/tools/index.js', action: 'MODIFY', intent: 'register EditTool as edit' },
  { path: 'src/tools/EditTool.js', action: 'CREATE', intent: 'EditTool with run(input)' },
]);

const editTool = (from) => `'use strict';\n\nconst { ReadTool } = require('${from}');\n\nclass EditTool {\n  run(input) {\n    return \`edited \${new ReadTool().run(input)}\`;\n  }\n}\n\nmodule.exports = { EditTool };\n`;

const INDEX = `'use strict';

const { PatchTool } = require('./PatchTool.js');
const { ReadTool } = require('./ReadTool');
const { EditTool } = require('./EditTool');

const tools = {
  patch: new PatchTool(),
  read: new ReadTool(),
  edit: new EditTool(),
};

module.exports = { tools };
`;

const args = () => [TASK, '--files', SCOPE.join(','), '--base-url', server.baseUrl];
const loads = (ws) => spawnSync(process.execPath, ['-e', "require('./src/index.js')"], { cwd: ws, encoding: 'utf8' });

test('a new file that requires a module nobody creates is blocked, and the registry that needs it is not written', async () => {
  const ws = makeWorkspace('tool-migration');
  const before = snapshot(ws);
  server.answer(PLAN).answer(fenced(INDEX)).answer(fenced(editTool('./text-utils')));
  const r = await runCli(args(), { cwd: ws });
  assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.deepEqual(snapshot(ws), before, 'not one file changed');
  assert.equal(loads(ws).status, 0, 'the project still loads');
  assert.match(r.stderr, /src\/tools\/EditTool\.js \(CREATE\) was blocked by import_resolves \(imports \.\/text-utils, which is not in the workspace and which the plan does not create\); nothing was written/);
  const end = lastRunLog(ws).events.at(-1);
  const by = Object.fromEntries(end.files.map((f) => [f.path, f.outcome]));
  assert.deepEqual(by, { 'src/tools/EditTool.js': 'blocked', 'src/tools/index.js': 'withheld' });
});

test('a module on disk outside the scope is found by asking the host: both files written, the project loads', async () => {
  const ws = makeWorkspace('tool-migration');
  server.answer(PLAN).answer(fenced(INDEX)).answer(fenced(editTool('./ReadTool')));
  const r = await runCli(args(), { cwd: ws });
  assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const l = loads(ws);
  assert.equal(l.status, 0, l.stderr);
});
