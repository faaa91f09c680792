// Write checks made before the first model call: a run whose result could not be saved (or
// logged) should stop before it spends tokens, not after. Everything else about the paths (outside
// the workspace, directories, unreadable files) is the file host's and the core's to report.

import fs from 'node:fs';
import path from 'node:path';
import { normalizeWorkspacePath, isInside, posixRelative, IO_REASONS } from '@codemaestro/core';
import { WriteError } from './errors.js';
import { LOG_DIR } from './paths.js';

function describe(err) {
  return IO_REASONS[err.code] ? `${err.code}: ${IO_REASONS[err.code]}` : err.code ?? err.message;
}

/** null when `abs` allows `mode`, else the error access(2) gave. */
function denied(abs, mode) {
  try {
    fs.accessSync(abs, mode);
    return null;
  } catch (err) {
    return err;
  }
}

/** The path's parts as the core normalises them, or null for one it will refuse itself. */
function plainParts(rel) {
  try {
    return normalizeWorkspacePath(rel).split('/');
  } catch {
    return null;
  }
}

/**
 * Throw WriteError unless the run can write what it must: the workspace directory and
 * .red-exec-logs/ (the run log), and, unless `targets` is false (a dry run), every --files path:
 * an existing file must be writable and so must its directory (writes go through a temporary file
 * and a rename there); a new file needs its nearest existing directory writable.
 * `show(abs)` formats a path for the message.
 */
export function checkWritable(workspace, files, { targets = true, show = (p) => p } = {}) {
  const root = fs.realpathSync(workspace);
  const dirProblem = denied(root, fs.constants.W_OK | fs.constants.X_OK);
  if (dirProblem) {
    throw new WriteError(`cannot write in the workspace ${show(workspace)} (${describe(dirProblem)}): the run log goes to ${LOG_DIR}/ there`);
  }
  const logs = path.join(root, LOG_DIR);
  let logStat = null;
  try {
    logStat = fs.statSync(logs);
  } catch {
    // absent: the run creates it in the writable workspace
  }
  if (logStat && !logStat.isDirectory()) {
    throw new WriteError(`cannot create the run log: ${LOG_DIR} in the workspace is a file, not a directory; move it away`);
  }
  if (logStat) {
    const logProblem = denied(logs, fs.constants.W_OK | fs.constants.X_OK);
    if (logProblem) throw new WriteError(`cannot write the run log in ${LOG_DIR}/ (${describe(logProblem)})`);
  }
  if (!targets) return;

  for (const rel of files) {
    const parts = plainParts(rel);
    const problem = parts && targetProblem(root, parts);
    if (problem) throw new WriteError(`${problem}; make it writable or leave it out of --files`);
  }
}

/** Why the file at root/parts could not be written, or null (also for paths the core refuses). */
function targetProblem(root, parts) {
  const rel = parts.join('/');
  const dirName = (abs) => (abs === root ? 'the workspace directory' : `the directory ${posixRelative(root, abs)}/`);
  let real;
  try {
    real = fs.realpathSync(path.join(root, ...parts));
  } catch {
    real = null;
  }
  if (real) {
    if (!isInside(root, real) || !fs.statSync(real).isFile()) return null;
    // An unreadable file is an input error; the read reports it.
    if (denied(real, fs.constants.R_OK)) return null;
    const fileProblem = denied(real, fs.constants.W_OK);
    if (fileProblem) return `cannot write ${rel}: the file is not writable (${describe(fileProblem)})`;
    const dir = path.dirname(real);
    const dirProblem = denied(dir, fs.constants.W_OK | fs.constants.X_OK);
    return dirProblem ? `cannot write ${rel}: ${dirName(dir)} is not writable (${describe(dirProblem)})` : null;
  }
  // A new file: the nearest directory that exists is where the write creates what is missing.
  for (let n = parts.length - 1; n >= 0; n--) {
    let dir;
    try {
      dir = fs.realpathSync(path.join(root, ...parts.slice(0, n)));
    } catch {
      continue;
    }
    if (!isInside(root, dir) || !fs.statSync(dir).isDirectory()) return null;
    const problem = denied(dir, fs.constants.W_OK | fs.constants.X_OK);
    return problem ? `cannot create ${rel}: ${dirName(dir)} is not writable (${describe(problem)})` : null;
  }
  return null;
}
