#!/usr/bin/env node
'use strict';
// Harness for Claude Code: `node claude-code.js <workspace-dir>`. Needs the `claude` CLI and its login.

const { readTask, runAgent, reportMetrics } = require('./agent-common.js');

const dir = process.argv[2];
const { prompt } = readTask(dir);
const result = runAgent('claude', ['-p', prompt, '--output-format', 'json', '--dangerously-skip-permissions'], dir, { capture: true });
try {
  const out = JSON.parse(result.stdout);
  const u = out.usage ?? {};
  const tokens = (u.input_tokens ?? 0) + (u.output_tokens ?? 0) + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0);
  reportMetrics({ tokens, calls: out.num_turns ?? null, modelMs: out.duration_api_ms ?? null });
} catch {
  // no JSON summary: the runner records the run without tokens
}
process.exit(result.status ?? 1);
