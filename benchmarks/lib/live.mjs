// `red-exec --benchmark <suite> --live <model>`: a suite against a real model on this machine, with
// the pipeline, the pipeline with --verify and the naive whole-file baseline side by side.
//
// It starts the live server (benchmarks/live-model/serve.mjs, or $RED_EXEC_LIVE_SERVE: a stand-in
// for tests) unless --live-url names a running one, waits for its `listening URL` line, runs each
// selected item once per config, one at a time (the server answers one request at a time), scores
// and audits each with the runner's scorer and audit, and appends one JSON line per (item, config)
// as it finishes. `--resume FILE` skips what FILE already holds, so a run of hours can be stopped
// and continued. The server is stopped at the end and on Ctrl-C (SIGINT) or SIGTERM.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { BENCH_ROOT, RESULTS_DIR, loadSuite, runItem } from './runner.mjs';
import { prepareExercise } from './exercise.mjs';

const require = createRequire(import.meta.url);
export const LIVE_SERVE = path.join(BENCH_ROOT, 'live-model', 'serve.mjs');
export const LIVE_RESULTS = path.join(RESULTS_DIR, 'live.jsonl');
const HARNESS = { redExec: path.join(BENCH_ROOT, 'harnesses', 'red-exec.js'), wholeFile: path.join(BENCH_ROOT, 'harnesses', 'whole-file.js') };

/** The three ways the same model is used, in the order they run for each item. */
export const CONFIGS = ['pipeline', 'pipeline+verify', 'baseline'];
const CONFIG_ALIASES = { pipeline: 'pipeline', verify: 'pipeline+verify', 'pipeline+verify': 'pipeline+verify', baseline: 'baseline' };

// What the server does not say about itself (a /health without these fields).
const KNOWN_QUANTISATION = { 'qwen2.5-coder-1.5b': 'Q4_K_M', 'qwen2.5-coder-0.5b': 'Q4_K_M' };

/** Failure causes, one per failed record. */
export const CAUSES = {
  plan_invalid: 'plan invalid',
  answer_unusable: 'answer unusable',
  gate_blocked: 'gate blocked',
  check_failed: 'check failed (model wrong)',
  timeout: 'timeout',
  cannot_run: 'cannot run',
};

/** "pipeline,verify" -> ['pipeline', 'pipeline+verify']; throws on an unknown name. */
export function parseConfigs(text) {
  if (text === undefined) return [...CONFIGS];
  const wanted = new Set();
  for (const raw of String(text).split(',').map((s) => s.trim()).filter(Boolean)) {
    const c = CONFIG_ALIASES[raw];
    if (!c) throw new Error(`--configs: unknown config "${raw}" (use pipeline, verify, baseline)`);
    wanted.add(c);
  }
  if (wanted.size === 0) throw new Error('--configs: name at least one of pipeline, verify, baseline');
  return CONFIGS.filter((c) => wanted.has(c));
}

/** A deterministic sample of n items for a seed (mulberry32 shuffle), returned in name order. */
export function sampleItems(items, n, seed) {
  if (n === undefined || n >= items.length) return items;
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = [...items].sort((x, y) => (x.name < y.name ? -1 : 1));
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, n).sort((x, y) => (x.name < y.name ? -1 : 1));
}

const q = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * The check the pipeline+verify config passes as --verify ({ label, command }), or null (config
 * skipped): for an exercise, what scores it (our Jest on its spec; or its own test script, with its
 * dependency set from the runner's cache linked in as node_modules while the check runs); for a
 * fixture, `npm test` when its workspace has a test script (the checks.json checks are the
 * scorer's, not a command a user would have). Rejects with CannotRun as the scorer would.
 */
export async function verifyCommand(item, { depsCache, env } = {}) {
  if (item.kind === 'polyglot') {
    const plan = await prepareExercise(item, { depsCache, env });
    if (plan.mode === 'jest') {
      const jest = require.resolve('jest/bin/jest');
      const config = JSON.stringify({ watchman: false, testPathIgnorePatterns: ['/node_modules/', '/\\.red-exec-logs/'] });
      return { label: `jest ${item.spec}`, command: `${q(process.execPath)} ${q(jest)} --ci --rootDir . --config ${q(config)} ${q(item.spec)}` };
    }
    const script = plan.info.testScript;
    if (!plan.deps) return { label: 'npm test', command: `PATH="$PWD/node_modules/.bin:$PATH" ${script}` };
    // The link goes when the check ends, so the agent's workspace is as it was (node_modules is never audited).
    return {
      label: 'npm test',
      command: `ln -sfn ${q(plan.deps.nodeModules)} node_modules && PATH="$PWD/node_modules/.bin:$PATH" ${script}; s=$?; rm -f node_modules; exit $s`,
    };
  }
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(item.dir, 'workspace', 'package.json'), 'utf8'));
    if (typeof pkg.scripts?.test === 'string' && pkg.scripts.test.trim() !== '') return { label: 'npm test', command: 'npm test' };
  } catch {
    // no package.json: no test of its own
  }
  return null;
}

/** Start the live server; resolves { url, pid, stop() }. Rejects with its last stderr lines if it exits first. */
export function startLiveServer({ script, model, threads, port, env, stderr }) {
  const args = [script, '--model', model];
  if (port !== undefined) args.push('--port', String(port));
  if (threads !== undefined) args.push('--threads', String(threads));
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c) => {
    err = (err + c).slice(-8000);
    stderr?.write?.(c);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code, signal) => reject(new Error(`live server ${path.basename(script)} exited (${signal ?? code}) before listening${err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' / ')}` : ''}`));
    child.once('exit', onExit);
    child.once('error', (e) => reject(new Error(`cannot start live server ${script}: ${e.message}`)));
    child.stdout.on('data', (c) => {
      if (out === null) return;
      out += c;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const first = out.slice(0, nl).trim();
      out = null;
      const m = /^listening (http:\/\/\S+)$/.exec(first);
      child.removeListener('exit', onExit);
      if (!m) {
        stop();
        reject(new Error(`live server ${path.basename(script)}: first line is not "listening URL": ${first.slice(0, 200)}`));
        return;
      }
      child.stdout.resume();
      resolve({ url: m[1].replace(/\/+$/, ''), pid: child.pid, stop });
    });
  });
}

/** What the server says about itself at GET /health (model, quantisation, threads), or {}. */
export async function serverFacts(url) {
  const origin = new URL(url).origin;
  for (const route of [`${origin}/health`, `${url}/health`]) {
    try {
      const res = await fetch(route, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) continue;
      const h = await res.json();
      return {
        model: typeof h.model === 'string' ? h.model : undefined,
        quantisation: h.quantisation ?? h.quantization ?? h.quant ?? undefined,
        threads: Number.isInteger(h.threads) ? h.threads : undefined,
        contextSize: Number.isInteger(h.contextSize) ? h.contextSize : undefined,
      };
    } catch {
      // no health route, or not JSON
    }
  }
  return {};
}

export function machineFacts() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version };
}

/** Records already in a JSON-lines file (a torn last line from a killed run is ignored). */
export function readRecords(file) {
  if (!fs.existsSync(file)) return [];
  const out = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line cut short when the run was killed mid-write
    }
  }
  return out;
}

export const recordKey = (r) => `${r.suite}\u0000${r.item}\u0000${r.config}\u0000${r.model}`;

/** The failure cause class of one finished run (null when it passed). */
export function failureCause(run, config) {
  if (run.error || run.cannotRun) return 'cannot_run';
  if (run.total > 0 && run.passed === run.total) return null;
  if (run.timedOut) return 'timeout';
  const code = run.errorCode ?? '';
  if (code === 'plan_invalid') return 'plan_invalid';
  if (code === 'model_answer') return 'answer_unusable';
  // On a loopback server that answers one request at a time, "unavailable" is a call that ran out of time.
  if (code === 'model_unavailable') return 'timeout';
  if (config !== 'baseline' && (run.blocked ?? 0) > 0 && run.status !== 'OK' && run.status !== 'VERIFY_FAILED') return 'gate_blocked';
  // The files were written (or, under --verify, the check failed on every attempt): the model was wrong.
  if (run.status === 'OK' || run.status === 'VERIFY_FAILED' || config === 'baseline') return 'check_failed';
  // Anything else (input, config, auth, write, conflict, a crash, a harness that never got going).
  return 'cannot_run';
}

/** One JSON line's record from the runner's record for (item, config). */
function toRecord(run, { item, config, model, facts, threads, machine, verify }) {
  const cause = failureCause(run, config);
  return {
    suite: item.kind,
    item: item.name,
    config,
    model,
    quantisation: facts.quantisation ?? KNOWN_QUANTISATION[model] ?? null,
    threads: facts.threads ?? threads ?? null,
    machine,
    finishedAt: new Date().toISOString(),
    pass: cause === null,
    passed: run.passed,
    total: run.total,
    calls: run.calls ?? null,
    promptTokens: run.promptTokens ?? null,
    // Of promptTokens, those the server reused from the chat before (its prompt cache).
    cachedTokens: run.cachedTokens ?? null,
    completionTokens: run.completionTokens ?? null,
    wallMs: run.wallMs ?? null,
    modelMs: run.modelMs ?? null,
    retries: run.retries ?? null,
    blocked: run.blocked ?? null,
    badWrites: run.badWrites ?? [],
    status: run.status ?? (run.error || run.cannotRun ? 'CANNOT_RUN' : null),
    errorCode: run.errorCode ?? null,
    exitCode: run.exitCode ?? null,
    timedOut: run.timedOut ?? false,
    cause,
    responseFormat: run.responseFormat ?? null,
    verify: verify?.label ?? null,
    error: run.error ?? undefined,
    cannotRun: run.cannotRun ?? undefined,
    tests: run.tests ?? undefined,
    failedChecks: (run.checks ?? []).filter((c) => !c.pass).slice(0, 5).map((c) => `${c.label}${c.detail ? `: ${String(c.detail).slice(0, 160)}` : ''}`),
    output: cause ? run.output?.slice(-1500) : undefined,
    workspace: run.workspace,
  };
}

/**
 * Run the live benchmark. opts: { kind, model, liveUrl, suiteDir, only, sample, seed, configs, threads,
 * port, out, resume, timeoutMs, env, stdout, stderr }. Resolves { records, file, skipped, interrupted }.
 */
export async function runLive(opts) {
  const { kind, model, env, stdout, stderr } = opts;
  let items = loadSuite(kind, opts.suiteDir);
  const only = opts.only ?? [];
  if (only.length > 0) {
    const unknown = only.filter((n) => !items.some((i) => i.name === n));
    if (unknown.length > 0) throw new Error(`not in the suite: ${unknown.join(', ')} (have: ${items.map((i) => i.name).join(', ')})`);
    items = items.filter((i) => only.includes(i.name));
  }
  items = sampleItems(items, opts.sample, opts.seed ?? 1);
  const configs = opts.configs ?? [...CONFIGS];
  const file = path.resolve(opts.resume ?? opts.out ?? LIVE_RESULTS);
  const done = new Set(opts.resume ? readRecords(file).map(recordKey) : []);
  const todo = [];
  for (const item of items) for (const config of configs) if (!done.has(recordKey({ suite: kind, item: item.name, config, model }))) todo.push({ item, config });
  const skipped = items.length * configs.length - todo.length;
  stdout.write(`Live benchmark: ${kind}, model ${model}, ${items.length} item(s) x ${configs.length} config(s) (${configs.join(', ')})\n`);
  if (opts.resume) stdout.write(`Resuming ${file}: ${skipped} already done, ${todo.length} to run\n`);
  stdout.write(`Results: ${file}\n`);
  if (todo.length === 0) return { records: [], file, skipped, interrupted: false };

  const controller = new AbortController();
  let server = null;
  let interrupted = null;
  const onSignal = (sig) => {
    if (interrupted) return;
    interrupted = sig;
    stderr.write(`\nred-exec: ${sig}: stopping the current run and the live server; rerun with --resume ${file} to continue\n`);
    controller.abort();
    server?.stop();
  };
  const handlers = { SIGINT: () => onSignal('SIGINT'), SIGTERM: () => onSignal('SIGTERM') };
  for (const [sig, fn] of Object.entries(handlers)) process.on(sig, fn);
  const records = [];
  try {
    let url = opts.liveUrl?.replace(/\/+$/, '');
    if (!url) {
      const script = path.resolve(env.RED_EXEC_LIVE_SERVE || LIVE_SERVE);
      if (!fs.existsSync(script)) throw new Error(`live server script not found: ${script}`);
      stdout.write(`Starting ${path.relative(process.cwd(), script) || script} --model ${model}${opts.threads !== undefined ? ` --threads ${opts.threads}` : ''} ...\n`);
      const starting = startLiveServer({ script, model, threads: opts.threads, port: opts.port, env, stderr: opts.serverLog });
      server = { stop: async () => (await starting.catch(() => null))?.stop() };
      const s = await starting;
      server = s;
      url = s.url;
      if (interrupted) throw new Error('interrupted');
    }
    stdout.write(`Model server: ${url}\n`);
    const facts = await serverFacts(url);
    const machine = machineFacts();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // A line torn by a killed run is closed off, so the next record starts a line of its own.
    if (fs.existsSync(file) && fs.statSync(file).size > 0 && !fs.readFileSync(file, 'utf8').endsWith('\n')) fs.appendFileSync(file, '\n');
    const baseEnv = { ...env, RED_EXEC_BASE_URL: url, RED_EXEC_MODEL: model };
    // A call on a CPU model takes minutes; the per-call limit is the caller's if set.
    if (!env.RED_EXEC_TIMEOUT) baseEnv.RED_EXEC_TIMEOUT = '900';
    delete baseEnv.RED_EXEC_VERIFY;
    let n = 0;
    for (const { item, config } of todo) {
      if (interrupted) break;
      n++;
      let verify;
      let record;
      if (config === 'pipeline+verify') {
        try {
          verify = await verifyCommand(item, { depsCache: opts.depsCache, env: baseEnv });
        } catch (err) {
          // Cannot be scored either (no test file, a dependency set that does not install): the run below says so.
          verify = undefined;
          stderr.write(`red-exec: ${item.name}: no --verify command: ${err.message}\n`);
        }
      }
      if (verify === null) {
        record = { suite: kind, item: item.name, config, model, quantisation: facts.quantisation ?? KNOWN_QUANTISATION[model] ?? null, threads: facts.threads ?? opts.threads ?? null, machine, finishedAt: new Date().toISOString(), pass: null, status: 'SKIPPED', cause: null, skipped: 'no test command of its own (no package.json test script): --verify has nothing to run', badWrites: [] };
      } else {
        const run = await runItem(item, {
          harness: config === 'baseline' ? HARNESS.wholeFile : HARNESS.redExec,
          timeoutMs: opts.timeoutMs,
          baseEnv,
          env: verify ? { RED_EXEC_VERIFY: verify.command } : {},
          depsCache: opts.depsCache,
          keep: opts.keep,
          signal: controller.signal,
        });
        if (interrupted) break; // a run cut short is not a result: it runs again on --resume
        record = toRecord(run, { item, config, model, facts, threads: opts.threads, machine, verify });
      }
      fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
      records.push(record);
      stdout.write(`${progress(record, n, todo.length)}\n`);
    }
  } finally {
    for (const [sig, fn] of Object.entries(handlers)) process.removeListener(sig, fn);
    await server?.stop();
  }
  return { records, file, skipped, interrupted };
}

function progress(r, n, total) {
  if (r.status === 'SKIPPED') return `[${n}/${total}] ${r.item} ${r.config}: skipped (${r.skipped})`;
  const bad = r.badWrites.length ? `, ${r.badWrites.length} bad write(s)` : '';
  const secs = r.wallMs !== null ? `${(r.wallMs / 1000).toFixed(1)}s` : '-';
  return `[${n}/${total}] ${r.item} ${r.config}: ${r.pass ? 'PASS' : `FAIL (${CAUSES[r.cause] ?? r.cause})`} ${r.passed}/${r.total}, ${r.calls ?? '-'} call(s), ${r.promptTokens ?? '-'}+${r.completionTokens ?? '-'} tokens, ${secs}${bad}`;
}
