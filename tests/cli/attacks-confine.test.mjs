// Attacks on red-exec's own files, on keys in base URLs, on the check's environment and on the
// terminal (issue 14, "artifacts confined", "keys", "output a person can trust"). Each attack
// spawns the real CLI and asserts that nothing outside the workspace changed (a sibling
// directory is snapshotted), that nothing planted ran, and that no key appeared in any output
// or file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, allFiles, unzipText, fenced, planJson, lastRunLog, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH, BROKEN_SERVER } from '../support/answers.mjs';

const server = useModelServer();
const TASK = 'Add a GET /health route';
const PLAN = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);
const SECRET = 'SECRETKEY123';

/** A directory outside the workspace with a file in it, and a check that it did not change. */
function outsideDir() {
  const dir = makeTempDir();
  fs.writeFileSync(path.join(dir, 'keep.txt'), 'outside, untouched\n');
  const before = snapshot(dir, { ignore: [] });
  return { dir, unchanged: () => assert.deepEqual(snapshot(dir, { ignore: [] }), before, 'something outside the workspace changed') };
}

/** Every file under `dirs`, zips unpacked, and the outputs: none holds `secret`. */
function assertNowhere(secret, outputs, dirs) {
  for (const [name, text] of Object.entries(outputs)) assert.equal(String(text).includes(secret), false, `${name} holds the secret`);
  for (const dir of dirs) {
    for (const file of allFiles(dir)) {
      assert.equal(fs.readFileSync(file).toString('latin1').includes(secret), false, `${file} holds the secret`);
      if (file.endsWith('.zip')) for (const [entry, text] of Object.entries(unzipText(file))) assert.equal(text.includes(secret), false, `${file}: ${entry}`);
    }
  }
}

const oneLine = (text) => {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${text}`);
  return lines[0];
};

const okRun = (ws, extra = [], env = {}) => {
  server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
  return runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, ...extra], { cwd: ws, env });
};

// ---- artifacts: links

test('.red-exec-logs a symlink to a directory outside: the run refuses (exit 8), asks no model, writes nothing there', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  fs.symlinkSync(out.dir, path.join(ws, LOG_DIR));
  const before = snapshot(ws);
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--report', '--export-debug'], { cwd: ws });
  assert.equal(r.code, 8, r.stderr);
  assert.match(oneLine(r.stderr), /\.red-exec-logs is a symbolic link/);
  assert.equal(server.requests.length, 0, 'no model call');
  out.unchanged();
  assert.deepEqual(snapshot(ws), before);
});

test('.red-exec-logs a symlink: --runs, --undo and --export-debug refuse too, reading nothing there', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  // A fake run outside, which a followed link would read (and undo from).
  const fake = '20261201-120637-f18f4a';
  fs.mkdirSync(path.join(out.dir, fake));
  fs.writeFileSync(path.join(out.dir, fake, 'events.jsonl'), '{"kind":"host_start","time":"2026-12-01T12:06:37Z"}\n');
  fs.writeFileSync(path.join(out.dir, 'last-run'), `${fake}\n`);
  const snap = snapshot(out.dir, { ignore: [] });
  fs.symlinkSync(out.dir, path.join(ws, LOG_DIR));
  for (const args of [['--runs'], ['--undo'], ['--export-debug', '--run-id', 'last'], ['--export-debug', '--run-id', fake]]) {
    const r = await runCli(args, { cwd: ws });
    assert.equal(r.code, 8, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), /symbolic link/);
  }
  assert.deepEqual(snapshot(out.dir, { ignore: [] }), snap);
});

test('.red-exec-logs/report.md a symlink to a file outside: the report is not written there', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  fs.mkdirSync(path.join(ws, LOG_DIR));
  fs.symlinkSync(path.join(out.dir, 'keep.txt'), path.join(ws, LOG_DIR, 'report.md'));
  const r = await okRun(ws, ['--report']);
  assert.equal(r.code, 8, r.stderr);
  assert.match(r.stderr, /could not write the run report/);
  out.unchanged();
  assert.equal(fs.lstatSync(path.join(ws, LOG_DIR, 'report.md')).isSymbolicLink(), true);
});

test('.red-exec-logs/violations.jsonl a symlink to a file outside: no gate line is appended there', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  fs.mkdirSync(path.join(ws, LOG_DIR));
  fs.symlinkSync(path.join(out.dir, 'keep.txt'), path.join(ws, LOG_DIR, 'violations.jsonl'));
  server.answer(PLAN).answer(fenced(BROKEN_SERVER));
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--max-retries', '0'], { cwd: ws });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(lastRunLog(ws).events.at(-1).files[0].outcome, 'blocked', 'the gate did block (a violation line was due)');
  out.unchanged();
});

test('.red-exec-logs/last-run and .red-exec-logs/lock symlinks: the run refuses (exit 8), the files outside stay as they are', async () => {
  for (const name of ['last-run', 'lock']) {
    const ws = makeWorkspace();
    const out = outsideDir();
    fs.mkdirSync(path.join(ws, LOG_DIR));
    fs.symlinkSync(path.join(out.dir, 'keep.txt'), path.join(ws, LOG_DIR, name));
    const before = snapshot(ws);
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
    assert.equal(r.code, 8, `${name}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), /symbolic link/);
    assert.equal(server.requests.length, 0, 'no model call');
    out.unchanged();
    assert.deepEqual(snapshot(ws), before);
  }
});

test('a planted run directory whose events.jsonl (or the directory itself) links outside: --export-debug and --undo refuse, no zip outside', async () => {
  const id = '20261201-120637-f18f4a';
  for (const shape of ['file', 'dir']) {
    const ws = makeWorkspace();
    const out = outsideDir();
    const events = '{"kind":"host_start","time":"2026-12-01T12:06:37Z"}\n{"kind":"write","path":"src/server.js"}\n';
    fs.writeFileSync(path.join(out.dir, 'events.jsonl'), events);
    const snap = snapshot(out.dir, { ignore: [] });
    fs.mkdirSync(path.join(ws, LOG_DIR));
    if (shape === 'file') {
      fs.mkdirSync(path.join(ws, LOG_DIR, id));
      fs.symlinkSync(path.join(out.dir, 'events.jsonl'), path.join(ws, LOG_DIR, id, 'events.jsonl'));
    } else {
      fs.symlinkSync(out.dir, path.join(ws, LOG_DIR, id));
    }
    for (const args of [['--export-debug', '--run-id', id], ['--undo', id]]) {
      const r = await runCli(args, { cwd: ws });
      assert.equal(r.code, 8, `${shape} ${args.join(' ')}: ${r.stderr}`);
      assert.match(oneLine(r.stderr), /symbolic link/);
    }
    assert.deepEqual(snapshot(out.dir, { ignore: [] }), snap);
  }
});

// ---- run ids

test('a tampered last-run (../../../x): --export-debug --run-id last, --undo and --replay last refuse (exit 3), nothing read or written outside', async () => {
  const ws = makeWorkspace('');
  fs.mkdirSync(path.join(ws, 'project'));
  const project = path.join(ws, 'project');
  // The target the traversal reaches: a run-looking directory outside the project.
  fs.mkdirSync(path.join(ws, 'x'));
  fs.writeFileSync(path.join(ws, 'x', 'events.jsonl'), '{"kind":"host_start"}\n');
  fs.writeFileSync(path.join(ws, 'x', 'journal.jsonl'), '');
  fs.mkdirSync(path.join(project, LOG_DIR));
  fs.writeFileSync(path.join(project, LOG_DIR, 'last-run'), '../../x\n');
  const before = snapshot(path.join(ws, 'x'), { ignore: [] });
  for (const args of [['--export-debug', '--run-id', 'last'], ['--undo'], [TASK, '--files', 'a.js', '--replay', 'last']]) {
    const r = await runCli(args, { cwd: project });
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), /last-run .*is not a run id/);
  }
  assert.deepEqual(snapshot(path.join(ws, 'x'), { ignore: [] }), before);
});

test('--undo ../../x, --run-id with a path or an odd name: refused with exit 3, one line', async () => {
  const ws = makeWorkspace();
  for (const args of [['--undo', '../../x'], ['--undo', 'a/b'], ['--export-debug', '--run-id', '../../etc'], ['--export-debug', '--run-id', '.'], ['--undo', '20261201-120637-F18F4A'], ['--undo', 'x\u001b[2K']]) {
    const r = await runCli(args, { cwd: ws });
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.match(oneLine(r.stderr), /a run id like 20261201-120637-f18f4a/);
    assert.equal(r.stderr.includes('\u001b'), false);
  }
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), false);
});

// ---- keys in base URLs

test('a key in --base-url (userinfo or a key-like query parameter) is refused (exit 2) and shown nowhere', async () => {
  for (const url of [
    `http://u:${SECRET}@${new URL(server.baseUrl).host}/v1`,
    `http://${SECRET}@${new URL(server.baseUrl).host}/v1`,
    `${server.baseUrl}?api_key=${SECRET}`,
    `${server.baseUrl}?key=${SECRET}`,
    `${server.baseUrl}?x=1&access_token=${SECRET}`,
    `${server.baseUrl}?sig=${SECRET}`,
    `${server.baseUrl}?AWSAccessKeyId=1&X-Amz-Signature=${SECRET}`,
  ]) {
    const ws = makeWorkspace();
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', url, '--json'], { cwd: ws });
    assert.equal(r.code, 2, `${url}: ${r.stderr}`);
    assert.equal(server.requests.length, 0);
    assertNowhere(SECRET, { stdout: r.stdout, stderr: r.stderr }, [ws]);
    assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), false);
  }
  // A malformed URL is not echoed either.
  const bad = await runCli([TASK, '--files', 'src/server.js', '--base-url', `http://[${SECRET}`], { cwd: makeWorkspace() });
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.includes(SECRET), false);
});

test('a key in RED_EXEC_BASE_URL, OPENAI_BASE_URL or a config file\'s baseUrl: refused (exit 3), not echoed', async () => {
  const host = new URL(server.baseUrl).host;
  for (const name of ['RED_EXEC_BASE_URL', 'OPENAI_BASE_URL']) {
    const ws = makeWorkspace();
    const r = await runCli([TASK, '--files', 'src/server.js'], { cwd: ws, env: { [name]: `http://u:${SECRET}@${host}/v1` } });
    assert.equal(r.code, 3, `${name}: ${r.stderr}`);
    assertNowhere(SECRET, { stdout: r.stdout, stderr: r.stderr }, [ws]);
  }
  const home = makeTempDir();
  fs.mkdirSync(path.join(home, 'red-exec'));
  fs.writeFileSync(path.join(home, 'red-exec', 'config.json'), JSON.stringify({ baseUrl: `${server.baseUrl}?token=${SECRET}` }));
  const ws = makeWorkspace();
  const r = await runCli([TASK, '--files', 'src/server.js'], { cwd: ws, env: { XDG_CONFIG_HOME: home } });
  assert.equal(r.code, 3, r.stderr);
  assertNowhere(SECRET, { stdout: r.stdout, stderr: r.stderr }, [ws]);
  assert.equal(server.requests.length, 0);
});

test('a provider key goes only to its own host: DEEPSEEK_API_KEY is not sent to a custom --base-url', async () => {
  const ws = makeWorkspace();
  const r = await okRun(ws, ['--model', 'deepseek-chat'], { DEEPSEEK_API_KEY: `sk-${SECRET}` });
  assert.equal(r.code, 0, r.stderr);
  for (const req of server.requests) assert.equal(JSON.stringify(req.headers).includes(SECRET), false, 'the DeepSeek key reached another host');
});

// ---- the check's environment

test('the check does not see GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY and the like unless --pass-env names them', async () => {
  const secrets = { GITHUB_TOKEN: 'ghp_SEEN1', AWS_SECRET_ACCESS_KEY: 'aws_SEEN2', NPM_TOKEN: 'npm_SEEN3', MY_SERVICE_API_KEY: 'svc_SEEN4', DB_PASSWORD: 'pw_SEEN5', STRIPE_SECRET: 'st_SEEN6' };
  const probe = makeTempDir();
  const dump = path.join(probe, 'env.txt');
  const check = `env > "${dump}"`;

  const ws = makeWorkspace();
  const r = await okRun(ws, ['--verify', check], { ...secrets, PLAIN_SETTING: 'kept' });
  assert.equal(r.code, 0, r.stderr);
  const seen = fs.readFileSync(dump, 'utf8');
  assert.match(seen, /^PLAIN_SETTING=kept$/m, 'the check ran, with the ordinary environment');
  assert.match(seen, /^RED_EXEC_VERIFY=1$/m);
  for (const [name, value] of Object.entries(secrets)) assert.equal(seen.includes(value), false, `${name} reached the check`);

  const ws2 = makeWorkspace();
  const passed = await okRun(ws2, ['--verify', check, '--pass-env', 'GITHUB_TOKEN', '--pass-env', 'DB_PASSWORD,NPM_TOKEN'], secrets);
  assert.equal(passed.code, 0, passed.stderr);
  const seen2 = fs.readFileSync(dump, 'utf8');
  assert.match(seen2, /^GITHUB_TOKEN=ghp_SEEN1$/m);
  assert.match(seen2, /^DB_PASSWORD=pw_SEEN5$/m);
  assert.match(seen2, /^NPM_TOKEN=npm_SEEN3$/m);
  assert.equal(seen2.includes('aws_SEEN2'), false, 'only the names passed');
});

// ---- output a person can trust

const ESC_LINE = "// done \u001b[2K\u001b[1A\u001b]0;pwned\u0007 \u009b2J \u202eevil\u202c";
const WITH_ESC = SERVER_WITH_HEALTH.replace("'use strict';\n", `'use strict';\n${ESC_LINE}\n`);

test('an answer with terminal escapes: --diff, the report and report.md show them escaped, never raw', async () => {
  const ws = makeWorkspace();
  server.answer(PLAN).answer(fenced(WITH_ESC));
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--diff', '--report'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.readFileSync(path.join(ws, 'src/server.js'), 'utf8'), WITH_ESC, 'the file is written as answered');
  for (const [name, text] of [['stdout', r.stdout], ['stderr', r.stderr], ['report.md', fs.readFileSync(path.join(ws, LOG_DIR, 'report.md'), 'utf8')]]) {
    assert.equal(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/.test(text), false, `${name} holds a raw control character`);
  }
  assert.match(r.stdout, /^\+\/\/ done \\u001b\[2K\\u001b\[1A/m, 'the diff line shows the escape');
});

test('a dry run with terminal escapes in the answer: its diffs are escaped too', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  server.answer(PLAN).answer(fenced(WITH_ESC));
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--dry-run'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.includes('\u001b'), false);
  assert.match(r.stdout, /\\u001b\[2K/);
  assert.deepEqual(snapshot(ws), before);
});

// ---- more of the same classes

test('.red-exec-logs/.gitignore a symlink to a file outside: refused like any link there (exit 8), the file outside is not written', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  fs.mkdirSync(path.join(ws, LOG_DIR));
  fs.symlinkSync(path.join(out.dir, 'keep.txt'), path.join(ws, LOG_DIR, '.gitignore'));
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 8, r.stderr);
  assert.match(oneLine(r.stderr), /\.gitignore is a symbolic link/);
  assert.equal(server.requests.length, 0);
  out.unchanged();
});

test('the check command plants .red-exec-logs/report.md as a link during the run: the report is refused (exit 8), nothing written outside', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  const check = `ln -s "${path.join(out.dir, 'keep.txt')}" ${LOG_DIR}/report.md`;
  const r = await okRun(ws, ['--verify', check, '--report']);
  assert.equal(r.code, 8, r.stderr);
  assert.match(oneLine(r.stderr), /could not write the run report .*symbolic link/);
  out.unchanged();
});

test('--replay <run-id> whose run directory links outside, and --replay with a path-like id under .red-exec-logs: refused, nothing read there', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  const id = '20261201-120637-f18f4a';
  fs.mkdirSync(path.join(ws, LOG_DIR));
  fs.symlinkSync(out.dir, path.join(ws, LOG_DIR, id));
  const r = await runCli([TASK, '--files', 'src/server.js', '--replay', id], { cwd: ws });
  assert.equal(r.code, 8, r.stderr);
  assert.match(oneLine(r.stderr), /symbolic link/);
  assert.equal(server.requests.length, 0);
  out.unchanged();
});

test('--runs skips planted entries that are not run ids and does not follow a link named like one', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  fs.writeFileSync(path.join(out.dir, 'events.jsonl'), '{"kind":"host_start","time":"2026-12-01T12:06:37Z","task":"OUTSIDE-TASK"}\n');
  assert.equal((await okRun(ws)).code, 0);
  fs.mkdirSync(path.join(ws, LOG_DIR, '..evil'));
  fs.writeFileSync(path.join(ws, LOG_DIR, '..evil', 'events.jsonl'), '{"kind":"host_start","time":"2099-01-01T00:00:00Z"}\n');
  fs.symlinkSync(out.dir, path.join(ws, LOG_DIR, '20991231-235959-abcdef'));
  const r = await runCli(['--runs', '--json'], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  const ids = JSON.parse(r.stdout).runs.map((x) => x.runId ?? x.id);
  assert.deepEqual(ids, [lastRunLog(ws).id]);
  assert.equal(r.stdout.includes('OUTSIDE-TASK'), false);
});

test('a key-like parameter hidden by case or encoding (?API_KEY=, ?Access%5FToken=) is refused too; an ordinary query (?api-version=) is not', async () => {
  for (const url of [`${server.baseUrl}?API_KEY=${SECRET}`, `${server.baseUrl}?Access%5FToken=${SECRET}`, `${server.baseUrl}?client_secret=${SECRET}`]) {
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', url], { cwd: makeWorkspace() });
    assert.equal(r.code, 2, `${url}: ${r.stderr}`);
    assert.equal((r.stdout + r.stderr).includes(SECRET), false);
  }
  // Not refused: it reaches the server (which has no answer scripted for it).
  const ok = await runCli([TASK, '--files', 'src/server.js', '--base-url', `${server.baseUrl}?api-version=2024-06-01`], { cwd: makeWorkspace() });
  assert.notEqual(ok.code, 2, ok.stderr);
  assert.ok(server.requests.length > 0, 'the URL was used');
});

test('the check swaps .red-exec-logs for a link to a directory outside after the run began: nothing more is written through it', async () => {
  const ws = makeWorkspace();
  const out = outsideDir();
  const check = `mv ${LOG_DIR} moved-logs && ln -s "${out.dir}" ${LOG_DIR}`;
  const r = await okRun(ws, ['--verify', check, '--report', '--export-debug']);
  assert.equal(r.code, 8, r.stderr);
  assert.match(r.stderr, /symbolic link/);
  out.unchanged();
});

test('XDG_SESSION_ID, PATH and HOME still reach the check; a model key never does, even with --pass-env', async () => {
  const probe = makeTempDir();
  const dump = path.join(probe, 'env.txt');
  const ws = makeWorkspace();
  const r = await okRun(ws, ['--verify', `env > "${dump}"`, '--pass-env', 'RED_EXEC_API_KEY'], { XDG_SESSION_ID: '7', RED_EXEC_API_KEY: `sk-${SECRET}` });
  assert.equal(r.code, 0, r.stderr);
  const seen = fs.readFileSync(dump, 'utf8');
  assert.match(seen, /^XDG_SESSION_ID=7$/m);
  assert.match(seen, /^PATH=/m);
  assert.equal(seen.includes(SECRET), false, 'the model key reached the check');
});
