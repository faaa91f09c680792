// The live benchmark path end to end without model weights: `red-exec --benchmark polyglot --live
// <model>` with RED_EXEC_LIVE_SERVE pointing at a stand-in server (tests/support/live-stand-in.mjs)
// that answers one exercise from its solution. The three configs, the scorer and the audit, the
// JSON-lines results, --resume, `npm run bench:live`'s section, and Ctrl-C stopping the server.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sampleItems, parseConfigs, failureCause, verifyCommand } from '../../benchmarks/lib/live.mjs';
import { START, END } from '../../benchmarks/lib/live-report.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(ROOT, 'npm/red-exec/bin/red-exec.js');
const STAND_IN = path.join(ROOT, 'tests/support/live-stand-in.mjs');
const EXERCISE = 'luhn';
const MODEL = 'qwen2.5-coder-1.5b';

function setup(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-live-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const env = { ...process.env, RED_EXEC_LIVE_SERVE: STAND_IN, STAND_IN_SOLUTION: path.join(ROOT, 'benchmarks/polyglot', EXERCISE, 'solution'), STAND_IN_LOG: path.join(dir, 'requests.jsonl'), STAND_IN_PID_FILE: path.join(dir, 'server.pid') };
  delete env.RED_EXEC_BASE_URL;
  delete env.RED_EXEC_TIMEOUT;
  return { dir, env, results: path.join(dir, 'live.jsonl'), requests: () => readLines(path.join(dir, 'requests.jsonl')) };
}

const readLines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const live = (args, env) => spawnSync(process.execPath, [BIN, '--benchmark', 'polyglot', '--live', MODEL, '--exercise', EXERCISE, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 240_000 });

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('--live runs the pipeline, the pipeline with --verify and the whole-file baseline, scored and audited, one JSON line each', (t) => {
  const s = setup(t);
  // The baseline gets a file that does not parse: it writes it as is, and the audit must see it.
  const r = live(['--out', s.results], { ...s.env, STAND_IN_BASELINE: 'broken' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const records = readLines(s.results);
  assert.deepEqual(records.map((x) => x.config), ['pipeline', 'pipeline+verify', 'baseline']);
  for (const x of records) {
    assert.equal(x.suite, 'polyglot');
    assert.equal(x.item, EXERCISE);
    assert.equal(x.model, MODEL);
    assert.equal(x.quantisation, 'Q4_K_M');
    assert.equal(x.threads, 1);
    assert.equal(x.machine.cores, os.cpus().length);
    assert.ok(x.calls >= 1 && x.promptTokens > 0 && x.completionTokens > 0, JSON.stringify(x));
    assert.ok(Number.isFinite(x.wallMs));
  }
  const [pipeline, verify, baseline] = records;
  // Scored by the exercise's Jest spec: every test passes for the pipeline's (correct) answer.
  assert.equal(pipeline.pass, true, JSON.stringify(pipeline));
  assert.ok(pipeline.total > 1 && pipeline.passed === pipeline.total);
  assert.equal(pipeline.status, 'OK');
  assert.deepEqual(pipeline.badWrites, []);
  assert.equal(pipeline.verify, null);
  assert.equal(verify.pass, true, JSON.stringify(verify));
  assert.equal(verify.verify, `jest ${EXERCISE}.spec.js`);
  // The server's prompt cache, as it reported it: the verify run's call began like the run's before.
  assert.equal(pipeline.cachedTokens, 0);
  assert.ok(verify.cachedTokens > 0 && verify.cachedTokens < verify.promptTokens, JSON.stringify(verify));
  // The baseline wrote the broken answer: no test passes, and the audit names the bad write.
  assert.equal(baseline.pass, false);
  assert.equal(baseline.cause, 'check_failed');
  assert.equal(baseline.calls, 1);
  assert.deepEqual(baseline.badWrites.map((b) => [b.path, b.why]), [[`${EXERCISE}.js`, 'syntax']]);

  // What the server saw: no plan call (one file in scope: the pipeline derives its plan), so no
  // call with the plan's JSON schema; the baseline's call has none either.
  const seen = s.requests();
  const plans = seen.filter((q) => q.stage === 'L1');
  assert.equal(plans.length, 0, JSON.stringify(seen));
  for (const p of plans) {
    assert.equal(p.responseFormat?.type, 'json_schema', JSON.stringify(p));
    assert.equal(p.responseFormat.json_schema.strict, true);
    assert.ok(p.responseFormat.json_schema.schema.properties, JSON.stringify(p.responseFormat));
  }
  assert.equal(pipeline.responseFormat ?? null, null, 'no call carried a schema');
  const whole = seen.filter((q) => q.stage === 'whole-file');
  assert.deepEqual(whole.map((q) => [q.target, q.responseFormat]), [[`${EXERCISE}.js`, null]]);
  // The server is stopped at the end.
  assert.equal(alive(Number(fs.readFileSync(path.join(s.dir, 'server.pid'), 'utf8'))), false);

  // bench:live replaces its section in place and leaves the rest of the file alone.
  const md = path.join(s.dir, 'RESULTS.md');
  fs.writeFileSync(md, `# Benchmark results\n\nbefore\n\n${START}\nold figures\n${END}\n\nafter\n`);
  const gen = spawnSync(process.execPath, [path.join(ROOT, 'benchmarks/scripts/live.mjs'), '--results', s.results, '--out', md], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const doc = fs.readFileSync(md, 'utf8');
  assert.ok(doc.startsWith('# Benchmark results\n\nbefore\n\n'), doc);
  assert.ok(doc.endsWith(`${END}\n\nafter\n`), doc);
  assert.doesNotMatch(doc, /old figures/);
  assert.match(doc, /Model \*\*qwen2\.5-coder-1\.5b\*\*, quantisation Q4_K_M, 1 thread\(s\)/);
  assert.match(doc, /\| polyglot \| pipeline \| 1 \| 1\/1 \(100%\) \| 11\/11 \|/);
  assert.match(doc, new RegExp(`\\| polyglot \\| pipeline\\+verify \\| 1 \\| 1/1 \\(100%\\) \\| 11/11 \\| \\d+ \\| [\\d,]+ \\(${verify.cachedTokens.toLocaleString('en-US')} cached\\) \\|`));
  assert.match(doc, /\| polyglot \| baseline \| 1 \| 0\/1 \(0%\) \| 0\/1 \| 1 \|/);
  assert.match(doc, /\| baseline \| 1 \| 0 \| 0 \| 0 \| 1 \(100%\) \| 0 \| 0 \|/);
  assert.match(doc, /- polyglot luhn, baseline: luhn\.js syntax/);
  assert.equal(doc.split(START).length, 2);
});

test('--resume runs only what the results file does not hold yet, and appends to it', (t) => {
  const s = setup(t);
  const first = live(['--out', s.results, '--configs', 'pipeline'], s.env);
  assert.equal(first.status, 0, first.stdout + first.stderr);
  const before = fs.readFileSync(s.results, 'utf8');
  assert.equal(readLines(s.results).length, 1);
  // A run killed while writing leaves a torn last line: ignored, not fatal.
  fs.appendFileSync(s.results, '{"suite":"polyglot","item":"lu');
  const again = live(['--resume', s.results], s.env);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.match(again.stdout, /Resuming .*: 1 already done, 2 to run/);
  const text = fs.readFileSync(s.results, 'utf8');
  assert.ok(text.startsWith(before), `the records already there are kept as they were:\n${text}\n${again.stdout}${again.stderr}`);
  const configs = text.split('\n').flatMap((l) => { try { return [JSON.parse(l).config]; } catch { return []; } });
  assert.deepEqual(configs, ['pipeline', 'pipeline+verify', 'baseline'], `${text}\n${again.stdout}${again.stderr}`);
  // Everything done: nothing runs, the server is not even started.
  fs.rmSync(path.join(s.dir, 'server.pid'));
  const done = live(['--resume', s.results], s.env);
  assert.equal(done.status, 0, done.stdout + done.stderr);
  assert.match(done.stdout, /3 already done, 0 to run/, done.stdout + done.stderr);
  assert.equal(fs.existsSync(path.join(s.dir, 'server.pid')), false);
});

test('Ctrl-C stops the run in flight and the live server: no orphan, no half record', async (t) => {
  const s = setup(t);
  const child = spawn(process.execPath, [BIN, '--benchmark', 'polyglot', '--live', MODEL, '--exercise', EXERCISE, '--out', s.results], { cwd: ROOT, env: { ...s.env, STAND_IN_HOLD: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  // Wait until the server holds the first model call: the run is in flight.
  while (s.requests().length === 0) {
    const early = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 50))]);
    assert.equal(early, null, `exited before the first call: ${output}`);
  }
  const serverPid = Number(fs.readFileSync(path.join(s.dir, 'server.pid'), 'utf8'));
  assert.equal(alive(serverPid), true);
  child.kill('SIGINT');
  const { code } = await exited;
  assert.equal(code, 130, output);
  assert.match(output, /rerun with --resume/);
  assert.equal(alive(serverPid), false, 'the live server is stopped');
  assert.equal(readLines(s.results).length, 0, 'a run cut short is not a result');
});

test('a live server that exits before listening is one clear error', (t) => {
  const s = setup(t);
  const r = live(['--out', s.results], { ...s.env, STAND_IN_SOLUTION: path.join(s.dir, 'missing') });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stderr, /live server live-stand-in\.mjs exited \(1\) before listening/);
});

test('option checks, the sample and the cause classes', () => {
  const usage = (args) => spawnSync(process.execPath, [BIN, '--benchmark', 'polyglot', ...args], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(usage(['--live', MODEL, '--configs', 'pipeline,nope']).status, 2);
  assert.equal(usage(['--live', MODEL, '--jobs', '2']).status, 2);
  assert.equal(usage(['--live-url', 'http://127.0.0.1:1/v1']).status, 2);
  assert.equal(usage(['--sample', '2']).status, 2);
  assert.deepEqual(parseConfigs('baseline,verify'), ['pipeline+verify', 'baseline']);
  const items = 'abcdefghij'.split('').map((name) => ({ name }));
  const a = sampleItems(items, 4, 7).map((i) => i.name);
  assert.deepEqual(sampleItems(items, 4, 7).map((i) => i.name), a);
  assert.equal(a.length, 4);
  assert.deepEqual([...a].sort(), a);
  assert.notDeepEqual(sampleItems(items, 4, 8).map((i) => i.name), a);
  const failed = { passed: 0, total: 3 };
  assert.equal(failureCause({ passed: 3, total: 3 }, 'pipeline'), null);
  assert.equal(failureCause({ ...failed, errorCode: 'plan_invalid', status: 'FAILED' }, 'pipeline'), 'plan_invalid');
  assert.equal(failureCause({ ...failed, errorCode: 'model_answer', status: 'FAILED' }, 'pipeline'), 'answer_unusable');
  assert.equal(failureCause({ ...failed, status: 'FAILED', blocked: 1 }, 'pipeline'), 'gate_blocked');
  assert.equal(failureCause({ ...failed, status: 'VERIFY_FAILED' }, 'pipeline+verify'), 'check_failed');
  assert.equal(failureCause({ ...failed, timedOut: true }, 'baseline'), 'timeout');
  assert.equal(failureCause({ ...failed, error: 'boom' }, 'baseline'), 'cannot_run');
});

test('the --verify check: the spec under our Jest, an exercise\'s own test script, a fixture\'s npm test or none', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-live-verify-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const luhn = await verifyCommand({ kind: 'polyglot', name: 'luhn', dir: path.join(ROOT, 'benchmarks/polyglot/luhn'), spec: 'luhn.spec.js', files: ['luhn.js'] });
  assert.equal(luhn.label, 'jest luhn.spec.js');
  // An exercise with its own test script and no dependencies: that script, run by sh in the workspace.
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ scripts: { test: 'node check.js' } }));
  fs.writeFileSync(path.join(dir, 'check.js'), "process.exit(require('fs').existsSync('ok') ? 0 : 3);\n");
  const own = await verifyCommand({ kind: 'polyglot', name: 'own', dir, spec: 'x.spec.js', files: ['x.js'] });
  assert.equal(own.label, 'npm test');
  assert.equal(spawnSync('sh', ['-c', own.command], { cwd: dir }).status, 3);
  fs.writeFileSync(path.join(dir, 'ok'), '');
  assert.equal(spawnSync('sh', ['-c', own.command], { cwd: dir }).status, 0);
  // Fixtures: their own npm test where the workspace has one (module-split does), none otherwise.
  assert.deepEqual(await verifyCommand({ kind: 'multifile', name: 'module-split', dir: path.join(ROOT, 'benchmarks/multifile/module-split') }), { label: 'npm test', command: 'npm test' });
  assert.equal(await verifyCommand({ kind: 'multifile', name: 'ts-validators', dir: path.join(ROOT, 'benchmarks/multifile/ts-validators') }), null);
  fs.mkdirSync(path.join(dir, 'workspace'));
  fs.writeFileSync(path.join(dir, 'workspace', 'package.json'), JSON.stringify({ scripts: { test: 'node t.js' } }));
  assert.deepEqual(await verifyCommand({ kind: 'multifile', name: 'f', dir }), { label: 'npm test', command: 'npm test' });
});
