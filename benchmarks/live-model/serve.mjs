#!/usr/bin/env node
// A small OpenAI-compatible server over a local GGUF model (node-llama-cpp, CPU), for live benchmarks.
//
//   node benchmarks/live-model/serve.mjs --model qwen2.5-coder-1.5b [--port N] [--threads N] [--context N] [--no-install]
//                                        [--no-prompt-cache]
//
// Order: arguments, then the port (bound first, so a port in use fails before a slow load), then the
// cache (installed when missing unless --no-install; a checksum mismatch moves the file aside), then the
// model. The FIRST stdout line, `listening http://127.0.0.1:PORT/v1`, comes only once the model is loaded.
// One generation at a time (a queue) on one context sequence that keeps what it evaluated, so a chat
// that starts with the same tokens as the one before (a run's stable prefix, a retry) evaluates only
// what differs, as llama.cpp's server does with cache_prompt; usage reports those tokens as
// prompt_tokens_details.cached_tokens. --no-prompt-cache gives each chat a fresh sequence. A client
// that hangs up aborts its generation. One line per request on stderr (tokens, seconds), never the prompt.
import http from 'node:http';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { EXIT, LiveError, exitWith } from './errors.mjs';
import { ensureModel, importRuntime, stopInstall } from './install.mjs';
import { SchemaError, fitJsonSchema } from './json-schema.mjs';
import { MODELS, MODEL_NAMES } from './models.mjs';

const PROG = 'serve';
const DEFAULTS = { port: 0, threads: 1, context: 8192 };
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const GRAMMAR_CACHE_SIZE = 16;

const OPTIONS = {
  model: { type: 'string' },
  port: { type: 'string' },
  threads: { type: 'string' },
  context: { type: 'string' },
  'no-install': { type: 'boolean' },
  'no-prompt-cache': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const HELP = `usage: node benchmarks/live-model/serve.mjs --model NAME [--port N] [--threads N] [--context N] [--no-install] [--no-prompt-cache]
  models:     ${MODEL_NAMES.join(', ')}
  --port      0 (default) picks a free port; the first stdout line is \`listening http://127.0.0.1:PORT/v1\`
  --threads   CPU threads for evaluation (default ${DEFAULTS.threads})
  --context   context size in tokens (default ${DEFAULTS.context})
  --no-install  fail (exit ${EXIT.CACHE_MISSING}) instead of installing what the cache lacks
  --no-prompt-cache  evaluate every prompt from its first token (default: reuse the tokens a chat shares
              with the one before, reported as usage.prompt_tokens_details.cached_tokens)
exit codes: ${Object.entries(EXIT).map(([k, v]) => `${v} ${k.toLowerCase()}`).join(', ')}
`;

function intOption(name, raw, min, max) {
  if (raw === undefined) return DEFAULTS[name];
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new LiveError(EXIT.USAGE, `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

export function parseServeArgs(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new LiveError(EXIT.USAGE, e.message);
  }
  if (values.help) return { help: true };
  if (!values.model) throw new LiveError(EXIT.USAGE, `--model NAME is required (known: ${MODEL_NAMES.join(', ')})`);
  if (!MODELS[values.model]) throw new LiveError(EXIT.USAGE, `unknown model ${values.model} (known: ${MODEL_NAMES.join(', ')})`);
  return {
    model: values.model,
    port: intOption('port', values.port, 0, 65535),
    threads: intOption('threads', values.threads, 1, 256),
    context: intOption('context', values.context, 256, 131072),
    install: !values['no-install'],
    promptCache: !values['no-prompt-cache'],
  };
}

// --- OpenAI-shaped errors and request validation -------------------------------------------------

class HttpError extends Error {
  constructor(status, message, { type = 'invalid_request_error', param = null, code = null } = {}) {
    super(message);
    Object.assign(this, { status, type, param, code });
  }
}

function sendJson(res, status, body) {
  if (res.destroyed || res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res, err) {
  const e = err instanceof HttpError ? err : new HttpError(500, String(err && err.message ? err.message : err), { type: 'server_error' });
  sendJson(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } });
}

function messageText(m, i) {
  if (typeof m.content === 'string') return m.content;
  // The array form: only text parts are meaningful to a text model.
  if (Array.isArray(m.content) && m.content.every((p) => p && p.type === 'text' && typeof p.text === 'string')) {
    return m.content.map((p) => p.text).join('');
  }
  throw new HttpError(400, `messages[${i}].content must be a string or an array of text parts`, { param: `messages[${i}].content` });
}

// OpenAI messages → node-llama-cpp chat history. The history ends with the model's turn to answer.
export function toHistory(messages) {
  if (!Array.isArray(messages) || messages.length === 0) throw new HttpError(400, 'messages must be a non-empty array', { param: 'messages' });
  const history = messages.map((m, i) => {
    if (!m || typeof m !== 'object') throw new HttpError(400, `messages[${i}] must be an object`, { param: `messages[${i}]` });
    const text = messageText(m, i);
    if (m.role === 'system' || m.role === 'developer') return { type: 'system', text };
    if (m.role === 'user') return { type: 'user', text };
    if (m.role === 'assistant') return { type: 'model', response: [text] };
    throw new HttpError(400, `messages[${i}].role must be system, user or assistant`, { param: `messages[${i}].role` });
  });
  if (history[history.length - 1].type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

export function samplingOptions(body) {
  const out = {};
  if (body.temperature !== undefined && body.temperature !== null) {
    if (typeof body.temperature !== 'number' || !(body.temperature >= 0 && body.temperature <= 2)) {
      throw new HttpError(400, 'temperature must be a number from 0 to 2', { param: 'temperature' });
    }
    out.temperature = body.temperature;
  }
  const max = body.max_completion_tokens ?? body.max_tokens;
  if (max !== undefined && max !== null) {
    if (!Number.isSafeInteger(max) || max < 1) throw new HttpError(400, 'max_tokens must be a positive integer', { param: 'max_tokens' });
    out.maxTokens = max;
  }
  if (body.seed !== undefined && body.seed !== null) {
    if (!Number.isSafeInteger(body.seed)) throw new HttpError(400, 'seed must be an integer', { param: 'seed' });
    out.seed = body.seed;
  }
  if (body.top_p !== undefined && body.top_p !== null) {
    if (typeof body.top_p !== 'number' || !(body.top_p > 0 && body.top_p <= 1)) throw new HttpError(400, 'top_p must be a number in (0, 1]', { param: 'top_p' });
    out.topP = body.top_p;
  }
  if (body.stop !== undefined && body.stop !== null) {
    const stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
    if (!Array.isArray(stop) || stop.length > 4 || !stop.every((x) => typeof x === 'string' && x.length > 0)) {
      throw new HttpError(400, 'stop must be a string or up to 4 non-empty strings', { param: 'stop' });
    }
    out.stop = stop;
  }
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw new HttpError(400, 'only n = 1 is supported', { param: 'n' });
  if (body.stream) throw new HttpError(400, 'stream is not supported by this server', { param: 'stream' });
  return out;
}

// --- the model --------------------------------------------------------------------------------------

const stderrLine = (line) => process.stderr.write(`${line}\n`);

export function createGrammars(llama, log = stderrLine) {
  const cache = new Map(); // schema JSON → grammar: the pipeline sends the same plan schema on every L1 call
  let json = null;
  return async function grammarFor(format) {
    if (format === undefined || format === null) return null;
    if (typeof format !== 'object' || typeof format.type !== 'string') {
      throw new HttpError(400, 'response_format must be an object with a type', { param: 'response_format' });
    }
    if (format.type === 'text') return null;
    if (format.type === 'json_object') return (json ??= await llama.getGrammarFor('json'));
    if (format.type !== 'json_schema') {
      throw new HttpError(400, `response_format.type ${JSON.stringify(format.type)} is not supported (text, json_object, json_schema)`, { param: 'response_format' });
    }
    const schema = format.json_schema && format.json_schema.schema;
    if (!schema || typeof schema !== 'object') {
      throw new HttpError(400, 'response_format.json_schema.schema must be a JSON schema object', { param: 'response_format' });
    }
    const key = JSON.stringify(schema);
    if (cache.has(key)) return cache.get(key);
    let grammar;
    try {
      const fitted = fitJsonSchema(schema);
      grammar = await llama.createGrammarForJsonSchema(fitted.schema);
      if (fitted.ignored.length) {
        log(`json_schema: not enforced by the grammar (looser than the schema): ${fitted.ignored.join(', ')}`);
      }
    } catch (e) {
      const why = e instanceof SchemaError ? e.message : `node-llama-cpp: ${e.message}`;
      throw new HttpError(400, `response_format: this server cannot compile the json_schema: ${why}`, { param: 'response_format', code: 'unsupported_json_schema' });
    }
    if (cache.size >= GRAMMAR_CACHE_SIZE) cache.delete(cache.keys().next().value);
    cache.set(key, grammar);
    return grammar;
  };
}

async function loadModel(opts, modelPath) {
  const { paths } = opts.ensured;
  const started = Date.now();
  let runtime;
  try {
    runtime = await importRuntime(paths);
  } catch (e) {
    throw new LiveError(EXIT.LOAD_FAILED, `cannot import node-llama-cpp from ${paths.runtime}: ${e.message}`);
  }
  // The runtime's own logs go to stderr: stdout belongs to the `listening` line.
  const logger = (level, message) => {
    const text = String(message).trim();
    if (text) process.stderr.write(`llama[${level}]: ${text}\n`);
  };
  let llama;
  try {
    llama = await runtime.getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: opts.threads, logLevel: 'warn', logger, progressLogs: 'stderr' });
  } catch (e) {
    throw new LiveError(EXIT.LOAD_FAILED, `node-llama-cpp cannot start its CPU backend: ${e.message}`);
  }
  let model;
  let context;
  try {
    model = await llama.loadModel({ modelPath, gpuLayers: 0 });
    context = await model.createContext({ contextSize: opts.context, threads: opts.threads, sequences: 1 });
  } catch (e) {
    await llama.dispose().catch(() => {});
    throw new LiveError(EXIT.LOAD_FAILED, `cannot load ${modelPath}: ${e.message}`);
  }
  return { runtime, llama, model, context, loadSeconds: (Date.now() - started) / 1000 };
}

// How many leading tokens of `tokens` the sequence holds evaluated already. One is always left to
// evaluate: a response needs the state after the last prompt token (node-llama-cpp pops it too).
function sharedPrefix(held, tokens) {
  const n = Math.min(held.length, tokens.length - 1);
  let i = 0;
  while (i < n && held[i] === tokens[i]) i++;
  return Math.max(i, 0);
}

// One chat. With the prompt cache, on the one kept sequence: LlamaChat aligns it with this prompt
// (erasing from the first token that differs) before evaluating. Without, or after a failure that may
// have left the sequence half-evaluated, on a fresh one disposed afterwards.
async function complete(loaded, { history, sampling, grammar }, signal, { promptCache = true } = {}) {
  const { runtime, model, context } = loaded;
  const sequence = promptCache ? (loaded.sequence ??= context.getSequence()) : context.getSequence();
  const chat = new runtime.LlamaChat({ contextSequence: sequence, autoDisposeSequence: !promptCache });
  let failed = true;
  try {
    const prompt = chat.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer);
    const promptTokens = prompt.length;
    const room = context.contextSize - promptTokens;
    if (room < 1) {
      failed = false;
      throw new HttpError(400, `the prompt is ${promptTokens} tokens; this server's context is ${context.contextSize} (--context)`, { param: 'messages', code: 'context_length_exceeded' });
    }
    const cachedTokens = promptCache ? sharedPrefix(sequence.contextTokens ?? [], prompt) : 0;
    const maxTokens = Math.min(sampling.maxTokens ?? room, room);
    const result = await chat.generateResponse(history, {
      temperature: sampling.temperature ?? 0,
      topP: sampling.topP,
      seed: sampling.seed,
      maxTokens,
      customStopTriggers: sampling.stop,
      grammar: grammar ?? undefined,
      signal,
    });
    failed = false;
    const text = result.response;
    const completionTokens = model.tokenize(text).length;
    const stop = result.metadata.stopReason;
    return { text, promptTokens, cachedTokens, completionTokens, finishReason: stop === 'maxTokens' ? 'length' : 'stop' };
  } finally {
    const drop = !promptCache || failed;
    chat.dispose({ disposeSequence: drop });
    if (drop && promptCache && loaded.sequence === sequence) loaded.sequence = null;
  }
}

// --- HTTP -------------------------------------------------------------------------------------------

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      // Over the limit: answer at once, and let the rest drain unread so the 413 reaches the client.
      if (size > MAX_BODY_BYTES) reject(new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

// state: { opts, loaded, grammarFor, log? }; log takes one line (stderr by default).
export function createApp(state) {
  const log = state.log ?? stderrLine;
  let queue = Promise.resolve();
  let pending = 0;
  let served = 0;
  let counter = 0;

  // Checked before queueing: a bad request is answered at once, not after the generations ahead of it.
  async function admit(req) {
    const raw = await readBody(req);
    let body;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'the request body is not JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the request body must be a JSON object');
    if (!state.loaded) throw new HttpError(503, 'the model is still loading', { type: 'server_error', code: 'loading' });
    return { history: toHistory(body.messages), sampling: samplingOptions(body), grammar: await state.grammarFor(body.response_format) };
  }

  async function chatCompletion(req, res) {
    const id = `chatcmpl-${process.pid}-${++counter}`;
    let request;
    try {
      request = await admit(req);
    } catch (e) {
      log(`${id}: refused (${e.status ?? 500}): ${String(e.message).split('\n')[0]}`);
      throw e;
    }
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort(new Error('client disconnected'));
    });
    const arrived = Date.now();
    pending++;
    const turn = queue.then(async () => {
      if (ac.signal.aborted) {
        log(`${id}: dropped (the client disconnected while queued)`);
        return null;
      }
      const started = Date.now();
      try {
        const out = await complete(state.loaded, request, ac.signal, { promptCache: state.opts.promptCache !== false });
        const seconds = (Date.now() - started) / 1000;
        const waited = (started - arrived) / 1000;
        log(`${id}: prompt ${out.promptTokens} tok${out.cachedTokens ? ` (${out.cachedTokens} cached)` : ''}, completion ${out.completionTokens} tok, ${seconds.toFixed(1)} s`
          + `${waited >= 0.1 ? ` (queued ${waited.toFixed(1)} s)` : ''}, finish ${out.finishReason}`);
        return out;
      } catch (e) {
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        if (ac.signal.aborted) {
          log(`${id}: aborted after ${seconds} s (client disconnected)`);
          return null;
        }
        log(`${id}: failed after ${seconds} s: ${String(e.message).split('\n')[0]}`);
        throw e;
      }
    });
    queue = turn.catch(() => {});
    let out;
    try {
      out = await turn;
    } finally {
      pending--;
    }
    if (!out) return;
    served++;
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: state.opts.model,
      choices: [{ index: 0, message: { role: 'assistant', content: out.text }, finish_reason: out.finishReason }],
      usage: {
        prompt_tokens: out.promptTokens,
        completion_tokens: out.completionTokens,
        total_tokens: out.promptTokens + out.completionTokens,
        prompt_tokens_details: { cached_tokens: out.cachedTokens },
      },
    });
  }

  function health() {
    const spec = MODELS[state.opts.model];
    return {
      status: state.loaded ? 'ok' : 'loading',
      model: state.opts.model,
      title: spec.title,
      quantisation: spec.quantisation,
      threads: state.opts.threads,
      promptCache: state.opts.promptCache !== false,
      contextSize: state.loaded ? state.loaded.context.contextSize : state.opts.context,
      queued: pending,
      served,
    };
  }

  return async function handle(req, res) {
    try {
      const url = new URL(req.url, 'http://127.0.0.1').pathname;
      if (req.method === 'GET' && (url === '/health' || url === '/v1/health')) return sendJson(res, 200, health());
      if (req.method === 'GET' && url === '/v1/models') {
        return sendJson(res, 200, { object: 'list', data: [{ id: state.opts.model, object: 'model', created: 0, owned_by: 'local' }] });
      }
      if (url === '/v1/chat/completions') {
        if (req.method !== 'POST') throw new HttpError(405, `${req.method} ${url}: use POST`);
        return await chatCompletion(req, res);
      }
      throw new HttpError(404, `no route ${req.method} ${url}`);
    } catch (e) {
      sendError(res, e);
    }
  };
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', (e) => {
      const why = e.code === 'EADDRINUSE' ? 'is in use' : `cannot be bound (${e.code || e.message})`;
      reject(new LiveError(EXIT.PORT_IN_USE, `port ${port} on 127.0.0.1 ${why}`));
    });
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function main(argv) {
  const opts = parseServeArgs(argv);
  if (opts.help) {
    process.stdout.write(HELP);
    return;
  }
  const state = { opts, loaded: null, grammarFor: null };
  const server = http.createServer(createApp(state));
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, opts.port);

  let closing = false;
  const shutdown = (signal) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`${PROG}: ${signal}: closing\n`);
    server.close();
    server.closeAllConnections();
    stopInstall(); // a half install is picked up again next time (the lock and the .part are not trusted)
    const l = state.loaded;
    // Stopped once serving: a clean exit. Stopped before the model was up: the usual signal exit code.
    const code = l ? 0 : 128 + (signal === 'SIGINT' ? 2 : 15);
    // Disposing frees the native memory; the exit follows either way.
    Promise.resolve(l && l.llama.dispose()).catch(() => {}).finally(() => process.exit(code));
    setTimeout(() => process.exit(code), 5_000).unref();
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const started = Date.now();
  opts.ensured = await ensureModel(opts.model, { install: opts.install });
  const loaded = await loadModel(opts, opts.ensured.paths.model);
  if (closing) return;
  state.loaded = loaded;
  state.grammarFor = createGrammars(loaded.llama);
  process.stdout.write(`listening http://127.0.0.1:${port}/v1\n`);
  const rss = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
  process.stderr.write(`${PROG}: ${opts.model} loaded in ${loaded.loadSeconds.toFixed(1)} s (ready ${((Date.now() - started) / 1000).toFixed(1)} s after start), `
    + `context ${loaded.context.contextSize}, threads ${opts.threads}, rss ${rss} MiB\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  main(process.argv.slice(2)).catch((e) => exitWith(PROG, e));
}
