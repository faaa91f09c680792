// `red-exec --help` lists the benchmark commands and every flag of benchmarks/lib/cli.mjs's own
// option table, so a flag added there without a line in the help fails here.

import test from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OPTIONS } from '../../benchmarks/lib/cli.mjs';
import { BENCH_OPTIONS } from '../../npm/red-exec/lib/bench-commands.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'npm/red-exec/bin/red-exec.js');

test('--help has a BENCHMARKS section with the three commands and every flag cli.mjs parses', () => {
  const r = spawnSync(process.execPath, [BIN, '--help'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const start = r.stdout.indexOf('\nBENCHMARKS');
  assert.ok(start > 0, 'a BENCHMARKS section');
  const section = r.stdout.slice(start, r.stdout.indexOf('\n\n', start + 1));
  for (const command of ['--benchmark multifile|polyglot', '--score --workspace <dir> --checks <file>', '--compare']) {
    assert.ok(section.includes(`red-exec ${command}`), `usage of ${command}`);
  }
  assert.deepEqual(BENCH_OPTIONS.map((o) => o.name).sort(), Object.keys(OPTIONS).sort(), "the help's table is cli.mjs's");
  for (const o of BENCH_OPTIONS) {
    const boolean = OPTIONS[o.name].type === 'boolean';
    assert.equal(o.value === undefined, boolean, `--${o.name}: a value in the help exactly when cli.mjs takes one`);
    assert.match(section, new RegExp(`^  --${o.name}${o.value ? ` ${o.value.replace(/[|<>]/g, '\\$&')}` : ''}\\s+\\S`, 'm'), `--help lists --${o.name}`);
  }
});

test('--help --json carries the benchmark flags too', () => {
  const r = spawnSync(process.execPath, [BIN, '--help', '--json'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const h = JSON.parse(r.stdout);
  assert.deepEqual(h.benchmarkOptions.map((o) => o.flag.split(' ')[0]).sort(), Object.keys(OPTIONS).map((k) => `--${k}`).sort());
  assert.match(h.help, /^BENCHMARKS/m);
});
