#!/usr/bin/env node
'use strict';
// Harness for aider: `node aider.js <workspace-dir>`. Needs `aider` and a model configured for it.

const { readTask, runAgent } = require('./agent-common.js');

const dir = process.argv[2];
const { task, files } = readTask(dir);
const result = runAgent('aider', ['--yes-always', '--no-git', '--no-auto-commits', '--message', task, ...files], dir);
process.exit(result.status ?? 1);
