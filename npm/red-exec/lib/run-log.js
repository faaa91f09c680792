// .red-exec-logs/<runId>/events.jsonl: every event the core reports, one JSON object a
// line, then the final RunResult as {"kind":"result", ...}. Lines pass the redactor.

import fs from 'node:fs';
import path from 'node:path';
import { LOG_DIR } from './replay.js';
import { writeDurably } from './backup.js';

export function openRunLog(workspace, runId, redact) {
  const base = path.join(workspace, LOG_DIR);
  const dir = path.join(base, runId);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'events.jsonl');
  const fd = fs.openSync(file, 'a');
  // Durably: a run killed right here must not leave last-run empty or torn.
  writeDurably(path.join(base, 'last-run'), `${runId}\n`, { mode: 0o644 });
  let closed = false;

  return {
    dir,
    file,
    append(record) {
      if (closed) return;
      let line;
      try {
        line = JSON.stringify(record);
      } catch (err) {
        line = JSON.stringify({ kind: 'host_log_error', message: String(err && err.message) });
      }
      fs.writeSync(fd, `${redact(line)}\n`);
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        fs.fsyncSync(fd);
      } catch {
        // best effort
      }
      fs.closeSync(fd);
    },
  };
}

/** The events of a log's text, one per parseable line (a killed run may have torn its last one). */
export function parseEventLines(text) {
  const events = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line));
    } catch {
      // a torn last line: the raw text is still in events.jsonl
    }
  }
  return events;
}
