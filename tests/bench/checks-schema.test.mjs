// Both spellings of checks.json, ours and the original's, read and run; a check the scorer cannot
// read exactly as written is refused through the real `red-exec --score` process (exit 2, one line
// naming the check and the key); no check passes on a missing file but file_not_exists.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseChecks, scoreWorkspace, CHECK_TYPES } from '../../benchmarks/lib/checks.mjs';
import { OURS, ORIGINAL } from '../../benchmarks/lib/check-schema.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'npm/red-exec/bin/red-exec.js');
const SCORED = fileURLToPath(new URL('./fixtures/scored', import.meta.url));
const RETIRE = path.join(ROOT, 'benchmarks/multifile/formatter-retire');

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-schema-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function score(ws, checks, t, extra = []) {
  const file = path.join(tempDir(t), 'checks.json');
  fs.writeFileSync(file, typeof checks === 'string' ? checks : JSON.stringify(checks));
  return spawnSync(process.execPath, [BIN, '--score', '--workspace', ws, '--checks', file, ...extra], { cwd: ROOT, encoding: 'utf8' });
}

/** formatter-retire's workspace as the task wants it: the solution over the workspace, deleted files gone. */
function solvedRetire(t) {
  const ws = tempDir(t);
  fs.cpSync(path.join(RETIRE, 'workspace'), ws, { recursive: true });
  fs.cpSync(path.join(RETIRE, 'solution'), ws, { recursive: true });
  for (const gone of ['src/formatters/ini.js', 'src/formatters/xml.js']) fs.rmSync(path.join(ws, gone));
  return ws;
}

test('both tables cover the same eleven types', () => {
  assert.deepEqual(Object.keys(OURS).sort(), [...CHECK_TYPES].sort());
  assert.deepEqual(Object.keys(ORIGINAL).sort(), [...CHECK_TYPES].sort());
  assert.equal(CHECK_TYPES.length, 11);
});

test("a fixture whose checks.json is in the original's schema scores 14/14 when solved and 9/14 untouched, labelled by description, with ids", (t) => {
  const checks = JSON.parse(fs.readFileSync(path.join(RETIRE, 'checks.json'), 'utf8'));
  assert.ok(Array.isArray(checks) && checks.every((c) => 'path' in c && !('file' in c)), "the fixture is written in the original's schema");
  assert.deepEqual([...new Set(checks.map((c) => c.type))].sort(), [...CHECK_TYPES].sort(), 'it uses every type');

  const solved = score(solvedRetire(t), checks, t, ['--json']);
  assert.equal(solved.status, 0, solved.stdout + solved.stderr);
  const result = JSON.parse(solved.stdout);
  assert.equal(`${result.passed}/${result.total}`, '14/14');
  assert.deepEqual(result.results.map((r) => r.id), checks.map((c) => c.id));
  assert.deepEqual(result.results.map((r) => r.label), checks.map((c) => c.description));

  const untouched = score(path.join(RETIRE, 'workspace'), checks, t, ['--json']);
  assert.equal(untouched.status, 1);
  const failed = JSON.parse(untouched.stdout).results.filter((r) => !r.pass);
  assert.deepEqual(failed.map((r) => r.id), ['ini-deleted', 'xml-deleted', 'index-export-count', 'index-no-ini', 'index-no-xml']);
  assert.match(failed[2].detail, /has 6 exports/);
});

test("the original's runtime checks: typeof of each export, symbol_type, exports_count as loaded", (t) => {
  const checks = [
    { id: 'ok', type: 'runtime_exports', path: 'src/lib.js', exports: { add: 'function', twice: 'function' } },
    { id: 'typed-wrong', type: 'runtime_exports', path: 'src/lib.js', exports: { add: 'function', twice: 'string' } },
    { id: 'absent', type: 'runtime_exports', path: 'src/lib.js', exports: { thrice: 'function' } },
    { id: 'any-type', type: 'runtime_exports', path: 'src/esm.mjs', exports: { answer: null } },
    { id: 'sym', type: 'exports_symbol', path: 'src/esm.mjs', symbol: 'answer', symbol_type: 'number' },
    { id: 'sym-wrong', type: 'exports_symbol', path: 'src/esm.mjs', symbol: 'answer', symbol_type: 'function' },
    { id: 'count', type: 'exports_count', path: 'src/shape.ts', expected: 1 },
    { id: 'loads', type: 'runtime_load', path: 'src/shape.ts' },
  ];
  const r = score(SCORED, checks, t, ['--json']);
  const byId = Object.fromEntries(JSON.parse(r.stdout).results.map((x) => [x.id, x]));
  assert.equal(byId.ok.pass, true);
  assert.deepEqual([byId['typed-wrong'].pass, byId['typed-wrong'].detail], [false, 'twice is function, expected string']);
  assert.deepEqual([byId.absent.pass, byId.absent.detail], [false, 'missing at run time: thrice']);
  assert.equal(byId['any-type'].pass, true);
  assert.equal(byId.sym.pass, true);
  assert.deepEqual([byId['sym-wrong'].pass, byId['sym-wrong'].detail], [false, 'answer is number, expected function']);
  assert.equal(byId.count.pass, true, byId.count.detail);
  assert.equal(byId.loads.pass, true, byId.loads.detail);
});

test("regex flags: ours defaults to m, the original's has none (^ is the start of the file)", () => {
  const [ours, theirs, oursFlagless] = parseChecks([
    { type: 'content_match', file: 'src/lib.js', pattern: '^function add\\(' },
    { type: 'content_match', path: 'src/lib.js', pattern: '^function add\\(' },
    { type: 'content_match', file: 'src/lib.js', pattern: '^function add\\(', flags: '' },
  ]);
  const results = scoreWorkspace(SCORED, [ours, theirs, oursFlagless]).results.map((r) => r.pass);
  assert.deepEqual(results, [true, false, false]);
  const [absent] = parseChecks([{ type: 'content_absent', path: 'src/lib.js', pattern: "^'use strict'" }]);
  assert.equal(scoreWorkspace(SCORED, [absent]).results[0].pass, false, "the file's first line is matched by ^");
});

test('on a missing file only file_not_exists passes, in both schemas; content_absent passes there only with "missingOk": true', () => {
  const gone = 'src/gone.js';
  const args = {
    exports_symbol: { symbol: 'x' },
    content_match: { pattern: 'x' },
    content_absent: { pattern: 'x' },
    file_contains: { text: 'x' },
    runtime_exports: { symbols: ['x'] },
  };
  const originalArgs = { ...args, exports_count: { expected: 0 }, runtime_exports: { exports: { x: 'function' } } };
  const ours = CHECK_TYPES.map((type) => ({ type, file: gone, ...(type === 'exports_count' ? { count: 0 } : args[type]) }));
  const theirs = CHECK_TYPES.map((type) => ({ type, path: gone, ...originalArgs[type] }));
  for (const list of [ours, theirs]) {
    const { results } = scoreWorkspace(SCORED, parseChecks(list));
    assert.deepEqual(results.filter((r) => r.pass).map((r) => r.type), ['file_not_exists']);
    for (const r of results.filter((x) => !x.pass)) assert.match(r.detail, /src\/gone\.js does not exist/, r.type);
  }
  const [optIn] = parseChecks([{ type: 'content_absent', file: gone, pattern: 'x', missingOk: true }]);
  assert.equal(scoreWorkspace(SCORED, [optIn]).results[0].pass, true);
  assert.throws(() => parseChecks([{ type: 'content_absent', path: gone, pattern: 'x', missingOk: true }]), /unknown key "missingOk"/);
});

const refusals = [
  [[{ type: 'file_exists', path: 'a.js' }, { id: 'setup-exists', type: 'runtime_exports', path: 'a.js', file: 'a.js', exports: { f: 'function' } }], /^red-exec: --checks \S+: checks\[1\] \(id "setup-exists"\): has both "file" \(our schema\) and "path" \(the original's\): give one$/],
  [[{ id: 'x', type: 'runtime_exports', path: 'a.js', symbols: ['f'] }], /^red-exec: --checks \S+: checks\[0\] \(id "x"\): unknown key "symbols" for runtime_exports in the original's schema \(allowed: path, exports, id, description, tier\)$/],
  [[{ id: 'y', type: 'runtime_exports', path: 'a.js' }], /checks\[0\] \(id "y"\): missing required key "exports" for runtime_exports in the original's schema$/],
  [{ checks: [{ type: 'file_exists', file: 'a.js' }, { type: 'exports_symbol', file: 'a.js', name: 'n', sym: 'f' }] }, /checks\[1\]: unknown key "sym" for exports_symbol in our schema \(allowed: file, symbol, name\)$/],
  [[{ type: 'content_match', pattern: 'x' }], /checks\[0\]: missing required key "file" for content_match in our schema \(or "path" in the original's schema\)$/],
  [[{ id: 'z', type: 'exports_count', path: 'a.js', expected: '3' }], /checks\[0\] \(id "z"\): "expected" must be a whole number, got "3"$/],
  [[{ id: 't', type: 'exports_symbol', path: 'a.js', symbol: 'f', symbol_type: 'func' }], /checks\[0\] \(id "t"\): "symbol_type" must be one of undefined, object/],
  [[{ type: 'exports_count', file: 'a.js' }], /checks\[0\]: missing required key "count" for exports_count \(give count, min, max or several\)$/],
  [[{ id: 'q', type: 'smells_good', path: 'a.js' }], /checks\[0\] \(id "q"\): unknown type "smells_good" \(known: file_exists, /],
  [[{ path: 'a.js' }], /checks\[0\]: missing required key "type"$/],
  [['file_exists'], /checks\[0\]: a check must be a JSON object, got "file_exists"$/],
  [{ checks: [], version: 2 }, /unknown top-level key "version"/],
  ['[{"type": "file_exists",', /: not valid JSON: /],
];

test('a check that cannot be read as written is refused: exit 2, one line naming the check and the key, nothing scored', (t) => {
  for (const [checks, message] of refusals) {
    const r = score(SCORED, checks, t);
    assert.equal(r.status, 2, `${JSON.stringify(checks)}\n${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing scored');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], message);
  }
});

test('our schema still reads and runs as before, through the process', (t) => {
  const r = score(SCORED, { checks: [{ type: 'exports_symbol', file: 'src/lib.js', symbol: 'twice', name: 'lib exports twice' }, { type: 'runtime_load', file: 'src/lib.js', expr: 'm.twice(4)', equals: 8 }] }, t);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'PASS  lib exports twice\nPASS  runtime_load src/lib.js m.twice(4)\n2/2 checks passed\n');
});

test('a suite with a refused checks.json does not run: exit 2, the file and the check named', (t) => {
  const suite = tempDir(t);
  fs.cpSync(RETIRE, path.join(suite, 'formatter-retire'), { recursive: true });
  const file = path.join(suite, 'formatter-retire', 'checks.json');
  const checks = JSON.parse(fs.readFileSync(file, 'utf8'));
  checks[4].weight = 2;
  fs.writeFileSync(file, JSON.stringify(checks));
  const r = spawnSync(process.execPath, [BIN, '--benchmark', 'multifile', '--suite', suite, '--json'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `red-exec: ${file}: checks[4] (id "index-loads"): unknown key "weight" for runtime_load in the original's schema (allowed: path, id, description, tier)\n`);
});
