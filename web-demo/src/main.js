// The playground page: an in-memory workspace, an editor, and runs of the wasm core with a
// recorded or a live model. Everything happens in this page; nothing is sent anywhere except the
// live model's chat calls.

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
import { sideBySideRows, unifiedLines } from './diff.js';
import { createEditor } from './editor.js';
import { applyEvent, newProgress, STAGES } from './progress.js';
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

const state = {
  example: null,
  workspace: new Workspace(),
  scope: new Set(),
  openPath: null,
  /** staged changes of the last run (path -> text, or null for a delete) until accepted or discarded */
  pending: null,
  progress: null,
  result: null,
  running: false,
};

const editor = createEditor($('editor'), (path, text) => {
  if (state.workspace.has(path)) state.workspace.set(path, text);
});

// ---------- workspace, tree, editor ----------

function openFile(path) {
  state.openPath = path;
  if (path && state.workspace.has(path)) {
    editor.open(path, state.workspace.get(path));
    $('open-path').textContent = path;
  } else {
    editor.close();
    state.openPath = null;
    $('open-path').textContent = 'no file open';
  }
  renderTree();
}

function renderTree() {
  const pending = state.pending ?? new Map();
  const list = (nodes) =>
    nodes.map((node) => {
      if (node.children) {
        return h('li', { class: 'dir' }, h('span', { class: 'dir-name' }, `${node.name}/`), h('ul', {}, list(node.children)));
      }
      const staged = pending.has(node.path) ? (pending.get(node.path) === null ? 'delete' : 'change') : null;
      return h(
        'li',
        { class: `file${node.path === state.openPath ? ' open' : ''}`, dataset: { path: node.path } },
        h('input', {
          type: 'checkbox',
          checked: state.scope.has(node.path),
          'aria-label': `in scope: ${node.path}`,
          onchange: (e) => (e.target.checked ? state.scope.add(node.path) : state.scope.delete(node.path)),
        }),
        h('button', { type: 'button', class: 'file-name', onclick: () => openFile(node.path) }, node.name),
        staged ? h('span', { class: `badge staged-${staged}` }, staged === 'delete' ? 'staged delete' : 'staged') : null,
      );
    });
  $('tree').replaceChildren(...list(state.workspace.tree()));
}

function loadExample(id) {
  const example = examples.find((e) => e.id === id) ?? examples[0];
  state.example = example;
  state.workspace = new Workspace(example.workspace);
  state.scope = new Set(example.files.filter((f) => state.workspace.has(f)));
  state.pending = null;
  state.result = null;
  $('example').value = example.id;
  $('example-source').textContent = `from ${example.source}${example.transcript ? ', with a recorded run' : ' (no recording: live model only)'}`;
  $('task').value = example.task;
  $('extra-paths').value = example.files.filter((f) => !state.workspace.has(f)).join(', ');
  const recorded = document.querySelector('input[name=mode][value=recorded]');
  recorded.disabled = !example.transcript;
  setMode(example.transcript ? 'recorded' : 'live');
  $('result').hidden = true;
  openFile(example.files.find((f) => state.workspace.has(f)) ?? state.workspace.paths()[0] ?? null);
}

function setMode(mode) {
  document.querySelector(`input[name=mode][value=${mode}]`).checked = true;
  $('live-fields').hidden = mode !== 'live';
}

function downloadZip() {
  const bytes = workspaceZip(state.workspace.snapshot(), state.example.id);
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
  const link = h('a', { href: url, download: `${state.example.id}.zip` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
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
  const ticked = state.workspace.paths().filter((p) => state.scope.has(p));
  return [...new Set([...ticked, ...extra])];
}

function makeCompleter(mode) {
  if (mode === 'recorded') {
    const replay = createReplayCompleter(state.example.transcript);
    const complete = async (request) => {
      const answer = await replay(request);
      await new Promise((resolve) => setTimeout(resolve, REPLAY_PACE_MS));
      return answer;
    };
    return { complete, model: state.example.transcript.model ?? 'deepseek-chat' };
  }
  const model = $('model-name').value.trim() || 'gpt-4.1-mini';
  // The key is read here, for this run only, and lives on in the completer's closure alone.
  const complete = createOpenAICompleter({ baseUrl: $('base-url').value.trim(), apiKey: $('api-key').value, model });
  return { complete, model };
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

function renderProgress() {
  const p = state.progress;
  if (!p) return;
  $('stages').replaceChildren(
    ...STAGES.map((s) =>
      h('li', { class: `stage ${p.stages[s]}`, dataset: { stage: s, state: p.stages[s] } }, `${STAGE_LABEL[s]} ${STATE_MARK[p.stages[s]] ?? ''}`),
    ),
  );
  $('activity').textContent = p.activity;
  const tokens = p.promptTokens + p.completionTokens;
  // Once the run is done the result's usage (with the cost) is shown instead.
  if (!state.result) $('usage').textContent = `Tokens: ${tokens.toLocaleString('en-US')} (${p.promptTokens.toLocaleString('en-US')} in, ${p.completionTokens.toLocaleString('en-US')} out) | Calls: ${p.calls}`;
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
        g.violations.length ? h('ul', {}, g.violations.map((v) => h('li', {}, h('code', {}, v.rule), ` ${v.message}`))) : null,
      ),
    ),
  );
}

function renderDiff(diff) {
  if ($('side-by-side').checked) {
    const side = (cell) =>
      cell ? [h('td', { class: 'ln' }, String(cell.n)), h('td', { class: `code ${cell.change}` }, cell.text)] : [h('td', { class: 'ln' }), h('td', { class: 'code empty' })];
    return h(
      'table',
      { class: 'diff side' },
      h('tbody', {}, sideBySideRows(diff).map((row) => (row.kind === 'hunk' ? h('tr', { class: 'hunk' }, h('td', { colspan: '4' }, row.text)) : h('tr', {}, side(row.left), side(row.right))))),
    );
  }
  return h('pre', { class: 'diff unified' }, unifiedLines(diff).map((line) => h('span', { class: line.kind }, `${line.text}\n`)));
}

function renderOutcomes() {
  const result = state.result;
  if (!result) return;
  $('outcomes').replaceChildren(
    ...result.files.map((file) =>
      h(
        'article',
        { class: `outcome ${file.outcome}`, dataset: { path: file.path, outcome: file.outcome } },
        h(
          'header',
          {},
          h('span', { class: 'mono' }, file.path),
          ` ${file.action} `,
          h('span', { class: `badge ${file.outcome}` }, file.outcome),
          file.attempts > 1 ? h('span', { class: 'muted small' }, ` ${file.attempts} attempts`) : null,
        ),
        file.violations.length
          ? h('ul', { class: 'violations' }, file.violations.map((v) => h('li', { dataset: { rule: v.rule } }, h('code', {}, v.rule), ` ${v.message}`)))
          : null,
        file.error ? h('p', { class: 'error' }, file.error) : null,
        file.diff ? renderDiff(file.diff) : h('p', { class: 'muted small' }, file.outcome === 'blocked' ? 'Nothing staged: the gate blocked every answer for this file.' : file.outcome === 'withheld' ? 'Nothing staged: see why above.' : 'No change.'),
        file.outcome === 'blocked' && state.progress.lastAnswer[file.path]
          ? h('details', {}, h('summary', {}, 'the last rejected answer'), h('pre', { class: 'answer' }, state.progress.lastAnswer[file.path]))
          : null,
      ),
    ),
  );
}

function setDecisionButtons(enabled) {
  $('accept').disabled = !enabled;
  $('discard').disabled = !enabled;
}

async function run() {
  if (state.running) return;
  const task = $('task').value.trim();
  const files = scopeFiles();
  const mode = document.querySelector('input[name=mode]:checked').value;
  const errorBox = $('run-error');
  $('result').hidden = false;
  errorBox.hidden = true;
  if (!task || files.length === 0) {
    errorBox.hidden = false;
    errorBox.textContent = !task ? 'Write a task first.' : 'Tick at least one file (or name a new one) for the scope.';
    return;
  }
  state.running = true;
  state.pending = null;
  state.result = null;
  state.progress = newProgress();
  $('run').disabled = true;
  // The run stages against this workspace: switching examples mid-run would mix two of them.
  $('example').disabled = true;
  setDecisionButtons(false);
  $('decision').textContent = '';
  $('report').textContent = '';
  $('outcomes').replaceChildren();
  $('result').dataset.status = 'running';
  renderTree();
  renderProgress();

  // The run works on a copy of the workspace; what it changed there is staged for the user.
  const copy = createMemoryHost(state.workspace.snapshot(), {
    onEvent: (event) => {
      applyEvent(state.progress, event);
      queueProgressRender();
    },
  });
  const started = performance.now();
  try {
    const { complete, model } = makeCompleter(mode);
    const result = await runTask({ task, files, options: { model, gate: $('gate-mode').value }, host: { ...copy, complete } });
    const changes = copy.changes();
    const wallMs = Math.round(performance.now() - started);
    state.result = result;
    state.progress.stages = { ...result.stages };
    state.progress.activity = '';
    state.pending = changes;
    renderProgress();
    $('usage').textContent =
      `Tokens: ${result.usage.totalTokens.toLocaleString('en-US')} (${result.usage.promptTokens.toLocaleString('en-US')} in, ${result.usage.completionTokens.toLocaleString('en-US')} out) | Calls: ${result.usage.calls}` +
      (result.costUsd !== null ? ` | cost: $${result.costUsd.toFixed(4)}` : '');
    if (result.error) {
      errorBox.hidden = false;
      errorBox.textContent = `${result.error.code}: ${result.error.message}`;
    }
    renderOutcomes();
    $('report').textContent = renderReport(result, wallMs);
    $('result').dataset.status = result.status;
    setDecisionButtons(changes.size > 0);
    $('decision').textContent = changes.size > 0 ? `${changes.size} change(s) staged: nothing is in the workspace yet.` : 'Nothing to accept.';
  } catch (err) {
    errorBox.hidden = false;
    errorBox.textContent = err instanceof Error ? err.message : String(err);
    $('result').dataset.status = 'error';
  } finally {
    state.running = false;
    $('run').disabled = false;
    $('example').disabled = false;
    renderTree();
  }
}

function accept() {
  if (!state.pending) return;
  const count = state.pending.size;
  state.workspace.apply(state.pending);
  state.pending = null;
  setDecisionButtons(false);
  $('decision').textContent = `Accepted: ${count} change(s) applied to the workspace.`;
  openFile(state.openPath && state.workspace.has(state.openPath) ? state.openPath : state.workspace.paths()[0] ?? null);
}

function discard() {
  state.pending = null;
  setDecisionButtons(false);
  $('decision').textContent = 'Discarded: the workspace is as it was.';
  renderTree();
}

// ---------- wiring ----------

$('example').replaceChildren(
  ...examples.map((e) => h('option', { value: e.id }, `${e.id}${e.transcript ? '' : ' (live only)'}`)),
);
$('example').addEventListener('change', (e) => loadExample(e.target.value));
for (const radio of document.querySelectorAll('input[name=mode]')) radio.addEventListener('change', (e) => setMode(e.target.value));
$('run').addEventListener('click', run);
$('accept').addEventListener('click', accept);
$('discard').addEventListener('click', discard);
$('download').addEventListener('click', downloadZip);
$('side-by-side').addEventListener('change', renderOutcomes);
loadExample(examples[0].id);

// Load the wasm now rather than on the first run; runTask would do it too.
init()
  .then(() => {
    $('core-version').textContent = `core ${version()}`;
    $('known-models').replaceChildren(...Object.keys(knownModels()).map((name) => h('option', { value: name })));
    document.body.dataset.ready = 'true';
  })
  .catch((err) => {
    $('core-version').textContent = `the core failed to load: ${err.message}`;
  });
