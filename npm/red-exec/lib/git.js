// Git, where the workspace is inside a repository: what in scope is uncommitted before a run,
// and --commit of exactly the paths a run changed. Everything goes through the `git` binary with
// argument arrays (no shell); no git installed, or no repository, is an answer, not an error.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { posixRelative } from '@codemaestro/core';
import { LOG_DIR, writeConfined, readConfined } from './paths.js';

/** The file in a run's log directory that records its commit. */
export const COMMIT_RECORD = 'commit.json';

/** Run git; resolves { ok, stdout, stderr, missing } (missing: no git binary on the PATH). */
function git(args, cwd) {
  return new Promise((resolve) => {
    // No optional locks: a status must not rewrite the index behind the user's back.
    const env = { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };
    execFile('git', args, { cwd, env, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && err.code === 'ENOENT') return resolve({ ok: false, missing: true, stdout: '', stderr: '' });
      resolve({ ok: !err, missing: false, stdout: stdout ?? '', stderr: String(stderr ?? '').trim() });
    });
  });
}

/** Pathspecs that match exactly these paths: no globbing, no magic from a file's name. */
function literal(paths) {
  return paths.map((p) => `:(literal)${p}`);
}

/**
 * The repository around `workspace`: { root, workspace } (both real paths), { missing: true } when
 * git is not installed, or null when the workspace is not in a work tree.
 */
export async function findRepo(workspace) {
  const r = await git(['rev-parse', '--show-toplevel'], workspace);
  if (r.missing) return { missing: true };
  if (!r.ok) return null;
  return { root: r.stdout.trim(), workspace: fs.realpathSync(workspace) };
}

/** A path git printed (relative to the repository root) as a workspace-relative posix path. */
function fromRoot(repo, p) {
  return posixRelative(repo.workspace, path.join(repo.root, p));
}

/** `git status -z` records: [{ xy, path }] (a rename's second record, its old path, is skipped). */
function parseStatus(text) {
  const out = [];
  const records = text.split('\0');
  for (let i = 0; i < records.length; i++) {
    const rec = records[i];
    if (rec.length < 4) continue;
    const xy = rec.slice(0, 2);
    out.push({ xy, path: rec.slice(3) });
    if (xy[0] === 'R' || xy[0] === 'C') i++;
  }
  return out;
}

/**
 * Workspace paths among `paths` with changes git has not committed: [{ path, xy }] where xy is
 * git's two-letter status (` M`, `M `, `??`, ...). Empty outside a repository.
 */
export async function uncommitted(repo, paths) {
  if (!repo?.root || paths.length === 0) return [];
  const r = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...literal(paths)], repo.workspace);
  if (!r.ok) return [];
  return parseStatus(r.stdout).map((e) => ({ path: fromRoot(repo, e.path), xy: e.xy }));
}

/** Workspace-relative paths with changes staged in the index. */
export async function stagedPaths(repo) {
  const r = await git(['diff', '--cached', '--name-only', '-z', '--no-renames'], repo.workspace);
  if (!r.ok) return [];
  return r.stdout.split('\0').filter(Boolean).map((p) => fromRoot(repo, p));
}

/** What git's two letters mean, in words, for a warning. */
export function describeStatus(xy) {
  if (xy === '??') return 'untracked';
  if (xy.includes('U')) return 'unmerged';
  const staged = xy[0] !== ' ';
  const unstaged = xy[1] !== ' ';
  return staged && unstaged ? 'staged and unstaged changes' : staged ? 'staged changes' : 'uncommitted changes';
}

/**
 * Why --commit must not run in this repository, or null: the index already holds staged changes
 * (they would go into the run's commit), or a file in scope has uncommitted changes (the commit
 * would mix them with the run's). Checked before the run spends a token, and again after it.
 */
export async function commitObstacle(repo, scope) {
  const staged = await stagedPaths(repo);
  if (staged.length > 0) {
    return `the index already has staged changes (${shortList(staged)}): commit or unstage them first (git restore --staged ...), or run without --commit`;
  }
  const dirty = await uncommitted(repo, scope);
  if (dirty.length > 0) {
    return `${shortList(dirty.map((d) => d.path))} in --files ${dirty.length === 1 ? 'has' : 'have'} uncommitted changes that the commit would mix with the run's: commit or stash them first, or run without --commit`;
  }
  return null;
}

function shortList(paths, shown = 5) {
  const head = paths.slice(0, shown).join(', ');
  return paths.length > shown ? `${head} and ${paths.length - shown} more` : head;
}

/** The commit message: the task's first line, a blank line, the run id. */
export function commitMessage(task, runId) {
  const first = String(task).split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'red-exec run';
  return [first, `red-exec run ${runId}`];
}

/**
 * Commit exactly `written` and `deleted` (workspace-relative) with the run's message.
 * Resolves { sha, paths } or { error } (git's own words). Never stages anything else: the caller
 * checked that the index held nothing before (commitObstacle), and this checks it again.
 */
export async function commitRun(repo, { written, deleted, task, runId }) {
  const paths = [...written, ...deleted];
  const obstacle = await stagedPaths(repo);
  if (obstacle.length > 0) return { error: `the index has staged changes again (${shortList(obstacle)}); nothing committed` };
  if (written.length > 0) {
    const add = await git(['add', '--', ...literal(written)], repo.workspace);
    if (!add.ok) return { error: `git add failed: ${add.stderr}` };
  }
  if (deleted.length > 0) {
    const rm = await git(['rm', '--cached', '--quiet', '--ignore-unmatch', '--', ...literal(deleted)], repo.workspace);
    if (!rm.ok) return { error: `git rm --cached failed: ${rm.stderr}` };
  }
  const [subject, body] = commitMessage(task, runId);
  const commit = await git(['commit', '--quiet', '-m', subject, '-m', body], repo.workspace);
  if (!commit.ok) {
    // Leave the index as it was: the run's paths staged by us are unstaged again.
    await git(['reset', '--quiet', '--', ...literal(paths)], repo.workspace);
    return { error: `git commit failed: ${commit.stderr.split('\n')[0] || 'no message'}` };
  }
  const head = await git(['rev-parse', 'HEAD'], repo.workspace);
  return { sha: head.stdout.trim(), paths };
}

/** Remember a run's commit next to its log, for --undo. */
export function recordCommit(workspace, runId, commit) {
  const file = path.join(workspace, LOG_DIR, runId, COMMIT_RECORD);
  writeConfined(file, `${JSON.stringify({ sha: commit.sha, paths: commit.paths, time: new Date().toISOString() })}\n`);
}

/** The commit a run made with --commit, or null. */
export function readCommit(runDir) {
  try {
    const record = JSON.parse(readConfined(path.join(runDir, COMMIT_RECORD)));
    return typeof record.sha === 'string' ? record : null;
  } catch {
    return null;
  }
}
