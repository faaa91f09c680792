// The fixture in which the plan deletes files and drops their exports from an index
// (formatter-retire, its checks in the original's schema), end to end through the real CLI with
// the reference model: every check passes, nothing bad reaches disk, and the plan the model sent
// carries the exports and dropExports the L1 prompt asks for.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'npm/red-exec/bin/red-exec.js');

test('red-exec --benchmark multifile --task formatter-retire passes 14/14 with the reference model', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-retire-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'results.json');
  const env = { ...process.env };
  delete env.RED_EXEC_BASE_URL;
  const r = spawnSync(process.execPath, [BIN, '--benchmark', 'multifile', '--task', 'formatter-retire', '--keep', '--out', out], { cwd: ROOT, encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\[formatter-retire\] 14\/14 checks passed$/m);
  const item = JSON.parse(fs.readFileSync(out, 'utf8')).items[0];
  t.after(() => fs.rmSync(item.workspace, { recursive: true, force: true }));
  assert.equal(item.status, 'OK');
  assert.deepEqual(item.badWrites, []);
  assert.equal(item.calls, 2, 'the plan and the index: deletes need no model call');
  assert.equal(fs.existsSync(path.join(item.workspace, 'src/formatters/ini.js')), false);

  const logs = path.join(item.workspace, '.red-exec-logs');
  const run = fs.readFileSync(path.join(logs, 'last-run'), 'utf8').trim();
  const events = fs.readFileSync(path.join(logs, run, 'events.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const answer = JSON.parse(events.find((e) => e.kind === 'model_response' && e.id === events.find((q) => q.kind === 'model_request' && q.stage === 'L1').id).text);
  const index = answer.actions.find((a) => a.path === 'src/formatters/index.js');
  assert.deepEqual(index.dropExports, ['formatIni', 'formatXml']);
  assert.deepEqual(index.exports, ['format', 'formats', 'formatJson', 'formatCsv']);
  assert.deepEqual(answer.actions.filter((a) => a.action === 'DELETE').map((a) => a.path).sort(), ['src/formatters/ini.js', 'src/formatters/xml.js']);
});
