// The bad-input table: one spawn of the real CLI per case, each with its exit code and its one
// stderr line, and the same check for all of them: no file in the workspace outside
// .red-exec-logs/ changed (bytes and modes), nothing was added, and nothing outside it was touched.
//
// The exit codes are written as numbers on purpose: they are a contract with scripts, so a
// change to one must fail here even if exit-codes.js changed with it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  useModelServer,
  makeWorkspace,
  makeTempDir,
  runCli,
  snapshot,
  lastRunLog,
  fenced,
  planJson,
  FIXTURES,
  REPO,
  LOG_DIR,
  WITHOUT_ROOT_OVERRIDES,
} from '../support/cli.mjs';
import { PROSE_ONLY, SERVER_WITH_HEALTH } from '../support/answers.mjs';
import { EXIT, EXIT_TABLE } from '../../npm/red-exec/lib/exit-codes.js';

const server = useModelServer();

const TASK = 'Add a GET /health route';
// One file in scope and a task about it: the plan is derived (no L1 call). A task with a move
// word leaves the plan to the planner, for the cases about the planner's answers.
const PLANNED_TASK = 'Add a GET /health route and move the route table to the top';
const PLAN_MODIFY_SERVER = planJson([{ path: 'src/server.js', action: 'MODIFY', intent: 'add GET /health' }]);
const ESM_SERVER = `import http from 'node:http';

export const routes = {
  'GET /health': (req, res) => res.end('ok'),
};

export function createServer() {
  return http.createServer((req, res) => routes[\`\${req.method} \${req.url}\`](req, res));
}
`;

/** A port nothing listens on: bound once by us, then released. */
async function closedPort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const write = (ws, rel, data) => {
  fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
  fs.writeFileSync(path.join(ws, rel), data);
};

// Each case: setup({ ws, outside, server }) prepares the workspace, a directory outside it and
// the scripted model; argv({ ws, outside, baseUrl, port }) is the command line (port: one nothing
// listens on); env adds variables; wrapper runs the CLI under setpriv without root's file-mode
// overrides (we run as root, and EACCES must be real). expect.message matches the one stderr line
// (without a crash's "(debug bundle: ...)" tail; null: stderr empty); expect.calls is how many
// model calls the server saw; expect.logs whether the run got as far as .red-exec-logs/;
// expect.added lists red-exec's own files (outside the logs) the run may leave; check() looks further.
const cases = [
  // usage (2): refused while parsing, before anything else.
  {
    name: 'an unknown flag',
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl, '--frobnicate'],
    expect: { code: 2, message: /^red-exec: unknown flag: --frobnicate \(see red-exec --help\)$/, calls: 0, logs: false },
  },
  {
    name: 'a missing task',
    argv: ({ baseUrl }) => ['--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 2, message: /^red-exec: missing task \(arguments after --files are file paths: put the task first\) \(see red-exec --help\)$/, calls: 0, logs: false },
  },
  {
    name: 'an empty --files',
    argv: ({ baseUrl }) => [TASK, '--files', '', '--base-url', baseUrl],
    expect: { code: 2, message: /^red-exec: --files is empty \(see red-exec --help\)$/, calls: 0, logs: false },
  },
  {
    name: 'a task given twice',
    argv: ({ baseUrl }) => [TASK, 'Add a GET /ready route', '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 2, message: /^red-exec: unexpected argument: "Add a GET \/ready route" \(quote the task as one argument\) \(see red-exec --help\)$/, calls: 0, logs: false },
  },
  {
    name: 'a --workspace that is a file',
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--workspace', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 2, message: /^red-exec: --workspace src\/server\.js: not a directory \(see red-exec --help\)$/, calls: 0, logs: false },
  },

  // config (3)
  {
    name: 'no API key',
    argv: () => [TASK, '--files', 'src/server.js'],
    expect: { code: 3, message: /^red-exec: DEEPSEEK_API_KEY is not set: model deepseek-chat needs a DeepSeek API key \(or pass --base-url for a local server\)$/, calls: 0, logs: false },
  },

  // input (4): every file in scope is read before the first model call.
  // (A NUL byte in a --files path cannot happen: the OS does not pass one in an argument.)
  {
    name: 'a path that leaves the workspace with ..',
    argv: ({ baseUrl }) => [TASK, '--files', '../outside.js', '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: \.\.\/outside\.js: '\.\.' leaves the workspace \[input_path\]$/, calls: 0, logs: true },
  },
  {
    name: 'an absolute path outside the workspace',
    setup: ({ outside }) => write(outside, 'elsewhere.js', 'module.exports = 1;\n'),
    argv: ({ outside, baseUrl }) => [TASK, '--files', path.join(outside, 'elsewhere.js'), '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: \/\S+\/elsewhere\.js: absolute paths are not allowed; give a path inside the workspace \[input_path\]$/, calls: 0, logs: true },
  },
  {
    name: 'a symbolic link that leads out of the workspace',
    setup: ({ ws, outside }) => {
      write(outside, 'secret.js', 'module.exports = "outside";\n');
      fs.symlinkSync(path.join(outside, 'secret.js'), path.join(ws, 'src', 'linked.js'));
    },
    argv: ({ baseUrl }) => [TASK, '--files', 'src/linked.js', '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: src\/linked\.js: resolves outside the workspace \(symbolic link to \/\S+\/secret\.js\) \[input_path\]$/, calls: 0, logs: true },
  },
  {
    name: 'a directory given as a file',
    argv: ({ baseUrl }) => [TASK, '--files', 'src', '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: src: a directory, not a file \[input_unreadable\]$/, calls: 0, logs: true },
  },
  {
    name: 'a binary file',
    setup: ({ ws }) => fs.copyFileSync(path.join(FIXTURES, 'odd-files', 'blob.js'), path.join(ws, 'src', 'blob.js')),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/blob.js', '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: src\/blob\.js: looks binary \(it contains a NUL byte\) \[input_unreadable\]$/, calls: 0, logs: true },
  },
  {
    name: 'a file that is not UTF-8',
    setup: ({ ws }) => fs.copyFileSync(path.join(FIXTURES, 'odd-files', 'latin1.js'), path.join(ws, 'src', 'latin1.js')),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/latin1.js', '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: src\/latin1\.js: not valid UTF-8 text \[input_unreadable\]$/, calls: 0, logs: true },
  },
  {
    name: 'a 5 MB file (over a 2 MB --max-file-bytes)',
    setup: ({ ws }) => write(ws, 'src/huge.js', `// ${'x'.repeat(5 * 1024 * 1024)}\n`),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/huge.js', '--base-url', baseUrl, '--max-file-bytes', '2097152'],
    expect: { code: 4, message: /^red-exec: src\/huge\.js: 5242884 bytes, over the limit for a file in scope \(2097152 bytes\) \[input_unreadable\]$/, calls: 0, logs: true },
  },
  {
    // Under the read limit, a long file is planned from its outline; the one call that needs
    // the section in full is refused before it is sent.
    // One 1 MB statement: cut into sections, the one section is still too large for an answer.
    name: 'a 1 MB file: under the read limit, over what one answer holds',
    setup: ({ ws, server: s }) => {
      write(ws, 'src/big.js', `const lines = [\n${'  "some text that makes the file long",\n'.repeat(26_000)}];\nmodule.exports = { lines };\n`);
      s.answer(planJson([{ path: 'src/big.js', action: 'MODIFY', intent: 'add a line' }]));
    },
    argv: ({ baseUrl }) => [TASK, '--files', 'src/big.js', '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: too large for one answer: section #1 \(lines\) of src\/big\.js needs about \d+ tokens of answer, over the 8192-token limit, and cannot be cut smaller; split the file or the task \[input_over_budget\]$/, calls: 1, logs: true },
  },
  {
    name: 'a path below a file',
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js/health.js', '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: src\/server\.js\/health\.js: a parent of this path is a file, not a directory \[input_unreadable\]$/, calls: 0, logs: true },
  },
  {
    name: 'a file nobody may read (EACCES)',
    wrapper: WITHOUT_ROOT_OVERRIDES,
    setup: ({ ws }) => fs.chmodSync(path.join(ws, 'src', 'server.js'), 0o000),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 4, message: /^red-exec: src\/server\.js: cannot read it: permission denied \(EACCES\) \[input_unreadable\]$/, calls: 0, logs: true },
  },

  // model auth (5)
  {
    name: 'a wrong key (401)',
    env: { RED_EXEC_API_KEY: 'sk-wrong-key' },
    setup: ({ server: s }) => s.fail(401, { error: { message: 'Authentication Fails (invalid key)' } }),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 5, message: /^red-exec: model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered 401 Unauthorized: Authentication Fails \(invalid key\) \(check the API key\) \[model_auth\]$/, calls: 1, logs: true },
  },

  // model unavailable (6)
  {
    name: 'the model server is down',
    argv: ({ port }) => [TASK, '--files', 'src/server.js', '--base-url', `http://127.0.0.1:${port}/v1`],
    expect: { code: 6, message: /^red-exec: cannot reach model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: ECONNREFUSED \(after 2 retries\) \[model_unavailable\]$/, calls: 0, logs: true },
  },
  {
    name: 'the model server answers 500, then times out',
    setup: ({ server: s }) => s.fail(500, { error: { message: 'overloaded' } }).stall(),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl, '--timeout', '0.3'],
    expect: { code: 6, message: /^red-exec: model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions did not answer within 0\.3s \(after 1 retry\) \[model_unavailable\]$/, calls: 2, logs: true },
  },

  // model answer (7)
  {
    name: 'an empty model answer',
    setup: ({ server: s }) => s.answer(PLAN_MODIFY_SERVER).answer(''),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl, '--max-retries', '0'],
    expect: { code: 7, message: /^red-exec: no usable code in the model's answers: the answer was empty \[model_answer\]$/, calls: 1, logs: true },
  },
  {
    name: 'an answer that is prose only',
    setup: ({ server: s }) => s.answer(PLAN_MODIFY_SERVER).answer(PROSE_ONLY),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl, '--max-retries', '0'],
    expect: { code: 7, message: /^red-exec: no usable code in the model's answers: the answer contains no code block \[model_answer\]$/, calls: 1, logs: true },
  },
  {
    name: 'a plan naming a file outside --files (asked twice)',
    setup: ({ server: s }) => {
      const sneaky = planJson([{ path: 'src/greet.js', action: 'MODIFY', intent: 'sneak in' }]);
      s.answer(sneaky).answer(sneaky);
    },
    argv: ({ baseUrl }) => [PLANNED_TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 7, message: /^red-exec: the model's plan is invalid: src\/greet\.js is not in scope; only these files may be planned: src\/server\.js; src\/server\.js is in scope but has no action \[plan_invalid\]$/, calls: 2, logs: true },
  },
  {
    name: 'a plan that is not JSON (asked twice)',
    setup: ({ server: s }) => s.answer('I would modify src/server.js to add the route.').answer('{ "actions": [ oops'),
    argv: ({ baseUrl }) => [PLANNED_TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 7, message: /^red-exec: the model's plan is invalid: the plan answer contains no complete JSON \[plan_invalid\]$/, calls: 2, logs: true },
  },
  {
    // The path is the model's; the NUL must reach the terminal as text, not as a byte.
    name: 'a plan path with a NUL byte',
    setup: ({ server: s }) => {
      const nul = planJson([{ path: 'src/server.js\u0000.js', action: 'MODIFY', intent: 'add GET /health' }]);
      s.answer(nul).answer(nul);
    },
    argv: ({ baseUrl }) => [PLANNED_TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 7, message: /^red-exec: the model's plan is invalid: src\/server\.js\\u0000\.js is not in scope; only these files may be planned: src\/server\.js; src\/server\.js is in scope but has no action \[plan_invalid\]$/, calls: 2, logs: true },
  },
  {
    name: 'a response body that is not a chat completion',
    setup: ({ server: s }) => s.garbage(),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 7, message: /^red-exec: model server did not answer with JSON \(body starts: "<html><body>502 gateway says hi<\/body><\/html>"\) \[model_answer\]$/, calls: 1, logs: true },
  },
  {
    // Refused as it streams in: never held whole, never written (a file in scope is sent by sections, never whole).
    name: 'a 50 MB answer',
    setup: ({ server: s }) => s.flood(50 * 1024 * 1024),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 7, message: /^red-exec: model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions sent more than 4194304 bytes: far more than any answer for one file, refused unread \[model_answer\]$/, calls: 1, logs: true },
  },
  {
    name: 'an answer that is not valid UTF-8 (a Latin-1 server)',
    setup: ({ server: s }) =>
      s.answer(PLAN_MODIFY_SERVER).garbage(Buffer.concat([Buffer.from('{"choices":[{"message":{"role":"assistant","content":"// caf'), Buffer.from([0xe9]), Buffer.from('"}}]}')]), 'application/json'),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 7, message: /^red-exec: model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions answered with bytes that are not valid UTF-8 \[model_answer\]$/, calls: 1, logs: true },
  },

  // blocked (1): the gate blocks the file and logs why; nothing is written.
  {
    name: 'an answer in the wrong module format (ESM in a CommonJS package)',
    setup: ({ server: s }) => s.answer(PLAN_MODIFY_SERVER).answer(fenced(ESM_SERVER)),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl, '--max-retries', '0'],
    expect: {
      code: 1,
      message: /^red-exec: src\/server\.js \(MODIFY\) was blocked by module_format \(uses import\/export, but this file must be CommonJS \(require \/ module\.exports\)\); nothing was written: a plan is applied whole \(--partial keeps the changes that do not need it\) \[blocked\]$/,
      calls: 1,
      logs: true,
    },
  },

  // write failed (8): found before the first model call, so no tokens go to a run that cannot land.
  {
    name: 'a read-only file (EACCES)',
    wrapper: WITHOUT_ROOT_OVERRIDES,
    setup: ({ ws }) => fs.chmodSync(path.join(ws, 'src', 'server.js'), 0o444),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 8, message: /^red-exec: cannot write src\/server\.js: the file is not writable \(EACCES: permission denied\); make it writable or leave it out of --files$/, calls: 0, logs: false },
  },
  {
    // The file itself is writable, but a write is a temporary file and a rename in its directory.
    name: 'a writable file in a read-only directory',
    wrapper: WITHOUT_ROOT_OVERRIDES,
    setup: ({ ws }) => fs.chmodSync(path.join(ws, 'src'), 0o555),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 8, message: /^red-exec: cannot write src\/server\.js: the directory src\/ is not writable \(EACCES: permission denied\); make it writable or leave it out of --files$/, calls: 0, logs: false },
  },
  {
    name: 'a new file in a read-only directory',
    wrapper: WITHOUT_ROOT_OVERRIDES,
    setup: ({ ws }) => fs.chmodSync(path.join(ws, 'src'), 0o555),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/lib/health.js', '--base-url', baseUrl],
    expect: { code: 8, message: /^red-exec: cannot create src\/lib\/health\.js: the directory src\/ is not writable \(EACCES: permission denied\); make it writable or leave it out of --files$/, calls: 0, logs: false },
  },
  {
    name: 'a workspace that is not writable',
    wrapper: WITHOUT_ROOT_OVERRIDES,
    setup: ({ ws }) => fs.chmodSync(ws, 0o555),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 8, message: /^red-exec: cannot write in the workspace \/\S+ \(EACCES: permission denied\): the run log goes to \.red-exec-logs\/ there$/, calls: 0, logs: false },
  },
  {
    name: 'a .red-exec-logs/ that is not writable',
    wrapper: WITHOUT_ROOT_OVERRIDES,
    setup: ({ ws }) => fs.mkdirSync(path.join(ws, LOG_DIR), { mode: 0o555 }),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 8, message: /^red-exec: cannot write the run log in \.red-exec-logs\/ \(EACCES: permission denied\)$/, calls: 0, logs: false },
    check: ({ ws }) => assert.deepEqual(fs.readdirSync(path.join(ws, LOG_DIR)), []),
  },
  {
    name: 'a file where .red-exec-logs/ should be',
    setup: ({ ws }) => write(ws, LOG_DIR, 'not a directory\n'),
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--base-url', baseUrl],
    expect: { code: 8, message: /^red-exec: cannot create the run log: \.red-exec-logs in the workspace is a file, not a directory; move it away$/, calls: 0, logs: false },
    check: ({ ws }) => assert.equal(fs.readFileSync(path.join(ws, LOG_DIR), 'utf8'), 'not a directory\n'),
  },

  // Not errors. A dry run writes nothing in the workspace, so a read-only target does not stop it.
  {
    name: '--dry-run on a read-only file',
    wrapper: WITHOUT_ROOT_OVERRIDES,
    setup: ({ ws, server: s }) => {
      fs.chmodSync(path.join(ws, 'src', 'server.js'), 0o444);
      s.answer(PLAN_MODIFY_SERVER).answer(fenced(SERVER_WITH_HEALTH));
    },
    argv: ({ baseUrl }) => [TASK, '--files', 'src/server.js', '--dry-run', '--base-url', baseUrl],
    expect: { code: 0, message: null, calls: 1, logs: true },
  },
  // The same file named three ways is one file in scope (a dry run, so nothing changes).
  {
    name: '--files naming the same file three ways',
    setup: ({ server: s }) => s.answer(PLAN_MODIFY_SERVER).answer(fenced(SERVER_WITH_HEALTH)),
    argv: ({ ws, baseUrl }) => [TASK, '--files', 'src/server.js', './src/server.js', path.join(ws, 'src', 'server.js'), '--dry-run', '--base-url', baseUrl],
    expect: { code: 0, message: null, calls: 1, logs: true },
    check: ({ ws }) => {
      const result = lastRunLog(ws).events.at(-1);
      assert.deepEqual(result.files.map((f) => [f.path, f.outcome]), [['src/server.js', 'written']]);
    },
  },
];

for (const c of cases) {
  test(`${c.expect.code}: ${c.name}`, async () => {
    const ws = makeWorkspace();
    const outside = makeTempDir();
    const port = await closedPort();
    await c.setup?.({ ws, outside, server });
    // Everything but the logs, with modes: a write that kept the bytes but lost a mode is a change too.
    const before = snapshot(ws, { ignore: [LOG_DIR], modes: true });
    const outsideBefore = snapshot(outside, { ignore: [], modes: true });

    const r = await runCli(c.argv({ ws, outside, baseUrl: server.baseUrl, port }), { cwd: ws, env: c.env, wrapper: c.wrapper });
    const seen = `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

    assert.equal(r.code, c.expect.code, seen);
    const lines = r.stderr.split('\n').filter((l) => l.length > 0);
    if (c.expect.message === null) {
      assert.deepEqual(lines, [], seen);
    } else {
      assert.equal(lines.length, 1, `one stderr line\n${seen}`);
      const [, text, bundle] = lines[0].match(/^(.*?)( \(debug bundle: \.red-exec-logs\/[\w.-]+\/debug-[\w.-]+\.zip\))?$/);
      assert.match(text, c.expect.message, seen);
      // Bad input and a failing model server are FAILED, not a crash: no automatic debug bundle.
      assert.equal(Boolean(bundle), false, `no debug bundle for a run that did not crash\n${seen}`);
    }
    assert.equal(server.requests.length, c.expect.calls, `model calls\n${seen}`);
    // Refused before the run: no report on stdout either.
    if (!c.expect.logs) assert.equal(r.stdout, '', seen);

    const after = snapshot(ws, { ignore: [LOG_DIR], modes: true });
    for (const name of c.expect.added ?? []) delete after[name];
    assert.deepEqual(after, before, 'every file outside .red-exec-logs/ unchanged, nothing added');
    assert.deepEqual(snapshot(outside, { ignore: [], modes: true }), outsideBefore, 'nothing outside the workspace touched');
    const logged = fs.existsSync(path.join(ws, LOG_DIR, 'last-run'));
    assert.equal(logged, c.expect.logs, c.expect.logs ? 'the run reached the log' : 'refused before any log was made');
    c.check?.({ ws, r });
  });
}

test('the codes above are the documented ones: exit-codes.js, README.md and npm/red-exec/README.md agree', () => {
  // The numbers are a contract with scripts: written out here, not read from the table.
  const contract = { OK: 0, PARTIAL: 1, USAGE: 2, CONFIG: 3, INPUT: 4, MODEL_AUTH: 5, MODEL_UNAVAILABLE: 6, MODEL_ANSWER: 7, WRITE_FAILED: 8 };
  for (const [name, code] of Object.entries(contract)) assert.equal(EXIT[name], code, `EXIT.${name}`);
  const documented = EXIT_TABLE.map((row) => row.code);
  for (const c of cases) assert.ok(documented.includes(c.expect.code), `exit ${c.expect.code} (${c.name}) is in EXIT_TABLE`);
  const codesUnder = (file, heading) => {
    const text = fs.readFileSync(path.join(REPO, file), 'utf8');
    const start = text.indexOf(`${heading}\n`);
    assert.ok(start >= 0, `${file} has "${heading}"`);
    const rest = text.slice(start + heading.length);
    const section = rest.slice(0, rest.search(/\n#/) === -1 ? undefined : rest.search(/\n#/));
    return [...section.matchAll(/^\|\s*(\d+)\s*\|/gm)].map((m) => Number(m[1]));
  };
  assert.deepEqual(codesUnder('README.md', '### Exit codes'), documented);
  assert.deepEqual(codesUnder(path.join('npm', 'red-exec', 'README.md'), '## Exit codes'), documented);
});
