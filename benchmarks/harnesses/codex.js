#!/usr/bin/env node
'use strict';
// Harness for OpenAI Codex CLI: `node codex.js <workspace-dir>`. Needs the `codex` CLI and its login.

const { readTask, runAgent } = require('./agent-common.js');

const dir = process.argv[2];
const { prompt } = readTask(dir);
const result = runAgent('codex', ['exec', '--full-auto', '--skip-git-repo-check', prompt], dir);
process.exit(result.status ?? 1);
