// Answers taken rightly, through the real CLI against a loopback model: the block that is the
// file among several, content that holds a code fence, and --gate warn's warnings on the console.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, makeWorkspace, runCli, fenced, planJson } from '../support/cli.mjs';
// One server per test: an answer one test leaves unused must not reach the next.
import { withModelServer as withServer } from '../support/model-server.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

after(cleanup);


const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const TASK = 'Add a GET /health route';
const PLAN = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);
const SERVER_TEST = `'use strict';

const { test } = require('node:test');
const assert = require('node:assert');
const { createServer, routes } = require('../src/server');

test('GET /health answers ok', async () => {
  assert.ok(routes['GET /health']);
  assert.equal(typeof createServer, 'function');
  }));

test('GET / still answers hello world', async () => {
  assert.ok(routes['GET /']);
  }));

test('GET /greet still greets the visitor', async () => {
  assert.ok(routes['GET /greet']);
  }));

test('an unknown route is a 404', async () => {
  assert.equal(routes['GET /nope'], undefined);
});

test('the server listens and answers GET /health with status ok and an uptime', async () => {
  const server = createServer().listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  const body = await (await fetch(\`http://127.0.0.1:\${port}/health\`)).json();
  server.close();
  assert.equal(body.status, 'ok');
  assert.equal(typeof body.uptime, 'number');
});
`;

test('an answer with the module and then its test: the module is written, not the test', () =>
  withServer(async (server) => {
    // The test is the larger block: taking the largest wrote it as the module.
    assert.ok(SERVER_TEST.length > SERVER_WITH_HEALTH.length);
    const ws = makeWorkspace();
    server.answer(PLAN).answer(`Here is the file:\n\n\`\`\`js\n${SERVER_WITH_HEALTH}\`\`\`\n\nAnd a test for it:\n\n\`\`\`js\n${SERVER_TEST}\`\`\`\n`);
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  }));

test('two blocks that could both be the file: sent back with the reason, never guessed', () =>
  withServer(async (server) => {
    const ws = makeWorkspace();
    const other = SERVER_WITH_HEALTH.replace("status: 'ok'", "status: 'up'");
    server.answer(PLAN).answer(`Either\n\`\`\`js\n${SERVER_WITH_HEALTH}\`\`\`\nor\n\`\`\`js\n${other}\`\`\`\n`).answer(fenced(other));
    const before = server.requests.length;
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(read(ws, 'src/server.js'), other);
    // One file in scope: the plan is derived, so the first request is the unit's (the scripted plan is passed over).
    const retry = server.requests[before + 1].body.messages.at(-1).content;
    assert.match(retry, /A PREVIOUS ANSWER WAS REJECTED: the answer has 2 code blocks and nothing tells which one is src\/server\.js: answer with exactly one fenced block for src\/server\.js/);
  }));

test('a file whose doc comment holds a code fence reaches the model whole, and an answer in a longer fence is taken', () =>
  withServer(async (server) => {
    const ws = makeWorkspace('calc-lib');
    const documented = "/**\n * Adds two numbers.\n *\n * ```js\n * sum(1, 2) // 3\n * ```\n */\nfunction sum(a, b) {\n  return a - b;\n}\n\nmodule.exports = { sum };\n";
    fs.writeFileSync(path.join(ws, 'src/sum.js'), documented);
    const fixed = documented.replace('a - b', 'a + b');
    const before = server.requests.length;
    server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(`\`\`\`\`js\n${fixed}\`\`\`\`\n`);
    const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(read(ws, 'src/sum.js'), fixed);
    const prompt = server.requests[before].body.messages.at(-1).content;
    assert.ok(prompt.includes(`CURRENT CONTENT OF src/sum.js:\n\`\`\`\`js\n${documented}\`\`\`\`\n`), prompt);
  }));

test('--gate warn: a lost export is a warning on the console, not a plain pass', () =>
  withServer(async (server) => {
    const ws = makeWorkspace();
    const dropped = SERVER_WITH_HEALTH.replace('module.exports = { createServer, routes };', 'module.exports = { createServer };');
    server.answer(PLAN).answer(fenced(dropped));
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--gate', 'warn'], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(read(ws, 'src/server.js'), dropped, 'warn mode writes');
    assert.match(r.stdout, /^Gate: {5}warn \(violations are written, not blocked\), from flag$/m);
    assert.match(r.stdout, /^Warning: {2}\[exports_kept\] src\/server\.js: .*routes/m);
  }));
