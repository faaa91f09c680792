#!/usr/bin/env node
// `npm run bench:core`: how fast the machine's own part is, in one process and one run.
//  1. The same work on every side for one whole-file edit: parse the old and the new text, the old
//     text's export facts, the syntax verdict and facts of the new one, a unified diff. The core
//     (wasm, each stage timed inside it by `benchStages`, the boundary by `benchBoundary`) against
//     acorn + jsdiff, meriyah + jsdiff and oxc-parser's npm binding + jsdiff, in interleaved rounds
//     (every contender once per round, the order rotated), min and median of the rounds.
//  2. The whole `runTask` of that edit (an in-memory host that answers instantly): prompts,
//     events, boundary crossings and all; on typescript.js, lodash and generated 50- and 200-file runs.
//  3. The wasm's size, raw and gzipped.  4. Cold start of `red-exec --version` against `node -e 0`.
//  5. The share of a benchmark run's wall time spent outside the model (from the latest results).
// Each of --runs (default 3) is a run of one build, each input's stages and whole runs in a process
// of their own; prints a report and writes
// benchmarks/results/core-speed.json: { runs: [one object per run], wasm, coldStart, outsideModel }.
// Usage: node benchmarks/scripts/core-speed.mjs [--runs N] [--rounds N] [--update-results]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as acorn from 'acorn';
import * as meriyah from 'meriyah';
import { parseSync as oxcParse } from 'oxc-parser';
import { createTwoFilesPatch } from 'diff';
import { runTask } from '@codemaestro/core';
import { coreSpeedSection, replaceSection } from '../lib/core-speed-report.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const RESULTS = path.join(ROOT, 'benchmarks', 'results');
const arg = (name, fallback) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const ROUNDS = Number(arg('--rounds', 5));
const RUNS = Number(arg('--runs', 3));
// A run's child process writes its figures here and prints nothing.
const CHILD_OUT = arg('--child', null);

// The same glue instance @codemaestro/core initialised: the benchmark-only exports live there.
const wasm = await import(pathToFileURL(path.join(path.dirname(require.resolve('@codemaestro/core/package.json')), 'dist', 'red_exec_wasm.js')).href);
if (typeof wasm.benchStages !== 'function') throw new Error('this wasm has no benchStages export: rebuild it (node scripts/build-wasm.mjs)');

// Read from the installed packages (not every one exports its package.json).
const installed = (n) => JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', n, 'package.json'), 'utf8')).version;
const versions = Object.fromEntries(['acorn', 'meriyah', 'oxc-parser', 'diff', 'typescript', 'lodash'].map((n) => [n, installed(n)]));

/** The edit every side processes: a new top-level function appended, as an L3 answer would add it. */
const edited = (text) => `${text}\nfunction benchAddedHelper(a, b) {\n  return a + b;\n}\n`;

// --- the plain-JS contenders: one parser each, the same facts and checks ----------------------

const parsers = {
  'acorn+jsdiff': (text) => {
    const comments = [];
    const ast = acorn.parse(text, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true, onComment: comments });
    return { body: ast.body, comments };
  },
  'meriyah+jsdiff': (text) => {
    const comments = [];
    const ast = meriyah.parseModule(text, { ranges: true, next: true, onComment: (type, value, start, end) => comments.push({ start, end }) });
    return { body: ast.body, comments };
  },
  'oxc-parser+jsdiff': (text) => {
    const r = oxcParse('file.mjs', text);
    if (r.errors.length > 0) throw new SyntaxError(r.errors[0].message);
    return { body: r.program.body, comments: r.comments };
  },
};

/** Exports (ESM and CommonJS), module syntax and top-level items with their leading comments. */
function factsOf({ body, comments }) {
  const exports = new Set();
  let esm = false;
  let cjs = false;
  const isModuleExports = (m) => m?.type === 'MemberExpression' && m.object.name === 'module' && m.property.name === 'exports';
  for (const node of body) {
    if (node.type.startsWith('Export') || node.type === 'ImportDeclaration') esm = true;
    if (node.type === 'ExportNamedDeclaration') {
      for (const s of node.specifiers ?? []) exports.add(s.exported.name ?? s.exported.value);
      const d = node.declaration;
      if (d?.id) exports.add(d.id.name);
      for (const v of d?.declarations ?? []) if (v.id.name) exports.add(v.id.name);
    } else if (node.type === 'ExportDefaultDeclaration') exports.add('default');
    const e = node.type === 'ExpressionStatement' ? node.expression : null;
    if (e?.type === 'AssignmentExpression' && e.left.type === 'MemberExpression') {
      const l = e.left;
      if (isModuleExports(l)) {
        cjs = true;
        if (e.right.type === 'ObjectExpression') for (const p of e.right.properties) if (p.key) exports.add(p.key.name ?? p.key.value);
      } else if (isModuleExports(l.object) || l.object.name === 'exports') {
        cjs = true;
        exports.add(l.property.name);
      }
    }
  }
  let c = 0;
  let prevEnd = 0;
  const items = body.map((node) => {
    let start = node.start;
    while (c < comments.length && comments[c].end <= node.start) {
      if (comments[c].start >= prevEnd) start = Math.min(start, comments[c].start);
      c++;
    }
    prevEnd = node.end;
    return { type: node.type, start, end: node.end };
  });
  return { exports, esm, cjs, items };
}

/** One contender's stages on one edit, each timed; `work` is what the core's stages add up to. */
function jsStages(parse, name, old, now) {
  const t = {};
  let s = performance.now();
  parse(old);
  parse(now);
  t.parse = performance.now() - s;
  s = performance.now();
  const before = factsOf(parse(old));
  t.facts = performance.now() - s;
  s = performance.now();
  let after;
  try {
    after = factsOf(parse(now));
  } catch {
    throw new Error(`${name}: the new text does not parse`);
  }
  const lost = [...before.exports].filter((e) => !after.exports.has(e));
  if (lost.length > 0 || before.esm !== after.esm) throw new Error('js gate failed');
  t.gate = performance.now() - s;
  s = performance.now();
  const patch = createTwoFilesPatch(`a/${name}`, `b/${name}`, old, now, '', '', { context: 3 });
  t.diff = performance.now() - s;
  if (patch.length === 0) throw new Error('js diff found nothing');
  t.work = t.facts + t.gate + t.diff;
  return t;
}

function coreStages(name, old, now) {
  let s = performance.now();
  if (wasm.benchBoundary(old, now) === 0) throw new Error('nothing crossed');
  const boundary = performance.now() - s;
  s = performance.now();
  const r = wasm.benchStages(name, old, now);
  const call = performance.now() - s;
  if (r.violations !== 0 || r.diffBytes === 0) throw new Error(`core stages: ${JSON.stringify(r)}`);
  return { parse: r.parseMs, facts: r.factsMs, gate: r.gateMs, diff: r.diffMs, boundary, work: r.factsMs + r.gateMs + r.diffMs + boundary, call };
}

// --- whole runs through runTask -----------------------------------------------------------------

/** `files`: [{ path, text, next }]: a MODIFY of each, answered at once with `next`. */
async function coreRun(files) {
  const byPath = new Map(files.map((f) => [f.path, f]));
  let writes = 0;
  const result = await runTask({
    // One task for any number of files: a task naming every path would grow every prompt with the files.
    task: files.length === 1 ? `Append a helper to ${files[0].path}` : 'Append a helper to every module in src/',
    files: files.map((f) => f.path),
    options: { model: 'bench', maxRetries: 0, contextBudget: 2_000_000_000 },
    host: {
      complete: async (req) =>
        req.stage === 'L1'
          ? { text: JSON.stringify({ actions: files.map((f) => ({ path: f.path, action: 'MODIFY', intent: 'append a helper' })) }) }
          : { text: `\`\`\`js\n${byPath.get(req.path).next}\`\`\`\n` },
      readFile: async (p) => (byPath.has(p) ? { state: 'present', text: byPath.get(p).text } : { state: 'absent' }),
      writeFile: async () => {
        writes++;
      },
      deleteFile: async () => {},
    },
  });
  if (result.status !== 'OK' || writes !== files.length) {
    const why = result.error ?? result.files?.find((f) => f.error)?.error ?? result.status;
    throw new Error(String(typeof why === 'string' ? why : JSON.stringify(why)).slice(0, 300));
  }
}

/** `n` small CommonJS modules, each requiring the one before it. */
function generated(n) {
  return Array.from({ length: n }, (_, i) => {
    const dep = i > 0 ? `const { value${i - 1} } = require('./m${i - 1}');\n\n` : '';
    const body = i > 0 ? `value${i - 1}(x) + ${i}` : 'x';
    const text = `${dep}/** Step ${i} of the chain. */\nfunction value${i}(x) {\n  return ${body};\n}\n\nfunction label${i}() {\n  return 'm${i}';\n}\n\nmodule.exports = { value${i}, label${i} };\n`;
    const next = text.replace(`module.exports = { value${i}, label${i} };`, `function twice${i}(x) {\n  return 2 * value${i}(x);\n}\n\nmodule.exports = { value${i}, label${i}, twice${i} };`);
    return { path: `src/m${i}.js`, text, next };
  });
}

// --- measuring ------------------------------------------------------------------------------------

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: Number(s[0].toFixed(1)), median: Number(s[Math.floor(s.length / 2)].toFixed(1)) };
};
const STAGES = ['parse', 'facts', 'gate', 'diff', 'boundary', 'work'];

/** Every contender once per round, the starting one rotated, so drift and GC hit all alike. */
async function interleaved(contenders) {
  const names = Object.keys(contenders);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) await contenders[n](); // warm-up: JIT, wasm tier-up
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < names.length; k++) {
      const n = names[(r + k) % names.length];
      const s = performance.now();
      const out = await contenders[n]();
      samples[n].push({ total: performance.now() - s, ...(out ?? {}) });
    }
  }
  return Object.fromEntries(
    names.map((n) => {
      const keys = Object.keys(samples[n][0]).filter((k) => typeof samples[n][0][k] === 'number');
      return [n, Object.fromEntries(keys.map((k) => [k, stats(samples[n].map((x) => x[k]))]))];
    }),
  );
}

// What one child process measures: one input's stages, or one input's whole runs. Each in its own
// process, so one input's garbage (acorn's AST of typescript.js) and the wasm heap it grew never
// weigh on another's figures.
const PARTS = [
  ['stages', 'typescript.js'],
  ['stages', 'lodash.js'],
  ['runs', 'typescript.js'],
  ['runs', 'lodash.js'],
  ['runs', '50 files'],
  ['runs', '200 files'],
];
const readInput = (name) => fs.readFileSync(name === 'typescript.js' ? require.resolve('typescript/lib/typescript.js') : require.resolve('lodash/lodash.js'), 'utf8');

if (CHILD_OUT) {
  const [kind, name] = PARTS[Number(arg('--part'))];
  let part;
  if (kind === 'stages') {
    const text = readInput(name);
    const now = edited(text);
    const contenders = { core: () => coreStages(name, text, now) };
    for (const [n, parse] of Object.entries(parsers)) contenders[n] = () => jsStages(parse, name, text, now);
    part = { name, bytes: Buffer.byteLength(text), lines: text.split('\n').length, results: await interleaved(contenders) };
  } else {
    // Whole runs: the core's runTask against the JS contenders' `work` on the same files.
    const files = name.endsWith(' files') ? generated(Number.parseInt(name, 10)) : [{ path: name, text: readInput(name), next: edited(readInput(name)) }];
    part = { name, files: files.length, bytes: files.reduce((n, f) => n + Buffer.byteLength(f.text), 0) };
    try {
      await coreRun(files);
      const contenders = { runTask: () => coreRun(files) };
      for (const [n, parse] of Object.entries(parsers)) contenders[n] = () => files.forEach((f) => jsStages(parse, f.path, f.text, f.next));
      part.results = await interleaved(contenders);
    } catch (err) {
      part.refused = err.message;
    }
  }
  fs.writeFileSync(CHILD_OUT, JSON.stringify(part));
  process.exit(0);
}

const report = {
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version },
  rounds: ROUNDS,
  versions,
  runs: [],
};
for (let n = 1; n <= RUNS; n++) {
  const run = { stages: [], runs: [] };
  for (const [k, [kind, name]] of PARTS.entries()) {
    const out = path.join(os.tmpdir(), `red-exec-core-speed-${process.pid}-${n}-${k}.json`);
    process.stderr.write(`bench:core: run ${n} of ${RUNS}: ${kind} of ${name}\n`);
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', out, '--part', String(k), '--rounds', String(ROUNDS)], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`run ${n}, ${kind} of ${name}: failed`);
    run[kind].push(JSON.parse(fs.readFileSync(out, 'utf8')));
    fs.rmSync(out);
  }
  report.runs.push(run);
}

const wasmFile = fs.readFileSync(path.join(ROOT, 'npm', 'core', 'dist', 'red_exec_wasm_bg.wasm'));
report.wasm = { rawBytes: wasmFile.length, gzipBytes: zlib.gzipSync(wasmFile, { level: 9 }).length };

function coldStart() {
  const bin = path.join(ROOT, 'npm', 'red-exec', 'bin', 'red-exec.js');
  const runs = { 'red-exec --version': [bin, '--version'], 'node -e 0': ['-e', '0'] };
  const times = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (let i = 0; i < 11; i++) {
    for (const [k, args] of Object.entries(runs)) {
      const t = performance.now();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
      times[k].push(performance.now() - t);
      if (r.status !== 0) throw new Error(`${k} failed: ${r.stderr}`);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, xs]) => [k, stats(xs)]));
}
report.coldStart = coldStart();

function outsideModelShare() {
  const out = {};
  for (const suite of ['multifile', 'polyglot']) {
    const file = path.join(RESULTS, `${suite}-latest.json`);
    if (!fs.existsSync(file)) continue;
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    const { wallMs, modelMs } = r.totals;
    if (wallMs > 0) out[suite] = { wallMs, modelMs, outsideShare: Number(((wallMs - modelMs) / wallMs).toFixed(3)), model: r.model, chaos: r.chaos };
  }
  return out;
}
report.outsideModel = outsideModelShare();

fs.mkdirSync(RESULTS, { recursive: true });
fs.writeFileSync(path.join(RESULTS, 'core-speed.json'), `${JSON.stringify(report, null, 2)}\n`);

// --- the printed report ---------------------------------------------------------------------------

// Each figure: the median of each run's rounds, run by run, and the least of all rounds.
const across = (get) => {
  const xs = report.runs.map(get).filter(Boolean);
  return xs.length === 0 ? null : { medians: xs.map((x) => x.median), min: Math.min(...xs.map((x) => x.min)) };
};
const ms = (a) => (a ? `${a.medians.map((m) => Math.round(m)).join('/')} (${Math.round(a.min)})` : '-');
const mid = (a) => [...a.medians].sort((x, y) => x - y)[Math.floor(a.medians.length / 2)];
const lines = [`Core speed: ms, each run's median of ${ROUNDS} interleaved rounds, run by run (${RUNS} runs), and the least round in (); ${report.machine.cpu}, ${report.machine.cores} cores, node ${report.machine.node}`];
for (const [k, s0] of report.runs[0].stages.entries()) {
  lines.push(`  ${s0.name} (${(s0.bytes / 2 ** 20).toFixed(2)} MB, ${s0.lines} lines), stage by stage:`);
  lines.push(`    ${'contender'.padEnd(18)} ${STAGES.map((st) => st.padStart(22)).join('')}`);
  for (const n of Object.keys(s0.results)) lines.push(`    ${n.padEnd(18)} ${STAGES.map((st) => ms(across((r) => r.stages[k].results[n][st])).padStart(22)).join('')}`);
}
lines.push('  Whole runs (core: runTask; the others: their `work` on every file), and how many times faster the core is (medians):');
for (const [k, r0] of report.runs[0].runs.entries()) {
  if (r0.refused) {
    lines.push(`    ${r0.name}: the core refused the run: ${r0.refused}`);
    continue;
  }
  const core = across((r) => r.runs[k].results?.runTask.total);
  const others = Object.keys(r0.results).filter((n) => n !== 'runTask');
  lines.push(`    ${r0.name}: runTask ${ms(core)}; ${others.map((n) => { const o = across((r) => r.runs[k].results?.[n].total); return `${n} ${ms(o)} = ${(mid(o) / mid(core)).toFixed(2)}x`; }).join('; ')}`);
}
const runOf = (name) => report.runs[0].runs.findIndex((r) => r.name === name && !r.refused);
const [k50, k200] = [runOf('50 files'), runOf('200 files')];
if (k50 >= 0 && k200 >= 0) {
  const ratio = report.runs.map((r) => (r.runs[k200].results.runTask.total.median / (4 * r.runs[k50].results.runTask.total.median)).toFixed(2));
  lines.push(`    200 files / (4 x 50 files), runTask medians, run by run: ${ratio.join('/')}`);
}
lines.push(`  wasm: ${report.wasm.rawBytes} bytes raw, ${report.wasm.gzipBytes} gzipped`);
for (const [k, st] of Object.entries(report.coldStart)) lines.push(`  ${k}: ${st.median} ms median of 11 (min ${st.min})`);
for (const [suite, o] of Object.entries(report.outsideModel)) {
  lines.push(`  ${suite} (${o.model}${o.chaos ? `, chaos ${o.chaos}` : ''}): ${(o.outsideShare * 100).toFixed(1)}% of ${(o.wallMs / 1000).toFixed(1)}s harness wall time outside the model`);
}
process.stdout.write(`${lines.join('\n')}\n`);

// --update-results: RESULTS.md's speed section (only it) from these figures.
if (process.argv.includes('--update-results')) {
  const file = path.join(ROOT, 'benchmarks', 'RESULTS.md');
  fs.writeFileSync(file, replaceSection(fs.readFileSync(file, 'utf8'), coreSpeedSection(report, path.join(ROOT, 'benchmarks'))));
}
