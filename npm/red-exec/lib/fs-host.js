// The core's file callbacks, confined to one workspace directory.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import { isInside, IO_REASONS } from './paths.js';

export const MAX_FILE_BYTES = 2 * 1024 * 1024;
const BINARY_SNIFF_BYTES = 8192;

// The core puts "<path>: " in front of these messages, so they do not name the path again.
function unreadable(reason, message) {
  return { state: 'unreadable', reason, message };
}


function ioProblem(err) {
  const code = err && err.code;
  if (code && IO_REASONS[code]) return unreadable('io', `cannot read it: ${IO_REASONS[code]} (${code})`);
  return unreadable('io', `cannot read it: ${code ?? (err && err.message) ?? err}`);
}

/**
 * Create { readFile, writeFile, deleteFile } for `workspace`.
 * `canWrite()` is asked before every write or delete (false once the run is interrupted).
 * `journal(root)` (optional) makes the journal every write and delete is recorded in before it
 * happens (lib/backup.js); `crash(point)` is the test hook of lib/crash-hook.js.
 */
export function createFsHost(workspace, { canWrite = () => true, journal: makeJournal = null, crash = async () => {} } = {}) {
  const root = fs.realpathSync(workspace);
  // Modes of files this run deleted: a rollback that re-creates one gives it its mode back.
  const deletedModes = new Map();
  const journal = makeJournal ? makeJournal(root) : null;

  function absolute(rel) {
    if (typeof rel !== 'string' || rel === '' || path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) {
      throw new Error(`refusing path outside the workspace: ${rel}`);
    }
    return path.join(root, rel);
  }

  /**
   * Where `abs` really lands once symlinks are followed: the realpath of the file, or of
   * its nearest existing parent joined with the rest. null when a link dangles outward.
   */
  async function realTarget(abs) {
    let current = abs;
    const rest = [];
    for (;;) {
      try {
        const real = await fsp.realpath(current);
        return path.join(real, ...rest);
      } catch (err) {
        if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') throw err;
      }
      // A dangling symlink: follow its text so a link to an absent outside file is caught.
      try {
        const st = await fsp.lstat(current);
        if (st.isSymbolicLink()) {
          const link = await fsp.readlink(current);
          return realTarget(path.resolve(path.dirname(current), link)).then((t) => path.join(t, ...rest));
        }
      } catch {
        // does not exist at all: walk up
      }
      const parent = path.dirname(current);
      if (parent === current) return path.join(current, ...rest);
      rest.unshift(path.basename(current));
      current = parent;
    }
  }

  async function confined(rel) {
    const abs = absolute(rel);
    const real = await realTarget(abs);
    if (!isInside(root, real)) return { abs, real, outside: true };
    return { abs, real, outside: false };
  }

  async function readFile(rel) {
    try {
      absolute(rel);
    } catch {
      return unreadable('outside_workspace', 'outside the workspace');
    }
    let where;
    try {
      where = await confined(rel);
    } catch (err) {
      return ioProblem(err);
    }
    if (where.outside) {
      return unreadable('outside_workspace', `resolves outside the workspace (symbolic link to ${where.real})`);
    }
    let st;
    try {
      st = await fsp.stat(where.real);
    } catch (err) {
      if (err.code === 'ENOENT') return { state: 'absent' };
      if (err.code === 'ENOTDIR') return unreadable('io', 'a parent of this path is a file, not a directory');
      return ioProblem(err);
    }
    if (st.isDirectory()) return unreadable('directory', 'a directory, not a file');
    if (!st.isFile()) return unreadable('io', 'not a regular file (a device, socket or pipe)');
    // Checked before reading: a file this size is far over any context budget, and reading it
    // whole into memory (and into the core) would be the first cost of refusing it.
    if (st.size > MAX_FILE_BYTES) {
      return unreadable('too_large', `${st.size} bytes, over the 2 MB limit for a file in scope (${MAX_FILE_BYTES} bytes)`);
    }
    let bytes;
    try {
      bytes = await fsp.readFile(where.real);
    } catch (err) {
      return ioProblem(err);
    }
    if (bytes.length > MAX_FILE_BYTES) {
      return unreadable('too_large', `over the 2 MB limit for a file in scope (${MAX_FILE_BYTES} bytes)`);
    }
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) {
      return unreadable('binary', 'looks binary (it contains a NUL byte)');
    }
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    } catch {
      return unreadable('not_utf8', 'not valid UTF-8 text');
    }
    return { state: 'present', text };
  }

  // Directories this run created for new files: a rollback that removes the file removes them too.
  const createdDirs = new Set();
  const interrupted = (what) => Object.assign(new Error(`interrupted: not ${what}`), { code: 'interrupted' });

  async function writeFile(rel, text, { rollback = false } = {}) {
    // After Ctrl-C only the core's restores go through: the run ends as it began.
    if (!canWrite() && !rollback) throw interrupted(`writing ${rel}`);
    const where = await confined(rel);
    if (where.outside) throw new Error(`refusing to write ${rel}: it resolves outside the workspace`);
    const target = where.real;
    const dir = path.dirname(target);
    const dirs = await missingDirs(dir);
    let mode;
    try {
      const st = await fsp.stat(target);
      if (st.isDirectory()) throw new Error(`cannot write ${rel}: it is a directory`);
      mode = st.mode & 0o7777;
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
      mode = deletedModes.get(target);
    }
    // Short on purpose: a long target name plus a suffix could exceed the file system's limit.
    const tmp = path.join(dir, `.red-exec-${process.pid}-${crypto.randomBytes(6).toString('hex')}.tmp`);
    const seq = journal ? journal.beginWrite({ target, text, tmp, dirs }) : null;
    await crash('after-journal');
    await fsp.mkdir(dir, { recursive: true });
    for (const d of dirs) createdDirs.add(d);
    let handle;
    try {
      handle = await fsp.open(tmp, 'wx', mode ?? 0o666);
      const bytes = Buffer.from(text, 'utf8');
      const half = bytes.length >> 1;
      // In two halves so the test hook can stop between them (leaving a durable half temp file).
      await handle.write(bytes, 0, half, 0);
      await crash('mid-write', () => handle.sync());
      await handle.write(bytes, half, bytes.length - half, half);
      await handle.sync();
      await handle.close();
      handle = undefined;
      if (mode !== undefined) await fsp.chmod(tmp, mode);
      await crash('before-rename');
      await fsp.rename(tmp, target);
    } catch (err) {
      if (handle) await handle.close().catch(() => {});
      await fsp.rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
    await syncDir(dir);
    await crash('after-write');
    if (journal) journal.done(seq);
  }

  /** The directories, outermost first, that creating `dir` would make. */
  async function missingDirs(dir) {
    const out = [];
    let current = dir;
    while (current !== root && isInside(root, current)) {
      try {
        await fsp.lstat(current);
        break;
      } catch (err) {
        if (err.code !== 'ENOENT') throw err;
      }
      out.unshift(current);
      current = path.dirname(current);
    }
    return out;
  }

  async function deleteFile(rel, { rollback = false } = {}) {
    if (!canWrite() && !rollback) throw interrupted(`deleting ${rel}`);
    const where = await confined(rel);
    if (where.outside) throw new Error(`refusing to delete ${rel}: it resolves outside the workspace`);
    const st = await fsp.lstat(where.abs).catch((err) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
    if (!st) return;
    if (st.isDirectory()) throw new Error(`refusing to delete ${rel}: it is a directory`);
    if (st.isFile()) deletedModes.set(where.real, st.mode & 0o7777);
    const seq = journal ? journal.beginDelete({ target: where.abs }) : null;
    await crash('after-journal');
    await crash('before-delete');
    await fsp.unlink(where.abs);
    await syncDir(path.dirname(where.abs));
    // Innermost first: a directory this run made and left empty goes with the file.
    for (let d = path.dirname(where.abs); createdDirs.has(d); d = path.dirname(d)) {
      try {
        await fsp.rmdir(d);
      } catch {
        break;
      }
      createdDirs.delete(d);
    }
    await crash('after-delete');
    if (journal) journal.done(seq);
  }

  return { root, journal, readFile, writeFile, deleteFile };
}

async function syncDir(dir) {
  // Make the rename durable; not every platform lets a directory be fsynced.
  let handle;
  try {
    handle = await fsp.open(dir, 'r');
    await handle.sync();
  } catch {
    // best effort
  } finally {
    if (handle) await handle.close().catch(() => {});
  }
}
