// The files red-exec leaves in a workspace besides the run logs: the gate's violation log
// and the Markdown run report.

import fs from 'node:fs';
import path from 'node:path';

export const VIOLATIONS_FILE = '.red-exec-violations.jsonl';
export const REPORT_FILE = '.red-exec-report.md';
export const SKILL_FILE = '.red-exec-skill.md';

/**
 * Appends one line to <workspace>/.red-exec-violations.jsonl for every gate event that
 * blocked or warned: { runId, time, path, action, decision, violations }. The file is only
 * created by the first such event, and it accumulates across runs (an audit trail).
 */
export function createViolationLog(workspace, runId, redact) {
  const file = path.join(workspace, VIOLATIONS_FILE);
  let count = 0;
  return {
    file,
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
      fs.appendFileSync(file, `${redact(JSON.stringify(line))}\n`);
      count += 1;
    },
  };
}

/** Write the Markdown report to <workspace>/.red-exec-report.md; returns its path. */
export function writeReport(workspace, markdown, { dryRun = false } = {}) {
  let text = markdown;
  if (dryRun) {
    // The core reports what the run did; in a dry run it did it to a temporary copy.
    text = text.replace(/^# .*\n/, (title) => `${title}\n**Dry run**: every change below was made in a temporary copy of the workspace, which was then removed. No file in the workspace changed.\n`);
  }
  const file = path.join(workspace, REPORT_FILE);
  fs.writeFileSync(file, text.endsWith('\n') ? text : `${text}\n`);
  return file;
}
