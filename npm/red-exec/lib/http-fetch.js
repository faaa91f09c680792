// The CLI's model transport, given to the completer as its `fetch`: the part of fetch it uses
// (POST, headers, a streamed body, an abort signal), over node:http and node:https. Node's fetch
// loads and compiles its HTTP client (undici) on its first call: 60-140 ms of a run's first model
// request on this project's shared machine, against 9-20 ms for node:http (issue 20). Errors are
// fetch's: a TypeError whose `cause` is Node's error (ECONNREFUSED, ENOTFOUND), an AbortError
// when the signal fires. No proxy support, as Node's fetch has none by default either.

import http from 'node:http';
import https from 'node:https';

const abortError = () => new DOMException('This operation was aborted', 'AbortError');

/** A body reader as `response.body.getReader()` gives one: read() and cancel(). */
function reader(res, signal) {
  const chunks = res[Symbol.asyncIterator]();
  return {
    async read() {
      if (signal?.aborted) throw abortError();
      const { done, value } = await chunks.next();
      return done ? { done: true, value: undefined } : { done: false, value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
    },
    async cancel() {
      res.destroy();
    },
  };
}

/** `fetch(url, { method, headers, body, signal })` as the completer calls it. */
export function httpFetch(url, { method = 'GET', headers = {}, body, signal } = {}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    let target;
    try {
      target = new URL(url);
    } catch (err) {
      return reject(new TypeError(`invalid URL: ${url}`, { cause: err }));
    }
    const client = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : null;
    if (!client) return reject(new TypeError(`unsupported protocol ${target.protocol}`));
    const req = client.request(target, { method, headers });
    const onAbort = () => req.destroy(abortError());
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err?.name === 'AbortError' ? err : new TypeError('fetch failed', { cause: err }));
    });
    req.on('response', (res) => {
      // A stop while the body streams in ends the reading, as fetch's does.
      res.on('close', () => signal?.removeEventListener('abort', onAbort));
      signal?.addEventListener('abort', () => res.destroy(abortError()), { once: true });
      resolve({
        ok: res.statusCode >= 200 && res.statusCode < 300,
        status: res.statusCode,
        statusText: res.statusMessage ?? '',
        headers: { get: (name) => { const v = res.headers[String(name).toLowerCase()]; return v === undefined ? null : Array.isArray(v) ? v.join(', ') : String(v); } },
        body: { getReader: () => reader(res, signal), cancel: async () => res.destroy() },
      });
    });
    req.end(body);
  });
}
