// --replay: find and read the recorded events.jsonl whose answers the core's model calls get
// (the reader and the completer are @codemaestro/core's).

import fs from 'node:fs';
import path from 'node:path';
import { readReplay } from '@codemaestro/core';
import { ConfigError } from './errors.js';
import { LOG_DIR, LAST_RUN_FILE, checkRunId, confineArtifact, isRunId, readConfined } from './paths.js';

/** Find the events file: a path (relative to cwd) or a run id under <workspace>/.red-exec-logs. */
export function locateTranscript(spec, { cwd, workspace }) {
  const candidates = [path.resolve(cwd, spec)];
  if (!spec.includes('/') && !spec.includes(path.sep)) {
    if (isRunId(spec)) candidates.push(confineArtifact(workspace, path.join(workspace, LOG_DIR, spec, 'events.jsonl')));
    if (spec === 'last') {
      let last = '';
      try {
        last = readConfined(confineArtifact(workspace, path.join(workspace, LOG_DIR, LAST_RUN_FILE))).trim();
      } catch (err) {
        if (err.kind === 'write') throw err;
        // no last run
      }
      if (last) candidates.push(confineArtifact(workspace, path.join(workspace, LOG_DIR, checkRunId(last, `${LOG_DIR}/${LAST_RUN_FILE}`), 'events.jsonl')));
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

/** Read a recorded run: { file, recordedModel, calls } (readReplay of @codemaestro/core). Throws ConfigError. */
export function loadTranscript(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--replay: cannot read ${file}: ${err.message}`);
  }
  let replay;
  try {
    replay = readReplay(text);
  } catch (err) {
    throw new ConfigError(`--replay: ${file}: ${err.message}`);
  }
  return { file, recordedModel: replay.model, calls: replay.calls };
}
