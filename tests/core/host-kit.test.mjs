// The host kit of @codemaestro/core, as a library user meets it: the OpenAI-compatible completer
// against a real loopback server, the Node file host on real temp directories, the memory host,
// the replay reader on a recorded run of the repository, and the one path rule they all share.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as core from '@codemaestro/core';
import * as webEntry from '../../npm/core/web.mjs';
import * as hostEntry from '@codemaestro/core/host';
import * as webHostEntry from '../../npm/core/host/index.mjs';
import { startModelServer, withModelServer as withServer } from '../support/model-server.mjs';
import { REPO, cleanup, makeTempDir, fenced, planJson } from '../support/cli.mjs';
import { HEALTH_MODULE } from '../support/answers.mjs';

const {
  CompletionError,
  WorkspacePathError,
  createMemoryHost,
  createNodeHost,
  createOpenAICompleter,
  createReplayCompleter,
  normalizeWorkspacePath,
  readReplay,
  runTask,
} = core;

after(cleanup);

const REQUEST = { id: 1, stage: 'L1', path: null, action: null, attempt: 0, messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxTokens: 10 };
const example = (rel) => fs.readFileSync(path.join(REPO, 'examples', rel), 'utf8');


// ---------- the entries ----------

test('the Node entry exports the whole kit; the browser entry all of it but the Node pieces', () => {
  const kit = ['normalizeWorkspacePath', 'WorkspacePathError', 'createOpenAICompleter', 'parseCompletion', 'CompletionError', 'refusesResponseFormat', 'readReplay', 'createReplayCompleter', 'createMemoryHost'];
  const nodeOnly = ['createNodeHost', 'mergeAliases', 'isInside', 'posixRelative', 'noHardLinks', 'sha256'];
  for (const name of [...kit, ...nodeOnly]) assert.equal(typeof core[name], 'function', `node entry: ${name}`);
  for (const name of kit) assert.equal(webEntry[name], core[name], `web entry: ${name} (the same module)`);
  for (const name of nodeOnly) assert.equal(name in webEntry, false, `web entry has no ${name}`);
  // "@codemaestro/core/host": the kit alone (no wasm API), the same functions, Node pieces in Node only.
  const limits = ['MAX_FILE_BYTES', 'LARGEST_FILE_BYTES', 'MAX_RESPONSE_BYTES'];
  assert.equal(core.IO_REASONS.EACCES, 'permission denied');
  assert.equal('IO_REASONS' in webEntry, false);
  for (const name of limits) assert.equal(typeof core[name], 'number', `node entry: ${name}`);
  assert.equal(core.MAX_FILE_BYTES, 16 * 1024 * 1024);
  assert.equal(core.LARGEST_FILE_BYTES, 32 * 1024 * 1024);
  assert.equal(core.MAX_RESPONSE_BYTES, 4 * 1024 * 1024);
  assert.deepEqual(Object.keys(hostEntry).sort(), [...kit, ...nodeOnly, ...limits, 'IO_REASONS'].sort());
  for (const name of Object.keys(hostEntry)) assert.equal(hostEntry[name], core[name], `host entry: ${name} (the same module)`);
  assert.deepEqual(Object.keys(webHostEntry).sort(), [...kit, ...limits].sort());
  const typings = fs.readFileSync(path.join(REPO, 'npm/core/index.d.ts'), 'utf8');
  assert.match(typings, /^export \* from '\.\/host\/index\.js';$/m);
  const hostTypings = fs.readFileSync(path.join(REPO, 'npm/core/host/index.d.ts'), 'utf8');
  for (const name of [...kit, ...nodeOnly, ...limits, 'IO_REASONS']) assert.match(hostTypings, new RegExp(`export declare (function|class|const) ${name}\\b`), `typed: ${name}`);
});

// ---------- the path rule ----------

test('normalizeWorkspacePath: one posix-relative form; absolute, drive-letter, ".." and NUL paths refused', () => {
  const ok = [
    ['src/a.js', 'src/a.js'],
    ['./src//a.js', 'src/a.js'],
    ['src\\lib\\b.js', 'src/lib/b.js'],
    ['  a.js ', 'a.js'],
    ['./ a.js', 'a.js'],
    ['src/a:b.js', 'src/a:b.js'],
    ['a/./b/', 'a/b'],
  ];
  for (const [raw, want] of ok) {
    assert.equal(normalizeWorkspacePath(raw), want, JSON.stringify(raw));
    assert.equal(normalizeWorkspacePath(want), want, `idempotent: ${want}`);
  }
  const refused = [
    ['/etc/passwd', /absolute/],
    ['\\\\server\\share\\x.js', /absolute/],
    ['C:\\x.js', /absolute/],
    ['C:/x.js', /absolute/],
    ['C:foo', /absolute/],
    ['c:', /absolute/],
    ['./C:/Windows/x.js', /absolute/],
    ['.\\D:\\x.js', /absolute/],
    ['../x.js', /'\.\.' leaves the workspace/],
    ['src/../../x.js', /'\.\.' leaves the workspace/],
    ['src\\..\\x.js', /'\.\.' leaves the workspace/],
    ['a.js\0.txt', /NUL/],
    ['', /empty path/],
    ['   ', /empty path/],
    ['./', /not a file path/],
    ['.', /not a file path/],
  ];
  for (const [raw, why] of refused) {
    assert.throws(() => normalizeWorkspacePath(raw), (err) => err instanceof WorkspacePathError && err.code === 'outside_workspace' && why.test(err.message), JSON.stringify(raw));
  }
  assert.throws(() => normalizeWorkspacePath(undefined), WorkspacePathError);
});

// ---------- the completer ----------

test('completer: posts the request to <base>/chat/completions with the key and maps text, usage and duration', async () => {
  await withServer(async (server) => {
    server.answer('hello', { prompt: 12, completion: 3 });
    const complete = createOpenAICompleter({ baseUrl: `${server.baseUrl}//`, apiKey: 'sk-kit', model: 'm-1' });
    const c = await complete(REQUEST);
    assert.deepEqual({ ...c, durationMs: typeof c.durationMs }, { text: 'hello', usage: { promptTokens: 12, completionTokens: 3 }, durationMs: 'number' });
    const [r] = server.requests;
    assert.deepEqual([r.method, r.url, r.headers.authorization], ['POST', '/v1/chat/completions', 'Bearer sk-kit']);
    assert.deepEqual(r.body, { model: 'm-1', messages: REQUEST.messages, temperature: 0, max_tokens: 10 });
  });
});

test('completer: a 5xx and a 429 are retried with backoff, and the third failure names the retries', async () => {
  await withServer(async (server) => {
    const retries = [];
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', retryBaseMs: 1, onRetry: (r) => retries.push(r) });
    server.fail(500).fail(429).answer('third time');
    assert.equal((await complete(REQUEST)).text, 'third time');
    assert.deepEqual(retries.map((r) => [r.id, r.retry, r.code, r.status, r.delayMs]), [[1, 1, 'server', 500, 1], [1, 2, 'rate_limit', 429, 4]]);

    server.fail(502).fail(503).fail(504, { error: { message: 'upstream timed out' } });
    await assert.rejects(complete(REQUEST), (err) => {
      assert.ok(err instanceof CompletionError);
      assert.equal(err.code, 'server');
      assert.equal(err.status, 504);
      assert.match(err.message, /^model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered 504 Gateway Timeout: upstream timed out \(after 2 retries\)$/);
      return true;
    });
    assert.equal(server.requests.length, 6);
  });
});

test('completer: Retry-After is waited for when longer than the backoff, and capped', async () => {
  await withServer(async (server) => {
    const delays = [];
    const stop = new AbortController();
    const complete = createOpenAICompleter({
      baseUrl: server.baseUrl,
      model: 'm',
      retryBaseMs: 1,
      signal: stop.signal,
      onRetry: (r) => {
        delays.push(r.delayMs);
        // A server asking for minutes is waited for 20 s at most; the test stops there.
        if (r.delayMs > 1000) stop.abort();
      },
    });
    server.fail(429, { error: { message: 'slow down' } }, { 'retry-after': '1' }).answer('after the wait');
    assert.equal((await complete(REQUEST)).text, 'after the wait');
    server.fail(503, undefined, { 'retry-after': '600' });
    await assert.rejects(complete(REQUEST), (err) => err.code === 'interrupted');
    assert.deepEqual(delays, [1000, 20_000]);
  });
});

test('completer: a refused key (401) and a bad request (400) are not retried; the server\'s own message is surfaced', async () => {
  await withServer(async (server) => {
    const retries = [];
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, apiKey: 'sk-live-0123456789', model: 'm', retryBaseMs: 1, onRetry: (r) => retries.push(r), redact: (s) => s.replaceAll('sk-live-0123456789', '***') });
    server.fail(401, { error: { message: 'Incorrect API key provided: sk-live-0123456789' } });
    await assert.rejects(complete(REQUEST), (err) => {
      assert.equal(err.code, 'auth');
      assert.match(err.message, /answered 401 Unauthorized: Incorrect API key provided: \*\*\* \(check the API key\)$/);
      return true;
    });
    server.fail(400, { error: { message: 'model "m" does not exist' } });
    await assert.rejects(complete(REQUEST), (err) => err.code === 'bad_response' && /answered 400 Bad Request: model "m" does not exist$/.test(err.message));
    server.garbage('<html>proxy</html>');
    await assert.rejects(complete(REQUEST), (err) => err.code === 'bad_response' && /did not answer with JSON \(body starts: "<html>proxy<\/html>"\)/.test(err.message));
    assert.equal(server.requests.length, 3);
    assert.deepEqual(retries, []);
  });
});

test('completer: a 50 MB answer is refused as it streams in (bad_response), without reading it whole', async () => {
  await withServer(async (server) => {
    const total = 50 * 1024 * 1024;
    server.flood(total);
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', retryBaseMs: 1 });
    await assert.rejects(complete(REQUEST), (err) => {
      assert.ok(err instanceof CompletionError);
      assert.equal(err.code, 'bad_response');
      assert.match(err.message, /^model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions sent more than 4194304 bytes: far more than any answer for one file, refused unread$/);
      return true;
    });
    // The client stopped reading: the server could not push the rest through the socket.
    assert.ok(server.floodSent < total, `${server.floodSent} of ${total} bytes sent`);
    assert.equal(server.requests.length, 1, 'not retried');
    // The limit is an option: a small one refuses a small answer the same way.
    server.answer('x'.repeat(2000));
    const small = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', maxResponseBytes: 1000 });
    await assert.rejects(small(REQUEST), (err) => err.code === 'bad_response' && /sent more than 1000 bytes/.test(err.message));
  });
});

test('completer: an answer that is not valid UTF-8 is a bad_response, never text with replacement characters', async () => {
  await withServer(async (server) => {
    const latin1 = Buffer.concat([Buffer.from('{"choices":[{"message":{"role":"assistant","content":"caf'), Buffer.from([0xe9]), Buffer.from('"}}]}')]);
    server.garbage(latin1, 'application/json');
    // A multi-byte character split across the stream's chunks is fine.
    server.answer('const s = "caf\u00e9 \u{1F600}";');
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', retryBaseMs: 1 });
    await assert.rejects(complete(REQUEST), (err) => {
      assert.equal(err.code, 'bad_response');
      assert.match(err.message, /^model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered with bytes that are not valid UTF-8$/);
      return true;
    });
    assert.equal((await complete(REQUEST)).text, 'const s = "caf\u00e9 \u{1F600}";');
  });
});

test('completer: a stall past timeoutMs is retried once, then fails with code timeout', async () => {
  await withServer(async (server) => {
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', timeoutMs: 200, maxRetries: 5, retryBaseMs: 1 });
    server.stall().stall();
    await assert.rejects(complete(REQUEST), (err) => err.code === 'timeout' && /did not answer within 0\.2s \(after 1 retry\)$/.test(err.message));
    assert.equal(server.requests.length, 2);
  });
});

test('completer: aborting the signal cancels the call in flight (code interrupted, no retry)', async () => {
  await withServer(async (server) => {
    const stop = new AbortController();
    let arrived;
    const inFlight = new Promise((resolve) => (arrived = resolve));
    server.dynamic(() => {
      arrived();
      return { type: 'stall' };
    });
    const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', retryBaseMs: 1, signal: stop.signal });
    const call = complete(REQUEST);
    await inFlight;
    stop.abort();
    await assert.rejects(call, (err) => err.code === 'interrupted');
    await assert.rejects(complete(REQUEST), (err) => err.code === 'interrupted', 'an aborted signal refuses further calls');
    assert.equal(server.requests.length, 1);
  });
});

test('completer: an unreachable server is a network error naming the cause, after the retries', async () => {
  const server = await startModelServer();
  const baseUrl = server.baseUrl;
  await server.close();
  const complete = createOpenAICompleter({ baseUrl, model: 'm', retryBaseMs: 1 });
  await assert.rejects(complete(REQUEST), (err) => err.code === 'network' && /^cannot reach model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: ECONNREFUSED \(after 2 retries\)$/.test(err.message));
  assert.throws(() => createOpenAICompleter({ model: 'm' }), /baseUrl is required/);
});

// ---------- the Node file host ----------

function nodeWorkspace() {
  const dir = makeTempDir();
  const ws = path.join(dir, 'ws');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(ws, 'src/a.js'), 'a\n');
  fs.writeFileSync(path.join(outside, 'secret.js'), 'secret\n');
  fs.symlinkSync(path.join(outside, 'secret.js'), path.join(ws, 'src/linked.js'));
  fs.symlinkSync(outside, path.join(ws, 'out'));
  fs.symlinkSync(path.join(outside, 'absent.js'), path.join(ws, 'dangling.js'));
  return { ws, outside };
}

const listing = (dir) => fs.readdirSync(dir, { recursive: true }).sort();

test('node host: file states the core expects', async () => {
  const { ws } = nodeWorkspace();
  fs.writeFileSync(path.join(ws, 'bin.dat'), Buffer.from([1, 0, 2]));
  fs.writeFileSync(path.join(ws, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  fs.writeFileSync(path.join(ws, 'big.txt'), 'x'.repeat(2 * 1024 * 1024 + 1));
  // Under the default limit (16 MiB), over the one set here.
  const host = createNodeHost({ workspace: ws, maxFileBytes: 2 * 1024 * 1024 });
  assert.equal(host.root, fs.realpathSync(ws));
  assert.deepEqual(await host.readFile('src/a.js'), { state: 'present', text: 'a\n' });
  assert.deepEqual(await host.readFile('./src\\a.js'), { state: 'present', text: 'a\n' });
  assert.deepEqual(await host.readFile('src/new.js'), { state: 'absent' });
  const reason = async (p) => (await host.readFile(p)).reason;
  assert.equal(await reason('src'), 'directory');
  assert.equal(await reason('bin.dat'), 'binary');
  assert.equal(await reason('latin1.txt'), 'not_utf8');
  assert.equal(await reason('big.txt'), 'too_large');
  assert.equal((await createNodeHost({ workspace: ws }).readFile('big.txt')).state, 'present');
  for (const bad of [0, 1.5, 32 * 1024 * 1024 + 1, '1']) assert.throws(() => createNodeHost({ workspace: ws, maxFileBytes: bad }), /maxFileBytes must be a whole number of bytes from 1 to 33554432/);
  assert.deepEqual(await host.readFile('src/a.js/x'), { state: 'unreadable', reason: 'io', message: 'a parent of this path is a file, not a directory' });
});

test('node host: confined to the workspace - "..", absolute, drive-letter paths and symbolic links that lead out', async () => {
  const { ws, outside } = nodeWorkspace();
  const host = createNodeHost({ workspace: ws });
  const before = { ws: listing(ws), outside: listing(outside), secret: fs.readFileSync(path.join(outside, 'secret.js'), 'utf8') };
  for (const p of ['../outside/secret.js', path.join(outside, 'secret.js'), 'C:\\x.js', 'C:x.js', 'src/linked.js', 'out/secret.js', 'out/new.js', 'dangling.js']) {
    const state = await host.readFile(p);
    assert.equal(state.reason, 'outside_workspace', p);
    await assert.rejects(host.writeFile(p, 'pwned\n'), (err) => err.code === 'outside_workspace' && /^refusing to write /.test(err.message), p);
    await assert.rejects(host.deleteFile(p), (err) => err.code === 'outside_workspace', p);
  }
  assert.match((await host.readFile('src/linked.js')).message, /^resolves outside the workspace \(symbolic link to .*secret\.js\)$/);
  assert.deepEqual({ ws: listing(ws), outside: listing(outside), secret: fs.readFileSync(path.join(outside, 'secret.js'), 'utf8') }, before, 'nothing written or deleted anywhere');
  // A link that stays inside is followed.
  fs.symlinkSync('a.js', path.join(ws, 'src/inner.js'));
  assert.deepEqual(await host.readFile('src/inner.js'), { state: 'present', text: 'a\n' });
});

test('node host: listDir - recursive, in name order, without what .gitignore ignores, node_modules, .git, .red-exec*, links out; capped; confined', async () => {
  const { ws, outside } = nodeWorkspace();
  const put = (rel, text = 'x\n') => {
    fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    fs.writeFileSync(path.join(ws, rel), text);
  };
  put('.gitignore', '*.log\nsrc/gen/\n');
  put('src/lib/.gitignore', 'local.js\n!keep.log\n');
  for (const rel of ['src/lib/b.js', 'src/lib/a.js', 'src/lib/deep/c.js', 'src/lib/local.js', 'src/lib/deep/local.js', 'src/lib/debug.log', 'src/gen/g.js', 'src/lib/node_modules/m/index.js', 'src/lib/.git/HEAD', 'src/lib/.red-exec.json']) put(rel);
  fs.symlinkSync(path.join(outside, 'secret.js'), path.join(ws, 'src/lib/leak.js'));
  fs.symlinkSync('a.js', path.join(ws, 'src/lib/inner.js'));
  const host = createNodeHost({ workspace: ws });
  assert.deepEqual(await host.listDir('src/lib'), {
    state: 'listed',
    paths: ['src/lib/.gitignore', 'src/lib/a.js', 'src/lib/b.js', 'src/lib/deep/c.js', 'src/lib/inner.js'],
    truncated: false,
  });
  assert.deepEqual(await host.listDir('src/lib/', { max: 2 }), { state: 'listed', paths: ['src/lib/.gitignore', 'src/lib/a.js'], truncated: true });
  // An ignored directory named itself lists nothing; a file or nothing there is no directory.
  assert.deepEqual(await host.listDir('src/gen'), { state: 'listed', paths: [], truncated: false });
  assert.deepEqual(await host.listDir('src/a.js'), { state: 'absent' });
  assert.deepEqual(await host.listDir('nope'), { state: 'absent' });
  fs.symlinkSync(outside, path.join(ws, 'away'));
  for (const p of ['../outside', 'away', outside]) assert.equal((await host.listDir(p)).reason, 'outside_workspace', p);
  // The memory host lists by prefix.
  const memory = createMemoryHost({ 'lib/x.js': '1', 'lib/sub/y.js': '2', 'libz.js': '3' });
  assert.deepEqual(await memory.listDir('lib/'), { state: 'listed', paths: ['lib/sub/y.js', 'lib/x.js'], truncated: false });
  assert.deepEqual(await memory.listDir('other'), { state: 'absent' });
});

test('node host: a write is atomic - temp file, rename, mode kept, no temp file left, old content on failure', async () => {
  const { ws } = nodeWorkspace();
  const target = path.join(ws, 'src/a.js');
  fs.chmodSync(target, 0o751);
  const seen = [];
  let fail = false;
  const host = createNodeHost({
    workspace: ws,
    hooks: {
      beforeWrite: (change) => {
        seen.push(['before', change.path, path.relative(host.root, change.tmp).split(path.sep)[0], change.dirs.map((d) => path.relative(host.root, d))]);
        return `token-${seen.length}`;
      },
      afterWrite: (change, token) => seen.push(['after', change.path, token]),
      step: async (point) => {
        // The new bytes are complete in one temp file, and only there.
        if (point === 'before-rename') seen.push(['temp files', listing(ws).filter((f) => f.endsWith('.tmp')).length]);
        if (point === 'before-rename' && fail) throw new Error('disk gone');
      },
    },
  });
  await host.writeFile('src/a.js', 'b\n');
  assert.equal(fs.readFileSync(target, 'utf8'), 'b\n');
  assert.equal(fs.statSync(target).mode & 0o7777, 0o751, 'the mode is kept');
  await host.writeFile('deep/er/new.js', 'new\n');
  assert.deepEqual(seen, [
    ['before', 'src/a.js', 'src', []],
    ['temp files', 1],
    ['after', 'src/a.js', 'token-1'],
    ['before', 'deep/er/new.js', 'deep', ['deep', path.join('deep', 'er')]],
    ['temp files', 1],
    ['after', 'deep/er/new.js', 'token-4'],
  ]);
  fail = true;
  await assert.rejects(host.writeFile('src/a.js', 'c\n'), /disk gone/);
  assert.equal(fs.readFileSync(target, 'utf8'), 'b\n', 'a failed write leaves the old file');
  assert.deepEqual(listing(ws).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
  // A delete, then its rollback: the file comes back with its mode, the directories made go with a removed file.
  await host.deleteFile('src/a.js');
  assert.equal(fs.existsSync(target), false);
  fail = false;
  await host.writeFile('src/a.js', 'b\n', { rollback: true });
  assert.equal(fs.statSync(target).mode & 0o7777, 0o751);
  await host.deleteFile('deep/er/new.js', { rollback: true });
  assert.equal(fs.existsSync(path.join(ws, 'deep')), false);
  await host.deleteFile('src/never.js');
  await assert.rejects(host.deleteFile('src'), /it is a directory/);
  await assert.rejects(host.writeFile('src', 'x'), /it is a directory/);
});

test('node host + completer: a library user\'s whole run, no plumbing of their own', async () => {
  const { ws } = nodeWorkspace();
  await withServer(async (server) => {
    server.answer(planJson([{ path: 'src/health.js', action: 'CREATE', intent: 'health()' }])).answer(fenced(HEALTH_MODULE));
    const result = await runTask({
      task: 'Create src/health.js exporting health()',
      files: ['src/health.js'],
      options: { model: 'deepseek-chat' },
      host: { ...createNodeHost({ workspace: ws }), complete: createOpenAICompleter({ baseUrl: server.baseUrl, apiKey: 'k', model: 'deepseek-chat' }) },
    });
    assert.equal(result.status, 'OK');
    assert.equal(fs.readFileSync(path.join(ws, 'src/health.js'), 'utf8'), HEALTH_MODULE);
  });
});

test('runTask: each model_request event holds its request\'s prompt and each model_response the answer given', async () => {
  const answerText = fenced(HEALTH_MODULE);
  const prompts = [];
  const events = [];
  const result = await runTask({
    task: 'Create src/health.js exporting health()',
    files: ['src/health.js'],
    options: { model: 'deepseek-chat' },
    host: {
      ...createMemoryHost({}),
      onEvent: (e) => events.push(e),
      complete: async (request) => {
        prompts.push(request);
        return { text: answerText, usage: { promptTokens: 3, completionTokens: 4 } };
      },
    },
  });
  assert.equal(result.status, 'OK');
  const asked = events.filter((e) => e.kind === 'model_request');
  assert.deepEqual(asked.map((e) => [e.id, e.messages]), prompts.map((p) => [p.id, p.messages]));
  assert.ok(asked[0].messages[1].content.includes('src/health.js'));
  assert.deepEqual(events.filter((e) => e.kind === 'model_response').map((e) => e.text), prompts.map(() => answerText));
});

// ---------- the memory host ----------

test('memory host: a copy of the files, the same states and path rule, and the changes a run made', async () => {
  const given = { './src/a.js': 'a', 'src/lib/b.js': 'b', 'README.md': 'r' };
  const events = [];
  const host = createMemoryHost(given, { onEvent: (e) => events.push(e) });
  assert.deepEqual(host.files(), { 'README.md': 'r', 'src/a.js': 'a', 'src/lib/b.js': 'b' });
  assert.deepEqual(await host.readFile('src/a.js'), { state: 'present', text: 'a' });
  assert.deepEqual(await host.readFile('src/new.js'), { state: 'absent' });
  assert.equal((await host.readFile('src/lib')).reason, 'directory');
  assert.equal((await host.readFile('src/a.js/x')).reason, 'io');
  for (const p of ['../x.js', '/etc/passwd', 'C:\\x.js', 'C:x.js']) {
    assert.equal((await host.readFile(p)).reason, 'outside_workspace', p);
    await assert.rejects(host.writeFile(p, 'x'), (err) => err.code === 'outside_workspace', p);
  }
  await assert.rejects(host.writeFile('src', 'x'), /it is a directory/);
  assert.equal((await createMemoryHost({ 'big.txt': 'é'.repeat(8 * 1024 * 1024 + 1) }).readFile('big.txt')).reason, 'too_large');
  assert.throws(() => createMemoryHost({ 'D:/x.js': '' }), /absolute/);

  await host.writeFile('src/a.js', 'A');
  await host.writeFile('src/c.js', 'c');
  await host.deleteFile('README.md');
  await host.writeFile('src/lib/b.js', 'B');
  await host.writeFile('src/lib/b.js', 'b', { rollback: true });
  assert.deepEqual([...host.changes()], [['README.md', null], ['src/a.js', 'A'], ['src/c.js', 'c']], 'a restored file is no change');
  assert.deepEqual(given, { './src/a.js': 'a', 'src/lib/b.js': 'b', 'README.md': 'r' }, 'the caller\'s files are not touched');
  host.onEvent({ kind: 'x' });
  assert.deepEqual(events, [{ kind: 'x' }]);
});

// ---------- the replay reader ----------

test('replay: a recorded run of the repository (examples/add-health) replays to the recorded answer', async () => {
  const replay = readReplay(example('add-health/transcript.jsonl'));
  assert.equal(replay.model, 'deepseek-chat');
  assert.deepEqual(replay.calls.map((c) => [c.id, c.stage, c.path]), [[1, 'L1', null], [2, 'L3', 'src/server.js']]);
  assert.equal(JSON.stringify(replay).includes('"messages"'), false, 'the prompts are left out');

  const workspace = { 'package.json': example('add-health/workspace/package.json'), 'src/server.js': example('add-health/workspace/src/server.js') };
  const files = createMemoryHost(workspace);
  const result = await runTask({ task: example('add-health/TASK.md').trim(), files: ['src/server.js'], options: { model: replay.model }, host: { ...files, complete: createReplayCompleter(replay) } });
  assert.equal(result.status, 'OK');
  assert.deepEqual([...files.changes()], [['src/server.js', example('add-health/answers/src/server.js')]]);
  // The recording's plan call is passed over: the core derives this one-file plan.
  assert.equal(result.usage.calls, 1);
});

test('replay: another scope diverges with bad_response; a broken or empty log is refused with the line', async () => {
  const text = example('add-health/transcript.jsonl');
  const complete = createReplayCompleter(text);
  assert.equal((await complete({ ...REQUEST, id: 1 })).text.length > 0, true);
  await assert.rejects(complete({ ...REQUEST, id: 2, stage: 'L3', path: 'src/other.js' }), (err) => err instanceof CompletionError && err.code === 'bad_response' && /^replay diverged: call 2 \(L3 src\/other\.js\) was recorded as L3 src\/server\.js$/.test(err.message));
  await assert.rejects(complete({ ...REQUEST, id: 3, stage: 'L3', path: 'src/server.js' }), /replay diverged: the recorded run has no answer for call 3/);
  assert.throws(() => readReplay('{"kind":"plan"}\nnot json\n'), /^Error: line 2 is not JSON$/);
  assert.throws(() => readReplay('{"kind":"run_start"}\n'), /no recorded model answers/);
  // A log without run_start (a run that died early) still names the model from host_start.
  const lines = text.split('\n').filter((l) => !l.includes('"kind":"run_start"')).join('\n');
  assert.equal(readReplay(lines).model, 'deepseek-chat');
});

test('node host: compare-and-swap - a file changed after the first check is caught right before the rename or unlink', async () => {
  const dir = makeTempDir();
  fs.writeFileSync(path.join(dir, 'a.js'), 'old\n');
  fs.writeFileSync(path.join(dir, 'gone.js'), 'bye\n');
  const failed = [];
  // Each hook plays the user, editing the file between the host's first check and its change.
  let edit = () => {};
  const host = createNodeHost({
    workspace: dir,
    hooks: {
      beforeWrite: () => edit(),
      beforeDelete: () => edit(),
      failed: (change, token, err) => failed.push([change.path, err.code]),
    },
  });
  const present = (text) => ({ state: 'present', text });
  const leftovers = () => fs.readdirSync(dir).filter((n) => n.endsWith('.tmp'));

  edit = () => fs.writeFileSync(path.join(dir, 'a.js'), 'mine\n');
  await assert.rejects(host.writeFile('a.js', 'new\n', { expect: present('old\n') }), (err) => {
    assert.equal(err.code, 'conflict');
    assert.match(err.message, /^expected 4 bytes \(sha256 [0-9a-f]{12}\), found 5 bytes \(sha256 [0-9a-f]{12}\)$/);
    return true;
  });
  assert.equal(fs.readFileSync(path.join(dir, 'a.js'), 'utf8'), 'mine\n');
  // A file that must not exist yet: link(2) refuses to replace the one that appeared.
  edit = () => fs.writeFileSync(path.join(dir, 'b.js'), 'mine\n');
  await assert.rejects(host.writeFile('b.js', 'new\n', { expect: { state: 'absent' } }), { code: 'conflict', message: /^expected no file, found 5 bytes/ });
  assert.equal(fs.readFileSync(path.join(dir, 'b.js'), 'utf8'), 'mine\n');
  edit = () => fs.appendFileSync(path.join(dir, 'gone.js'), 'still here\n');
  await assert.rejects(host.deleteFile('gone.js', { expect: present('bye\n') }), { code: 'conflict' });
  assert.equal(fs.readFileSync(path.join(dir, 'gone.js'), 'utf8'), 'bye\nstill here\n');
  assert.deepEqual(failed, [['a.js', 'conflict'], ['b.js', 'conflict'], ['gone.js', 'conflict']]);
  assert.deepEqual(leftovers(), []);

  // Found as expected: the change is made; the first check's bytes reach the hook.
  const seen = [];
  edit = () => {};
  const plain = createNodeHost({ workspace: dir, hooks: { beforeWrite: (c) => seen.push(c.before), beforeDelete: (c) => seen.push(c.before) } });
  await plain.writeFile('a.js', 'new\n', { expect: present('mine\n') });
  await plain.writeFile('c.js', 'made\n', { expect: { state: 'absent' } });
  await plain.deleteFile('gone.js', { expect: present('bye\nstill here\n') });
  assert.deepEqual(seen.map((b) => (b === null ? null : Buffer.from(b).toString())), ['mine\n', null, 'bye\nstill here\n']);
  assert.equal(fs.readFileSync(path.join(dir, 'c.js'), 'utf8'), 'made\n');
  assert.deepEqual(leftovers(), []);
  // Refused before anything is made when the file is already not what is expected; a delete of
  // a file already gone is no error; without `expect` there is no check (hosts for other callers).
  await assert.rejects(plain.writeFile('a.js', 'x\n', { expect: present('old\n') }), { code: 'conflict' });
  await plain.deleteFile('gone.js', { expect: present('bye\n') });
  await plain.writeFile('a.js', 'free\n');
  assert.equal(fs.readFileSync(path.join(dir, 'a.js'), 'utf8'), 'free\n');
});

test('memory host: compare-and-swap like the Node host', async () => {
  const host = createMemoryHost({ 'a.js': 'old\n' });
  await assert.rejects(host.writeFile('a.js', 'new\n', { expect: { state: 'present', text: 'other\n' } }), { code: 'conflict', message: 'expected 6 bytes, found 4 bytes' });
  await assert.rejects(host.writeFile('a.js', 'new\n', { expect: { state: 'absent' } }), { code: 'conflict', message: 'expected no file, found 4 bytes' });
  await assert.rejects(host.deleteFile('a.js', { expect: { state: 'present', text: 'other\n' } }), { code: 'conflict' });
  assert.deepEqual(host.files(), { 'a.js': 'old\n' });
  await host.writeFile('a.js', 'new\n', { expect: { state: 'present', text: 'old\n' } });
  await host.writeFile('b.js', 'b\n', { expect: { state: 'absent' } });
  await host.deleteFile('a.js', { expect: { state: 'present', text: 'new\n' } });
  assert.deepEqual(host.files(), { 'b.js': 'b\n' });
});
