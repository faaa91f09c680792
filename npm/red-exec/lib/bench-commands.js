// `red-exec --benchmark / --score / --compare`: forwarded to the benchmarks' own bin
// (`red-exec-bench` of the workspace package @codemaestro/benchmarks), run as a child process with
// the same argv and stdio; the CLI never imports the benchmarks package, and works without it.

import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { EXIT } from './exit-codes.js';

// The benchmark commands and their flags for --help. Written out here rather than imported from
// benchmarks/lib/cli.mjs (its own parseArgs table): that module loads the runner and TypeScript,
// and the CLI must print its help without the benchmarks package. tests/bench/help.test.mjs holds
// this table to cli.mjs's OPTIONS keys.
export const BENCH_USAGE = [
  ['red-exec --benchmark multifile|polyglot [<flags>]', 'run a suite: harness, score, audit of the writes'],
  ['red-exec --benchmark multifile|polyglot --live <model> [<flags>]', 'the same model three ways: pipeline, pipeline+verify, whole-file baseline (JSON lines)'],
  ['red-exec --score --workspace <dir> --checks <file> [--json]', "score a workspace (checks.json: ours or the original's schema)"],
  ['red-exec --compare [--results <file>] [--baselines <dir>]', 'results beside the baselines'],
];

export const BENCH_OPTIONS = [
  { name: 'benchmark', value: '<suite>', help: 'multifile | polyglot: run that suite' },
  { name: 'score', help: 'score --workspace against --checks' },
  { name: 'compare', help: 'compare results with the baselines' },
  { name: 'task', value: '<name>', help: 'with --benchmark multifile: only this fixture (repeatable)' },
  { name: 'exercise', value: '<name>', help: 'with --benchmark polyglot: only this exercise (repeatable)' },
  { name: 'suite', value: '<dir>', help: 'a suite folder laid out as benchmarks/multifile or polyglot' },
  { name: 'harness', value: '<file>', help: 'the agent under test (default benchmarks/harnesses/red-exec.js)' },
  { name: 'jobs', value: '<n>', help: 'items run at once (default 1)' },
  { name: 'chaos', value: '<rate>', help: "share of the reference model's answers that go wrong, 0 to 1" },
  { name: 'seed', value: '<n>', help: 'seed of the chaos draws, or of --sample (default 1)' },
  { name: 'timeout', value: '<seconds>', help: 'limit for one harness run (default 600; with --live 3600)' },
  { name: 'stall-ms', value: '<n>', help: 'length of a chaos stall (default 10000 under chaos)' },
  { name: 'deps-cache', value: '<dir>', help: "where exercises' own dependencies are installed (default $RED_EXEC_BENCH_DEPS, else ~/.cache/red-exec/bench-deps)" },
  { name: 'live', value: '<model>', help: 'run against that live model (starts benchmarks/live-model/serve.mjs; $RED_EXEC_LIVE_SERVE: another script)' },
  { name: 'live-url', value: '<url>', help: 'with --live: a server already running there instead' },
  { name: 'configs', value: '<list>', help: 'with --live: pipeline,verify,baseline (default all three)' },
  { name: 'sample', value: '<n>', help: 'with --live: n items drawn by --seed (the same n for the same seed)' },
  { name: 'threads', value: '<n>', help: "with --live: the server's CPU threads (default its own: 1)" },
  { name: 'resume', value: '<file>', help: 'with --live: skip what this results file holds, append the rest' },
  { name: 'out', value: '<file>', help: 'results file (default benchmarks/results/<suite>-latest.json; with --live benchmarks/results/live.jsonl, appended)' },
  { name: 'keep', help: 'keep the temporary workspaces' },
  { name: 'json', help: 'the results or the score as JSON on stdout' },
  { name: 'workspace', value: '<dir>', help: 'with --score: the workspace to score' },
  { name: 'checks', value: '<file>', help: 'with --score: the checks.json' },
  { name: 'results', value: '<file>', help: 'with --compare: a results file (default the latest of each suite)' },
  { name: 'baselines', value: '<dir>', help: 'with --compare: the baselines folder (default benchmarks/baselines)' },
];

/** Is this argv a benchmark command (rather than a task)? */
export function isBenchCommand(argv) {
  return argv.some((a) => /^--(benchmark|score|compare)(=|$)/.test(a));
}

const BENCH_PACKAGE = '@codemaestro/benchmarks';
const BENCH_BIN = 'red-exec-bench';

/** The benchmarks package.json at `file` when it is theirs and names the bin, else null. */
function binOf(file) {
  let pkg;
  try {
    pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
  const rel = pkg && pkg.name === BENCH_PACKAGE && pkg.bin && typeof pkg.bin === 'object' ? pkg.bin[BENCH_BIN] : undefined;
  return typeof rel === 'string' ? path.resolve(path.dirname(file), rel) : null;
}

/**
 * The file of the red-exec-bench bin: the package as Node resolves it from the CLI (a clone after
 * npm install links it into node_modules), else the benchmarks/ folder of the repository this CLI
 * sits in. Null when neither is there (an install from the registry).
 */
export function findBenchBin() {
  const candidates = [];
  try {
    candidates.push(createRequire(import.meta.url).resolve(`${BENCH_PACKAGE}/package.json`));
  } catch {
    // not resolvable from here
  }
  candidates.push(fileURLToPath(new URL('../../../benchmarks/package.json', import.meta.url)));
  for (const file of candidates) {
    const bin = binOf(file);
    if (bin !== null && fs.existsSync(bin)) return bin;
  }
  return null;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The exit code of a child stopped by `signal`, from the table (a signal it does not name: internal). */
function signalExit(signal) {
  if (signal === 'SIGHUP') return EXIT.HANGUP;
  if (signal === 'SIGINT') return EXIT.INTERRUPTED;
  if (signal === 'SIGTERM') return EXIT.TERMINATED;
  return EXIT.INTERNAL;
}

/**
 * Run the benchmark command: the red-exec-bench bin with `argv`, in io.cwd with io.env, its
 * output passed through (inherited when io's streams are the process's own); io as for main().
 * Resolves to the bin's exit code.
 */
export function runBenchCommand(argv, io) {
  const bin = findBenchBin();
  if (bin === null) {
    io.stderr.write(`red-exec: the benchmarks ship with the repository only (https://github.com/CodeMaestro-AI/red-exec): run this from a clone after npm install (no ${BENCH_BIN} found)\n`);
    return Promise.resolve(EXIT.CONFIG);
  }
  const own = io.stdout === process.stdout && io.stderr === process.stderr;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...argv], { cwd: io.cwd, env: io.env, stdio: own ? 'inherit' : ['inherit', 'pipe', 'pipe'] });
    if (!own) {
      child.stdout.on('data', (chunk) => io.stdout.write(chunk));
      child.stderr.on('data', (chunk) => io.stderr.write(chunk));
    }
    child.on('error', (err) => {
      io.stderr.write(`red-exec: cannot start ${BENCH_BIN} (${bin}): ${err.message}\n`);
      resolve(EXIT.INTERNAL);
    });
    // A signal to red-exec is the bench's: passed on (a Ctrl-C in a terminal reaches both; the
    // bench takes a second one as the first), and red-exec waits for its exit code.
    const signals = io.signals && typeof io.signals.on === 'function' ? io.signals : null;
    const forward = Object.fromEntries(FORWARDED.map((sig) => [sig, () => child.kill(sig)]));
    if (signals) for (const [sig, fn] of Object.entries(forward)) signals.on(sig, fn);
    child.on('close', (code, signal) => {
      if (signals) for (const [sig, fn] of Object.entries(forward)) signals.off(sig, fn);
      resolve(signal ? signalExit(signal) : code);
    });
  });
}
