#!/usr/bin/env node
// npm run demo [-- <example> [--keep]]: replay a bundled example with the real CLI on a
// temporary copy of its workspace, printing the report and the diff. No key, no network.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'npm', 'red-exec', 'bin', 'red-exec.js');

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const name = args.find((a) => !a.startsWith('--')) ?? 'add-health';
const example = path.join(ROOT, 'examples', name);
if (!fs.existsSync(path.join(example, 'transcript.jsonl'))) {
  process.stderr.write(`demo: no example "${name}" with a transcript.jsonl under examples/\n`);
  process.exit(2);
}

const task = fs.readFileSync(path.join(example, 'TASK.md'), 'utf8').trim();
const files = fs.readFileSync(path.join(example, 'FILES.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
const ws = fs.mkdtempSync(path.join(os.tmpdir(), `red-exec-demo-${name}-`));
fs.cpSync(path.join(example, 'workspace'), ws, { recursive: true });

process.stdout.write(`red-exec demo: ${name}\n  task:      ${task}\n  files:     ${files.join(', ')}\n  workspace: ${ws}\n  model:     replayed from examples/${name}/transcript.jsonl\n\n`);

const child = spawn(process.execPath, [CLI, task, '--files', ...files, '--replay', path.join(example, 'transcript.jsonl'), '--diff'], {
  cwd: ws,
  stdio: 'inherit',
});
child.on('close', (code, signal) => {
  if (!keep) fs.rmSync(ws, { recursive: true, force: true });
  else process.stdout.write(`\n(kept ${ws})\n`);
  process.exit(code ?? (signal ? 130 : 1));
});
