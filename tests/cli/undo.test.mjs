// --undo and --runs: the journal and backups a run leaves, putting the files back (or refusing
// to, when something changed since), and the list of recent runs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, lastRunLog, fenced, planJson, unzipText, WITHOUT_ROOT_OVERRIDES, LOG_DIR } from '../support/cli.mjs';
import { makeShop, shopArgs, shopAnswer, tree, SHOP_AFTER, SHOP_TASK } from '../support/shop.mjs';
import { SHOP_CONFIG } from '../support/answers.mjs';

const server = useModelServer();

const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const modeOf = (ws, rel) => fs.statSync(path.join(ws, rel)).mode & 0o777;

/** The four-file shop run (MODIFY two, CREATE one in a new directory, DELETE one), to the end. */
async function shopRun(ws, ...more) {
  server.otherwise((record) => shopAnswer(record));
  const r = await runCli(shopArgs(server.baseUrl, ...more), { cwd: ws });
  server.clearOtherwise();
  return r;
}

/** The one stderr line of a refused command. */
function oneLine(stderr) {
  const lines = stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one stderr line expected:\n${stderr}`);
  return lines[0];
}

function journalOf(ws, id) {
  return fs
    .readFileSync(path.join(ws, LOG_DIR, id, 'journal.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

test('a run journals and backs up every change; --undo puts back contents, modes, the deleted file, and removes what it created', async () => {
  const ws = makeShop();
  const original = tree(ws);
  const originalText = (rel) => Buffer.from(original[rel].split(' ')[1], 'base64').toString('utf8');
  const r = await shopRun(ws);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(ws, 'src/config.js'), SHOP_AFTER['src/config.js']);
  assert.equal(fs.existsSync(path.join(ws, 'src/legacy.js')), false);
  assert.equal(modeOf(ws, 'src/routes.js'), 0o755, 'a write keeps the mode');

  // The journal: a record before each change and a done record after it; the backups are the originals.
  const { id } = lastRunLog(ws);
  const journal = journalOf(ws, id);
  const changes = journal.filter((j) => j.op !== 'done');
  assert.deepEqual(changes.map((c) => `${c.op} ${c.path}`).sort(), ['delete src/legacy.js', 'write src/config.js', 'write src/metrics/counter.js', 'write src/routes.js']);
  assert.deepEqual(journal.filter((j) => j.op === 'done').map((j) => j.seq).sort(), changes.map((c) => c.seq).sort());
  const created = changes.find((c) => c.path === 'src/metrics/counter.js');
  assert.equal(created.existed, false);
  assert.equal(created.backup, null);
  assert.deepEqual(created.dirs, ['src/metrics']);
  assert.match(created.tmp, /^src\/metrics\/\.red-exec-\d+-[0-9a-f]+\.tmp$/);
  const deleted = changes.find((c) => c.op === 'delete');
  assert.equal(deleted.mode, 0o640);
  assert.equal(deleted.sha256After, null);
  for (const rel of ['src/config.js', 'src/routes.js', 'src/legacy.js']) {
    assert.equal(read(ws, path.join(LOG_DIR, id, 'backup', rel)), originalText(rel), `backup of ${rel}`);
  }

  const undo = await runCli(['--undo'], { cwd: ws });
  assert.equal(undo.code, 0, undo.stderr);
  assert.equal(undo.stderr, '');
  assert.match(undo.stdout, new RegExp(`^undid run ${id}: 3 restored, 1 removed, 0 unchanged`));
  assert.match(undo.stdout, /removed\s+src\/metrics\/counter\.js \(the run created it\)/);
  assert.deepEqual(tree(ws), original, 'contents, modes (0600, 0755, 0640) and directories as before the run');
  assert.equal(fs.existsSync(path.join(ws, 'src/metrics')), false, 'the directory the run made is gone');
});

test('a second --undo has nothing to undo (exit 0, nothing changed); --runs shows UNDONE', async () => {
  const ws = makeShop();
  assert.equal((await shopRun(ws)).code, 0);
  assert.equal((await runCli(['--undo'], { cwd: ws })).code, 0);
  const undone = tree(ws);
  const again = await runCli(['--undo'], { cwd: ws });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /was already undone .*; nothing to undo/);
  const quiet = await runCli(['--undo', '--quiet'], { cwd: ws });
  assert.deepEqual([quiet.code, quiet.stdout, quiet.stderr], [0, '', ''], '--quiet says nothing');
  assert.deepEqual(tree(ws), undone);
  const runs = await runCli(['--runs', '--json'], { cwd: ws });
  const [run] = JSON.parse(runs.stdout).runs;
  assert.equal(run.status, 'UNDONE');
  assert.equal(run.resultStatus, 'OK');
  assert.ok(run.undoneAt);
});

test('--undo refuses when a file changed since the run: exit 10, one line naming the files, nothing changed; --force restores', async () => {
  const ws = makeShop();
  const original = tree(ws);
  assert.equal((await shopRun(ws)).code, 0);
  const { id } = lastRunLog(ws);
  // The user edits a file the run modified and one the run created.
  fs.appendFileSync(path.join(ws, 'src/routes.js'), '// my own change\n');
  fs.writeFileSync(path.join(ws, 'src/metrics/counter.js'), 'module.exports = {};\n');
  const edited = tree(ws);

  const refused = await runCli(['--undo'], { cwd: ws });
  assert.equal(refused.code, 10, refused.stderr);
  const line = oneLine(refused.stderr);
  assert.match(line, /^red-exec: undo refused: changed since run \S+: src\/metrics\/counter\.js, src\/routes\.js; nothing was restored \(pass --force/);
  assert.doesNotMatch(line, /config\.js|legacy\.js/, 'only the changed files are named');
  assert.equal(refused.stdout, '');
  assert.deepEqual(tree(ws), edited, 'nothing changed');
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR, id, 'undo.json')), false, 'no undo recorded');

  const forced = await runCli(['--undo', id, '--force'], { cwd: ws });
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(tree(ws), original);
  // What --force replaced is kept in the run's directory.
  assert.match(read(ws, path.join(LOG_DIR, id, 'overwritten', 'src/routes.js')), /\/\/ my own change\n$/);
  assert.equal(read(ws, path.join(LOG_DIR, id, 'overwritten', 'src/metrics/counter.js')), 'module.exports = {};\n');
  assert.match(forced.stdout, /--force: the changed versions it replaced are kept under/);
});

test("a later run on the same file makes an earlier run's --undo refuse until the later one is undone", async () => {
  const ws = makeShop();
  const original = tree(ws);
  assert.equal((await shopRun(ws)).code, 0);
  const first = lastRunLog(ws).id;
  const v2 = SHOP_CONFIG.replace('pageSize: 25', 'pageSize: 50');
  server.answer(planJson([{ path: 'src/config.js', action: 'MODIFY', intent: 'bigger pages' }])).answer(fenced(v2));
  const second = await runCli(['Make pages 50 long', '--files', 'src/config.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(second.code, 0, second.stderr);
  assert.equal(read(ws, 'src/config.js'), v2);

  const refused = await runCli(['--undo', first], { cwd: ws });
  assert.equal(refused.code, 10);
  assert.match(oneLine(refused.stderr), /changed since run .*: src\/config\.js;/);

  assert.equal((await runCli(['--undo'], { cwd: ws })).code, 0, 'the last run first');
  assert.equal(read(ws, 'src/config.js'), SHOP_CONFIG);
  const r = await runCli(['--undo', first], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(tree(ws), original);
});

test('--undo of an unknown run, or with no run at all: exit 3; a malformed id or a mixed command: exit 2', async () => {
  const ws = makeShop();
  const original = tree(ws);
  const none = await runCli(['--undo'], { cwd: ws });
  assert.equal(none.code, 3);
  assert.match(oneLine(none.stderr), /^red-exec: --undo: no run recorded in this workspace/);
  assert.equal((await shopRun(ws)).code, 0);
  const unknown = await runCli(['--undo', '20200101-000000-abcdef'], { cwd: ws });
  assert.equal(unknown.code, 3);
  assert.match(oneLine(unknown.stderr), /^red-exec: --undo 20200101-000000-abcdef: no such run under \.red-exec-logs\//);
  for (const [args, message] of [
    [['--undo', '--runs'], /--undo and --runs do not go together/],
    [['--undo', '--runs'], /--undo and --runs do not go together/],
    [['--force'], /--force is only used with --init-skill or --undo/],
    [['--undo', '--files', 'a.js'], /--undo runs no task: leave out --files/],
    [['Fix it', '--runs'], /--runs runs no task/],
    // A task's flags are refused, not ignored: `--undo --dry-run` must not undo for real.
    [['--undo', '--dry-run'], /^red-exec: --dry-run is not used with --undo/],
    [['--undo', '--verify', 'npm test'], /^red-exec: --verify is not used with --undo/],
    [['--runs', '--model', 'deepseek-chat'], /^red-exec: --model is not used with --runs/],
    [['--init-skill', '--dry-run'], /^red-exec: --dry-run is not used with --init-skill/],
    [['--export-debug', '--run-id', 'last', '--verify', 'npm test'], /^red-exec: --verify is not used with --export-debug --run-id/],
  ]) {
    const r = await runCli(args, { cwd: ws });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), message);
  }
  assert.notDeepEqual(tree(ws), original, 'the refused commands left the run in place');
  assert.equal(fs.existsSync(path.join(ws, 'src/metrics/counter.js')), true);
});

test('--undo and --runs honour --workspace', async () => {
  const ws = makeShop();
  const original = tree(ws);
  assert.equal((await shopRun(ws)).code, 0);
  const elsewhere = makeTempDir();
  const runs = await runCli(['--runs', '--workspace', ws], { cwd: elsewhere });
  assert.equal(runs.code, 0, runs.stderr);
  assert.match(runs.stdout, /OK\s+3 written, 1 deleted/);
  const undo = await runCli(['--undo', '--workspace', ws], { cwd: elsewhere });
  assert.equal(undo.code, 0, undo.stderr);
  assert.deepEqual(tree(ws), original);
  assert.deepEqual(fs.readdirSync(elsewhere), []);
});

test('--runs: newest first with time, status, files and the task shortened; --json; UNDONE, UNFINISHED, dry run', async () => {
  const ws = makeShop();
  assert.equal((await shopRun(ws)).code, 0);
  const undone = lastRunLog(ws).id;
  assert.equal((await runCli(['--undo'], { cwd: ws })).code, 0);
  // A run killed after its first write (the crash hook): no result line.
  server.otherwise((record) => shopAnswer(record));
  const killed = await runCli(shopArgs(server.baseUrl), { cwd: ws, env: { RED_EXEC_CRASH_AT: 'after-write:1' } });
  server.clearOtherwise();
  assert.equal(killed.signal, 'SIGKILL');
  const unfinished = lastRunLog(ws).id;
  server.answer(planJson([{ path: 'src/index.js', action: 'MODIFY', intent: 'x' }])).answer(fenced(read(ws, 'src/index.js').replace('module.exports', '// entry\nmodule.exports')));
  const dry = await runCli(['Note the entry point', '--files', 'src/index.js', '--base-url', server.baseUrl, '--dry-run'], { cwd: ws });
  assert.equal(dry.code, 0, dry.stderr);
  const dryId = lastRunLog(ws).id;

  const r = await runCli(['--runs'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^RUN\s+STARTED \(UTC\)\s+STATUS\s+FILES\s+TASK$/);
  assert.equal(lines.length, 4);
  assert.match(lines[1], new RegExp(`^${dryId}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+OK \\(dry run\\)\\s+1 written, 0 deleted, 0 blocked\\s+Note the entry point$`));
  // The kill came after the delete and one write, before that write's done record.
  assert.match(lines[2], new RegExp(`^${unfinished}\\s+\\S+ \\S+\\s+UNFINISHED\\s+0 written, 1 deleted, 0 blocked\\s+`));
  assert.match(lines[3], new RegExp(`^${undone}\\s+\\S+ \\S+\\s+UNDONE\\s+3 written, 1 deleted, 0 blocked\\s+`));
  const task = lines[3].split(/ {2,}/).at(-1);
  assert.ok(task.length <= 60 && task.endsWith('…') && SHOP_TASK.startsWith(task.slice(0, -1)), `shortened task: ${task}`);

  const json = JSON.parse((await runCli(['--runs', '--json'], { cwd: ws })).stdout);
  assert.equal(json.more, 0);
  assert.deepEqual(json.runs.map((x) => [x.id, x.status, x.written, x.deleted, x.dryRun]), [
    [dryId, 'OK', 1, 0, true],
    [unfinished, 'UNFINISHED', 0, 1, false],
    [undone, 'UNDONE', 3, 1, false],
  ]);
  assert.equal(json.runs[2].task, SHOP_TASK, 'the whole task in JSON');
  assert.ok(json.runs.every((x) => !Number.isNaN(Date.parse(x.startedAt))));

  // The dry run changed nothing in the workspace, so it has no journal and nothing to undo.
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR, dryId, 'journal.jsonl')), false);
  const undoDry = await runCli(['--undo', dryId], { cwd: ws });
  assert.equal(undoDry.code, 0, undoDry.stderr);
  assert.match(undoDry.stdout, /changed no file; nothing to undo/);
});

test('--runs shows at most 20 runs and says how many more there are', async () => {
  const ws = makeShop();
  assert.equal((await shopRun(ws)).code, 0);
  const { id } = lastRunLog(ws);
  // 24 more copies of that run's log, each started a minute apart (a log is a plain directory).
  const base = path.join(ws, LOG_DIR);
  const text = fs.readFileSync(path.join(base, id, 'events.jsonl'), 'utf8');
  const first = JSON.parse(text.slice(0, text.indexOf('\n')));
  for (let i = 1; i <= 24; i++) {
    const copy = `20200101-00${String(i).padStart(2, '0')}00-abcdef`;
    fs.cpSync(path.join(base, id), path.join(base, copy), { recursive: true });
    const time = new Date(Date.UTC(2020, 0, 1, 0, i)).toISOString();
    fs.writeFileSync(path.join(base, copy, 'events.jsonl'), `${JSON.stringify({ ...first, time })}${text.slice(text.indexOf('\n'))}`);
  }
  const r = await runCli(['--runs'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1 + 20 + 1);
  assert.match(lines[1], new RegExp(`^${id}\\s`), 'the real run is the newest');
  assert.match(lines[2], /^20200101-002400-abcdef\s+2020-01-01 00:24:00\s/);
  assert.match(lines[20], /^20200101-000600-abcdef\s/);
  assert.equal(lines[21], '(5 older runs not shown; all are under .red-exec-logs/)');
  const json = JSON.parse((await runCli(['--runs', '--json'], { cwd: ws })).stdout);
  assert.equal(json.runs.length, 20);
  assert.equal(json.more, 5);
});

test('--runs in a workspace without runs says so (exit 0)', async () => {
  const r = await runCli(['--runs'], { cwd: makeWorkspace() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'no runs recorded under .red-exec-logs/\n');
});

test('a .red-exec-logs/ that cannot be written stops the run before any change, backup or model call (exit 8)', async () => {
  const ws = makeShop();
  const original = tree(ws);
  fs.mkdirSync(path.join(ws, LOG_DIR), { mode: 0o555 });
  fs.chmodSync(path.join(ws, LOG_DIR), 0o555);
  const r = await runCli(shopArgs(server.baseUrl), { cwd: ws, wrapper: WITHOUT_ROOT_OVERRIDES });
  assert.equal(r.code, 8, r.stderr);
  // The up-front write check (lib/preflight.js) says it first; the run's own check is the backstop.
  assert.match(oneLine(r.stderr), /^red-exec: cannot write the run log .*\.red-exec-logs\/ \(EACCES/);
  assert.equal(server.requests.length, 0, 'no model call');
  assert.deepEqual(tree(ws), original);
  assert.deepEqual(fs.readdirSync(path.join(ws, LOG_DIR)), [], 'no log, journal or backup');
});

test('the debug bundle carries no backup and no journal', async () => {
  const ws = makeShop();
  const r = await shopRun(ws, '--export-debug');
  assert.equal(r.code, 0, r.stderr);
  const { id } = lastRunLog(ws);
  assert.ok(fs.existsSync(path.join(ws, LOG_DIR, id, 'backup', 'src/legacy.js')), 'the backups exist');
  const entries = Object.keys(unzipText(path.join(ws, LOG_DIR, id, `debug-${id}.zip`))).sort();
  assert.deepEqual(entries, ['events.jsonl', 'files/src/config.js', 'files/src/metrics/counter.js', 'files/src/routes.js', 'meta.json']);
});

test('--undo refuses a run that is still going (the workspace lock: exit 12, nothing changed)', async () => {
  const ws = makeShop();
  const original = tree(ws);
  server.stall();
  const { startCli } = await import('../support/cli.mjs');
  const { child, done } = startCli(shopArgs(server.baseUrl), { cwd: ws });
  const deadline = Date.now() + 10_000;
  while (server.requests.length === 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
  assert.equal(server.requests.length, 1, 'the run is waiting for the model');
  const r = await runCli(['--undo'], { cwd: ws });
  assert.equal(r.code, 12, r.stderr);
  assert.match(oneLine(r.stderr), new RegExp(`^red-exec: another red-exec run holds this workspace: run \\S+ \\(process ${child.pid} on [^)]+\\); wait for it to finish`));
  assert.deepEqual(tree(ws), original);
  const runs = JSON.parse((await runCli(['--runs', '--json'], { cwd: ws })).stdout).runs;
  assert.equal(runs[0].status, 'RUNNING');
  child.kill('SIGKILL');
  await done;
  const after = JSON.parse((await runCli(['--runs', '--json'], { cwd: ws })).stdout).runs;
  assert.equal(after[0].status, 'UNFINISHED');
  // Killed: no longer running, and it changed nothing, so there is nothing to undo.
  const again = await runCli(['--undo'], { cwd: ws });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`^red-exec: notice: took over the workspace lock of run \\S+ \\(process ${child.pid} on `));
  server.requests.length = 0;
});

test('--undo that cannot read a file the run wrote: exit 8, one line, nothing changed; it works once the file is readable', async () => {
  const ws = makeShop();
  const original = tree(ws);
  assert.equal((await shopRun(ws)).code, 0);
  const after = tree(ws);
  const routes = path.join(ws, 'src/routes.js');
  const mode = modeOf(ws, 'src/routes.js');
  fs.chmodSync(routes, 0o000);
  const r = await runCli(['--undo'], { cwd: ws, wrapper: WITHOUT_ROOT_OVERRIDES });
  fs.chmodSync(routes, mode);
  assert.equal(r.code, 8, r.stderr);
  assert.match(oneLine(r.stderr), /^red-exec: cannot undo run \S+: EACCES: permission denied, open '\S+src\/routes\.js'; nothing was changed$/);
  assert.deepEqual(tree(ws), after);
  const again = await runCli(['--undo'], { cwd: ws });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(tree(ws), original);
});

test('a journal naming a path the workspace rule refuses (.., absolute, a drive letter, a NUL) makes --undo refuse: exit 10, one line, nothing changed', async () => {
  const ws = makeShop();
  assert.equal((await shopRun(ws)).code, 0);
  const { id } = lastRunLog(ws);
  const file = path.join(ws, LOG_DIR, id, 'journal.jsonl');
  const journal = fs.readFileSync(file, 'utf8');
  const after = tree(ws);
  for (const bad of ['../outside.js', '/tmp/outside.js', 'C:/outside.js', 'src/\u0000.js']) {
    fs.writeFileSync(file, journal.replaceAll('"src/config.js"', JSON.stringify(bad)));
    const r = await runCli(['--undo'], { cwd: ws });
    assert.equal(r.code, 10, `${JSON.stringify(bad)}: ${r.stderr}`);
    assert.equal(oneLine(r.stderr), `red-exec: undo refused: the journal of run ${id} names a path outside the workspace: ${JSON.stringify(bad)}`);
    assert.deepEqual(tree(ws), after);
  }
  fs.writeFileSync(file, journal);
  assert.equal((await runCli(['--undo'], { cwd: ws })).code, 0, 'the journal as written undoes');
});
