// Replay: the model calls of a recorded run (its events.jsonl) answered back to the core, with no
// model, key or network. The same recording must lead the core down the same calls; where it does
// not (another task, scope or option), the replay stops rather than hand over a wrong answer.

import { CompletionError } from './completer.mjs';

/**
 * The parts of a run log a replay needs: each call's stage, path and answer, in call order, and
 * the model the run was made with. Prompts are left out (the core rebuilds them), which keeps a
 * recording shipped in a web page small. Throws an Error naming the line that is not JSON, or
 * saying that the log holds no answers.
 * @returns {{ model: string | null, calls: Array<{ id: number, stage: string, path: string | null, text: string, usage: object | null, durationMs: number | null }> }}
 */
export function readReplay(eventsJsonl) {
  const requests = new Map();
  const responses = new Map();
  let runModel = null;
  let hostModel = null;
  const lines = String(eventsJsonl).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      throw new Error(`line ${i + 1} is not JSON`);
    }
    if (event?.kind === 'model_request') requests.set(event.id, event);
    else if (event?.kind === 'model_response') responses.set(event.id, event);
    else if (event?.kind === 'run_start' && typeof event.options?.model === 'string') runModel = event.options.model;
    else if (event?.kind === 'host_start' && typeof event.model === 'string') hostModel ??= event.model;
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
  if (calls.length === 0) throw new Error('it holds no recorded model answers');
  return { model: runModel ?? hostModel, calls };
}

/** The host's complete(request), answered from readReplay's result (or the events.jsonl text itself). */
export function createReplayCompleter(replay) {
  const { calls } = typeof replay === 'string' ? readReplay(replay) : replay;
  const byId = new Map(calls.map((c) => [c.id, c]));
  // A recording made when every run asked the planner, replayed by a core that derives a one-file
  // plan (no L1 call): its plan calls are passed over, and the unit calls answered from the rest.
  // Where the derived plan differs from the recorded one, the paths tell, and the replay stops.
  const sorted = [...calls].sort((a, b) => a.id - b.id);
  const leadingPlans = sorted.findIndex((c) => c.stage !== 'L1');
  let offset = null;
  return async function complete(request) {
    if (offset === null) offset = request.stage !== 'L1' && request.id === sorted[0]?.id && leadingPlans > 0 ? leadingPlans : 0;
    const where = `call ${request.id} (${request.stage}${request.path ? ` ${request.path}` : ''})`;
    const call = byId.get(request.id + offset);
    // 'bad_response' is the core's code for an answer it cannot use: the run stops with it.
    if (!call) {
      throw new CompletionError('bad_response', `replay diverged: the recorded run has no answer for ${where}; with another task, scope or options, use a live model`);
    }
    if (call.stage !== request.stage || call.path !== (request.path ?? null)) {
      const was = `${call.stage}${call.path ? ` ${call.path}` : ''}`;
      throw new CompletionError('bad_response', `replay diverged: ${where} was recorded as ${was}`);
    }
    const completion = { text: call.text };
    if (call.usage) completion.usage = call.usage;
    if (call.durationMs !== null) completion.durationMs = call.durationMs;
    return completion;
  };
}
