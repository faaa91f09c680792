// .red-exec-logs/<runId>/events.jsonl: every event the core reports, one JSON object a
// line, then the final RunResult as {"kind":"result", ...}. Lines pass the redactor.

import fs from 'node:fs';
import path from 'node:path';
import { LOG_DIR } from './replay.js';
import { writeDurably } from './backup.js';

/**
 * Make <workspace>/.red-exec-logs/ if needed, with a .gitignore of `*` in it so that nothing the
 * tool keeps there (logs, backups, the violation log, the report) shows in `git status`. An
 * existing .gitignore is left as the user made it. Returns the directory.
 */
export function ensureLogDir(workspace) {
  const base = path.join(workspace, LOG_DIR);
  fs.mkdirSync(base, { recursive: true });
  try {
    fs.writeFileSync(path.join(base, '.gitignore'), '# red-exec: run logs, backups and reports stay out of git\n*\n', { flag: 'wx' });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  return base;
}

export function openRunLog(workspace, runId, redact) {
  const base = ensureLogDir(workspace);
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
