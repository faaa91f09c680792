// `red-exec mcp` as an MCP client sees it: a child process driven by the SDK's own Client over
// stdio (and once over Streamable HTTP), on real workspaces, with a loopback model server.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { useModelServer, makeWorkspace, snapshot, fenced, planJson, LOG_DIR } from '../support/cli.mjs';
import { GREET_WITH_BYE } from '../support/answers.mjs';
import { startMcp, startMcpHttp } from '../support/mcp.mjs';

const server = useModelServer();
const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const open = [];
after(async () => {
  for (const s of open) await s.close().catch(() => {});
});

async function mcp(ws, args = [], options) {
  const s = await startMcp(ws, ['--base-url', server.baseUrl, ...args], options);
  open.push(s);
  return s;
}

const call = (client, name, args, options) => client.callTool({ name, arguments: args }, undefined, options);

test('tools/list: every tool with its input and output schema and its annotations', async () => {
  const ws = makeWorkspace('express-app');
  const { client } = await mcp(ws);
  const { tools } = await client.listTools();
  const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
  assert.deepEqual(Object.keys(byName).sort(), ['dry_run', 'get_run', 'governed_write', 'plan', 'run_task', 'runs', 'undo']);
  for (const t of tools) {
    assert.equal(t.inputSchema.type, 'object', t.name);
    assert.equal(t.outputSchema?.type, 'object', `${t.name} declares its output`);
    assert.equal(typeof t.annotations.readOnlyHint, 'boolean', t.name);
    assert.equal(typeof t.annotations.destructiveHint, 'boolean', t.name);
    assert.equal(typeof t.annotations.idempotentHint, 'boolean', t.name);
  }
  const gw = byName.governed_write;
  assert.deepEqual(gw.inputSchema.required, ['files']);
  assert.ok(gw.inputSchema.properties.idempotencyKey, 'writing tools take an idempotency key');
  assert.ok(byName.run_task.inputSchema.properties.idempotencyKey);
  assert.deepEqual(Object.keys(gw.inputSchema.properties.files.items.properties).sort(), ['content', 'delete', 'dropExports', 'path']);
  for (const field of ['status', 'runId', 'files', 'check', 'error', 'report']) assert.ok(gw.outputSchema.properties[field], `governed_write output has ${field}`);
  assert.equal(gw.annotations.destructiveHint, true);
  for (const name of ['plan', 'dry_run', 'runs', 'get_run']) assert.equal(byName[name].annotations.readOnlyHint, true, name);
});

test('run_task: the server calls the configured model; progress is notified; get_run, runs and undo see the run', async () => {
  const ws = makeWorkspace('express-app');
  const before = read(ws, 'src/greet.js');
  const { client } = await mcp(ws);
  server.answer(fenced(GREET_WITH_BYE));
  const progress = [];
  const r = await call(client, 'run_task', { task: 'Add a farewell(name) function to src/greet.js and export it', files: ['src/greet.js'] }, { onprogress: (p) => progress.push(p) });
  assert.equal(r.isError, false, JSON.stringify(r.structuredContent?.error));
  const out = r.structuredContent;
  assert.equal(out.status, 'OK');
  assert.equal(read(ws, 'src/greet.js'), GREET_WITH_BYE);
  assert.equal(out.files[0].outcome, 'written');
  assert.match(out.files[0].diff, /\+function farewell/);
  assert.equal(server.requests.length, 1, 'one model call (the plan of one file is derived)');
  assert.ok(progress.some((p) => /wrote src\/greet\.js/.test(p.message)), `progress: ${JSON.stringify(progress)}`);
  assert.ok(fs.existsSync(path.join(ws, LOG_DIR, out.runId, 'journal.jsonl')), 'the CLI journal');

  const run = (await call(client, 'get_run', { runId: out.runId })).structuredContent;
  assert.equal(run.status, 'OK');
  assert.ok(run.events.some((e) => e.kind === 'write' && e.path === 'src/greet.js'));
  assert.match(run.report, /Status:\s+OK/);
  const runs = (await call(client, 'runs', {})).structuredContent;
  assert.equal(runs.runs[0].id, out.runId);

  const undone = await call(client, 'undo', { runId: out.runId });
  assert.equal(undone.isError, false, JSON.stringify(undone.structuredContent));
  assert.deepEqual(undone.structuredContent.restored, ['src/greet.js']);
  assert.equal(read(ws, 'src/greet.js'), before);
});

test('plan: the model\'s plan, and nothing changed', async () => {
  const ws = makeWorkspace('express-app');
  const before = snapshot(ws);
  const { client } = await mcp(ws);
  const actions = [
    { path: 'src/greet.js', action: 'MODIFY', intent: 'add farewell' },
    { path: 'src/server.js', action: 'MODIFY', intent: 'a /bye route' },
  ];
  server.answer(planJson(actions));
  const r = await call(client, 'plan', { task: 'Add farewell(name) to src/greet.js and a GET /bye route using it to src/server.js', files: ['src/greet.js', 'src/server.js'] });
  assert.equal(r.isError, false, JSON.stringify(r.structuredContent));
  assert.deepEqual(r.structuredContent.plan.map((a) => [a.path, a.action]), [['src/greet.js', 'MODIFY'], ['src/server.js', 'MODIFY']]);
  assert.equal(r.structuredContent.source, 'model');
  assert.equal(server.requests.length, 1, 'only the plan was asked for');
  assert.deepEqual(snapshot(ws), before);
});

test('a cancelled call: the run stops, every file stays as it was, the next call sees it ended', async () => {
  const ws = makeWorkspace('express-app');
  const before = snapshot(ws);
  const { client } = await mcp(ws);
  const release = server.held(fenced(GREET_WITH_BYE));
  const stop = new AbortController();
  const pending = call(client, 'run_task', { task: 'Add a farewell(name) function to src/greet.js and export it', files: ['src/greet.js'] }, { signal: stop.signal });
  while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
  stop.abort();
  await assert.rejects(pending);
  // Calls run one after another: this one starts when the cancelled run has finished.
  const runs = (await call(client, 'runs', {})).structuredContent;
  release();
  assert.equal(runs.runs[0].status, 'INTERRUPTED');
  assert.deepEqual(snapshot(ws), before);
});

test('Streamable HTTP on 127.0.0.1: list the tools and run a task', async () => {
  const ws = makeWorkspace('express-app');
  const s = await startMcpHttp(ws, ['--base-url', server.baseUrl]);
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const { tools } = await s.client.listTools();
    assert.ok(tools.some((t) => t.name === 'governed_write'));
    server.answer(fenced(GREET_WITH_BYE));
    const r = await call(s.client, 'run_task', { task: 'Add a farewell(name) function to src/greet.js and export it', files: ['src/greet.js'] });
    assert.equal(r.isError, false, JSON.stringify(r.structuredContent?.error));
    assert.equal(read(ws, 'src/greet.js'), GREET_WITH_BYE);
  } finally {
    await s.close();
  }
});

test('client roots narrow the workspace: a path outside the roots inside it is refused, a root outside it is ignored', async () => {
  const ws = makeWorkspace('express-app');
  const before = snapshot(ws);
  const { client } = await mcp(ws, [], { roots: [pathToFileURL(path.join(ws, 'src', 'lib')).href, pathToFileURL(path.dirname(ws)).href] });
  fs.mkdirSync(path.join(ws, 'src', 'lib'));
  const r = await call(client, 'run_task', { task: 'Add a farewell(name) function to src/greet.js and export it', files: ['src/greet.js'] });
  assert.equal(r.isError, true);
  assert.match(r.content[0].text, /src\/greet\.js is outside the client's roots \(src\/lib in the workspace\)/);
  assert.equal(server.requests.length, 0, 'refused before any model call');
  fs.rmdirSync(path.join(ws, 'src', 'lib'));
  assert.deepEqual(snapshot(ws), before);
});
