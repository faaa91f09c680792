// The playground's page modules under Node, with the real core (its node build): the workspace,
// runs on the core's memory host with its replay and OpenAI completers (the pieces the page uses),
// the progress fold, diffs, zip.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unzipSync, strFromU8 } from 'fflate';
import { createMemoryHost, createOpenAICompleter, createReplayCompleter, parseCompletion, readReplay, runTask } from '@codemaestro/core';
import { loadExamples } from '../../web-demo/examples.mjs';
import { Workspace } from '../../web-demo/src/workspace.js';
import { applyEvent, newProgress } from '../../web-demo/src/progress.js';
import { addedLines, sideBySideRows, unifiedLines } from '../../web-demo/src/diff.js';
import { workspaceZip } from '../../web-demo/src/zip.js';
import { editedFiles, recordingRefusal } from '../../web-demo/src/recording.js';
import { pageWords, statusLine } from '../../web-demo/src/words.js';
import { streamingFetch } from '../../web-demo/src/stream.js';
import { readEntries, textOf } from '../../web-demo/src/files.js';
import { startModelServer } from '../support/model-server.mjs';
import { fenced, planJson } from '../support/cli.mjs';
import { HEALTH_MODULE } from '../support/answers.mjs';

const examples = loadExamples();
const example = (id) => examples.find((e) => e.id === id);

/** One run of the real core over an example's workspace, as the page does it. */
async function runExample(ex, complete, { task = ex.task, files = ex.files } = {}) {
  const workspace = new Workspace(ex.workspace);
  const before = workspace.snapshot();
  const progress = newProgress();
  const copy = createMemoryHost(workspace.snapshot(), { onEvent: (e) => applyEvent(progress, e) });
  const result = await runTask({ task, files, options: { model: 'deepseek-chat' }, host: { ...copy, complete } });
  return { workspace, before, changes: copy.changes(), progress, result };
}

test('examples: both recorded examples and the two live-only fixtures, read from the repository', () => {
  assert.deepEqual(examples.map((e) => [e.id, e.source, e.transcript !== null]), [
    ['add-health', 'examples/add-health', true],
    ['esm-in-cjs', 'examples/esm-in-cjs', true],
    ['fixture-express-app', 'tests/fixtures/express-app', false],
    ['fixture-module-split', 'tests/fixtures/module-split', false],
  ]);
  assert.deepEqual(Object.keys(example('add-health').workspace), ['package.json', 'src/server.js']);
  assert.deepEqual(example('add-health').files, ['src/server.js']);
  // TASK.md and FILES.txt of a fixture are its metadata, not workspace files.
  assert.deepEqual(Object.keys(example('fixture-module-split').workspace), ['lib/cli.js', 'lib/jobs.js', 'lib/worker.js']);
  assert.deepEqual(example('fixture-module-split').files, ['lib/jobs.js', 'lib/execution.js', 'lib/reporting.js', 'lib/cli.js', 'lib/worker.js']);
});

test('readReplay keeps each call stage, path and answer, and drops the prompts', () => {
  const t = example('esm-in-cjs').transcript;
  assert.equal(t.model, 'deepseek-chat');
  assert.deepEqual(t.calls.map((c) => [c.id, c.stage, c.path]), [
    [1, 'L1', null],
    [2, 'L3', 'src/server.js'],
    [3, 'L3', 'src/server.js'],
  ]);
  assert.match(t.calls[1].text, /^```js\nimport http from 'node:http';/);
  assert.equal(JSON.stringify(t).includes('"messages"'), false);
  assert.throws(() => readReplay('{"kind":"run_start"}\n'), /no recorded model answers/);
  assert.throws(() => readReplay('{"kind":"plan"}\nnot json\n'), /line 2 is not JSON/);
});

test('recorded add-health: the real core stages the new route and leaves the workspace untouched', async () => {
  const ex = example('add-health');
  const { workspace, before, changes, progress, result } = await runExample(ex, createReplayCompleter(ex.transcript));
  assert.equal(result.status, 'OK');
  assert.deepEqual(result.stages, { L1: 'ok', L2: 'ok', L3: 'ok', gate: 'ok' });
  assert.deepEqual([...changes.keys()], ['src/server.js']);
  assert.match(changes.get('src/server.js'), /get\('\/health', \(req, res\) => \{\n {2}json\(res, 200, \{ status: 'ok', uptime: Math\.round\(process\.uptime\(\)\) \}\);/);
  assert.deepEqual(workspace.snapshot(), before, 'a run only stages; accepting is the user\'s call');
  workspace.apply(changes);
  assert.equal(workspace.get('src/server.js'), changes.get('src/server.js'));
  // The progress fold saw what the result says.
  assert.deepEqual(progress.plan.map((p) => [p.path, p.action]), [['src/server.js', 'MODIFY']]);
  assert.deepEqual(progress.gates.map((g) => [g.path, g.decision]), [['src/server.js', 'pass']]);
  // The recording holds a plan call; the core derives this one-file plan, so the replay passes it over.
  assert.equal(progress.calls, 1);
  assert.equal(progress.promptTokens + progress.completionTokens, result.usage.totalTokens);
  assert.equal(progress.status, 'OK');
});

test('recorded esm-in-cjs: every answer is blocked by module_format, nothing is staged', async () => {
  const ex = example('esm-in-cjs');
  const { changes, progress, result } = await runExample(ex, createReplayCompleter(ex.transcript));
  assert.deepEqual([result.status, result.error.code], ['FAILED', 'blocked']);
  assert.equal(result.stages.gate, 'failed');
  assert.equal(changes.size, 0);
  const [file] = result.files;
  assert.equal(file.outcome, 'blocked');
  // The retry gave the same answer again, which ends the retries.
  assert.equal(file.attempts, 2);
  assert.deepEqual(file.violations.map((v) => v.rule), ['module_format']);
  assert.deepEqual(progress.gates.map((g) => [g.attempt, g.decision]), [[1, 'block'], [2, 'block']]);
  assert.equal(progress.rejections.length, 2);
  assert.match(progress.lastAnswer['src/server.js'], /export function createServer/);
});

test('a recording replayed for another scope stops with "replay diverged", not a wrong answer', async () => {
  const ex = example('add-health');
  const { changes, result } = await runExample(ex, createReplayCompleter(ex.transcript), { files: ['src/server.js', 'src/health.js'] });
  assert.equal(changes.size, 0);
  assert.equal(result.status, 'FAILED');
  assert.match(result.error.message, /replay diverged/);
});

test('live completer: posts to <base>/chat/completions with the key, maps the answer and usage', async () => {
  const server = await startModelServer();
  try {
    server.answer(planJson([{ path: 'src/health.js', action: 'CREATE', intent: 'health()' }]), { prompt: 300, completion: 40 });
    server.answer(fenced(HEALTH_MODULE), { prompt: 500, completion: 90 });
    const ex = example('fixture-express-app');
    const live = createOpenAICompleter({ baseUrl: `${server.baseUrl}/`, apiKey: 'sk-test-playground', model: 'gpt-4.1-mini' });
    const asked = [];
    const complete = (request) => {
      asked.push(request);
      return live(request);
    };
    const { changes, result } = await runExample(ex, complete, { task: 'Create src/health.js exporting health()', files: ['src/health.js'] });
    assert.equal(result.status, 'OK');
    assert.deepEqual([...changes], [['src/health.js', HEALTH_MODULE]]);
    // One file in scope: the plan is derived (the scripted plan is passed over), one call.
    assert.deepEqual(result.usage, { promptTokens: 500, completionTokens: 90, totalTokens: 590, calls: 1, modelMs: result.usage.modelMs, cachedTokens: 0 });
    assert.deepEqual(server.requests.map((r) => [r.method, r.url, r.headers.authorization, r.body.model, r.marker.stage]), [
      ['POST', '/v1/chat/completions', 'Bearer sk-test-playground', 'gpt-4.1-mini', 'L3'],
    ]);
    // The core's own limits and messages go out as they are.
    assert.deepEqual(
      server.requests.map((r) => [r.body.max_tokens, r.body.temperature, r.body.messages]),
      asked.map((q) => [q.maxTokens, q.temperature, q.messages]),
    );
  } finally {
    await server.close();
  }
});

test('live completer: error codes for a refused key, a server error after retries, and a non-JSON body', async () => {
  const server = await startModelServer();
  try {
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, apiKey: 'sk-secret-value', model: 'm', retryBaseMs: 1 });
    const request = { messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxTokens: 10 };
    server.fail(401, { error: { message: 'invalid api key' } });
    await assert.rejects(complete(request), (err) => err.code === 'auth' && /401 Unauthorized: invalid api key/.test(err.message) && !err.message.includes('sk-secret'));
    server.fail(500).fail(502).fail(503);
    await assert.rejects(complete(request), (err) => err.code === 'server' && /503/.test(err.message));
    assert.equal(server.requests.length, 4, 'a 5xx is retried twice');
    server.garbage('<html>gateway</html>');
    await assert.rejects(complete(request), (err) => err.code === 'bad_response' && /did not answer with JSON/.test(err.message));
  } finally {
    await server.close();
  }
  const refused = createOpenAICompleter({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm', retryBaseMs: 1 });
  await assert.rejects(refused({ messages: [], temperature: 0, maxTokens: 1 }), (err) => err.code === 'network' && /cannot reach model server http:\/\/127\.0\.0\.1:9\/v1\/chat\/completions/.test(err.message));
  assert.throws(() => parseCompletion('{"choices":[]}'), /no choices\[0\]\.message\.content/);
});

test('workspace: paths are normalised, folders and escapes are reported, the tree lists folders first', () => {
  const ws = new Workspace({ './src/b.js': 'b', 'src/a.js': 'a', 'README.md': 'r', 'src/lib/c.js': 'c' });
  assert.deepEqual(ws.paths(), ['README.md', 'src/a.js', 'src/b.js', 'src/lib/c.js']);
  ws.set('a//b/./c.js', 'c');
  assert.equal(ws.get('a/b/c.js'), 'c');
  ws.delete('a/b/c.js');
  // The one path rule of every host: a drive letter is as absolute as '/x' (this page once took 'C:x.js' as a file name).
  for (const bad of ['C:x.js', 'C:\\x.js', 'd:/x.js', '/abs.js', '../up.js']) {
    assert.throws(() => ws.set(bad, 'x'), { code: 'outside_workspace' }, bad);
    assert.throws(() => new Workspace({ [bad]: 'x' }), { code: 'outside_workspace' }, bad);
  }
  assert.deepEqual(ws.paths(), ['README.md', 'src/a.js', 'src/b.js', 'src/lib/c.js']);
  assert.deepEqual(ws.tree(), [
    { name: 'src', path: 'src', children: [{ name: 'lib', path: 'src/lib', children: [{ name: 'c.js', path: 'src/lib/c.js' }] }, { name: 'a.js', path: 'src/a.js' }, { name: 'b.js', path: 'src/b.js' }] },
    { name: 'README.md', path: 'README.md' },
  ]);
  ws.apply(new Map([['src/a.js', null], ['src/d.js', 'd']]));
  assert.deepEqual(ws.paths(), ['README.md', 'src/b.js', 'src/d.js', 'src/lib/c.js']);
});

test('diff: unified line kinds and side-by-side rows with line numbers', () => {
  const diff = '--- a/x.js\n+++ b/x.js\n@@ -3,3 +3,4 @@\n a\n-b\n--- c\n+B\n+C\n+D\n';
  assert.deepEqual(unifiedLines(diff).map((l) => l.kind), ['meta', 'meta', 'hunk', 'context', 'del', 'del', 'add', 'add', 'add']);
  assert.deepEqual(sideBySideRows(diff), [
    { kind: 'hunk', text: '@@ -3,3 +3,4 @@' },
    { kind: 'line', left: { n: 3, text: 'a', change: 'same' }, right: { n: 3, text: 'a', change: 'same' } },
    { kind: 'line', left: { n: 4, text: 'b', change: 'del' }, right: { n: 4, text: 'B', change: 'add' } },
    { kind: 'line', left: { n: 5, text: '-- c', change: 'del' }, right: { n: 5, text: 'C', change: 'add' } },
    { kind: 'line', left: null, right: { n: 6, text: 'D', change: 'add' } },
  ]);
  assert.deepEqual(unifiedLines(''), []);
  // What an accept highlights: the new file's numbers of the added lines.
  assert.deepEqual(addedLines(diff), [4, 5, 6]);
});

test('zip: every file under the example folder, bytes intact', () => {
  const files = { 'package.json': '{"name":"x"}\n', 'src/server.js': "'use strict';\n// é ✓\n" };
  const entries = unzipSync(workspaceZip(files, 'add-health'));
  assert.deepEqual(Object.keys(entries).sort(), ['add-health/package.json', 'add-health/src/server.js']);
  assert.equal(strFromU8(entries['add-health/src/server.js']), files['src/server.js']);
});

test('recorded mode replays only what it recorded: another task, scope or edited file is refused in a sentence', () => {
  const ex = example('add-health');
  const workspace = new Workspace(ex.workspace);
  const ask = (over = {}) => recordingRefusal({ example: ex, task: ex.task, files: ex.files, workspace, ...over });
  assert.equal(ask(), null);
  assert.equal(ask({ task: `  ${ex.task}\n` }), null, 'spaces around the task do not matter');
  assert.equal(
    ask({ task: 'Rename /books to /library' }),
    'This recording answers the task "Add a GET /health route to src/server.js that responds with JSON { status: \'ok\', uptime }…" on src/server.js; switch to live mode to run your own.',
  );
  assert.equal(
    ask({ files: ['src/server.js', 'src/health.js'] }),
    'This recording answers its task on src/server.js only (this run names src/server.js, src/health.js); switch to live mode to run your own.',
  );
  workspace.set('src/server.js', `${ex.workspace['src/server.js']}// mine\n`);
  assert.deepEqual(editedFiles(ex, workspace), ['src/server.js']);
  assert.match(ask(), /^This recording was made on the example's files as they were; src\/server\.js changed since/);
  workspace.set('src/server.js', ex.workspace['src/server.js']);
  workspace.set('notes.md', 'x');
  assert.deepEqual(editedFiles(ex, workspace), ['notes.md'], 'an added file counts as a change');
  assert.match(recordingRefusal({ example: example('fixture-express-app'), task: 't', files: ['a'], workspace }), /no recorded run: switch to live mode/);
});

test('words: the CLI status words and exit-code names; the CLI flags in core messages become the page controls', () => {
  assert.equal(statusLine({ status: 'OK', error: null }), 'OK');
  assert.equal(statusLine({ status: 'FAILED', error: { code: 'model_unavailable', message: 'x' } }), 'FAILED: model unavailable');
  assert.equal(statusLine({ status: 'FAILED', error: { code: 'input_missing', message: 'x' } }), 'FAILED: input');
  assert.equal(statusLine({ status: 'FAILED', error: { code: 'blocked', message: 'x' } }), 'FAILED: blocked');
  assert.equal(statusLine({ status: 'INTERRUPTED', error: { code: 'interrupted', message: 'x' } }), 'INTERRUPTED');
  assert.equal(
    pageWords("`a.js`: the answer used the other module system. State the project's with `--module-format cjs` or `--module-format esm`."),
    '`a.js`: the answer used the other module system. State the project\'s with Module format "cjs" in the run options or Module format "esm" in the run options.',
  );
  assert.equal(pageWords('`b.js` is not in `--files`: add it if the run may write it.'), '`b.js` is not in the ticked files: add it if the run may write it.');
  assert.equal(pageWords('process use [--allow process]: spawn (--partial keeps the rest)'), 'process use [Allow "process" in the run options]: spawn (the Partial run option keeps the rest)');
  assert.equal(pageWords('raise `--max-retries`; --verify x'), 'raise the Retries per file run option; --verify x', 'a flag without a page control keeps its name');
});

test('streamingFetch: a streamed answer reaches onDelta piece by piece and the completer as one completion; plain JSON passes', async () => {
  const server = await startModelServer();
  try {
    const content = '```js\nmodule.exports = 1;\n```\n';
    server.streamed(content, { usage: { prompt: 7, completion: 3 } });
    server.answer('whole');
    const pieces = [];
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', fetch: streamingFetch((t) => pieces.push(t)) });
    const request = { id: 1, messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxTokens: 10 };
    const streamed = await complete(request);
    assert.deepEqual([streamed.text, streamed.usage], [content, { promptTokens: 7, completionTokens: 3 }]);
    assert.equal((await complete(request)).text, 'whole', 'a server that ignores stream: true answers as before');
    assert.deepEqual(pieces, ['```js\n', 'module.exports = 1;\n', '```\n']);
    assert.deepEqual(server.requests.map((r) => [r.body.stream, r.body.stream_options?.include_usage]), [[true, true], [true, true]]);
    // A server that refuses the stream parameters gets the call unstreamed, for the rest of the run.
    server.fail(400, { error: { message: "Unrecognized request argument supplied: stream_options" } }).answer('again').answer('and again');
    assert.equal((await complete(request)).text, 'again');
    assert.equal((await complete(request)).text, 'and again');
    assert.deepEqual(server.requests.slice(2).map((r) => r.body.stream ?? null), [true, null, null]);
    server.fail(400, { error: { message: 'bad temperature' } });
    await assert.rejects(complete(request), (err) => err.code === 'bad_response' && /400 Bad Request: bad temperature/.test(err.message));
  } finally {
    await server.close();
  }
});

test('own files: UTF-8 text only, a common top folder taken off, dependency folders passed over', async () => {
  const file = (text) => new Blob([text]);
  const { files, skipped, root } = await readEntries([
    { path: 'proj/src/a.js', file: file('a\n') },
    { path: 'proj/README.md', file: file('é\n') },
    { path: 'proj/node_modules/x/index.js', file: file('x') },
    { path: 'proj/logo.png', file: file(new Uint8Array([0x89, 0x50, 0, 1])) },
    { path: 'proj/latin1.txt', file: file(new Uint8Array([0xe9, 0x0a])) },
  ]);
  assert.deepEqual({ files, skipped, root }, { files: { 'src/a.js': 'a\n', 'README.md': 'é\n' }, skipped: ['logo.png', 'latin1.txt'], root: 'proj' });
  assert.deepEqual((await readEntries([{ path: 'a.js', file: file('1') }, { path: 'b.js', file: file('2') }])).root, null);
  assert.equal(textOf(new Uint8Array([0xff])), null);
});
