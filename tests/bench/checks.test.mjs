// Every check type passes on a file that meets it and fails on one that does not; the audit
// names out-of-scope and destructive writes.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKS, CHECK_TYPES, parseChecks, scoreWorkspace } from '../../benchmarks/lib/checks.mjs';
import { snapshot, auditWrites } from '../../benchmarks/lib/audit.mjs';

const SCORED = fileURLToPath(new URL('./fixtures/scored', import.meta.url));

function copyOfScored(t) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-checks-'));
  fs.cpSync(SCORED, ws, { recursive: true });
  t.after(() => fs.rmSync(ws, { recursive: true, force: true }));
  return ws;
}

test('the eleven published check types are all there', () => {
  assert.deepEqual(CHECK_TYPES.sort(), [
    'content_absent', 'content_match', 'exports_count', 'exports_symbol', 'file_contains', 'file_exists',
    'file_not_exists', 'node_compiles', 'runtime_exports', 'runtime_load', 'valid_json',
  ]);
  assert.throws(() => parseChecks('[{"type":"smells_good"}]'), /unknown type "smells_good"/);
});

const cases = [
  [{ type: 'file_exists', file: 'src/lib.js' }, { type: 'file_exists', file: 'src/nope.js' }],
  [{ type: 'file_not_exists', file: 'src/nope.js' }, { type: 'file_not_exists', file: 'src/lib.js' }],
  [{ type: 'node_compiles', file: 'src/esm.mjs' }, { type: 'node_compiles', file: 'src/broken.js' }],
  [{ type: 'node_compiles', file: 'src/shape.ts' }, { type: 'node_compiles', file: 'src/broken.ts' }],
  [{ type: 'valid_json', file: 'data.json' }, { type: 'valid_json', file: 'src/lib.js' }],
  [{ type: 'exports_symbol', file: 'src/lib.js', symbol: 'twice' }, { type: 'exports_symbol', file: 'src/lib.js', symbol: 'thrice' }],
  [{ type: 'exports_symbol', file: 'src/shape.ts', symbol: 'square' }, { type: 'exports_symbol', file: 'src/shape.ts', symbol: 'Shape' }],
  [{ type: 'exports_count', file: 'src/esm.mjs', count: 2 }, { type: 'exports_count', file: 'src/lib.js', count: 3 }],
  [{ type: 'content_match', file: 'src/lib.js', pattern: '^function add\\(' }, { type: 'content_match', file: 'src/lib.js', pattern: 'subtract' }],
  [{ type: 'content_absent', file: 'src/lib.js', pattern: 'subtract' }, { type: 'content_absent', file: 'src/lib.js', pattern: 'add\\(x' }],
  [{ type: 'file_contains', file: 'src/lib.js', text: "'use strict';" }, { type: 'file_contains', file: 'src/lib.js', text: 'use sloppy' }],
  [{ type: 'runtime_load', file: 'src/lib.js', expr: 'm.twice(21)', equals: 42 }, { type: 'runtime_load', file: 'src/lib.js', expr: 'm.twice(2)', equals: 5 }],
  [{ type: 'runtime_load', file: 'src/esm.mjs', expr: 'm.later()', equals: 43 }, { type: 'runtime_load', file: 'src/broken.js' }],
  [{ type: 'runtime_load', file: 'src/shape.ts', expr: 'm.square(3).area()', equals: 9 }, { type: 'runtime_load', file: 'src/shape.ts', expr: 'm.square(3).area()', equals: 6 }],
  [{ type: 'runtime_exports', file: 'src/lib.js', symbols: ['add', 'twice'] }, { type: 'runtime_exports', file: 'src/esm.mjs', symbols: ['answer', 'sooner'] }],
];

test('each check passes on a file that meets it and fails on one that does not', (t) => {
  const ws = copyOfScored(t);
  fs.writeFileSync(path.join(ws, 'src/broken.js'), 'function (\n');
  fs.writeFileSync(path.join(ws, 'src/broken.ts'), 'export const x: = 1;\n');
  for (const [good, bad] of cases) {
    assert.deepEqual(CHECKS[good.type](ws, good), { pass: true }, JSON.stringify(good));
    const failed = CHECKS[bad.type](ws, bad);
    assert.equal(failed.pass, false, JSON.stringify(bad));
    assert.equal(typeof failed.detail, 'string', JSON.stringify(bad));
  }
  assert.match(CHECKS.runtime_load(ws, cases[11][1]).detail, /^got 4, want 5$/);
});

test('scoreWorkspace counts and labels', (t) => {
  const ws = copyOfScored(t);
  const score = scoreWorkspace(ws, cases.map(([good]) => good).concat([cases[0][1]]));
  assert.equal(score.total, cases.length + 1);
  assert.equal(score.passed, cases.length);
  assert.equal(score.results.at(-1).label, 'file_exists src/nope.js');
});

test('the audit names out-of-scope, broken and destructive writes, and ignores run logs', (t) => {
  const ws = copyOfScored(t);
  const before = snapshot(ws);
  fs.writeFileSync(path.join(ws, 'src/lib.js'), "'use strict';\nfunction twice(x) {\n  return x * 2;\n}\nmodule.exports = { twice };\n");
  fs.writeFileSync(path.join(ws, 'src/esm.mjs'), 'export const answer = ;\n');
  fs.writeFileSync(path.join(ws, 'src/extra.js'), 'module.exports = {};\n');
  fs.mkdirSync(path.join(ws, '.red-exec-logs/run1'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.red-exec-logs/run1/events.jsonl'), '{}\n');
  const bad = auditWrites({ before, after: snapshot(ws), scope: ['src/lib.js', 'src/esm.mjs'], solutionDir: null });
  assert.deepEqual(bad.map((b) => [b.path, b.why]), [
    ['src/esm.mjs', 'syntax'],
    ['src/extra.js', 'out_of_scope'],
    ['src/lib.js', 'export_lost'],
  ]);
  fs.writeFileSync(path.join(ws, 'src/lib.js'), "'use strict';\nconst add = (a, b) => a + b;\nmodule.exports = { add, twice: (x) => x + x };\n");
  const lost = auditWrites({ before, after: snapshot(ws), scope: ['src/lib.js'], solutionDir: null }).find((b) => b.path === 'src/lib.js');
  assert.deepEqual(lost, { path: 'src/lib.js', why: 'declaration_lost', detail: 'twice' });
});
