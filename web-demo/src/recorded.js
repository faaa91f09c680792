// Recorded model: answers the core's completion request N with the model_response N of a run's
// events.jsonl (the same file the CLI replays with --replay). No key, no network.

/**
 * The parts of an events.jsonl a replay needs: every call's stage and path, and its answer.
 * Prompts are left out (the core rebuilds them), which keeps the page small.
 * @returns {{ model: string | null, calls: Array<{ id: number, stage: string, path: string | null, text: string, usage: object | null, durationMs: number | null }> }}
 */
export function parseTranscript(jsonl) {
  const requests = new Map();
  const responses = new Map();
  let model = null;
  const lines = String(jsonl).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      throw new Error(`transcript line ${i + 1} is not JSON`);
    }
    if (event.kind === 'model_request') requests.set(event.id, event);
    else if (event.kind === 'model_response') responses.set(event.id, event);
    else if (event.kind === 'run_start' && typeof event.options?.model === 'string') model = event.options.model;
  }
  const calls = [];
  for (const [id, request] of [...requests].sort((a, b) => a[0] - b[0])) {
    const response = responses.get(id);
    if (!response) continue;
    calls.push({
      id,
      stage: request.stage,
      path: request.path ?? null,
      text: String(response.text ?? ''),
      usage: response.usage ?? null,
      durationMs: Number.isFinite(response.durationMs) ? response.durationMs : null,
    });
  }
  if (calls.length === 0) throw new Error('the transcript holds no recorded model answers');
  return { model, calls };
}

function replayError(message) {
  // 'bad_response' is the core's code for an answer it cannot use; the run stops with it.
  return Object.assign(new Error(message), { code: 'bad_response' });
}

/** The host's complete(request), answered from a parsed transcript. */
export function createRecordedCompleter(transcript) {
  const byId = new Map(transcript.calls.map((c) => [c.id, c]));
  return async function complete(request) {
    const where = `call ${request.id} (${request.stage}${request.path ? ` ${request.path}` : ''})`;
    const call = byId.get(request.id);
    if (!call) throw replayError(`replay diverged: the recording has no answer for ${where}; with a changed task or scope, use a live model`);
    if (call.stage !== request.stage || call.path !== (request.path ?? null)) {
      const was = `${call.stage}${call.path ? ` ${call.path}` : ''}`;
      throw replayError(`replay diverged: ${where} was recorded as ${was}`);
    }
    const completion = { text: call.text };
    if (call.usage) completion.usage = call.usage;
    if (call.durationMs !== null) completion.durationMs = call.durationMs;
    return completion;
  };
}
