// The files red-exec leaves in a workspace besides the run logs: the gate's violation log
// and the Markdown run report. Both live in .red-exec-logs/ (ignored by git through the
// .gitignore there); the original product wrote them at the workspace root.

import fs from 'node:fs';
import path from 'node:path';
import { ensureLogDir } from './run-log.js';
import { LOG_DIR, writeConfined } from './paths.js';
import { printable } from './output.js';

export const VIOLATIONS_FILE = `${LOG_DIR}/violations.jsonl`;
export const REPORT_FILE = `${LOG_DIR}/report.md`;
export const SKILL_FILE = '.red-exec-skill.md';

/**
 * Appends one line to <workspace>/.red-exec-logs/violations.jsonl for every gate event that
 * blocked or warned: { runId, time, path, action, decision, violations }. The file is only
 * created by the first such event, and it accumulates across runs (an audit trail).
 */
export function createViolationLog(workspace, runId, redact) {
  const file = path.join(workspace, VIOLATIONS_FILE);
  let count = 0;
  let refused = null;
  return {
    file,
    /** Why lines could not be written (a link in the way), or null. */
    get refused() {
      return refused;
    },
    get count() {
      return count;
    },
    record(event) {
      if (event.kind !== 'gate' || (event.decision !== 'block' && event.decision !== 'warn')) return;
      const line = {
        runId,
        time: new Date().toISOString(),
        path: event.path,
        action: event.action,
        decision: event.decision,
        violations: event.violations,
      };
      try {
        ensureLogDir(workspace);
        writeConfined(file, `${redact(JSON.stringify(line))}\n`, { append: true });
      } catch (err) {
        // A link planted as the violation log: the line is dropped, never written where it points.
        if (err.kind !== 'write') throw err;
        refused = err.message;
        return;
      }
      count += 1;
    },
  };
}

/** Write the Markdown report to <workspace>/.red-exec-logs/report.md; returns its path. */
export function writeReport(workspace, markdown, { dryRun = false } = {}) {
  // Control characters from answers and files are escaped, as on the terminal.
  let text = printable(markdown);
  if (dryRun) {
    // The core reports what the run did; in a dry run it did it to a temporary copy.
    text = text.replace(/^# .*\n/, (title) => `${title}\n**Dry run**: every change below was made in a temporary copy of the workspace, which was then removed. No file in the workspace changed.\n`);
  }
  ensureLogDir(workspace);
  const file = path.join(workspace, REPORT_FILE);
  writeConfined(file, text.endsWith('\n') ? text : `${text}\n`);
  return file;
}
