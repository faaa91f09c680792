// The bundled example: its transcript replays through `npm run demo` (scripts/demo.mjs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, cleanEnv, tokenLine } from '../support/cli.mjs';

const EXAMPLE = path.join(REPO, 'examples', 'add-health');

function runDemo() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'scripts', 'demo.mjs')], { cwd: REPO, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('the add-health transcript is a clean two-call recording', () => {
  const events = fs.readFileSync(path.join(EXAMPLE, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const requests = events.filter((e) => e.kind === 'model_request');
  assert.deepEqual(requests.map((e) => [e.id, e.stage, e.path]), [[requests[0].id, 'L1', null], [requests[1].id, 'L3', 'src/server.js']]);
  assert.equal(events.filter((e) => e.kind === 'model_response').length, 2);
  const result = events.at(-1);
  assert.equal(result.kind, 'result');
  assert.equal(result.status, 'OK');
  const text = JSON.stringify(events);
  assert.doesNotMatch(text, /Bearer|sk-[A-Za-z0-9]{8}|\/tmp\//, 'no key, header or temp path in the transcript');
});

test('npm run demo replays it: report, diff with the new route, exit 0', async () => {
  const r = await runDemo();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /=== Run Report ===/);
  assert.match(r.stdout, /Status:\s*OK/);
  assert.match(r.stdout, /^\+get\('\/health'/m);
  assert.match(r.stdout, /^\+\s+json\(res, 200, \{ status: 'ok', uptime: Math\.round\(process\.uptime\(\)\) \}\);$/m);
  // A one-file task derives its plan now: the replay passes over the recorded plan call and
  // reports the one call it made, with that call's recorded tokens.
  const events = fs.readFileSync(path.join(EXAMPLE, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const l3 = events.find((e) => e.kind === 'model_request' && e.stage === 'L3');
  const answer = events.find((e) => e.kind === 'model_response' && e.id === l3.id);
  assert.deepEqual(tokenLine(r.stdout), { tokens: answer.usage.promptTokens + answer.usage.completionTokens, calls: 1 });
});
