// The API key reaches the model server and nothing else: not a file under the workspace (logs,
// report, violation log, the debug zip's contents), not a line of output, even when the model or
// the server repeats it back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, lastRunLog, fenced, planJson, allFiles, unzipText, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const KEY = 'sk-redexec-SECRET-0123456789abcdef';
// What would still give the key away if only part of it were masked.
const PIECES = [KEY, KEY.slice(3), 'SECRET-0123456789abcdef', '0123456789abcdef'];

const server = useModelServer();

const TASK = 'Add a GET /health route';
const run = (ws, extra = []) =>
  runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, ...extra], { cwd: ws, env: { RED_EXEC_API_KEY: KEY } });

/** Fail if any piece of the key is in `text`, naming where. */
function assertClean(where, text) {
  for (const piece of PIECES) assert.equal(text.includes(piece), false, `${where} contains "${piece}"`);
}

/**
 * Every file under the workspace, red-exec's own included, checked as bytes; every zip also
 * unpacked and each entry checked (a deflated key would not show in the zip's bytes).
 * Returns the workspace-relative names seen.
 */
function assertWorkspaceClean(ws, { except = [] } = {}) {
  const names = [];
  for (const file of allFiles(ws)) {
    const rel = path.relative(ws, file);
    names.push(rel);
    if (except.includes(rel)) continue;
    assertClean(rel, fs.readFileSync(file).toString('latin1'));
    if (file.endsWith('.zip')) {
      for (const [entry, text] of Object.entries(unzipText(file))) assertClean(`${rel}: ${entry}`, text);
    }
  }
  return names;
}

test('a full run with --report --export-debug: the key is sent, and is in no file of red-exec\'s and no output line', async () => {
  const ws = makeWorkspace();
  // A model that repeats the key in its plan and in the code it writes.
  const leakyCode = SERVER_WITH_HEALTH.replace("'use strict';\n", `'use strict';\n// deploy key: ${KEY}\n`);
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: `add GET /health (key ${KEY})` }]))
    .answer(fenced(leakyCode));
  const r = await run(ws, ['--report', '--export-debug', '--diff']);

  assert.equal(r.code, 0, r.stderr);
  assert.equal(server.requests[0].headers.authorization, `Bearer ${KEY}`, 'the key was really in use');
  // Redaction never edits content: the file is the answer as it came, and the user is told.
  assert.equal(fs.readFileSync(path.join(ws, 'src/server.js'), 'utf8'), leakyCode, 'the file is written as answered');
  assert.match(r.stdout, /^\+\/\/ deploy key: \*\*\*$/m, 'the diff on the terminal shows it masked');
  assert.match(r.stdout, /secret_in_file|holds the API key/, 'the report warns of the key in the file');

  const log = lastRunLog(ws);
  const zip = path.join(LOG_DIR, log.id, `debug-${log.id}.zip`);
  assert.equal(r.stderr, `red-exec: debug bundle: ${zip}\n`);
  const names = assertWorkspaceClean(ws, { except: ['src/server.js'] });
  for (const name of [path.join(LOG_DIR, 'report.md'), zip, path.join(LOG_DIR, log.id, 'events.jsonl'), path.join(LOG_DIR, 'last-run')]) {
    assert.ok(names.includes(name), `${name} was written (and checked)`);
  }
  // The checks above look at real text: the key's masked echoes are in the log and the bundle.
  // (One file in scope: the plan is derived, so the key reaches the log in the code answer only.)
  assert.match(log.text, /deploy key: \*\*\*/);
  assert.match(unzipText(path.join(ws, zip))['files/src/server.js'], /deploy key: \*\*\*/);
  for (const [where, text] of [['stdout', r.stdout], ['stderr', r.stderr]]) assertClean(where, text);
});

test('failing runs whose server echoes the key (401, 500, a non-JSON body): masked in the message, the log and the debug bundle', async () => {
  const ws = makeWorkspace();
  const echoes = [
    {
      script: () => server.fail(401, { error: { message: `Incorrect API key provided: ${KEY}` } }),
      code: 5,
      line: /^red-exec: model server \S+ answered 401 Unauthorized: Incorrect API key provided: \*\*\* \(check the API key\) \[model_auth\]/,
    },
    {
      script: () => {
        for (let i = 0; i < 3; i++) server.fail(500, { error: { message: `upstream rejected Bearer ${KEY}` } });
      },
      code: 6,
      line: /^red-exec: model server \S+ answered 500 Internal Server Error: upstream rejected Bearer \*\*\* \(after 2 retries\) \[model_unavailable\]/,
    },
    {
      script: () => server.garbage(`<html>proxy error for ${KEY}</html>`),
      code: 7,
      line: /^red-exec: model server did not answer with JSON \(body starts: "<html>proxy error for \*\*\*<\/html>"\) \[model_answer\]/,
    },
  ];
  for (const [i, echo] of echoes.entries()) {
    echo.script();
    // One of them as --json, whose stdout carries the error message too. A FAILED run makes no
    // bundle by itself, so each asks for one.
    const r = await run(ws, [...(i === 1 ? ['--json'] : []), '--export-debug']);
    assert.equal(r.code, echo.code, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], echo.line);
    assert.match(lines[0], /\(debug bundle: \S+\.zip\)$/, 'the bundle asked for');
    assertClean(`stdout of run ${i}`, r.stdout);
    assertClean(`stderr of run ${i}`, r.stderr);
    if (i === 1) {
      assert.match(JSON.parse(r.stdout).error.message, /Bearer \*\*\*/);
      assert.equal(lastRunLog(ws).events.filter((e) => e.kind === 'host_retry' && e.message.includes('Bearer ***')).length, 2);
    }
  }
  assert.ok(server.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`));
  const names = assertWorkspaceClean(ws);
  assert.equal(names.filter((n) => n.endsWith('.zip')).length, 3, 'three bundles checked');
});

// A value that cannot be a secret is masked nowhere: local servers document dummy keys such as
// `ollama`, and masking one rewrote every "ollama" in the code the model wrote.
const OLLAMA_CODE = SERVER_WITH_HEALTH.replace("'use strict';\n", "'use strict';\n// Served next to ollama; OLLAMA_HOST is read by the ollama client.\n");

test('RED_EXEC_API_KEY=ollama: the answer\'s "ollama" is in the written file, the diff, --json and the log', async () => {
  const ws = makeWorkspace();
  for (const json of [false, true]) {
    server.answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health (ollama-backed)' }])).answer(fenced(OLLAMA_CODE));
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, json ? '--json' : '--diff'], { cwd: ws, env: { RED_EXEC_API_KEY: 'ollama' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(server.requests.at(-1).headers.authorization, 'Bearer ollama', 'the key was in use');
    assert.equal(fs.readFileSync(path.join(ws, 'src/server.js'), 'utf8'), OLLAMA_CODE);
    assert.equal(r.stdout.includes('***'), false, r.stdout);
    if (json) assert.match(JSON.parse(r.stdout).files[0].diff, /\+\/\/ Served next to ollama; OLLAMA_HOST is read by the ollama client\./);
    else assert.match(r.stdout, /^\+\/\/ Served next to ollama; OLLAMA_HOST is read by the ollama client\.$/m);
    const log = lastRunLog(ws);
    assert.equal(log.text.includes('***'), false, 'the log is not masked either');
    assert.match(log.text, /Served next to ollama/);
    // The next pass starts from the original file again.
    fs.writeFileSync(path.join(ws, 'src/server.js'), fs.readFileSync(new URL('../fixtures/express-app/src/server.js', import.meta.url)));
  }
});

test('a one-letter key mangles nothing: report, file, diff, and the --verify check keeps PATH', async () => {
  const ws = makeWorkspace();
  server.answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }])).answer(fenced(SERVER_WITH_HEALTH));
  // "e" is in nearly every word of the report and in PATH: masked, it would make both unreadable.
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--diff', '--verify', 'test -n "$PATH" && test -n "$HOME"'], {
    cwd: ws,
    env: { RED_EXEC_API_KEY: 'e', HOME: '/home/someone' },
  });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.stdout.includes('***'), false, r.stdout);
  assert.match(r.stdout, /Status:\s+OK/);
  assert.match(r.stdout, /'GET \/health'/);
  assert.equal(fs.readFileSync(path.join(ws, 'src/server.js'), 'utf8'), SERVER_WITH_HEALTH);
  assert.equal(lastRunLog(ws).text.includes('***'), false);
});

test('the rule: long random-looking keys are masked, short or single-case words are not', async () => {
  const { looksSecret } = await import('../../npm/red-exec/lib/redact.js');
  for (const key of [KEY, 'sk-proj-Ab3dEf6hIj9kLm', 'deadbeef12', 'AbCdEfGhIj']) assert.equal(looksSecret(key), true, key);
  for (const key of ['ollama', 'lm-studio', 'EMPTY', 'none', 'not-needed', 'sk-no-key-required', 'sk-test', 'e', 'sk-1234', '']) assert.equal(looksSecret(key), false, key);
});
