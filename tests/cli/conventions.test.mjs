// The conventions users of other coding CLIs expect: the task from standard input or a file,
// -v/-V, "did you mean", which key goes to which server, OPENAI_BASE_URL, config files found
// from a subdirectory and in the user's config directory, --json on the error paths, and shell
// completion. Every run is the spawned CLI against the loopback model server.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { useModelServer, makeWorkspace, makeTempDir, runCli, snapshot, lastRunLog, fenced, planJson, FIXTURES, REPO, LOG_DIR } from '../support/cli.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const server = useModelServer();

const TASK = 'Add a GET /health route';
const PLAN = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);
const corePkg = JSON.parse(fs.readFileSync(path.join(REPO, 'npm', 'core', 'package.json'), 'utf8'));
const cliPkg = JSON.parse(fs.readFileSync(path.join(REPO, 'npm', 'red-exec', 'package.json'), 'utf8'));

/** Script one whole successful run (plan + file). */
const scriptRun = () => server.answer(PLAN).answer(fenced(SERVER_WITH_HEALTH));
const taskOf = (ws) => lastRunLog(ws).events.find((e) => e.kind === 'run_start').task;
const read = (ws, rel) => fs.readFileSync(path.join(ws, rel), 'utf8');

/** A refused command: the exit code, one stderr line, nothing written, no model call. */
function refused(r, ws, before, code) {
  assert.equal(r.code, code, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.deepEqual(snapshot(ws), before);
  assert.equal(fs.existsSync(path.join(ws, LOG_DIR)), false);
  assert.equal(server.requests.length, 0);
  return lines[0];
}

// ---- the task from standard input and from a file

test('a piped task with no task argument is read from standard input', async () => {
  const ws = makeWorkspace();
  scriptRun();
  const r = await runCli(['--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws, input: `${TASK}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(taskOf(ws), TASK);
  assert.ok(server.requests[0].raw.includes(TASK));
  assert.equal(read(ws, 'src/server.js'), SERVER_WITH_HEALTH);
});

test('"-" as the task reads standard input; an empty one is a usage error', async () => {
  const ws = makeWorkspace();
  scriptRun();
  const multi = `${TASK}\n\nKeep the other routes as they are.\n`;
  const r = await runCli(['-', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws, input: multi });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(taskOf(ws), multi.trim());
  assert.ok(!server.requests.some((q) => /task[^\n]*"-"/i.test(q.raw)), 'the model never sees "-" as the task');

  server.requests.length = 0;
  const empty = makeWorkspace();
  const before = snapshot(empty);
  const e = await runCli(['-', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: empty, input: ' \n\n' });
  assert.equal(refused(e, empty, before, 2), 'red-exec: missing task: standard input was empty (see red-exec --help)');
});

test('--task-file reads the task from a file; empty, missing or with a task argument is refused', async () => {
  const ws = makeWorkspace();
  fs.writeFileSync(path.join(ws, 'TASK.md'), `\uFEFF# ${TASK}\n\nAnswer { status: 'ok' }.\n`);
  scriptRun();
  const r = await runCli(['--task-file', 'TASK.md', '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(taskOf(ws), `# ${TASK}\n\nAnswer { status: 'ok' }.`);

  server.requests.length = 0;
  const other = makeWorkspace();
  fs.writeFileSync(path.join(other, 'EMPTY.md'), '\n');
  const before = snapshot(other);
  const cases = [
    [['--task-file', 'EMPTY.md'], 2, /^red-exec: missing task: EMPTY\.md is empty/],
    [['--task-file', 'NOPE.md'], 3, /^red-exec: --task-file NOPE\.md: cannot read it \(ENOENT\)$/],
    [['Another task', '--task-file', 'EMPTY.md'], 2, /^red-exec: --task-file and a task argument \("Another task"\) do not go together/],
  ];
  for (const [args, code, message] of cases) {
    const e = await runCli([...args, '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: other });
    assert.match(refused(e, other, before, code), message);
  }
});

// ---- version and typos

test('-v and -V print the version like --version', async () => {
  for (const flag of ['-v', '-V']) {
    const r = await runCli([flag], { cwd: makeTempDir() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `red-exec ${cliPkg.version}\n`);
  }
});

test('a mistyped flag gets "did you mean"; a mistyped config key too', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  for (const [typo, meant] of [['--jsno', '--json'], ['--dryrun', '--dry-run'], ['--base-ulr', '--base-url'], ['--file', '--files']]) {
    const r = await runCli([TASK, '--files', 'src/server.js', typo], { cwd: ws });
    assert.equal(refused(r, ws, before, 2), `red-exec: unknown flag: ${typo}; did you mean ${meant}? (see red-exec --help)`);
  }
  fs.writeFileSync(path.join(ws, '.red-exec.json'), '{"modle": "x"}');
  const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl], { cwd: ws });
  assert.equal(r.code, 3);
  assert.match(r.stderr, /^red-exec: \.red-exec\.json: unknown key "modle" \(did you mean "model"\?/);
});

// ---- keys and base URLs

test('a provider key is never sent to a --base-url server of another host', async () => {
  for (const model of ['deepseek-chat', 'gpt-4o-mini']) {
    const ws = makeWorkspace();
    scriptRun();
    const r = await runCli([TASK, '--files', 'src/server.js', '--base-url', server.baseUrl, '--model', model], {
      cwd: ws,
      env: { DEEPSEEK_API_KEY: 'sk-deepseek-secret', OPENAI_API_KEY: 'sk-openai-secret' },
    });
    assert.equal(r.code, 0, r.stderr);
  }
  // One call per run: one file in scope, so the plan is derived.
  assert.equal(server.requests.length, 2);
  for (const q of server.requests) {
    assert.equal(q.headers.authorization, undefined);
    assert.ok(!q.raw.includes('secret'));
  }
});

test('OPENAI_BASE_URL is the base URL and OPENAI_API_KEY its key; RED_EXEC_BASE_URL wins over it', async () => {
  const ws = makeWorkspace();
  scriptRun();
  const r = await runCli([TASK, '--files', 'src/server.js', '--model', 'some-local-model'], {
    cwd: ws,
    env: { OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'sk-openai-1', RED_EXEC_API_KEY: 'rx-2', DEEPSEEK_API_KEY: 'ds-3' },
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(server.requests.map((q) => [q.headers.authorization, q.body.model]), [['Bearer sk-openai-1', 'some-local-model']]);

  // The user's own variable names another server: that one is used, with RED_EXEC_API_KEY.
  server.requests.length = 0;
  scriptRun();
  const r2 = await runCli([TASK, '--files', 'src/server.js'], {
    cwd: makeWorkspace(),
    env: { RED_EXEC_BASE_URL: server.baseUrl, OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'sk-openai-1', RED_EXEC_API_KEY: 'rx-2' },
  });
  assert.equal(r2.code, 0, r2.stderr);
  assert.deepEqual(server.requests.map((q) => q.headers.authorization), ['Bearer rx-2']);
});

// ---- config files

/** A git repository (a .git directory is enough to mark its root) holding the fixture under pkg/. */
function repoWithPackage() {
  const outside = makeTempDir();
  const repo = path.join(outside, 'repo');
  const pkg = path.join(repo, 'packages', 'api');
  fs.mkdirSync(path.join(repo, '.git'), { recursive: true });
  fs.cpSync(path.join(FIXTURES, 'express-app'), pkg, { recursive: true });
  return { outside, repo, pkg };
}

test('.red-exec.json is found from a subdirectory, up to the git root and no further', async () => {
  const { outside, repo, pkg } = repoWithPackage();
  fs.writeFileSync(path.join(repo, '.red-exec.json'), JSON.stringify({ model: 'walked-up-model', baseUrl: server.baseUrl, maxRetries: 0 }));
  // Above the git root: never read (it would be a config error).
  fs.writeFileSync(path.join(outside, '.red-exec.json'), '{ not json');
  scriptRun();
  const r = await runCli([TASK, '--files', 'src/server.js'], { cwd: pkg, env: { RED_EXEC_API_KEY: 'rx-user-key' } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(server.requests.map((q) => q.body.model), ['walked-up-model']);
  // The repository chose the server: the user's key is not sent there, and the user is told.
  assert.deepEqual(server.requests.map((q) => q.headers.authorization), [undefined]);
  assert.equal(r.stderr.split('\n')[0], `red-exec: warning: RED_EXEC_API_KEY is not sent to ${server.baseUrl}: that base URL comes from ${path.join(repo, '.red-exec.json')}, a repository file (pass --base-url or set RED_EXEC_BASE_URL to send it)`);
  const start = lastRunLog(pkg).events.find((e) => e.kind === 'host_start');
  assert.deepEqual(start.cli.fromProjectConfig, ['maxRetries', 'model', 'baseUrl']);
  assert.equal(start.cli.settingSources.baseUrl, 'project');
  assert.equal(read(pkg, 'src/server.js'), SERVER_WITH_HEALTH);

  // Without the repository's file the walk reaches the git root and stops: no model, no key.
  fs.rmSync(path.join(repo, '.red-exec.json'));
  const r2 = await runCli([TASK, '--files', 'src/server.js'], { cwd: pkg });
  assert.equal(r2.code, 3);
  assert.match(r2.stderr, /^red-exec: DEEPSEEK_API_KEY is not set/);
});

test('the user config ($XDG_CONFIG_HOME/red-exec/config.json): below flags, environment and the project file', async () => {
  const xdg = makeTempDir();
  fs.mkdirSync(path.join(xdg, 'red-exec'));
  fs.writeFileSync(path.join(xdg, 'red-exec', 'config.json'), JSON.stringify({ model: 'user-model', baseUrl: server.baseUrl }));
  const ws = makeWorkspace();
  const env = { XDG_CONFIG_HOME: xdg, RED_EXEC_API_KEY: 'rx-user-key' };
  const runs = [
    [[], {}, null, 'user-model'],
    [[], {}, { model: 'project-model' }, 'project-model'],
    [[], { LLM_MODEL: 'env-model' }, { model: 'project-model' }, 'env-model'],
    [['--model', 'flag-model'], { LLM_MODEL: 'env-model' }, { model: 'project-model' }, 'flag-model'],
  ];
  for (const [flags, extraEnv, project, expected] of runs) {
    if (project) fs.writeFileSync(path.join(ws, '.red-exec.json'), JSON.stringify(project));
    server.requests.length = 0;
    scriptRun();
    const r = await runCli([TASK, '--files', 'src/server.js', ...flags], { cwd: ws, env: { ...env, ...extraEnv } });
    assert.equal(r.code, 0, `${expected}: ${r.stderr}`);
    assert.equal(r.stderr, '', 'the user chose the server: no warning');
    // The user's own file named the server: their key goes there.
    assert.deepEqual(server.requests.map((q) => [q.body.model, q.headers.authorization]), [[expected, 'Bearer rx-user-key']]);
    fs.writeFileSync(path.join(ws, 'src/server.js'), fs.readFileSync(path.join(FIXTURES, 'express-app', 'src', 'server.js')));
  }

  // A bad user file is a config error that names it.
  fs.writeFileSync(path.join(xdg, 'red-exec', 'config.json'), '{"gate": "maybe"}');
  server.requests.length = 0;
  const r = await runCli([TASK, '--files', 'src/server.js'], { cwd: makeWorkspace(), env });
  assert.equal(r.code, 3);
  assert.equal(r.stderr, `red-exec: ${path.join(xdg, 'red-exec', 'config.json')}: "gate" must be one of block, warn, off\n`);
});

// ---- --json on every path

function oneJson(stdout) {
  const value = JSON.parse(stdout);
  assert.equal(typeof value, 'object');
  return value;
}

test('--json answers on stdout for a usage error, a config error, --version and --help', async () => {
  const ws = makeWorkspace();
  const before = snapshot(ws);
  const usage = await runCli([TASK, '--files', 'src/server.js', '--json', '--jsno'], { cwd: ws });
  refused(usage, ws, before, 2);
  assert.deepEqual(oneJson(usage.stdout), {
    status: 'FAILED',
    error: { code: 'usage', message: 'unknown flag: --jsno; did you mean --json? (see red-exec --help)' },
    exitCode: 2,
  });

  const config = await runCli([TASK, '--files', 'src/server.js', '--json'], { cwd: ws });
  refused(config, ws, before, 3);
  const c = oneJson(config.stdout);
  assert.equal(c.status, 'FAILED');
  assert.equal(c.error.code, 'config');
  assert.match(c.error.message, /^DEEPSEEK_API_KEY is not set/);
  assert.equal(c.exitCode, 3);

  const version = await runCli(['--version', '--json'], { cwd: ws });
  assert.equal(version.code, 0, version.stderr);
  assert.deepEqual(oneJson(version.stdout), { status: 'OK', name: 'red-exec', version: cliPkg.version, core: corePkg.version, exitCode: 0 });

  const help = await runCli(['-h', '--json'], { cwd: ws });
  assert.equal(help.code, 0, help.stderr);
  const h = oneJson(help.stdout);
  assert.match(h.help, /^USAGE$/m);
  assert.ok(h.options.some((o) => o.flag === '--files <paths>'));
  assert.ok(h.options.some((o) => o.flag === '-v, -V, --version'));
});

test('--json on the commands that run no task: --init-skill answers, a refused --undo and an unknown --run-id too', async () => {
  const ws = makeWorkspace();
  const skill = await runCli(['--init-skill', '--json'], { cwd: ws });
  assert.equal(skill.code, 0, skill.stderr);
  const s = oneJson(skill.stdout);
  assert.equal(s.status, 'OK');
  assert.equal(s.file, '.red-exec-skill.md');
  assert.ok(fs.existsSync(path.join(ws, '.red-exec-skill.md')));

  const undo = await runCli(['--undo', '--json'], { cwd: makeWorkspace() });
  assert.equal(undo.code, 3, undo.stderr);
  assert.deepEqual(Object.keys(oneJson(undo.stdout)), ['status', 'error', 'exitCode']);
  assert.equal(oneJson(undo.stdout).error.code, 'config');

  const exported = await runCli(['--export-debug', '--run-id', 'no-such-run', '--json'], { cwd: makeWorkspace() });
  assert.equal(exported.code, 3, exported.stderr);
  assert.equal(oneJson(exported.stdout).exitCode, 3);
});

// ---- shell completion

test('red-exec completion bash: valid bash that completes flags and their values', async () => {
  const r = await runCli(['completion', 'bash'], { cwd: makeTempDir() });
  assert.equal(r.code, 0, r.stderr);
  const dir = makeTempDir();
  const script = path.join(dir, 'red-exec.bash');
  fs.writeFileSync(script, r.stdout);
  const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
  assert.equal(syntax.status, 0, syntax.stderr);

  const complete = (...words) => {
    const quoted = words.map((w) => `'${w}'`).join(' ');
    const out = spawnSync('bash', ['-c', `source '${script}'; COMP_WORDS=(red-exec ${quoted}); COMP_CWORD=${words.length}; _red_exec; printf '%s\\n' "\${COMPREPLY[@]}"`], { encoding: 'utf8', cwd: dir });
    assert.equal(out.status, 0, out.stderr);
    return out.stdout.split('\n').filter(Boolean);
  };
  assert.deepEqual(complete('fix it', '--js'), ['--json']);
  assert.deepEqual(complete('fix it', '--dry'), ['--dry-run']);
  assert.deepEqual(complete('fix it', '--gate', 'w'), ['warn']);
  assert.deepEqual(complete('completion', 'z'), ['zsh']);
  assert.ok(complete('fix it', '--').includes('--task-file'));
});

const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0;

test('red-exec completion zsh: valid zsh that registers _red-exec', { skip: !hasZsh && !process.env.CI && 'zsh is not installed (scripts/setup.sh installs it; under CI it is required)' }, async () => {
  const r = await runCli(['completion', 'zsh'], { cwd: makeTempDir() });
  assert.equal(r.code, 0, r.stderr);
  const script = path.join(makeTempDir(), '_red-exec');
  fs.writeFileSync(script, r.stdout);
  assert.equal(spawnSync('zsh', ['-n', script]).status, 0);
  const out = spawnSync('zsh', ['-f', '-c', `autoload -Uz compinit && compinit -u -D && source '${script}' && print -r -- $_comps[red-exec]`], { encoding: 'utf8' });
  assert.equal(out.stdout.trim(), '_red-exec', out.stderr);
  for (const flag of ['--files', '--task-file', '--json', '--undo']) assert.ok(r.stdout.includes(`${flag}'[`) || r.stdout.includes(`${flag}}'[`), flag);
});

test('red-exec completion with no shell or an unknown one: exit 2', async () => {
  for (const args of [['completion'], ['completion', 'fish']]) {
    const r = await runCli(args, { cwd: makeTempDir() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^red-exec: completion needs a shell: red-exec completion bash\|zsh/);
    assert.equal(r.stdout, '');
  }
});
