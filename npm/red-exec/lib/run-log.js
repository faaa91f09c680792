// .red-exec-logs/<runId>/events.jsonl: every event the core reports, one JSON object a
// line, then the final RunResult as {"kind":"result", ...}. Lines pass the redactor.

import fs from 'node:fs';
import path from 'node:path';
import { writeDurably } from './backup.js';
import { LOG_DIR, LAST_RUN_FILE, confineArtifact, openConfined, writeConfined } from './paths.js';

/**
 * Make <workspace>/.red-exec-logs/ if needed, with a .gitignore of `*` in it so that nothing the
 * tool keeps there (logs, backups, the violation log, the report) shows in `git status`. An
 * existing .gitignore is left as the user made it. Returns the directory.
 */
export function ensureLogDir(workspace) {
  const base = confineArtifact(workspace, path.join(workspace, LOG_DIR));
  try {
    fs.mkdirSync(base);
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  // A link made between the check and the mkdir is caught here.
  confineArtifact(workspace, base);
  try {
    const fd = openConfined(path.join(base, '.gitignore'), 'wx');
    try {
      fs.writeFileSync(fd, '# red-exec: run logs, backups and reports stay out of git\n*\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
  return base;
}

/**
 * Space kept free for the run's last line: a full disk (ENOSPC) must not leave a run without its
 * result, so `--runs` would call it unfinished forever. Released just before the result is written.
 */
const RESERVE_BYTES = 64 * 1024;
const RESERVE_FILE = '.reserve';

/**
 * Open <workspace>/.red-exec-logs/<runId>/events.jsonl. Throws when it cannot be made (the run
 * then stops before any change). `onBroken(err)` is called once, the first time an append fails
 * (ENOSPC, EIO...): the line is cut back off (no torn line), later events are dropped, and the
 * run should stop; finish(result) still writes the result line into the space held in reserve.
 */
export function openRunLog(workspace, runId, redact, { onBroken = () => {} } = {}) {
  const base = ensureLogDir(workspace);
  const dir = confineArtifact(workspace, path.join(base, runId));
  fs.mkdirSync(dir, { recursive: true });
  confineArtifact(workspace, dir);
  const file = path.join(dir, 'events.jsonl');
  const reserve = path.join(dir, RESERVE_FILE);
  writeDurably(reserve, Buffer.alloc(RESERVE_BYTES));
  const fd = openConfined(file, 'a');
  // Durably: a run killed right here must not leave last-run empty or torn.
  writeDurably(confineArtifact(workspace, path.join(base, LAST_RUN_FILE)), `${runId}\n`, { mode: 0o644 });
  let closed = false;
  let size = fs.fstatSync(fd).size;
  let broken = null;

  const line = (record) => {
    try {
      return `${redact(JSON.stringify(record))}\n`;
    } catch (err) {
      return `${JSON.stringify({ kind: 'host_log_error', message: String(err && err.message) })}\n`;
    }
  };
  /** Append whole lines or nothing: a failed write is cut back to the last whole line. */
  function write(text) {
    try {
      // writeFileSync on a descriptor loops over short writes.
      fs.writeFileSync(fd, text);
      size += Buffer.byteLength(text);
      return null;
    } catch (err) {
      try {
        fs.ftruncateSync(fd, size);
      } catch {
        // the torn line stays; readers skip a line that is not JSON
      }
      return err;
    }
  }
  function releaseReserve() {
    fs.rmSync(reserve, { force: true });
  }

  return {
    dir,
    file,
    /** The first append error ({ code, message }), or null. */
    get broken() {
      return broken;
    },
    /** Append one event; false when the log is (now) broken. */
    append(record) {
      if (closed || broken) return false;
      const err = write(line(record));
      if (!err) return true;
      broken = err;
      onBroken(err);
      return false;
    },
    /**
     * The run's last line, written even after the log broke: the reserve is released first. A
     * result too large for the space left goes without its per-file details (diffs). Returns the
     * error when even that could not be written, else null.
     */
    finish(result) {
      if (closed) return null;
      releaseReserve();
      let err = write(line(result));
      if (err && result && typeof result === 'object') {
        const { files, plan, ...rest } = result;
        const brief = (files ?? []).map((f) => ({ path: f.path, action: f.action, outcome: f.outcome }));
        err = write(line({ ...rest, files: brief, truncated: 'the per-file details did not fit on the full disk' }));
      }
      if (err && !broken) {
        broken = err;
        onBroken(err);
      }
      return err;
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
      releaseReserve();
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
