#!/usr/bin/env node
'use strict';
// The naive baseline: `node whole-file.js <workspace-dir>`. What a plain whole-file edit format does
// (aider's "whole" format, without its repo map): for each in-scope file in FILES.txt, in order, one
// chat call with the task and the current content of every in-scope file, asking for that file's
// complete new content; the first fenced block of the answer (or the whole answer when it has none)
// is written as is. No plan, no gate, no checks, no retries. Later calls see earlier writes.
// FILES.txt names the files that may change; files the task names by path (the spec of an exercise)
// are sent as read-only context, as the pipeline does and as aider's /read does, so both see the same.
//
//   RED_EXEC_BASE_URL  OpenAI-compatible endpoint (required)   RED_EXEC_MODEL  model name (optional)
//   RED_EXEC_TIMEOUT   seconds per model call (default 600)    RED_EXEC_MAX_TOKENS  answer limit (default 4096)
//   BENCH_METRICS_FILE where to write { tokens, promptTokens, cachedTokens, completionTokens, calls, modelMs, status, errorCode }
// Exit: 0 every file written; 6 a model call failed (the other files were still asked for);
// 7 an answer was empty (nothing written for it); 2 usage.

const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node whole-file.js <workspace-dir>\n');
  process.exit(2);
}
const baseUrl = (process.env.RED_EXEC_BASE_URL || '').replace(/\/+$/, '');
if (!baseUrl) {
  process.stderr.write('whole-file harness: RED_EXEC_BASE_URL is not set\n');
  process.exit(2);
}
const task = fs.readFileSync(path.join(dir, 'TASK.md'), 'utf8').trim();
const files = fs.readFileSync(path.join(dir, 'FILES.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
const timeoutMs = (Number(process.env.RED_EXEC_TIMEOUT) || 600) * 1000;
const maxTokens = Number(process.env.RED_EXEC_MAX_TOKENS) || 4096;

const SYSTEM =
  'Act as an expert software developer. You are given a task and the files it concerns. ' +
  'When asked for a file, return its complete new content in one fenced code block, with nothing left out: ' +
  'no placeholders, no "rest unchanged" comments. Return only that file.';

function read(rel) {
  try {
    return fs.readFileSync(path.join(dir, rel), 'utf8');
  } catch {
    return null;
  }
}

// Workspace paths the task names (same rule as the core's task_paths): shown, never written.
const EXTENSIONS = new Set(['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'json', 'md', 'txt']);
function taskPaths() {
  const found = [];
  for (let word of task.split(/[\s`'"()[\]{}<>,;]+/)) {
    word = word.replace(/[.:!?]+$/, '');
    const dot = word.lastIndexOf('.');
    if (word.includes('://') || dot <= 0 || !EXTENSIONS.has(word.slice(dot + 1))) continue;
    const rel = path.posix.normalize(word.replace(/^\.\//, ''));
    if (rel.startsWith('..') || path.isAbsolute(rel) || files.includes(rel) || found.includes(rel)) continue;
    if (read(rel) !== null) found.push(rel);
  }
  return found;
}
const readOnly = taskPaths();

function prompt(target) {
  const parts = [`# Task\n\n${task}\n`];
  if (readOnly.length > 0) {
    parts.push('# Read-only files (for reference; do not change them)\n');
    for (const f of readOnly) {
      const text = read(f);
      parts.push(`${f}\n\`\`\`\n${text}${text.endsWith('\n') ? '' : '\n'}\`\`\`\n`);
    }
  }
  parts.push('# Files\n');
  for (const f of files) {
    const text = read(f);
    parts.push(text === null ? `${f}\n(does not exist yet: create it if the task needs it)\n` : `${f}\n\`\`\`\n${text}${text.endsWith('\n') ? '' : '\n'}\`\`\`\n`);
  }
  parts.push(`Return the complete new content of ${target}, in one fenced code block.`);
  return parts.join('\n');
}

/** The first fenced block's body, or the whole answer when it has none. */
function extract(answer) {
  const m = /```[^\n`]*\n([\s\S]*?)\n?```/.exec(answer);
  return m ? `${m[1]}\n` : answer;
}

const metrics = { tokens: 0, promptTokens: 0, cachedTokens: 0, completionTokens: 0, calls: 0, modelMs: 0, status: 'OK', errorCode: null, files: [] };
const save = () => {
  if (process.env.BENCH_METRICS_FILE) fs.writeFileSync(process.env.BENCH_METRICS_FILE, JSON.stringify(metrics));
};

async function call(messages) {
  const started = Date.now();
  const headers = { 'content-type': 'application/json' };
  if (process.env.RED_EXEC_API_KEY) headers.authorization = `Bearer ${process.env.RED_EXEC_API_KEY}`;
  const body = { model: process.env.RED_EXEC_MODEL || 'default', messages, temperature: 0, max_tokens: maxTokens };
  metrics.calls++;
  try {
    const res = await fetch(`${baseUrl}/chat/completions`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`), { code: 'model_unavailable' });
    const json = JSON.parse(text);
    const u = json.usage || {};
    metrics.promptTokens += u.prompt_tokens || 0;
    metrics.cachedTokens += (u.prompt_tokens_details && u.prompt_tokens_details.cached_tokens) || 0;
    metrics.completionTokens += u.completion_tokens || 0;
    metrics.tokens = metrics.promptTokens + metrics.completionTokens;
    const content = json.choices && json.choices[0] && json.choices[0].message && json.choices[0].message.content;
    if (typeof content !== 'string') throw Object.assign(new Error('no choices[0].message.content'), { code: 'model_answer' });
    return content;
  } catch (err) {
    if (!err.code || !/^model_/.test(err.code)) err.code = 'model_unavailable';
    throw err;
  } finally {
    metrics.modelMs += Date.now() - started;
  }
}

async function main() {
  let exit = 0;
  for (const f of files) {
    let answer;
    try {
      answer = await call([{ role: 'system', content: SYSTEM }, { role: 'user', content: prompt(f) }]);
    } catch (err) {
      process.stderr.write(`whole-file harness: ${f}: ${err.message}\n`);
      metrics.status = 'FAILED';
      metrics.errorCode = metrics.errorCode || err.code;
      metrics.files.push({ path: f, written: false, why: err.code });
      exit = exit || (err.code === 'model_answer' ? 7 : 6);
      continue;
    }
    const content = extract(answer);
    if (content.trim() === '') {
      process.stderr.write(`whole-file harness: ${f}: empty answer, nothing written\n`);
      metrics.status = 'FAILED';
      metrics.errorCode = metrics.errorCode || 'model_answer';
      metrics.files.push({ path: f, written: false, why: 'empty' });
      exit = exit || 7;
      continue;
    }
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), content);
    metrics.files.push({ path: f, written: true });
    save();
  }
  save();
  process.stdout.write(`whole-file: ${metrics.files.filter((x) => x.written).length}/${files.length} file(s) written, ${metrics.calls} call(s), ${metrics.tokens} tokens\n`);
  process.exit(exit);
}

main().catch((err) => {
  process.stderr.write(`whole-file harness: ${err.stack || err}\n`);
  save();
  process.exit(70);
});
