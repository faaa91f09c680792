// Packaging, as a new user meets it: both packages packed with `npm pack`, the two tarballs installed
// into an empty project under os.tmpdir() (outside the repository: no workspace links, no repository
// node_modules on the path of any child process), then used from there: the CLI through npx (against a
// loopback model server), the library from ESM, CommonJS (require and import()) and a strict TypeScript
// consumer, and a Vite bundle of it loaded in Chromium. One install serves every test. Prints the tarball
// sizes, the install time and the median of 10 `npx red-exec --version`.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { REPO, FIXTURES, cleanEnv, fenced, planJson, startProcess } from '../support/cli.mjs';
import { startModelServer } from '../support/model-server.mjs';
import { SERVER_WITH_HEALTH } from '../support/answers.mjs';

const PACKAGES = { core: path.join(REPO, 'npm', 'core'), cli: path.join(REPO, 'npm', 'red-exec') };
const manifest = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const CORE_VERSION = manifest(PACKAGES.core).version;
const CLI_VERSION = manifest(PACKAGES.cli).version;
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let tmp;
let project;
let server;
const packed = {};

/** The environment of a user's shell: no keys, no npm script variables, nothing of the repository on PATH. */
function userEnv(extra = {}) {
  const env = cleanEnv(extra);
  for (const k of Object.keys(env)) {
    if (/^(NODE_PATH|NODE_OPTIONS|NODE_TEST_CONTEXT|INIT_CWD)$/.test(k) || /^npm_/i.test(k)) delete env[k];
  }
  env.PATH = (env.PATH ?? '').split(path.delimiter).filter((p) => p && !path.resolve(p).startsWith(REPO)).join(path.delimiter);
  return env;
}

/** Run a command to completion in the project, as the user: { code, signal, stdout, stderr, ms }. */
function run(cmd, args, { cwd = project, env = userEnv(), timeoutMs = 120_000 } = {}) {
  return startProcess(cmd, args, { cwd, env, timeoutMs }).done;
}

const ok = (r, what) => assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
const write = (rel, text) => {
  fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
  fs.writeFileSync(path.join(project, rel), text);
};
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

// One scripted run through an in-memory host, the same in Node (ESM and CommonJS) and in the browser:
// the completer answers the plan and the file itself, so it needs no network.
const SLUG = "export function slugify(text) {\n  return String(text).toLowerCase().trim().replace(/[^a-z0-9]+/g, '-');\n}\n";
const SCRIPTED_RUN = `
async function scriptedRun(core) {
  const files = new Map();
  const kinds = [];
  const plan = ${JSON.stringify(planJson([{ path: 'src/slug.js', action: 'CREATE', intent: 'slugify(text)' }]))};
  const code = ${JSON.stringify(fenced(SLUG))};
  const result = await core.runTask({
    task: 'Create src/slug.js exporting slugify(text)',
    files: ['src/slug.js'],
    options: { moduleFormat: 'esm' },
    host: {
      complete: async (request) => ({ text: request.stage === 'L1' ? plan : code, usage: { promptTokens: 10, completionTokens: 5 } }),
      readFile: async (p) => (files.has(p) ? { state: 'present', text: files.get(p) } : { state: 'absent' }),
      writeFile: async (p, text) => void files.set(p, text),
      deleteFile: async (p) => void files.delete(p),
      onEvent: (event) => kinds.push(event.kind),
    },
  });
  const hostKit = ['createOpenAICompleter', 'createMemoryHost', 'readReplay', 'createNodeHost'].filter((name) => typeof core[name] === 'function');
  return { version: core.version(), status: result.status, written: files.get('src/slug.js') ?? null, kinds, hostKit, report: core.renderReport(result, 1) };
}
`;

/** `where`: 'node' or 'browser' (whose entry has no Node file host). */
function assertScriptedRun(summary, where = 'node') {
  assert.equal(summary.version, CORE_VERSION);
  assert.deepEqual(summary.hostKit, ['createOpenAICompleter', 'createMemoryHost', 'readReplay', ...(where === 'node' ? ['createNodeHost'] : [])]);
  assert.equal(summary.status, 'OK', summary.report);
  assert.equal(summary.written, SLUG);
  assert.equal(summary.kinds[0], 'run_start');
  assert.equal(summary.kinds.at(-1), 'run_end');
  assert.ok(summary.kinds.includes('write'));
  assert.match(summary.report, /=== Run Report ===/);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-packaging-'));
  assert.ok(!fs.realpathSync(tmp).startsWith(REPO + path.sep), `the temp project must be outside the repository (${tmp})`);
  project = path.join(tmp, 'project');
  const tarballs = path.join(tmp, 'tarballs');
  fs.mkdirSync(project);
  fs.mkdirSync(tarballs);
  server = await startModelServer();

  for (const [name, dir] of Object.entries(PACKAGES)) {
    const r = await run('npm', ['pack', '--json', '--pack-destination', tarballs], { cwd: dir });
    ok(r, `npm pack in ${dir}`);
    // Lifecycle scripts (prepack copies the LICENSE) may print before the JSON.
    const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
    packed[name] = { ...info, tarball: path.join(tarballs, info.filename) };
  }

  write('package.json', JSON.stringify({ name: 'packaging-consumer', version: '1.0.0', private: true }, null, 2) + '\n');
  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', packed.core.tarball, packed.cli.tarball], { timeoutMs: 300_000 });
  ok(install, 'npm install of the two tarballs');
  for (const [name, info] of Object.entries(packed)) {
    console.log(`packaging: ${info.name}@${info.version}: ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked, ${info.entryCount} files`);
  }
  console.log(`packaging: npm install of the two tarballs into an empty project: ${(install.ms / 1000).toFixed(2)} s (warm npm cache, ${os.cpus().length} CPUs)`);
});

after(async () => {
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the tarballs carry the LICENSE, a README, one .wasm and nothing the repository alone holds', () => {
  const core = packed.core.files.map((f) => f.path);
  const cli = packed.cli.files.map((f) => f.path);
  for (const f of ['LICENSE', 'README.md', 'package.json', 'node.mjs', 'web.mjs', 'drive.mjs', 'index.d.ts', 'types/protocol.d.ts', 'dist/red_exec_wasm.js', 'dist/red_exec_wasm_bg.wasm']) {
    assert.ok(core.includes(f), `@codemaestro/core's tarball lacks ${f}: ${core.join(', ')}`);
  }
  assert.deepEqual(core.filter((f) => f.endsWith('.wasm')), ['dist/red_exec_wasm_bg.wasm'], 'the wasm is shipped once');
  for (const f of ['LICENSE', 'README.md', 'package.json', 'bin/red-exec.js', 'lib/main.js']) {
    assert.ok(cli.includes(f), `red-exec's tarball lacks ${f}: ${cli.join(', ')}`);
  }
  const license = fs.readFileSync(path.join(REPO, 'LICENSE'), 'utf8');
  assert.match(license, /^MIT License/);
  for (const pkg of ['@codemaestro/core', 'red-exec']) {
    const dir = path.join(project, 'node_modules', pkg);
    assert.equal(fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8'), license, `${pkg}: the repository's LICENSE`);
    assert.equal(manifest(dir).license, 'MIT');
    // Links in a README are shown on the registry page, where relative ones lead nowhere.
    const readme = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    const relative = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]).filter((href) => !/^(https?:|mailto:|#)/.test(href));
    assert.deepEqual(relative, [], `${pkg}'s README has relative links`);
  }
  assert.equal(manifest(path.join(project, 'node_modules', '@codemaestro/core')).publishConfig?.access, 'public');
});

test('red-exec uses the installed core tarball, not a copy from a registry', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(project, 'package-lock.json'), 'utf8'));
  assert.match(lock.packages['node_modules/@codemaestro/core'].resolved, /^file:.*codemaestro-core-.*\.tgz$/);
  assert.match(lock.packages['node_modules/red-exec'].resolved, /^file:.*red-exec-.*\.tgz$/);
  assert.ok(!fs.existsSync(path.join(project, 'node_modules', 'red-exec', 'node_modules', '@codemaestro')), 'no second core under red-exec');
  assert.ok(!fs.lstatSync(path.join(project, 'node_modules', '@codemaestro', 'core')).isSymbolicLink(), 'a copy, not a link into the repository');
});

test('npx red-exec --version and --help, from the installed tarball', async () => {
  const version = await run('npx', ['red-exec', '--version']);
  ok(version, 'npx red-exec --version');
  assert.equal(version.stdout.trim(), `red-exec ${CLI_VERSION}`);
  const help = await run('npx', ['red-exec', '--help']);
  ok(help, 'npx red-exec --help');
  assert.match(help.stdout, /--files/);
  assert.match(help.stdout, /--base-url/);

  const times = [];
  for (let i = 0; i < 10; i++) {
    const r = await run('npx', ['red-exec', '--version']);
    ok(r, 'npx red-exec --version');
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  console.log(`packaging: npx red-exec --version from the installed tarball: median of 10 ${((times[4] + times[5]) / 2).toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[9].toFixed(0)})`);
});

test('every module of the installed CLI loads (no import reaches for the repository)', async () => {
  const lib = path.join(project, 'node_modules', 'red-exec', 'lib');
  const modules = fs.readdirSync(lib).filter((f) => f.endsWith('.js'));
  write('load-cli-modules.mjs', `for (const f of ${JSON.stringify(modules)}) await import('red-exec/lib/' + f).catch((err) => { console.error(f + ': ' + err.message); process.exitCode = 1; });\n`);
  // red-exec has no "exports", so its files are importable by path.
  ok(await run(process.execPath, ['load-cli-modules.mjs']), 'importing every lib/*.js of red-exec');
  // The benchmarks are a workspace package of the repository only: asked for, the CLI says so and stops.
  const bench = await run('npx', ['red-exec', '--benchmark', 'multifile']);
  assert.equal(bench.code, 3, bench.stderr);
  assert.match(bench.stderr, /the benchmarks ship with the repository only/);
});

test('a real task through npx red-exec against a loopback model server', async () => {
  fs.cpSync(path.join(FIXTURES, 'express-app'), path.join(project, 'ws'), { recursive: true });
  // One file in scope: the plan is derived from the scope, so the run makes one call, for the code.
  server.answer(fenced(SERVER_WITH_HEALTH));
  const r = await run('npx', ['red-exec', 'Add a GET /health route returning { status, uptime }', '--files', 'src/server.js', '--workspace', 'ws', '--base-url', server.baseUrl]);
  ok(r, 'npx red-exec <task>');
  assert.match(r.stdout, /Status:\s*OK/);
  assert.equal(fs.readFileSync(path.join(project, 'ws', 'src', 'server.js'), 'utf8'), SERVER_WITH_HEALTH);
  assert.equal(server.requests.length, 1);
  assert.equal(server.pending, 0);
});

test('npx red-exec mcp from the installed tarball: tools/list over stdio with the installed SDK', async () => {
  fs.cpSync(path.join(FIXTURES, 'express-app'), path.join(project, 'mcp-ws'), { recursive: true });
  // The SDK the client uses is the one red-exec's install brought (a real dependency, not the repository's).
  write(
    'mcp-list.mjs',
    `import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
const client = new Client({ name: 'packaging', version: '1.0.0' });
await client.connect(new StdioClientTransport({ command: 'npx', args: ['red-exec', 'mcp', '--workspace', 'mcp-ws'], env: process.env }));
const { tools } = await client.listTools();
console.log(JSON.stringify(tools.map((t) => t.name).sort()));
await client.close();
`,
  );
  const r = await run(process.execPath, ['mcp-list.mjs']);
  ok(r, 'tools/list through npx red-exec mcp');
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)), ['dry_run', 'get_run', 'governed_write', 'plan', 'run_task', 'runs', 'undo']);
  assert.ok(fs.realpathSync(path.join(project, 'node_modules', '@modelcontextprotocol', 'sdk')).startsWith(fs.realpathSync(project)), 'the SDK is installed in the project');
});

test('@codemaestro/core from an ES module', async () => {
  write('esm.mjs', `import * as core from '@codemaestro/core';\n${SCRIPTED_RUN}\nconsole.log(JSON.stringify(await scriptedRun(core)));\n`);
  const r = await run(process.execPath, ['esm.mjs']);
  ok(r, 'node esm.mjs');
  assertScriptedRun(JSON.parse(r.stdout));
});

test('@codemaestro/core/host: the host kit alone, the same functions as the main entry, no wasm API', async () => {
  write('host.mjs', "import * as kit from '@codemaestro/core/host';\nimport * as core from '@codemaestro/core';\nconst names = Object.keys(kit).sort();\nconsole.log(JSON.stringify({ names, same: names.every((n) => kit[n] === core[n]), runTask: 'runTask' in kit }));\n");
  const r = await run(process.execPath, ['host.mjs']);
  ok(r, 'node host.mjs');
  const summary = JSON.parse(r.stdout);
  assert.ok(summary.names.includes('createOpenAICompleter') && summary.names.includes('createNodeHost') && summary.names.includes('isInside'), summary.names.join(', '));
  assert.equal(summary.same, true, 'one module behind both entries');
  assert.equal(summary.runTask, false);
});

test('@codemaestro/core from CommonJS: require() and import()', async () => {
  write('cjs.cjs', `const core = require('@codemaestro/core');
${SCRIPTED_RUN}
(async () => {
  const summary = await scriptedRun(core);
  const imported = await import('@codemaestro/core');
  console.log(JSON.stringify({ ...summary, requireFunctions: typeof core.runTask, importVersion: imported.version(), sameModule: imported === core }));
})().catch((err) => { console.error(err); process.exit(1); });
`);
  const r = await run(process.execPath, ['cjs.cjs']);
  ok(r, 'node cjs.cjs');
  const summary = JSON.parse(r.stdout);
  assertScriptedRun(summary);
  assert.equal(summary.requireFunctions, 'function');
  assert.equal(summary.importVersion, CORE_VERSION);
  assert.equal(summary.sameModule, true, 'require() and import() give the one module (one wasm instance)');
});

test('the README Node example runs as written against a loopback model server', async () => {
  const readme = fs.readFileSync(path.join(project, 'node_modules', '@codemaestro', 'core', 'README.md'), 'utf8');
  const example = /## Node example[\s\S]*?```js\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'the README has a Node example');
  write('readme-example.mjs', example);
  fs.mkdirSync(path.join(project, 'readme-ws'));
  server.answer(planJson([{ path: 'src/slug.js', action: 'CREATE', intent: 'slugify(text)' }])).answer(fenced(SLUG.replace('export function', 'function') + 'module.exports = { slugify };\n'));
  // The example works on the current directory: run it from an empty workspace.
  const r = await run(process.execPath, [path.join(project, 'readme-example.mjs')], { cwd: path.join(project, 'readme-ws'), env: userEnv({ OPENAI_BASE_URL: server.baseUrl }) });
  ok(r, 'the README example');
  assert.match(r.stdout, /Status:\s*OK/);
  assert.match(fs.readFileSync(path.join(project, 'readme-ws', 'src', 'slug.js'), 'utf8'), /function slugify/);
  assert.equal(server.pending, 0);
});

test('@codemaestro/core type-checks in a strict TypeScript consumer', async () => {
  write('consumer.mts', `import { runTask, renderReport, version, type Host, type RunEvent, type RunResult } from '@codemaestro/core';

const files = new Map<string, string>();
const host: Host = {
  async complete(request) {
    return { text: request.stage === 'L1' ? '{"actions": []}' : request.messages[0].content, usage: { promptTokens: 1, completionTokens: 1 } };
  },
  async readFile(path) {
    const text = files.get(path);
    return text === undefined ? { state: 'absent' } : { state: 'present', text };
  },
  async writeFile(path, text) {
    files.set(path, text);
  },
  async deleteFile(path) {
    files.delete(path);
  },
  onEvent(event: RunEvent) {
    if (event.kind === 'gate') console.log(event.path, event.decision);
  },
};

const result: RunResult = await runTask({ task: 'Create a.js', files: ['a.js'], options: { gate: 'warn', maxRetries: 1 }, host });
const report: string = renderReport(result, 0);
const written: string[] = result.files.filter((f) => f.outcome === 'written').map((f) => f.path);
console.log(version(), report, written, result.usage.totalTokens);

// The types are real, not any: a wrong gate mode does not type-check.
// @ts-expect-error 'maybe' is not a GateMode
await runTask({ task: 'x', files: [], options: { gate: 'maybe' }, host });
`);
  write('tsconfig.json', JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], skipLibCheck: false },
    files: ['consumer.mts'],
  }, null, 2));
  const r = await run(process.execPath, [TSC, '-p', 'tsconfig.json', '--strict', '--noEmit']);
  ok(r, 'tsc --strict --noEmit');
});

test('a browser bundle of @codemaestro/core made by Vite from the tarball, in Chromium', async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run bash scripts/setup.sh or set CHROMIUM_PATH`);
  const web = path.join(project, 'web');
  write('web/index.html', '<!doctype html><html><body><pre id="out"></pre><script type="module" src="./main.js"></script></body></html>\n');
  write('web/main.js', `import * as core from '@codemaestro/core';
${SCRIPTED_RUN}
const out = document.getElementById('out');
core.init()
  .then(() => scriptedRun(core))
  .then((summary) => (out.dataset.result = JSON.stringify(summary)), (err) => (out.dataset.result = JSON.stringify({ error: String(err?.stack ?? err) })))
  .finally(() => (out.dataset.done = 'true'));
`);
  // The repository's Vite, but every import of the bundle resolves from the temp project: record where
  // the package came from, to be sure it is the installed tarball's browser entry.
  const resolved = [];
  const recorder = {
    name: 'record-core-resolution',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source !== '@codemaestro/core') return null;
      const r = await this.resolve(source, importer, { ...options, skipSelf: true });
      resolved.push(r?.id);
      return r;
    },
  };
  const outDir = path.join(web, 'dist');
  const config = { root: web, configFile: false, logLevel: 'warn', plugins: [recorder], build: { outDir, emptyOutDir: true, target: 'es2022' } };
  await build(config);
  assert.deepEqual(resolved, [path.join(fs.realpathSync(project), 'node_modules', '@codemaestro', 'core', 'web.mjs')]);
  const assets = fs.readdirSync(path.join(outDir, 'assets'));
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 1, `one .wasm asset: ${assets.join(', ')}`);

  const site = await preview({ ...config, preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  const origin = new URL(site.resolvedUrls.local[0]).origin;
  const profile = fs.mkdtempSync(path.join(tmp, 'chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const foreign = [];
    await context.route('**/*', (route) => {
      if (new URL(route.request().url()).origin === origin) return route.continue();
      foreign.push(route.request().url());
      return route.abort();
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${origin}/`);
    await page.waitForSelector('#out[data-done="true"]', { state: 'attached', timeout: 30_000 });
    const summary = JSON.parse(await page.getAttribute('#out', 'data-result'));
    assert.equal(summary.error, undefined, summary.error);
    assertScriptedRun(summary, 'browser');
    assert.deepEqual(errors, []);
    assert.deepEqual(foreign, [], 'the page loads nothing from elsewhere');
  } finally {
    await context.close();
    await site.close();
  }
});
