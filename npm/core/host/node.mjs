// The core's file callbacks on a real directory (Node only): every path confined to the workspace
// (no '..', no absolute path, no symbolic link that leads out), file states as the core expects
// them, and writes that leave each file old or new, never half-written: a temporary file next to
// the target, fsynced, renamed over it (keeping the file's mode), then the directory fsynced.
// Compare-and-swap: a write or delete that carries `expect` (the core's requests all do) happens
// only if the file is still exactly that, checked before anything is made and again immediately
// before the rename or unlink; otherwise it is refused with code 'conflict' and nothing changes.
// A file that must not exist yet is created with link(2), which fails if one appeared meanwhile;
// over an existing file POSIX has no conditional rename, so an edit landing between the last check
// and the rename (microseconds) is the one case not caught.

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import ignore from 'ignore';
import { normalizeWorkspacePath } from './paths.mjs';
import { checkMaxFileBytes, tooLarge } from './limits.mjs';
import { isInside, noHardLinks, IO_REASONS, sha256 } from './fs-paths.mjs';

const BINARY_SNIFF_BYTES = 8192;

/** listDir lists at most this many files (the core outlines them within its context budget). */
export const MAX_LISTED_FILES = 200;

/** Directories listDir never enters: dependencies and version control. */
const UNLISTED_DIRS = new Set(['node_modules', '.git']);

/** The rules of `dir`/.gitignore (an `ignore` instance), or null when it has none. */
async function gitignoreIn(dir) {
  let text;
  try {
    text = await fsp.readFile(path.join(dir, '.gitignore'), 'utf8');
  } catch {
    return null;
  }
  return ignore().add(text);
}

// The core puts "<path>: " in front of these messages, so they do not name the path again.
function unreadable(reason, message) {
  return { state: 'unreadable', reason, message };
}

function ioProblem(err) {
  const code = err?.code;
  if (code && IO_REASONS[code]) return unreadable('io', `cannot read it: ${IO_REASONS[code]} (${code})`);
  return unreadable('io', `cannot read it: ${code ?? err?.message ?? err}`);
}

/** A change refused because the file is not what the run expected ('conflict' for the core). */
function conflict(rel, expect, found) {
  const describe = (bytes) => (bytes === null ? 'no file' : `${bytes.length} bytes (sha256 ${sha256(bytes).slice(0, 12)})`);
  const wanted = expect.state === 'absent' ? 'no file' : describe(Buffer.from(expect.text, 'utf8'));
  const now = Buffer.isBuffer(found) || found === null ? describe(found) : found;
  return Object.assign(new Error(`expected ${wanted}, found ${now}`), { code: 'conflict', path: rel });
}

/** What is at `file` now, symbolic links followed: null (nothing), its bytes, or a description of a non-file. */
async function currentBytes(file) {
  let st;
  try {
    st = await fsp.stat(file);
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return null;
    throw err;
  }
  // A pipe is never read: reading one would wait for a writer.
  if (!st.isFile()) return st.isDirectory() ? 'a directory' : 'not a regular file';
  return fsp.readFile(file);
}

/**
 * Throw 'conflict' unless `file` is what `expect` says ({ state: 'absent' } or { state: 'present', text });
 * no `expect`, no check. Returns what is there (null or the bytes) for the journal's backup.
 */
async function checkExpected(rel, file, expect) {
  if (!expect) return undefined;
  const found = await currentBytes(file);
  const same = expect.state === 'absent' ? found === null : Buffer.isBuffer(found) && found.equals(Buffer.from(expect.text, 'utf8'));
  if (!same) throw conflict(rel, expect, found);
  return found;
}

const noHooks = {};

/**
 * { root, readFile, listDir, writeFile, deleteFile } for the directory `workspace`.
 * `hooks` (all optional, each may be async; a throw stops the step) let a host add its own policy
 * around each change without copying this file:
 *   beforeWrite({ path, target, text, tmp, dirs, rollback, before }) before anything is created on
 *     disk (`dirs`: the directories the write will create, outermost first; `before`: the bytes
 *     found there, null for none, when the write carried `expect`); its result is `token`.
 *   afterWrite(change, token) once the new file is in place and durable.
 *   beforeDelete({ path, target, rollback, before }) and afterDelete(change, token) the same for a delete.
 *   failed(change, token, error) when a change that passed its before-hook did not happen.
 *   step(point, prepare) at 'mid-write' (half of the bytes are in the temp file) and 'before-rename',
 *     for tests that stop a process there; `prepare` makes what is written so far durable.
 */
export function createNodeHost({ workspace, hooks = noHooks, tempPrefix = '.red-exec', maxFileBytes } = {}) {
  if (typeof workspace !== 'string' || workspace === '') throw new TypeError('createNodeHost: workspace (a directory) is required');
  const limit = checkMaxFileBytes(maxFileBytes, 'createNodeHost');
  const root = fs.realpathSync(workspace);
  if (!fs.statSync(root).isDirectory()) throw new Error(`createNodeHost: ${workspace} is not a directory`);
  const step = hooks.step ?? (async () => {});
  // Modes of files deleted through this host: a rollback that re-creates one gives it its mode back.
  const deletedModes = new Map();
  // Directories created for new files: a rollback that removes the file removes them too.
  const createdDirs = new Set();

  /**
   * Where `abs` really lands once symlinks are followed: the realpath of the file, or of its
   * nearest existing parent joined with the rest; a dangling link is followed by its text.
   */
  async function realTarget(abs) {
    let current = abs;
    const rest = [];
    for (;;) {
      try {
        return path.join(await fsp.realpath(current), ...rest);
      } catch (err) {
        if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') throw err;
      }
      try {
        const st = await fsp.lstat(current);
        if (st.isSymbolicLink()) {
          const link = await fsp.readlink(current);
          return path.join(await realTarget(path.resolve(path.dirname(current), link)), ...rest);
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

  /** { rel, abs, real } for a path the core named; throws for one outside the workspace. */
  async function locate(raw, what) {
    let rel;
    try {
      rel = normalizeWorkspacePath(raw);
    } catch (err) {
      throw Object.assign(new Error(`refusing to ${what} ${err.message}`), { code: 'outside_workspace' });
    }
    const abs = path.join(root, ...rel.split('/'));
    const real = await realTarget(abs);
    if (!isInside(root, real)) {
      throw Object.assign(new Error(`refusing to ${what} ${rel}: it resolves outside the workspace`), { code: 'outside_workspace', real });
    }
    return { rel, abs, real };
  }

  async function readFile(raw) {
    let where;
    try {
      where = await locate(raw, 'read');
    } catch (err) {
      if (err.code !== 'outside_workspace') return ioProblem(err);
      return unreadable('outside_workspace', err.real ? `resolves outside the workspace (symbolic link to ${err.real})` : 'outside the workspace');
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
    // Checked before reading: reading a file this size whole would be the first cost of refusing it.
    if (st.size > limit) return tooLarge(st.size, limit);
    let bytes;
    try {
      bytes = await fsp.readFile(where.real);
    } catch (err) {
      return ioProblem(err);
    }
    if (bytes.length > limit) return tooLarge(bytes.length, limit);
    if (bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0)) return unreadable('binary', 'looks binary (it contains a NUL byte)');
    try {
      return { state: 'present', text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
    } catch {
      return unreadable('not_utf8', 'not valid UTF-8 text');
    }
  }

  /**
   * The files under the directory `raw`, recursively, as workspace paths in name order:
   * { state: 'listed', paths, truncated } (at most `max`), { state: 'absent' } for nothing there or
   * a file, or an unreadable state ('outside_workspace' for one that leads out, as readFile says).
   * Skipped: what a .gitignore ignores (the workspace root's, those of the directories down to
   * `raw` and those met below it, each applied to the paths under its own directory; a negation
   * does not undo an ignore of another .gitignore, and .git/info/exclude and the global excludes
   * file are not read), node_modules/ and .git/, the tool's own files (.red-exec*), and symbolic
   * links that lead out of the workspace or to a directory.
   */
  async function listDir(raw, { max = MAX_LISTED_FILES } = {}) {
    let where;
    try {
      where = await locate(raw, 'list');
    } catch (err) {
      if (err.code !== 'outside_workspace') return ioProblem(err);
      return unreadable('outside_workspace', err.real ? `resolves outside the workspace (symbolic link to ${err.real})` : 'outside the workspace');
    }
    try {
      if (!(await fsp.stat(where.real)).isDirectory()) return { state: 'absent' };
    } catch (err) {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return { state: 'absent' };
      return ioProblem(err);
    }
    // Each .gitignore applies to the paths below its own directory (`base`, '' for the root).
    const rules = [];
    const parts = where.rel.split('/');
    for (let n = 0; n < parts.length; n++) {
      const ig = await gitignoreIn(path.join(root, ...parts.slice(0, n)));
      if (ig) rules.push({ base: parts.slice(0, n).join('/'), ig });
    }
    const ignored = (rel, isDir) =>
      rules.some(({ base, ig }) => {
        if (base !== '' && !rel.startsWith(`${base}/`)) return false;
        const sub = base === '' ? rel : rel.slice(base.length + 1);
        return ig.ignores(isDir ? `${sub}/` : sub);
      });
    const unlisted = (name) => UNLISTED_DIRS.has(name) || name.startsWith('.red-exec') || name.startsWith(tempPrefix);
    // The named directory itself, or one of its parents, ignored or never listed: nothing in it is.
    for (let n = 1; n <= parts.length; n++) {
      if (unlisted(parts[n - 1]) || ignored(parts.slice(0, n).join('/'), true)) return { state: 'listed', paths: [], truncated: false };
    }
    const paths = [];
    let truncated = false;
    const walk = async (dirReal, dirRel) => {
      const ig = dirRel === where.rel ? null : await gitignoreIn(dirReal);
      if (ig) rules.push({ base: dirRel, ig });
      let entries;
      try {
        entries = await fsp.readdir(dirReal, { withFileTypes: true });
      } catch {
        entries = [];
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        if (truncated) break;
        const rel = `${dirRel}/${entry.name}`;
        const abs = path.join(dirReal, entry.name);
        if (unlisted(entry.name)) continue;
        let isDir = entry.isDirectory();
        let isFile = entry.isFile();
        if (entry.isSymbolicLink()) {
          const real = await fsp.realpath(abs).catch(() => null);
          if (!real || !isInside(root, real)) continue;
          const st = await fsp.stat(real).catch(() => null);
          if (!st || st.isDirectory()) continue;
          isDir = false;
          isFile = st.isFile();
        }
        if (ignored(rel, isDir)) continue;
        if (isDir) await walk(abs, rel);
        else if (isFile) {
          if (paths.length >= max) truncated = true;
          else paths.push(rel);
        }
      }
      if (ig) rules.pop();
    };
    // The named directory's own .gitignore applies to what is under it.
    const own = await gitignoreIn(where.real);
    if (own) rules.push({ base: where.rel, ig: own });
    await walk(where.real, where.rel);
    return { state: 'listed', paths, truncated };
  }

  /** The directories, outermost first, that creating `dir` would make. */
  async function missingDirs(dir) {
    const out = [];
    for (let current = dir; current !== root && isInside(root, current); current = path.dirname(current)) {
      try {
        await fsp.lstat(current);
        break;
      } catch (err) {
        if (err.code !== 'ENOENT') throw err;
      }
      out.unshift(current);
    }
    return out;
  }

  async function writeFile(raw, text, { rollback = false, expect } = {}) {
    const { rel, real: target } = await locate(raw, 'write');
    const dir = path.dirname(target);
    const dirs = await missingDirs(dir);
    let mode;
    try {
      const st = await fsp.stat(target);
      if (st.isDirectory()) throw Object.assign(new Error(`cannot write ${rel}: it is a directory`), { code: 'EISDIR' });
      mode = st.mode & 0o7777;
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
      mode = deletedModes.get(target);
    }
    // Short on purpose: a long target name plus a suffix could exceed the file system's limit.
    const tmp = path.join(dir, `${tempPrefix}-${process.pid}-${crypto.randomBytes(6).toString('hex')}.tmp`);
    const before = await checkExpected(rel, target, expect);
    const change = { path: rel, target, text, tmp, dirs, rollback, before };
    const token = hooks.beforeWrite ? await hooks.beforeWrite(change) : undefined;
    await fsp.mkdir(dir, { recursive: true });
    for (const d of dirs) createdDirs.add(d);
    let handle;
    try {
      handle = await fsp.open(tmp, 'wx', mode ?? 0o666);
      const bytes = Buffer.from(text, 'utf8');
      const half = bytes.length >> 1;
      // In two halves so a test can stop the process between them (leaving a durable half temp file).
      await handle.write(bytes, 0, half, 0);
      await step('mid-write', () => handle.sync());
      await handle.write(bytes, half, bytes.length - half, half);
      await handle.sync();
      await handle.close();
      handle = undefined;
      // open() applies the umask: the file gets back exactly the mode it had.
      if (mode !== undefined) await fsp.chmod(tmp, mode);
      await step('before-rename');
      await put(rel, tmp, target, expect);
    } catch (err) {
      if (handle) await handle.close().catch(() => {});
      await fsp.rm(tmp, { force: true }).catch(() => {});
      if (hooks.failed) await hooks.failed(change, token, err);
      throw err;
    }
    await syncDir(dir);
    if (hooks.afterWrite) await hooks.afterWrite(change, token);
  }

  /** The temp file becomes `target`, if `target` is still what `expect` says. */
  async function put(rel, tmp, target, expect) {
    if (expect?.state === 'absent') {
      try {
        // Atomic create-if-absent: link(2) fails with EEXIST when a file appeared meanwhile.
        await fsp.link(tmp, target);
        await fsp.unlink(tmp).catch(() => {});
        return;
      } catch (err) {
        if (err.code === 'EEXIST') throw conflict(rel, expect, await currentBytes(target).catch(() => 'a file'));
        if (!noHardLinks(err.code)) throw err;
      }
    }
    await checkExpected(rel, target, expect);
    await fsp.rename(tmp, target);
  }

  /**
   * Delete the file (or the symbolic link itself) at `raw`. One already gone is no error: the
   * run wanted it gone, and nobody's work is lost. With `expect`, one that is not what it says
   * (read through a link) is refused with 'conflict'.
   */
  async function deleteFile(raw, { rollback = false, expect } = {}) {
    const { rel, abs, real } = await locate(raw, 'delete');
    const st = await fsp.lstat(abs).catch((err) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
    if (!st) return;
    if (st.isDirectory()) throw Object.assign(new Error(`refusing to delete ${rel}: it is a directory`), { code: 'EISDIR' });
    const before = await checkExpected(rel, abs, expect);
    if (st.isFile()) deletedModes.set(real, st.mode & 0o7777);
    const change = { path: rel, target: abs, rollback, before };
    const token = hooks.beforeDelete ? await hooks.beforeDelete(change) : undefined;
    try {
      await checkExpected(rel, abs, expect);
      await fsp.unlink(abs);
    } catch (err) {
      if (hooks.failed) await hooks.failed(change, token, err);
      throw err;
    }
    await syncDir(path.dirname(abs));
    // Innermost first: a directory this host made and left empty goes with the file.
    for (let d = path.dirname(abs); createdDirs.has(d); d = path.dirname(d)) {
      try {
        await fsp.rmdir(d);
      } catch {
        break;
      }
      createdDirs.delete(d);
    }
    if (hooks.afterDelete) await hooks.afterDelete(change, token);
  }

  return { root, readFile, listDir, writeFile, deleteFile };
}

async function syncDir(dir) {
  // Makes the rename durable; not every platform lets a directory be fsynced.
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
