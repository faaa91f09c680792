// Compare-and-swap: a file someone else changes while the run works (while the model answers, or
// while the --verify command runs) is never written, deleted or restored over. The run stops with
// exit 11 (FAILED (conflict)), the other changes of the plan are taken back, the user's version
// stays, and what the run would have written is kept under .red-exec-logs/<run-id>/conflicts/.
// The loopback model server makes the "user's" edit itself while it answers a generation call, so
// the edit lands while the call is in flight, every time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { useModelServer, makeWorkspace, runCli, lastRunLog, fenced, planJson, LOG_DIR } from '../support/cli.mjs';

const server = useModelServer();

const SUM_RIGHT = `// Adds two numbers.
function sum(a, b) {
  return a + b;
}

module.exports = { sum };
`;
const EXTRA = 'module.exports = function double(x) {\n  return x * 2;\n};\n';
const USERS = '// the user was typing here\nmodule.exports = { mine: true };\n';
const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');
const exists = (ws, rel) => fs.existsSync(path.join(ws, rel));
const sha = (text) => crypto.createHash('sha256').update(text).digest('hex');

/** Answer `code` for the unit, after `edit()` changed the workspace: the edit lands mid-call. */
function answerAfter(edit, code) {
  server.dynamic(() => {
    edit();
    return fenced(code);
  });
}

/** The journal's records; no record may find a file other than its path's last known state without a backup. */
function journalHoldsEveryVersion(ws) {
  const { id } = lastRunLog(ws);
  const records = fs.readFileSync(path.join(ws, LOG_DIR, id, 'journal.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const last = new Map();
  for (const r of records.filter((x) => x.op === 'write' || x.op === 'delete')) {
    if (last.has(r.path)) {
      assert.equal(r.sha256Before, last.get(r.path), `${r.path}: a record over a state the run did not leave (and no backup of it)`);
    }
    last.set(r.path, r.sha256After);
  }
  return records;
}

test('a file edited while the model answers is not overwritten: exit 11, the user\'s text kept, the run\'s in conflicts/', async () => {
  const ws = makeWorkspace('calc-lib');
  const original = read(ws, 'src/sum.js');
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }]));
  answerAfter(() => fs.writeFileSync(path.join(ws, 'src/sum.js'), USERS), SUM_RIGHT);
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 11, r.stderr + r.stdout);
  assert.match(r.stdout, /Status:\s+FAILED \(conflict\)/);
  assert.equal(read(ws, 'src/sum.js'), USERS);
  const { id } = lastRunLog(ws);
  assert.equal(read(ws, `${LOG_DIR}/${id}/conflicts/src/sum.js`), SUM_RIGHT);
  // One line, naming the file and where the run's version is.
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], new RegExp(`^red-exec: src/sum\\.js changed on disk during the run and was left as it is: expected ${Buffer.byteLength(original)} bytes \\(sha256 ${sha(original).slice(0, 12)}\\), found ${Buffer.byteLength(USERS)} bytes \\(sha256 ${sha(USERS).slice(0, 12)}\\); what the run would have written is kept in \\.red-exec-logs/${id}/conflicts/src/sum\\.js \\[conflict\\]$`));
  // Refused before it began: not even journaled, so --undo has nothing to take back.
  assert.deepEqual(journalHoldsEveryVersion(ws), []);
  const undo = await runCli(['--undo'], { cwd: ws });
  assert.equal(undo.code, 0, undo.stderr);
  assert.equal(read(ws, 'src/sum.js'), USERS);
});

test('the plan\'s other changes are taken back when one file conflicts; --json says conflict', async () => {
  const ws = makeWorkspace('calc-lib');
  const legacy = read(ws, 'src/legacy.js');
  const original = read(ws, 'src/sum.js');
  server.answer(planJson([
    { path: 'src/legacy.js', action: 'DELETE', intent: 'unused' },
    { path: 'src/sum.js', action: 'MODIFY', intent: 'fix' },
    { path: 'src/extra.js', action: 'CREATE', intent: 'double()' },
  ]));
  server.answer(fenced(SUM_RIGHT));
  // The new file appears while its own answer is on the way: a CREATE target that appears.
  answerAfter(() => fs.writeFileSync(path.join(ws, 'src/extra.js'), USERS), EXTRA);
  const r = await runCli(['Fix sum, add extra.js, drop legacy.js', '--files', 'src/sum.js,src/extra.js,src/legacy.js', '--json', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 11, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.equal(result.status, 'FAILED');
  assert.equal(result.error.code, 'conflict');
  assert.match(result.error.message, /^src\/extra\.js changed on disk during the run and was left as it is: expected no file, found/);
  assert.match(result.error.message, /the 2 change\(s\) made before it were rolled back$/);
  assert.equal(read(ws, 'src/extra.js'), USERS);
  assert.equal(read(ws, 'src/sum.js'), original);
  assert.equal(read(ws, 'src/legacy.js'), legacy);
  assert.equal(read(ws, `${LOG_DIR}/${result.runId}/conflicts/src/extra.js`), EXTRA);
  journalHoldsEveryVersion(ws);
});

test('a delete target changed during the run is not deleted', async () => {
  const ws = makeWorkspace('calc-lib');
  const original = read(ws, 'src/sum.js');
  server.answer(planJson([
    { path: 'src/sum.js', action: 'MODIFY', intent: 'fix' },
    { path: 'src/legacy.js', action: 'DELETE', intent: 'unused' },
  ]));
  answerAfter(() => fs.appendFileSync(path.join(ws, 'src/legacy.js'), '// still needed, says the user\n'), SUM_RIGHT);
  const r = await runCli(['Fix sum, drop legacy.js', '--files', 'src/sum.js,src/legacy.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 11, r.stderr + r.stdout);
  assert.match(r.stderr, /^red-exec: src\/legacy\.js changed on disk during the run and was left as it is: expected \d+ bytes/);
  assert.match(read(ws, 'src/legacy.js'), /still needed, says the user/);
  assert.equal(read(ws, 'src/sum.js'), original);
});

test('a file the check edits is not restored over: both versions kept, the other files restored', async () => {
  const ws = makeWorkspace('calc-lib');
  const original = read(ws, 'src/sum.js');
  const legacy = read(ws, 'src/legacy.js');
  server.answer(planJson([
    { path: 'src/sum.js', action: 'MODIFY', intent: 'fix' },
    { path: 'src/extra.js', action: 'CREATE', intent: 'double()' },
    { path: 'src/legacy.js', action: 'DELETE', intent: 'unused' },
  ]));
  server.answer(fenced(SUM_RIGHT)).answer(fenced(EXTRA));
  // The check itself changes a file the run wrote, then fails.
  const check = "sh -c 'echo \"// the check was here\" >> src/sum.js; exit 1'";
  const r = await runCli(['Fix sum, add extra.js, drop legacy.js', '--files', 'src/sum.js,src/extra.js,src/legacy.js', '--verify', check, '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 11, r.stderr + r.stdout);
  assert.match(r.stdout, /Status:\s+FAILED \(conflict\)/);
  const { id } = lastRunLog(ws);
  assert.match(r.stderr, new RegExp(`^red-exec: changed on disk after the run wrote it, so not restored \\(left as they are now\\): src/sum\\.js \\(expected .*\\); the version from before the run is kept in \\.red-exec-logs/${id}/conflicts/src/sum\\.js\\); every other change was taken back \\[conflict\\]\\n$`));
  // The check's edit survives, and the original exists too.
  assert.equal(read(ws, 'src/sum.js'), `${SUM_RIGHT}// the check was here\n`);
  assert.equal(read(ws, `${LOG_DIR}/${id}/conflicts/src/sum.js`), original);
  assert.equal(read(ws, `${LOG_DIR}/${id}/backup/src/sum.js`), original);
  // Every other change taken back; no retry round was started.
  assert.equal(exists(ws, 'src/extra.js'), false);
  assert.equal(read(ws, 'src/legacy.js'), legacy);
  assert.equal(server.requests.length, 3);
  journalHoldsEveryVersion(ws);
  // --undo sees the file changed since the run and refuses without --force.
  const undo = await runCli(['--undo'], { cwd: ws });
  assert.equal(undo.code, 10, undo.stderr);
  assert.match(undo.stderr, /changed since run .*: src\/sum\.js/);
});

test('a file deleted by hand while the model answers is not brought back', async () => {
  const ws = makeWorkspace('calc-lib');
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }]));
  answerAfter(() => fs.rmSync(path.join(ws, 'src/sum.js')), SUM_RIGHT);
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 11, r.stderr + r.stdout);
  assert.match(r.stderr, /expected \d+ bytes \(sha256 [0-9a-f]{12}\), found no file/);
  assert.equal(exists(ws, 'src/sum.js'), false);
});

test('journal: a change recorded and then refused is marked failed and is no change for --undo', async () => {
  const { openJournal, readJournal } = await import('../../npm/red-exec/lib/backup.js');
  const ws = makeWorkspace('calc-lib');
  const runDir = path.join(ws, LOG_DIR, 'r1');
  fs.mkdirSync(runDir, { recursive: true });
  const root = fs.realpathSync(ws);
  const journal = openJournal(runDir, root);
  const target = path.join(root, 'src/sum.js');
  const bytes = fs.readFileSync(target);
  const seq = journal.beginWrite({ target, text: SUM_RIGHT, tmp: `${target}.tmp`, dirs: [], before: bytes });
  journal.failed(seq, 'conflict');
  assert.equal(journal.keepConflict('src/sum.js', SUM_RIGHT), 'conflicts/src/sum.js');
  journal.close();
  const back = readJournal(runDir);
  assert.equal(back.damaged, null);
  assert.deepEqual(back.changes, []);
  assert.equal(read(ws, `${LOG_DIR}/r1/conflicts/src/sum.js`), SUM_RIGHT);
  assert.equal(read(ws, `${LOG_DIR}/r1/backup/src/sum.js`), bytes.toString());
});
