// The audit's load check: a file that loaded before a run and loads no more (it still imports a
// file the run deleted) is a bad write; a file that never loaded is not the agent's doing; loading
// happens in a throwaway copy, so a module's side effects never reach the workspace. End to end: a
// harness that deletes the retired formatters but leaves the index requiring one of them.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { snapshot, auditWrites, loadBaseline } from '../../benchmarks/lib/audit.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'npm/red-exec/bin/red-exec.js');
const RETIRE = path.join(ROOT, 'benchmarks/multifile/formatter-retire');

function tempDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-load-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(dir, files) {
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

test('a written file that imports a deleted one no longer loads: a bad write; one that never loaded is not', (t) => {
  const ws = tempDir(t);
  write(ws, {
    'src/helper.js': "'use strict';\nmodule.exports = { shout: (s) => s.toUpperCase() };\n",
    'src/main.js': "'use strict';\nconst { shout } = require('./helper');\nmodule.exports = { greet: (n) => shout(`hi ${n}`) };\n",
    'src/plugin.js': "'use strict';\nrequire('left-pad-that-is-not-installed');\nmodule.exports = { plugin: 1 };\n",
    'src/noisy.js': "'use strict';\nrequire('node:fs').writeFileSync(require('node:path').join(__dirname, 'side-effect.txt'), 'x');\nmodule.exports = { helper: require('./helper') };\n",
  });
  const scope = ['src/helper.js', 'src/main.js', 'src/plugin.js'];
  const loadedBefore = loadBaseline(ws, scope);
  assert.deepEqual([...loadedBefore].sort(), ['src/helper.js', 'src/main.js', 'src/noisy.js'], 'plugin.js never loaded; noisy.js names helper');
  assert.equal(fs.existsSync(path.join(ws, 'src/side-effect.txt')), false, 'loading ran in a copy');
  const before = snapshot(ws);

  fs.rmSync(path.join(ws, 'src/helper.js'));
  write(ws, {
    'src/main.js': "'use strict';\nconst { shout } = require('./helper');\n\nfunction greet(n) {\n  return shout(`hello ${n}`);\n}\n\nmodule.exports = { greet };\n",
    'src/plugin.js': "'use strict';\nrequire('left-pad-that-is-not-installed');\nmodule.exports = { plugin: 2 };\n",
  });
  const after = snapshot(ws);
  const bad = auditWrites({ before, after, scope, solutionDir: null, dir: ws, loadedBefore });
  assert.deepEqual(bad.map((b) => [b.path, b.why]), [
    ['src/main.js', 'no_longer_loads'],
    ['src/noisy.js', 'no_longer_loads'],
  ]);
  assert.match(bad[0].detail, /Cannot find module '\.\/helper'/);
  assert.equal(fs.existsSync(path.join(ws, 'src/side-effect.txt')), false);

  // Without the baseline the audit is what it was: static checks only.
  assert.deepEqual(auditWrites({ before, after, scope, solutionDir: null }), []);
});

test('end to end: a harness that deletes the formatters but leaves the index requiring one is scored and audited as a bad write', (t) => {
  const suite = tempDir(t);
  fs.cpSync(RETIRE, path.join(suite, 'formatter-retire'), { recursive: true });
  const harness = path.join(tempDir(t), 'half-done.js');
  // Deletes both files and takes the XML formatter out of the index, but forgets the INI one.
  fs.writeFileSync(
    harness,
    `const fs = require('node:fs');
const path = require('node:path');
const ws = process.argv[2];
fs.rmSync(path.join(ws, 'src/formatters/ini.js'));
fs.rmSync(path.join(ws, 'src/formatters/xml.js'));
const index = path.join(ws, 'src/formatters/index.js');
const text = fs.readFileSync(index, 'utf8')
  .replace("const { formatXml } = require('./xml');\\n", '')
  .replace('  xml: formatXml,\\n', '')
  .replace(', formatXml }', ' }');
fs.writeFileSync(index, text);
`,
  );
  const out = path.join(tempDir(t), 'results.json');
  const env = { ...process.env };
  delete env.RED_EXEC_BASE_URL;
  const r = spawnSync(process.execPath, [BIN, '--benchmark', 'multifile', '--suite', suite, '--harness', harness, '--out', out], { cwd: ROOT, encoding: 'utf8', env });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const item = JSON.parse(fs.readFileSync(out, 'utf8')).items[0];
  assert.deepEqual(item.badWrites.map((b) => [b.path, b.why]), [
    ['src/export.js', 'no_longer_loads'],
    ['src/formatters/index.js', 'no_longer_loads'],
  ]);
  assert.match(item.badWrites[1].detail, /Cannot find module '\.\/ini'/);
  assert.match(r.stdout, /bad write: formatter-retire src\/formatters\/index\.js no_longer_loads/);
  const failed = item.checks.filter((c) => !c.pass).map((c) => c.id);
  assert.ok(failed.includes('index-loads') && failed.includes('export-loads'), failed.join(', '));
});
