// What compare-and-swap and the workspace lock cost: the wall time of a whole 4-file CLI run
// (a fresh copy of tests/fixtures/shop-app, a loopback model answering at once, 4 MODIFY writes),
// median of N runs per CLI, the CLIs taking turns so drift hits both alike. Prints, asserts nothing.
//
//   node benchmarks/scripts/cas-lock-cost.mjs [--runs 10] <label>=<path to red-exec.js> ...
//   e.g. before=/work/main/npm/red-exec/bin/red-exec.js after=npm/red-exec/bin/red-exec.js

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startModelServer } from '../../tests/support/model-server.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = path.join(REPO, 'tests', 'fixtures', 'shop-app');
const FILES = ['src/config.js', 'src/index.js', 'src/legacy.js', 'src/routes.js'];

const args = process.argv.slice(2);
let runs = 10;
const clis = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else {
    const [label, file] = args[i].split('=');
    clis.push({ label, file: path.resolve(file), times: [] });
  }
}
if (clis.length === 0) clis.push({ label: 'this tree', file: path.join(REPO, 'npm/red-exec/bin/red-exec.js'), times: [] });

const original = Object.fromEntries(FILES.map((f) => [f, fs.readFileSync(path.join(FIXTURE, f), 'utf8')]));
const server = await startModelServer();
server.otherwise((request) => {
  const marker = request.marker ?? {};
  if (marker.stage === 'L1') {
    return `\`\`\`json\n${JSON.stringify({ actions: FILES.map((p) => ({ path: p, action: 'MODIFY', intent: 'add a comment' })) })}\n\`\`\``;
  }
  return `\`\`\`js\n${original[marker.path]}// touched by the benchmark\n\`\`\`\n`;
});

function runOnce(cli) {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-cas-bench-'));
  fs.cpSync(FIXTURE, ws, { recursive: true });
  const env = { ...process.env, RED_EXEC_RETRY_BASE_MS: '5', XDG_CONFIG_HOME: path.join(ws, '.no-config') };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli.file, 'Add a comment to every file', '--files', FILES.join(','), '--base-url', server.baseUrl, '--quiet'], { cwd: ws, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      const ms = performance.now() - started;
      fs.rmSync(ws, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`${cli.label}: exit ${code}: ${stderr}`));
      else resolve(ms);
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// One warm-up each (file cache, wasm compile cache), then the measured runs in turn.
for (const cli of clis) await runOnce(cli);
for (let i = 0; i < runs; i++) for (const cli of clis) cli.times.push(await runOnce(cli));
await server.close();

const cpu = os.cpus();
console.log(`machine: ${cpu[0]?.model ?? 'unknown cpu'} x${cpu.length}, ${Math.round(os.totalmem() / 2 ** 20)} MiB, ${os.type()} ${os.release()}, node ${process.version}; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`4-file run (shop-app, 4 MODIFY writes, loopback model), median of ${runs}:`);
for (const cli of clis) {
  console.log(`  ${cli.label.padEnd(10)} ${median(cli.times).toFixed(1)} ms  (min ${Math.min(...cli.times).toFixed(1)}, max ${Math.max(...cli.times).toFixed(1)})  ${cli.file}`);
}
