// The playground page: an in-memory workspace (an example's, or the person's own files), an
// editor, and runs of the wasm core with a recorded or a live model. Everything happens in this
// page; nothing is sent anywhere except the live model's chat calls. The editor (CodeMirror) is
// loaded after the first screen is up: Task and Run work without it.

import {
  createMemoryHost,
  createOpenAICompleter,
  createReplayCompleter,
  init,
  knownModels,
  normalizeWorkspacePath,
  renderReport,
  runTask,
  version,
} from '@codemaestro/core';
import examples from 'virtual:examples';
import './style.css';
import { addedLines, unifiedLines } from './diff.js';
import { dropEntries, directoryEntries, inputEntries, readEntries } from './files.js';
import { applyEvent, newProgress, STAGES } from './progress.js';
import { editedFiles, recordingRefusal } from './recording.js';
import { streamingFetch } from './stream.js';
import { CORE_WORDS, pageWords, statusLine } from './words.js';
import { Workspace } from './workspace.js';
import { workspaceZip } from './zip.js';

const $ = (id) => document.getElementById(id);

/** A DOM element: h('li', { class: 'x', dataset: { path } }, child, 'text', ...). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

const STAGE_LABEL = { L1: 'L1 plan', L2: 'L2 section', L3: 'L3 generate', gate: 'Gate' };
const STATE_MARK = { pending: '·', running: '…', ok: '✓', failed: '✗', skipped: '–' };
// Recorded answers come back at once; a short pause per call lets the stages be seen advancing.
const REPLAY_PACE_MS = 120;
const OWN = '__own__';

// The CLI's defaults (npm/red-exec/lib/args.js and models.js): model deepseek-chat on its
// provider's endpoint, 2 retries per unit, gate block, module format auto, a 120 s call limit,
// a 24,000-token prompt budget, not partial, nothing allowed beyond what the task asks. A known
// model's provider gives the base URL, as in the CLI.
const DEFAULTS = { model: 'deepseek-chat', maxRetries: 2, gate: 'block', moduleFormat: 'auto', timeoutS: 120, contextBudget: 24_000 };
const PROVIDER_URLS = { deepseek: 'https://api.deepseek.com/v1', openai: 'https://api.openai.com/v1' };

const state = {
  /** where the workspace came from: an example, or { id: OWN, ... } for the person's own files */
  example: null,
  workspace: new Workspace(),
  scope: new Set(),
  /** files given to the model as read-only context (the CLI's --read): never written */
  readOnly: new Set(),
  openPath: null,
  /** 'workspace' or 'staged' (the staged version of openPath, read-only) */
  openView: 'workspace',
  /** staged changes of the last run (path -> text, or null for a delete) until accepted or discarded */
  pending: null,
  /** the workspace the last run started from: the left side of its diffs */
  runBase: null,
  /** the last accept, for its undo: { before: Map(path -> text|null), after: Map(path -> text|null) } */
  lastAccept: null,
  /** path -> line numbers the last accept added (highlighted in the editor) */
  highlights: new Map(),
  progress: null,
  result: null,
  running: false,
  /** aborts the running run's model call (Stop) */
  stop: null,
  /** the request the model is answering now: its answer streams into that unit's panel */
  streamTarget: null,
};

// ---------- the editor, loaded after the first screen ----------

let editor = null;
// After the core's wasm (the first run needs it, the first screen does not need the editor), and
// after a frame, so the page is drawn first.
let coreReady;
const editorModule = new Promise((resolve) => (coreReady = resolve)).then(
  () => new Promise((resolve) => requestAnimationFrame(() => resolve(import('./editor.js')))),
);
let editorLoaded = null;
editorModule.then((mod) => {
  editorLoaded = mod;
  editor = mod.createEditor($('editor'), (path, text) => {
    if (state.openView !== 'workspace' || !state.workspace.has(path)) return;
    state.workspace.set(path, text);
    workspaceChanged();
  });
  showOpenFile();
  document.body.dataset.editor = 'ready';
  if (state.result) renderOutcomes();
}, (err) => {
  $('editor').replaceChildren(h('p', { class: 'error small loading' }, `The editor failed to load (${err.message}); runs still work. Reload the page to try again.`));
});

// ---------- workspace, tree, editor ----------

function openFile(path, view = 'workspace') {
  state.openPath = path && (state.workspace.has(path) || view === 'staged') ? path : null;
  state.openView = state.openPath ? view : 'workspace';
  showOpenFile();
  renderTree();
}

function showOpenFile() {
  const path = state.openPath;
  const staged = state.openView === 'staged';
  $('back-to-workspace').hidden = !staged;
  $('open-path').textContent = path ?? 'no file open';
  $('editor-note').textContent = staged
    ? 'staged version (read-only): not in the workspace until you accept'
    : path && state.readOnly.has(path)
      ? 'read-only context for the model (you may still edit it)'
      : path && state.highlights.has(path)
        ? 'highlighted: the lines the last accept added'
        : '';
  if (!editor) return;
  if (!path) return editor.close();
  if (staged) editor.open(path, state.pending?.get(path) ?? '', { readOnly: true });
  else editor.open(path, state.workspace.get(path), { highlight: state.highlights.get(path) ?? [] });
}

function renderTree() {
  const pending = state.pending ?? new Map();
  const list = (nodes) =>
    nodes.map((node) => {
      if (node.children) {
        return h('li', { class: 'dir' }, h('span', { class: 'dir-name' }, `${node.name}/`), h('ul', {}, list(node.children)));
      }
      const p = node.path;
      const staged = pending.has(p) ? (pending.get(p) === null ? 'delete' : 'change') : null;
      const readOnly = state.readOnly.has(p);
      return h(
        'li',
        { class: `file${p === state.openPath ? ' open' : ''}${readOnly ? ' read-only' : ''}`, dataset: { path: p } },
        h('input', {
          type: 'checkbox',
          class: 'scope',
          checked: state.scope.has(p),
          disabled: readOnly,
          'aria-label': `in scope: ${p}`,
          title: readOnly ? 'read-only context: never written' : 'the run may change this file',
          onchange: (e) => (e.target.checked ? state.scope.add(p) : state.scope.delete(p)),
        }),
        h('button', { type: 'button', class: 'file-name', onclick: () => openFile(p) }, node.name),
        staged ? h('span', { class: `badge staged-${staged}` }, staged === 'delete' ? 'staged delete' : 'staged') : null,
        h(
          'span',
          { class: 'file-actions' },
          h('button', { type: 'button', class: `icon lock${readOnly ? ' on' : ''}`, 'aria-pressed': String(readOnly), 'aria-label': `read-only: ${p}`, title: 'read-only context for the model', onclick: () => toggleReadOnly(p) }, 'r/o'),
          h('button', { type: 'button', class: 'icon rename', 'aria-label': `rename ${p}`, title: 'rename', onclick: () => renameFile(p) }, '✎'),
          h('button', { type: 'button', class: 'icon delete', 'aria-label': `delete ${p}`, title: 'delete', onclick: () => deleteFile(p) }, '✕'),
        ),
      );
    });
  $('tree').replaceChildren(...list(state.workspace.tree()));
}

function note(id, text) {
  $(id).hidden = !text;
  $(id).textContent = text ?? '';
}

function checkedPath(raw) {
  try {
    return normalizeWorkspacePath(raw.trim());
  } catch (err) {
    note('open-note', `"${raw}" is not a path in the workspace: ${err.message}`);
    return null;
  }
}

function toggleReadOnly(path) {
  if (state.readOnly.delete(path)) {
    note('open-note', `${path} is an ordinary file again (tick it if the run may change it).`);
  } else {
    state.readOnly.add(path);
    state.scope.delete(path);
    note('open-note', `${path} is read-only context: the model sees it, the run never writes it.`);
  }
  renderTree();
  showOpenFile();
}

function renameFile(path) {
  const answer = window.prompt(`Rename ${path} to:`, path);
  if (answer === null || answer.trim() === path) return;
  const to = checkedPath(answer);
  if (!to) return;
  if (state.workspace.has(to)) return note('open-note', `${to} already exists: rename refused.`);
  state.workspace.set(to, state.workspace.get(path));
  state.workspace.delete(path);
  for (const set of [state.scope, state.readOnly]) if (set.delete(path)) set.add(to);
  if (state.openPath === path) state.openPath = to;
  note('open-note', `Renamed ${path} to ${to}.`);
  workspaceChanged();
  openFile(state.openPath);
}

function deleteFile(path) {
  if (!window.confirm(`Delete ${path} from the workspace in this page?`)) return;
  state.workspace.delete(path);
  state.scope.delete(path);
  state.readOnly.delete(path);
  note('open-note', `Deleted ${path}.`);
  workspaceChanged();
  openFile(state.openPath === path ? (state.workspace.paths()[0] ?? null) : state.openPath);
}

function addFile() {
  const raw = $('new-path').value;
  if (!raw.trim()) return note('open-note', 'Type the new file\'s path first, e.g. src/new-file.js.');
  const path = checkedPath(raw);
  if (!path) return;
  if (state.workspace.has(path)) return note('open-note', `${path} already exists.`);
  state.workspace.set(path, '');
  state.scope.add(path);
  $('new-path').value = '';
  note('open-note', `Added ${path} (empty, in scope).`);
  workspaceChanged();
  openFile(path);
}

/** After any change of the workspace by the person: a recording made on other files cannot answer. */
function workspaceChanged() {
  const ex = state.example;
  const edited = ex.transcript ? editedFiles(ex, state.workspace) : [];
  const radio = document.querySelector('input[name=mode][value=recorded]');
  radio.disabled = !ex.transcript || edited.length > 0;
  if (edited.length > 0) {
    if (radio.checked) setMode('live');
    note('recorded-note', `You changed ${edited.join(', ')}: the recording was made on the example's files as they were, so this workspace now runs live only.`);
  } else note('recorded-note', null);
  renderTree();
}

/** True when nothing would be lost by replacing the workspace, or the person says so. */
function mayThrowAway() {
  const edited = editedFiles(state.example, state.workspace);
  const staged = state.pending?.size ?? 0;
  if (edited.length === 0 && staged === 0) return true;
  const what = [edited.length ? `your edits to ${edited.join(', ')}` : null, staged ? `${staged} staged change(s)` : null].filter(Boolean).join(' and ');
  return window.confirm(`This throws away ${what}. Download the workspace (.zip) first to keep them. Throw them away?`);
}

function loadWorkspace(example) {
  state.example = example;
  state.workspace = new Workspace(example.workspace);
  state.scope = new Set(example.files.filter((f) => state.workspace.has(f)));
  state.readOnly = new Set();
  state.pending = null;
  state.result = null;
  state.lastAccept = null;
  state.highlights = new Map();
  $('example').value = example.id;
  $('example-source').textContent = example.id === OWN
    ? `your files${example.source ? ` (${example.source})` : ''}: live model only`
    : `from ${example.source}${example.transcript ? ', with a recorded run' : ' (no recording: live model only)'}`;
  $('task').value = example.task;
  $('extra-paths').value = example.files.filter((f) => !state.workspace.has(f)).join(', ');
  note('recorded-note', null);
  workspaceChanged();
  setMode(example.transcript ? 'recorded' : 'live');
  $('result').hidden = true;
  $('undo-accept').hidden = true;
  openFile(example.files.find((f) => state.workspace.has(f)) ?? state.workspace.paths()[0] ?? null);
}

function selectExample(id) {
  if (id === state.example.id) return;
  if (!mayThrowAway()) {
    $('example').value = state.example.id;
    return;
  }
  loadWorkspace(examples.find((e) => e.id === id) ?? examples[0]);
}

async function openOwn(entriesPromise) {
  let entries;
  try {
    entries = await entriesPromise;
  } catch (err) {
    if (err?.name !== 'AbortError') note('open-note', `Could not read those files: ${err.message}`);
    return;
  }
  if (entries.length === 0) return;
  if (!mayThrowAway()) return;
  const { files, skipped, root } = await readEntries(entries);
  const count = Object.keys(files).length;
  if (count === 0) return note('open-note', `Nothing to open: ${skipped.length} file(s), none of them UTF-8 text.`);
  let option = $('example').querySelector(`option[value="${OWN}"]`);
  if (!option) $('example').append((option = h('option', { value: OWN })));
  option.textContent = `your files${root ? `: ${root}/` : ''}`;
  loadWorkspace({ id: OWN, source: root ? `${root}/` : '', task: '', files: [], workspace: files, transcript: null });
  note('open-note', `Opened ${count} file(s)${skipped.length ? `; left out ${skipped.length} that are not UTF-8 text or too large (${skipped.slice(0, 3).join(', ')}${skipped.length > 3 ? ', …' : ''})` : ''}. Tick the files the run may change.`);
  $('task').focus();
}

function setMode(mode) {
  document.querySelector(`input[name=mode][value=${mode}]`).checked = true;
  $('live-fields').hidden = mode !== 'live';
}

function downloadZip() {
  const name = state.example.id === OWN ? (state.example.source.replace(/\/$/, '') || 'workspace') : state.example.id;
  const bytes = workspaceZip(state.workspace.snapshot(), name);
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
  const link = h('a', { href: url, download: `${name}.zip` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---------- live model settings ----------

function providerUrl(model) {
  const entry = knownModelTable[model];
  return entry ? (PROVIDER_URLS[entry.provider] ?? null) : null;
}
let knownModelTable = {};

function liveSettings() {
  const number = (id, fallback) => {
    const n = Number($(id).value);
    return $(id).value.trim() !== '' && Number.isFinite(n) ? n : fallback;
  };
  return {
    baseUrl: $('base-url').value.trim(),
    model: $('model-name').value.trim() || DEFAULTS.model,
    apiKey: $('api-key').value,
    timeoutMs: Math.round(number('timeout', DEFAULTS.timeoutS) * 1000),
  };
}

function runOptions(model) {
  const retries = Number($('max-retries').value);
  const budget = Number($('context-budget').value);
  return {
    model,
    gate: $('gate-mode').value,
    maxRetries: Number.isInteger(retries) && retries >= 0 ? Math.min(retries, 10) : DEFAULTS.maxRetries,
    moduleFormat: $('module-format').value,
    contextBudget: Number.isInteger(budget) && budget >= 100 ? budget : DEFAULTS.contextBudget,
    partial: $('partial').checked,
    allow: [...document.querySelectorAll('#allow input:checked')].map((box) => box.value),
  };
}

function summarizeOptions() {
  const o = runOptions('');
  const changed = [
    o.gate !== DEFAULTS.gate && `gate ${o.gate}`,
    o.maxRetries !== DEFAULTS.maxRetries && `${o.maxRetries} retries`,
    o.moduleFormat !== DEFAULTS.moduleFormat && o.moduleFormat,
    o.contextBudget !== DEFAULTS.contextBudget && `budget ${o.contextBudget.toLocaleString('en-US')}`,
    liveSettings().timeoutMs !== DEFAULTS.timeoutS * 1000 && `timeout ${liveSettings().timeoutMs / 1000}s`,
    o.partial && 'partial',
    o.allow.length > 0 && `allow ${o.allow.join(', ')}`,
  ].filter(Boolean);
  $('options-summary').textContent = changed.length ? `(${changed.join(', ')})` : "(the CLI's defaults)";
}

/** Why a live call cannot go out as the settings are (as the CLI refuses a provider without its key), or null. */
function liveRefusal() {
  const { baseUrl, apiKey } = liveSettings();
  let url;
  try {
    url = new URL(baseUrl);
  } catch {
    return `Type the base URL of an OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1${baseUrl ? ` ("${baseUrl}" is not a URL)` : ''}.`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `The base URL must start with http:// or https:// (is "${baseUrl}").`;
  const provider = Object.entries(PROVIDER_URLS).find(([, u]) => new URL(u).origin === url.origin);
  if (provider && !apiKey) return `${url.host} needs an API key: type it, or point the Base URL at a local server.`;
  return null;
}

async function testConnection() {
  const { baseUrl, model, apiKey, timeoutMs } = liveSettings();
  const out = $('connection');
  const refusal = liveRefusal();
  if (refusal) {
    out.className = 'small error';
    out.textContent = refusal;
    return;
  }
  out.className = 'small';
  out.textContent = `asking ${baseUrl || '(no base URL)'}…`;
  try {
    const complete = createOpenAICompleter({ baseUrl, apiKey, model, timeoutMs: Math.min(timeoutMs, 30_000), maxRetries: 0 });
    const started = performance.now();
    await complete({ id: 0, stage: 'L3', path: null, action: null, attempt: 0, messages: [{ role: 'user', content: 'Reply with the word OK.' }], temperature: 0, maxTokens: 1 });
    out.className = 'small ok';
    out.textContent = `Connected: ${model} answered in ${Math.round(performance.now() - started)} ms.`;
  } catch (err) {
    out.className = 'small error';
    out.textContent = `Not connected${err.code ? ` (${err.code.replace(/_/g, ' ')})` : ''}: ${err.message}`;
  }
}

// ---------- a run ----------

function scopeFiles() {
  const extra = $('extra-paths')
    .value.split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      try {
        return normalizeWorkspacePath(p);
      } catch {
        return p; // the core refuses it, with its reason
      }
    });
  const ticked = state.workspace.paths().filter((p) => state.scope.has(p) && !state.readOnly.has(p));
  return [...new Set([...ticked, ...extra])];
}

const interrupted = () => Object.assign(new Error('interrupted: the run was stopped'), { code: 'interrupted' });

function makeCompleter(mode, signal) {
  if (mode === 'recorded') {
    const replay = createReplayCompleter(state.example.transcript);
    const complete = async (request) => {
      if (signal.aborted) throw interrupted();
      const answer = await replay(request);
      await new Promise((resolve) => setTimeout(resolve, REPLAY_PACE_MS));
      if (signal.aborted) throw interrupted();
      return answer;
    };
    return { complete, model: state.example.transcript.model ?? DEFAULTS.model };
  }
  const { baseUrl, apiKey, model, timeoutMs } = liveSettings();
  // The key is read here, for this run only, and lives on in the completer's closure alone.
  const complete = createOpenAICompleter({
    baseUrl,
    apiKey,
    model,
    timeoutMs,
    maxRetries: 2,
    signal,
    fetch: streamingFetch(appendStream, { onStart: () => state.streamTarget && (state.streamTarget.querySelector('pre').textContent = '') }),
  });
  return { complete, model };
}

// One panel per model call (a unit, or the plan): the answer appears there as it arrives.
function streamPanel(request) {
  const label = request.stage === 'L1' ? 'L1 plan' : `${request.path}${request.attempt > 0 ? ` (retry ${request.attempt})` : ''}`;
  const panel = h(
    'details',
    { class: 'stream', open: true, dataset: { id: String(request.id), stage: request.stage, path: request.path ?? '', attempt: String(request.attempt) } },
    h('summary', {}, h('span', { class: 'mono' }, label), h('span', { class: 'muted small state' }, ' answering…')),
    h('pre', { class: 'answer' }),
  );
  $('streams').append(panel);
  return panel;
}

function appendStream(text) {
  const panel = state.streamTarget;
  if (!panel) return;
  const pre = panel.querySelector('pre');
  pre.textContent += text;
  pre.scrollTop = pre.scrollHeight;
}

let renderQueued = false;
function queueProgressRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderProgress();
  });
}

function usageText(u, cost = null) {
  const n = (x) => x.toLocaleString('en-US');
  return `Tokens: ${n(u.promptTokens + u.completionTokens)} (${n(u.promptTokens)} in, ${n(u.completionTokens)} out) | Calls: ${u.calls}` + (cost !== null ? ` | cost: $${cost.toFixed(4)}` : '');
}

function renderProgress() {
  const p = state.progress;
  if (!p) return;
  $('stages').replaceChildren(
    ...STAGES.map((s) =>
      h('li', { class: `stage ${p.stages[s]}`, dataset: { stage: s, state: p.stages[s] } }, `${STAGE_LABEL[s]} ${STATE_MARK[p.stages[s]] ?? ''}`),
    ),
  );
  $('activity').textContent = p.activity;
  // Once the run is done the result's usage (with the cost) is shown instead.
  if (!state.result) $('usage').textContent = usageText(p);
  $('plan').tBodies[0].replaceChildren(
    ...p.plan.map((entry) =>
      h('tr', { dataset: { path: entry.path } }, h('td', { class: 'mono' }, entry.path), h('td', {}, entry.action), h('td', {}, entry.intent)),
    ),
  );
  $('gates').replaceChildren(
    ...p.gates.map((g) =>
      h(
        'li',
        { class: `gate decision-${g.decision}`, dataset: { path: g.path, decision: g.decision } },
        h('span', { class: 'mono' }, g.path),
        ` ${g.action}, attempt ${g.attempt}: `,
        h('strong', {}, g.decision),
        g.violations.length ? h('ul', {}, g.violations.map((v) => h('li', {}, h('code', {}, v.rule), ` ${pageWords(v.message)}`))) : null,
      ),
    ),
  );
}

function renderDiff(file) {
  const before = state.runBase?.[file.path] ?? '';
  const after = state.pending?.get(file.path);
  // Side by side is CodeMirror's merge view (whole lines, scrollable); it needs the editor's chunk.
  if ($('side-by-side').checked && editorLoaded && typeof after === 'string') {
    const box = h('div', { class: 'merge' });
    editorLoaded.createMergeView(box, file.path, before, after);
    return box;
  }
  return h('pre', { class: 'diff unified' }, unifiedLines(file.diff).map((l) => h('span', { class: l.kind }, `${l.text}\n`)));
}

function renderOutcomes() {
  const result = state.result;
  if (!result) return;
  $('outcomes').replaceChildren(
    ...result.files.map((file) => {
      const staged = state.pending?.has(file.path) && typeof state.pending.get(file.path) === 'string';
      return h(
        'article',
        { class: `outcome ${file.outcome}`, dataset: { path: file.path, outcome: file.outcome } },
        h(
          'header',
          {},
          h('span', { class: 'mono' }, file.path),
          ` ${file.action} `,
          // The core wrote to the page's staging host: until Accept, that is "staged", not written.
          h('span', { class: `badge ${file.outcome}` }, staged && file.outcome === 'written' ? 'staged' : file.outcome),
          file.attempts > 1 ? h('span', { class: 'muted small' }, ` ${file.attempts} attempts`) : null,
          staged ? h('button', { type: 'button', class: 'small open-staged', onclick: () => openFile(file.path, 'staged') }, 'Open staged version') : null,
        ),
        file.violations.length
          ? h('ul', { class: 'violations' }, file.violations.map((v) => h('li', { dataset: { rule: v.rule } }, h('code', {}, v.rule), ` ${pageWords(v.message)}`)))
          : null,
        file.error ? h('p', { class: 'error' }, pageWords(file.error)) : null,
        file.diff ? renderDiff(file) : h('p', { class: 'muted small' }, file.outcome === 'blocked' ? 'Nothing staged: the gate blocked every answer for this file.' : file.outcome === 'withheld' ? 'Nothing staged: see why above.' : 'No change.'),
        file.outcome === 'blocked' && state.progress.lastAnswer[file.path]
          ? h('details', {}, h('summary', {}, 'the last rejected answer'), h('pre', { class: 'answer' }, state.progress.lastAnswer[file.path]))
          : null,
      );
    }),
  );
}

function setDecisionButtons(enabled) {
  $('accept').disabled = !enabled;
  $('discard').disabled = !enabled;
}

function setStatus(status, text) {
  $('result').dataset.status = status;
  const line = $('status-line');
  line.hidden = !text;
  line.textContent = text ?? '';
  line.dataset.status = status;
}

function showRunError(text) {
  $('run-error').hidden = !text;
  $('run-error').textContent = text ?? '';
}

async function run() {
  if (state.running) return;
  const task = $('task').value.trim();
  const files = scopeFiles();
  const mode = document.querySelector('input[name=mode]:checked').value;
  $('result').hidden = false;
  showRunError(null);
  if (!task || files.length === 0) {
    setStatus('refused', null);
    return showRunError(!task ? 'Write a task first.' : 'Tick at least one file (or name a new one) for the scope.');
  }
  if (mode === 'live') {
    const refusal = liveRefusal();
    if (refusal) {
      setStatus('refused', 'Not run');
      return showRunError(refusal);
    }
  }
  if (mode === 'recorded') {
    // Up front, before any call: a recording replays only the run it recorded.
    const refusal = recordingRefusal({ example: state.example, task, files, workspace: state.workspace });
    if (refusal) {
      state.progress = null;
      $('stages').replaceChildren();
      $('streams').replaceChildren();
      $('outcomes').replaceChildren();
      $('report').textContent = '';
      setStatus('refused', 'Not run');
      return showRunError(refusal);
    }
  }
  state.running = true;
  state.pending = null;
  state.result = null;
  state.progress = newProgress();
  state.runBase = state.workspace.snapshot();
  const stop = new AbortController();
  state.stop = stop;
  $('run').disabled = true;
  $('stop').hidden = false;
  $('stop').disabled = false;
  // The run stages against this workspace: switching or opening another mid-run would mix two.
  for (const id of ['example', 'open-folder', 'file-input', 'folder-input', 'accept', 'discard']) $(id).disabled = true;
  $('undo-accept').hidden = true;
  $('decision').textContent = '';
  $('report').textContent = '';
  $('outcomes').replaceChildren();
  $('streams').replaceChildren();
  setStatus('running', null);
  renderTree();
  renderProgress();

  const panels = new Map();
  // The run works on a copy of the workspace; what it changed there is staged for the user.
  const copy = createMemoryHost(state.runBase, {
    onEvent: (event) => {
      applyEvent(state.progress, event);
      if (event.kind === 'model_response' && panels.has(event.id)) {
        const panel = panels.get(event.id);
        panel.querySelector('pre').textContent = event.text;
        panel.querySelector('.state').textContent = ' answered';
      }
      if (event.kind === 'model_error' && panels.has(event.id)) panels.get(event.id).querySelector('.state').textContent = ` failed: ${event.message}`;
      queueProgressRender();
    },
  });
  const started = performance.now();
  try {
    const { complete: answer, model } = makeCompleter(mode, stop.signal);
    const complete = (request) => {
      state.streamTarget = streamPanel(request);
      panels.set(request.id, state.streamTarget);
      return answer(request);
    };
    const result = await runTask({ task, files, read: [...state.readOnly].filter((p) => state.workspace.has(p)), options: runOptions(model), words: CORE_WORDS, host: { ...copy, complete } });
    // Stopped: whatever the copy holds is dropped, nothing is staged.
    const changes = result.status === 'INTERRUPTED' ? new Map() : copy.changes();
    const wallMs = Math.round(performance.now() - started);
    state.result = result;
    state.progress.stages = { ...result.stages };
    state.progress.activity = '';
    state.pending = changes;
    renderProgress();
    $('usage').textContent = usageText(result.usage, result.costUsd);
    showRunError(result.error ? `${result.error.code}: ${pageWords(result.error.message)}` : null);
    renderOutcomes();
    $('report').textContent = pageWords(renderReport(result, wallMs, CORE_WORDS));
    setStatus(result.status, statusLine(result));
    setDecisionButtons(changes.size > 0);
    $('decision').textContent =
      result.status === 'INTERRUPTED'
        ? 'Stopped: nothing staged, the workspace is as it was.'
        : changes.size > 0
          ? `${changes.size} change(s) staged: nothing is in the workspace yet.`
          : 'Nothing to accept.';
  } catch (err) {
    showRunError(err instanceof Error ? err.message : String(err));
    // The host (this page) failed, not the run's model: the CLI's word for that is CRASHED.
    setStatus('CRASHED', 'CRASHED: the page failed (a bug); nothing staged');
  } finally {
    state.running = false;
    state.stop = null;
    state.streamTarget = null;
    for (const panel of panels.values()) panel.open = false;
    const last = [...panels.values()].at(-1);
    if (last && state.result?.status !== 'OK') last.open = true;
    $('run').disabled = false;
    $('stop').hidden = true;
    for (const id of ['example', 'open-folder', 'file-input', 'folder-input']) $(id).disabled = false;
    renderTree();
  }
}

function stopRun() {
  if (!state.stop) return;
  $('stop').disabled = true;
  $('activity').textContent = 'stopping…';
  state.stop.abort();
}

function accept() {
  if (!state.pending || state.pending.size === 0) return;
  // As the CLI's conflict rule: a file edited, renamed or deleted since the run read it keeps the
  // person's version; nothing is applied over it.
  const moved = [...state.pending.keys()].filter((p) => (state.workspace.has(p) ? state.workspace.get(p) : undefined) !== state.runBase[p]);
  if (moved.length > 0) {
    $('decision').textContent = `Accept refused: ${moved.join(', ')} changed since the run read it; your version is kept. Run again on it, or discard.`;
    return;
  }
  const count = state.pending.size;
  const before = new Map([...state.pending.keys()].map((p) => [p, state.workspace.has(p) ? state.workspace.get(p) : null]));
  state.lastAccept = { before, after: state.pending };
  state.highlights = new Map(
    state.result.files.filter((f) => f.diff && state.pending.get(f.path) !== null).map((f) => [f.path, addedLines(f.diff)]),
  );
  state.workspace.apply(state.pending);
  state.pending = null;
  setDecisionButtons(false);
  $('undo-accept').hidden = false;
  $('decision').textContent = `Accepted: ${count} change(s) applied to the workspace; the added lines are highlighted.`;
  const first = [...state.highlights.keys()][0];
  renderOutcomes();
  workspaceChanged();
  openFile(first ?? (state.openPath && state.workspace.has(state.openPath) ? state.openPath : state.workspace.paths()[0] ?? null));
}

function undoAccept() {
  const last = state.lastAccept;
  if (!last) return;
  // As the CLI's --undo: refused when a file changed since, so no later edit is lost.
  const changed = [...last.after].filter(([p, text]) => (state.workspace.has(p) ? state.workspace.get(p) : null) !== text).map(([p]) => p);
  if (changed.length > 0) {
    $('decision').textContent = `Undo refused: ${changed.join(', ')} changed since the accept; put it back by hand (or edit it back) first.`;
    return;
  }
  state.workspace.apply(last.before);
  state.lastAccept = null;
  state.highlights = new Map();
  $('undo-accept').hidden = true;
  $('decision').textContent = `Undone: ${last.after.size} file(s) are as they were before the accept.`;
  workspaceChanged();
  openFile(state.openPath && state.workspace.has(state.openPath) ? state.openPath : state.workspace.paths()[0] ?? null);
}

function discard() {
  state.pending = null;
  setDecisionButtons(false);
  $('decision').textContent = 'Discarded: the workspace is as it was.';
  if (state.openView === 'staged') openFile(state.openPath);
  renderOutcomes();
  renderTree();
}

// ---------- wiring ----------

$('example').replaceChildren(
  ...examples.map((e) => h('option', { value: e.id }, `${e.id}${e.transcript ? '' : ' (live only)'}`)),
);
$('example').addEventListener('change', (e) => selectExample(e.target.value));
for (const radio of document.querySelectorAll('input[name=mode]')) radio.addEventListener('change', (e) => setMode(e.target.value));
$('run').addEventListener('click', run);
$('stop').addEventListener('click', stopRun);
$('accept').addEventListener('click', accept);
$('discard').addEventListener('click', discard);
$('undo-accept').addEventListener('click', undoAccept);
$('download').addEventListener('click', downloadZip);
$('side-by-side').addEventListener('change', renderOutcomes);
$('add-file').addEventListener('click', addFile);
$('new-path').addEventListener('keydown', (e) => e.key === 'Enter' && addFile());
$('back-to-workspace').addEventListener('click', () => openFile(state.openPath));
$('test-connection').addEventListener('click', testConnection);
$('file-input').addEventListener('change', (e) => {
  openOwn(Promise.resolve(inputEntries(e.target.files)));
  e.target.value = '';
});
$('folder-input').addEventListener('change', (e) => {
  openOwn(Promise.resolve(inputEntries(e.target.files)));
  e.target.value = '';
});
// The File System Access API's picker where the browser has it (Chromium); else the folder upload input.
if (typeof window.showDirectoryPicker === 'function') {
  $('folder-input-label').hidden = true;
  $('open-folder').addEventListener('click', () => openOwn(window.showDirectoryPicker({ mode: 'read' }).then((dir) => directoryEntries(dir))));
} else {
  $('open-folder').hidden = true;
}
const filesPanel = document.querySelector('.files');
filesPanel.addEventListener('dragover', (e) => {
  e.preventDefault();
  filesPanel.classList.add('dropping');
});
filesPanel.addEventListener('dragleave', () => filesPanel.classList.remove('dropping'));
filesPanel.addEventListener('drop', (e) => {
  e.preventDefault();
  filesPanel.classList.remove('dropping');
  if (!state.running) openOwn(dropEntries(e.dataTransfer));
});
// Ctrl+Enter / Cmd+Enter runs from anywhere, the editor included (captured before its own keymap).
document.addEventListener(
  'keydown',
  (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.stopPropagation();
      run();
    }
  },
  true,
);
window.addEventListener('beforeunload', (e) => {
  if (editedFiles(state.example, state.workspace).length > 0 || state.pending?.size) e.preventDefault();
});

$('model-name').value = DEFAULTS.model;
$('base-url').value = PROVIDER_URLS.deepseek;
$('max-retries').value = String(DEFAULTS.maxRetries);
$('context-budget').value = String(DEFAULTS.contextBudget);
$('timeout').value = String(DEFAULTS.timeoutS);
$('model-name').addEventListener('change', () => {
  // A known model's provider endpoint follows the model, as in the CLI, unless the URL was typed.
  const url = providerUrl($('model-name').value.trim());
  if (url && Object.values(PROVIDER_URLS).includes($('base-url').value.trim())) $('base-url').value = url;
});
for (const id of ['gate-mode', 'max-retries', 'module-format', 'context-budget', 'timeout', 'partial', 'allow']) $(id).addEventListener('change', summarizeOptions);
summarizeOptions();
loadWorkspace(examples[0]);

// Load the wasm now rather than on the first run; runTask would do it too.
init()
  .then(() => {
    $('core-version').textContent = `core ${version()}`;
    knownModelTable = knownModels();
    $('known-models').replaceChildren(...Object.keys(knownModelTable).map((name) => h('option', { value: name })));
    document.body.dataset.ready = 'true';
  })
  .catch((err) => {
    $('core-version').textContent = `the core failed to load: ${err.message}`;
  })
  .finally(() => coreReady());
