// The TypeScript declarations of @codemaestro/core (index.d.ts over the generated
// types/protocol.d.ts) against their users and against the real core: a Node and a browser
// consumer type-check with `tsc --strict`, and what real runs of the core return and emit
// type-checks as literals of the declared types (excess properties are errors, so a field the
// core sends but the types lack fails as surely as a missing one).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { knownModels, parseSkill, runTask } from '@codemaestro/core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

function typeCheck(project) {
  assert.ok(fs.existsSync(TSC), `no TypeScript compiler at ${TSC}: run npm install at the repository root`);
  const run = spawnSync(process.execPath, [TSC, '-p', project], { encoding: 'utf8' });
  assert.equal(run.status, 0, `tsc -p ${path.relative(REPO, project)} failed:\n${run.stdout}${run.stderr}`);
}

test('a Node consumer (file host, fetch completer, verify, every event kind) type-checks with --strict', () => {
  typeCheck(path.join(HERE, 'tsconfig.node.json'));
});

test('a browser consumer (in-memory host, init with a URL) type-checks with --strict, without @types/node', () => {
  typeCheck(path.join(HERE, 'tsconfig.web.json'));
});

const CRLF_SOURCE = 'export function answer() {\r\n  return 1;\r\n}\r\n';
const plan = (actions) => '```json\n' + JSON.stringify({ actions }) + '\n```';
const code = (text) => 'Here is the file.\n\n```js\n' + text + '```\n';

/** One run of the real core over in-memory files; `answer(request)` plays the model. */
async function run({ task, files, read = [], options = {}, answer, verify }) {
  const disk = new Map([
    ['src/answer.js', CRLF_SOURCE],
    ['src/util.js', 'export const two = 2;\n'],
  ]);
  const events = [];
  const result = await runTask({
    task,
    files,
    read,
    options,
    host: {
      complete: async (request) => answer(request),
      readFile: async (p) => (disk.has(p) ? { state: 'present', text: disk.get(p) } : { state: 'absent' }),
      writeFile: async (p, text) => void disk.set(p, text),
      deleteFile: async (p) => void disk.delete(p),
      verify,
      onEvent: (event) => events.push(event),
    },
  });
  return { result, events };
}

test("what real runs of the core return and emit type-checks against the declarations", async (t) => {
  const modify = [{ path: 'src/answer.js', action: 'MODIFY', intent: 'return two' }];
  const runs = [
    // Written, with a post-processing pass (CRLF restored), read-only context and a passing check.
    await run({
      task: 'Make answer() return two from src/util.js',
      files: ['src/answer.js'],
      read: ['src/util.js'],
      options: { model: 'deepseek-chat', verify: 'npm test' },
      answer: (r) => ({
        text: r.stage === 'L1' ? plan(modify) : code("import { two } from './util.js';\n\nexport function answer() {\n  return two;\n}\n"),
        usage: { promptTokens: 120, completionTokens: 40 },
        durationMs: 5,
      }),
      verify: async () => ({ exitCode: 0, output: 'ok\n' }),
    }),
    // Blocked by the gate: the answer loses the export, on every attempt.
    await run({
      task: 'Rewrite src/answer.js',
      files: ['src/answer.js'],
      options: { maxRetries: 1, gate: 'block' },
      answer: (r) => ({ text: r.stage === 'L1' ? plan(modify) : code('function answer() {\n  return 2;\n}\n') }),
    }),
    // The model server refuses the key.
    await run({
      task: 'Create src/new.js',
      files: ['src/new.js'],
      answer: () => {
        throw Object.assign(new Error('401 invalid key'), { code: 'auth' });
      },
    }),
  ];
  const events = runs.flatMap((r) => r.events);
  const kinds = new Set(events.map((e) => e.kind));
  for (const kind of ['run_start', 'stage', 'plan', 'context', 'model_request', 'model_response', 'post_process', 'gate', 'unit_rejected', 'write', 'verify_start', 'verify_end', 'model_error', 'run_end']) {
    assert.ok(kinds.has(kind), `the runs emitted no ${kind} event: ${[...kinds].join(', ')}`);
  }
  assert.equal(runs[0].result.status, 'OK');
  assert.deepEqual(runs[1].result.files.map((f) => f.outcome), ['blocked']);
  assert.equal(runs[2].result.error?.code, 'model_auth');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-types-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const literal = (value) => JSON.stringify(value, null, 2);
  fs.writeFileSync(
    path.join(dir, 'values.mts'),
    [
      "import type { ModelInfo, RunEvent, RunResult, Skill } from '@codemaestro/core';",
      `export const events: RunEvent[] = ${literal(events)};`,
      `export const results: RunResult[] = ${literal(runs.map((r) => r.result))};`,
      `export const models: Record<string, ModelInfo> = ${literal(knownModels())};`,
      `export const skill: Skill = ${literal(parseSkill('# Conventions\n\nBanned: eval, console.log\n'))};`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(dir, 'tsconfig.json'),
    literal({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'esnext',
        moduleResolution: 'bundler',
        lib: ['es2022', 'dom'],
        types: [],
        paths: { '@codemaestro/core': [path.join(REPO, 'npm', 'core', 'index.d.ts')] },
      },
      files: ['values.mts'],
    }),
  );
  typeCheck(path.join(dir, 'tsconfig.json'));
});
