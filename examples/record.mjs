#!/usr/bin/env node
// Re-record an example's transcript.jsonl: run the real CLI on a copy of the example's
// workspace against a loopback model server that gives the hand-written answers in
// examples/<name>/answers/ (plan.json for the plan, answers/<path> for each file), then
// keep the run's events.jsonl. Run it again whenever the core's prompts change.
//
//   node examples/record.mjs [name ...]      (default: every example with an answers/ folder)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startModelServer } from '../tests/support/model-server.mjs';
import { runCli, lastRunLog } from '../tests/support/cli.mjs';

const EXAMPLES = path.dirname(fileURLToPath(import.meta.url));

const FENCE_TAGS = { '.js': 'js', '.cjs': 'js', '.mjs': 'js', '.ts': 'ts', '.json': 'json' };

/** Token counts a real tokenizer would roughly give (4 characters a token), deterministic. */
function roughTokens(text) {
  return Math.max(1, Math.ceil(text.length / 4));
}

function answerFor(exampleDir, request) {
  const marker = request.marker;
  if (!marker) return { type: 'raw', status: 400, body: '{"error":{"message":"no @@red-exec marker in the prompt"}}', contentType: 'application/json' };
  let content;
  if (marker.stage === 'L1') {
    content = `\`\`\`json\n${fs.readFileSync(path.join(exampleDir, 'answers', 'plan.json'), 'utf8').trim()}\n\`\`\``;
  } else {
    const file = path.join(exampleDir, 'answers', marker.path);
    if (!fs.existsSync(file)) {
      return { type: 'raw', status: 500, body: JSON.stringify({ error: { message: `no recorded answer for ${marker.path}` } }), contentType: 'application/json' };
    }
    const tag = FENCE_TAGS[path.extname(marker.path)] ?? '';
    content = `\`\`\`${tag}\n${fs.readFileSync(file, 'utf8')}\`\`\``;
  }
  const promptChars = request.body.messages.map((m) => m.content).join('\n');
  return { type: 'answer', content, usage: { prompt: roughTokens(promptChars), completion: roughTokens(content) } };
}

async function record(name) {
  const dir = path.join(EXAMPLES, name);
  const task = fs.readFileSync(path.join(dir, 'TASK.md'), 'utf8').trim();
  const files = fs.readFileSync(path.join(dir, 'FILES.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), `red-exec-record-${name}-`));
  fs.cpSync(path.join(dir, 'workspace'), ws, { recursive: true });
  const server = await startModelServer();
  server.otherwise((request) => answerFor(dir, request));
  try {
    const r = await runCli([task, '--files', ...files, '--base-url', server.baseUrl, '--model', 'deepseek-chat'], { cwd: ws, timeoutMs: 60_000 });
    // EXIT.txt: the exit code an example that shows the gate blocking must end with (default 0).
    const exitFile = path.join(dir, 'EXIT.txt');
    const expectedCode = fs.existsSync(exitFile) ? Number(fs.readFileSync(exitFile, 'utf8').trim()) : 0;
    if (r.code !== expectedCode) throw new Error(`the recording run of ${name} exited ${r.code}, not ${expectedCode}:\n${r.stdout}${r.stderr}`);
    for (const f of files) {
      // A blocked run must leave the file as it was; a clean one must write the hand-written answer.
      const expected = expectedCode === 0 ? path.join(dir, 'answers', f) : path.join(dir, 'workspace', f);
      if (fs.existsSync(expected) && fs.readFileSync(expected, 'utf8') !== fs.readFileSync(path.join(ws, f), 'utf8')) {
        throw new Error(`${name}: ${f} as left by the run differs from ${path.relative(dir, expected)}`);
      }
    }
    const log = lastRunLog(ws);
    fs.writeFileSync(path.join(dir, 'transcript.jsonl'), log.text);
    process.stdout.write(`${name}: recorded ${server.requests.length} model calls into examples/${name}/transcript.jsonl\n${r.stdout}`);
  } finally {
    await server.close();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

const names = process.argv.slice(2);
const all = fs.readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(EXAMPLES, e.name, 'answers')))
  .map((e) => e.name);
for (const name of names.length > 0 ? names : all) {
  await record(name);
}
