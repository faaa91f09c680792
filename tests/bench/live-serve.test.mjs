// The live model's install and serve scripts without any weights: argument errors, the port, the cache
// (missing, checksum mismatch, the verified marker), as spawned processes with a temp cache; then the
// HTTP layer (routes, usage, response_format, the queue, aborts) over a stand-in for node-llama-cpp.
// Nothing here installs or downloads anything: every process gets a temp RED_EXEC_LIVE_CACHE and --no-install.

import test, { after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT } from '../../benchmarks/live-model/errors.mjs';
import { MODELS, cacheDir, cachePaths } from '../../benchmarks/live-model/models.mjs';
import { fitJsonSchema, SchemaError } from '../../benchmarks/live-model/json-schema.mjs';
import { createApp, createGrammars } from '../../benchmarks/live-model/serve.mjs';

const LIVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'benchmarks', 'live-model');
const SERVE = path.join(LIVE, 'serve.mjs');
const INSTALL = path.join(LIVE, 'install.mjs');
const MODEL = 'qwen2.5-coder-0.5b';

const temps = [];
function tempCache() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-live-test-'));
  temps.push(dir);
  return dir;
}
after(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function run(script, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, RED_EXEC_LIVE_MANIFEST: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertOneLine(r, code, pattern) {
  assert.equal(r.code, code, `exit ${r.code}, stderr: ${r.stderr}`);
  assert.equal(r.stdout, '', 'nothing on stdout (the listening line never came)');
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

// A fake weights file in a temp cache, and a test manifest that pins its size and sha256 (or another sha).
function fakeWeights(cache, bytes = 4096, { pinSha } = {}) {
  const paths = cachePaths(MODEL, { RED_EXEC_LIVE_CACHE: cache });
  fs.mkdirSync(paths.models, { recursive: true });
  const data = crypto.randomBytes(bytes);
  fs.writeFileSync(paths.model, data);
  const sha = crypto.createHash('sha256').update(data).digest('hex');
  const manifest = path.join(cache, 'test-manifest.json');
  fs.writeFileSync(manifest, JSON.stringify({ [MODEL]: { bytes, sha256: pinSha ?? sha } }));
  return { paths, data, sha, manifest };
}

// --- arguments --------------------------------------------------------------------------------------

test('serve: argument errors are one line and exit 2, before anything else', async () => {
  const cache = tempCache();
  const env = { RED_EXEC_LIVE_CACHE: cache };
  const cases = [
    [['--model', MODEL, '--bogus'], /serve: .*--bogus/],
    [[], /serve: --model NAME is required/],
    [['--model', 'gpt-9'], /serve: unknown model gpt-9 \(known: qwen2\.5-coder-1\.5b, qwen2\.5-coder-0\.5b\)/],
    [['--model', MODEL, '--port', 'abc'], /serve: --port must be an integer from 0 to 65535, got "abc"/],
    [['--model', MODEL, '--port', '70000'], /--port must be an integer/],
    [['--model', MODEL, '--threads', '0'], /--threads must be an integer from 1/],
    [['--model', MODEL, '--context', '12k'], /--context must be an integer/],
    [['--model', MODEL, 'stray'], /serve: .*stray/],
  ];
  for (const [args, pattern] of cases) assertOneLine(await run(SERVE, args, env), EXIT.USAGE, pattern);
  assert.deepEqual(fs.readdirSync(cache), [], 'nothing written to the cache');
});

test('serve --help and install --help: usage on stdout, exit 0, the exit codes listed', async () => {
  const env = { RED_EXEC_LIVE_CACHE: tempCache() };
  const serve = await run(SERVE, ['--help'], env);
  assert.equal(serve.code, 0);
  assert.match(serve.stdout, /^usage: node benchmarks\/live-model\/serve\.mjs --model NAME/);
  assert.match(serve.stdout, /3 port_in_use, 4 cache_missing, 5 checksum/);
  const install = await run(INSTALL, ['--help'], env);
  assert.equal(install.code, 0);
  assert.match(install.stdout, /^usage: node benchmarks\/live-model\/install\.mjs --model NAME/);
});

test('install: argument errors are one line and exit 2', async () => {
  const env = { RED_EXEC_LIVE_CACHE: tempCache() };
  assertOneLine(await run(INSTALL, [], env), EXIT.USAGE, /install: --model NAME is required/);
  assertOneLine(await run(INSTALL, ['--model', 'nope'], env), EXIT.USAGE, /install: unknown model nope/);
  assertOneLine(await run(INSTALL, ['--model', MODEL, '--fast'], env), EXIT.USAGE, /install: .*--fast/);
});

test('the cache follows RED_EXEC_LIVE_CACHE, then XDG_CACHE_HOME, then ~/.cache', () => {
  assert.equal(cacheDir({ RED_EXEC_LIVE_CACHE: '/x/live' }), '/x/live');
  assert.equal(cacheDir({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache/red-exec/live-model');
  assert.equal(cacheDir({}), path.join(os.homedir(), '.cache', 'red-exec', 'live-model'));
});

// --- port and cache -----------------------------------------------------------------------------------

test('serve: a port in use is one line and its own exit code, checked before the cache', async () => {
  const blocker = net.createServer();
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
  const { port } = blocker.address();
  try {
    const cache = tempCache(); // empty: the cache error would be exit 4 if the port were not checked first
    const r = await run(SERVE, ['--model', MODEL, '--port', String(port), '--no-install'], { RED_EXEC_LIVE_CACHE: cache });
    assertOneLine(r, EXIT.PORT_IN_USE, new RegExp(`serve: port ${port} on 127\\.0\\.0\\.1 is in use`));
  } finally {
    blocker.close();
  }
});

test('serve --no-install with an empty cache: one line naming what is missing and how to install it, exit 4, nothing written', async () => {
  const cache = tempCache();
  const r = await run(SERVE, ['--model', MODEL, '--no-install'], { RED_EXEC_LIVE_CACHE: cache });
  assertOneLine(r, EXIT.CACHE_MISSING, /serve: model qwen2\.5-coder-0\.5b: the weights .*qwen2\.5-coder-0\.5b\.gguf and node-llama-cpp@3\.21\.1 in .* not installed \(--no-install\); run node benchmarks\/live-model\/install\.mjs --model qwen2\.5-coder-0\.5b/);
  assert.ok(r.stderr.includes(cache), 'the line names the cache it looked in');
  assert.deepEqual(fs.readdirSync(cache), []);
});

test('serve: weights of the wrong size are moved aside, one line, exit 5 (the pinned table, no manifest)', async () => {
  const cache = tempCache();
  const { paths } = fakeWeights(cache, 1000);
  const r = await run(SERVE, ['--model', MODEL, '--no-install'], { RED_EXEC_LIVE_CACHE: cache });
  assertOneLine(r, EXIT.CHECKSUM, new RegExp(`is 1000 bytes, expected ${MODELS[MODEL].bytes}; moved aside to .*\\.gguf\\.bad`));
  assert.equal(fs.existsSync(paths.model), false, 'never left under the final name');
  assert.equal(fs.statSync(paths.bad).size, 1000);
});

test('serve: weights with the right size and another sha256 are moved aside, one line, exit 5', async () => {
  const cache = tempCache();
  const wrong = 'ab'.repeat(32);
  const { paths, sha, manifest } = fakeWeights(cache, 4096, { pinSha: wrong });
  const r = await run(SERVE, ['--model', MODEL, '--no-install'], { RED_EXEC_LIVE_CACHE: cache, RED_EXEC_LIVE_MANIFEST: manifest });
  assertOneLine(r, EXIT.CHECKSUM, new RegExp(`has sha256 ${sha}, expected ${wrong}; moved aside`));
  assert.equal(fs.existsSync(paths.model), false);
  assert.equal(fs.existsSync(paths.marker), false);
  assert.ok(fs.existsSync(paths.bad));
});

test('verified weights get a marker; the marker spares the rehash until size or mtime change', async () => {
  const cache = tempCache();
  const { paths, data, sha, manifest } = fakeWeights(cache);
  const stamp = new Date('2026-01-01T00:00:00Z'); // whole seconds: utimes round-trips them exactly
  fs.utimesSync(paths.model, stamp, stamp);
  const env = { RED_EXEC_LIVE_CACHE: cache, RED_EXEC_LIVE_MANIFEST: manifest };
  // Weights good, runtime missing: exit 4 naming only the runtime, and the marker written.
  let r = await run(SERVE, ['--model', MODEL, '--no-install'], env);
  assertOneLine(r, EXIT.CACHE_MISSING, /node-llama-cpp@3\.21\.1 in .* not installed/);
  assert.doesNotMatch(r.stderr, /the weights/);
  const marker = JSON.parse(fs.readFileSync(paths.marker, 'utf8'));
  assert.equal(marker.sha256, sha);
  assert.equal(marker.size, data.length);

  // Same size and mtime, other bytes: the marker is trusted (no rehash), so still only the runtime is missing.
  const other = Buffer.from(data);
  other[0] ^= 0xff;
  fs.writeFileSync(paths.model, other);
  fs.utimesSync(paths.model, stamp, stamp);
  r = await run(SERVE, ['--model', MODEL, '--no-install'], env);
  assertOneLine(r, EXIT.CACHE_MISSING, /node-llama-cpp/);

  // A new mtime: the marker no longer applies, the file is rehashed and fails.
  fs.utimesSync(paths.model, stamp, new Date(stamp.getTime() + 10_000));
  r = await run(SERVE, ['--model', MODEL, '--no-install'], env);
  assertOneLine(r, EXIT.CHECKSUM, /has sha256 .*moved aside/);
});

// --- json_schema fitting ------------------------------------------------------------------------------

test('fitJsonSchema: keeps the shape, drops annotations, reports value constraints it cannot enforce', () => {
  const { schema, ignored } = fitJsonSchema({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Plan',
    type: 'object',
    properties: {
      files: { type: 'array', minItems: 1, items: { $ref: '#/definitions/File' } },
      note: { anyOf: [{ type: 'string' }, { type: 'null' }], description: 'why' },
      size: { type: ['object', 'null'], properties: { n: { type: 'integer', minimum: 0 } }, required: ['n'] },
      tag: { type: 'string', pattern: '^[a-z]+$', format: 'email' },
      when: { type: 'string', format: 'date' },
    },
    required: ['files'],
    additionalProperties: false,
    definitions: { File: { type: 'object', properties: { action: { enum: ['CREATE', 'MODIFY'] } }, required: ['action'] } },
  });
  // Four optional properties: one branch per choice of them (16), the plain object first, all of them last.
  assert.equal(schema.oneOf.length, 16);
  assert.deepEqual(schema.oneOf[0], { type: 'object', properties: { files: { type: 'array', minItems: 1, items: { $ref: '#/$defs/File' } } }, required: ['files'], additionalProperties: false });
  assert.deepEqual(schema.oneOf[15], {
    type: 'object',
    properties: {
      files: { type: 'array', minItems: 1, items: { $ref: '#/$defs/File' } },
      note: { oneOf: [{ type: 'string' }, { type: 'null' }] },
      size: { oneOf: [{ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }, { type: 'null' }] },
      tag: { type: 'string' },
      when: { type: 'string', format: 'date' },
    },
    required: ['files', 'note', 'size', 'tag', 'when'],
    additionalProperties: false,
  });
  assert.deepEqual(schema.$defs, { File: { type: 'object', properties: { action: { enum: ['CREATE', 'MODIFY'] } }, required: ['action'] } });
  assert.deepEqual(ignored, ['format', 'minimum', 'pattern']);
});

// The plan schema as the core sends it for a run whose task removes something (plan::plan_schema_for,
// required names first): path, action, intent required; dropExports and exports optional.
const PLAN_SCHEMA = {
  type: 'object',
  properties: {
    actions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string', enum: ['src/a.js', 'src/b.js'] },
          action: { type: 'string', enum: ['CREATE', 'MODIFY'] },
          intent: { type: 'string', maxLength: 400 },
          dropExports: { type: 'array', items: { type: 'string' }, maxItems: 64 },
          exports: { type: 'array', items: { type: 'string' }, maxItems: 64 },
        },
        required: ['path', 'action', 'intent'],
        additionalProperties: false,
      },
      minItems: 1,
      maxItems: 2,
    },
  },
  required: ['actions'],
  additionalProperties: false,
};

test('fitJsonSchema: optional properties stay optional for a grammar that makes every listed property mandatory (the plan schema)', () => {
  const { schema } = fitJsonSchema(PLAN_SCHEMA);
  // The root has nothing optional: it stays one object.
  assert.deepEqual(schema.required, ['actions']);
  const entry = schema.properties.actions.items;
  // Every branch lists exactly the properties it requires, so the grammar can close a plan entry after
  // path, action and intent, without dropExports or exports (the core derives them then).
  const shapes = entry.oneOf.map((b) => Object.keys(b.properties));
  assert.deepEqual(shapes, [
    ['path', 'action', 'intent'],
    ['path', 'action', 'intent', 'exports'],
    ['path', 'action', 'intent', 'dropExports'],
    ['path', 'action', 'intent', 'dropExports', 'exports'],
  ]);
  for (const b of entry.oneOf) {
    assert.deepEqual(b.required, Object.keys(b.properties));
    assert.equal(b.additionalProperties, false);
    assert.deepEqual(b.properties.intent, { type: 'string', maxLength: 400 });
  }
});

test('fitJsonSchema: past five optional properties the rest come as one group, so the union stays at 32 branches', () => {
  const props = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, { type: 'boolean' }]));
  const { schema } = fitJsonSchema({ type: 'object', properties: { id: { type: 'string' }, ...props }, required: ['id'] });
  assert.equal(schema.oneOf.length, 32);
  const shapes = schema.oneOf.map((b) => Object.keys(b.properties).join(''));
  assert.equal(shapes[0], 'id');
  assert.ok(shapes.includes('idabcdefg'));
  assert.ok(shapes.includes('ide') === false && shapes.includes('idefg'), 'e, f and g come together');
  assert.equal(new Set(shapes).size, 32);
});

test('fitJsonSchema: refuses what would change the shape, naming the keyword and where', () => {
  const refused = [
    [{ type: 'bogus' }, /#\.type "bogus" is not a JSON schema type/],
    [{ type: 'object', properties: { a: { not: { type: 'string' } } } }, /#\.properties\.a: keyword not is not supported/],
    [{ type: 'object', properties: { a: { $ref: '#/$defs/Missing' } } }, /\$ref "#\/\$defs\/Missing" does not name an entry/],
    [{ allOf: [{ type: 'string' }, { type: 'number' }] }, /allOf is supported only as a single schema/],
    [{ type: 'object', patternProperties: { x: { type: 'string' } } }, /keyword patternProperties is not supported/],
    [{ type: 'array', items: {} }, /#\.items allows any value/],
    [{ description: 'anything' }, /# allows any value/],
    [{ const: { a: 1 } }, /const must be a string, number, boolean or null/],
    ['{"type":"object"}', /must be a JSON object/],
  ];
  for (const [schema, pattern] of refused) assert.throws(() => fitJsonSchema(schema), (e) => e instanceof SchemaError && pattern.test(e.message));
});

// --- the HTTP layer over a stand-in for node-llama-cpp ------------------------------------------------

// Words are tokens. A user text decides the answer: 'hold' waits until released (or aborted), 'long'
// stops at maxTokens, anything else is echoed back in upper case.
function standIn({ contextSize = 64 } = {}) {
  const calls = [];
  const sequences = [];
  const holds = [];
  const words = (t) => String(t).split(/\s+/).filter(Boolean);
  const prompt = (chatHistory) => chatHistory.flatMap((h) => words(h.type === 'model' ? h.response.join(' ') : h.text)).concat(['<frame>']);
  class LlamaChat {
    constructor({ contextSequence, autoDisposeSequence }) {
      this.sequence = contextSequence;
      this.autoDisposeSequence = autoDisposeSequence;
      this.chatWrapper = { generateContextState: ({ chatHistory }) => ({ contextText: { tokenize: () => prompt(chatHistory) } }) };
    }
    async generateResponse(history, options) {
      assert.ok(!this.sequence.disposed, 'a chat on a disposed sequence');
      const user = history.filter((h) => h.type === 'user').pop().text;
      const call = { user, options, history, sequence: this.sequence.id };
      calls.push(call);
      // What the sequence holds afterwards: the prompt, then the answer (as node-llama-cpp keeps it).
      this.sequence.contextTokens = prompt(history);
      if (user === 'hold') {
        await new Promise((resolve, reject) => {
          holds.push(resolve);
          options.signal.addEventListener('abort', () => { call.aborted = true; reject(options.signal.reason); });
        });
        return { response: 'released', metadata: { stopReason: 'eogToken' } };
      }
      if (user === 'long') return { response: Array(options.maxTokens).fill('w').join(' '), metadata: { stopReason: 'maxTokens' } };
      this.sequence.contextTokens.push(...words(user.toUpperCase()));
      return { response: user.toUpperCase(), metadata: { stopReason: 'eogToken' } };
    }
    dispose({ disposeSequence = this.autoDisposeSequence } = {}) {
      if (disposeSequence) this.sequence.disposed = true;
    }
  }
  const context = {
    contextSize,
    getSequence() {
      const seq = { id: sequences.length, disposed: false, contextTokens: [] };
      sequences.push(seq);
      return seq;
    },
  };
  const llama = {
    getGrammarFor: async (type) => ({ grammar: type }),
    createGrammarForJsonSchema: async (schema) => ({ schema }),
  };
  const loaded = { runtime: { LlamaChat }, model: { tokenize: words }, context, llama };
  return { loaded, llama, calls, sequences, holds };
}

async function startApp(fake, { promptCache = true } = {}) {
  fake.log = [];
  const log = (line) => fake.log.push(line);
  const state = { opts: { model: MODEL, threads: 1, context: fake.loaded.context.contextSize, promptCache }, loaded: fake.loaded, grammarFor: createGrammars(fake.llama, log), log };
  const server = http.createServer(createApp(state));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

async function chat(base, body) {
  const res = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const until = async (cond) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

test('chat completions: OpenAI shape, usage from the tokenizer, history roles, defaults, finish_reason', async () => {
  const fake = standIn();
  const app = await startApp(fake);
  try {
    const r = await chat(app.base, {
      model: 'whatever',
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'one two' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: [{ type: 'text', text: 'say hi' }] }],
      max_tokens: 10,
      seed: 7,
      stop: '\n\n',
    });
    assert.equal(r.status, 200);
    assert.match(r.body.id, /^chatcmpl-/);
    assert.equal(r.body.object, 'chat.completion');
    assert.equal(r.body.model, MODEL);
    assert.deepEqual(r.body.choices, [{ index: 0, message: { role: 'assistant', content: 'SAY HI' }, finish_reason: 'stop' }]);
    // prompt: be brief | one two | ok | say hi | <frame> = 8; completion: SAY HI = 2
    assert.deepEqual(r.body.usage, { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10, prompt_tokens_details: { cached_tokens: 0 } });
    const call = fake.calls[0];
    assert.deepEqual(call.history.map((h) => h.type), ['system', 'user', 'model', 'user', 'model']);
    assert.equal(call.options.temperature, 0, 'temperature defaults to 0 (deterministic benchmarks)');
    assert.equal(call.options.seed, 7);
    assert.equal(call.options.maxTokens, 10);
    assert.equal(call.options.grammar, undefined);
    assert.deepEqual(call.options.customStopTriggers, ['\n\n']);

    const cut = await chat(app.base, { messages: [{ role: 'user', content: 'long' }], max_tokens: 3 });
    assert.equal(cut.body.choices[0].finish_reason, 'length');
    assert.equal(cut.body.usage.completion_tokens, 3);

    // No max_tokens: bounded by the room left in the context (64 - 2 prompt tokens).
    const room = await chat(app.base, { messages: [{ role: 'user', content: 'long' }] });
    assert.equal(room.body.usage.completion_tokens, 62);

    const over = await chat(app.base, { messages: [{ role: 'user', content: Array(80).fill('x').join(' ') }] });
    assert.equal(over.status, 400);
    assert.equal(over.body.error.code, 'context_length_exceeded');

    // One kept sequence (the prompt cache), never disposed between chats.
    assert.equal(fake.sequences.length, 1);
    assert.ok(!fake.sequences[0].disposed);
    assert.deepEqual(fake.calls.map((c) => c.sequence), [0, 0, 0]);

    // One log line per request, with the token counts, never the prompt.
    assert.equal(fake.log.length, 4);
    assert.match(fake.log[0], /^chatcmpl-\S+: prompt 8 tok, completion 2 tok, \d+\.\d s, finish stop$/);
    assert.match(fake.log[3], /: failed after \d+\.\d s: the prompt is 81 tokens; this server.s context is 64/);
    assert.ok(fake.log.every((l) => !/brief|say hi|one two/.test(l)), fake.log.join('\n'));
  } finally {
    await app.close();
  }
});

test('prompt cache: a chat that starts like the one before reports the shared tokens as cached; a failure or --no-prompt-cache starts afresh', async () => {
  const fake = standIn({ contextSize: 256 });
  const app = await startApp(fake);
  const spec = 'the read only spec of the exercise in many words';
  const ask = (user, system = spec) => chat(app.base, { messages: [{ role: 'system', content: system }, { role: 'user', content: user }] });
  try {
    const first = await ask('write a');
    assert.equal(first.body.usage.prompt_tokens_details.cached_tokens, 0);
    // The system text (10 words) is shared, the user text is not.
    const second = await ask('retry b');
    assert.equal(second.body.usage.prompt_tokens, 13);
    assert.equal(second.body.usage.prompt_tokens_details.cached_tokens, 10);
    // The same prompt again: all but the last token (one is always evaluated to answer).
    const same = await ask('retry b');
    assert.equal(same.body.usage.prompt_tokens_details.cached_tokens, 12);
    // A different first token shares nothing.
    const other = await ask('retry b', 'another system text');
    assert.equal(other.body.usage.prompt_tokens_details.cached_tokens, 0);
    assert.match(fake.log[1], /: prompt 13 tok \(10 cached\), completion 2 tok/);
    assert.equal(fake.sequences.length, 1);

    // A chat that fails (here: aborted mid-answer) may leave the sequence half-evaluated: it is disposed
    // and the next chat gets a fresh one with nothing cached.
    const ac = new AbortController();
    const held = fetch(`${app.base}/v1/chat/completions`, { method: 'POST', signal: ac.signal, body: JSON.stringify({ messages: [{ role: 'system', content: spec }, { role: 'user', content: 'hold' }] }) }).catch(() => 'aborted');
    await until(() => fake.holds.length === 1);
    ac.abort();
    assert.equal(await held, 'aborted');
    await until(() => fake.sequences[1]?.disposed || fake.sequences[0].disposed);
    const after = await ask('retry b');
    assert.equal(after.body.usage.prompt_tokens_details.cached_tokens, 0);
    assert.equal(fake.sequences.length, 2);
    assert.ok(fake.sequences[0].disposed && !fake.sequences[1].disposed);
  } finally {
    await app.close();
  }

  const fresh = standIn({ contextSize: 256 });
  const plain = await startApp(fresh, { promptCache: false });
  try {
    for (const user of ['write a', 'retry b']) {
      const r = await chat(plain.base, { messages: [{ role: 'system', content: spec }, { role: 'user', content: user }] });
      assert.equal(r.body.usage.prompt_tokens_details.cached_tokens, 0);
    }
    assert.equal(fresh.sequences.length, 2);
    assert.ok(fresh.sequences.every((s) => s.disposed));
  } finally {
    await plain.close();
  }
});

test('response_format: json_object and json_schema become grammars; a schema it cannot compile is a 400 naming response_format', async () => {
  const fake = standIn();
  const app = await startApp(fake);
  try {
    await chat(app.base, { messages: [{ role: 'user', content: 'a' }], response_format: { type: 'json_object' } });
    assert.deepEqual(fake.calls[0].options.grammar, { grammar: 'json' });
    const schema = { type: 'object', properties: { a: { type: 'integer', minimum: 1 } }, required: ['a'] };
    await chat(app.base, { messages: [{ role: 'user', content: 'b' }], response_format: { type: 'json_schema', json_schema: { name: 'p', strict: true, schema } } });
    assert.deepEqual(fake.calls[1].options.grammar, { schema: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] } });

    for (const format of [
      { type: 'json_schema', json_schema: { name: 'p', schema: { type: 'object', properties: { a: { not: {} } } } } },
      { type: 'json_schema', json_schema: { name: 'p' } },
      { type: 'xml' },
    ]) {
      const r = await chat(app.base, { messages: [{ role: 'user', content: 'c' }], response_format: format });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.type, 'invalid_request_error');
      assert.equal(r.body.error.param, 'response_format');
      assert.match(r.body.error.message, /response_format/);
    }
    assert.equal(fake.calls.length, 2, 'no generation for a refused request');
  } finally {
    await app.close();
  }
});

test('bad requests and routes get OpenAI-style errors; health and models answer', async () => {
  const fake = standIn();
  const app = await startApp(fake);
  try {
    const bad = [
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].role'],
      [{ messages: [{ role: 'user', content: 'x' }], temperature: 3 }, 'temperature'],
      [{ messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens'],
      [{ messages: [{ role: 'user', content: 'x' }], stream: true }, 'stream'],
      [{ messages: [{ role: 'user', content: 'x' }], stop: ['a', ''] }, 'stop'],
    ];
    for (const [body, param] of bad) {
      const r = await chat(app.base, body);
      assert.equal(r.status, 400);
      assert.equal(r.body.error.param, param);
    }
    const notJson = await fetch(`${app.base}/v1/chat/completions`, { method: 'POST', body: '{nope' });
    assert.equal(notJson.status, 400);
    assert.match((await notJson.json()).error.message, /not JSON/);
    const huge = await fetch(`${app.base}/v1/chat/completions`, { method: 'POST', body: Buffer.alloc(17 * 1024 * 1024, 32) });
    assert.equal(huge.status, 413);
    assert.match((await huge.json()).error.message, /request body over 16777216 bytes/);
    const missing = await fetch(`${app.base}/v2/anything`);
    assert.equal(missing.status, 404);
    assert.match((await missing.json()).error.message, /no route GET \/v2\/anything/);

    for (const route of ['/health', '/v1/health']) {
      const h = await (await fetch(`${app.base}${route}`)).json();
      assert.equal(h.status, 'ok');
      assert.equal(h.model, MODEL);
      assert.equal(h.quantisation, 'Q4_K_M');
      assert.equal(h.threads, 1);
      assert.equal(h.contextSize, 64);
    }
    const models = await (await fetch(`${app.base}/v1/models`)).json();
    assert.deepEqual(models.data.map((m) => m.id), [MODEL]);
    assert.equal(fake.calls.length, 0);
  } finally {
    await app.close();
  }
});

test('one generation at a time: a second request waits; a client that hangs up aborts its generation', async () => {
  const fake = standIn();
  const app = await startApp(fake);
  try {
    const first = chat(app.base, { messages: [{ role: 'user', content: 'hold' }] });
    await until(() => fake.calls.length === 1);
    const second = chat(app.base, { messages: [{ role: 'user', content: 'next' }] });
    let health;
    do health = await (await fetch(`${app.base}/health`)).json(); while (health.queued < 2);
    assert.equal(fake.calls.length, 1, 'the second waits for the first');
    fake.holds[0]();
    assert.equal((await first).body.choices[0].message.content, 'released');
    assert.equal((await second).body.choices[0].message.content, 'NEXT');

    // A client that disconnects mid-generation: the signal aborts it and the queue moves on.
    const req = http.request(`${app.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('error', () => {});
    req.end(JSON.stringify({ messages: [{ role: 'user', content: 'hold' }] }));
    await until(() => fake.calls.length === 3);
    req.destroy();
    await until(() => fake.calls[2].aborted === true);
    const after = await chat(app.base, { messages: [{ role: 'user', content: 'after' }] });
    assert.equal(after.body.choices[0].message.content, 'AFTER');
    assert.equal((await (await fetch(`${app.base}/health`)).json()).served, 3);
  } finally {
    await app.close();
  }
});
