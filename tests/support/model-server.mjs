// A scripted OpenAI-compatible chat-completions server on 127.0.0.1 for the CLI tests.
//
//   const server = await startModelServer();
//   server.answer('```js\n...\n```', { prompt: 120, completion: 40 });
//   server.fail(500, { error: { message: 'boom' } });
//   server.fail(429, undefined, { 'retry-after': '1' });   // extra response headers
//   server.garbage('<html>not json</html>');
//   server.stall();
//   server.flood(50 * 1024 * 1024);   // a 200 chat completion whose content is that many bytes, streamed
//   server.otherwise((request) => '...');   // when the queue is empty
//   server.dynamic(() => ({ type: 'answer', content, usage, delayMs: 150 }))   // a slow answer
//   const release = server.held(content)   // answered only once release() is called
//   const release = server.streamed(content, { heldAfter: 2 })   // to a `stream: true` request: server-sent
//                                  // events, a piece at a time; with heldAfter, the rest only after release()
//   ... run the CLI with --base-url server.baseUrl ...
//   server.requests  -> every request received: { method, url, headers, body, marker }
//   await server.close();
//
// startModelServer({ cors: true }) also answers a browser page on another origin (CORS preflight
// and headers), for the playground's live-mode test. Preflights are not kept in `requests`.

import http from 'node:http';

const MARKER = /@@red-exec (\{.*\})/;

const PLAN_ANSWER = /^\s*(```json\s*)?\{\s*"actions"/;

/** A queued answer that is a plan (as planJson writes one). */
function isPlanStep(step) {
  return step?.type === 'answer' && typeof step.content === 'string' && PLAN_ANSWER.test(step.content);
}

/** The machine-readable @@red-exec block of a chat request, or null. */
export function markerOf(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  for (const m of messages) {
    const match = typeof m.content === 'string' ? m.content.match(MARKER) : null;
    if (match) {
      try {
        return JSON.parse(match[1]);
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Run fn(server) with a server of its own, closed afterwards: nothing one test queued reaches the next. */
export async function withModelServer(fn, options) {
  const server = await startModelServer(options);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

export async function startModelServer({ cors = false } = {}) {
  const queue = [];
  const requests = [];
  const stalled = new Set();
  const delayed = new Set();
  let completionCounter = 0;
  let fallback = null;
  let skippedPlans = 0;

  const server = http.createServer((req, res) => {
    if (cors) {
      res.setHeader('access-control-allow-origin', '*');
      if (req.method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': 'authorization, content-type, accept',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body = null;
      try {
        body = JSON.parse(raw);
      } catch {
        body = null;
      }
      const record = { method: req.method, url: req.url, headers: req.headers, raw, body, marker: markerOf(body) };
      requests.push(record);

      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
        return;
      }
      // A scripted plan the run does not ask for (one file in scope: the core derives the plan
      // and makes no L1 call) is passed over, so one script serves both kinds of run.
      while (record.marker?.stage === 'L3' && queue.length > 0 && isPlanStep(queue[0])) {
        queue.shift();
        skippedPlans++;
      }
      let step = queue.length > 0 ? queue.shift() : fallback;
      if (typeof step === 'function') step = step(record);
      if (!step) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'test model server: no scripted answer left' } }));
        return;
      }
      if (step.type === 'stall') {
        stalled.add(res);
        res.on('close', () => stalled.delete(res));
        return;
      }
      if (step.after) {
        step.after.then(() => send(res, body, step));
        return;
      }
      if (step.delayMs > 0) {
        const timer = setTimeout(() => {
          delayed.delete(timer);
          send(res, body, step);
        }, step.delayMs);
        delayed.add(timer);
        return;
      }
      send(res, body, step);
    });
  });

  // A huge answer, written as the client reads it (never built whole), until it stops reading.
  function flood(res, total) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    res.write('{"choices":[{"index":0,"message":{"role":"assistant","content":"');
    const more = () => {
      while (api.floodSent < total && !res.destroyed) {
        api.floodSent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', more);
      }
      if (!res.destroyed) res.end('"}}]}');
    };
    more();
  }

  // A streamed chat completion (server-sent events, as OpenAI sends them for `stream: true`).
  function stream(res, body, step) {
    completionCounter += 1;
    const id = `chatcmpl-test-${completionCounter}`;
    const event = (data) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const piece = (content) => event({ id, object: 'chat.completion.chunk', model: body?.model ?? 'unknown', choices: [{ index: 0, delta: { content }, finish_reason: null }] });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const pieces = step.content.match(/[^\n]*\n|[^\n]+$/g) ?? [];
    const held = step.heldAfter ?? pieces.length;
    for (const p of pieces.slice(0, held)) piece(p);
    const finish = () => {
      if (res.destroyed) return;
      for (const p of pieces.slice(held)) piece(p);
      event({ id, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: step.usage.prompt, completion_tokens: step.usage.completion, total_tokens: step.usage.prompt + step.usage.completion } });
      res.end('data: [DONE]\n\n');
    };
    if (held >= pieces.length) return finish();
    stalled.add(res);
    res.on('close', () => stalled.delete(res));
    step.release.then(finish);
  }

  function send(res, body, step) {
    if (res.destroyed) return;
    if (step.type === 'flood') return flood(res, step.bytes);
    if (step.type === 'stream' && body?.stream === true) return stream(res, body, step);
    if (step.type === 'raw') {
      res.writeHead(step.status, { 'content-type': step.contentType, ...step.headers });
      res.end(step.body);
      return;
    }
    completionCounter += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: `chatcmpl-test-${completionCounter}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: body?.model ?? 'unknown',
        choices: [{ index: 0, message: { role: 'assistant', content: step.content }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: step.usage.prompt,
          completion_tokens: step.usage.completion,
          total_tokens: step.usage.prompt + step.usage.completion,
          // Extra usage fields as a provider sends them (prompt_tokens_details, prompt_cache_hit_tokens).
          ...(step.usage.extra ?? {}),
        },
      }),
    );
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  const api = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    /** How many queued plans were passed over because the run derived its plan. */
    get skippedPlans() {
      return skippedPlans;
    },
    /** Queue a normal chat completion. */
    answer(content, usage = { prompt: 100, completion: 50 }) {
      queue.push({ type: 'answer', content, usage });
      return api;
    },
    /** Queue an HTTP error status with a JSON (or string) body, and any extra headers. */
    fail(status, body = { error: { message: `scripted ${status}` } }, headers = {}) {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      queue.push({ type: 'raw', status, body: text, contentType: 'application/json', headers });
      return api;
    },
    /** Queue a 200 whose body is not a chat completion. */
    garbage(body = '<html><body>502 gateway says hi</body></html>', contentType = 'text/html') {
      queue.push({ type: 'raw', status: 200, body, contentType });
      return api;
    },
    /** Bytes of content flood() has written so far. */
    floodSent: 0,
    /** Queue a 200 chat completion whose content is `bytes` long, streamed as the client reads. */
    flood(bytes) {
      queue.push({ type: 'flood', bytes });
      return api;
    },
    /** Queue a request that never gets an answer. */
    stall() {
      queue.push({ type: 'stall' });
      return api;
    },
    /** Queue an answer sent only when the returned release() is called (a run held mid-call). */
    held(content, usage = { prompt: 100, completion: 50 }) {
      let release;
      const after = new Promise((resolve) => (release = resolve));
      queue.push({ type: 'answer', content, usage, after });
      return release;
    },
    /**
     * Queue an answer sent as server-sent events to a request that asks for a stream (one line a
     * piece; a request without `stream: true` gets it whole). With `heldAfter: n`, only the first
     * n pieces go until the returned release() is called.
     */
    streamed(content, { heldAfter, usage = { prompt: 100, completion: 50 } } = {}) {
      let release;
      const after = new Promise((resolve) => (release = resolve));
      queue.push({ type: 'stream', content, usage, heldAfter, release: after });
      return release;
    },
    /** Queue a function (request record) -> step, for answers that depend on the request. */
    dynamic(fn) {
      queue.push((record) => {
        const out = fn(record);
        return typeof out === 'string' ? { type: 'answer', content: out, usage: { prompt: 100, completion: 50 } } : out;
      });
      return api;
    },
    /** Answer every request that finds the queue empty with fn(request record) -> step or string. */
    otherwise(fn) {
      fallback = (record) => {
        const out = fn(record);
        return typeof out === 'string' ? { type: 'answer', content: out, usage: { prompt: 100, completion: 50 } } : out;
      };
      return api;
    },
    /** Stop answering from the fallback set by otherwise(). */
    clearOtherwise() {
      fallback = null;
      return api;
    },
    /** How many scripted steps are still unused. */
    get pending() {
      return queue.length;
    },
    async close() {
      for (const res of stalled) res.destroy();
      for (const timer of delayed) clearTimeout(timer);
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return api;
}
