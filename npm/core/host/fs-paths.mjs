// Path and file-system facts every Node host applies the same way (Node only): the file host, the
// alias merge, and red-exec's own checks (npm/red-exec/lib/paths.js, lock.js) ask these.

import path from 'node:path';
import crypto from 'node:crypto';

/** Whether `target` is `root` or below it (both absolute, already resolved). */
export function isInside(root, target) {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `abs` relative to `root` with forward slashes (the form the core and the journal use). */
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

/** The hex sha256 of `bytes` (a Buffer or a string): how hosts name a file's content. */
export function sha256(bytes) {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV']);

/** Whether a link(2) error code means the file system has no hard links (fall back to check + rename, or O_EXCL). */
export function noHardLinks(code) {
  return NO_LINKS.has(code);
}
