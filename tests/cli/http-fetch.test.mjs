// The CLI's model transport (npm/red-exec/lib/http-fetch.js, node:http instead of Node's fetch):
// through the host kit's completer it behaves as fetch does, case by case, against the loopback
// model server: the request sent, a retried 5xx, a refused flood, a stall, an abort, no server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOpenAICompleter } from '@codemaestro/core';
import { startModelServer, withModelServer } from '../support/model-server.mjs';
import { httpFetch } from '../../npm/red-exec/lib/http-fetch.js';

const REQUEST = { id: 1, stage: 'L1', path: null, action: null, attempt: 0, messages: [{ role: 'user', content: 'h\u00e9llo \u{1F600}' }], temperature: 0, maxTokens: 10 };
const TRANSPORTS = { fetch: globalThis.fetch, httpFetch };

/** What one call ended with, comparable across transports. */
async function outcome(complete) {
  try {
    const c = await complete(REQUEST);
    return { text: c.text, usage: c.usage };
  } catch (err) {
    return { code: err.code, message: err.message.replace(/127\.0\.0\.1:\d+/, 'HOST') };
  }
}

async function bothWays(setup, options = {}) {
  const seen = {};
  for (const [name, fetch] of Object.entries(TRANSPORTS)) {
    await withModelServer(async (server) => {
      setup(server);
      const complete = createOpenAICompleter({ baseUrl: server.baseUrl, apiKey: 'k', model: 'm', retryBaseMs: 1, fetch, ...options });
      seen[name] = { ...(await outcome(complete)), requests: server.requests.map((r) => [r.method, r.url, r.headers.authorization, JSON.stringify(r.body)]) };
    });
  }
  assert.deepEqual(seen.httpFetch, seen.fetch);
  return seen.httpFetch;
}

test('http transport: an answer, a retried 500, a refused flood and a stall end as with fetch', async () => {
  const ok = await bothWays((s) => s.answer('caf\u00e9', { prompt: 3, completion: 1 }));
  assert.deepEqual([ok.text, ok.requests.length, ok.requests[0][2]], ['caf\u00e9', 1, 'Bearer k']);
  const retried = await bothWays((s) => s.fail(500).answer('second'));
  assert.deepEqual([retried.text, retried.requests.length], ['second', 2]);
  const flood = await bothWays((s) => s.flood(50 * 1024 * 1024));
  assert.equal(flood.code, 'bad_response');
  const stall = await bothWays((s) => s.stall().stall(), { timeoutMs: 200 });
  assert.equal(stall.code, 'timeout');
});

test('http transport: an abort is interrupted and no server is ECONNREFUSED, as with fetch', async () => {
  for (const fetch of Object.values(TRANSPORTS)) {
    await withModelServer(async (server) => {
      const stop = new AbortController();
      server.dynamic(() => {
        setImmediate(() => stop.abort());
        return { type: 'stall' };
      });
      const complete = createOpenAICompleter({ baseUrl: server.baseUrl, model: 'm', retryBaseMs: 1, signal: stop.signal, fetch });
      assert.equal((await outcome(complete)).code, 'interrupted');
    });
    const server = await startModelServer();
    const baseUrl = server.baseUrl;
    await server.close();
    const gone = await outcome(createOpenAICompleter({ baseUrl, model: 'm', retryBaseMs: 1, fetch }));
    assert.deepEqual(gone, { code: 'network', message: 'cannot reach model server http://HOST/v1/chat/completions: ECONNREFUSED (after 2 retries)' });
  }
});
