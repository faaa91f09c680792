// The benchmark runner: for each fixture or exercise, copy it into a fresh temp workspace, start
// the reference model (unless a live model is configured), run the harness with a timeout, score
// the result, audit what reached disk, and collect tokens, calls, retries and wall time.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readChecksFile, scoreWorkspace } from './checks.mjs';
import { snapshot, auditWrites, loadBaseline } from './audit.mjs';
import { prepareExercise, scoreExercise, CannotRun } from './exercise.mjs';
import { spawnCollect } from './spawn-collect.mjs';
import { depsCacheDir } from './deps.mjs';

export const BENCH_ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
export const DEFAULT_HARNESS = path.join(BENCH_ROOT, 'harnesses', 'red-exec.js');
export const RESULTS_DIR = path.join(BENCH_ROOT, 'results');
const SERVER = path.join(BENCH_ROOT, 'reference-model', 'server.js');
const SUITES = { multifile: 'multifile', polyglot: 'polyglot' };

export function defaultSuiteDir(kind) {
  if (!SUITES[kind]) throw new Error(`unknown benchmark "${kind}" (use multifile or polyglot)`);
  return path.join(BENCH_ROOT, SUITES[kind]);
}

const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** Every fixture (multifile) or exercise (polyglot) in a suite folder, sorted by name. */
export function loadSuite(kind, suiteDir) {
  let dir = path.resolve(suiteDir ?? defaultSuiteDir(kind));
  if (!fs.existsSync(dir)) throw new Error(`suite folder not found: ${dir}`);
  // The original's polyglot folder keeps its exercises two levels down.
  if (kind === 'polyglot' && fs.existsSync(path.join(dir, 'exercises', 'javascript'))) dir = path.join(dir, 'exercises', 'javascript');
  const items = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const itemDir = path.join(dir, name);
    const has = (f) => fs.existsSync(path.join(itemDir, f));
    if (!fs.statSync(itemDir).isDirectory() || !has('TASK.md')) continue;
    // A polyglot exercise the suite ships incomplete is reported as one that cannot run, not dropped.
    if (!has('FILES.txt') && kind !== 'polyglot') continue;
    const item = {
      name,
      kind,
      dir: itemDir,
      files: has('FILES.txt') ? lines(fs.readFileSync(path.join(itemDir, 'FILES.txt'), 'utf8')) : [],
      solutionDir: has('solution') ? path.join(itemDir, 'solution') : null,
    };
    if (kind === 'multifile') {
      if (!has('workspace') || !has('checks.json')) continue;
      item.checks = readChecksFile(path.join(itemDir, 'checks.json'));
    } else {
      item.spec = fs.readdirSync(itemDir).find((f) => /\.(spec|test)\.(c|m)?js$/.test(f));
      if (!has('FILES.txt')) item.cannotRun = 'the suite ships no FILES.txt for it';
      else if (!item.spec) item.cannotRun = 'the suite ships no test file (*.spec.js) for it';
    }
    items.push(item);
  }
  return items;
}

/** A fresh temp workspace: the fixture's workspace (or the exercise without its solution) plus TASK.md and FILES.txt. */
export function prepareWorkspace(item) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), `red-exec-bench-${item.name}-`));
  if (item.kind === 'multifile') {
    fs.cpSync(path.join(item.dir, 'workspace'), ws, { recursive: true });
    for (const f of ['TASK.md', 'FILES.txt']) fs.copyFileSync(path.join(item.dir, f), path.join(ws, f));
  } else {
    // Without solution/ and without installed packages (the runner links its dependency cache for the test run).
    const skip = new Set(['solution', 'node_modules']);
    fs.cpSync(item.dir, ws, { recursive: true, filter: (src) => !(skip.has(path.basename(src)) && path.dirname(src) === item.dir) });
  }
  return ws;
}

/** Start the reference model for one item; resolves { url, stats(), stop() }. */
export function startReferenceModel({ solutionDir, chaos = 0, seed = 1, stallMs }) {
  const args = [SERVER, '--solution', solutionDir, '--chaos', String(chaos), '--seed', String(seed)];
  if (stallMs !== undefined) args.push('--stall-ms', String(stallMs));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr.on('data', (c) => (err += c));
    child.on('exit', (code) => reject(new Error(`reference model exited (${code}): ${err.trim()}`)));
    child.stdout.on('data', (c) => {
      out += c;
      const m = /^listening (http:\/\/\S+)\n/.exec(out);
      if (!m) return;
      child.removeAllListeners('exit');
      const url = m[1];
      resolve({
        url,
        async stats() {
          try {
            return await (await fetch(`${url}/stats`)).json();
          } catch {
            return null;
          }
        },
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

/** Run `node <harness> <workspace>` (its agent killed with it at the timeout); resolves { exitCode, timedOut, wallMs, output }. */
async function runHarness(harness, ws, { env, timeoutMs, signal }) {
  const started = performance.now();
  const run = await spawnCollect(process.execPath, [harness, ws], { cwd: ws, env, timeoutMs, signal });
  return { exitCode: run.code, timedOut: run.timedOut, wallMs: Math.round(performance.now() - started), output: run.output };
}

/** Tokens, calls, retries and blocked files from red-exec's run logs in the workspace, if any. */
export function redExecMetrics(ws) {
  const logs = path.join(ws, '.red-exec-logs');
  if (!fs.existsSync(logs)) return null;
  const m = { tokens: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, calls: 0, modelMs: 0, blocked: 0, failed: 0, retries: 0, status: null, runs: 0 };
  for (const run of fs.readdirSync(logs)) {
    const file = path.join(logs, run, 'events.jsonl');
    if (!fs.existsSync(file)) continue;
    m.runs++;
    for (const line of lines(fs.readFileSync(file, 'utf8'))) {
      let e;
      try {
        e = JSON.parse(line);
      } catch {
        continue;
      }
      // Every retry the machine paid for: a re-asked plan, a regenerated unit, a re-sent HTTP call.
      if (e.kind === 'plan_rejected' || e.kind === 'unit_rejected' || e.kind === 'host_retry') m.retries++;
      // How the plan was asked for: with its JSON schema, or prompt-only after the server refused it.
      if (e.kind === 'model_response' && e.responseFormat) m.responseFormat = e.responseFormat;
      if (e.kind === 'result') {
        m.status = e.status;
        m.tokens += e.usage?.totalTokens ?? 0;
        m.promptTokens += e.usage?.promptTokens ?? 0;
        m.cachedTokens += e.usage?.cachedTokens ?? 0;
        m.completionTokens += e.usage?.completionTokens ?? 0;
        m.calls += e.usage?.calls ?? 0;
        m.modelMs += e.usage?.modelMs ?? 0;
        m.blocked += e.counts?.blocked ?? 0;
        m.failed += e.counts?.failed ?? 0;
        m.errorCode = e.error?.code ?? null;
      }
    }
  }
  return m;
}

/** A seed per item, so running items concurrently or alone gives each the same chaos. */
function itemSeed(seed, name) {
  let h = seed >>> 0;
  for (const ch of name) h = (Math.imul(h ^ ch.charCodeAt(0), 16777619) + 1) >>> 0;
  return h;
}

/** Run one fixture or exercise end to end. */
export async function runItem(item, opts = {}) {
  const { harness = DEFAULT_HARNESS, chaos = 0, seed = 1, timeoutMs = 600_000, keep = false, baseEnv = process.env, stallMs, depsCache } = opts;
  const ws = prepareWorkspace(item);
  const before = snapshot(ws);
  const loadedBefore = loadBaseline(ws, item.files);
  const live = Boolean(baseEnv.RED_EXEC_BASE_URL) && !opts.reference;
  let model = null;
  // Outside the workspace, so writing it is never a write the audit could blame on the agent.
  const metricsFile = path.join(os.tmpdir(), `red-exec-bench-metrics-${process.pid}-${item.name}-${Date.now()}.json`);
  const env = { ...baseEnv, ...(opts.env ?? {}), BENCH_METRICS_FILE: metricsFile };
  const record = { name: item.name, kind: item.kind, workspace: keep ? ws : undefined };
  try {
    // Its dependencies are installed (or found cached) before the agent runs: a suite that cannot be scored costs no model call.
    const plan = item.kind === 'polyglot' ? await prepareExercise(item, { depsCache, env: baseEnv }) : null;
    if (plan?.deps) record.deps = { key: plan.deps.key, installed: plan.deps.installed, installMs: plan.deps.ms };
    if (!live) {
      if (!item.solutionDir) throw new Error(`${item.name} has no solution/ folder: the reference model cannot answer it`);
      model = await startReferenceModel({ solutionDir: item.solutionDir, chaos, seed: itemSeed(seed, item.name), stallMs });
      env.RED_EXEC_BASE_URL = model.url;
    }
    const run = await runHarness(path.resolve(harness), ws, { env, timeoutMs, signal: opts.signal });
    const metrics = redExecMetrics(ws) ?? readHarnessMetrics(metricsFile) ?? {};
    const after = snapshot(ws);
    const badWrites = auditWrites({ before, after, scope: item.files, solutionDir: item.solutionDir, dir: ws, loadedBefore });
    record.badWrites = badWrites;
    const score = item.kind === 'multifile' ? scoreWorkspace(ws, item.checks) : await scoreExercise(ws, item, plan, { env: baseEnv }).catch(cannotRun);
    Object.assign(record, {
      passed: score.passed,
      total: score.total,
      checks: score.results,
      ...(score.cannotRun ? { cannotRun: score.cannotRun } : {}),
      ...(score.tests !== undefined ? { tests: score.tests, testExitCode: score.testExitCode } : {}),
      exitCode: run.exitCode,
      timedOut: run.timedOut,
      wallMs: run.wallMs,
      tokens: metrics.tokens ?? null,
      promptTokens: metrics.promptTokens ?? null,
      cachedTokens: metrics.cachedTokens ?? null,
      completionTokens: metrics.completionTokens ?? null,
      calls: metrics.calls ?? null,
      modelMs: metrics.modelMs ?? null,
      retries: metrics.retries ?? null,
      blocked: metrics.blocked ?? null,
      failedFiles: metrics.failed ?? null,
      status: metrics.status ?? null,
      errorCode: metrics.errorCode ?? null,
      responseFormat: metrics.responseFormat ?? null,
      badWrites,
      chaosInjected: model ? ((await model.stats())?.chaos ?? {}) : null,
      output: run.exitCode === 0 ? undefined : run.output.slice(-4000),
    });
  } catch (err) {
    // A reason outside the agent: counted apart, neither passed nor failed.
    if (err instanceof CannotRun) Object.assign(record, { passed: 0, total: 0, checks: [], cannotRun: err.message, badWrites: record.badWrites ?? [] });
    else Object.assign(record, { passed: 0, total: item.checks?.length ?? 1, checks: [], error: err.message, badWrites: record.badWrites ?? [] });
  } finally {
    if (model) await model.stop();
    fs.rmSync(metricsFile, { force: true });
    if (!keep) fs.rmSync(ws, { recursive: true, force: true });
  }
  return record;
}

/** A reason found only once the tests ran (data the suite does not ship): the run's metrics still count. */
function cannotRun(err) {
  if (!(err instanceof CannotRun)) throw err;
  return { passed: 0, total: 0, results: [], cannotRun: err.message };
}

/** Metrics another agent's harness may write as JSON ({ tokens, calls, ... }) to $BENCH_METRICS_FILE. */
function readHarnessMetrics(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** Run a list of items, `jobs` at a time; onDone(record, doneCount, total) after each. */
export async function runPool(items, jobs, runOne, onDone = () => {}) {
  const out = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await runOne(items[i]);
      onDone(out[i], ++done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return out;
}

function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version };
}

/** Run a whole suite (or the items named in `only`) and return the results object. */
export async function runSuite({ kind, suiteDir, only = [], harness = DEFAULT_HARNESS, jobs = 1, chaos = 0, seed = 1, timeoutMs, onDone, keep, baseEnv, stallMs, env, depsCache }) {
  let items = loadSuite(kind, suiteDir);
  if (only.length > 0) {
    const unknown = only.filter((n) => !items.some((i) => i.name === n));
    if (unknown.length > 0) throw new Error(`not in the suite: ${unknown.join(', ')} (have: ${items.map((i) => i.name).join(', ')})`);
    items = items.filter((i) => only.includes(i.name));
  }
  const started = performance.now();
  const records = await runPool(items, jobs, (item) => runItem(item, { harness, chaos, seed, timeoutMs, keep, baseEnv, stallMs, env, depsCache }), onDone);
  const sum = (key) => records.reduce((n, r) => n + (r[key] ?? 0), 0);
  const live = Boolean((baseEnv ?? process.env).RED_EXEC_BASE_URL);
  return {
    suite: kind,
    suiteDir: path.resolve(suiteDir ?? defaultSuiteDir(kind)),
    harness: path.relative(BENCH_ROOT, path.resolve(harness)).startsWith('..') ? path.resolve(harness) : path.relative(BENCH_ROOT, path.resolve(harness)),
    model: live ? 'live' : 'reference',
    chaos,
    seed,
    jobs,
    ...(kind === 'polyglot' ? { depsCache: depsCacheDir(depsCache, baseEnv ?? process.env) } : {}),
    startedAt: new Date().toISOString(),
    machine: machine(),
    wallMs: Math.round(performance.now() - started),
    totals: {
      items: records.length,
      passed: sum('passed'),
      total: sum('total'),
      tokens: sum('tokens'),
      calls: sum('calls'),
      wallMs: sum('wallMs'),
      modelMs: sum('modelMs'),
      retries: sum('retries'),
      blocked: sum('blocked'),
      badWrites: records.reduce((n, r) => n + r.badWrites.length, 0),
      cannotRun: records.filter((r) => r.cannotRun).length,
    },
    items: records,
  };
}

export function writeResults(results, file) {
  const out = file ?? path.join(RESULTS_DIR, `${results.suite}-latest.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  return out;
}
