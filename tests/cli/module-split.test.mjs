// The module-split fixture: a 304-line sectioned module split into two new files by EXTRACT,
// with one dependent rewired. The moved code is cut by the core, so the run makes one model call.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { useModelServer, makeWorkspace, runCli, planJson, tokenLine } from '../support/cli.mjs';

const server = useModelServer();

const EXECUTION = ['retryDelay', 'sleep', 'withTimeout', 'runJob', 'JobQueue', 'runAll'];
const REPORTING = ['formatDuration', 'summarize', 'successRate', 'pad', 'renderTable', 'renderReport', 'csvCell', 'toCsv', 'toJson', 'writeReport'];

/** The text of each top-level declaration, with its leading comment, as it stands in `source`. */
function declarationText(source, name) {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^(async )?(function|class|const) ${name}\\b`).test(l));
  assert.ok(start >= 0, `${name} not found`);
  let first = start;
  while (first > 0 && /^(\/\/|\/\*\*| \*)/.test(lines[first - 1])) first -= 1;
  let end = start;
  while (!/^(}|\S.*;)$/.test(lines[end])) end += 1;
  return lines.slice(first, end + 1).join('\n');
}

test('module split: EXTRACT moves sections byte for byte with one model call, the facade keeps every export, importers are rewired', async () => {
  const ws = makeWorkspace('module-split');
  const task = fs.readFileSync(path.join(ws, 'TASK.md'), 'utf8').trim();
  const files = fs.readFileSync(path.join(ws, 'FILES.txt'), 'utf8').trim().split('\n');
  const original = fs.readFileSync(path.join(ws, 'lib/jobs.js'), 'utf8');
  const cliBefore = fs.readFileSync(path.join(ws, 'lib/cli.js'), 'utf8');
  const exportsBefore = Object.keys(createRequire(path.join(ws, 'x.js'))('./lib/jobs.js')).sort();

  server.answer(
    planJson([
      { path: 'lib/execution.js', action: 'EXTRACT', from: 'lib/jobs.js', symbols: EXECUTION, intent: 'section 2' },
      { path: 'lib/reporting.js', action: 'EXTRACT', from: 'lib/jobs.js', symbols: REPORTING, intent: 'section 3' },
      { path: 'lib/worker.js', action: 'MODIFY', rewire: true, intent: 'require execution code directly' },
      { path: 'lib/cli.js', action: 'MODIFY', rewire: true, intent: 'keep working through the facade' },
    ]),
    { prompt: 1500, completion: 160 },
  );

  const r = await runCli([task, '--files', ...files, '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(server.requests.length, 1, 'only the plan is asked of the model');
  assert.deepEqual(tokenLine(r.stdout), { tokens: 1660, calls: 1 });

  const execution = fs.readFileSync(path.join(ws, 'lib/execution.js'), 'utf8');
  const reporting = fs.readFileSync(path.join(ws, 'lib/reporting.js'), 'utf8');
  for (const name of EXECUTION) assert.ok(execution.includes(declarationText(original, name)), `${name} moved byte for byte`);
  for (const name of REPORTING) assert.ok(reporting.includes(declarationText(original, name)), `${name} moved byte for byte`);

  const facade = fs.readFileSync(path.join(ws, 'lib/jobs.js'), 'utf8');
  assert.ok(facade.includes(declarationText(original, 'loadConfig')), 'configuration code stays');
  assert.ok(!facade.includes('class JobQueue'), 'moved code is gone from the source');
  // A mixed importer gets one require per module, each name as it was written.
  assert.equal(
    fs.readFileSync(path.join(ws, 'lib/cli.js'), 'utf8'),
    cliBefore.replace(
      "const { loadConfig, mergeConfig, configFromEnv, runAll, writeReport, renderReport } = require('./jobs');\n",
      "const { loadConfig, mergeConfig, configFromEnv } = require('./jobs');\n" +
        "const { writeReport, renderReport } = require('./reporting');\n" +
        "const { runAll } = require('./execution');\n",
    ),
  );
  assert.match(fs.readFileSync(path.join(ws, 'lib/worker.js'), 'utf8'), /require\('\.\/execution'\)/);

  // Everything still loads and behaves: same export set through the facade, and a real batch runs.
  const req = createRequire(path.join(ws, 'x.js'));
  const jobs = req('./lib/jobs.js');
  assert.deepEqual(Object.keys(jobs).sort(), exportsBefore);
  const results = await jobs.runAll([{ name: 'a', run: async () => 1 }], { ...jobs.DEFAULTS, retryBaseMs: 1 });
  assert.match(jobs.renderReport(results), /Jobs: 1 {2}ok: 1/);
  assert.equal(typeof req('./lib/worker.js').handle, 'function');
});
