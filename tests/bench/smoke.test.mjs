// CI smoke: one fixture and one exercise through the real CLI, the runner and the reference model;
// one fixture under seeded chaos; --score and --compare. The full suites run with npm run bench.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'npm/red-exec/bin/red-exec.js');

function redExec(args) {
  const env = { ...process.env };
  delete env.RED_EXEC_BASE_URL; // always the reference model here
  env.RED_EXEC_RETRY_BASE_MS = '20'; // chaos 429/500 retries without the real back-off
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 });
}

function tempFile(t, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}

test('a multi-file fixture and an exercise pass every check through the CLI', (t) => {
  const multi = tempFile(t, 'multi.json');
  const r = redExec(['--benchmark', 'multifile', '--task', 'tool-consolidation', '--out', multi]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[tool-consolidation\] 13\/13 checks passed/);
  const results = JSON.parse(fs.readFileSync(multi, 'utf8'));
  const item = results.items[0];
  assert.equal(item.status, 'OK');
  // plan + the new tool + the index: the two deletes need no model call.
  assert.equal(item.calls, 3);
  assert.ok(item.tokens > 500, `tokens ${item.tokens}`);
  assert.deepEqual(item.badWrites, []);

  const poly = tempFile(t, 'poly.json');
  const p = redExec(['--benchmark', 'polyglot', '--exercise', 'luhn', '--out', poly]);
  assert.equal(p.status, 0, p.stdout + p.stderr);
  assert.match(p.stdout, /\[luhn\] 11\/11 checks passed/);
});

test('under chaos the run is repeatable and no bad write reaches disk', (t) => {
  const runs = [1, 2].map(() => {
    const out = tempFile(t, 'chaos.json');
    const r = redExec(['--benchmark', 'multifile', '--task', 'esm-cache-layer', '--chaos', '0.3', '--seed', '1', '--out', out]);
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    return JSON.parse(fs.readFileSync(out, 'utf8')).items[0];
  });
  assert.deepEqual(runs[0].chaosInjected, runs[1].chaosInjected);
  assert.ok(Object.keys(runs[0].chaosInjected).length > 0, 'seed 1 injects chaos into this fixture');
  assert.equal(runs[0].retries, runs[1].retries);
  assert.deepEqual(runs[0].badWrites, []);
});

test('--score scores a workspace; --compare prints a table; bad usage exits 2', (t) => {
  const fixture = path.join(ROOT, 'benchmarks/multifile/rename-rewire');
  const ws = path.dirname(tempFile(t, 'x'));
  fs.cpSync(path.join(fixture, 'workspace'), ws, { recursive: true });
  const before = redExec(['--score', '--workspace', ws, '--checks', path.join(fixture, 'checks.json')]);
  assert.equal(before.status, 1);
  assert.match(before.stdout, /^2\/15 checks passed$/m);
  fs.cpSync(path.join(fixture, 'solution'), ws, { recursive: true });
  fs.rmSync(path.join(ws, 'src/lib/strings.js'));
  const after = redExec(['--score', '--workspace', ws, '--checks', path.join(fixture, 'checks.json')]);
  assert.equal(after.status, 0, after.stdout);
  assert.match(after.stdout, /^15\/15 checks passed$/m);

  const baseline = path.join(ROOT, 'benchmarks/baselines/reference-multifile.json');
  const cmp = redExec(['--compare', '--results', baseline]);
  assert.equal(cmp.status, 0, cmp.stderr);
  assert.match(cmp.stdout, /reference-multifile: checks/);
  assert.match(cmp.stdout, /^rename-rewire\s+15\/15 .* 1\.00x/m);

  assert.equal(redExec(['--benchmark', 'everything']).status, 2);
  assert.equal(redExec(['--benchmark', 'multifile', '--task', 'no-such-fixture']).status, 1);
});
