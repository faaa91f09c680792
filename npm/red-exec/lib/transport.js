// The model transport: OpenAI-compatible chat completions over fetch, with a per-call
// timeout, bounded retries, and error codes from the core's CompletionErrorCode list.

import { ModelCallError } from './errors.js';

const RETRY_STATUSES = (status) => status === 429 || status >= 500;

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** First useful words of an error body: the API's error.message if it has one. */
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

function statusError(status, statusText, bodyText, redact, url) {
  const detail = describeBody(redact(bodyText || ''));
  const where = `model server ${url} answered ${status}${statusText ? ` ${statusText}` : ''}`;
  const tail = detail ? `: ${detail}` : '';
  if (status === 401 || status === 403) {
    return new ModelCallError('auth', `${where}${tail} (check the API key)`, { status, retryable: false });
  }
  if (status === 429) return new ModelCallError('rate_limit', `${where}${tail}`, { status, retryable: true });
  if (status >= 500) return new ModelCallError('server', `${where}${tail}`, { status, retryable: true });
  return new ModelCallError('bad_response', `${where}${tail}`, { status, retryable: false });
}

function retryAfterMs(response) {
  const value = response.headers.get('retry-after');
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 20_000);
  return 0;
}

/** Pull text and usage out of an OpenAI chat completion body, or throw bad_response. */
export function parseCompletion(bodyText, redact) {
  let body;
  try {
    body = JSON.parse(bodyText);
  } catch {
    const head = redact(bodyText).replace(/\s+/g, ' ').slice(0, 80);
    throw new ModelCallError('bad_response', `model server did not answer with JSON (body starts: "${head}")`);
  }
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') {
    throw new ModelCallError('bad_response', 'model server answer is not an OpenAI chat completion (no choices[0].message.content)');
  }
  const completion = { text: redact(content) };
  const u = body.usage;
  if (u && Number.isFinite(u.prompt_tokens) && Number.isFinite(u.completion_tokens)) {
    completion.usage = { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens };
  }
  return completion;
}

/**
 * Build the host's complete(request) for an OpenAI-compatible endpoint.
 * options: { baseUrl, apiKey, model, timeoutMs, maxRetries, retryBaseMs, signal, redact, onRetry, fetchImpl }
 */
export function createHttpCompleter(options) {
  const {
    baseUrl,
    apiKey,
    model,
    timeoutMs = 120_000,
    maxRetries = 2,
    retryBaseMs = 500,
    signal: stopSignal,
    redact = (s) => s,
    onRetry = () => {},
    fetchImpl = globalThis.fetch,
  } = options;
  const url = `${baseUrl}/chat/completions`;
  const safeUrl = redact(url.replace(/\/\/[^/@]*@/, '//'));

  async function attempt(request) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onStop = () => controller.abort();
    if (stopSignal) {
      if (stopSignal.aborted) controller.abort();
      else stopSignal.addEventListener('abort', onStop, { once: true });
    }
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const payload = {
      model,
      messages: request.messages,
      temperature: request.temperature,
      max_tokens: request.maxTokens,
    };
    const started = performance.now();
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
      const bodyText = await response.text();
      const durationMs = Math.round(performance.now() - started);
      if (!response.ok) {
        const err = statusError(response.status, response.statusText, bodyText, redact, safeUrl);
        err.retryAfterMs = retryAfterMs(response);
        throw err;
      }
      return { ...parseCompletion(bodyText, redact), durationMs };
    } catch (err) {
      if (err instanceof ModelCallError) throw err;
      if (stopSignal && stopSignal.aborted) {
        throw new ModelCallError('interrupted', 'interrupted: the model call was cancelled', { retryable: false });
      }
      if (timedOut) {
        // A stall is often one slow replica: try once more, not more (each try costs a whole timeout).
        throw new ModelCallError('timeout', `model server ${safeUrl} did not answer within ${timeoutMs / 1000}s`, { retryable: true, retryLimit: 1 });
      }
      const cause = err && err.cause ? err.cause : err;
      const why = redact(String(cause?.code ?? cause?.message ?? err?.message ?? err));
      throw new ModelCallError('network', `cannot reach model server ${safeUrl}: ${why}`, { retryable: true });
    } finally {
      clearTimeout(timer);
      if (stopSignal) stopSignal.removeEventListener('abort', onStop);
    }
  }

  return async function complete(request) {
    for (let n = 0; ; n++) {
      try {
        return await attempt(request);
      } catch (err) {
        if (!err.retryable || n >= Math.min(maxRetries, err.retryLimit ?? maxRetries)) {
          if (n > 0) err.message += ` (after ${n} ${n === 1 ? 'retry' : 'retries'})`;
          throw err;
        }
        const delay = Math.max(retryBaseMs * 4 ** n, err.retryAfterMs || 0);
        onRetry({ id: request.id, retry: n + 1, code: err.code, status: err.status ?? null, delayMs: delay, message: err.message });
        try {
          await sleep(delay, stopSignal);
        } catch {
          throw new ModelCallError('interrupted', 'interrupted: the model call was cancelled');
        }
      }
    }
  };
}
