// `red-exec --benchmark/--score/--compare` forwards to the benchmarks' own bin (red-exec-bench of
// benchmarks/package.json) without importing the benchmarks package: argv, output and exit code
// pass through unchanged, and the bin runs through a link as npm installs it in node_modules/.bin.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, makeTempDir, runCli, startProcess, REPO } from '../support/cli.mjs';

after(cleanup);

const BENCH_PKG = JSON.parse(fs.readFileSync(path.join(REPO, 'benchmarks/package.json'), 'utf8'));
const BENCH_BIN = path.join(REPO, 'benchmarks', BENCH_PKG.bin['red-exec-bench']);
const SCORED = path.join(REPO, 'tests/bench/fixtures/scored');

function checksFile(dir) {
  const file = path.join(dir, 'checks.json');
  fs.writeFileSync(file, JSON.stringify({ checks: [{ type: 'file_exists', file: 'src/lib.js', name: 'lib is there' }, { type: 'file_exists', file: 'src/nope.js', name: 'nope is there' }] }));
  return file;
}

test('the CLI never imports the benchmarks package: a hook that refuses it to red-exec, and --score still answers as the bin does', async () => {
  const dir = makeTempDir();
  // Refuses @codemaestro/benchmarks and any file of benchmarks/ to a module of npm/red-exec; the
  // benchmarks' own process (same NODE_OPTIONS) loads its modules as usual.
  fs.writeFileSync(
    path.join(dir, 'hooks.mjs'),
    'export async function resolve(specifier, context, next) {\n' +
      "  const fromCli = (context.parentURL ?? '').includes('/npm/red-exec/');\n" +
      "  const r = await next(specifier, context);\n" +
      "  if (fromCli && (specifier.startsWith('@codemaestro/benchmarks') || r.url.includes('/benchmarks/'))) throw Object.assign(new Error(`red-exec imported ${specifier}`), { code: 'ERR_MODULE_NOT_FOUND' });\n" +
      '  return r;\n}\n',
  );
  fs.writeFileSync(path.join(dir, 'guard.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
  const checks = checksFile(dir);
  const env = { NODE_OPTIONS: `--import=${path.join(dir, 'guard.mjs')}` };
  const args = ['--score', '--workspace', SCORED, '--checks', checks, '--json'];
  const viaCli = await runCli(args, { cwd: dir, env });
  const direct = await startProcess(process.execPath, [BENCH_BIN, ...args], { cwd: dir, env: { ...process.env, ...env } }).done;
  assert.equal(direct.code, 1, direct.stderr);
  assert.equal(viaCli.code, direct.code, viaCli.stderr);
  assert.equal(viaCli.stdout, direct.stdout);
  assert.equal(viaCli.stderr, direct.stderr);
  const score = JSON.parse(viaCli.stdout);
  assert.deepEqual(score.results.map((r) => r.pass), [true, false]);
});

test("a usage error of the bin is red-exec's answer: the same line on stderr, exit 2", async () => {
  const r = await runCli(['--score', '--json'], { cwd: makeTempDir() });
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'red-exec: --score needs --workspace DIR and --checks FILE\n');
});

test('red-exec-bench runs through a link, as npm links it into node_modules/.bin', async () => {
  const dir = makeTempDir();
  const link = path.join(dir, 'red-exec-bench');
  fs.symlinkSync(BENCH_BIN, link);
  const r = await startProcess(process.execPath, [link, '--score', '--workspace', SCORED, '--checks', checksFile(dir)], { cwd: dir }).done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /1\/2/);
});
