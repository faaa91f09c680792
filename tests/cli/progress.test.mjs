// The TTY status line, driven with a fake terminal stream (spawned runs are never TTYs).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress, describeEvent, wantsColor } from '../../npm/red-exec/lib/progress.js';

function fakeTerminal() {
  const chunks = [];
  return { isTTY: true, columns: 60, chunks, write: (s) => chunks.push(s) };
}

test('describeEvent names the stage, the file and the retry', () => {
  assert.equal(describeEvent({ kind: 'model_request', stage: 'L1', path: null, attempt: 0 }, 'deepseek-chat'), 'L1 planning: waiting for deepseek-chat');
  assert.equal(describeEvent({ kind: 'model_request', stage: 'L3', path: 'src/a.js', attempt: 1 }, 'm'), 'L3 writing src/a.js (retry 1): waiting for m');
  assert.equal(describeEvent({ kind: 'model_response', usage: { promptTokens: 10, completionTokens: 5 }, durationMs: 1500 }, 'm'), 'model answered: 15 tokens in 1.5s');
  assert.equal(describeEvent({ kind: 'write', path: 'src/a.js' }, 'm'), 'wrote src/a.js');
  assert.equal(describeEvent({ kind: 'verify_start', command: 'npm test', attempt: 1 }, 'm'), 'checking: npm test (attempt 2)');
  assert.equal(describeEvent({ kind: 'verify_end', result: { passed: true, exitCode: 0 } }, 'm'), 'check passed');
  assert.equal(describeEvent({ kind: 'verify_end', result: { passed: false, exitCode: 1 } }, 'm'), 'check failed (exit 1)');
  assert.equal(describeEvent({ kind: 'verify_end', result: { passed: false, exitCode: null, timedOut: true } }, 'm'), 'check failed (timed out)');
  assert.equal(describeEvent({ kind: 'verify_end', result: { passed: false, exitCode: null, signal: 'SIGSEGV' } }, 'm'), 'check failed (SIGSEGV)');
  assert.equal(describeEvent({ kind: 'verify_end', result: { passed: false, exitCode: null } }, 'm'), 'check failed (did not run)');
  assert.equal(describeEvent({ kind: 'rollback', path: 'src/a.js' }, 'm'), 'restored src/a.js');
  assert.equal(describeEvent({ kind: 'something_new' }, 'm'), null);
});

test('the line is redrawn in place, cut to the terminal width, and cleared at the end', () => {
  const term = fakeTerminal();
  const p = createProgress({ stream: term, enabled: true, color: false, model: 'deepseek-chat' });
  p.event({ kind: 'model_request', stage: 'L3', path: `src/${'x'.repeat(200)}.js`, attempt: 0 });
  p.stop();
  p.event({ kind: 'write', path: 'src/late.js' });
  assert.ok(term.chunks.every((c) => c.startsWith('\r\x1b[K')));
  assert.ok(term.chunks.some((c) => c.includes('L3 writing src/xxx')));
  assert.ok(term.chunks.every((c) => c.length - 4 <= 59), 'no line is wider than the terminal');
  assert.equal(term.chunks.at(-1), '\r\x1b[K', 'stop() clears the line and later events draw nothing');
  assert.ok(term.chunks.every((c) => !/\x1b\[\d+m/.test(c)), 'no colour codes when colour is off');
});

test('disabled progress writes nothing; NO_COLOR and non-TTY streams get no colour', () => {
  const term = fakeTerminal();
  const p = createProgress({ stream: term, enabled: false, color: true, model: 'm' });
  p.event({ kind: 'write', path: 'a.js' });
  p.stop();
  assert.deepEqual(term.chunks, []);
  assert.equal(wantsColor({ isTTY: true }, {}), true);
  assert.equal(wantsColor({ isTTY: true }, { NO_COLOR: '1' }), false);
  assert.equal(wantsColor({ isTTY: false }, {}), false);
});

test('with colour on, the spinner is coloured', () => {
  const term = fakeTerminal();
  const p = createProgress({ stream: term, enabled: true, color: true, model: 'm' });
  p.stop();
  assert.match(term.chunks[0], /\x1b\[36m/);
});

test('a rejection reason or plan path holding terminal escapes is drawn escaped, never raw', () => {
  const term = fakeTerminal();
  const p = createProgress({ stream: term, enabled: true, color: false, model: 'm' });
  p.event({ kind: 'unit_rejected', path: 'src/a.js', reason: 'bad\x1b[2K\x1b[1Aanswer' });
  p.stop();
  // Only the line's own prefix "\r\x1b[K" may hold an ESC.
  for (const c of term.chunks) assert.equal(c.slice(4).includes('\x1b'), false, JSON.stringify(c));
  assert.ok(term.chunks.some((c) => c.includes('bad\\u001b[2K')));
});
