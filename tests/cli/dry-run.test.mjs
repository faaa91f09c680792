// --dry-run: the run happens in a temporary copy; the workspace's files stay byte for byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, lastRunLog, fenced, planJson } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH, HEALTH_MODULE } from '../support/answers.mjs';

const server = useModelServer();

const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');

function scriptModifyAndCreate() {
  server.answer(
    planJson([
      { path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' },
      { path: 'src/health.js', action: 'CREATE', intent: 'health() helper' },
    ]),
  );
  const byPath = { 'src/server.js': SERVER_WITH_HEALTH, 'src/health.js': HEALTH_MODULE };
  server.dynamic((req) => fenced(byPath[req.marker.path])).dynamic((req) => fenced(byPath[req.marker.path]));
}

test('--dry-run prints the diffs, leaves every file as it was, and removes its copy', async () => {
  const ws = makeWorkspace();
  const tmp = makeTempDir();
  const before = snapshot(ws);
  scriptModifyAndCreate();

  const r = await runCli(
    ['Add /health using a new src/health.js', '--files', 'src/server.js,src/health.js', '--read', 'src/greet.js', '--base-url', server.baseUrl, '--dry-run', '--report'],
    { cwd: ws, env: { TMPDIR: tmp } },
  );

  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(snapshot(ws), before, 'no byte of the workspace changed');
  assert.equal(fs.existsSync(path.join(ws, 'src', 'health.js')), false);
  assert.deepEqual(fs.readdirSync(tmp), [], 'the temporary copy is gone');

  // The report, then both diffs (--diff is implied), then the dry-run note.
  assert.match(r.stdout, /^=== Run Report ===\nStatus:\s+OK\n/);
  assert.match(r.stdout, /^Files:\s+2 written, 0 deleted, 0 blocked$/m);
  assert.match(r.stdout, /^--- a\/src\/server\.js\n\+\+\+ b\/src\/server\.js$/m);
  assert.match(r.stdout, /^\+  'GET \/health': /m);
  assert.match(r.stdout, /^--- \/dev\/null\n\+\+\+ b\/src\/health\.js$/m);
  assert.match(r.stdout, /^\+function health\(\) \{$/m);
  assert.ok(r.stdout.endsWith('\nDry run: no file in the workspace was changed; the diffs show what the run would write.\n'), r.stdout);

  // The copy held what the run needed: the file to modify and the read-only context.
  const l3 = server.requests.find((q) => q.marker?.path === 'src/server.js');
  const prompt = JSON.stringify(l3.body.messages);
  assert.ok(prompt.includes("'GET /greet': (req, res) => send(res, 200, { message: greet('visitor') })"), 'the current server.js');
  assert.ok(prompt.includes('return `Hello, ${name}!`;'), 'greet.js as read-only context');

  // Logs and the report still go to the workspace, and say what happened.
  const log = lastRunLog(ws);
  assert.deepEqual(log.events.filter((e) => e.kind === 'write').map((e) => e.path).sort(), ['src/health.js', 'src/server.js']);
  assert.equal(log.events.find((e) => e.kind === 'host_start').cli.dryRun, true);
  const md = read(ws, '.red-exec-logs/report.md');
  assert.match(md, /^\*\*Dry run\*\*: every change below was made in a temporary copy/m);
  assert.match(md, /^- `src\/health\.js` \(CREATE, written, \+9 -0\)$/m);
});

test('--dry-run --json: the result holds the diffs; nothing changes on disk', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  const tmp = makeTempDir();
  scriptModifyAndCreate();

  const r = await runCli(['Add /health', '--files', 'src/server.js', 'src/health.js', '--base-url', server.baseUrl, '--dry-run', '--json'], {
    cwd: ws,
    env: { TMPDIR: tmp },
  });

  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(result.files.map((f) => [f.path, f.outcome]), [['src/server.js', 'written'], ['src/health.js', 'written']]);
  assert.match(result.files[1].diff, /^--- \/dev\/null\n\+\+\+ b\/src\/health\.js\n/);
  assert.deepEqual(snapshot(ws), before);
  assert.deepEqual(fs.readdirSync(tmp), []);
});
