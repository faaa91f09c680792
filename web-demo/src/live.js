// Live model: an OpenAI-compatible chat-completions endpoint called from the page with fetch.
// The key lives only in the closure made here (from the password field, per run): it is sent in
// the Authorization header and nowhere else (no storage, no log, no error message).

const RETRIES = 2;

function callError(code, message) {
  return Object.assign(new Error(message), { code });
}

function bodyDetail(text) {
  let detail = text;
  try {
    const parsed = JSON.parse(text);
    const msg = parsed?.error?.message ?? parsed?.error ?? parsed?.message;
    if (typeof msg === 'string') detail = msg;
  } catch {
    // not JSON: the raw text
  }
  detail = String(detail).replace(/\s+/g, ' ').trim();
  return detail.length > 200 ? `${detail.slice(0, 200)}...` : detail;
}

function statusError(status, text, url) {
  const detail = bodyDetail(text);
  const where = `${url} answered ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 401 || status === 403) return callError('auth', `${where} (check the API key)`);
  if (status === 429) return callError('rate_limit', where);
  if (status >= 500) return callError('server', where);
  return callError('bad_response', where);
}

/** Text and usage of an OpenAI chat completion body; throws code 'bad_response' otherwise. */
export function parseCompletion(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw callError('bad_response', `the model server did not answer with JSON (body starts: "${text.slice(0, 60)}")`);
  }
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content !== 'string') throw callError('bad_response', 'the answer is not a chat completion (no choices[0].message.content)');
  const completion = { text: content };
  const u = body.usage;
  if (u && Number.isFinite(u.prompt_tokens) && Number.isFinite(u.completion_tokens)) {
    completion.usage = { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens };
  }
  return completion;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The host's complete(request) for `${baseUrl}/chat/completions`.
 * options: { baseUrl, apiKey, model, timeoutMs = 120000, retryBaseMs = 500, signal, fetchImpl }
 */
export function createLiveCompleter({ baseUrl, apiKey, model, timeoutMs = 120_000, retryBaseMs = 500, signal, fetchImpl = globalThis.fetch }) {
  const url = `${String(baseUrl).replace(/\/+$/, '')}/chat/completions`;

  async function once(request) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const stop = () => controller.abort();
    signal?.addEventListener('abort', stop, { once: true });
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (apiKey) headers.authorization = `Bearer ${apiKey}`;
    const started = performance.now();
    try {
      const response = await fetchImpl(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model, messages: request.messages, temperature: request.temperature, max_tokens: request.maxTokens }),
        signal: controller.signal,
      });
      const text = await response.text();
      if (!response.ok) throw statusError(response.status, text, url);
      return { ...parseCompletion(text), durationMs: Math.round(performance.now() - started) };
    } catch (err) {
      if (err?.code) throw err;
      if (signal?.aborted) throw callError('network', 'the run was stopped');
      if (timedOut) throw callError('timeout', `${url} did not answer within ${timeoutMs / 1000}s`);
      // A browser hides the cause of a failed fetch (refused, DNS, CORS) behind one TypeError.
      throw callError('network', `cannot reach ${url} (${err?.message ?? err}); a server called from a page must allow CORS`);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
    }
  }

  return async function complete(request) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await once(request);
      } catch (err) {
        const retryable = ['rate_limit', 'server', 'network'].includes(err.code) && !signal?.aborted;
        if (!retryable || attempt >= RETRIES) throw err;
        await sleep(retryBaseMs * 2 ** attempt);
      }
    }
  };
}
