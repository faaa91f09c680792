// --replay: answer the core's model calls from a recorded events.jsonl instead of a model.

import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, ModelCallError } from './errors.js';

export const LOG_DIR = '.red-exec-logs';

/** Find the events file: a path (relative to cwd) or a run id under <workspace>/.red-exec-logs. */
export function locateTranscript(spec, { cwd, workspace }) {
  const candidates = [path.resolve(cwd, spec)];
  if (!spec.includes('/') && !spec.includes(path.sep)) {
    candidates.push(path.join(workspace, LOG_DIR, spec, 'events.jsonl'));
    if (spec === 'last') {
      try {
        const last = fs.readFileSync(path.join(workspace, LOG_DIR, 'last-run'), 'utf8').trim();
        if (last) candidates.push(path.join(workspace, LOG_DIR, last, 'events.jsonl'));
      } catch {
        // no last run
      }
    }
  }
  for (const file of candidates) {
    try {
      const st = fs.statSync(file);
      if (st.isFile()) return file;
      if (st.isDirectory() && fs.existsSync(path.join(file, 'events.jsonl'))) return path.join(file, 'events.jsonl');
    } catch {
      // try the next one
    }
  }
  throw new ConfigError(`--replay ${spec}: no such events file, and no run "${spec}" under ${LOG_DIR}/`);
}

/** Read a recorded run: model_request and model_response events keyed by id. */
export function loadTranscript(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--replay: cannot read ${file}: ${err.message}`);
  }
  const requests = new Map();
  const responses = new Map();
  let recordedModel = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      throw new ConfigError(`--replay: ${file} line ${i + 1} is not JSON`);
    }
    if (event.kind === 'model_request') requests.set(event.id, event);
    else if (event.kind === 'model_response') responses.set(event.id, event);
    else if (event.kind === 'run_start' && typeof event.options?.model === 'string') recordedModel = event.options.model;
    else if (event.kind === 'host_start' && typeof event.model === 'string' && !recordedModel) recordedModel = event.model;
  }
  if (responses.size === 0) throw new ConfigError(`--replay: ${file} holds no recorded model answers`);
  return { file, requests, responses, recordedModel };
}

/** The host's complete(request), answered from a transcript. */
export function createReplayCompleter(transcript) {
  return async function complete(request) {
    const where = `call ${request.id} (${request.stage}${request.path ? ` ${request.path}` : ''})`;
    const recordedRequest = transcript.requests.get(request.id);
    const recorded = transcript.responses.get(request.id);
    if (!recordedRequest || !recorded) {
      throw new ModelCallError('bad_response', `replay diverged: the recorded run has no answer for ${where}`);
    }
    const recPath = recordedRequest.path ?? null;
    if (recordedRequest.stage !== request.stage || recPath !== (request.path ?? null)) {
      const was = `${recordedRequest.stage}${recPath ? ` ${recPath}` : ''}`;
      throw new ModelCallError('bad_response', `replay diverged: ${where} was recorded as ${was}`);
    }
    const completion = { text: String(recorded.text ?? '') };
    if (recorded.usage) completion.usage = recorded.usage;
    if (Number.isFinite(recorded.durationMs)) completion.durationMs = recorded.durationMs;
    return completion;
  };
}
