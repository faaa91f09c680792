// --undo [run-id]: put back every file a run wrote or deleted, from the run's own journal and
// backups (lib/backup.js). Everything is checked before anything is touched: a file changed
// since the run (not its original, not any state the run journaled) makes the undo refuse
// unless --force; a missing or damaged backup always does.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isInside, normalizeWorkspacePath, sha256 } from '@codemaestro/core';
import { readJournal, writeDurably, fsyncDir } from './backup.js';
import { parseEventLines } from './run-log.js';
import { LOG_DIR, LAST_RUN_FILE, checkRunId, confineArtifact, confined, readConfined } from './paths.js';
import { ConfigError, UndoRefused, WriteError } from './errors.js';
import { readCommit } from './git.js';

const UNDO_FILE = 'undo.json';
const OVERWRITTEN_DIR = 'overwritten';

/**
 * The run directory for `requested` (a run id, "last" or undefined for the last run).
 * Throws ConfigError (exit 3) when there is no such run. `flag` names the option in messages.
 */
export function locateRun(workspace, requested, flag) {
  let runId = requested;
  if (runId === undefined || runId === 'last') {
    try {
      runId = readConfined(confineArtifact(workspace, path.join(workspace, LOG_DIR, LAST_RUN_FILE))).trim();
    } catch (err) {
      if (err.kind === 'write') throw err;
      runId = '';
    }
    if (!runId) throw new ConfigError(`${flag}: no run recorded in this workspace (no ${LOG_DIR}/${LAST_RUN_FILE})`);
    checkRunId(runId, `${LOG_DIR}/${LAST_RUN_FILE}`);
  } else {
    checkRunId(runId, flag);
  }
  const runDir = confineArtifact(workspace, path.join(workspace, LOG_DIR, runId));
  // The run's own files: none may be a link (a planted run directory could point anywhere).
  try {
    for (const name of fs.readdirSync(runDir)) confineArtifact(workspace, path.join(runDir, name));
  } catch (err) {
    if (err.kind === 'write') throw err;
  }
  if (!fs.existsSync(path.join(runDir, 'events.jsonl'))) {
    throw new ConfigError(`${flag} ${runId}: no such run under ${LOG_DIR}/ (no ${LOG_DIR}/${runId}/events.jsonl)`);
  }
  return { runId, runDir };
}

/** Every parseable line of events.jsonl (a killed run may have torn its last one). */
export function readEvents(runDir) {
  try {
    return parseEventLines(readConfined(path.join(runDir, 'events.jsonl')));
  } catch {
    return [];
  }
}

/** Whether the run that logged `events` is still going on this machine. */
export function stillRunning(events) {
  const start = events.find((e) => e.kind === 'host_start');
  const finished = events.some((e) => e.kind === 'result');
  return !finished && Boolean(start?.pid) && start.hostname === os.hostname() && processAlive(start.pid);
}

/** Whether process `pid` exists on this machine (EPERM: it does, under another user). */
export function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** The recorded undo of a run, or null. */
export function readUndoRecord(runDir) {
  try {
    return JSON.parse(readConfined(path.join(runDir, UNDO_FILE)));
  } catch {
    return null;
  }
}

/** What is at `abs` now, as a comparable key: absent, file:<sha256>, link:<target>, directory, other. */
function currentState(abs) {
  let st;
  try {
    st = fs.lstatSync(abs);
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return { key: 'absent' };
    throw err;
  }
  if (st.isSymbolicLink()) return { key: `link:${fs.readlinkSync(abs)}` };
  if (st.isFile()) {
    const bytes = fs.readFileSync(abs);
    return { key: `file:${sha256(bytes)}`, bytes, mode: st.mode & 0o7777 };
  }
  return { key: st.isDirectory() ? 'directory' : 'other' };
}

function beforeKey(record) {
  if (!record.existed) return 'absent';
  if (typeof record.link === 'string') return `link:${record.link}`;
  return `file:${record.sha256Before}`;
}

function afterKey(record) {
  return record.op === 'delete' ? 'absent' : `file:${record.sha256After}`;
}

/** A journaled workspace-relative path as an absolute one inside the workspace, or a refusal. */
function inside(root, rel, runId) {
  const bad = () => new UndoRefused(`the journal of run ${runId} names a path outside the workspace: ${JSON.stringify(rel)}`);
  // The workspace-path rule of the kit (the core journaled only paths it had normalised with it).
  let plain;
  try {
    plain = normalizeWorkspacePath(rel);
  } catch {
    throw bad();
  }
  const abs = path.join(root, ...plain.split('/'));
  // A parent directory replaced by a link since the run must not lead the undo elsewhere.
  let parent = path.dirname(abs);
  while (!fs.existsSync(parent)) parent = path.dirname(parent);
  if (!isInside(root, fs.realpathSync(parent))) throw bad();
  return abs;
}

/**
 * What undoing the run means, checked before anything is touched: one entry per path with its
 * state now, the state to restore and its backup bytes; the run's temp files and directories;
 * the paths changed since the run. Throws UndoRefused (a damaged backup, a path outside).
 */
function inspectRun(workspace, runDir, runId, journal) {
  const root = fs.realpathSync(workspace);
  // One entry per path in the order the run first touched it: the original state (from the
  // first record) and every state the run may legitimately have left it in.
  const byPath = new Map();
  for (const record of journal.changes) {
    let entry = byPath.get(record.path);
    if (!entry) {
      entry = { rel: record.path, abs: inside(root, record.path, runId), first: record, allowed: new Set([beforeKey(record)]) };
      byPath.set(record.path, entry);
    }
    entry.allowed.add(afterKey(record));
  }
  const temps = journal.changes.filter((r) => typeof r.tmp === 'string').map((r) => inside(root, r.tmp, runId));
  const dirs = [...new Set(journal.changes.flatMap((r) => (Array.isArray(r.dirs) ? r.dirs : [])))].map((d) => inside(root, d, runId));

  // Check everything first.
  const changed = [];
  for (const entry of byPath.values()) {
    entry.now = currentState(entry.abs);
    entry.target = beforeKey(entry.first);
    if (!entry.allowed.has(entry.now.key)) changed.push(entry.rel);
    if (entry.now.key === entry.target || !entry.target.startsWith('file:')) continue;
    const backup = path.join(runDir, ...String(entry.first.backup ?? '').split('/'));
    let bytes = null;
    try {
      bytes = entry.first.backup ? fs.readFileSync(confined(backup)) : null;
    } catch {
      bytes = null;
    }
    if (bytes === null || sha256(bytes) !== entry.first.sha256Before) {
      throw new UndoRefused(`the backup of ${entry.rel} is missing or damaged (${LOG_DIR}/${runId}/${entry.first.backup ?? 'backup'}); nothing was changed`);
    }
    entry.backupBytes = bytes;
  }
  return { byPath, temps, dirs, changed };
}

/**
 * Undo run `runId` of `workspace`. Returns { runId, already, nothing, restored, removed,
 * unchanged, skipped, overwritten, forced }. Throws ConfigError (no such run), UndoRefused or
 * WriteError; when it throws before its first change, nothing was changed. Killed half-way,
 * every file is its run's version or its original, and the same undo run again finishes the job.
 * `crash` is the crash test's hook (lib/crash-hook.js).
 */
export function undoRun({ workspace, runId: requested, force = false, crash = () => {} }) {
  const { runId, runDir } = locateRun(workspace, requested, '--undo');
  const summary = { runId, already: null, nothing: false, restored: [], removed: [], unchanged: [], skipped: [], overwritten: [], forced: false };

  const previous = readUndoRecord(runDir);
  if (previous) return { ...summary, already: previous };

  // A committed run is git's to take back: restoring the files would leave the commit in the
  // history and its reverse as uncommitted changes. --force does it all the same.
  const commit = readCommit(runDir);
  if (commit && !force) {
    throw new UndoRefused(`run ${runId} was committed as ${commit.sha.slice(0, 12)}: use \`git revert ${commit.sha}\` to take it back, or --undo --force to restore the files from the backup (the commit stays in the history)`);
  }
  summary.commit = commit?.sha ?? null;

  // A run that is still going would write after the undo: refuse (--force overrides, for a pid
  // that was reused after a crash).
  const events = readEvents(runDir);
  if (!force && stillRunning(events)) {
    const pid = events.find((e) => e.kind === 'host_start').pid;
    throw new UndoRefused(`run ${runId} is still running (process ${pid}): wait for it or stop it, then undo (or pass --force)`);
  }

  const journal = readJournal(runDir);
  if (journal === null) {
    const dryRun = events.find((e) => e.kind === 'host_start')?.cli?.dryRun === true;
    const changed = events.some((e) => e.kind === 'write' || e.kind === 'delete');
    if (changed && !dryRun) {
      throw new UndoRefused(`run ${runId} has no journal (${LOG_DIR}/${runId}/journal.jsonl): it was made before red-exec kept backups and cannot be undone`);
    }
    return { ...summary, nothing: true };
  }
  if (journal.damaged !== null) {
    throw new UndoRefused(`the journal of run ${runId} is damaged at line ${journal.damaged} (${LOG_DIR}/${runId}/journal.jsonl); nothing was changed`);
  }
  if (journal.changes.length === 0) return { ...summary, nothing: true };

  let plan;
  try {
    plan = inspectRun(workspace, runDir, runId, journal);
  } catch (err) {
    if (err instanceof UndoRefused) throw err;
    throw new WriteError(`cannot undo run ${runId}: ${err.message}; nothing was changed`);
  }
  const { byPath, temps, dirs, changed } = plan;
  if (changed.length > 0 && !force) {
    throw new UndoRefused(`changed since run ${runId}: ${[...changed].sort().join(', ')}; nothing was restored (pass --force to restore them anyway)`);
  }
  // The undo must be able to record itself, or a second --undo could not say it was done.
  const probe = confined(path.join(runDir, `${UNDO_FILE}.${process.pid}.probe`));
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new WriteError(`cannot record the undo in ${LOG_DIR}/${runId}/ (${err.message}); nothing was changed`);
  }

  summary.forced = changed.length > 0;
  const changedSet = new Set(changed);
  try {
    for (const entry of [...byPath.values()].reverse()) {
      const { rel, abs, now, target, first } = entry;
      const tmpName = `.red-exec-undo-${sha256(`${runId}\0${rel}`).slice(0, 12)}.tmp`;
      fs.rmSync(path.join(path.dirname(abs), tmpName), { force: true });
      if (now.key === 'directory' || now.key === 'other') {
        // Only reachable with --force: a directory is not ours to remove or replace.
        summary.skipped.push(rel);
        continue;
      }
      if (now.key === target) {
        if (target.startsWith('file:') && now.mode !== first.mode && Number.isInteger(first.mode)) fs.chmodSync(abs, first.mode);
        summary.unchanged.push(rel);
        continue;
      }
      if (changedSet.has(rel) && now.bytes) {
        // --force: the version about to be replaced is kept, in case it mattered.
        writeDurably(confined(path.join(runDir, OVERWRITTEN_DIR, ...rel.split('/'))), now.bytes);
        summary.overwritten.push(`${OVERWRITTEN_DIR}/${rel}`);
      }
      if (target === 'absent') {
        fs.rmSync(abs, { force: true });
        fsyncDir(path.dirname(abs));
        summary.removed.push(rel);
        crash('undo-after-step');
      } else if (target.startsWith('link:')) {
        fs.rmSync(abs, { force: true });
        fs.mkdirSync(path.dirname(abs), { recursive: true });
        fs.symlinkSync(first.link, abs);
        fsyncDir(path.dirname(abs));
        summary.restored.push(rel);
        crash('undo-after-step');
      } else {
        writeDurably(abs, entry.backupBytes, { mode: first.mode ?? 0o644, tmpName, beforeRename: () => crash('undo-before-rename') });
        summary.restored.push(rel);
        crash('undo-after-step');
      }
    }
    for (const tmp of temps) {
      const st = fs.lstatSync(tmp, { throwIfNoEntry: false });
      if (st && st.isFile()) fs.rmSync(tmp);
    }
    // Deepest first; a directory that is not empty now holds something else and stays.
    for (const dir of dirs.sort((a, b) => b.split(path.sep).length - a.split(path.sep).length)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        // not empty, or already gone
      }
    }
    writeDurably(
      confined(path.join(runDir, UNDO_FILE)),
      `${JSON.stringify({ kind: 'undo', runId, time: new Date().toISOString(), forced: summary.forced, changed, restored: summary.restored, removed: summary.removed, unchanged: summary.unchanged, skipped: summary.skipped, overwritten: summary.overwritten }, null, 2)}\n`,
    );
  } catch (err) {
    throw new WriteError(`undo of run ${runId} stopped (${err.message}); run red-exec --undo ${runId} again to finish it`);
  }
  return summary;
}
