#!/usr/bin/env node
'use strict';
// Harness for red-exec: `node red-exec.js <workspace-dir>`.
// The model comes from the environment, so one variable switches the reference model for a live one:
//   RED_EXEC_BASE_URL  OpenAI-compatible endpoint (the runner sets it to the reference model)
//   RED_EXEC_MODEL     model name (optional)      RED_EXEC_TIMEOUT  seconds per model call (optional)
//   RED_EXEC_MAX_RETRIES  unit retries (optional) RED_EXEC_BIN      the CLI to run (default: this repo's)
//   RED_EXEC_VERIFY    a check command passed as --verify (optional: the pipeline's verify-and-retry path)

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node red-exec.js <workspace-dir>\n');
  process.exit(2);
}
const task = fs.readFileSync(path.join(dir, 'TASK.md'), 'utf8').trim();
const files = fs.readFileSync(path.join(dir, 'FILES.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);

const repoBin = path.join(__dirname, '..', '..', 'npm', 'red-exec', 'bin', 'red-exec.js');
const bin = process.env.RED_EXEC_BIN || (fs.existsSync(repoBin) ? repoBin : null);
const args = [task, '--files', ...files, '--workspace', dir];
for (const [env, flag] of [['RED_EXEC_MODEL', '--model'], ['RED_EXEC_TIMEOUT', '--timeout'], ['RED_EXEC_MAX_RETRIES', '--max-retries'], ['RED_EXEC_VERIFY', '--verify']]) {
  if (process.env[env]) args.push(flag, process.env[env]);
}
const command = bin ? process.execPath : 'red-exec';
const result = spawnSync(command, bin ? [bin, ...args] : args, { cwd: dir, stdio: 'inherit', env: process.env });
if (result.error) {
  process.stderr.write(`red-exec harness: cannot run ${command}: ${result.error.message}\n`);
  process.exit(127);
}
process.exit(result.status ?? 1);
