// The dependency cache of the polyglot runner: an exercise whose package.json names dependencies
// (Exercism's Jest 29 + Babel set) is scored with those, not with ours. Each distinct set is
// installed once into a cache outside the workspace and the workspace is pointed at it by a
// node_modules symlink for the test run only.
//
//   node benchmarks/lib/deps.mjs --seed [SUITE_DIR...] [--deps-cache DIR]
// installs every set the suites need (scripts/setup.sh runs it, so tests can run offline).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { spawnCollect } from './spawn-collect.mjs';

/** A reason outside the agent why an exercise cannot be scored (install failed, data missing, no test script). */
export class CannotRun extends Error {}

const DEP_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies'];
const COMPLETE = '.red-exec-deps.json';

/** --deps-cache DIR, else $RED_EXEC_BENCH_DEPS, else ${XDG_CACHE_HOME:-~/.cache}/red-exec/bench-deps. */
export function depsCacheDir(flag, env = process.env) {
  if (flag) return path.resolve(flag);
  if (env.RED_EXEC_BENCH_DEPS) return path.resolve(env.RED_EXEC_BENCH_DEPS);
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache');
  return path.join(base, 'red-exec', 'bench-deps');
}

const sortKeys = (obj) => Object.fromEntries(Object.entries(obj ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** The exercise's package.json read for the runner: null when it has none. Throws CannotRun on a broken one. */
export function readExercisePackage(dir) {
  const file = path.join(dir, 'package.json');
  if (!fs.existsSync(file)) return null;
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CannotRun(`package.json does not parse: ${err.message}`);
  }
  const deps = Object.fromEntries(DEP_FIELDS.filter((f) => pkg[f] && Object.keys(pkg[f]).length > 0).map((f) => [f, sortKeys(pkg[f])]));
  const lockFile = ['package-lock.json', 'npm-shrinkwrap.json'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f)) ?? null;
  const script = typeof pkg.scripts?.test === 'string' ? pkg.scripts.test : null;
  return { pkg, deps, hasDeps: Object.keys(deps).length > 0, lockFile, testScript: script };
}

/**
 * The cache key of a dependency set: the lockfile's resolved tree when there is one (the root
 * entry's name and version left out, so exercises that differ only in name share an install),
 * else the sorted dependency fields.
 */
export function depsKey(info) {
  let material;
  if (info.lockFile) {
    const lock = JSON.parse(fs.readFileSync(info.lockFile, 'utf8'));
    const packages = { ...(lock.packages ?? {}) };
    if (packages['']) packages[''] = Object.fromEntries(DEP_FIELDS.filter((f) => packages[''][f]).map((f) => [f, sortKeys(packages[''][f])]));
    material = JSON.stringify({ lock: sortKeys(packages), dependencies: lock.packages ? undefined : lock.dependencies });
  } else {
    material = JSON.stringify({ deps: info.deps });
  }
  return crypto.createHash('sha256').update(material).digest('hex').slice(0, 16);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** mkdir is atomic: the lock is a folder holding the owner's pid; a dead owner's lock is taken over. */
async function withLock(lockDir, fn, { waitMs = 15 * 60_000 } = {}) {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(path.join(lockDir, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      if (owner && !alive(owner)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > until) throw new CannotRun(`timed out waiting for another install of the same dependencies (${lockDir})`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/** The line of npm's output that says why, for a one-line reason. */
function npmReason(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /^npm (error|ERR!) code /.test(l));
  const msg = lines.find((l) => /^npm (error|ERR!) /.test(l) && !/^npm (error|ERR!) (code|A complete log)/.test(l));
  return [err, msg].filter(Boolean).join(': ').replace(/npm (error|ERR!) (code )?/g, '') || lines.at(-1) || 'no output';
}

// One install (or one look at the cache) per dependency set per process: concurrent jobs share it.
const pending = new Map();

/**
 * Make sure the exercise's dependency set is installed in the cache; resolves
 * { key, dir, nodeModules, installed, ms } or rejects with CannotRun.
 */
export function ensureDeps(info, { cacheDir, env = process.env } = {}) {
  const root = cacheDir ?? depsCacheDir(undefined, env);
  const key = depsKey(info);
  const id = `${root}\0${key}`;
  if (pending.has(id)) return pending.get(id).then((r) => ({ ...r, installed: false, ms: 0, shared: true }));
  pending.set(id, install(info, root, key, env));
  return pending.get(id);
}

async function install(info, root, key, env) {
  const dir = path.join(root, key);
  const done = () => fs.existsSync(path.join(dir, COMPLETE));
  const result = (installed, ms) => ({ key, dir, nodeModules: path.join(dir, 'node_modules'), installed, ms });
  if (done()) return result(false, 0);
  fs.mkdirSync(root, { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    if (done()) return result(false, 0); // another process installed it while we waited
    const started = performance.now();
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    // Only the dependency fields: the exercise's scripts never run at install time.
    fs.writeFileSync(path.join(tmp, 'package.json'), `${JSON.stringify({ name: `red-exec-bench-deps-${key}`, version: '0.0.0', private: true, ...info.deps }, null, 2)}\n`);
    if (info.lockFile) fs.copyFileSync(info.lockFile, path.join(tmp, 'package-lock.json'));
    const args = [info.lockFile ? 'ci' : 'install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-update-notifier'];
    const npmEnv = { ...env, npm_config_loglevel: env.npm_config_loglevel ?? 'error' };
    const run = await spawnCollect('npm', args, { cwd: tmp, env: npmEnv, timeoutMs: 15 * 60_000 });
    if (run.code !== 0) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new CannotRun(`npm ${args[0]} of its dependencies failed (exit ${run.code}): ${npmReason(run.output)}`);
    }
    const ms = Math.round(performance.now() - started);
    fs.writeFileSync(path.join(tmp, COMPLETE), `${JSON.stringify({ key, ms, installedAt: new Date().toISOString(), lockfile: Boolean(info.lockFile) })}\n`);
    fs.rmSync(dir, { recursive: true, force: true }); // a half-made folder from a killed install
    fs.renameSync(tmp, dir);
    return result(true, ms);
  });
}

/** Point ws/node_modules at the cache; returns the function that removes the link again. */
export function linkDeps(ws, nodeModules) {
  const link = path.join(ws, 'node_modules');
  fs.rmSync(link, { recursive: true, force: true });
  fs.symlinkSync(nodeModules, link, 'dir');
  return () => fs.rmSync(link, { force: true });
}

async function seed(argv) {
  const { parseArgs } = await import('node:util');
  const { values, positionals } = parseArgs({ args: argv, options: { seed: { type: 'boolean' }, 'deps-cache': { type: 'string' } }, allowPositionals: true });
  if (!values.seed) {
    process.stderr.write('usage: node benchmarks/lib/deps.mjs --seed [SUITE_DIR...] [--deps-cache DIR]\n');
    return 2;
  }
  const suites = positionals.length > 0 ? positionals : [fileURLToPath(new URL('../polyglot', import.meta.url))];
  const cacheDir = depsCacheDir(values['deps-cache']);
  let failed = 0;
  for (const suite of suites) {
    for (const name of fs.readdirSync(suite).sort()) {
      const dir = path.join(suite, name);
      let info;
      try {
        info = fs.statSync(dir).isDirectory() ? readExercisePackage(dir) : null;
        if (!info?.hasDeps) continue;
        const r = await ensureDeps(info, { cacheDir });
        process.stdout.write(`${name}: ${r.key} ${r.installed ? `installed in ${(r.ms / 1000).toFixed(1)}s` : r.shared ? 'same set as above' : 'cached'}\n`);
      } catch (err) {
        failed++;
        process.stdout.write(`${name}: cannot install: ${err.message}\n`);
      }
    }
  }
  process.stdout.write(`dependency cache: ${cacheDir}\n`);
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  seed(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
