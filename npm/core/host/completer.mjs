// An OpenAI-compatible chat-completions client as the host's complete(request): a per-call
// timeout, bounded retries with backoff (and the server's Retry-After), an abort signal, and
// errors whose `code` is one of the core's CompletionErrorCode values. Runs on any fetch.

import { MAX_RESPONSE_BYTES } from './limits.mjs';

/** A failed model call. `code`: auth | rate_limit | server | timeout | network | bad_response | interrupted. */
export class CompletionError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'CompletionError';
    this.code = code;
    this.retryable = false;
    Object.assign(this, extra);
  }
}

// A server asking for longer than this is waited for this long, then asked again.
const MAX_RETRY_AFTER_MS = 20_000;

const interrupted = () => new CompletionError('interrupted', 'interrupted: the model call was cancelled');

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(interrupted());
    const onAbort = () => {
      clearTimeout(timer);
      reject(interrupted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// An error status's body is read for its message only: its start is enough.
const ERROR_BODY_BYTES = 64 * 1024;

/**
 * The body as text, read as a stream so an answer past `limit` bytes is stopped there (never
 * held whole). `whole`: refuse a body past the limit and one that is not UTF-8 (an answer);
 * otherwise keep its start, decoded leniently (an error message).
 */
async function readBody(response, limit, whole, shownUrl) {
  const tooLarge = () =>
    new CompletionError('bad_response', `model server ${shownUrl} sent more than ${limit} bytes: far more than any answer for one file, refused unread`);
  const declared = Number(response.headers.get('content-length'));
  if (whole && Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel?.().catch(() => {});
    throw tooLarge();
  }
  const decoder = new TextDecoder('utf-8', { fatal: whole });
  const decode = (bytes, stream) => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      throw new CompletionError('bad_response', `model server ${shownUrl} answered with bytes that are not valid UTF-8`);
    }
  };
  const reader = response.body?.getReader?.();
  if (!reader) {
    // A fetch without streams (some test doubles): the same limits on the whole body.
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > limit && whole) throw tooLarge();
    return decode(bytes.subarray(0, limit), false);
  }
  let text = '';
  let size = 0;
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      size += value.byteLength;
      if (size > limit) {
        if (whole) throw tooLarge();
        text += decode(value.subarray(0, value.byteLength - (size - limit)), true);
        break;
      }
      text += decode(value, true);
    }
  } finally {
    // Stopped early (too large, not UTF-8, an error's start read): the rest is never downloaded.
    if (!finished) await reader.cancel().catch(() => {});
  }
  return text + decode(undefined, false);
}

/** First useful words of an error body: the API's own error.message when it has one. */
function describeBody(text) {
  let detail = text;
  try {
    const parsed = JSON.parse(text);
    const msg = parsed && (parsed.error?.message ?? parsed.error ?? parsed.message);
    if (typeof msg === 'string') detail = msg;
  } catch {
    // not JSON: keep the raw text
  }
  detail = String(detail).replace(/\s+/g, ' ').trim();
  return detail.length > 200 ? `${detail.slice(0, 200)}...` : detail;
}

function statusError(response, bodyText, redact, url) {
  const { status, statusText } = response;
  const detail = describeBody(redact(bodyText || ''));
  const where = `model server ${url} answered ${status}${statusText ? ` ${statusText}` : ''}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) return new CompletionError('auth', `${where} (check the API key)`, { status });
  const retryAfterMs = retryAfter(response.headers.get('retry-after'));
  if (status === 429) return new CompletionError('rate_limit', where, { status, retryable: true, retryAfterMs });
  if (status >= 500) return new CompletionError('server', where, { status, retryable: true, retryAfterMs });
  return new CompletionError('bad_response', where, { status });
}

/** Retry-After in ms: delta-seconds or an HTTP date; 0 when absent or unusable. */
function retryAfter(value) {
  if (!value) return 0;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : 0;
}

/** Text and usage of an OpenAI chat completion body; throws CompletionError 'bad_response' otherwise. */
export function parseCompletion(bodyText, redact = (s) => s) {
  let body;
  try {
    body = JSON.parse(bodyText);
  } catch {
    const head = redact(bodyText).replace(/\s+/g, ' ').slice(0, 80);
    throw new CompletionError('bad_response', `model server did not answer with JSON (body starts: "${head}")`);
  }
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') {
    throw new CompletionError('bad_response', 'model server answer is not an OpenAI chat completion (no choices[0].message.content)');
  }
  // The answer is file content: never redacted here (the host's log and output redact what they show).
  const completion = { text: content };
  const u = body.usage;
  if (u && Number.isFinite(u.prompt_tokens) && Number.isFinite(u.completion_tokens)) {
    completion.usage = { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens };
    // Prompt tokens served from the provider's prompt cache: OpenAI's prompt_tokens_details.cached_tokens,
    // DeepSeek's prompt_cache_hit_tokens. The core prices them at the cached rate.
    const cached = u.prompt_tokens_details?.cached_tokens ?? u.prompt_cache_hit_tokens;
    if (Number.isFinite(cached) && cached > 0) completion.usage.cachedTokens = Math.min(cached, u.prompt_tokens);
  }
  return completion;
}

/**
 * Does this error answer say the server will not take `response_format` (a JSON schema)? A 400 or
 * 422 whose body names response_format, json_schema or schema: OpenAI's "Invalid parameter:
 * 'response_format'...", vLLM/FastAPI's 422 detail with loc ["body", "response_format"], llama.cpp's
 * "Unsupported response_format type", "Unrecognized request argument supplied: response_format".
 */
export function refusesResponseFormat(status, bodyText) {
  return (status === 400 || status === 422) && /response_format|json_schema|\bschema\b/i.test(String(bodyText ?? ''));
}

/** OpenAI's response_format for a request's JSON schema. */
function responseFormatFor(rf) {
  return { type: 'json_schema', json_schema: { name: rf.name, schema: rf.schema, strict: true } };
}

/**
 * The host's complete(request) for `${baseUrl}/chat/completions`. A 429, a 5xx or an unreachable
 * server is retried `maxRetries` times after retryBaseMs, x4, x16... (or the server's Retry-After
 * when longer); a call that times out is retried once (each try costs a whole timeout); a refused
 * key or a bad answer is not retried. `redact(text)` is applied to every error message (a server may
 * echo the key in its error body), never to the answer: that is file content.
 *
 * A request with a `responseFormat` (the plan's JSON schema) is sent with OpenAI's
 * `response_format: {type: "json_schema", json_schema: {name, schema, strict: true}}`; a server
 * that refuses it (see refusesResponseFormat) gets the same request again without it, once, and
 * this completer remembers that for the rest of its life (one run): later calls go without it
 * from the start. The completion says which way it went: `responseFormat: "json_schema" | "prompt"`
 * (only on calls that carried a schema). `onFallback({ id, status, message })` is told of the refusal.
 */
export function createOpenAICompleter({
  baseUrl,
  apiKey,
  model,
  timeoutMs = 120_000,
  maxRetries = 2,
  retryBaseMs = 500,
  signal,
  redact = (s) => s,
  onRetry = () => {},
  onFallback = () => {},
  fetch: fetchImpl = globalThis.fetch,
  maxResponseBytes = MAX_RESPONSE_BYTES,
} = {}) {
  if (typeof baseUrl !== 'string' || baseUrl.trim() === '') throw new TypeError("createOpenAICompleter: baseUrl is required (the model server's, e.g. https://api.openai.com/v1)");
  if (typeof fetchImpl !== 'function') throw new TypeError('createOpenAICompleter: no fetch (pass one as `fetch`)');
  const url = `${baseUrl.trim().replace(/\/+$/, '')}/chat/completions`;
  // user:password@ in a base URL is a credential: never in a message.
  const shownUrl = redact(url.replace(/\/\/[^/@]*@/, '//'));
  // Set once a server refused a JSON schema: every later call of this run goes without one.
  let schemaRefused = false;

  async function attempt(request) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onStop = () => controller.abort();
    if (signal?.aborted) controller.abort();
    else signal?.addEventListener('abort', onStop, { once: true });
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const payload = { model, messages: request.messages, temperature: request.temperature, max_tokens: request.maxTokens };
    const withSchema = Boolean(request.responseFormat) && !schemaRefused;
    if (withSchema) payload.response_format = responseFormatFor(request.responseFormat);
    const started = performance.now();
    try {
      const response = await fetchImpl(url, { method: 'POST', headers, body: JSON.stringify(payload), signal: controller.signal });
      if (!response.ok) {
        const errorText = await readBody(response, ERROR_BODY_BYTES, false, shownUrl);
        const err = statusError(response, errorText, redact, shownUrl);
        if (withSchema && refusesResponseFormat(response.status, errorText)) err.schemaRefused = true;
        throw err;
      }
      const bodyText = await readBody(response, maxResponseBytes, true, shownUrl);
      const durationMs = Math.round(performance.now() - started);
      const completion = { ...parseCompletion(bodyText, redact), durationMs };
      if (request.responseFormat) completion.responseFormat = withSchema ? 'json_schema' : 'prompt';
      return completion;
    } catch (err) {
      if (err instanceof CompletionError) throw err;
      if (signal?.aborted) throw interrupted();
      if (timedOut) {
        throw new CompletionError('timeout', `model server ${shownUrl} did not answer within ${timeoutMs / 1000}s`, { retryable: true, retryLimit: 1 });
      }
      const cause = err?.cause ?? err;
      let why = String(cause?.code ?? cause?.message ?? err);
      // Node names the cause (ECONNREFUSED, ENOTFOUND); a page's fetch hides it, and CORS, behind one TypeError.
      if (!err?.cause && 'document' in globalThis) why += '; a server called from a web page must also allow CORS';
      throw new CompletionError('network', `cannot reach model server ${shownUrl}: ${redact(why)}`, { retryable: true });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onStop);
    }
  }

  return async function complete(request) {
    for (let n = 0; ; n++) {
      try {
        return await attempt(request);
      } catch (err) {
        if (err.schemaRefused && !schemaRefused) {
          // Not a retry: the same request without the schema (the prompt asks for the same JSON).
          schemaRefused = true;
          onFallback({ id: request.id, status: err.status ?? null, message: err.message });
          n--;
          continue;
        }
        if (!err.retryable || n >= Math.min(maxRetries, err.retryLimit ?? maxRetries)) {
          if (n > 0) err.message += ` (after ${n} ${n === 1 ? 'retry' : 'retries'})`;
          throw err;
        }
        const delayMs = Math.max(retryBaseMs * 4 ** n, err.retryAfterMs ?? 0);
        onRetry({ id: request.id, retry: n + 1, code: err.code, status: err.status ?? null, delayMs, message: err.message });
        await sleep(delayMs, signal);
      }
    }
  };
}
