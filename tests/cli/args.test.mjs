// The command line itself: --version, --help, usage errors, and the documented exit codes.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeWorkspace, cleanup, runCli, snapshot, startProcess, cleanEnv, REPO, CLI, LOG_DIR } from '../support/cli.mjs';
import { RULE_FLAGS } from '../../npm/red-exec/lib/words.js';

after(cleanup);

const corePkg = JSON.parse(fs.readFileSync(path.join(REPO, 'npm', 'core', 'package.json'), 'utf8'));

test('--version prints "red-exec <core version>"', async () => {
  const r = await runCli(['--version'], { cwd: makeWorkspace() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `red-exec ${corePkg.version}\n`);
  assert.equal(r.stderr, '');
});

test('a bare --version loads neither lib/main.js nor the wasm; with another flag it goes through main.js', async () => {
  const dir = makeWorkspace();
  const record = path.join(dir, 'imports.txt');
  const hook = path.join(REPO, 'tests', 'support', 'record-imports.mjs');
  const loaded = async (args) => {
    fs.writeFileSync(record, '');
    const r = await startProcess(process.execPath, ['--import', hook, CLI, ...args], { cwd: dir, env: cleanEnv({ RECORD_IMPORTS: record }) }).done;
    assert.equal(r.code, 0, r.stderr);
    return { stdout: r.stdout, urls: fs.readFileSync(record, 'utf8') };
  };
  for (const args of [['--version'], ['-V'], ['--version', '--json']]) {
    const { urls } = await loaded(args);
    assert.match(urls, /lib\/version\.js/, 'the hook records');
    assert.doesNotMatch(urls, /lib\/main\.js|red_exec_wasm|commander/, args.join(' '));
  }
  // Not only a version flag: main.js answers, with the same words.
  const bare = await loaded(['--version']);
  const full = await loaded(['--version', '--quiet']);
  assert.match(full.urls, /lib\/main\.js/);
  assert.equal(full.stdout, bare.stdout);
});

test('--help lists usage, every option, the models with their key variables, and the exit codes', async () => {
  const r = await runCli(['--help'], { cwd: makeWorkspace() });
  assert.equal(r.code, 0, r.stderr);
  for (const flag of ['--files', '--workspace', '--model', '--base-url', '--max-retries', '--gate', '--no-gate', '--module-format', '--timeout', '--json', '--diff', '--replay', '--quiet', '--help', '--version', '--read', '--skill', '--context-budget', '--dry-run', '--report', '--export-debug', '--run-id', '--init-skill', '--out', '--force', '--undo', '--runs']) {
    assert.ok(r.stdout.includes(flag), `help mentions ${flag}`);
  }
  assert.match(r.stdout, /^\s+deepseek-chat\s+DEEPSEEK_API_KEY$/m);
  assert.match(r.stdout, /^\s+gpt-4o-mini\s+OPENAI_API_KEY$/m);
  for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 130]) {
    assert.match(r.stdout, new RegExp(`^\\s+${code}\\s+\\S`, 'm'), `help documents exit code ${code}`);
  }
});

test('--help lists every gate rule of the core and says a plan is written whole; the README names every rule', async () => {
  const { gateRules } = await import('@codemaestro/core');
  const rules = gateRules();
  assert.ok(rules.length >= 10);
  const r = await runCli(['--help'], { cwd: makeWorkspace() });
  assert.equal(r.code, 0, r.stderr);
  const section = r.stdout.split('GATE RULES')[1].split('\nSAFETY')[0];
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  for (const { name, summary } of rules) {
    // The core's summary names no flag; the CLI adds the flag the rule is about (words.js).
    const line = RULE_FLAGS[name] ? `${summary} (${RULE_FLAGS[name]})` : summary;
    assert.match(section, new RegExp(`^  ${name}\\s+${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), `--help lists ${name}`);
    assert.ok(readme.includes(`\`${name}\``), `README.md names the rule ${name}`);
  }
  assert.match(section, /written whole or not at all/);
  assert.match(section, /--partial/);
});

test('the README exit-code table matches --help', async () => {
  const r = await runCli(['--help'], { cwd: makeWorkspace() });
  const helpCodes = [...r.stdout.split('EXIT CODES')[1].matchAll(/^\s+(\d+)\s+/gm)].map((m) => Number(m[1]));
  const readme = fs.readFileSync(path.join(REPO, 'npm', 'red-exec', 'README.md'), 'utf8');
  const readmeCodes = [...readme.matchAll(/^\|\s*(\d+)\s*\|/gm)].map((m) => Number(m[1]));
  assert.ok(helpCodes.length >= 10);
  assert.deepEqual(readmeCodes, helpCodes);
});

const usageCases = [
  { name: 'no arguments', args: [], message: /missing task/ },
  { name: 'a task but no --files', args: ['Add /health'], message: /no files/ },
  { name: 'an empty --files', args: ['Add /health', '--files', ''], message: /--files is empty/ },
  { name: '--files followed by a flag', args: ['Add /health', '--files', '--diff'], message: /--files is empty/ },
  { name: 'the task after --files', args: ['--files', 'src/server.js', 'Add /health'], message: /missing task.*put the task first/ },
  { name: 'two positional arguments', args: ['Add', '/health', '--files', 'x.js'], message: /unexpected argument: "\/health"/ },
  { name: 'a bad --gate', args: ['t', '--files', 'a.js', '--gate', 'maybe'], message: /--gate must be one of block, warn, off/ },
  { name: 'a bad --module-format', args: ['t', '--files', 'a.js', '--module-format', 'amd'], message: /--module-format must be one of auto, cjs, esm/ },
  { name: 'a negative --max-retries', args: ['t', '--files', 'a.js', '--max-retries', '-1'], message: /--max-retries must be an integer/ },
  { name: 'a non-numeric --timeout', args: ['t', '--files', 'a.js', '--timeout', 'soon'], message: /--timeout must be a number/ },
  { name: 'a --model without value', args: ['t', '--files', 'a.js', '--model'], message: /--model needs a value/ },
  { name: 'a non-http --base-url', args: ['t', '--files', 'a.js', '--base-url', 'ftp://example.test'], message: /http:\/\/ or https:\/\// },
  { name: 'a value on a boolean flag', args: ['t', '--files', 'a.js', '--json=yes'], message: /--json takes no value/ },
  { name: 'a --workspace that does not exist', args: ['t', '--files', 'a.js', '--workspace', 'no/such/dir'], message: /not a directory/ },
  { name: 'a single-dash unknown flag', args: ['t', '--files', 'a.js', '-x'], message: /unknown flag: -x/ },
];

for (const c of usageCases) {
  test(`usage error (exit 2): ${c.name}`, async () => {
    const ws = makeWorkspace();
    const before = snapshot(ws);
    const r = await runCli(c.args, { cwd: ws, env: { DEEPSEEK_API_KEY: 'k' } });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^red-exec: /);
    assert.match(lines[0], c.message);
    assert.deepEqual(snapshot(ws), before);
    assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), false);
  });
}

test('--replay of a log that does not exist: exit 3 before anything runs', async () => {
  const ws = makeWorkspace();
  const r = await runCli(['t', '--files', 'src/server.js', '--replay', 'no-such-run'], { cwd: ws });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^red-exec: --replay no-such-run: no such events file/);
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), false);
});
