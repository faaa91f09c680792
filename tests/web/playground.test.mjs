// End to end: the playground built by Vite, served on 127.0.0.1, driven in Debian's Chromium by
// playwright-core. Recorded runs (clean and gate-blocked) with no network beyond the page's own
// origin, the merge view, the staged file, accept with its highlights and its undo, zip download;
// a recorded run refused for a changed task and a hand edit that makes the example live-only;
// a person's own files (file input, add, rename, read-only, delete); live runs against a loopback
// OpenAI-compatible server (connection test, streamed answer, Stop, an unreachable server, run
// options); the layout at 390, 1024 and 1440 px. Prints the page weight (JS + wasm, gzipped, per
// chunk and for the first screen) and the time to the first run; saves screenshots under
// target/playground/.

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
import { loadExamples } from '../../web-demo/examples.mjs';

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

/** The next window.confirm / window.prompt of the page, answered (accept: true/false, text for a prompt). */
function answerDialog({ accept = true, text } = {}) {
  return new Promise((resolve) => {
    page.once('dialog', async (dialog) => {
      const message = dialog.message();
      if (accept) await dialog.accept(text);
      else await dialog.dismiss();
      resolve(message);
    });
  });
}

async function treePaths() {
  return page.$$eval('#tree li.file', (lis) => lis.map((li) => li.dataset.path));
}

/** The editor's whole document (CodeMirror draws only the lines in view, so the DOM alone may hold part of it). */
async function editorText() {
  return page.$eval('#editor', (el) => {
    if (!el.editorView) throw new Error('#editor has no editorView');
    return el.editorView.state.doc.toString();
  });
}

async function downloadWorkspace() {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const entries = unzipSync(new Uint8Array(fs.readFileSync(await download.path())));
  return { name: download.suggestedFilename(), files: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, strFromU8(v)])) };
}

test('page weight: the built JS and wasm, gzipped, per chunk; the first screen loads without the editor', (t) => {
  const assets = fs.readdirSync(path.join(DIST, 'assets')).filter((f) => /\.(js|wasm|css)$/.test(f));
  const sizes = Object.fromEntries(assets.map((f) => [f, zlib.gzipSync(fs.readFileSync(path.join(DIST, 'assets', f)), { level: 9 }).length]));
  const sum = (files) => files.reduce((a, f) => a + sizes[f], 0);
  const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
  // What index.html loads itself: its entry script, what that imports statically (modulepreload), its CSS.
  const html = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  const firstScreen = [...html.matchAll(/(?:src|href)="\.\/assets\/([^"]+)"/g)].map((m) => m[1]);
  const wasm = assets.filter((f) => f.endsWith('.wasm'));
  t.diagnostic(`page weight (gzip -9): ${kib(sum(assets))} = ${assets.map((f) => `${f} ${kib(sizes[f])}`).join(' + ')}`);
  t.diagnostic(`first screen (gzip -9): ${kib(sum(firstScreen))} of JS and CSS (${firstScreen.join(', ')}), and the core's wasm ${kib(sum(wasm))}`);
  assert.equal(wasm.length, 1, 'the core is one .wasm asset of the build');
  const editorChunk = assets.filter((f) => /^editor-.*\.js$/.test(f));
  assert.equal(editorChunk.length, 1, 'the editor (CodeMirror and its merge view) is a chunk of its own');
  assert.ok(!firstScreen.includes(editorChunk[0]), 'index.html neither loads nor preloads the editor chunk');
  assert.ok(sum(firstScreen) < sizes[editorChunk[0]] / 2, `the first screen's JS and CSS (${sum(firstScreen)} B) is well under the editor's (${sizes[editorChunk[0]]} B)`);
  assert.ok(sum(assets) < 1024 * 1024, `the page stays under 1 MiB gzipped (is ${sum(assets)} bytes)`);
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
  // The editor came after the first screen, on its own.
  await page.waitForSelector('body[data-editor="ready"]');

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
  assert.equal(await page.textContent('.outcome[data-path="src/server.js"] header .badge'), 'staged', 'not "written" before Accept');
  assert.equal(await editorText(), example('add-health', 'workspace/src/server.js'));
  // Side by side is CodeMirror's merge view: the whole staged line on the right, marked as changed.
  await page.check('#side-by-side');
  const merge = page.locator('.outcome[data-path="src/server.js"] .cm-mergeView');
  assert.equal(await merge.count(), 1);
  const right = await merge.locator('.cm-mergeViewEditor').nth(1).locator('.cm-changedLine').evaluateAll((lines) => lines.map((l) => l.textContent));
  assert.deepEqual(right.slice(0, 2), ["get('/health', (req, res) => {", "  json(res, 200, { status: 'ok', uptime: Math.round(process.uptime()) });"]);
  await page.screenshot({ path: path.join(SHOTS, 'recorded-add-health-merge.png'), fullPage: true });
  await page.uncheck('#side-by-side');

  // The staged version opens in the editor, read-only, before anything is accepted.
  await page.click('.outcome[data-path="src/server.js"] .open-staged');
  assert.equal(await editorText(), example('add-health', 'answers/src/server.js'));
  assert.match(await page.textContent('#editor-note'), /^staged version \(read-only\)/);
  assert.equal(await page.getAttribute('#editor .cm-content', 'contenteditable'), 'false');
  await page.click('#back-to-workspace');
  assert.equal(await editorText(), example('add-health', 'workspace/src/server.js'));

  await page.click('#accept');
  assert.match(await page.textContent('#decision'), /^Accepted: 1 change\(s\) applied/);
  assert.equal(await page.isDisabled('#accept'), true);
  assert.equal(await editorText(), example('add-health', 'answers/src/server.js'));
  // The accepted lines are highlighted in the editor.
  assert.deepEqual(await page.$$eval('#editor .cm-line.cm-accepted', (lines) => lines.map((l) => l.textContent)), [
    "get('/health', (req, res) => {", "  json(res, 200, { status: 'ok', uptime: Math.round(process.uptime()) });", '});', '',
  ]);
  const zip = await downloadWorkspace();
  assert.equal(zip.name, 'add-health.zip');
  assert.deepEqual(zip.files, {
    'add-health/package.json': example('add-health', 'workspace/package.json'),
    'add-health/src/server.js': example('add-health', 'answers/src/server.js'),
  });
  // The accept can be undone: the file is as it was, and the example can be replayed again.
  await page.click('#undo-accept');
  assert.match(await page.textContent('#decision'), /^Undone: 1 file\(s\) are as they were/);
  assert.equal(await editorText(), example('add-health', 'workspace/src/server.js'));
  assert.equal(await page.locator('#editor .cm-accepted').count(), 0);
  assert.equal(await page.isDisabled('input[name=mode][value=recorded]'), false);
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
  assert.equal(await page.textContent('#status-line'), 'FAILED: blocked');
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

test('recorded mode refuses a changed task up front; a hand edit makes the example live-only; switching away asks first', async () => {
  await page.selectOption('#example', 'add-health');
  await page.check('input[name=mode][value=recorded]');
  await page.fill('#task', 'Rename /books to /library in src/server.js');
  await page.click('#run');
  await waitForRun('refused');
  assert.equal(
    await page.textContent('#run-error'),
    'This recording answers the task "Add a GET /health route to src/server.js that responds with JSON { status: \'ok\', uptime }…" on src/server.js; switch to live mode to run your own.',
  );
  assert.equal(await page.textContent('#status-line'), 'Not run');
  assert.equal(await page.locator('#stages li').count(), 0, 'no stage ran');
  assert.equal(await page.locator('#tree .badge').count(), 0, 'nothing staged');

  // Ctrl+Enter runs: with the recorded task back, the same button replays it.
  await page.fill('#task', example('add-health', 'TASK.md').trim());
  await page.focus('#task');
  await page.keyboard.press('Control+Enter');
  await waitForRun('OK');

  // A hand edit of a recorded file: the recording no longer fits, so the example runs live only;
  // and the staged change, made from the file as it was, is not applied over the edit.
  await page.click('#editor .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('// my own line\n');
  await page.click('#accept');
  assert.equal(await page.textContent('#decision'), 'Accept refused: src/server.js changed since the run read it; your version is kept. Run again on it, or discard.');
  assert.match(await editorText(), /\/\/ my own line\n$/);
  assert.equal(await page.isDisabled('input[name=mode][value=recorded]'), true);
  assert.equal(await page.isChecked('input[name=mode][value=live]'), true);
  assert.equal(await page.isVisible('#live-fields'), true);
  assert.match(await page.textContent('#recorded-note'), /^You changed src\/server\.js: the recording was made on the example's files as they were, so this workspace now runs live only\.$/);

  // Switching examples would throw the edit away: the page asks; "cancel" keeps everything.
  let asked = answerDialog({ accept: false });
  await page.selectOption('#example', 'esm-in-cjs');
  assert.match(await asked, /^This throws away your edits to src\/server\.js and 1 staged change\(s\)\. Download the workspace \(\.zip\) first to keep them\./);
  assert.equal(await page.inputValue('#example'), 'add-health');
  assert.match(await editorText(), /\/\/ my own line\n$/);
  asked = answerDialog({ accept: true });
  await page.selectOption('#example', 'esm-in-cjs');
  await asked;
  assert.equal(await page.inputValue('#example'), 'esm-in-cjs');
  assert.equal(await page.isChecked('input[name=mode][value=recorded]'), true);
  assert.deepEqual(foreign, []);
});

test('own files through the file input: the tree, add, rename, read-only, delete; a live run sees the read-only file as context', async () => {
  const model = await startModelServer({ cors: true });
  allowedModelOrigin = new URL(model.baseUrl).origin;
  try {
    await page.setInputFiles('#file-input', [
      { name: 'index.js', mimeType: 'text/javascript', buffer: Buffer.from("'use strict';\nmodule.exports = require('./util');\n") },
      { name: 'util.js', mimeType: 'text/javascript', buffer: Buffer.from("'use strict';\nmodule.exports = { one: () => 1 };\n") },
      { name: 'NOTES.md', mimeType: 'text/markdown', buffer: Buffer.from('Every export returns a number.\n') },
      { name: 'logo.png', mimeType: 'image/png', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]) },
    ]);
    await page.waitForSelector('#example option[value="__own__"]', { state: 'attached' });
    assert.equal(await page.inputValue('#example'), '__own__');
    assert.deepEqual(await treePaths(), ['index.js', 'NOTES.md', 'util.js']);
    assert.match(await page.textContent('#open-note'), /^Opened 3 file\(s\); left out 1 that are not UTF-8 text or too large \(logo\.png\)\./);
    assert.equal(await page.isDisabled('input[name=mode][value=recorded]'), true, 'your own files have no recording');
    assert.equal(await page.inputValue('#task'), '');

    await page.fill('#new-path', 'lib/two.js');
    await page.click('#add-file');
    assert.deepEqual(await treePaths(), ['lib/two.js', 'index.js', 'NOTES.md', 'util.js']);
    assert.equal(await page.isChecked('li.file[data-path="lib/two.js"] input.scope'), true, 'a new file is in scope');
    assert.equal(await page.textContent('#open-path'), 'lib/two.js');

    const renamed = answerDialog({ text: 'lib/numbers.js' });
    await page.click('li.file[data-path="util.js"] .rename');
    assert.equal(await renamed, 'Rename util.js to:');
    assert.deepEqual(await treePaths(), ['lib/numbers.js', 'lib/two.js', 'index.js', 'NOTES.md']);

    const deleted = answerDialog();
    await page.click('li.file[data-path="lib/two.js"] .delete');
    assert.match(await deleted, /^Delete lib\/two\.js/);
    assert.deepEqual(await treePaths(), ['lib/numbers.js', 'index.js', 'NOTES.md']);

    await page.click('li.file[data-path="NOTES.md"] .lock');
    assert.equal(await page.getAttribute('li.file[data-path="NOTES.md"] .lock', 'aria-pressed'), 'true');
    assert.equal(await page.isDisabled('li.file[data-path="NOTES.md"] input.scope'), true, 'a read-only file cannot be in scope');
    await page.check('li.file[data-path="lib/numbers.js"] input.scope');

    const answer = "'use strict';\nmodule.exports = { one: () => 1, two: () => 2 };\n";
    model.otherwise(() => `\`\`\`js\n${answer}\`\`\``);
    await page.fill('#base-url', model.baseUrl);
    await page.fill('#task', 'Add two() returning 2 to lib/numbers.js');
    await page.click('#run');
    await waitForRun('OK');
    const [request] = model.requests;
    assert.equal(request.marker.path, 'lib/numbers.js');
    assert.match(JSON.stringify(request.body.messages), /Every export returns a number\./, 'the read-only file went to the model as context');
    assert.match(await page.textContent('.outcome[data-path="lib/numbers.js"] pre.diff'), /\n\+module\.exports = \{ one: \(\) => 1, two: \(\) => 2 \};\n/);
    await page.click('#accept');
    const zip = await downloadWorkspace();
    assert.equal(zip.name, 'workspace.zip');
    assert.deepEqual(Object.keys(zip.files).sort(), ['workspace/NOTES.md', 'workspace/index.js', 'workspace/lib/numbers.js']);
    assert.equal(zip.files['workspace/lib/numbers.js'], answer);
    assert.deepEqual(foreign, []);
  } finally {
    allowedModelOrigin = null;
    await model.close();
  }
  // Dropped files (a drag from the desktop) open the same way.
  const asked = answerDialog();
  await page.evaluate(() => {
    const data = new DataTransfer();
    data.items.add(new File(['export const a = 1;\n'], 'a.mjs', { type: 'text/javascript' }));
    data.items.add(new File(['# b\n'], 'b.md', { type: 'text/markdown' }));
    document.querySelector('.files').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  assert.match(await asked, /^This throws away your edits to /, 'the edited own files are not dropped silently');
  await page.waitForFunction(() => document.querySelectorAll('#tree li.file').length === 2);
  assert.deepEqual(await treePaths(), ['a.mjs', 'b.md']);
  // Leaving your own files asks first only when they were changed here: these were not.
  await page.selectOption('#example', 'add-health');
  assert.equal(await page.inputValue('#example'), 'add-health');
});

test("live mode: the CLI's defaults, the CORS hint before any run, a connection test, the answer streamed, Stop mid-answer stages nothing", async () => {
  await page.selectOption('#example', 'add-health');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"][data-editor="ready"]');
  await page.check('input[name=mode][value=live]');
  assert.deepEqual(
    await Promise.all(['#model-name', '#base-url', '#max-retries', '#module-format', '#context-budget', '#timeout', '#gate-mode'].map((s) => page.inputValue(s))),
    ['deepseek-chat', 'https://api.deepseek.com/v1', '2', 'auto', '24000', '120', 'block'],
  );
  assert.equal(await page.isVisible('#cors-hint'), true);
  assert.match(await page.textContent('#cors-hint'), /must allow this page's origin \(CORS\)/);
  // A known model's provider endpoint follows the model name, as the CLI picks it.
  await page.fill('#model-name', 'gpt-4.1-mini');
  await page.dispatchEvent('#model-name', 'change');
  assert.equal(await page.inputValue('#base-url'), 'https://api.openai.com/v1');

  // A provider's own endpoint without its key is refused before any call, as the CLI refuses it.
  await page.fill('#model-name', 'deepseek-chat');
  await page.dispatchEvent('#model-name', 'change');
  await page.click('#run');
  await waitForRun('refused');
  assert.equal(await page.textContent('#run-error'), 'api.deepseek.com needs an API key: type it, or point the Base URL at a local server.');
  await page.fill('#base-url', '');
  await page.click('#test-connection');
  assert.equal(await page.textContent('#connection'), 'Type the base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1.');
  assert.deepEqual(foreign, [], 'nothing was sent');

  const model = await startModelServer({ cors: true });
  allowedModelOrigin = new URL(model.baseUrl).origin;
  const health = example('add-health', 'answers/src/server.js');
  try {
    await page.fill('#base-url', model.baseUrl);
    await page.fill('#model-name', 'deepseek-chat');
    model.answer('OK');
    await page.click('#test-connection');
    await page.waitForSelector('#connection.ok');
    assert.match(await page.textContent('#connection'), /^Connected: deepseek-chat answered in \d+ ms\.$/);
    assert.equal(model.requests[0].body.max_tokens, 1);

    // The answer arrives a line at a time; the page shows it in the unit's panel as it comes.
    const lines = `\`\`\`js\n${health}\`\`\``.split('\n');
    model.streamed(`\`\`\`js\n${health}\`\`\``, { heldAfter: 3 });
    await page.click('#run');
    const stream = page.locator('#streams .stream[data-path="src/server.js"] pre');
    await page.waitForFunction((expected) => document.querySelector('#streams .stream[data-path="src/server.js"] pre')?.textContent === expected, `${lines.slice(0, 3).join('\n')}\n`);
    assert.equal(await page.isVisible('#stop'), true);
    assert.equal(await page.getAttribute('#result', 'data-status'), 'running');
    await page.screenshot({ path: path.join(SHOTS, 'live-streaming.png') });
    await page.click('#stop');
    await waitForRun('INTERRUPTED');
    assert.equal(await page.textContent('#status-line'), 'INTERRUPTED');
    assert.equal(await page.textContent('#decision'), 'Stopped: nothing staged, the workspace is as it was.');
    assert.equal(await page.isDisabled('#accept'), true);
    assert.equal(await page.locator('#tree .badge').count(), 0);
    assert.equal(await page.isVisible('#stop'), false);
    assert.equal(await editorText(), example('add-health', 'workspace/src/server.js'));
    assert.equal(model.requests[1].body.stream, true);

    // The same answer streamed to its end is staged as usual.
    model.streamed(`\`\`\`js\n${health}\`\`\``);
    await page.click('#run');
    await waitForRun('OK');
    assert.equal(await stream.textContent(), `\`\`\`js\n${health}\`\`\``);
    assert.match(await page.textContent('.outcome[data-path="src/server.js"] pre.diff'), /\n\+get\('\/health', \(req, res\) => \{\n/);
    assert.match(await page.textContent('#usage'), /^Tokens: 150 \(100 in, 50 out\) \| Calls: 1/);
    await page.screenshot({ path: path.join(SHOTS, 'live-streamed.png'), fullPage: true });
    await page.click('#discard');
    assert.deepEqual(foreign, []);
  } finally {
    allowedModelOrigin = null;
    await model.close();
  }
});

test('live mode: an unreachable server is "FAILED: model unavailable" (not CRASHED); retries, module format and budget reach the core', async () => {
  // A loopback port with nothing listening.
  const gone = await startModelServer({ cors: true });
  await gone.close();
  allowedModelOrigin = new URL(gone.baseUrl).origin;
  try {
    await page.fill('#base-url', gone.baseUrl);
    await page.click('#run');
    await waitForRun('FAILED');
    assert.equal(await page.textContent('#status-line'), 'FAILED: model unavailable');
    assert.match(await page.textContent('#run-error'), /^model_unavailable: cannot reach model server http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: .*CORS/);
    assert.match(await page.textContent('#streams .stream[data-path="src/server.js"] summary'), /failed: cannot reach model server/);
  } finally {
    allowedModelOrigin = null;
  }

  const model = await startModelServer({ cors: true });
  allowedModelOrigin = new URL(model.baseUrl).origin;
  const esm = loadExamples().find((e) => e.id === 'esm-in-cjs').transcript.calls[1].text;
  try {
    // esm-in-cjs (live): its CommonJS server.js, and the recorded ES module answer for it.
    await page.selectOption('#example', 'esm-in-cjs');
    await page.check('input[name=mode][value=live]');
    await page.fill('#base-url', model.baseUrl);
    model.otherwise(() => esm);
    await page.click('.options summary');
    // Retries 0: the blocked answer is not asked for again.
    await page.fill('#max-retries', '0');
    await page.click('#run');
    await waitForRun('FAILED');
    assert.equal(await page.textContent('#status-line'), 'FAILED: blocked');
    assert.equal(model.requests.length, 1);
    assert.match(await page.textContent('.outcome[data-path="src/server.js"] .violations'), /module_format/);
    // Module format esm: the same ES module answer is what the project runs.
    await page.selectOption('#module-format', 'esm');
    await page.click('#run');
    await waitForRun('OK');
    assert.equal(model.requests.length, 2);
    await page.click('#discard');
    // A prompt budget below the prompt: refused before any call, in the CLI's word (input).
    await page.fill('#context-budget', '100');
    await page.click('#run');
    await waitForRun('FAILED');
    assert.equal(await page.textContent('#status-line'), 'FAILED: input');
    assert.equal(model.requests.length, 2);
    assert.match(await page.textContent('#options-summary'), /0 retries, esm, budget 100/);
    // Allow process: an answer that starts spawning is blocked, in the page's words, until allowed.
    await page.fill('#context-budget', '24000');
    await page.selectOption('#module-format', 'auto');
    const spawning = `\`\`\`js\n${example('esm-in-cjs', 'workspace/src/server.js')}\nmodule.exports.revision = () => require('child_process').execSync('git rev-parse HEAD').toString().trim();\n\`\`\``;
    model.otherwise(() => spawning);
    await page.click('#run');
    await waitForRun('FAILED');
    assert.match(await page.textContent('.outcome[data-path="src/server.js"] .violations'), /adds process spawning \[Allow "process" in the run options\]/);
    await page.check('#allow input[value="process"]');
    await page.click('#run');
    await waitForRun('OK');
    assert.match(await page.textContent('#options-summary'), /0 retries, allow process/);
    await page.click('#discard');
    assert.deepEqual(foreign, []);
  } finally {
    allowedModelOrigin = null;
    await model.close();
  }
});

test('layout at 360, 390, 1024 and 1440 px: nothing overflows sideways, the task box and Run are on the first screen', async () => {
  for (const [width, height] of [[360, 640], [390, 844], [1024, 768], [1440, 900]]) {
    const view = await context.newPage();
    try {
      await view.setViewportSize({ width, height });
      await view.goto(`${origin}/`);
      await view.waitForSelector('body[data-ready="true"][data-editor="ready"]');
      const firstScreen = await view.evaluate(() => {
        const inView = (id) => {
          const r = document.getElementById(id).getBoundingClientRect();
          return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;
        };
        return { task: inView('task'), run: inView('run') };
      });
      assert.deepEqual(firstScreen, { task: true, run: true }, `${width} px`);
      await view.click('#run');
      await view.waitForSelector('#result[data-status="OK"]');
      await view.evaluate(() => window.scrollTo(0, 0));
      const overflow = await view.evaluate(() => ({
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        // every element's right edge, the page's own scroll boxes (editor, diff) excepted
        wide: [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 && !el.closest('.cm-editor, pre, .scroll-x, .merge'))
          .map((el) => el.id || el.className || el.tagName),
      }));
      assert.deepEqual(overflow, { page: 0, wide: [] }, `${width} px`);
      await view.screenshot({ path: path.join(SHOTS, `layout-${width}.png`) });
    } finally {
      await view.close();
    }
  }
});
