// Backups and the write journal of a run, so `--undo` can put every file back, even after
// the process was killed mid-way.
//
// .red-exec-logs/<runId>/journal.jsonl holds one record per write or delete, appended and
// fsynced *before* the file is touched, and a {"op":"done"} record after. A path's original
// bytes are copied to .red-exec-logs/<runId>/backup/<path> (fsynced) before the run first
// overwrites or deletes it. So at any instant each touched file is either its original or one
// of the journaled "after" states, and the journal says which temp files and directories the
// run may have left behind. Backups are the user's own files: never redacted, never bundled.
// A change the file host refused or that failed after its record gets a {"op":"failed"} record;
// what the run would have written over a file changed by someone else (a conflict) is kept in
// .red-exec-logs/<runId>/conflicts/<path>.

import fs from 'node:fs';
import path from 'node:path';
import { posixRelative, sha256 } from '@codemaestro/core';
import { confined, openConfined, readConfined } from './paths.js';

const JOURNAL_FILE = 'journal.jsonl';
const BACKUP_DIR = 'backup';
const CONFLICTS_DIR = 'conflicts';

/** fsync a directory (or file) by path. */
export function fsyncDir(p, flags = 'r') {
  // Not every platform lets a directory be fsynced: best effort there.
  let fd;
  try {
    fd = fs.openSync(p, flags);
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Write `bytes` to `file` durably: temp file (`tmpName` in the same directory, replaced if a
 * crash left one), fsync, `mode` (whatever the umask), rename, fsync of the directory.
 * `beforeRename` is the crash test's hook.
 */
export function writeDurably(file, bytes, { mode = 0o600, tmpName = `${path.basename(file)}.${process.pid}.tmp`, beforeRename = () => {} } = {}) {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, tmpName);
  fs.rmSync(tmp, { force: true });
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      // writeFileSync on a descriptor loops until every byte is written.
      fs.writeFileSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.chmodSync(tmp, mode);
    beforeRename();
    fs.renameSync(tmp, file);
  } catch (err) {
    // No stray temp file in the user's directory.
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
}

/**
 * Create <runDir>/journal.jsonl (empty, durable) and return the journal the file host writes
 * through. Throws when the run directory cannot be written, so a run can stop before any change.
 * `root` is the workspace's real path (the host's root); journaled paths are relative to it.
 */
export function openJournal(runDir, root) {
  const file = path.join(runDir, JOURNAL_FILE);
  const fd = openConfined(file, 'a');
  fs.fsyncSync(fd);
  fsyncDir(runDir);
  // Paths already journaled: their original state is in their first record, so a later change
  // (the verify rollback writing the original back, say) needs no backup of its own.
  const journaled = new Set();
  let seq = 0;

  function append(record) {
    fs.writeSync(fd, `${JSON.stringify(record)}\n`);
    fs.fsyncSync(fd);
  }

  /** Copy the original bytes of `rel` into backup/ the first time the run touches it. Returns the backup's name or null. */
  function backup(rel, bytes) {
    if (journaled.has(rel)) return null;
    writeDurably(confined(path.join(runDir, BACKUP_DIR, ...rel.split('/'))), bytes);
    return `${BACKUP_DIR}/${rel}`;
  }

  return {
    file,
    /**
     * Journal a write of `text` to the absolute `target` before it happens. `tmp` is the temp
     * file the write will use; `dirs` the directories it is about to create (outermost first).
     * Returns the record's sequence number for done().
     */
    beginWrite({ target, text, tmp, dirs, before: found }) {
      const rel = posixRelative(root, target);
      // `found`: the bytes the host's compare-and-swap matched (null: no file), so the record and
      // the backup are exactly what the run expected; undefined when the write carried no expect.
      let before = found === undefined ? null : found === null ? null : Buffer.from(found);
      let mode = null;
      try {
        if (found === undefined) before = fs.readFileSync(target);
        if (before !== null) mode = fs.statSync(target).mode & 0o7777;
      } catch (err) {
        if (err.code !== 'ENOENT') throw err;
      }
      seq += 1;
      append({
        seq,
        op: 'write',
        path: rel,
        existed: before !== null,
        mode,
        sha256Before: before === null ? null : sha256(before),
        sha256After: sha256(Buffer.from(text, 'utf8')),
        backup: before === null ? null : backup(rel, before),
        tmp: posixRelative(root, tmp),
        dirs: dirs.map((d) => posixRelative(root, d)),
        time: new Date().toISOString(),
      });
      journaled.add(rel);
      return seq;
    },
    /** Journal the deletion of the absolute `target` (a file or a symbolic link) before it happens. */
    beginDelete({ target, before: found }) {
      const rel = posixRelative(root, target);
      const st = fs.lstatSync(target);
      const record = { seq: seq + 1, op: 'delete', path: rel, existed: true, mode: st.mode & 0o7777 };
      if (st.isSymbolicLink()) {
        // The link itself is deleted, not what it points to: restoring it means re-making the link.
        Object.assign(record, { link: fs.readlinkSync(target), sha256Before: null, backup: null });
      } else {
        const before = found ? Buffer.from(found) : fs.readFileSync(target);
        Object.assign(record, { sha256Before: sha256(before), backup: backup(rel, before) });
      }
      Object.assign(record, { sha256After: null, tmp: null, dirs: [], time: new Date().toISOString() });
      seq += 1;
      append(record);
      journaled.add(rel);
      return seq;
    },
    done(n) {
      append({ seq: n, op: 'done' });
    },
    /** The change journaled as `n` did not happen (`code`: 'conflict', or the error's code). */
    failed(n, code) {
      append({ seq: n, op: 'failed', code: code ?? null });
    },
    /**
     * Keep `text`, what the run would have written over the changed file `rel`, under conflicts/.
     * Returns its path relative to the run directory.
     */
    keepConflict(rel, text) {
      writeDurably(confined(path.join(runDir, CONFLICTS_DIR, ...rel.split('/'))), Buffer.from(text, 'utf8'));
      return `${CONFLICTS_DIR}/${rel}`;
    },
    close() {
      fs.closeSync(fd);
    },
  };
}

/**
 * Parse <runDir>/journal.jsonl. Returns null when there is none; else { changes, done, damaged }
 * where `changes` are the write/delete records in order (without the ones that failed: they never
 * happened) and `done` the set of finished seqs.
 * A torn last line (the process was killed while appending it) is ignored: the change it
 * describes had not started. A bad line anywhere else makes `damaged` its line number.
 */
export function readJournal(runDir) {
  let text;
  try {
    text = readConfined(path.join(runDir, JOURNAL_FILE));
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw err;
  }
  const lines = text.split('\n');
  const changes = [];
  const done = new Set();
  const failed = new Set();
  let damaged = null;
  lines.forEach((line, i) => {
    if (damaged !== null || line.trim() === '') return;
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      const last = lines.slice(i + 1).every((l) => l.trim() === '');
      if (!last) damaged = i + 1;
      return;
    }
    if (record && record.op === 'done') done.add(record.seq);
    else if (record && record.op === 'failed') failed.add(record.seq);
    else if (record && (record.op === 'write' || record.op === 'delete') && typeof record.path === 'string') changes.push(record);
    else damaged = i + 1;
  });
  return { changes: changes.filter((r) => !failed.has(r.seq)), done, damaged };
}
