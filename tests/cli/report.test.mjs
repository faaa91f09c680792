// --report (.red-exec-logs/report.md) and the gate's violation log (.red-exec-logs/violations.jsonl).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, runCli, lastRunLog, fenced, planJson, tokenLine, REPORT, VIOLATIONS } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH, BROKEN_SERVER } from '../support/answers.mjs';

const server = useModelServer();

const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');

/** The lines of one `## title` section of the Markdown report, without its heading. */
function section(markdown, title) {
  const start = markdown.indexOf(`\n## ${title}\n\n`);
  assert.ok(start >= 0, `no section "${title}" in:\n${markdown}`);
  return markdown.slice(start + title.length + 6).split('\n## ')[0].trimEnd().split('\n');
}

const ESM_GREET = 'export function greet(name) {\n  return `Hello, ${name}!`;\n}\n';
const ESM_SERVER = "import http from 'http';\n\nexport const routes = {};\n\nexport function createServer() {\n  return http.createServer();\n}\n";

/**
 * A PARTIAL run (--partial): src/server.js written, the new src/farewell.js blocked (a syntax error; nothing
 * imports it, so server.js may be kept); 2,540 tokens in 3 calls.
 */
function partialRun(ws, extra = []) {
  server.answer(
    planJson([
      { path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' },
      { path: 'src/farewell.js', action: 'CREATE', intent: 'add farewell()' },
    ]),
    { prompt: 1000, completion: 40 },
  );
  const answers = {
    'src/server.js': { type: 'answer', content: fenced(SERVER_WITH_HEALTH), usage: { prompt: 600, completion: 300 } },
    'src/farewell.js': { type: 'answer', content: fenced(BROKEN_SERVER), usage: { prompt: 500, completion: 100 } },
  };
  server.dynamic((req) => answers[req.marker.path]).dynamic((req) => answers[req.marker.path]);
  return runCli(
    ['Add a GET /health route and farewell()', '--files', 'src/server.js,src/farewell.js', '--base-url', server.baseUrl, '--max-retries', '0', '--partial', ...extra],
    { cwd: ws },
  );
}

test('--report on a PARTIAL run: stages, plan, syntax error, blocked and written files, advice, tokens per stage, diff', async () => {
  const ws = makeWorkspace();
  const r = await partialRun(ws, ['--report']);

  assert.equal(r.code, 1, r.stderr);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
  assert.equal(fs.existsSync(path.join(ws, 'src/farewell.js')), false);
  const { id } = lastRunLog(ws);
  const md = read(ws, REPORT);
  assert.ok(md.startsWith(`# red-exec run report\n\n| | |\n| --- | --- |\n| Run | \`${id}\` |\n| Status | **PARTIAL** |\n`), md);
  assert.match(md, /^\| Files \| 1 written, 0 deleted, 1 blocked, 0 failed \|$/m);
  assert.deepEqual(section(md, 'Task'), ['> Add a GET /health route and farewell()']);
  assert.deepEqual(section(md, 'Stages').slice(2), ['| L1 Decompose | ✓ ok |', '| L2 Section | ✓ ok |', '| L3 Generate | ✓ ok |', '| Gate | ✗ failed |']);
  assert.deepEqual(section(md, 'L1 actions').slice(2), [
    '| 1 | MODIFY | `src/server.js` | add GET /health |',
    '| 2 | CREATE | `src/farewell.js` | add farewell() |',
  ]);
  const syntax = section(md, 'Syntax errors');
  assert.equal(syntax.length, 1);
  assert.match(syntax[0], /^- `src\/farewell\.js` \(blocked\): \S/);
  assert.deepEqual(section(md, 'Invariant violations'), ['None.']);
  const blocked = section(md, 'Blocked and failed files');
  assert.equal(blocked.length, 1);
  assert.match(blocked[0], /^- `src\/farewell\.js` \(CREATE blocked, 1 attempt\): \[syntax\] \S/);
  assert.deepEqual(section(md, 'Written files'), ['- `src/server.js` (MODIFY, written, +3 -0)']);
  const advice = section(md, 'Suggested action');
  assert.equal(advice.length, 1);
  assert.match(advice[0], /^- `src\/farewell\.js`: the generated code does not parse\. Run again or raise `--max-retries`/);
  assert.deepEqual(section(md, 'Token usage').slice(2, 5), [
    '| L1 plan | 1 | 1,000 | 40 | 1,040 |',
    '| L3 code | 2 | 1,100 | 400 | 1,500 |',
    '| **All** | 3 | 2,100 | 440 | 2,540 |',
  ]);
  const diffs = md.slice(md.indexOf('\n## Diffs\n'));
  assert.ok(diffs.startsWith('\n## Diffs\n\n### `src/server.js`\n\n```diff\n--- a/src/server.js\n+++ b/src/server.js\n'), diffs);
  assert.match(diffs, /^\+const startedAt = Date\.now\(\);$/m);
  assert.ok(diffs.endsWith('```\n'));

  // The same gate decision, one line in the violation log.
  const lines = read(ws, VIOLATIONS).trim().split('\n');
  assert.equal(lines.length, 1);
  const v = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(v), ['runId', 'time', 'path', 'action', 'decision', 'violations']);
  assert.equal(v.runId, id);
  assert.equal(v.path, 'src/farewell.js');
  assert.equal(v.action, 'CREATE');
  assert.equal(v.decision, 'block');
  assert.equal(v.violations.length, 1);
  assert.equal(v.violations[0].rule, 'syntax');
  assert.match(v.violations[0].message, /^src\/farewell\.js: /);
  assert.ok(Math.abs(Date.now() - Date.parse(v.time)) < 60_000, v.time);
});

test('--gate warn: each warned write is one violation line, appended run after run', async () => {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/greet.js', action: 'MODIFY', intent: 'switch to ESM' }]))
    .answer(fenced(ESM_GREET));
  const first = await runCli(['Use ESM in greet.js', '--files', 'src/greet.js', '--base-url', server.baseUrl, '--gate', 'warn'], { cwd: ws });
  assert.equal(first.code, 0, first.stderr);
  const firstId = lastRunLog(ws).id;
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'switch to ESM' }]))
    .answer(fenced(ESM_SERVER));
  const second = await runCli(['Use ESM in server.js', '--files', 'src/server.js', '--base-url', server.baseUrl, '--gate', 'warn'], { cwd: ws });
  assert.equal(second.code, 0, second.stderr);
  const secondId = lastRunLog(ws).id;

  assert.equal(read(ws, 'src/greet.js'), ESM_GREET, 'warn mode writes the file');
  const lines = read(ws, VIOLATIONS).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.runId, l.path, l.action, l.decision, l.violations.map((x) => x.rule)]),
    [
      [firstId, 'src/greet.js', 'MODIFY', 'warn', ['module_format']],
      [secondId, 'src/server.js', 'MODIFY', 'warn', ['module_format']],
    ],
  );
  assert.notEqual(firstId, secondId);
  assert.equal(fs.existsSync(path.join(ws, REPORT)), false, 'no report without --report');
});

test('an OK run with --report --json: JSON on stdout, a report without advice, no violation log', async () => {
  const ws = makeWorkspace();
  server
    .answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]), { prompt: 300, completion: 20 })
    .answer(fenced(SERVER_WITH_HEALTH), { prompt: 400, completion: 280 });
  const r = await runCli(['Add /health', '--files', 'src/server.js', '--base-url', server.baseUrl, '--report', '--json'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout);
  assert.deepEqual(result.usageByStage, {
    L1: { promptTokens: 0, completionTokens: 0, calls: 0, cachedTokens: 0 },
    L3: { promptTokens: 400, completionTokens: 280, calls: 1, cachedTokens: 0 },
  });
  assert.equal(result.planSource, 'derived');
  const md = read(ws, REPORT);
  // One file in scope: the plan was derived, not asked for, and the report says so.
  assert.deepEqual(section(md, 'L1 actions')[0], 'plan: derived from the scope (1 file) (no L1 call).');
  assert.match(md, /^\| Status \| \*\*OK\*\* \|$/m);
  assert.equal(md.includes('## Suggested action'), false);
  assert.deepEqual(section(md, 'Blocked and failed files'), ['None.']);
  assert.deepEqual(section(md, 'Written files'), ['- `src/server.js` (MODIFY, written, +3 -0)']);
  assert.equal(fs.existsSync(path.join(ws, VIOLATIONS)), false);
});

test('--report on a run that stops on a missing MODIFY target says to check the path', async () => {
  const ws = makeWorkspace();
  server.answer(planJson([{ path: 'src/nope.js', action: 'MODIFY', intent: 'change it' }]));
  const r = await runCli(['Change src/nope.js', '--files', 'src/nope.js', '--base-url', server.baseUrl, '--report'], { cwd: ws });
  assert.equal(r.code, 4, r.stderr);
  const md = read(ws, REPORT);
  assert.match(md, /^\| Status \| \*\*FAILED\*\* \|$/m);
  assert.match(md, /^\| Error \| `input_missing`: .*src\/nope\.js/m);
  const advice = section(md, 'Suggested action');
  assert.equal(advice.length, 1);
  assert.match(advice[0], /^- Check the path: a file the plan must MODIFY/);
  assert.deepEqual(section(md, 'Written files'), ['None: nothing was written.']);
  assert.ok(md.endsWith('## Diffs\n\nNo changes.\n'));
});

test('--report that cannot be written: an OK run exits 8 saying so; a failing run says it after its own failure, on the same line', async () => {
  const ws = makeWorkspace();
  fs.mkdirSync(path.join(ws, REPORT), { recursive: true }); // a directory where the report goes
  const plan = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);
  server.answer(plan).answer(fenced(SERVER_WITH_HEALTH));
  let r = await runCli(['Add GET /health', '--files', 'src/server.js', '--report', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 8, r.stderr);
  assert.match(r.stderr, /^red-exec: could not write the run report \.red-exec-logs\/report\.md: EISDIR\n$/);
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH, 'the run itself was done');

  // The answer breaks the syntax, and the retry gives the same answer (which ends the retries):
  // FAILED (blocked), exit 1, and the report problem is not lost.
  server.answer(plan).answer(fenced(BROKEN_SERVER)).answer(fenced(BROKEN_SERVER));
  r = await runCli(['Add GET /health', '--files', 'src/server.js', '--report', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^red-exec: .+; also could not write the run report \.red-exec-logs\/report\.md: EISDIR$/);
});

/** The report's `Files:` line, without its label. */
const filesLine = (stdout) => stdout.split('\n').find((l) => l.startsWith('Files:')).replace(/^Files:\s+/, '');

/** --runs' FILES column of the newest run. */
async function runsFiles(ws) {
  const r = await runCli(['--runs'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const [head, newest] = r.stdout.split('\n');
  return newest.slice(head.indexOf('FILES'), head.indexOf('TASK')).trim();
}

test('the console report names what was written and blocked, prints one token line both runner regexes read, and --runs counts the same', async () => {
  const ws = makeWorkspace();
  const r = await partialRun(ws);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.split('\n');
  assert.ok(lines.includes('Written:  src/server.js'), r.stdout);
  assert.ok(lines.some((l) => /^Blocked: {2}CREATE src\/farewell\.js: \[syntax\] \S/.test(l)), r.stdout);
  assert.doesNotMatch(r.stdout, /^Gate: /m, 'block is the default: not named');
  const tokenLines = lines.filter((l) => /Tokens/.test(l));
  assert.equal(tokenLines.length, 1, r.stdout);
  assert.match(tokenLines[0], /^Tokens: {3}2,540t \| Calls: 3 \| \d+\.\ds \| cost: \$\d\.\d{4}$/);
  assert.deepEqual(tokenLine(r.stdout), { tokens: 2540, calls: 3 });

  assert.equal(filesLine(r.stdout), '1 written, 0 deleted, 1 blocked');
  assert.equal(await runsFiles(ws), filesLine(r.stdout));
  const json = JSON.parse((await runCli(['--runs', '--json'], { cwd: ws })).stdout).runs[0];
  assert.deepEqual([json.written, json.deleted, json.blocked, json.failed, json.rolledBack], [1, 0, 1, 0, 0]);
});

test('--gate warn: the report says so and shows every warning (rule, file, message); --json has them', async () => {
  const ws = makeWorkspace();
  server.answer(planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'rewrite' }])).answer(fenced(ESM_SERVER));
  const r = await runCli(['Rewrite the server', '--files', 'src/server.js', '--base-url', server.baseUrl, '--gate', 'warn'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(read(ws, 'src/server.js'), ESM_SERVER, 'warn mode writes');
  assert.match(r.stdout, /^Gate: {5}warn \(violations are written, not blocked\), from flag$/m);
  const result = lastRunLog(ws).events.at(-1);
  assert.equal(result.gate, 'warn');
  const fromGate = result.warnings.filter((w) => w.code === 'gate');
  assert.ok(fromGate.some((w) => w.rule === 'module_format' && w.path === 'src/server.js'), JSON.stringify(result.warnings));
  assert.equal(fromGate.length, result.files[0].violations.length);
  const shown = r.stdout.split('\n').filter((l) => l.startsWith('Warning:'));
  assert.deepEqual(shown, fromGate.map((w) => `Warning:  [${w.rule}] ${w.path}: ${w.message}`));
});

test('--runs counts a rolled-back run as its report does (not the journal\'s writes and restores)', async () => {
  const ws = makeWorkspace('calc-lib');
  const wrong = '// Adds two numbers.\nfunction sum(a, b) {\n  return a * b;\n}\n\nmodule.exports = { sum };\n';
  server.answer(planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(wrong));
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--verify', 'node --test test/', '--max-retries', '0', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 9, r.stderr);
  assert.equal(filesLine(r.stdout), '0 written, 0 deleted, 0 blocked, 1 rolled back');
  assert.match(r.stdout, /^Restored: src\/sum\.js$/m);
  assert.equal(await runsFiles(ws), filesLine(r.stdout));
});
