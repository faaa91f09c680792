'use strict';
// What the reference model answers, derived from a fixture's solution folder. Pure: no I/O here
// except loadSolution. The pipeline's prompts carry a machine-readable `@@red-exec {json}` line;
// that line, the TASK and the "FILES IN SCOPE" list are all this model reads. Its plan answers
// what the L1 prompt (crates/core/src/prompts.rs) asks a good model for: an action and intent per
// file, `exports` for every script it creates or modifies, `dropExports` for exports the task
// names and the solution no longer has; a fixture's solution/.plan.json covers what a plan
// cannot be read off the solution (EXTRACT, rewire).

const fs = require('node:fs');
const path = require('node:path');

const { sourceFacts, isScript } = require('../lib/source-facts.mjs');

const BLOCK_PREFIX = '@@red-exec ';
const PLAN_OVERRIDE = '.plan.json';

/**
 * The `@@red-exec` block of a chat request's user messages, or null. An L3 block names the stage and
 * the file; its fence language (`lang`) and module format (`module`: cjs or esm) are read here from
 * where the model reads them: the closing line ("in one ```js block") and the MODULE FORMAT line.
 */
function readBlock(messages) {
  for (const m of Array.isArray(messages) ? messages : []) {
    if (m.role !== 'user' || typeof m.content !== 'string') continue;
    for (const line of m.content.split('\n')) {
      if (!line.startsWith(BLOCK_PREFIX)) continue;
      let block;
      try {
        block = JSON.parse(line.slice(BLOCK_PREFIX.length));
      } catch {
        return null;
      }
      return block && block.stage === 'L3' ? { ...unitFacts(m.content), ...block } : block;
    }
  }
  return null;
}

function unitFacts(text) {
  const fences = [...text.matchAll(/ in one `{3,}([\w+#.-]*) block\b/g)];
  const format = /^MODULE FORMAT: (CommonJS|ES modules)\b/m.exec(text);
  const facts = {};
  if (fences.length) facts.lang = fences[fences.length - 1][1];
  if (format) facts.module = format[1] === 'CommonJS' ? 'cjs' : 'esm';
  return facts;
}

function userText(messages) {
  return (messages || []).filter((m) => m.role === 'user').map((m) => String(m.content)).join('\n');
}

/** Files in scope as the L1 prompt lists them: [{ path, exists, exports }] (exports: as the prompt lists them). */
function scopeOfPlanPrompt(text) {
  const start = text.indexOf('FILES IN SCOPE:\n');
  if (start === -1) return [];
  const out = [];
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (line.trim() === '') break;
    const m = /^- (\S+) \((exists|does not exist)/.exec(line);
    if (!m) continue;
    const listed = /; exports: ([^;]*)/.exec(line);
    out.push({ path: m[1], exists: m[2] === 'exists', exports: listed ? listed[1].split(',').map((n) => n.trim()).filter(Boolean) : [] });
  }
  return out;
}

/** The TASK of the L1 prompt. */
function taskOfPlanPrompt(text) {
  const start = text.indexOf('TASK:\n');
  if (start === -1) return '';
  const end = text.indexOf('\n\nFILES IN SCOPE:', start);
  return text.slice(start + 'TASK:\n'.length, end === -1 ? undefined : end).trim();
}

const words = (text) => text.split(/[^\p{L}\p{N}_$]+/u);

/** The task's sentences (cut at ". ", ";" and blank lines), for the one that names a file or an export. */
function sentences(task) {
  return task.split(/(?<=[.!?])\s+|;|\n\s*\n/).map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

/** The first sentence of the task that names the file (by path, base name or stem), as its intent. */
function intentFor(task, file, fallback) {
  const base = file.split('/').pop();
  const stem = base.replace(/\.[^.]*$/, '');
  const hit = sentences(task).find((s) => s.includes(file) || s.includes(base) || words(s).includes(stem));
  return hit ?? fallback;
}

/** Every file under dir (relative, '/'-separated) -> text. The plan override is kept apart. */
function loadSolution(dir) {
  const files = new Map();
  let planOverride = null;
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (child === PLAN_OVERRIDE) planOverride = JSON.parse(fs.readFileSync(path.join(dir, child), 'utf8'));
      else files.set(child, fs.readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  walk('');
  return { files, planOverride };
}

/** The names the solution's version of a script exports (read statically), or null for a file that is not a script. */
function solutionExports(solution, file) {
  if (!isScript(file) || !solution.files.has(file)) return null;
  return sourceFacts(file, solution.files.get(file)).exports;
}

/**
 * The plan: the override when the fixture ships one, otherwise derived from the prompt's scope and
 * task vs the solution (absent -> CREATE, gone from the solution -> DELETE, present in both ->
 * MODIFY), each CREATE/MODIFY of a script with the exports its solution has, and each MODIFY with
 * the exports the prompt lists, the solution lacks and the task names (the prompt: "if the task
 * explicitly asks to remove exports").
 */
function planFor(scope, solution, task = '') {
  if (solution.planOverride) return solution.planOverride;
  const taskWords = new Set(words(task));
  const actions = scope.map(({ path: p, exists, exports: had = [] }) => {
    const wanted = solution.files.has(p);
    if (exists && !wanted) return { path: p, action: 'DELETE', intent: intentFor(task, p, `${p} is no longer needed.`) };
    const entry = exists
      ? { path: p, action: 'MODIFY', intent: intentFor(task, p, `Change ${p} as the task describes.`) }
      : { path: p, action: 'CREATE', intent: intentFor(task, p, `Create ${p} as the task describes.`) };
    const exportsWhenDone = solutionExports(solution, p);
    if (exportsWhenDone) entry.exports = exportsWhenDone;
    const dropped = exists && exportsWhenDone ? had.filter((n) => !exportsWhenDone.includes(n) && taskWords.has(n)) : [];
    if (dropped.length > 0) entry.dropExports = dropped;
    return entry;
  });
  return { actions };
}

/** Text between "<heading>:\n```lang\n" and its closing fence (as long as the opening one: the core fences content by what it holds), or null. */
function fencedAfter(text, heading) {
  const at = text.indexOf(`${heading}:\n`);
  if (at === -1) return null;
  const start = at + heading.length + 2;
  const ticks = /^`{3,}/.exec(text.slice(start))?.[0];
  const open = text.indexOf('\n', start);
  if (!ticks || open === -1) return null;
  const close = text.indexOf(`\n${ticks}\n`, open);
  return close === -1 ? null : text.slice(open + 1, close + 1);
}

/**
 * The code one L3 call should get back (no fence): the solution's file, or, for a section, the
 * section as it stands (the reference plans never name sections, so that is a fallback only).
 */
function unitCode(block, messages, solution) {
  const text = userText(messages);
  if (block.section) {
    // A large file's unit may span sections #index to #last.
    const { index, last, label } = block.section;
    const name = last ? `SECTIONS #${index} TO #${last}` : `SECTION #${index}`;
    const current = fencedAfter(text, `${name} (${label}) OF ${block.path}`);
    return { code: current ?? '', source: 'section-unchanged' };
  }
  if (solution.files.has(block.path)) return { code: solution.files.get(block.path), source: 'solution' };
  const current = fencedAfter(text, `CURRENT CONTENT OF ${block.path}`);
  return { code: current ?? '', source: current === null ? 'empty' : 'unchanged' };
}

/** The answer's fence: longer than any run of backticks in the code, as a careful model writes it. */
function fence(code, lang) {
  const ticks = '`'.repeat(Math.max(2, ...(code.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  return `${ticks}${lang || ''}\n${code}${code.endsWith('\n') ? '' : '\n'}${ticks}\n`;
}

module.exports = { readBlock, userText, scopeOfPlanPrompt, taskOfPlanPrompt, intentFor, loadSolution, planFor, unitCode, fence, fencedAfter };
