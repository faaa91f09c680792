// `red-exec mcp` as an MCP client sees it: a child process driven by the SDK's own Client over
// stdio (and once over Streamable HTTP), on real workspaces, with a loopback model server.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { useModelServer, makeWorkspace, snapshot, fenced, planJson, startProcess, cleanEnv, REPO, CLI, LOG_DIR } from '../support/cli.mjs';
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
  // The task does not say which file gets what: the planner is asked.
  const r = await call(client, 'plan', { task: 'Add farewell(name) and a GET /bye route that uses it', files: ['src/greet.js', 'src/server.js'] });
  assert.equal(r.isError, false, JSON.stringify(r.structuredContent));
  assert.deepEqual(r.structuredContent.plan.map((a) => [a.path, a.action]), [['src/greet.js', 'MODIFY'], ['src/server.js', 'MODIFY']]);
  assert.equal(r.structuredContent.source, 'model');
  assert.equal(server.requests.length, 1, 'only the plan was asked for');
  // A task that names each file leaves no choice: the plan is derived, no model call.
  const d = await call(client, 'plan', { task: 'Add farewell(name) to src/greet.js and a GET /bye route using it to src/server.js', files: ['src/greet.js', 'src/server.js'] });
  assert.equal(d.structuredContent.source, 'derived', JSON.stringify(d.structuredContent));
  assert.equal(server.requests.length, 1, 'no second call');
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

// governed_write: the calling agent supplies the content; the core gates it as a model's answer.

const GREET_ESM = "export function greet(name) {\n  return `Hello, ${name}!`;\n}\n";
const GREET_LOST = "'use strict';\n\nfunction farewell(name) {\n  return `Goodbye, ${name}!`;\n}\n\nmodule.exports = { farewell };\n";

test('governed_write that passes: written whole, journaled, undone through the undo tool; no model call', async () => {
  const ws = makeWorkspace('express-app');
  const before = read(ws, 'src/greet.js');
  const { client } = await mcp(ws);
  const r = await call(client, 'governed_write', { files: [{ path: 'src/greet.js', content: GREET_WITH_BYE }, { path: 'src/bye.js', content: "'use strict';\n\nmodule.exports = { bye: () => 'bye' };\n" }], summary: 'add farewell' });
  assert.equal(r.isError, false, r.content[0].text);
  const out = r.structuredContent;
  assert.equal(out.status, 'OK');
  assert.deepEqual(out.files.map((f) => [f.path, f.action, f.outcome]).sort(), [['src/bye.js', 'CREATE', 'written'], ['src/greet.js', 'MODIFY', 'written']]);
  assert.equal(read(ws, 'src/greet.js'), GREET_WITH_BYE, 'the supplied text, verbatim');
  assert.match(out.files.find((f) => f.path === 'src/greet.js').diff, /\+function farewell/);
  assert.equal(server.requests.length, 0, 'no model call');
  const journal = fs.readFileSync(path.join(ws, LOG_DIR, out.runId, 'journal.jsonl'), 'utf8');
  assert.match(journal, /src\/greet\.js/);
  assert.equal(out.plan.length, 2);

  const undone = await call(client, 'undo', {});
  assert.equal(undone.isError, false, undone.content[0].text);
  assert.equal(read(ws, 'src/greet.js'), before);
  assert.equal(fs.existsSync(path.join(ws, 'src/bye.js')), false);
});

for (const [what, files, rule] of [
  ['loses an export', [{ path: 'src/greet.js', content: GREET_LOST }], 'exports_kept'],
  ['is in the wrong module format', [{ path: 'src/greet.js', content: GREET_ESM }], 'module_format'],
  ['does not parse', [{ path: 'src/greet.js', content: "'use strict';\nfunction greet( {\n" }], 'syntax'],
  ['is one bad file in a plan of two (nothing written: the plan is applied whole)', [{ path: 'src/bye.js', content: "'use strict';\n\nmodule.exports = { bye: () => 'bye' };\n" }, { path: 'src/greet.js', content: GREET_LOST }], 'exports_kept'],
]) {
  test(`governed_write that ${what}: isError with the verdict, nothing changed`, async () => {
    const ws = makeWorkspace('express-app');
    const before = snapshot(ws);
    const { client } = await mcp(ws);
    const r = await call(client, 'governed_write', { files });
    assert.equal(r.isError, true);
    const out = r.structuredContent;
    assert.notEqual(out.status, 'OK');
    const blocked = out.files.find((f) => f.outcome === 'blocked');
    assert.ok(blocked, JSON.stringify(out.files));
    assert.equal(blocked.path, 'src/greet.js');
    assert.ok(blocked.verdicts.some((v) => v.rule === rule), JSON.stringify(blocked.verdicts));
    for (const v of blocked.verdicts) assert.ok(v.message && 'line' in v);
    assert.deepEqual(snapshot(ws), before);
  });
}

test('governed_write: a syntax verdict names its line', async () => {
  const ws = makeWorkspace('express-app');
  const { client } = await mcp(ws);
  const r = await call(client, 'governed_write', { files: [{ path: 'src/greet.js', content: "'use strict';\n\nfunction greet(name) {\n  return name +;\n}\n\nmodule.exports = { greet };\n" }] });
  const v = r.structuredContent.files[0].verdicts.find((x) => x.rule === 'syntax');
  assert.equal(v.line, 4, JSON.stringify(v));
});

for (const [what, p] of [['outside the workspace', '../outside.js'], ["red-exec's own file", '.red-exec.json'], ['absolute, outside the workspace', '/tmp/red-exec-mcp-outside.js']]) {
  test(`governed_write of a path ${what}: isError, nothing written`, async () => {
    const ws = makeWorkspace('express-app');
    const before = snapshot(ws);
    const { client } = await mcp(ws);
    const r = await call(client, 'governed_write', { files: [{ path: p, content: "'use strict';\n" }] });
    assert.equal(r.isError, true, JSON.stringify(r.structuredContent));
    assert.equal(fs.existsSync(path.resolve(ws, p)), false);
    assert.deepEqual(snapshot(ws), before);
  });
}

test('governed_write whose check fails: isError, the check\'s exit code and output, every file restored', async () => {
  const ws = makeWorkspace('express-app');
  const before = snapshot(ws);
  const { client } = await mcp(ws, ['--verify', 'echo the tests failed; exit 3']);
  const r = await call(client, 'governed_write', { files: [{ path: 'src/greet.js', content: GREET_WITH_BYE }] });
  assert.equal(r.isError, true);
  const out = r.structuredContent;
  assert.equal(out.check.exitCode, 3);
  assert.equal(out.check.passed, false);
  assert.equal(out.check.rolledBack, true);
  assert.match(out.check.outputTail, /the tests failed/);
  assert.equal(out.error.code, 'verify_failed');
  assert.match(out.error.message, /supplied/);
  assert.deepEqual(snapshot(ws), before);
  // check: false skips the configured check.
  const unchecked = await call(client, 'governed_write', { files: [{ path: 'src/greet.js', content: GREET_WITH_BYE }], check: false });
  assert.equal(unchecked.isError, false, unchecked.content[0].text);
  assert.equal(unchecked.structuredContent.check, null);
});

test('governed_write with an idempotency key: a retry (even after a restart) returns the first result and applies nothing again', async () => {
  const ws = makeWorkspace('express-app');
  const args = { files: [{ path: 'src/greet.js', content: GREET_WITH_BYE }], idempotencyKey: 'add-farewell-1' };
  const first = await mcp(ws);
  const a = await call(first.client, 'governed_write', args);
  assert.equal(a.isError, false, a.content[0].text);
  assert.deepEqual(a.structuredContent.idempotency, { key: 'add-farewell-1', replayed: false });
  // Someone edits the file after the first call: a replay must not write over it.
  fs.writeFileSync(path.join(ws, 'src/greet.js'), `${GREET_WITH_BYE}// edited\n`);
  const b = await call(first.client, 'governed_write', args);
  assert.deepEqual(b.structuredContent.idempotency, { key: 'add-farewell-1', replayed: true });
  assert.equal(b.structuredContent.runId, a.structuredContent.runId);
  await first.close();
  const second = await mcp(ws);
  const c = await call(second.client, 'governed_write', args);
  assert.equal(c.structuredContent.runId, a.structuredContent.runId, 'the key survives a restart');
  assert.equal(read(ws, 'src/greet.js'), `${GREET_WITH_BYE}// edited\n`, 'applied once');
  const runs = (await call(second.client, 'runs', {})).structuredContent.runs;
  assert.equal(runs.length, 1);
  // The same key for another call is refused.
  const other = await call(second.client, 'governed_write', { ...args, files: [{ path: 'src/greet.js', content: GREET_LOST }] });
  assert.equal(other.isError, true);
  assert.match(other.content[0].text, /was used for another call/);
});

test('a governed_write cancelled while its check runs: the check is stopped, every file restored', async () => {
  const ws = makeWorkspace('express-app');
  const before = snapshot(ws, { ignore: [LOG_DIR, 'started'] });
  const { client } = await mcp(ws, ['--verify', 'touch started; exec sleep 60']);
  const stop = new AbortController();
  const pending = call(client, 'governed_write', { files: [{ path: 'src/greet.js', content: GREET_WITH_BYE }] }, { signal: stop.signal });
  while (!fs.existsSync(path.join(ws, 'started'))) await new Promise((r) => setTimeout(r, 20));
  assert.equal(read(ws, 'src/greet.js'), GREET_WITH_BYE, 'written before the check');
  stop.abort();
  await assert.rejects(pending);
  const runs = (await call(client, 'runs', {})).structuredContent.runs;
  assert.equal(runs[0].status, 'INTERRUPTED');
  assert.deepEqual(snapshot(ws, { ignore: [LOG_DIR, 'started'] }), before);
});

test('SIGTERM to the server while a governed_write checks: the run is stopped and restored, then the server exits 143', async () => {
  const ws = makeWorkspace('express-app');
  const before = snapshot(ws, { ignore: [LOG_DIR, 'started'] });
  const s = await mcp(ws, ['--verify', 'touch started; exec sleep 60']);
  const pending = call(s.client, 'governed_write', { files: [{ path: 'src/greet.js', content: GREET_WITH_BYE }] });
  pending.catch(() => {});
  while (!fs.existsSync(path.join(ws, 'started'))) await new Promise((r) => setTimeout(r, 20));
  process.kill(s.pid, 'SIGTERM');
  assert.deepEqual(await s.exited, { code: 143, signal: null });
  assert.deepEqual(snapshot(ws, { ignore: [LOG_DIR, 'started'] }), before);
  const [runId] = fs.readdirSync(path.join(ws, LOG_DIR)).filter((n) => /^\d{8}-/.test(n));
  const events = fs.readFileSync(path.join(ws, LOG_DIR, runId, 'events.jsonl'), 'utf8');
  assert.match(events, /"status":"INTERRUPTED"/);
});

test('dry_run of supplied files: the verdicts and diffs, nothing changed', async () => {
  const ws = makeWorkspace('express-app');
  const before = snapshot(ws);
  const { client } = await mcp(ws);
  const ok = await call(client, 'dry_run', { files: [{ path: 'src/greet.js', content: GREET_WITH_BYE }] });
  assert.equal(ok.isError, false, ok.content[0].text);
  assert.match(ok.structuredContent.files[0].diff, /\+function farewell/);
  const bad = await call(client, 'dry_run', { files: [{ path: 'src/greet.js', content: GREET_LOST }] });
  assert.equal(bad.isError, true);
  assert.equal(bad.structuredContent.files[0].verdicts[0].rule, 'exports_kept');
  assert.deepEqual(snapshot(ws), before);
});

test('the CLI loads the MCP SDK only for `red-exec mcp`', async () => {
  const dir = makeWorkspace(null);
  const record = path.join(dir, 'imports.txt');
  const hook = path.join(REPO, 'tests', 'support', 'record-imports.mjs');
  const loaded = async (args) => {
    fs.writeFileSync(record, '');
    const r = await startProcess(process.execPath, ['--import', hook, CLI, ...args], { cwd: dir, env: cleanEnv({ RECORD_IMPORTS: record }) }).done;
    return { r, urls: fs.readFileSync(record, 'utf8') };
  };
  // An ordinary command that loads lib/main.js (a bare --version loads less: tests/cli/args.test.mjs).
  const ordinary = await loaded(['--help']);
  assert.equal(ordinary.r.code, 0, ordinary.r.stderr);
  assert.match(ordinary.urls, /lib\/main\.js/, 'the hook records');
  assert.doesNotMatch(ordinary.urls, /@modelcontextprotocol|zod|lib\/mcp\//);
  const help = await loaded(['mcp', '--help']);
  assert.equal(help.r.code, 0, help.r.stderr);
  assert.match(help.r.stdout, /governed_write/);
  assert.match(help.urls, /@modelcontextprotocol\/sdk/);
});

test('red-exec mcp with a flag that is not a server flag, or a bad --http port: exit 2, one line', async () => {
  const ws = makeWorkspace('express-app');
  for (const [args, why] of [[['--dry-run'], /--dry-run is not a server flag/], [['--http', 'eighty'], /--http needs a port/], [['--workspace', 'nowhere'], /not a directory/]]) {
    const r = await startProcess(process.execPath, [CLI, 'mcp', ...args], { cwd: ws, env: cleanEnv() }).done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
