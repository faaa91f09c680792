// Git, where the workspace is a repository: the warning for uncommitted files in scope, --commit
// of exactly the run's files, --undo of a committed run, and the tool's own files kept out of
// `git status`. A real `git init` repository in a temp directory, the real `git` binary.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, lastRunLog, fenced, planJson, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH, BROKEN_SERVER } from '../support/answers.mjs';

const server = useModelServer();

// Who commits, for the test's own commits and the CLI's; no system or user config leaks in.
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
const git = (ws, ...args) => execFileSync('git', args, { cwd: ws, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
const porcelain = (ws) => git(ws, 'status', '--porcelain=v1', '--untracked-files=all').split('\n').filter(Boolean);
const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');

const TASK = 'Add a GET /health route\n\nIt answers { status: "ok", uptime }.';
const PLAN = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);

/** The express-app fixture as a repository with one commit. */
function makeRepo() {
  const ws = makeWorkspace();
  git(ws, 'init', '--quiet', '--initial-branch=main');
  git(ws, 'add', '--all');
  git(ws, 'commit', '--quiet', '-m', 'initial');
  return ws;
}

const run = (ws, extra = [], env = {}) =>
  runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, ...extra], { cwd: ws, env: { ...GIT_ENV, ...env } });

test('a run with --report in a clean repository leaves only the files it changed in git status', async () => {
  const ws = makeRepo();
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
  const r = await run(ws, ['--report']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Report: {3}\.red-exec-logs\/report\.md$/m);
  assert.ok(fs.existsSync(path.join(ws, LOG_DIR, 'report.md')));
  assert.equal(read(ws, `${LOG_DIR}/.gitignore`).split('\n').filter((l) => l && !l.startsWith('#')).join('\n'), '*');
  assert.doesNotMatch(r.stdout, /git_dirty/);

  // A blocked answer: the gate's violation log is written too, and stays out of git as well.
  server.answer(PLAN).answer(fenced(BROKEN_SERVER));
  const blocked = await run(ws, ['--report', '--max-retries', '0']);
  assert.equal(blocked.code, 1, blocked.stderr);
  assert.ok(fs.existsSync(path.join(ws, LOG_DIR, 'violations.jsonl')));
  assert.deepEqual(porcelain(ws), [' M src/server.js']);
  assert.equal(fs.existsSync(path.join(ws, '.red-exec-report.md')), false);
  assert.equal(fs.existsSync(path.join(ws, '.red-exec-violations.jsonl')), false);
});

test('uncommitted changes in a file in scope: a warning in the report and in --json, and the run goes on', async () => {
  const ws = makeRepo();
  fs.appendFileSync(path.join(ws, 'src/server.js'), '// my own edit\n');
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
  const r = await run(ws);
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stdout.split('\n').filter((l) => l.startsWith('Warning:'));
  assert.deepEqual(warnings, ["Warning:  [git_dirty] src/server.js: uncommitted changes before the run (git status .M); the run's changes mix with them"]);

  fs.appendFileSync(path.join(ws, 'src/greet.js'), '// untracked next\n');
  fs.writeFileSync(path.join(ws, 'src/new.js'), '// untracked\n');
  server.answer(planJson([{ path: 'src/new.js', action: 'MODIFY', intent: 'note' }])).answer(fenced('// untracked, noted\n'));
  const json = await runCli(['Note it in src/new.js', '--files', 'src/new.js', '--base-url', server.baseUrl, '--json'], { cwd: ws, env: GIT_ENV });
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout);
  assert.deepEqual(result.warnings.filter((w) => w.code === 'git_dirty').map((w) => [w.path, w.message.split(' before')[0]]), [['src/new.js', 'untracked']]);
  assert.deepEqual(lastRunLog(ws).events.at(-1).warnings, result.warnings, 'the logged result has them too');
});

test('--commit commits exactly the run\'s files with the task\'s first line and the run id; nothing else is staged', async () => {
  const ws = makeRepo();
  fs.writeFileSync(path.join(ws, 'notes.txt'), 'not the run\'s\n');
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
  const r = await run(ws, ['--commit', '--report']);
  assert.equal(r.code, 0, r.stderr);
  const id = lastRunLog(ws).id;
  const sha = git(ws, 'rev-parse', 'HEAD').trim();
  assert.match(r.stdout, new RegExp(`^Commit: {3}${sha.slice(0, 12)} \\(1 file; undo with git revert ${sha.slice(0, 12)}\\)$`, 'm'));
  assert.equal(git(ws, 'rev-list', '--count', 'HEAD').trim(), '2');
  assert.equal(git(ws, 'log', '-1', '--format=%B').trimEnd(), `Add a GET /health route\n\nred-exec run ${id}`);
  assert.deepEqual(git(ws, 'show', '--name-only', '--format=', 'HEAD').split('\n').filter(Boolean), ['src/server.js']);
  assert.equal(git(ws, 'show', 'HEAD:src/server.js'), SERVER_WITH_HEALTH);
  assert.deepEqual(porcelain(ws), ['?? notes.txt'], 'the untracked file is left alone, the logs are ignored');
  assert.equal(JSON.parse(read(ws, `${LOG_DIR}/${id}/commit.json`)).sha, sha);

  // --undo of a committed run: refused, saying what to do; --force restores the files anyway.
  const undo = await runCli(['--undo'], { cwd: ws, env: GIT_ENV });
  assert.equal(undo.code, 10, undo.stderr);
  assert.equal(undo.stderr, `red-exec: undo refused: run ${id} was committed as ${sha.slice(0, 12)}: use \`git revert ${sha}\` to take it back, or --undo --force to restore the files from the backup (the commit stays in the history)\n`);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  const forced = await runCli(['--undo', '--force'], { cwd: ws, env: GIT_ENV });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, new RegExp(`the run's commit ${sha.slice(0, 12)} stays in the history`));
  assert.equal(git(ws, 'rev-parse', 'HEAD').trim(), sha);
  assert.deepEqual(porcelain(ws), [' M src/server.js', '?? notes.txt']);
  assert.equal(read(ws, 'src/server.js'), git(ws, 'show', 'HEAD~1:src/server.js'));
});

test('--commit is refused before the run (exit 2, no model call) with staged changes, an uncommitted file in scope, or no repository', async () => {
  const ws = makeRepo();
  fs.writeFileSync(path.join(ws, 'other.txt'), 'staged by the user\n');
  git(ws, 'add', 'other.txt');
  let r = await run(ws, ['--commit']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^red-exec: --commit: the index already has staged changes \(other\.txt\): commit or unstage them first/);
  git(ws, 'reset', '--quiet');

  fs.appendFileSync(path.join(ws, 'src/server.js'), '// mine\n');
  r = await run(ws, ['--commit']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^red-exec: --commit: src\/server\.js in --files has uncommitted changes that the commit would mix with the run's/);

  const plain = makeWorkspace();
  r = await run(plain, ['--commit']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^red-exec: --commit: the workspace \S+ is not inside a git repository/);
  // No git on the PATH at all: the same refusal says so; without --commit the run does not care.
  r = await run(ws, ['--commit'], { PATH: '/nonexistent' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^red-exec: --commit: git is not installed/);
  assert.equal(server.requests.length, 0, 'nothing was spent on a run that could not be committed');
  assert.equal(fs.existsSync(path.join(plain, LOG_DIR)), false);

  git(ws, 'checkout', '--quiet', '--', 'src/server.js');
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
  r = await run(ws, [], { PATH: '/nonexistent' });
  assert.equal(r.code, 0, r.stderr);
});

test('--commit after a run that did not end OK commits nothing and says so', async () => {
  const ws = makeRepo();
  server.answer(PLAN).answer(fenced(BROKEN_SERVER));
  const r = await run(ws, ['--commit', '--max-retries', '0']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /\(--commit: nothing committed\)\n$/);
  assert.equal(git(ws, 'rev-list', '--count', 'HEAD').trim(), '1');
  assert.deepEqual(porcelain(ws), []);
});

test('a commit git refuses (a failing pre-commit hook): exit 8 with git\'s reason, the changes left in the working tree, the index as before', async () => {
  const ws = makeRepo();
  fs.writeFileSync(path.join(ws, '.git/hooks/pre-commit'), '#!/bin/sh\necho "hook says no" >&2\nexit 1\n', { mode: 0o755 });
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
  const r = await run(ws, ['--commit', '--json']);
  assert.equal(r.code, 8, r.stderr);
  assert.equal(r.stderr, "red-exec: --commit: git commit failed: hook says no; the run's changes are in the working tree, uncommitted\n");
  assert.deepEqual(JSON.parse(r.stdout).commit, { error: 'git commit failed: hook says no' });
  assert.equal(git(ws, 'rev-list', '--count', 'HEAD').trim(), '1');
  assert.deepEqual(porcelain(ws), [' M src/server.js'], 'the path is unstaged again');
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
});
