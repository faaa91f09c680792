#!/usr/bin/env node
// The benchmark commands: the bin `red-exec-bench` of this package, to which
// `red-exec --benchmark/--score/--compare` forwards (also `node benchmarks/lib/cli.mjs ...`):
//   --benchmark multifile|polyglot [--task NAME | --exercise NAME]... [--suite DIR] [--harness FILE]
//       [--jobs N] [--chaos RATE --seed N] [--timeout SECONDS] [--out FILE] [--keep] [--json] [--deps-cache DIR]
//   --benchmark multifile|polyglot --live MODEL [--live-url URL] [--exercise/--task NAME]... [--sample N --seed S]
//       [--configs pipeline,verify,baseline] [--threads N] [--timeout SECONDS] [--out FILE | --resume FILE]
//       (benchmarks/lib/live.mjs)
//   --score --workspace DIR --checks FILE [--json]
//   --compare [--results FILE] [--baselines DIR]

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runSuite, writeResults, DEFAULT_HARNESS, RESULTS_DIR, BENCH_ROOT } from './runner.mjs';
import { parseChecks, scoreWorkspace } from './checks.mjs';
import { compareText, loadResults, loadBaselines } from './compare.mjs';
import { runLive, parseConfigs } from './live.mjs';

export const OPTIONS = {
  benchmark: { type: 'string' },
  score: { type: 'boolean' },
  compare: { type: 'boolean' },
  task: { type: 'string', multiple: true },
  exercise: { type: 'string', multiple: true },
  suite: { type: 'string' },
  harness: { type: 'string' },
  jobs: { type: 'string' },
  chaos: { type: 'string' },
  seed: { type: 'string' },
  timeout: { type: 'string' },
  'stall-ms': { type: 'string' },
  out: { type: 'string' },
  keep: { type: 'boolean' },
  json: { type: 'boolean' },
  workspace: { type: 'string' },
  checks: { type: 'string' },
  results: { type: 'string' },
  baselines: { type: 'string' },
  'deps-cache': { type: 'string' },
  live: { type: 'string' },
  'live-url': { type: 'string' },
  sample: { type: 'string' },
  configs: { type: 'string' },
  threads: { type: 'string' },
  resume: { type: 'string' },
};

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 };

class UsageError extends Error {}

function number(values, name, { min, max, integer }, fallback) {
  if (values[name] === undefined) return fallback;
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${values[name]}"`);
  }
  return n;
}

/** Is this argv one of the benchmark commands? */
export function isBenchCommand(argv) {
  return argv.some((a) => /^--(benchmark|score|compare)(=|$)/.test(a));
}

function progressLine(record, done, total) {
  const secs = record.wallMs !== undefined ? `${(record.wallMs / 1000).toFixed(1)}s` : '';
  const bad = record.badWrites?.length ? `  ${record.badWrites.length} bad write(s)` : '';
  if (record.cannotRun) return `[${done}/${total}] ${record.name}  cannot run: ${record.cannotRun}`;
  return `[${done}/${total}] ${record.name}  ${record.passed}/${record.total} checks  ${secs}${bad}${record.error ? `  error: ${record.error}` : ''}`;
}

const testCounts = (r) => (r.tests ? ` (tests: ${r.tests.passed} passed, ${r.tests.failed} failed, ${r.tests.skipped} skipped${r.tests.todo ? `, ${r.tests.todo} todo` : ''})` : '');

function summary(results) {
  const t = results.totals;
  const pct = t.total ? ((100 * t.passed) / t.total).toFixed(1) : '0.0';
  const lines = results.items.map((r) => (r.cannotRun ? `[${r.name}] cannot run: ${r.cannotRun}` : `[${r.name}] ${r.passed}/${r.total} checks passed${testCounts(r)}${r.error ? ` (${r.error})` : ''}`));
  lines.push('', '─'.repeat(50));
  lines.push(`${results.suite === 'multifile' ? 'Fixtures' : 'Exercises'}: ${t.items}`);
  lines.push(`Checks:   ${t.passed}/${t.total} passed (${pct}%)`);
  if (t.cannotRun) lines.push(`Cannot run: ${t.cannotRun} (a reason outside the agent; not counted in the checks)`);
  lines.push(`Tokens:   ${t.tokens.toLocaleString('en-US')}t total (${t.calls} LLM calls)`);
  lines.push(`Retries:  ${t.retries}   Blocked: ${t.blocked}   Bad writes on disk: ${t.badWrites}`);
  for (const r of results.items) for (const b of r.badWrites ?? []) lines.push(`  bad write: ${r.name} ${b.path} ${b.why} (${b.detail})`);
  return `${lines.join('\n')}\n`;
}

async function live(kind, values, io) {
  if (!values.live) throw new UsageError('--live-url needs --live MODEL (the model\'s name, recorded with every result)');
  if (values.chaos !== undefined || values.harness !== undefined || values.jobs !== undefined) throw new UsageError('--live runs its own configs one at a time: no --chaos, --harness or --jobs');
  if (values.out && values.resume) throw new UsageError('give --out FILE or --resume FILE, not both (--resume appends to FILE)');
  let configs;
  try {
    configs = parseConfigs(values.configs);
  } catch (err) {
    throw new UsageError(err.message);
  }
  if (values['live-url'] && !/^https?:\/\/\S+$/.test(values['live-url'])) throw new UsageError(`--live-url must be an http(s) URL, got "${values['live-url']}"`);
  if (values.resume && !fs.existsSync(path.resolve(io.cwd, values.resume))) throw new UsageError(`--resume ${values.resume}: no such file`);
  const result = await runLive({
    kind,
    model: values.live,
    liveUrl: values['live-url'],
    suiteDir: values.suite ? path.resolve(io.cwd, values.suite) : undefined,
    only: [...(values.task ?? []), ...(values.exercise ?? [])],
    sample: number(values, 'sample', { min: 1, max: 10_000, integer: true }, undefined),
    seed: number(values, 'seed', { min: 0, max: 2 ** 31, integer: true }, 1),
    configs,
    threads: number(values, 'threads', { min: 1, max: 256, integer: true }, undefined),
    timeoutMs: number(values, 'timeout', { min: 1, max: 86_400 }, 3600) * 1000,
    out: values.out ? path.resolve(io.cwd, values.out) : undefined,
    resume: values.resume ? path.resolve(io.cwd, values.resume) : undefined,
    depsCache: values['deps-cache'] ? path.resolve(io.cwd, values['deps-cache']) : undefined,
    keep: values.keep,
    env: io.env,
    stdout: io.stdout,
    stderr: io.stderr,
    serverLog: io.env.RED_EXEC_LIVE_LOG === '1' ? io.stderr : undefined,
  });
  if (result.interrupted) return EXIT.INTERRUPTED;
  io.stdout.write(`${result.records.length} result(s) appended to ${result.file}; \`npm run bench:live\` puts them in RESULTS.md\n`);
  return EXIT.OK;
}

async function benchmark(values, io) {
  const kind = values.benchmark;
  if (kind !== 'multifile' && kind !== 'polyglot') throw new UsageError(`--benchmark must be multifile or polyglot, got "${kind}"`);
  if (values.live !== undefined || values['live-url'] !== undefined) return live(kind, values, io);
  for (const only of ['sample', 'configs', 'threads', 'resume']) if (values[only] !== undefined) throw new UsageError(`--${only} goes with --live MODEL`);
  const only = [...(values.task ?? []), ...(values.exercise ?? [])];
  const chaos = number(values, 'chaos', { min: 0, max: 1 }, 0);
  const seed = number(values, 'seed', { min: 0, max: 2 ** 31, integer: true }, 1);
  const jobs = number(values, 'jobs', { min: 1, max: 64, integer: true }, 1);
  const timeoutMs = number(values, 'timeout', { min: 1, max: 7200 }, 600) * 1000;
  // Under chaos a stall must outlast the per-call timeout: 5 s timeout, 10 s stall unless told otherwise.
  const stallMs = number(values, 'stall-ms', { min: 0, max: 600_000, integer: true }, chaos > 0 ? 10_000 : undefined);
  const env = chaos > 0 && !io.env.RED_EXEC_TIMEOUT ? { RED_EXEC_TIMEOUT: '5' } : {};
  const harness = path.resolve(io.cwd, values.harness ?? DEFAULT_HARNESS);
  if (!fs.existsSync(harness)) throw new UsageError(`--harness ${values.harness}: no such file`);
  const suiteDir = values.suite ? path.resolve(io.cwd, values.suite) : undefined;
  if (!values.json) {
    io.stdout.write(`${kind === 'multifile' ? 'Multifile' : 'Polyglot'} benchmark${chaos ? ` (chaos ${chaos}, seed ${seed})` : ''}\n`);
    io.stdout.write(`Timeout: ${timeoutMs / 1000}s  Jobs: ${jobs}  Model: ${io.env.RED_EXEC_BASE_URL ? io.env.RED_EXEC_BASE_URL : 'reference'}\n\n`);
  }
  const tty = Boolean(io.stderr.isTTY);
  const results = await runSuite({
    kind,
    suiteDir,
    only,
    harness,
    jobs,
    chaos,
    seed,
    timeoutMs,
    stallMs,
    env,
    keep: values.keep,
    baseEnv: io.env,
    depsCache: values['deps-cache'] ? path.resolve(io.cwd, values['deps-cache']) : undefined,
    onDone: (record, done, total) => {
      if (tty) io.stderr.write(`${progressLine(record, done, total)}\n`);
    },
  });
  const out = writeResults(results, values.out ? path.resolve(io.cwd, values.out) : undefined);
  if (values.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  else io.stdout.write(`${summary(results)}Results:  ${out}\n`);
  // An item that could not run was not measured: the run is not all OK, though the agent failed nothing.
  const t = results.totals;
  return t.passed === t.total && t.badWrites === 0 && !t.cannotRun ? EXIT.OK : EXIT.FAILED;
}

function score(values, io) {
  if (!values.workspace || !values.checks) throw new UsageError('--score needs --workspace DIR and --checks FILE');
  const ws = path.resolve(io.cwd, values.workspace);
  if (!fs.existsSync(ws) || !fs.statSync(ws).isDirectory()) throw new UsageError(`--workspace ${values.workspace}: not a directory`);
  let checks;
  try {
    checks = parseChecks(fs.readFileSync(path.resolve(io.cwd, values.checks), 'utf8'));
  } catch (err) {
    throw new UsageError(`--checks ${values.checks}: ${err.message}`);
  }
  const result = scoreWorkspace(ws, checks);
  if (values.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    for (const r of result.results) io.stdout.write(`${r.pass ? 'PASS' : 'FAIL'}  ${r.label}${r.detail ? `  (${r.detail})` : ''}\n`);
    io.stdout.write(`${result.passed}/${result.total} checks passed\n`);
  }
  return result.passed === result.total ? EXIT.OK : EXIT.FAILED;
}

function compare(values, io) {
  const files = values.results
    ? [path.resolve(io.cwd, values.results)]
    : ['multifile', 'polyglot'].map((s) => path.join(RESULTS_DIR, `${s}-latest.json`)).filter((f) => fs.existsSync(f));
  if (files.length === 0) throw new UsageError(`no results yet: run --benchmark first (looked in ${RESULTS_DIR}) or pass --results FILE`);
  const dir = values.baselines ? path.resolve(io.cwd, values.baselines) : path.join(BENCH_ROOT, 'baselines');
  for (const file of files) {
    const results = loadResults(file);
    io.stdout.write(`${compareText(results, loadBaselines(dir, results.suite))}\n`);
  }
  return EXIT.OK;
}

/** Run one benchmark command. io: { cwd, env, stdout, stderr }. Resolves to an exit code. */
export async function runCli(argv, io) {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals[0]}`);
    const modes = ['benchmark', 'score', 'compare'].filter((m) => values[m] !== undefined);
    if (modes.length !== 1) throw new UsageError('give exactly one of --benchmark, --score, --compare');
    if (values.benchmark !== undefined) return await benchmark(values, io);
    if (values.score) return score(values, io);
    return compare(values, io);
  } catch (err) {
    if (err instanceof UsageError || err.code?.startsWith?.('ERR_PARSE_ARGS') || err.code === 'CHECKS_REFUSED') {
      io.stderr.write(`red-exec: ${err.message}\n`);
      return EXIT.USAGE;
    }
    io.stderr.write(`red-exec: benchmark failed: ${err.message}\n`);
    return EXIT.FAILED;
  }
}

// Run as a program: directly or through the bin's link in node_modules/.bin (Node loads this
// module by its real path, argv[1] is the link).
function isMain() {
  try {
    return Boolean(process.argv[1]) && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  runCli(process.argv.slice(2), { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr }).then((code) => {
    process.exitCode = code;
  });
}
