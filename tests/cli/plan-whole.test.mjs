// A plan is the unit of application (issue 13): when one file of it is blocked, nothing is
// written; --partial keeps only what does not need the blocked file, and no delete that a file
// left on disk still imports. The fixture is a small CommonJS project (tests/fixtures/health-plan):
// server.js requires util.js, which requires legacy-log.js.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { useModelServer, makeWorkspace, runCli, snapshot, lastRunLog, fenced, planJson } from '../support/cli.mjs';

const server = useModelServer();

const TASK = 'Add a GET /health route, served by a new src/health.js; log with a timestamp and delete src/legacy-log.js';
const SCOPE = ['src/server.js', 'src/health.js', 'src/util.js', 'src/legacy-log.js'];

const PLAN = planJson([
  { path: 'src/server.js', action: 'MODIFY', intent: 'route GET /health to health()' },
  { path: 'src/health.js', action: 'CREATE', intent: 'health() answers { status: "ok" }' },
  { path: 'src/util.js', action: 'MODIFY', intent: 'prefix a timestamp' },
  { path: 'src/legacy-log.js', action: 'DELETE', intent: 'no longer needed' },
]);

/** server.js as the model writes it: it now requires the new health.js. */
const SERVER_WITH_HEALTH = `'use strict';

const http = require('http');
const { log } = require('./util');
const { health } = require('./health');

const routes = {
  'GET /': () => ({ hello: 'world' }),
  'GET /health': () => health(),
};

function createServer() {
  return http.createServer((req, res) => {
    const handler = routes[\`\${req.method} \${req.url}\`];
    log(\`\${req.method} \${req.url}\`);
    res.writeHead(handler ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(handler ? handler() : { error: 'not found' }));
  });
}

module.exports = { createServer, routes };
`;

/** health.js with a syntax error: the gate blocks it (and --max-retries 0 gives it no second try). */
const BROKEN_HEALTH = "'use strict';\n\nfunction health() {\n  return { status: 'ok' ;\n}\n\nmodule.exports = { health };\n";

/** util.js passes the gate, and still requires legacy-log.js, which the plan deletes. */
const UTIL_WITH_TIMESTAMP = `'use strict';

const { write } = require('./legacy-log');

function log(message) {
  write(\`\${new Date().toISOString()} \${message}\`);
}

module.exports = { log };
`;

function script() {
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH)).answer(fenced(BROKEN_HEALTH)).answer(fenced(UTIL_WITH_TIMESTAMP));
}

const args = (...more) => [TASK, '--files', SCOPE.join(','), '--base-url', server.baseUrl, '--max-retries', '0', ...more];

/** Every file of the project loads with plain Node: the proof that nothing broken was written. */
function assertLoads(ws) {
  const r = spawnSync(process.execPath, ['-e', "for (const f of ['server', 'util']) require(`./src/${f}.js`);"], { cwd: ws, encoding: 'utf8' });
  assert.equal(r.status, 0, `the project no longer loads:\n${r.stderr}`);
}

function outcomes(ws) {
  const result = lastRunLog(ws).events.at(-1);
  return { result, by: Object.fromEntries(result.files.map((f) => [f.path, f])) };
}

test('a blocked CREATE stops the whole plan: FAILED (blocked), exit 1, nothing written or deleted', async () => {
  const ws = makeWorkspace('health-plan');
  const before = snapshot(ws);
  script();
  const r = await runCli(args(), { cwd: ws });
  assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.deepEqual(snapshot(ws), before, 'not one file changed');
  assertLoads(ws);
  assert.match(r.stdout, /^Status: {3}FAILED \(blocked\)$/m);
  assert.match(r.stdout, /^Withheld: src\/legacy-log\.js, src\/server\.js, src\/util\.js$/m);
  assert.match(r.stdout, /^Blocked: {2}CREATE src\/health\.js: \[syntax\]/m);
  // The one stderr line says which file and which rule stopped the run.
  assert.match(r.stderr, /^red-exec: src\/health\.js \(CREATE\) was blocked by syntax \(.+\); nothing was written: a plan is applied whole .*\[blocked\]\n$/);
  const { result, by } = outcomes(ws);
  assert.deepEqual([result.status, result.error.code], ['FAILED', 'blocked']);
  assert.deepEqual(
    SCOPE.map((p) => by[p].outcome),
    ['withheld', 'blocked', 'withheld', 'withheld'],
  );
  assert.equal(result.counts.withheld, 3);
  assert.match(by['src/legacy-log.js'].error, /^not deleted: src\/health\.js was blocked, and a plan is applied whole/);
});

test('--partial keeps what does not need the blocked file: not server.js, and not a delete util.js still needs', async () => {
  const ws = makeWorkspace('health-plan');
  const before = snapshot(ws);
  script();
  const r = await runCli(args('--partial'), { cwd: ws });
  assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.match(r.stdout, /^Status: {3}PARTIAL$/m);
  const after = snapshot(ws);
  assert.equal(after['src/server.js'], before['src/server.js'], 'server.js requires the blocked health.js: not written');
  assert.equal(after['src/health.js'], undefined);
  assert.equal(after['src/legacy-log.js'], before['src/legacy-log.js'], 'the kept util.js still requires legacy-log.js: not deleted');
  assert.equal(fs.readFileSync(path.join(ws, 'src/util.js'), 'utf8'), UTIL_WITH_TIMESTAMP);
  assertLoads(ws);
  const { result, by } = outcomes(ws);
  assert.equal(result.status, 'PARTIAL');
  assert.equal(by['src/util.js'].outcome, 'written');
  assert.equal(by['src/server.js'].outcome, 'withheld');
  assert.equal(by['src/server.js'].error, 'not written: it imports src/health.js, which is not written');
  assert.equal(by['src/legacy-log.js'].outcome, 'withheld');
  assert.equal(by['src/legacy-log.js'].error, 'not deleted: src/util.js still imports it');
});
