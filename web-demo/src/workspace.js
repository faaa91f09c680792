// The playground's in-memory workspace: relative paths -> UTF-8 text, and the host the core reads
// it through. A run never changes the workspace: its writes and deletes are staged as a change
// set that the user accepts (applied here) or discards.

const MAX_FILE_CHARS = 2 * 1024 * 1024;

/** 'src/a.js' for './src/a.js' or 'src//a.js'; null for a path that would leave the workspace. */
export function normalizePath(input) {
  const parts = String(input).replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length === 0 || parts.includes('..') || String(input).startsWith('/')) return null;
  return parts.join('/');
}

export class Workspace {
  /** @param {Record<string, string>} files */
  constructor(files = {}) {
    this.files = new Map();
    for (const [path, text] of Object.entries(files)) this.set(path, text);
  }

  paths() {
    return [...this.files.keys()].sort();
  }

  has(path) {
    return this.files.has(path);
  }

  get(path) {
    return this.files.get(path);
  }

  set(path, text) {
    const p = normalizePath(path);
    if (p === null) throw new Error(`not a workspace path: ${path}`);
    this.files.set(p, String(text));
  }

  delete(path) {
    this.files.delete(path);
  }

  /** A plain copy of every file, e.g. to compare before and after. */
  snapshot() {
    return Object.fromEntries(this.paths().map((p) => [p, this.files.get(p)]));
  }

  /** True when `path` names a folder: some file lives under it. */
  isDirectory(path) {
    const prefix = `${path}/`;
    for (const p of this.files.keys()) if (p.startsWith(prefix)) return true;
    return false;
  }

  /** What the core learns about one path (the FileState of @codemaestro/core). */
  fileState(path) {
    const p = normalizePath(path);
    if (p === null) return { state: 'unreadable', reason: 'outside_workspace', message: `${path} is outside the workspace` };
    if (this.files.has(p)) {
      const text = this.files.get(p);
      if (text.length > MAX_FILE_CHARS) return { state: 'unreadable', reason: 'too_large', message: `${p} is over ${MAX_FILE_CHARS} characters` };
      return { state: 'present', text };
    }
    if (this.isDirectory(p)) return { state: 'unreadable', reason: 'directory', message: `${p} is a folder` };
    return { state: 'absent' };
  }

  /** Apply a staged change set: path -> new text, or null to delete. */
  apply(changes) {
    for (const [path, text] of changes) {
      if (text === null) this.delete(path);
      else this.set(path, text);
    }
  }

  /** The files as a nested tree: [{ name, path, children? }], folders first, then by name. */
  tree() {
    const root = { children: new Map() };
    for (const path of this.paths()) {
      let node = root;
      const parts = path.split('/');
      parts.forEach((name, i) => {
        const isFile = i === parts.length - 1;
        const key = isFile ? `f:${name}` : `d:${name}`;
        if (!node.children.has(key)) {
          node.children.set(key, {
            name,
            path: parts.slice(0, i + 1).join('/'),
            ...(isFile ? {} : { children: new Map() }),
          });
        }
        node = node.children.get(key);
      });
    }
    const toList = (node) =>
      [...node.children.values()]
        .sort((a, b) => Number(!a.children) - Number(!b.children) || a.name.localeCompare(b.name))
        .map((n) => (n.children ? { name: n.name, path: n.path, children: toList(n) } : { name: n.name, path: n.path }));
    return toList(root);
  }
}

/**
 * The core's file callbacks over `workspace`. Writes and deletes land in `changes` (a Map
 * path -> text or null), never in the workspace: the user decides afterwards.
 */
export function createStagingHost(workspace, changes = new Map()) {
  return {
    changes,
    async readFile(path) {
      return workspace.fileState(path);
    },
    async writeFile(path, text) {
      const p = normalizePath(path);
      if (p === null) throw new Error(`refusing to write outside the workspace: ${path}`);
      changes.set(p, text);
    },
    async deleteFile(path) {
      const p = normalizePath(path);
      if (p === null) throw new Error(`refusing to delete outside the workspace: ${path}`);
      changes.set(p, null);
    },
  };
}
