// --export-debug: the zip's contents, exports of earlier runs (--run-id), and the automatic
// export of a crashed run. That the API key is in no bundle is secrets.test.mjs's.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, snapshot, lastRunLog, fenced, planJson, unzipText, REPO, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const corePkg = JSON.parse(fs.readFileSync(path.join(REPO, 'npm', 'core', 'package.json'), 'utf8'));
const cliPkg = JSON.parse(fs.readFileSync(path.join(REPO, 'npm', 'red-exec', 'package.json'), 'utf8'));

const server = useModelServer();

const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const PLAN = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);

test('--export-debug zips meta.json, events.jsonl and the written files', async () => {
  const ws = makeWorkspace();
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
  const r = await runCli(['Add a GET /health route', '--files', 'src/server.js', '--base-url', server.baseUrl, '--export-debug'], { cwd: ws });

  assert.equal(r.code, 0, r.stderr);
  const log = lastRunLog(ws);
  const rel = path.join(LOG_DIR, log.id, `debug-${log.id}.zip`);
  assert.equal(r.stderr, `red-exec: debug bundle: ${rel}\n`);
  const zipFile = path.join(ws, rel);
  const entries = unzipText(zipFile);
  assert.deepEqual(Object.keys(entries).sort(), ['events.jsonl', 'files/src/server.js', 'meta.json']);
  assert.equal(entries['events.jsonl'], log.text);
  assert.equal(entries['files/src/server.js'], SERVER_WITH_HEALTH);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);

  const meta = JSON.parse(entries['meta.json']);
  assert.equal(meta.runId, log.id);
  assert.equal(meta.task, 'Add a GET /health route');
  assert.deepEqual(meta.files, ['src/server.js']);
  assert.deepEqual(meta.read, []);
  assert.equal(meta.model, 'deepseek-chat');
  assert.equal(meta.options.gate, 'block');
  assert.equal(meta.options.maxRetries, 2);
  assert.equal(meta.cli.baseUrl, server.baseUrl);
  assert.equal(meta.cli.exportDebug, true);
  assert.deepEqual(meta.versions, { core: corePkg.version, redExec: cliPkg.version, node: process.version });
  assert.equal(meta.status, 'OK');
  assert.equal(meta.error, null);
  assert.deepEqual(meta.writtenFiles.included, ['src/server.js']);
  assert.deepEqual(meta.writtenFiles.missing, []);
  // The prompts and answers are in the events.
  const events = entries['events.jsonl'].trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.filter((e) => e.kind === 'model_request').length, 1, 'one file: the plan is derived, one call');
  assert.ok(events.find((e) => e.kind === 'model_response' && e.text.includes("'GET /health'")));
});

test('red-exec --export-debug --run-id <id> (and last) bundles an earlier run', async () => {
  const ws = makeWorkspace();
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
  const run = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(run.code, 0, run.stderr);
  const log = lastRunLog(ws);
  const rel = path.join(LOG_DIR, log.id, `debug-${log.id}.zip`);
  assert.equal(fs.existsSync(path.join(ws, rel)), false, 'no bundle unless asked');

  const byId = await runCli(['--export-debug', '--run-id', log.id], { cwd: ws });
  assert.equal(byId.code, 0, byId.stderr);
  assert.equal(byId.stdout, `${rel}\n`);
  assert.equal(byId.stderr, '');
  const entries = unzipText(path.join(ws, rel));
  assert.deepEqual(Object.keys(entries).sort(), ['events.jsonl', 'files/src/server.js', 'meta.json']);
  assert.equal(entries['files/src/server.js'], SERVER_WITH_HEALTH);
  const meta = JSON.parse(entries['meta.json']);
  assert.equal(meta.runId, log.id);
  assert.equal(meta.task, 'Add /health');
  assert.equal(meta.status, 'OK');
  assert.equal(meta.exportedBy.later, true);

  fs.rmSync(path.join(ws, rel));
  const elsewhere = makeWorkspace(null);
  const last = await runCli(['--export-debug', '--run-id', 'last', '--workspace', ws], { cwd: elsewhere });
  assert.equal(last.code, 0, last.stderr);
  assert.equal(last.stdout, `${path.join(ws, rel)}\n`);
  assert.ok(fs.existsSync(path.join(ws, rel)));
});

test('--run-id errors: unknown run (exit 3), without --export-debug or with a task (exit 2)', async () => {
  const ws = makeWorkspace();
  const unknown = await runCli(['--export-debug', '--run-id', '20990101-000000-000000'], { cwd: ws });
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /^red-exec: --run-id 20990101-000000-000000: no such run under \.red-exec-logs\//);
  const alone = await runCli(['--run-id', 'x'], { cwd: ws });
  assert.equal(alone.code, 2);
  assert.match(alone.stderr, /--run-id is only used with --export-debug/);
  const withTask = await runCli(['Add /health', '--export-debug', '--run-id', 'last'], { cwd: ws });
  assert.equal(withTask.code, 2);
  assert.match(withTask.stderr, /runs no task: unexpected argument "Add \/health"/);
  const sneaky = await runCli(['--export-debug', '--run-id', '../../etc'], { cwd: ws });
  assert.equal(sneaky.code, 3);
  assert.match(sneaky.stderr, /--run-id must be a run id/);
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), false);
});

test('a FAILED run (a missing MODIFY target) says so with its code and writes no bundle by itself', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  server.answer(planJson([{ path: 'src/nope.js', action: 'MODIFY', intent: 'change it' }]));
  const r = await runCli(['Change src/nope.js', '--files', 'src/nope.js', '--base-url', server.baseUrl], { cwd: ws });

  assert.equal(r.code, 4, r.stderr);
  assert.match(r.stdout, /^Status: {3}FAILED \(input_missing\)$/m);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^red-exec: .*\[input_missing\]$/);
  const log = lastRunLog(ws);
  assert.deepEqual(fs.readdirSync(path.join(ws, LOG_DIR, log.id)).filter((f) => f.endsWith('.zip')), []);
  assert.equal(log.events.at(-1).status, 'FAILED');
  assert.deepEqual(snapshot(ws), before);
});

test('a model server that refuses the key (401) is FAILED, exit 5, no bundle', async () => {
  const ws = makeWorkspace();
  server.fail(401, { error: { message: 'bad key' } });
  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 5, r.stderr);
  assert.match(r.stdout, /^Status: {3}FAILED \(model_auth\)$/m);
  assert.doesNotMatch(r.stderr, /debug bundle/);
  const log = lastRunLog(ws);
  assert.deepEqual(fs.readdirSync(path.join(ws, LOG_DIR, log.id)).filter((f) => f.endsWith('.zip')), []);
});

test('a core panic is CRASHED: exit 70, the bundle written by itself and named in the one stderr line, --runs says CRASHED', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  // The core panics at its first event (run_start), through its real diagnostic entry point.
  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws, env: { RED_EXEC_CRASH_AT: 'core-panic:1' } });

  assert.equal(r.code, 70, r.stderr);
  const log = lastRunLog(ws);
  const rel = path.join(LOG_DIR, log.id, `debug-${log.id}.zip`);
  // The wasm's panic hook also prints the panic through console.error; red-exec's own line is one.
  const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('red-exec:'));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^red-exec: internal error: red-exec core panicked: panicked at \S+ RED_EXEC_CRASH_AT core-panic:1 \(/);
  assert.ok(lines[0].endsWith(` (debug bundle: ${rel})`), lines[0]);
  const meta = JSON.parse(unzipText(path.join(ws, rel))['meta.json']);
  assert.equal(meta.status, 'CRASHED');
  assert.equal(meta.error.code, 'core_panic');
  assert.equal(meta.exportedBy.later, false);
  assert.deepEqual(snapshot(ws), before);

  const runs = await runCli(['--runs', '--json'], { cwd: ws });
  assert.equal(JSON.parse(runs.stdout).runs[0].status, 'CRASHED');
});
