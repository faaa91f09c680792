// The one workspace-path rule every host shares, and the same one the core's gate applies
// (crates/core/src/gate/rules/in_scope.rs normalize_path): a host that normalises what the core already
// normalised gets the same path back, and refuses what the core would refuse.

/** Thrown for a path that is not a plain path inside the workspace; `code` is 'outside_workspace'. */
export class WorkspacePathError extends Error {
  constructor(raw, why) {
    super(`${printable(raw)}: ${why}`);
    this.name = 'WorkspacePathError';
    this.code = 'outside_workspace';
    this.path = raw;
    this.why = why;
  }
}

function printable(raw) {
  return JSON.stringify(String(raw)).slice(1, -1);
}

/**
 * 'src/a.js' for './src/a.js', 'src\\a.js' or 'src//a.js'. Throws WorkspacePathError for an empty
 * path, an absolute one ('/x', 'C:\\x', 'C:x'), one with a '..' part, or one holding a NUL.
 */
export function normalizeWorkspacePath(raw) {
  if (typeof raw !== 'string') throw new WorkspacePathError(raw, 'not a path (expected a string)');
  if (raw.includes('\0')) throw new WorkspacePathError(raw, 'a path cannot hold a NUL character');
  const unified = raw.trim().replace(/\\/g, '/');
  if (unified === '') throw new WorkspacePathError(raw, 'empty path');
  const absolute = () => new WorkspacePathError(raw, 'absolute paths are not allowed; give a path inside the workspace');
  if (unified.startsWith('/')) throw absolute();
  const parts = [];
  // Each part is trimmed like the whole path, so a normalised path normalises to itself.
  for (const part of unified.split('/').map((p) => p.trim())) {
    if (part === '' || part === '.') continue;
    if (part === '..') throw new WorkspacePathError(raw, "'..' leaves the workspace");
    parts.push(part);
  }
  if (parts.length === 0) throw new WorkspacePathError(raw, 'not a file path');
  // A drive letter is looked for in the first part, not the raw text: './C:/x.js' is absolute too.
  if (/^[A-Za-z]:/.test(parts[0])) throw absolute();
  return parts.join('/');
}
