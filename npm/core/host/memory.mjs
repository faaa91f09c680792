// An in-memory workspace as the core's file host: for tests, and for a browser page, where there
// is no file system. It starts from a copy of `files`; the caller's object is never changed, and
// changes() says what a run did to the copy.

import { normalizeWorkspacePath } from './paths.mjs';
import { MAX_FILE_BYTES, tooLarge } from './limits.mjs';

const encoder = new TextEncoder();

/**
 * `files`: path -> text (an object or a Map). Returns the host's readFile, listDir, writeFile and deleteFile
 * (and `onEvent` as given, so the object can be handed to runTask with a `complete`), plus
 * files() (every file now, by path) and changes() (path -> new text, or null for a deleted file,
 * for each path whose content differs from the start).
 */
export function createMemoryHost(files = {}, { onEvent } = {}) {
  const start = new Map();
  for (const [path, text] of files instanceof Map ? files : Object.entries(files)) {
    start.set(normalizeWorkspacePath(path), String(text));
  }
  const current = new Map(start);

  const isFolder = (p) => {
    for (const q of current.keys()) if (q.startsWith(`${p}/`)) return true;
    return false;
  };
  const fileParent = (p) => {
    const parts = p.split('/');
    for (let n = 1; n < parts.length; n++) if (current.has(parts.slice(0, n).join('/'))) return true;
    return false;
  };
  const place = (raw, what) => {
    let p;
    try {
      p = normalizeWorkspacePath(raw);
    } catch (err) {
      throw Object.assign(new Error(`refusing to ${what} ${err.message}`), { code: 'outside_workspace' });
    }
    if (isFolder(p)) throw new Error(`cannot ${what} ${p}: it is a directory`);
    if (fileParent(p)) throw new Error(`cannot ${what} ${p}: a parent of this path is a file, not a directory`);
    return p;
  };

  /** Throw 'conflict' unless `p` is what `expect` ({ state: 'absent' } or { state: 'present', text }) says. */
  const check = (p, expect) => {
    if (!expect) return;
    const now = current.has(p) ? current.get(p) : null;
    const wanted = expect.state === 'absent' ? null : expect.text;
    if (now === wanted) return;
    const describe = (t) => (t === null ? 'no file' : `${encoder.encode(t).length} bytes`);
    throw Object.assign(new Error(`expected ${describe(wanted)}, found ${describe(now)}`), { code: 'conflict', path: p });
  };

  return {
    async readFile(raw) {
      let p;
      try {
        p = normalizeWorkspacePath(raw);
      } catch (err) {
        return { state: 'unreadable', reason: 'outside_workspace', message: err.why };
      }
      if (current.has(p)) {
        const text = current.get(p);
        // Three bytes at most per UTF-16 unit: most texts need no encoding to be measured.
        if (text.length * 3 > MAX_FILE_BYTES) {
          const size = encoder.encode(text).length;
          if (size > MAX_FILE_BYTES) return tooLarge(size);
        }
        return { state: 'present', text };
      }
      if (isFolder(p)) return { state: 'unreadable', reason: 'directory', message: 'a directory, not a file' };
      if (fileParent(p)) return { state: 'unreadable', reason: 'io', message: 'a parent of this path is a file, not a directory' };
      return { state: 'absent' };
    },
    /** The files under the directory `raw` by prefix, in path order (as the Node host, at most `max`). */
    async listDir(raw, { max = 200 } = {}) {
      let p;
      try {
        p = normalizeWorkspacePath(raw);
      } catch (err) {
        return { state: 'unreadable', reason: 'outside_workspace', message: err.why };
      }
      const under = [...current.keys()].filter((q) => q.startsWith(`${p}/`)).sort();
      if (under.length === 0) return { state: 'absent' };
      return { state: 'listed', paths: under.slice(0, max), truncated: under.length > max };
    },
    // Compare-and-swap as the Node host does: with `expect`, only over exactly that file.
    async writeFile(raw, text, { expect } = {}) {
      const p = place(raw, 'write');
      check(p, expect);
      current.set(p, String(text));
    },
    async deleteFile(raw, { expect } = {}) {
      const p = place(raw, 'delete');
      // Already gone is no error: the run wanted it gone.
      if (current.has(p)) check(p, expect);
      current.delete(p);
    },
    onEvent,
    files() {
      return Object.fromEntries([...current.keys()].sort().map((p) => [p, current.get(p)]));
    },
    changes() {
      const out = new Map();
      for (const p of [...new Set([...start.keys(), ...current.keys()])].sort()) {
        const now = current.has(p) ? current.get(p) : null;
        if (now !== (start.has(p) ? start.get(p) : null)) out.set(p, now);
      }
      return out;
    },
  };
}
