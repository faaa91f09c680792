// A written file never imports a name its module does not export (gate rule
// import_names_exported): seen live, a registry imported `range` from the file a unit before had
// written as `rangeRule`; the run said OK and the registry no longer loaded. The importer is asked
// again with the names the module has; out of retries it is blocked, and the plan with it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { useModelServer, makeWorkspace, runCli, snapshot, lastRunLog, fenced } from '../support/cli.mjs';

const server = useModelServer();

const TASK = 'Add an EditTool: create src/tools/EditTool.js and register it in src/tools/index.js as edit';
const SCOPE = ['src/tools/index.js', 'src/tools/EditTool.js'];

// The new file exports its class under another name than the registry will ask for.
const EDIT_TOOL = `'use strict';\n\nconst { ReadTool } = require('./ReadTool');\n\nclass Editor {\n  run(input) {\n    return \`edited \${new ReadTool().run(input)}\`;\n  }\n}\n\nmodule.exports = { Editor };\n`;

const index = (binding) => `'use strict';

const { PatchTool } = require('./PatchTool.js');
const { ReadTool } = require('./ReadTool');
const { ${binding} } = require('./EditTool');

const tools = {
  patch: new PatchTool(),
  read: new ReadTool(),
  edit: new EditTool(),
};

module.exports = { tools };
`;

const args = () => [TASK, '--files', SCOPE.join(','), '--base-url', server.baseUrl];
const loads = (ws) => spawnSync(process.execPath, ['-e', "require('./src/tools/index.js').tools.edit.run('x')"], { cwd: ws, encoding: 'utf8' });

test('a registry that imports a name the new file does not export is sent back with the names it has; the retry loads', async () => {
  const ws = makeWorkspace('tool-migration');
  server.answer(fenced(EDIT_TOOL)).answer(fenced(index('EditTool'))).answer(fenced(index('Editor: EditTool')));
  const r = await runCli(args(), { cwd: ws });
  assert.equal(r.code, 0, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const l = loads(ws);
  assert.equal(l.status, 0, l.stderr);
  const calls = server.requests.filter((q) => q.marker?.stage === 'L3' && q.marker?.path === 'src/tools/index.js');
  assert.equal(calls.length, 2);
  assert.match(
    calls[1].body.messages.at(-1).content,
    /REJECTED: `\.\/EditTool` does not export `EditTool` \(it exports `Editor`\): import a name it exports, or define what you need in this file/,
  );
});

test('out of retries, the registry is blocked naming the name, and nothing is written', async () => {
  const ws = makeWorkspace('tool-migration');
  const before = snapshot(ws);
  server.answer(fenced(EDIT_TOOL));
  for (const extra of ['', '\n', '\n\n']) server.answer(fenced(index('EditTool') + extra));
  const r = await runCli([...args(), '--json'], { cwd: ws });
  assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.equal(server.pending, 0, 'every retry was asked for');
  assert.deepEqual(snapshot(ws), before, 'not one file changed');
  const report = JSON.parse(r.stdout);
  const by = Object.fromEntries(report.files.map((f) => [f.path, f.outcome]));
  assert.deepEqual(by, { 'src/tools/EditTool.js': 'withheld', 'src/tools/index.js': 'blocked' });
  const blocked = report.files.find((f) => f.path === 'src/tools/index.js');
  assert.deepEqual(blocked.violations.at(-1), {
    rule: 'import_names_exported',
    message: 'src/tools/index.js: imports `EditTool` from ./EditTool, which does not export it',
  });
  assert.equal(lastRunLog(ws).events.at(-1).files.length, 2);
});
