// Streaming for the live model without a second HTTP client: a fetch for the host kit's
// createOpenAICompleter (which keeps its timeout, retries, error codes and size limit) that asks
// the server to stream (`stream: true`), hands each piece of the answer to `onDelta(text)` as it
// arrives, and gives the completer back one ordinary chat-completion body at the end. A server
// that answers with plain JSON (it ignores `stream`) or with an error status is passed through.

/** Server-sent events: the `data:` payloads of a text/event-stream, as they complete. */
async function* sseData(body, signal) {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException('The operation was aborted.', 'AbortError');
      const { done, value } = await reader.read();
      buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      let cut;
      while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
        const data = event
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data) yield data;
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * A fetch that streams chat completions. `onDelta(text)` gets each new piece of the answer;
 * `onStart()` is told of each HTTP attempt (a retry starts the answer afresh); `maxBytes` bounds
 * the answer as the completer's own limit would.
 */
export function streamingFetch(onDelta, { onStart = () => {}, fetch: fetchImpl = globalThis.fetch, maxBytes = 4 * 1024 * 1024 } = {}) {
  // Set once the server refused the stream parameters: later calls of this run go without them.
  let plain = false;
  return async (url, init) => {
    onStart();
    if (plain) return fetchImpl(url, init);
    const payload = JSON.parse(init.body);
    const body = JSON.stringify({ ...payload, stream: true, stream_options: { include_usage: true } });
    let response = await fetchImpl(url, { ...init, body, headers: { ...init.headers, accept: 'text/event-stream, application/json' } });
    if (response.status === 400 || response.status === 422) {
      // A server that takes no `stream` / `stream_options` gets the call as it was, unstreamed.
      const text = await response.text();
      if (/stream/i.test(text)) {
        plain = true;
        return fetchImpl(url, init);
      }
      response = new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    if (!response.ok || !/text\/event-stream/i.test(response.headers.get('content-type') ?? '') || !response.body) return response;
    let text = '';
    let usage;
    for await (const data of sseData(response.body, init.signal)) {
      if (data.trim() === '[DONE]') break;
      let chunk;
      try {
        chunk = JSON.parse(data);
      } catch {
        continue; // a comment or keep-alive a server sent as data
      }
      const delta = chunk?.choices?.[0]?.delta?.content;
      if (typeof delta === 'string' && delta) {
        text += delta;
        if (text.length > maxBytes) break; // the completer refuses the whole answer as too large
        onDelta(delta);
      }
      if (chunk?.usage) usage = chunk.usage;
    }
    const completion = { choices: [{ index: 0, message: { role: 'assistant', content: text } }], ...(usage ? { usage } : {}) };
    return new Response(JSON.stringify(completion), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}
