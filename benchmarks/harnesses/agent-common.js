'use strict';
// Shared by the harnesses of other agents: read the task, build one prompt, run a CLI if present.

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function readTask(dir) {
  const task = fs.readFileSync(path.join(dir, 'TASK.md'), 'utf8').trim();
  const files = fs.readFileSync(path.join(dir, 'FILES.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  const prompt = `${task}\n\nYou may create, change or delete only these files: ${files.join(', ')}. Do not touch any other file.`;
  return { task, files, prompt };
}

/** Run `command args` in dir; exits 127 with a message when the CLI is not installed. */
function runAgent(command, args, dir, { capture = false } = {}) {
  const result = spawnSync(command, args, { cwd: dir, stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', env: process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    process.stderr.write(`${command} is not available (${result.error.code ?? result.error.message}): install it or pick another harness\n`);
    process.exit(127);
  }
  return result;
}

/** Hand tokens and calls to the runner, which passes a file path in BENCH_METRICS_FILE. */
function reportMetrics(metrics) {
  if (process.env.BENCH_METRICS_FILE) fs.writeFileSync(process.env.BENCH_METRICS_FILE, JSON.stringify(metrics));
}

module.exports = { readTask, runAgent, reportMetrics };
