// Issue 18: a directory the task names joins as read-only outlines of its script files, listed by
// the Node host inside the workspace only, without what .gitignore ignores, node_modules/, .git/
// and the tool's own files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useModelServer, makeTempDir, runCli, fenced, planJson } from '../support/cli.mjs';

const server = useModelServer();

function write(root, rel, text) {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

const module = (name, body) => `'use strict';\nfunction ${name}(ticket) {\n  ${body}\n}\nmodule.exports = { ${name} };\n`;
const ANSWER = fenced("'use strict';\nfunction triage(ticket) {\n  return ticket.severity > 3 ? 'oncall' : 'queue';\n}\nmodule.exports = { triage };\n");

function workspace() {
  const ws = makeTempDir();
  write(ws, 'package.json', '{ "name": "desk", "type": "commonjs" }\n');
  write(ws, '.gitignore', 'lib/triage/generated/\n');
  write(ws, 'lib/triage/intake.js', module('intakeTicket', "return { ...ticket, level: ticket.severity > 3 ? 'high' : 'low' };"));
  write(ws, 'lib/triage/rules/route.js', module('routeTicket', "return ticket.level === 'high' ? 'ONCALL_ROTA' : 'queue';"));
  write(ws, 'lib/triage/.gitignore', 'scratch.js\n');
  write(ws, 'lib/triage/scratch.js', module('scratchPad', 'return SCRATCH_BODY;'));
  write(ws, 'lib/triage/generated/table.js', module('generatedTable', 'return GENERATED_BODY;'));
  write(ws, 'lib/triage/node_modules/dep/index.js', module('vendoredDep', 'return 1;'));
  write(ws, 'lib/triage/README.md', '# Triage\n');
  write(ws, 'lib/other.js', module('notInTheDirectory', 'return 0;'));
  return ws;
}

test('a task-named directory joins as outlines of its script files, without what .gitignore ignores', async () => {
  const ws = workspace();
  // A file outside the workspace, linked from inside the directory: never listed.
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-outside-'));
  try {
    fs.writeFileSync(path.join(outside, 'leak.js'), module('leakedOutside', 'return 2;'));
    fs.symlinkSync(path.join(outside, 'leak.js'), path.join(ws, 'lib/triage/leak.js'));
    server.answer(ANSWER);
    const task = 'Study the triage system at `lib/triage/` and create src/triage.js exporting triage(ticket) that routes the same way.';
    const r = await runCli([task, '--files', 'src/triage.js', '--base-url', server.baseUrl, '--json'], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests.length, 1, 'a derived plan: one call');
    const prompt = server.requests[0].body.messages.map((m) => m.content).join('\n');
    assert.match(prompt, /READ-ONLY FILE lib\/triage\/intake\.js \(outline only\):/);
    assert.match(prompt, /READ-ONLY FILE lib\/triage\/rules\/route\.js \(outline only\):/);
    assert.match(prompt, /function intakeTicket\(ticket\)/);
    assert.match(prompt, /function routeTicket\(ticket\)/);
    // Outlines, not bodies.
    assert.doesNotMatch(prompt, /ONCALL_ROTA/);
    // Ignored by lib/triage/.gitignore and by the root .gitignore; node_modules; a link out; outside the directory; no script.
    for (const absent of ['scratchPad', 'SCRATCH_BODY', 'generatedTable', 'vendoredDep', 'leakedOutside', 'notInTheDirectory', 'README.md']) {
      assert.ok(!prompt.includes(absent), `${absent} is not in the prompt`);
    }
    assert.deepEqual(fs.readdirSync(path.join(ws, 'src')), ['triage.js']);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('a task-named directory that is a symbolic link out of the workspace brings nothing', async () => {
  const ws = workspace();
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-outside-'));
  try {
    fs.writeFileSync(path.join(outside, 'secret.js'), module('outsideSecret', 'return 3;'));
    fs.symlinkSync(outside, path.join(ws, 'linked'));
    server.answer(ANSWER);
    const task = 'Study the code at linked/ and create src/triage.js exporting triage(ticket).';
    const r = await runCli([task, '--files', 'src/triage.js', '--base-url', server.baseUrl, '--json'], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    const prompt = server.requests[0].body.messages.map((m) => m.content).join('\n');
    assert.ok(!prompt.includes('outsideSecret') && !prompt.includes('READ-ONLY FILE'), prompt);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});

test('the planner is shown the task-named directory too: outlines of its files, without what .gitignore ignores, never as files to plan', async () => {
  const ws = workspace();
  write(ws, 'src/index.js', "'use strict';\nmodule.exports = {};\n");
  server
    .answer(planJson([
      { path: 'src/triage.js', action: 'CREATE', intent: 'triage(ticket) routing as routeTicket does' },
      { path: 'src/index.js', action: 'MODIFY', intent: 'export triage' },
    ]))
    .answer(ANSWER)
    .answer(fenced("'use strict';\nconst { triage } = require('./triage');\nmodule.exports = { triage };\n"));
  // The task leaves the index unnamed, so the plan is the planner's to make (a plan call), not derived.
  const task = 'Study the triage system at lib/triage/ and create src/triage.js exporting triage(ticket), exported from the package entry too.';
  const r = await runCli([task, '--files', 'src/triage.js,src/index.js', '--base-url', server.baseUrl, '--json'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const l1 = server.requests.find((q) => q.marker?.stage === 'L1');
  assert.ok(l1, 'a plan call');
  const user = l1.body.messages.at(-1).content;
  const at = user.indexOf('IN THE DIRECTORIES THE TASK NAMES (read-only, never plan these; outlines):');
  assert.ok(at > user.indexOf('FILES IN SCOPE:'), user);
  const dirs = user.slice(at);
  assert.match(dirs, /- lib\/triage\/intake\.js:\n {4}function intakeTicket\(ticket\)/);
  assert.match(dirs, /- lib\/triage\/rules\/route\.js:\n {4}function routeTicket\(ticket\)/);
  for (const absent of ['ONCALL_ROTA', 'scratchPad', 'generatedTable', 'vendoredDep', 'notInTheDirectory']) {
    assert.ok(!user.includes(absent), `${absent} is not in the plan prompt`);
  }
});
