// Node path and file-error helpers of the preflight checks, backups and undo (the workspace-path
// rule itself is normalizeWorkspacePath of @codemaestro/core, the confinement test its isInside).

import fs from 'node:fs';
import path from 'node:path';
import { isInside, posixRelative } from '@codemaestro/core';
import { ConfigError, WriteError } from './errors.js';

/** The directory of the tool's own files in a workspace. */
export const LOG_DIR = '.red-exec-logs';

/** The file in LOG_DIR that holds the id of the last run. */
export const LAST_RUN_FILE = 'last-run';



// ---- The tool's own files (.red-exec-logs/ and everything in it, the dry-run copy) ----
// They are opened like the user's files are: never through a symbolic link, never outside the
// directory they belong to. A repository (or a model, or the check command) can plant a link
// named .red-exec-logs, report.md, last-run or a run directory; following it would write or
// read wherever it points. One rule, here, used by every module that touches those files.

/** The run-id format of the core's newRunId (UTC date-time and 6 hex digits): `20261201-120637-f18f4a`. */
export const RUN_ID_RE = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

/** O_NOFOLLOW where the platform has it (0 elsewhere: the lstat walk still holds). */
export const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** Whether `id` is a run id as the core makes them. */
export function isRunId(id) {
  return typeof id === 'string' && RUN_ID_RE.test(id);
}

/**
 * `id` if it is a run id, else throws ConfigError (exit 3): one line, `where` names the flag or
 * file it came from. The value is shown only when it is short and printable.
 */
export function checkRunId(id, where) {
  if (isRunId(id)) return id;
  const shownId = typeof id === 'string' && id.length <= 40 && /^[\x20-\x7e]*$/.test(id) ? ` "${id}"` : '';
  throw new ConfigError(`${where}${shownId} is not a run id (like 20261201-120637-f18f4a); refused, nothing was read or written`);
}

/**
 * Check that `abs` is `root` or below it and that no existing component from `root` (excluded)
 * down to `abs` (included) is a symbolic link. Components that do not exist yet are fine (they
 * will be made by mkdir, which does not follow a final link). Returns `abs`. Throws WriteError
 * (exit 8) naming the offending path relative to `root`.
 */
export function confineArtifact(root, abs) {
  if (!isInside(root, abs)) {
    throw new WriteError(`refused: ${abs} is outside the workspace; red-exec keeps its own files inside it`);
  }
  let cur = root;
  for (const part of path.relative(root, abs).split(path.sep).filter(Boolean)) {
    cur = path.join(cur, part);
    let st;
    try {
      st = fs.lstatSync(cur);
    } catch (err) {
      if (err.code === 'ENOENT') return abs;
      throw err;
    }
    if (st.isSymbolicLink()) {
      throw new WriteError(`refused: ${posixRelative(root, cur)} is a symbolic link; red-exec does not follow links for its own files (remove it and run again)`);
    }
  }
  return abs;
}

/**
 * The workspace an artifact path belongs to: the directory holding its last `.red-exec-logs`
 * component. For helpers that are handed a run directory rather than the workspace.
 */
export function artifactRoot(abs) {
  const parts = path.resolve(abs).split(path.sep);
  const i = parts.lastIndexOf(LOG_DIR);
  if (i < 0) throw new WriteError(`internal: ${abs} is not under ${LOG_DIR}/`);
  return parts.slice(0, i).join(path.sep) || path.sep;
}

/** confineArtifact with the root found from the path itself (under .red-exec-logs/). */
export function confined(abs) {
  return confineArtifact(artifactRoot(abs), abs);
}

/** Open an artifact (after the walk) with O_NOFOLLOW; `flags` as in fs.openSync ('r', 'a', 'w', 'wx'). */
export function openConfined(abs, flags, mode = 0o644) {
  confined(abs);
  const base = { r: fs.constants.O_RDONLY, a: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND, w: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, wx: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL }[flags];
  if (base === undefined) throw new Error(`openConfined: flags ${flags}`);
  try {
    return fs.openSync(abs, base | O_NOFOLLOW, mode);
  } catch (err) {
    if (err.code === 'ELOOP' || err.code === 'EMLINK') {
      throw new WriteError(`refused: ${posixRelative(artifactRoot(abs), abs)} is a symbolic link; red-exec does not follow links for its own files (remove it and run again)`);
    }
    throw err;
  }
}

/** Read an artifact as text without following a link (throws like fs.readFileSync, or WriteError for a link). */
export function readConfined(abs) {
  const fd = openConfined(abs, 'r');
  try {
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** Write (replace) or append an artifact without following a link. */
export function writeConfined(abs, data, { append = false, mode = 0o644 } = {}) {
  const fd = openConfined(abs, append ? 'a' : 'w', mode);
  try {
    fs.writeFileSync(fd, data);
  } finally {
    fs.closeSync(fd);
  }
}
