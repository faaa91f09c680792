#!/usr/bin/env node
// `npm run bench:mcp`: the latency of one `governed_write` of a 300-line file through `red-exec mcp`,
// as an MCP client sees it (the SDK's Client over stdio, call to answer): the gate, the write with
// its backup and journal, the run log; no check. 20 calls after one warm-up, each a different
// content (a real MODIFY), in a fresh temporary workspace. Prints the median, min and max.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = path.join(ROOT, 'npm', 'red-exec', 'bin', 'red-exec.js');
const CALLS = 20;
const LINES = 300;

/** A CommonJS module of exactly LINES lines: functions of 5 lines each, all exported; `round` changes every body. */
export function module300(round) {
  const count = (LINES - 4) / 5 - 1;
  const out = ["'use strict';", ''];
  for (let i = 0; i < count; i++) {
    out.push(`function step${i}(value) {`, `  const label = 'step ${i} round ${round}';`, `  return { label, value: value + ${i} };`, '}', '');
  }
  out.push(`module.exports = {`, `  ${Array.from({ length: count }, (_, i) => `step${i}`).join(', ')},`, '};');
  while (out.length < LINES) out.splice(out.length - 3, 0, `// padding ${out.length}`);
  return `${out.join('\n')}\n`;
}

async function main() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-bench-mcp-'));
  try {
    fs.writeFileSync(path.join(ws, 'package.json'), '{ "name": "bench", "private": true, "type": "commonjs" }\n');
    fs.mkdirSync(path.join(ws, 'src'));
    fs.writeFileSync(path.join(ws, 'src', 'steps.js'), module300(0));
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--workspace', ws, '--no-verify'], stderr: 'inherit' }));
    const times = [];
    for (let round = 1; round <= CALLS + 1; round++) {
      const content = module300(round);
      const started = performance.now();
      const r = await client.callTool({ name: 'governed_write', arguments: { files: [{ path: 'src/steps.js', content }] } });
      const ms = performance.now() - started;
      if (r.isError) throw new Error(`governed_write refused: ${r.content?.[0]?.text}`);
      if (fs.readFileSync(path.join(ws, 'src', 'steps.js'), 'utf8') !== content) throw new Error('the file is not the supplied content');
      if (round > 1) times.push(ms);
    }
    await client.close();
    times.sort((a, b) => a - b);
    const median = (times[CALLS / 2 - 1] + times[CALLS / 2]) / 2;
    const lines = module300(1).split('\n').length - 1;
    console.log(`governed_write of one ${lines}-line file (gate + write + backup + journal + run log, no check), over stdio:`);
    console.log(`  median of ${CALLS}: ${median.toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times.at(-1).toFixed(1)}); ${os.cpus().length} CPUs, Node ${process.version}`);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
