// One run at a time per workspace: .red-exec-logs/lock, created exclusively (link(2) of a complete
// temp file, or O_EXCL), holding who holds it (pid, host name, run id, what, start time). A second run is refused, not queued: it would plan
// from files the first is about to change, and a harness or terminal that silently waits on an
// unknown-length run is worse than a clear refusal it can retry. Released on every exit path
// (release(), and a process 'exit' handler for process.exit); a SIGKILL leaves it behind, so a
// lock whose process is gone on this machine is taken over, with a notice. A lock from another
// machine (a shared or network drive) cannot be checked: it is refused with how to remove it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { noHardLinks } from '@codemaestro/core';
import { LOG_DIR, confined, openConfined, readConfined, writeConfined } from './paths.js';
import { ensureLogDir } from './run-log.js';
import { processAlive } from './undo.js';

export const LOCK_FILE = 'lock';

/** Another run holds the workspace (exit 12, EXIT.LOCKED). */
export class WorkspaceLocked extends Error {}

function readHolder(file) {
  try {
    const holder = JSON.parse(readConfined(file));
    return holder && typeof holder === 'object' ? holder : null;
  } catch (err) {
    if (err.code === 'ENOENT') return 'gone';
    return null;
  }
}

function describe(h) {
  const what = h.what === 'undo' ? `an --undo${h.runId ? ` of run ${h.runId}` : ''}` : `run ${h.runId ?? '(unknown)'}`;
  return `${what} (process ${h.pid} on ${h.hostname}, since ${h.started})`;
}

/**
 * Create `file` holding `holder`, exclusively: false when it exists. The holder is written to a
 * temp file first and hard-linked into place, so no other run ever reads a lock half-written
 * (and told to remove it); where there are no hard links, open(O_EXCL) and write.
 */
function create(file, holder) {
  const text = `${JSON.stringify(holder)}\n`;
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeConfined(tmp, text, { mode: 0o644 });
    const fd = fs.openSync(tmp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (err) {
      if (err.code === 'EEXIST') return false;
      if (!noHardLinks(err.code)) throw err;
    }
  } finally {
    // A full disk included: no temp file, and no empty lock, left behind.
    fs.rmSync(tmp, { force: true });
  }
  let fd;
  try {
    fd = openConfined(file, 'wx', 0o644);
  } catch (err) {
    if (err.code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  return true;
}

/**
 * Take the lock of `workspace` for `what` ('run' or 'undo') and `runId`. Returns
 * { release, tookOver } where tookOver describes a stale lock taken over (or null). Throws
 * WorkspaceLocked when another live run holds it, or one whose state cannot be checked.
 */
export function acquireLock(workspace, { what = 'run', runId = null } = {}) {
  const base = ensureLogDir(workspace);
  const file = confined(path.join(base, LOCK_FILE));
  const shown = `${LOG_DIR}/${LOCK_FILE}`;
  const holder = { pid: process.pid, hostname: os.hostname(), runId, what, started: new Date().toISOString() };
  let tookOver = null;
  // Two rounds at most: a stale lock is moved away once, then the create is tried again.
  for (let round = 0; !create(file, holder); round++) {
    const other = readHolder(file);
    if (other === 'gone') continue;
    if (round > 1) throw new WorkspaceLocked(`the workspace is locked (${shown}) and another run keeps taking it; try again`);
    if (other === null || !Number.isInteger(other.pid) || typeof other.hostname !== 'string') {
      throw new WorkspaceLocked(`the workspace lock ${shown} is unreadable (a run killed while taking it?); if no red-exec run is going here, remove it: rm ${shown}`);
    }
    if (other.hostname !== os.hostname()) {
      throw new WorkspaceLocked(`another red-exec run holds this workspace: ${describe(other)}; it is on another machine, so red-exec cannot tell whether it is still going. Once it is not, remove the lock: rm ${shown}`);
    }
    if (processAlive(other.pid)) {
      throw new WorkspaceLocked(`another red-exec run holds this workspace: ${describe(other)}; wait for it to finish (one run at a time per workspace; if that process is not red-exec, its id was reused: rm ${shown})`);
    }
    // Stale: its process is gone. Moved aside under a name of our own, then checked: if another
    // run took it over in between, what we moved is its fresh lock, and it goes back.
    const aside = path.join(base, `${LOCK_FILE}.stale.${process.pid}`);
    try {
      fs.renameSync(file, aside);
    } catch (err) {
      if (err.code === 'ENOENT') continue;
      throw err;
    }
    const moved = readHolder(aside);
    if (moved === 'gone' || moved === null || moved.pid !== other.pid || moved.started !== other.started) {
      try {
        fs.linkSync(aside, file);
      } catch {
        // someone else holds it now; theirs stands
      }
      fs.rmSync(aside, { force: true });
      continue;
    }
    fs.rmSync(aside, { force: true });
    tookOver = describe(other);
  }

  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.removeListener('exit', release);
    // Only our own lock: never one another run took over after ours was removed by hand.
    const now = readHolder(file);
    if (now && now !== 'gone' && now.pid === holder.pid && now.started === holder.started && now.runId === holder.runId) {
      fs.rmSync(file, { force: true });
    }
  };
  process.on('exit', release);
  return { release, tookOver, file };
}
