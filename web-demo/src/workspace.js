// The playground's workspace: relative paths -> UTF-8 text, as the tree and the editor show it.
// A run never changes it: the run works on a copy (the memory host of @codemaestro/core) whose
// changes are staged for the user to accept (applied here) or discard.

import { normalizeWorkspacePath } from '@codemaestro/core';

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
    // Throws for a path outside the workspace ('..', '/x', 'C:\\x'), as every host does.
    this.files.set(normalizeWorkspacePath(path), String(text));
  }

  delete(path) {
    this.files.delete(path);
  }

  /** A plain copy of every file, e.g. to compare before and after. */
  snapshot() {
    return Object.fromEntries(this.paths().map((p) => [p, this.files.get(p)]));
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
