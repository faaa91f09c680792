// Scoring a polyglot exercise the way the suite says. An exercise with a package.json is run as
// its test script (`npm test`) with its own dependencies (from the cache in deps.mjs) and passes when that exits 0,
// as the original scores it; one without keeps our Jest on its spec. Skipped and todo tests are
// never failures; the counts are reported beside the pass.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CannotRun, readExercisePackage, ensureDeps, linkDeps } from './deps.mjs';
import { spawnCollect } from './spawn-collect.mjs';

export { CannotRun } from './deps.mjs';

const require = createRequire(import.meta.url);
const TEST_TIMEOUT_MS = 120_000;
// npm init's placeholder is no test script.
const NO_TEST = /no test specified/;

/**
 * Before the agent runs: how the exercise will be scored. Installs its dependency set (once per
 * run) and resolves { mode: 'npm' | 'jest', info, deps }; rejects with CannotRun when
 * the exercise cannot be scored for a reason outside the agent.
 */
export async function prepareExercise(item, { depsCache, env = process.env } = {}) {
  if (item.cannotRun) throw new CannotRun(item.cannotRun);
  const info = readExercisePackage(item.dir);
  if (!info || (!info.hasDeps && !info.testScript)) return { mode: 'jest' };
  if (!info.testScript || NO_TEST.test(info.testScript)) throw new CannotRun('its package.json has no test script');
  const deps = info.hasDeps ? await ensureDeps(info, { cacheDir: depsCache, env }) : null;
  return { mode: 'npm', info, deps };
}

/** After the agent ran: { passed, total, results, tests, testExitCode } or a rejection with CannotRun. */
export async function scoreExercise(ws, item, plan, { env = process.env } = {}) {
  if (plan.mode === 'jest') return scoreWithOurJest(ws, item.spec);
  const unlink = plan.deps ? linkDeps(ws, plan.deps.nodeModules) : () => {};
  try {
    return await scoreWithNpmTest(ws, item, plan.info.testScript, env);
  } finally {
    unlink();
  }
}

// Only a script that is one plain jest call gets our --json flags; anything else is judged by its exit code.
const PLAIN_JEST = /^\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:npx\s+)?jest(?:\s[^;&|<>`$()]*)?$/;

function tempReport() {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-bench-jest-')), 'jest.json');
}

function readReport(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

const firstLine = (text) => String(text ?? '').split('\n').map((l) => l.trim()).find(Boolean) ?? '';
const tail = (text, n = 3) => String(text ?? '').trim().split('\n').slice(-n).join(' ');

/** Jest's --json report as check rows: skipped (pending) and todo tests are counted, not scored. */
export function jestResults(report, label) {
  const tests = { passed: report.numPassedTests ?? 0, failed: report.numFailedTests ?? 0, skipped: report.numPendingTests ?? 0, todo: report.numTodoTests ?? 0 };
  const results = [];
  for (const file of report.testResults ?? []) {
    const scored = (file.assertionResults ?? []).filter((a) => a.status === 'passed' || a.status === 'failed');
    if (scored.length === 0 && (file.status === 'failed' || file.message)) {
      results.push({ label, type: 'jest', pass: false, detail: firstLine(file.message) || 'test suite failed to run' });
      continue;
    }
    for (const a of scored) results.push({ label: a.fullName, type: 'jest', pass: a.status === 'passed', ...(a.status === 'passed' ? {} : { detail: firstLine(a.failureMessages?.[0] ?? a.status) }) });
  }
  return { results, tests };
}

/**
 * A suite that cannot load a module the suite itself should ship (a data file outside FILES.txt,
 * a package its package.json does not name) cannot run; a missing in-scope file is the agent's.
 */
function missingSuiteData(report, ws, scope) {
  for (const file of report?.testResults ?? []) {
    const m = /Cannot find module '([^']+)' from '([^']+)'/.exec(file.message ?? '');
    if (!m) continue;
    const [, wanted, from] = m;
    if (!wanted.startsWith('.')) return `the tests need the package "${wanted}", which the exercise's package.json does not provide`;
    const rel = path.relative(ws, path.resolve(ws, path.dirname(from), wanted)).split(path.sep).join('/');
    const inScope = scope.some((f) => f === rel || f.replace(/\.[cm]?[jt]sx?$/, '') === rel);
    if (!inScope) return `the tests need "${rel}", which the suite does not ship`;
  }
  return null;
}

/**
 * `npm test` semantics, with the script read from the suite's package.json (an agent that rewrote the
 * workspace's copy, say to `exit 0`, is not scored by its own script): sh runs it in the workspace
 * with node_modules/.bin (the cache's) first on PATH.
 */
async function scoreWithNpmTest(ws, item, script, env) {
  const report = PLAIN_JEST.test(script) ? tempReport() : null;
  const command = report ? `${script} --ci --json --outputFile '${report.replace(/'/g, "'\\''")}'` : script;
  const testEnv = { ...env, PATH: [path.join(ws, 'node_modules', '.bin'), env.PATH].filter(Boolean).join(path.delimiter), CI: 'true', npm_lifecycle_event: 'test' };
  const run = await spawnCollect('sh', ['-c', command], { cwd: ws, env: testEnv, timeoutMs: TEST_TIMEOUT_MS });
  const parsed = report ? readReport(report) : null;
  if (run.code === 127 || /(^|\n)sh: \d+: \S+: not found/.test(run.output)) {
    throw new CannotRun(`its test script's command was not found: ${tail(run.output, 1)}`);
  }
  if (run.code !== 0 && parsed) {
    const missing = missingSuiteData(parsed, ws, item.files);
    if (missing) throw new CannotRun(missing);
  }
  let results;
  let tests = null;
  if (parsed) ({ results, tests } = jestResults(parsed, `npm test (${item.spec ?? 'jest'})`));
  else results = [{ label: 'npm test', type: 'npm-test', pass: run.code === 0 }];
  // The pass rule is npm's exit code: a non-zero exit with no failing test still fails (and says why).
  if (run.code !== 0 && results.every((r) => r.pass)) results.push({ label: 'npm test', type: 'npm-test', pass: false, detail: `exited ${run.code}: ${tail(run.output)}` });
  if (run.code === 0) for (const r of results) r.pass = true;
  return { passed: results.filter((r) => r.pass).length, total: results.length, results, tests, testExitCode: run.code };
}

/** Our Jest on the exercise's spec (an exercise without package.json). */
export async function scoreWithOurJest(ws, spec) {
  const jest = require.resolve('jest/bin/jest');
  const report = tempReport();
  // An inline config: the temp workspace has none, and Jest would search the parent folders.
  const config = JSON.stringify({ rootDir: ws, testPathIgnorePatterns: ['/\\.red-exec-logs/', '/node_modules/'], watchman: false });
  const run = await spawnCollect(process.execPath, [jest, '--config', config, '--ci', '--json', '--outputFile', report, '--', spec], { cwd: ws, env: process.env, timeoutMs: TEST_TIMEOUT_MS });
  const parsed = readReport(report);
  if (!parsed) return { passed: 0, total: 1, results: [{ label: `jest ${spec}`, type: 'jest', pass: false, detail: tail(run.output) }], tests: null, testExitCode: run.code };
  const { results, tests } = jestResults(parsed, `jest ${spec}`);
  if (results.length === 0) results.push({ label: `jest ${spec}`, type: 'jest', pass: run.code === 0, detail: run.code === 0 ? undefined : tail(run.output) });
  return { passed: results.filter((r) => r.pass).length, total: results.length, results, tests, testExitCode: run.code };
}
