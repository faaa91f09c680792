// --runs: the recent runs of a workspace, newest first, from their logs in .red-exec-logs/.

import fs from 'node:fs';
import path from 'node:path';
import { LOG_DIR, confineArtifact, isRunId, openConfined } from './paths.js';
import { readJournal } from './backup.js';
import { readEvents, readUndoRecord, stillRunning } from './undo.js';

const RUNS_SHOWN = 20;
const TASK_WIDTH = 60;
const HEAD_BYTES = 64 * 1024;

/** The first line of a file (its host_start record), read without loading the whole log. */
function firstRecord(file) {
  let fd;
  try {
    fd = openConfined(file, 'r');
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = fs.readSync(fd, buf, 0, HEAD_BYTES, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.indexOf('\n');
    return JSON.parse(end === -1 ? text : text.slice(0, end));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * What the run's own report said: the result's counts. Only a run that never finished (killed,
 * still going) is counted from its journal (finished changes only), else (a dry run) from the
 * events: the journal also holds rollbacks and the events writes that were later undone, so
 * neither can agree with a finished run's report.
 */
function fileCounts(runDir, events, result) {
  if (result?.counts) {
    const c = result.counts;
    return { written: c.written ?? 0, deleted: c.deleted ?? 0, blocked: c.blocked ?? 0, failed: c.failed ?? 0, rolledBack: c.rolledBack ?? 0, withheld: c.withheld ?? 0 };
  }
  if (result) return { written: 0, deleted: 0, blocked: 0, failed: 0, rolledBack: 0 };
  const journal = readJournal(runDir);
  const written = new Set();
  const deleted = new Set();
  if (journal) {
    for (const r of journal.changes) {
      if (!journal.done.has(r.seq)) continue;
      if (r.op === 'write') written.add(r.path);
      else deleted.add(r.path);
    }
  } else {
    for (const e of events) {
      if (e.kind === 'write') written.add(e.path);
      if (e.kind === 'delete') deleted.add(e.path);
    }
  }
  return { written: written.size, deleted: deleted.size, blocked: 0, failed: 0, rolledBack: 0 };
}

/** { runs, more, total }: at most RUNS_SHOWN runs, newest first, and how many older ones were left out. */
export function listRuns(workspace) {
  const base = confineArtifact(workspace, path.join(workspace, LOG_DIR));
  let names = [];
  try {
    names = fs.readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory() && isRunId(d.name)).map((d) => d.name);
  } catch {
    // no logs yet
  }
  const candidates = [];
  for (const id of names) {
    const file = path.join(base, id, 'events.jsonl');
    if (!fs.existsSync(file)) continue;
    const head = firstRecord(file);
    const startedAt = head?.kind === 'host_start' && typeof head.time === 'string' ? head.time : null;
    candidates.push({ id, startedAt });
  }
  // Newest first by start time; run ids begin with the UTC time too, so they break ties.
  candidates.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || b.id.localeCompare(a.id));

  const runs = candidates.slice(0, RUNS_SHOWN).map(({ id, startedAt }) => {
    const runDir = path.join(base, id);
    const events = readEvents(runDir);
    const hostStart = events.find((e) => e.kind === 'host_start');
    const runStart = events.find((e) => e.kind === 'run_start');
    const result = events.findLast((e) => e.kind === 'result');
    const undo = readUndoRecord(runDir);
    let status = result?.status ?? (stillRunning(events) ? 'RUNNING' : 'UNFINISHED');
    if (undo) status = 'UNDONE';
    return {
      id,
      startedAt,
      task: runStart?.task ?? null,
      status,
      resultStatus: result?.status ?? null,
      dryRun: hostStart?.cli?.dryRun === true,
      errorCode: result?.error?.code ?? null,
      ...fileCounts(runDir, events, result),
      undoneAt: undo?.time ?? null,
    };
  });
  return { runs, more: Math.max(0, candidates.length - RUNS_SHOWN), total: candidates.length };
}

function shorten(text, width) {
  const one = String(text ?? '').replace(/\s+/g, ' ').trim();
  return one.length <= width ? one : `${one.slice(0, width - 1)}…`;
}

function when(iso) {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '?';
}

/** `FAILED (model_auth)`, `OK (dry run)`: the status word as the run's report printed it. */
function statusText(r) {
  const why = (r.resultStatus === 'FAILED' || r.resultStatus === 'CRASHED') && r.errorCode ? ` (${r.errorCode})` : '';
  return `${r.status}${why}${r.dryRun ? ' (dry run)' : ''}`;
}

/** The counts in the words of the report's Files line. */
function filesText(r) {
  let text = `${r.written} written, ${r.deleted} deleted, ${r.blocked} blocked`;
  if (r.failed > 0) text += `, ${r.failed} failed`;
  if (r.rolledBack > 0) text += `, ${r.rolledBack} rolled back`;
  if (r.withheld > 0) text += `, ${r.withheld} withheld`;
  return text;
}

/** The listing as an aligned table. */
export function runsText({ runs, more }) {
  if (runs.length === 0) return `no runs recorded under ${LOG_DIR}/\n`;
  const rows = runs.map((r) => [
    r.id,
    when(r.startedAt),
    statusText(r),
    filesText(r),
    shorten(r.task, TASK_WIDTH),
  ]);
  const head = ['RUN', 'STARTED (UTC)', 'STATUS', 'FILES', 'TASK'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  let out = [line(head), ...rows.map(line)].join('\n') + '\n';
  if (more > 0) out += `(${more} older run${more === 1 ? '' : 's'} not shown; all are under ${LOG_DIR}/)\n`;
  return out;
}
