// Attacks on the trust boundary of repository configuration: a cloned repository's .red-exec.json
// runs nothing and weakens nothing until the user trusts its exact content, and no run (whatever
// --files says, whatever the model plans) writes red-exec's own files. The real CLI, real files,
// the loopback model server. Each attack asserts: nothing outside the workspace changed (a sibling
// directory's snapshot), nothing ran (the marker a planted command would create is absent), and
// no key appeared in any output or file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, fenced, planJson, allFiles } from '../support/cli.mjs';

const server = useModelServer();
const KEY = 'sk-trust-attack-0123456789abcdef';
const SUM_RIGHT = `// Adds two numbers.
function sum(a, b) {
  return a + b;
}

module.exports = { sum };
`;
const NO_EXPORT = 'function sum(a, b) {\n  return a + b;\n}\n';
const PLAN = planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }]);

/** A workspace, a sibling directory to watch, a private config home, and the marker path. */
function setup() {
  const ws = makeWorkspace('calc-lib');
  const sibling = makeTempDir();
  fs.writeFileSync(path.join(sibling, 'keep.txt'), 'untouched\n');
  const xdg = makeTempDir();
  const marker = path.join(sibling, 'PWNED');
  const env = { XDG_CONFIG_HOME: xdg, RED_EXEC_API_KEY: KEY };
  return { ws, sibling, xdg, marker, env, before: snapshot(sibling) };
}

const plant = (cmd) => `node -e "require('fs').writeFileSync(process.argv[1], 'ran')" ${JSON.stringify(cmd)}`;
const writeConfig = (ws, value) => fs.writeFileSync(path.join(ws, '.red-exec.json'), JSON.stringify(value));

/** Nothing outside changed, nothing ran, the key is nowhere. */
function assertClean(t, r, { ws, sibling, marker, before, xdg }) {
  assert.equal(fs.existsSync(marker), false, 'the planted command ran');
  assert.deepEqual(snapshot(sibling, { ignore: [] }), { ...before, ...(fs.existsSync(marker) ? {} : {}) });
  for (const text of [r.stdout, r.stderr]) assert.ok(!text.includes(KEY), 'the key in the output');
  for (const dir of [ws, xdg]) {
    for (const f of allFiles(dir)) assert.ok(!fs.readFileSync(f, 'utf8').includes(KEY), `the key in ${f}`);
  }
}

test('a repository verify does not run untrusted, runs after --trust, and stops after the file changes', async () => {
  const s = setup();
  writeConfig(s.ws, { verify: plant(s.marker), maxRetries: 0 });
  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  let r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^red-exec: warning: \.red-exec\.json is not trusted: ignored verify \(.*\); check it, then run red-exec --trust \(or pass --yes for this run\)$/m);
  assert.doesNotMatch(r.stdout, /^Check:/m);
  assertClean(null, r, s);

  // CI=true alone is not trust.
  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: { ...s.env, CI: 'true' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /not trusted: ignored verify/);
  assertClean(null, r, s);

  // --trust prints what it trusts, and stores it in the user's trust store.
  r = await runCli(['--trust'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^trusted \.red-exec\.json \(sha256 [0-9a-f]{12}\): verify = ".*"; a change to the file needs --trust again\n$/);
  const store = JSON.parse(fs.readFileSync(path.join(s.xdg, 'red-exec', 'trust.json'), 'utf8'));
  const [entry] = Object.values(store.trusted);
  assert.deepEqual(entry.settings, ['verify']);
  assert.equal(fs.statSync(path.join(s.xdg, 'red-exec', 'trust.json')).mode & 0o777, 0o600);

  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.existsSync(s.marker), true, 'the trusted check runs');
  assert.doesNotMatch(r.stderr, /not trusted/);
  assert.match(r.stdout, /^Check:    node -e .* \(from project config \(trusted\)\)$/m);
  fs.rmSync(s.marker);

  // One byte more: no longer the content the user trusted.
  fs.appendFileSync(path.join(s.ws, '.red-exec.json'), ' ');
  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /not trusted: ignored verify/);
  assertClean(null, r, s);
});

test('gate: off from an untrusted file is ignored (Gate: block); with --yes it applies and says from where', async () => {
  const s = setup();
  writeConfig(s.ws, { gate: 'off', keepOnFail: true, maxRetries: 0 });
  server.answer(PLAN).answer(fenced(NO_EXPORT));
  let r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl, '--report'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /not trusted: ignored gate \("off"\), keepOnFail \(true\)/);
  assert.match(r.stdout, /^Gate:     block \(a violation stops the write\), from default; ignored from the untrusted project config: gate, keepOnFail$/m);
  assert.doesNotMatch(fs.readFileSync(path.join(s.ws, 'src/sum.js'), 'utf8'), /^function sum\(a, b\) \{\n  return a \+ b;\n\}\n$/);
  assert.match(fs.readFileSync(path.join(s.ws, '.red-exec-logs', 'report.md'), 'utf8'), /^\| Gate \| block .*from default/m);
  assertClean(null, r, s);

  server.answer(PLAN).answer(fenced(NO_EXPORT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl, '--yes', '--json'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.settings.gate, { mode: 'off', source: 'project config (trusted for this run: --yes)' });
  assert.equal(fs.readFileSync(path.join(s.ws, 'src/sum.js'), 'utf8'), NO_EXPORT);
  assert.equal(fs.existsSync(path.join(s.xdg, 'red-exec', 'trust.json')), false, '--yes stores nothing');

  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: { ...s.env, RED_EXEC_TRUST_CONFIG: '1' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Gate:     off \(only scope is checked\), from project config \(trusted for this run: RED_EXEC_TRUST_CONFIG=1\)$/m);

  // A flag needs no trust, and the report says it came from one.
  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl, '--gate', 'warn'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Gate:     warn \(violations are written, not blocked\), from flag/m);
  assertClean(null, r, s);
});

test('the user config file needs no trust', async () => {
  const s = setup();
  fs.mkdirSync(path.join(s.xdg, 'red-exec'), { recursive: true });
  fs.writeFileSync(path.join(s.xdg, 'red-exec', 'config.json'), JSON.stringify({ gate: 'warn' }));
  server.answer(PLAN).answer(fenced(NO_EXPORT));
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /not trusted/);
  assert.match(r.stdout, /^Gate:     warn .*from user config$/m);
});

test("red-exec's own files in --files are refused before the run (exit 2)", async () => {
  const s = setup();
  writeConfig(s.ws, { maxRetries: 0 });
  fs.symlinkSync('.red-exec.json', path.join(s.ws, 'innocent.json'));
  fs.linkSync(path.join(s.ws, '.red-exec.json'), path.join(s.ws, 'hard.json'));
  fs.mkdirSync(path.join(s.ws, '.red-exec-logs'));
  fs.symlinkSync('.red-exec-logs', path.join(s.ws, 'logs'));
  const inside = snapshot(s.ws, { ignore: [] });
  for (const f of ['.red-exec.json', './.red-exec.json', '.red-exec-logs/last-run', '.red-exec-logs/x/journal.jsonl', '.red-exec-report.md', '.red-exec-violations.jsonl', '.red-exec-skill.md', 'sub/.red-exec.json', '.red-exec-logs', '.RED-EXEC.JSON', 'src/.red-exec-logs/x.js', 'innocent.json', 'hard.json', 'logs/last-run', path.join(s.ws, '.red-exec.json'), path.join(s.xdg, 'red-exec', 'trust.json'), path.join(s.xdg, 'red-exec', 'config.json')]) {
    const r = await runCli(['Edit it', '--files', f, '--base-url', server.baseUrl], { cwd: s.ws, env: s.env });
    assert.equal(r.code, 2, `${f}: ${r.stderr}`);
    assert.match(r.stderr, /^red-exec: --files: .* is red-exec's own file .*; a run never writes or deletes it \(see red-exec --help\)\n$/, f);
    assertClean(null, r, s);
  }
  assert.equal(server.requests.length, 0, 'no model call');
  assert.deepEqual(snapshot(s.ws, { ignore: [] }), inside);
});

test('a plan that creates or modifies .red-exec.json is refused; the trusted file stays trusted', async () => {
  const s = setup();
  writeConfig(s.ws, { verify: 'node -e "0"', maxRetries: 0 });
  let r = await runCli(['--trust'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  const config = fs.readFileSync(path.join(s.ws, '.red-exec.json'), 'utf8');
  for (const action of ['CREATE', 'MODIFY', 'DELETE']) {
    for (const target of ['.red-exec.json', '.red-exec-logs/last-run']) {
      // The plan, and the plan again when the core asks once more: refused both times.
      const bad = planJson([{ path: 'src/sum.js', action: 'MODIFY', intent: 'fix' }, { path: target, action, intent: 'configure' }]);
      server.answer(bad).answer(bad);
      // A task with a move word, so the plan is the planner's (a derived plan names only the scope).
      r = await runCli(['Fix sum and move it to the top', '--files', 'src/sum.js', '--base-url', server.baseUrl, '--json'], { cwd: s.ws, env: s.env });
      assert.equal(r.code, 7, `${action} ${target}: ${r.stdout}`);
      assert.equal(JSON.parse(r.stdout).error.code, 'plan_invalid');
      // The model is told why: the core's plan rule, not only "not in scope".
      assert.match(JSON.stringify(server.requests.at(-1)), /red-exec's own file/);
      assert.equal(fs.readFileSync(path.join(s.ws, '.red-exec.json'), 'utf8'), config, `${action} ${target}`);
      assertClean(null, r, s);
    }
  }
  // Still the content the user trusted: no warning.
  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /not trusted/);
  assertClean(null, r, s);
});

test('a symlinked .red-exec.json is trusted where it sits, not where it points', async () => {
  const s = setup();
  // The user trusted a file in another project of theirs.
  const other = makeWorkspace('calc-lib');
  writeConfig(other, { verify: plant(s.marker) });
  let r = await runCli(['--trust', '--workspace', other], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  // A cloned repository links to it: same bytes, but not the file the user trusted.
  fs.symlinkSync(path.join(other, '.red-exec.json'), path.join(s.ws, '.red-exec.json'));
  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /not trusted: ignored verify/);
  assertClean(null, r, s);
});

test('a trust granted for one directory does not carry to a copy elsewhere; a bad trust store is a config error', async () => {
  const s = setup();
  writeConfig(s.ws, { gate: 'off', maxRetries: 0 });
  let r = await runCli(['--trust', '--json'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).settings, { gate: 'off' });
  const copy = makeWorkspace('calc-lib');
  fs.copyFileSync(path.join(s.ws, '.red-exec.json'), path.join(copy, '.red-exec.json'));
  const copyEnv = s.env;
  server.answer(PLAN).answer(fenced(NO_EXPORT));
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: copy, env: s.env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^Gate:     block/m);

  fs.writeFileSync(path.join(s.xdg, 'red-exec', 'trust.json'), '{ torn');
  r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /trust store .* is not valid/);
  assertClean(null, r, s);
});

test('--trust without a project file is a usage error; --yes with a task flag only', async () => {
  const s = setup();
  let r = await runCli(['--trust'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^red-exec: --trust: no \.red-exec\.json in \/.* or above it \(up to the git root\)/);
  r = await runCli(['--trust', '--dry-run'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--dry-run is not used with --trust/);
  assert.equal(fs.existsSync(path.join(s.xdg, 'red-exec', 'trust.json')), false);
});

test('a .red-exec.json above the workspace (walked up) needs trust too, and trust is for that file', async () => {
  const s = setup();
  writeConfig(s.ws, { verify: plant(s.marker), maxRetries: 0 });
  const sub = path.join(s.ws, 'src');
  server.answer(planJson([{ path: 'sum.js', action: 'MODIFY', intent: 'fix' }])).answer(fenced(SUM_RIGHT));
  let r = await runCli(['Fix sum', '--files', 'sum.js', '--base-url', server.baseUrl], { cwd: sub, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^red-exec: warning: \/.*\/\.red-exec\.json is not trusted: ignored verify/m);
  assertClean(null, r, s);
  // --trust from the subdirectory trusts the file it would use.
  r = await runCli(['--trust'], { cwd: sub, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^trusted \/.*\/\.red-exec\.json /);
  const [key] = Object.keys(JSON.parse(fs.readFileSync(path.join(s.xdg, 'red-exec', 'trust.json'), 'utf8')).trusted);
  assert.equal(key, path.join(fs.realpathSync(s.ws), '.red-exec.json'));
});

test('a trust store planted as a link elsewhere is not followed into a write', async () => {
  const s = setup();
  writeConfig(s.ws, { verify: plant(s.marker) });
  fs.mkdirSync(path.join(s.xdg, 'red-exec'), { recursive: true });
  fs.symlinkSync(path.join(s.sibling, 'keep.txt'), path.join(s.xdg, 'red-exec', 'trust.json'));
  const r = await runCli(['--trust'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /trust store .* is not valid/);
  assertClean(null, r, s);
});

test('a tampered trust entry (right path, another hash) does not trust; --json of a run names the untrusted settings', async () => {
  const s = setup();
  writeConfig(s.ws, { verify: plant(s.marker), keepOnFail: true, gate: 'block', maxRetries: 0 });
  fs.mkdirSync(path.join(s.xdg, 'red-exec'), { recursive: true });
  const key = path.join(fs.realpathSync(s.ws), '.red-exec.json');
  fs.writeFileSync(path.join(s.xdg, 'red-exec', 'trust.json'), JSON.stringify({ version: 1, trusted: { [key]: { sha256: '0'.repeat(64) } } }));
  server.answer(PLAN).answer(fenced(SUM_RIGHT));
  const r = await runCli(['Fix sum', '--files', 'src/sum.js', '--base-url', server.baseUrl, '--json'], { cwd: s.ws, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.settings.untrusted, ['verify', 'keepOnFail']);
  assert.equal(out.settings.check, null);
  // gate: block needs no trust, and is not called trusted.
  assert.deepEqual(out.settings.gate, { mode: 'block', source: 'project config' });
  assertClean(null, r, s);
});
