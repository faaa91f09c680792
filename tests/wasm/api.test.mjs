// The wasm API as the built module exports it (npm/core/dist), driven directly, without the JS
// driver: every export with good input and with bad input, the version, the table of error codes
// (and the CLI's exit codes checked against it), and the host's words (in the manner of ruff's
// crates/ruff_wasm/tests/api.rs). The panic export comes last: a panic aborts the instance.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as wasm from '../../npm/core/dist/red_exec_wasm.js';
import { CORE_ERROR_EXIT, EXIT } from '../../npm/red-exec/lib/exit-codes.js';
import { WORDS } from '../../npm/red-exec/lib/words.js';
import { fenced } from '../support/cli.mjs';

wasm.initSync({ module: fs.readFileSync(new URL('../../npm/core/dist/red_exec_wasm_bg.wasm', import.meta.url)) });

const CARGO_VERSION = /^version = "(.+)"$/m.exec(fs.readFileSync(new URL('../../Cargo.toml', import.meta.url), 'utf8'))[1];

/** `fn()` throws one Error whose message is one line and matches `pattern`. */
function throwsOneLine(fn, pattern) {
  let error;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof Error, `expected an Error, got ${error}`);
  assert.match(error.message, pattern);
  assert.ok(!error.message.includes('\n'), `one line: ${JSON.stringify(error.message)}`);
}

/** A whole run of one new file through `Session`, answering every request; the result. */
function runCreate(words) {
  const session = new wasm.Session({ task: 'Create src/add.js exporting add(a, b)', files: ['src/add.js'], words, runId: 'api-test' });
  const requests = [];
  const events = [];
  let reply;
  for (let i = 0; i < 20; i++) {
    const step = session.resume(reply);
    assert.ok(Array.isArray(step.events));
    events.push(...step.events.map((e) => ({ ...e, request: step.request })));
    requests.push(step.request.kind);
    const request = step.request;
    if (request.kind === 'done') {
      session.free();
      return { result: request.result, requests, events };
    }
    if (request.kind === 'read') {
      reply = { kind: 'files', files: Object.fromEntries(request.paths.map((p) => [p, { state: 'absent' }])) };
    } else if (request.kind === 'complete') {
      assert.equal(request.request.stage, 'L3');
      reply = { kind: 'completion', text: fenced('function add(a, b) {\n  return a + b;\n}\n\nmodule.exports = { add };\n'), usage: { promptTokens: 10, completionTokens: 5 } };
    } else if (request.kind === 'write') {
      reply = { kind: 'written' };
    } else {
      assert.fail(`unexpected request ${request.kind}`);
    }
  }
  assert.fail('the run did not end');
}

test('version is the crate version; newRunId is sortable and unique', () => {
  assert.equal(wasm.version(), CARGO_VERSION);
  const a = wasm.newRunId();
  const b = wasm.newRunId();
  assert.match(a, /^\d{8}-\d{6}-[0-9a-f]{6}$/);
  assert.notEqual(a, b);
});

test('knownModels and gateRules list what the core knows, in the host-neutral words', () => {
  const models = wasm.knownModels();
  assert.ok(Object.keys(models).length > 0);
  for (const [name, info] of Object.entries(models)) {
    assert.ok(['deepseek', 'openai'].includes(info.provider), name);
    assert.equal(typeof info.inputPerM, 'number');
    assert.equal(typeof info.outputPerM, 'number');
  }
  const rules = wasm.gateRules();
  assert.ok(rules.some((r) => r.name === 'in_scope') && rules.some((r) => r.name === 'new_capability'));
  for (const rule of rules) {
    assert.match(rule.name, /^[a-z_]+$/);
    assert.ok(!/--[a-z]/.test(rule.summary), `${rule.name}: a CLI flag in ${rule.summary}`);
  }
});

test('toolPath: a red-exec file, an ordinary file, a path outside the workspace', () => {
  assert.match(wasm.toolPath('.red-exec-logs/last-run'), /red-exec/);
  assert.equal(wasm.toolPath('src/a.js'), undefined);
  assert.equal(wasm.toolPath('../outside.js'), undefined);
});

test('errorCodes is the one table of codes, and the CLI exit codes agree with it', () => {
  const rows = wasm.errorCodes();
  const codes = rows.map((r) => r.code);
  assert.equal(new Set(codes).size, codes.length);
  assert.deepEqual(Object.fromEntries(rows.map((r) => [r.code, r.exit])), { ...CORE_ERROR_EXIT });
  for (const row of rows) {
    assert.ok(['FAILED', 'VERIFY_FAILED', 'INTERRUPTED', 'CRASHED'].includes(row.status), row.code);
    assert.ok(row.message.length > 0 && row.advice.length > 0, row.code);
    assert.ok(!/[{}]/.test(row.advice), `${row.code}: an unfilled word in ${row.advice}`);
    assert.ok(!/--[a-z]/.test(row.advice) && !/--[a-z]/.test(row.message), `${row.code}: a CLI flag without the CLI's words`);
  }
  assert.equal(rows.find((r) => r.code === 'host_protocol').status, 'CRASHED');
  assert.equal(rows.find((r) => r.code === 'host_protocol').exit, EXIT.INTERNAL);
  // In the CLI's words, the advice names its flags.
  const cli = Object.fromEntries(wasm.errorCodes(WORDS).map((r) => [r.code, r.advice]));
  assert.equal(cli.input_files, 'Give a task and at least one file with `--files`.');
  assert.match(cli.input_over_budget, /raise `--context-budget`, pass fewer `--read` files/);
  assert.match(cli.host_protocol, /`red-exec --export-debug --run-id <run-id>`/);
  throwsOneLine(() => wasm.errorCodes({ flies: '--files' }), /^invalid words: unknown word `flies` \(known: files, read, contextBudget, /);
  throwsOneLine(() => wasm.errorCodes({ files: 7 }), /^invalid words: invalid type: floating point `7(\.0)?`, expected a string/);
});

test('Session: a whole run, request by request, and the words the host gave', () => {
  const { result, requests } = runCreate(WORDS);
  assert.deepEqual(requests, ['read', 'complete', 'write', 'done']);
  assert.equal(result.status, 'OK');
  assert.equal(result.error, null);
  assert.deepEqual(result.files.map((f) => [f.path, f.outcome]), [['src/add.js', 'written']]);
  // The words reach the core's messages: with none, the run input's own names; with the CLI's, its flags.
  const bare = new wasm.Session({ task: 't', files: [] }).resume(undefined).request.result;
  assert.equal(bare.error.code, 'input_files');
  assert.equal(bare.error.message, 'no files in scope: give at least one path with files');
  const cli = new wasm.Session({ task: 't', files: [], words: WORDS }).resume(undefined).request.result;
  assert.equal(cli.error.message, 'no files in scope: give at least one path with --files');
});

test('Session: a prompt and an answer cross once; their events come without them (runTask fills them in)', () => {
  const { events } = runCreate(WORDS);
  const asked = events.find((e) => e.kind === 'model_request');
  assert.equal(asked.request.kind, 'complete', 'in the same step as its request');
  assert.equal(asked.id, asked.request.request.id);
  assert.ok(asked.request.request.messages.length > 0);
  assert.deepEqual(asked.messages, []);
  const answered = events.find((e) => e.kind === 'model_response');
  assert.equal(answered.text, '');
  assert.deepEqual(answered.usage, { promptTokens: 10, completionTokens: 5 });
});

test('Session: malformed input and replies are refused with one clear message', () => {
  throwsOneLine(() => new wasm.Session({ files: ['a.js'] }), /^invalid run input: missing field `task`/);
  throwsOneLine(() => new wasm.Session({ task: 't', files: 'a.js' }), /^invalid run input: /);
  throwsOneLine(() => new wasm.Session({ task: 't', files: ['a.js'], options: { gate: 'sometimes' } }), /^invalid run input: unknown variant `sometimes`/);
  throwsOneLine(() => new wasm.Session({ task: 't', files: ['a.js'], words: { flies: 'x' } }), /^invalid run input: unknown word `flies`/);
  throwsOneLine(() => new wasm.Session({ task: 't', files: ['a.js'], words: { files: ['--files'] } }), /^invalid run input: invalid type/);
  // Words left out, undefined or null: none given.
  for (const words of [undefined, null, {}]) new wasm.Session({ task: 't', files: ['a.js'], words }).free();
  const session = new wasm.Session({ task: 't', files: ['a.js'] });
  assert.equal(session.resume(undefined).request.kind, 'read');
  throwsOneLine(() => session.resume({ kind: 'nope' }), /^invalid host reply: unknown variant `nope`/);
  // A reply the core never asked for ends the run as a bug of the host (CRASHED), not a throw.
  const done = session.resume({ kind: 'written' }).request;
  assert.equal(done.kind, 'done');
  assert.equal(done.result.status, 'CRASHED');
  assert.equal(done.result.error.code, 'host_protocol');
  session.free();
});

test('renderReport and renderMarkdownReport: a result in the host words, and a malformed result', () => {
  const { result } = runCreate(WORDS);
  const text = wasm.renderReport(result, 1500, WORDS);
  assert.match(text, /^=== Run Report ===\nStatus:   OK\n/);
  assert.match(text, /Written:  src\/add\.js\n/);
  assert.equal(wasm.renderReport(result, 1500), text, 'an OK run names no control');
  const md = wasm.renderMarkdownReport(result, 'Create src/add.js', 1500, WORDS);
  assert.match(md, /^# red-exec run report\n/);
  assert.match(md, /\| Status \| \*\*OK\*\* \|/);
  // A failed result's advice, in each host's words.
  const failed = { ...result, status: 'FAILED', error: { code: 'model_answer', message: 'no usable code' } };
  assert.match(wasm.renderMarkdownReport(failed, 't', 1, WORDS), /raise `--max-retries`, or try another `--model`/);
  assert.match(wasm.renderMarkdownReport(failed, 't', 1), /raise `options\.maxRetries`, or try another `options\.model`/);
  throwsOneLine(() => wasm.renderReport({ status: 'OK' }, 1), /^invalid run result: missing field `runId`/);
  throwsOneLine(() => wasm.renderReport({ ...failed, error: { code: 'made_up', message: '?' } }, 1), /^invalid run result: unknown error code `made_up`/);
  throwsOneLine(() => wasm.renderMarkdownReport(result, 't', 1, { report: 7 }), /^invalid words: invalid type/);
});

test('skillStarter and parseSkill: good and bad input', () => {
  const files = [['src/a.js', "'use strict';\nconst a = require('./b');\nmodule.exports = { a };\n"]];
  const starter = wasm.skillStarter(files, '{ "type": "commonjs" }', WORDS);
  assert.match(starter, /^# Project conventions\n\n<!-- Written by `red-exec --init-skill` from 1 source file/);
  assert.match(starter, /`--skill <this file>`/);
  assert.match(wasm.skillStarter(files, undefined), /Written by `skillStarter\(\)` from 1 source file/);
  throwsOneLine(() => wasm.skillStarter('src/a.js', undefined), /^invalid source files \(\[path, text\] pairs\): /);
  assert.deepEqual(wasm.parseSkill('# Rules\n\nBanned: eval, console.log\n<!-- a note -->\n'), { banned: ['eval', 'console.log'], text: '# Rules\n\nBanned: eval, console.log' });
  assert.deepEqual(wasm.parseSkill(''), { banned: [], text: '' });
});

test('lastPanic and panicForDiagnostics: a panic is a thrown error and its message is kept (last: it aborts the instance)', () => {
  assert.equal(wasm.lastPanic(), undefined);
  assert.throws(() => wasm.panicForDiagnostics('boom from the api test'));
  assert.match(wasm.lastPanic(), /boom from the api test/);
});
