// Node path and file-error helpers of the preflight checks, backups and undo (the workspace-path
// rule itself is normalizeWorkspacePath of @codemaestro/core).

import path from 'node:path';

/** Whether `target` is `root` or below it (both absolute, already resolved). */
export function isInside(root, target) {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `abs` relative to `root` with forward slashes (the form the journal and the core use). */
export function posixRelative(root, abs) {
  return path.relative(root, abs).split(path.sep).join('/');
}

/** Plain words for the file-system error codes users meet. */
export const IO_REASONS = Object.freeze({
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
});
