// End to end: the playground built by Vite, served on 127.0.0.1, driven in Debian's Chromium by
// playwright-core. Recorded runs (clean and gate-blocked) with no network beyond the page's own
// origin, accept and zip download, and a live run against a loopback OpenAI-compatible server.
// Prints the page weight (JS + wasm, gzipped) and the time to the first run; saves screenshots
// under target/playground/.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { unzipSync, strFromU8 } from 'fflate';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { REPO } from '../support/cli.mjs';
import { startModelServer } from '../support/model-server.mjs';

const WEB = path.join(REPO, 'web-demo');
const DIST = path.join(WEB, 'dist');
const SHOTS = path.join(REPO, 'target', 'playground');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const example = (name, rel) => fs.readFileSync(path.join(REPO, 'examples', name, rel), 'utf8');

let server;
let origin;
let context;
let profile;
let page;
/** Every request the page made to somewhere other than its own origin (and an allowed model server). */
const foreign = [];
let allowedModelOrigin = null;

before(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run bash scripts/setup.sh (it installs Debian's chromium) or set CHROMIUM_PATH`);
  await build({ root: WEB, configFile: path.join(WEB, 'vite.config.js'), logLevel: 'warn' });
  server = await preview({ root: WEB, configFile: path.join(WEB, 'vite.config.js'), logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: false } });
  origin = new URL(server.resolvedUrls.local[0]).origin;
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 1000 } });
  // Recorded mode must work offline: anything leaving the page's origin is refused and noted.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin || url.origin === allowedModelOrigin || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    foreign.push(route.request().url());
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  fs.mkdirSync(SHOTS, { recursive: true });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

async function waitForRun(status) {
  await page.waitForSelector(`#result[data-status="${status}"]`, { timeout: 20_000 });
}

async function editorText() {
  return page.$$eval('#editor .cm-line', (lines) => lines.map((l) => l.textContent).join('\n'));
}

async function downloadWorkspace() {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const entries = unzipSync(new Uint8Array(fs.readFileSync(await download.path())));
  return { name: download.suggestedFilename(), files: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, strFromU8(v)])) };
}

test('page weight: the built JS and wasm, gzipped', (t) => {
  const assets = fs.readdirSync(path.join(DIST, 'assets')).filter((f) => /\.(js|wasm)$/.test(f));
  const sizes = Object.fromEntries(assets.map((f) => [f, zlib.gzipSync(fs.readFileSync(path.join(DIST, 'assets', f)), { level: 9 }).length]));
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  t.diagnostic(`page weight (gzip -9): ${(total / 1024).toFixed(0)} KiB = ${Object.entries(sizes).map(([f, n]) => `${f} ${(n / 1024).toFixed(0)} KiB`).join(' + ')}`);
  assert.equal(assets.filter((f) => f.endsWith('.wasm')).length, 1, 'the core is one .wasm asset of the build');
  assert.ok(total < 1024 * 1024, `the page stays under 1 MiB gzipped (is ${total} bytes)`);
});

test('recorded add-health: stages, plan, diff and report; staged until accepted; zip of the result', async (t) => {
  const started = Date.now();
  await page.goto(`${origin}/`);
  await page.waitForSelector('body[data-ready="true"]');
  const ready = Date.now();
  assert.equal(await page.inputValue('#example'), 'add-health');
  assert.equal(await page.isChecked('input[name=mode][value=recorded]'), true);
  assert.equal(await page.isChecked('li.file[data-path="src/server.js"] input'), true);
  assert.equal(await page.isChecked('li.file[data-path="package.json"] input'), false);
  assert.equal(await page.inputValue('#task'), example('add-health', 'TASK.md').trim());
  const clicked = Date.now();
  await page.click('#run');
  await waitForRun('OK');
  const done = Date.now();
  t.diagnostic(`time to first run (cold page, recorded): ${done - started} ms = load + wasm ${ready - started} ms, checks ${clicked - ready} ms, run ${done - clicked} ms`);

  assert.deepEqual(await page.$$eval('#stages li', (lis) => lis.map((li) => [li.dataset.stage, li.dataset.state])), [
    ['L1', 'ok'], ['L2', 'ok'], ['L3', 'ok'], ['gate', 'ok'],
  ]);
  assert.deepEqual(await page.$$eval('#plan tbody tr', (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent))), [
    // The recording's plan call is passed over: one file in scope, so the plan is derived (no intent).
    ['src/server.js', 'MODIFY', ''],
  ]);
  assert.deepEqual(await page.$$eval('#gates li.gate', (lis) => lis.map((li) => [li.dataset.path, li.dataset.decision])), [['src/server.js', 'pass']]);
  const diff = await page.textContent('.outcome[data-path="src/server.js"][data-outcome="written"] pre.diff');
  assert.equal(
    diff,
    [
      '--- a/src/server.js', '+++ b/src/server.js', '@@ -28,6 +28,10 @@', '   json(res, 200, books);', ' });', ' ',
      "+get('/health', (req, res) => {", "+  json(res, 200, { status: 'ok', uptime: Math.round(process.uptime()) });", '+});', '+',
      ' function createServer() {', '   return http.createServer((req, res) => {', "     const url = new URL(req.url, 'http://localhost');", '',
    ].join('\n'),
  );
  const report = await page.textContent('#report');
  assert.match(report, /^=== Run Report ===\nStatus: {3}OK\nStages: {3}L1 ✓ {2}L2 ✓ {2}L3 ✓ {2}Gate ✓\nPlan: {5}derived from the scope \(1 file\)\nFiles: {4}1 written, 0 deleted, 0 blocked\n/);
  assert.match(report, /Tokens: {3}921t \| Calls: 1 \| [\d.]+s \| cost: \$0\.000\d/);
  assert.match(await page.textContent('#usage'), /^Tokens: 921 \(572 in, 349 out\) \| Calls: 1 \| cost: \$0\.000\d$/);

  // Staged, not applied: the editor still shows the file as it was.
  assert.equal(await page.textContent('li.file[data-path="src/server.js"] .badge'), 'staged');
  assert.equal(await editorText(), example('add-health', 'workspace/src/server.js'));
  await page.check('#side-by-side');
  assert.deepEqual(await page.$$eval('table.diff.side td.code.add', (tds) => tds.map((td) => td.textContent)), [
    "get('/health', (req, res) => {", "  json(res, 200, { status: 'ok', uptime: Math.round(process.uptime()) });", '});', '',
  ]);
  await page.screenshot({ path: path.join(SHOTS, 'recorded-add-health.png'), fullPage: true });
  await page.uncheck('#side-by-side');

  await page.click('#accept');
  assert.match(await page.textContent('#decision'), /^Accepted: 1 change\(s\) applied/);
  assert.equal(await page.isDisabled('#accept'), true);
  assert.equal(await editorText(), example('add-health', 'answers/src/server.js'));
  const zip = await downloadWorkspace();
  assert.equal(zip.name, 'add-health.zip');
  assert.deepEqual(zip.files, {
    'add-health/package.json': example('add-health', 'workspace/package.json'),
    'add-health/src/server.js': example('add-health', 'answers/src/server.js'),
  });
  assert.deepEqual(foreign, [], 'recorded mode made no request outside the page');
});

test('recorded esm-in-cjs: the gate blocks the ES module answer, shown in red with its rule; workspace unchanged', async () => {
  await page.selectOption('#example', 'esm-in-cjs');
  assert.equal(await page.inputValue('#task'), example('esm-in-cjs', 'TASK.md').trim());
  await page.click('#run');
  await waitForRun('FAILED');

  assert.deepEqual(await page.$$eval('#stages li', (lis) => lis.map((li) => li.dataset.state)), ['ok', 'ok', 'ok', 'failed']);
  const blocked = page.locator('.outcome[data-path="src/server.js"][data-outcome="blocked"]');
  assert.equal(await blocked.count(), 1);
  assert.match(await blocked.locator('header').textContent(), /src\/server\.js MODIFY blocked 2 attempts/);
  assert.equal(await blocked.locator('header').evaluate((el) => getComputedStyle(el).color), 'rgb(179, 38, 30)');
  assert.deepEqual(await blocked.locator('.violations li').evaluateAll((lis) => lis.map((li) => [li.dataset.rule, li.textContent])), [
    ['module_format', 'module_format src/server.js: uses import/export, but this file must be CommonJS (require / module.exports)'],
  ]);
  assert.deepEqual(await page.$$eval('#gates li.gate', (lis) => lis.map((li) => li.dataset.decision)), ['block', 'block']);
  assert.match(await page.textContent('#report'), /Files: {4}0 written, 0 deleted, 1 blocked\n/);
  assert.match(await page.textContent('#report'), /Blocked: {2}MODIFY src\/server\.js: \[module_format\]/);
  assert.equal(await page.isDisabled('#accept'), true);
  assert.equal(await page.textContent('#decision'), 'Nothing to accept.');
  await page.screenshot({ path: path.join(SHOTS, 'recorded-esm-in-cjs-blocked.png'), fullPage: true });

  assert.equal(await editorText(), example('esm-in-cjs', 'workspace/src/server.js'));
  const zip = await downloadWorkspace();
  assert.deepEqual(zip.files, {
    'esm-in-cjs/package.json': example('esm-in-cjs', 'workspace/package.json'),
    'esm-in-cjs/src/books.js': example('esm-in-cjs', 'workspace/src/books.js'),
    'esm-in-cjs/src/server.js': example('esm-in-cjs', 'workspace/src/server.js'),
  });
  assert.deepEqual(foreign, []);
});

test('live mode: the page calls a loopback OpenAI-compatible server with the typed key, kept nowhere else', async () => {
  const model = await startModelServer({ cors: true });
  allowedModelOrigin = new URL(model.baseUrl).origin;
  const key = 'sk-playground-live-4242';
  model.otherwise((request) =>
    request.marker?.stage === 'L1'
      ? `\`\`\`json\n${example('add-health', 'answers/plan.json').trim()}\n\`\`\``
      : `\`\`\`js\n${example('add-health', 'answers/src/server.js')}\`\`\``,
  );
  try {
    await page.selectOption('#example', 'add-health');
    await page.check('input[name=mode][value=live]');
    await page.fill('#base-url', model.baseUrl);
    await page.fill('#model-name', 'deepseek-chat');
    await page.fill('#api-key', key);
    await page.click('#run');
    await waitForRun('OK');

    assert.deepEqual(model.requests.map((r) => [r.method, r.url, r.headers.authorization, r.headers.origin, r.marker.stage]), [
      ['POST', '/v1/chat/completions', `Bearer ${key}`, origin, 'L3'],
    ]);
    assert.match(await page.textContent('.outcome[data-path="src/server.js"] pre.diff'), /\n\+get\('\/health', \(req, res\) => \{\n/);
    assert.match(await page.textContent('#usage'), /^Tokens: 150 \(100 in, 50 out\) \| Calls: 1/);
    const stored = await page.evaluate(() => ({
      local: Object.keys(localStorage).length,
      session: Object.keys(sessionStorage).length,
      cookie: document.cookie,
      text: document.body.innerText,
    }));
    assert.deepEqual({ ...stored, text: stored.text.includes(key) }, { local: 0, session: 0, cookie: '', text: false });
    assert.deepEqual(foreign, []);
    await page.screenshot({ path: path.join(SHOTS, 'live-add-health.png'), fullPage: true });

    await page.click('#discard');
    assert.equal(await page.textContent('#decision'), 'Discarded: the workspace is as it was.');
    assert.equal(await page.locator('li.file[data-path="src/server.js"] .badge').count(), 0);
    assert.equal(await editorText(), example('add-health', 'workspace/src/server.js'));
  } finally {
    allowedModelOrigin = null;
    await model.close();
  }
});
