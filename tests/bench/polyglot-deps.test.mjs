// The polyglot runner runs an exercise the way its package.json says: its own dependencies
// (Jest 29 + Babel) from the dependency cache, `npm test`, pass = exit 0, skipped tests not
// failures, and what cannot run for a reason outside the agent counted apart.
// npm runs offline here (npm_config_offline): the packages come from npm's cache, which
// scripts/setup.sh fills (`node benchmarks/lib/deps.mjs --seed`); no test reaches a registry.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'npm/red-exec/bin/red-exec.js');
const POLYGLOT = path.join(ROOT, 'benchmarks/polyglot');
const OURS = ['bounded-queue', 'duration-parser', 'iso-week'];

function tempDir(t, prefix = 'bench-deps-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function redExec(args, extraEnv = {}) {
  const env = { ...process.env, npm_config_offline: 'true', ...extraEnv };
  delete env.RED_EXEC_BASE_URL; // always the reference model here
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env, timeout: 300_000 });
}

// One dependency cache for the runs that share our exercises' set (the first test shows it installed once).
const sharedCache = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-deps-cache-'));
test.after(() => fs.rmSync(sharedCache, { recursive: true, force: true }));

const readResults = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const byName = (results) => Object.fromEntries(results.items.map((i) => [i.name, i]));

test('our ES-module exercises pass under their own Jest 29 + Babel; one install serves all three; skipped and todo tests are not failures', (t) => {
  const cache = sharedCache;
  const out = path.join(tempDir(t), 'poly.json');
  const args = ['--benchmark', 'polyglot', ...OURS.flatMap((e) => ['--exercise', e]), '--jobs', '2', '--deps-cache', cache, '--out', out];
  const r = redExec([...args, '--keep']);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^\[duration-parser\] 5\/5 checks passed \(tests: 5 passed, 0 failed, 1 skipped\)$/m);
  assert.match(r.stdout, /^\[bounded-queue\] 4\/4 checks passed \(tests: 4 passed, 0 failed, 1 skipped\)$/m);
  assert.match(r.stdout, /^\[iso-week\] 12\/12 checks passed \(tests: 12 passed, 0 failed, 0 skipped, 1 todo\)$/m);
  const results = readResults(out);
  assert.equal(results.depsCache, cache);
  const items = byName(results);
  for (const name of OURS) {
    const item = items[name];
    t.after(() => fs.rmSync(item.workspace, { recursive: true, force: true }));
    assert.equal(item.status, 'OK', name);
    assert.equal(item.testExitCode, 0, name);
    assert.deepEqual(item.badWrites, [], name);
    // The link into the cache is gone once the tests ran: the kept workspace is the agent's work only.
    assert.equal(fs.existsSync(path.join(item.workspace, 'node_modules')), false, name);
  }
  // One dependency set, installed once for the three of them, into the cache named on the command line.
  const keys = new Set(OURS.map((n) => items[n].deps.key));
  assert.equal(keys.size, 1);
  assert.equal(OURS.filter((n) => items[n].deps.installed).length, 1);
  assert.deepEqual(fs.readdirSync(cache), [...keys]);
  assert.match(fs.readFileSync(path.join(cache, [...keys][0], 'node_modules/jest/package.json'), 'utf8'), /"version": "29\.7\.0"/);

  // The next run finds it there.
  const again = redExec(['--benchmark', 'polyglot', '--exercise', 'iso-week', '--deps-cache', cache, '--out', out]);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.equal(readResults(out).items[0].deps.installed, false);
});

/** An exercise folder the original's way (Exercism's files beside TASK.md and FILES.txt), from one of ours. */
function exercismCopy(from, to, edit = {}) {
  fs.cpSync(path.join(POLYGLOT, from), to, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(to, 'package.json'), 'utf8'));
  pkg.name = `@exercism/javascript-${from}`;
  pkg.dependencies = {};
  pkg.scripts = { test: 'jest ./*', watch: 'jest --watch ./*', lint: 'eslint .' };
  fs.writeFileSync(path.join(to, 'package.json'), JSON.stringify({ ...pkg, ...edit }, null, 2));
  fs.mkdirSync(path.join(to, '.meta'));
  fs.copyFileSync(path.join(to, 'solution', `${from}.js`), path.join(to, '.meta', 'proof.ci.js'));
  fs.writeFileSync(path.join(to, '.meta', 'config.json'), JSON.stringify({ files: { solution: [`${from}.js`], test: [`${from}.spec.js`] } }));
}

test('a suite laid out the original way runs; data it does not ship, no test script and no spec are "cannot run", apart from failures', (t) => {
  const cache = sharedCache;
  const suite = path.join(tempDir(t), 'polyglot', 'exercises', 'javascript');
  fs.mkdirSync(suite, { recursive: true });
  exercismCopy('duration-parser', path.join(suite, 'duration-parser'));
  // The spec loads a table the suite does not ship and FILES.txt does not ask for.
  exercismCopy('bounded-queue', path.join(suite, 'needs-data'));
  const spec = path.join(suite, 'needs-data', 'bounded-queue.spec.js');
  fs.writeFileSync(spec, `import sizes from './sizes.json';\n${fs.readFileSync(spec, 'utf8')}`);
  // Its package.json names the dependencies but no way to run them.
  exercismCopy('iso-week', path.join(suite, 'no-script'), { scripts: { lint: 'eslint .' } });
  // Published with its task only.
  fs.mkdirSync(path.join(suite, 'task-only'));
  fs.writeFileSync(path.join(suite, 'task-only', 'TASK.md'), 'Implement it.\n');
  fs.writeFileSync(path.join(suite, 'task-only', 'FILES.txt'), 'task-only.js\n');

  const out = path.join(tempDir(t), 'poly.json');
  // Named by its top folder, as the original's README names it.
  const r = redExec(['--benchmark', 'polyglot', '--suite', path.dirname(path.dirname(suite)), '--deps-cache', cache, '--out', out]);
  assert.equal(r.status, 1, 'not everything could be measured');
  assert.match(r.stdout, /^\[duration-parser\] 5\/5 checks passed \(tests: 5 passed, 0 failed, 1 skipped\)$/m);
  assert.match(r.stdout, /^\[needs-data\] cannot run: the tests need "sizes\.json", which the suite does not ship$/m);
  assert.match(r.stdout, /^\[task-only\] cannot run: the suite ships no test file \(\*\.spec\.js\) for it$/m);
  assert.match(r.stdout, /^Checks: {3}5\/5 passed \(100\.0%\)$/m);
  assert.match(r.stdout, /^\[no-script\] cannot run: its package.json has no test script$/m);
  assert.match(r.stdout, /^Cannot run: 3 /m);
  const results = readResults(out);
  assert.equal(results.totals.cannotRun, 3);
  const items = byName(results);
  assert.equal(items['needs-data'].status, 'OK', 'the agent did its part');
  assert.deepEqual(items['needs-data'].badWrites, []);
  assert.equal(items['task-only'].calls, undefined, 'no model call for what cannot be scored');
});

test('an exercise whose dependencies cannot be installed is "cannot run", not a failure, and costs no model call', (t) => {
  const suite = tempDir(t);
  exercismCopy('iso-week', path.join(suite, 'iso-week'));
  fs.cpSync(path.join(POLYGLOT, 'luhn'), path.join(suite, 'luhn'), { recursive: true });
  const out = path.join(tempDir(t), 'poly.json');
  // Offline with an empty npm cache: no install can work.
  const r = redExec(['--benchmark', 'polyglot', '--suite', suite, '--deps-cache', tempDir(t), '--out', out], { npm_config_cache: tempDir(t) });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^\[iso-week\] cannot run: npm install of its dependencies failed \(exit \d+\): ENOTCACHED/m);
  assert.match(r.stdout, /^\[luhn\] 11\/11 checks passed/m);
  assert.match(r.stdout, /^Checks: {3}11\/11 passed/m);
  const items = byName(readResults(out));
  assert.equal(items['iso-week'].passed, 0);
  assert.equal(items['iso-week'].total, 0);
  assert.equal(items['iso-week'].calls, undefined);
});

test('two processes seeding the same dependency set: one installs, the other waits for it', (t) => {
  const suite = tempDir(t);
  // A one-package set npm's cache already holds (our exercises' core-js), so this installs offline.
  for (const name of ['a', 'b']) {
    fs.mkdirSync(path.join(suite, name));
    fs.writeFileSync(path.join(suite, name, 'package.json'), JSON.stringify({ name, devDependencies: { 'core-js': '3.45.1' }, scripts: { test: 'jest' } }));
  }
  const cache = tempDir(t);
  const script = [
    "const { spawn } = require('node:child_process');",
    'const run = () => new Promise((done) => {',
    "  const c = spawn(process.execPath, [process.argv[1], '--seed', process.argv[2], '--deps-cache', process.argv[3]], { stdio: ['ignore', 'pipe', 'inherit'] });",
    "  let out = ''; c.stdout.on('data', (d) => (out += d)); c.on('close', (code) => done({ code, out }));",
    '});',
    'Promise.all([run(), run()]).then((r) => console.log(JSON.stringify(r)));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['-e', script, path.join(ROOT, 'benchmarks/lib/deps.mjs'), suite, cache], { encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' }, timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const runs = JSON.parse(r.stdout);
  assert.deepEqual(runs.map((x) => x.code), [0, 0], JSON.stringify(runs));
  const said = runs.map((x) => x.out.split('\n')[0].replace(/^a: \w+ /, '').replace(/ in [\d.]+s$/, '')).sort();
  assert.deepEqual(said, ['cached', 'installed'], JSON.stringify(runs));
  // Within one process the second exercise shares the first one's install.
  for (const x of runs) assert.match(x.out, /^b: \w+ same set as above$/m);
  assert.equal(fs.readdirSync(cache).length, 1, `no lock or half-made folder left: ${fs.readdirSync(cache)}`);
});

test('the cache key: a lockfile\'s resolved tree (not its root name), else the dependency fields in any order', async (t) => {
  const { readExercisePackage, depsKey } = await import('../../benchmarks/lib/deps.mjs');
  const dir = tempDir(t);
  const exercise = (name, pkg, lock) => {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'package.json'), JSON.stringify(pkg));
    if (lock) fs.writeFileSync(path.join(dir, name, 'package-lock.json'), JSON.stringify(lock));
    return depsKey(readExercisePackage(path.join(dir, name)));
  };
  const lock = (name, version) => ({ name, lockfileVersion: 3, packages: { '': { name, devDependencies: { x: '1.0.0' } }, 'node_modules/x': { version } } });
  assert.equal(exercise('one', { name: 'one', devDependencies: { x: '1.0.0' } }, lock('one', '1.0.0')), exercise('two', { name: 'two', devDependencies: { x: '1.0.0' } }, lock('two', '1.0.0')));
  assert.notEqual(exercise('three', { name: 'three' }, lock('three', '1.0.0')), exercise('four', { name: 'four' }, lock('four', '1.0.1')));
  assert.equal(exercise('five', { devDependencies: { a: '1', b: '2' } }), exercise('six', { name: 'six', dependencies: {}, devDependencies: { b: '2', a: '1' } }));
  assert.notEqual(exercise('seven', { devDependencies: { a: '1' } }), exercise('eight', { dependencies: { a: '1' } }));
});

test("an agent that rewrites the workspace's test script is scored by the suite's", (t) => {
  const dir = tempDir(t);
  const harness = path.join(dir, 'cheat.js');
  fs.writeFileSync(
    harness,
    "const fs = require('fs'); const p = require('path').join(process.argv[2], 'package.json');\n" +
      "const pkg = JSON.parse(fs.readFileSync(p, 'utf8')); pkg.scripts.test = 'exit 0'; fs.writeFileSync(p, JSON.stringify(pkg));\n",
  );
  const out = path.join(dir, 'poly.json');
  const r = redExec(['--benchmark', 'polyglot', '--exercise', 'duration-parser', '--harness', harness, '--deps-cache', sharedCache, '--out', out]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^\[duration-parser\] 0\/5 checks passed \(tests: 0 passed, 5 failed, 1 skipped\)$/m);
  assert.deepEqual(readResults(out).items[0].badWrites.map((b) => `${b.path} ${b.why}`), ['package.json out_of_scope']);
});
