// The check types of checks.json, each a function of (workspace, check) -> { pass, detail }.
// Static checks read the file; runtime checks load it in a child node process so a module that
// hangs or crashes cannot take the runner with it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { sourceFacts, syntaxErrors, transpileTs } from './source-facts.mjs';
import { CHECK_TYPES, parseChecks, readChecksFile } from './check-schema.mjs';

const LOAD_CHILD = fileURLToPath(new URL('./load-child.mjs', import.meta.url));
const RUNTIME_TIMEOUT_MS = 15_000;
const IGNORED_DIRS = new Set(['.red-exec-logs', 'node_modules', '.git']);

const isTs = (file) => /\.(c|m)?tsx?$/.test(file);

function read(ws, file) {
  try {
    return fs.readFileSync(path.join(ws, file), 'utf8');
  } catch {
    return null;
  }
}

function missing(file) {
  return { pass: false, detail: `${file} does not exist` };
}

/** Copy the workspace with every .ts file transpiled to CommonJS .js, so TS modules can be loaded. */
function transpiledMirror(ws) {
  const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'red-exec-bench-ts-'));
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(ws, rel), { withFileTypes: true })) {
      if (IGNORED_DIRS.has(entry.name)) continue;
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        fs.mkdirSync(path.join(mirror, child), { recursive: true });
        walk(child);
      } else if (isTs(entry.name) && !entry.name.endsWith('.d.ts')) {
        const out = transpileTs(child, fs.readFileSync(path.join(ws, child), 'utf8')).outputText;
        fs.writeFileSync(path.join(mirror, child.replace(/\.(c|m)?tsx?$/, '.js')), out);
      } else {
        fs.copyFileSync(path.join(ws, child), path.join(mirror, child));
      }
    }
  };
  walk('');
  fs.writeFileSync(path.join(mirror, 'package.json'), '{"type":"commonjs"}\n');
  return mirror;
}

/** Load one module of ws in a child node (TypeScript transpiled first): { ok, keys, types, value } or { ok: false, error }. */
export function loadModule(ws, file, expr, timeoutMs = RUNTIME_TIMEOUT_MS) {
  let root = ws;
  let target = file;
  if (isTs(file)) {
    root = transpiledMirror(ws);
    target = file.replace(/\.(c|m)?tsx?$/, '.js');
  }
  try {
    const child = spawnSync(process.execPath, [LOAD_CHILD, path.join(root, target), expr ?? ''], {
      cwd: root,
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.error) return { ok: false, error: child.error.code === 'ETIMEDOUT' ? 'timed out' : child.error.message };
    try {
      return JSON.parse(child.stdout);
    } catch {
      return { ok: false, error: `module crashed the loader: ${(child.stderr || child.stdout).trim().split('\n')[0]}` };
    }
  } finally {
    if (root !== ws) fs.rmSync(root, { recursive: true, force: true });
  }
}

function facts(ws, file) {
  const text = read(ws, file);
  return text === null ? null : sourceFacts(file, text);
}

const short = (v) => {
  const s = JSON.stringify(v);
  return s && s.length > 160 ? `${s.slice(0, 160)}...` : s;
};

// A check in the internal shape (check-schema.mjs): `schema` is 'original' for a check written in
// the original's spelling, where exports_symbol and exports_count load the module (the original
// requires it) and a regex has no flags; ours reads exports statically and a regex has flags `m`
// unless it says otherwise. No check passes on a missing file except file_not_exists (and
// content_absent with "missingOk": true, ours only): the original's content_absent fails there too.
const original = (c) => c.schema === 'original';
const regex = (c) => new RegExp(c.pattern, c.flags ?? (original(c) ? '' : 'm'));

/** The loaded module's export names and their typeof, or { error }. */
function loadedExports(ws, c) {
  if (read(ws, c.file) === null) return { error: `${c.file} does not exist` };
  const r = loadModule(ws, c.file, '');
  return r.ok ? { keys: r.keys, types: r.types ?? {} } : { error: r.error };
}

export const CHECKS = {
  file_exists: (ws, c) => (read(ws, c.file) !== null ? { pass: true } : missing(c.file)),

  file_not_exists: (ws, c) => (fs.existsSync(path.join(ws, c.file)) ? { pass: false, detail: `${c.file} still exists` } : { pass: true }),

  node_compiles(ws, c) {
    const text = read(ws, c.file);
    if (text === null) return missing(c.file);
    if (isTs(c.file)) {
      const errors = syntaxErrors(c.file, text);
      return errors.length === 0 ? { pass: true } : { pass: false, detail: errors[0] };
    }
    const child = spawnSync(process.execPath, ['--check', path.join(ws, c.file)], { encoding: 'utf8', timeout: RUNTIME_TIMEOUT_MS });
    if (child.status === 0) return { pass: true };
    const line = (child.stderr || '').split('\n').find((l) => /Error/.test(l)) ?? 'node --check failed';
    return { pass: false, detail: line.trim() };
  },

  valid_json(ws, c) {
    const text = read(ws, c.file);
    if (text === null) return missing(c.file);
    try {
      JSON.parse(text);
      return { pass: true };
    } catch (err) {
      return { pass: false, detail: err.message };
    }
  },

  exports_symbol(ws, c) {
    if (original(c)) {
      const m = loadedExports(ws, c);
      if (m.error) return { pass: false, detail: m.error };
      if (!m.keys.includes(c.symbol) || m.types[c.symbol] === 'undefined') return { pass: false, detail: `${c.file} exports ${short(m.keys)}, not ${c.symbol}` };
      if (c.symbolType && m.types[c.symbol] !== c.symbolType) return { pass: false, detail: `${c.symbol} is ${m.types[c.symbol]}, expected ${c.symbolType}` };
      return { pass: true };
    }
    const f = facts(ws, c.file);
    if (!f) return missing(c.file);
    return f.exports.includes(c.symbol) ? { pass: true } : { pass: false, detail: `${c.file} exports ${short(f.exports)}, not ${c.symbol}` };
  },

  exports_count(ws, c) {
    let names;
    if (original(c)) {
      const m = loadedExports(ws, c);
      if (m.error) return { pass: false, detail: m.error };
      names = m.keys;
    } else {
      const f = facts(ws, c.file);
      if (!f) return missing(c.file);
      names = f.exports;
    }
    const n = names.length;
    const pass = c.count !== undefined ? n === c.count : n >= (c.min ?? 0) && n <= (c.max ?? Infinity);
    return pass ? { pass } : { pass, detail: `${c.file} has ${n} exports ${short(names)}` };
  },

  content_match(ws, c) {
    const text = read(ws, c.file);
    if (text === null) return missing(c.file);
    return regex(c).test(text) ? { pass: true } : { pass: false, detail: `/${c.pattern}/ not found` };
  },

  content_absent(ws, c) {
    const text = read(ws, c.file);
    if (text === null) return c.missingOk === true ? { pass: true } : missing(c.file);
    const m = regex(c).exec(text);
    return m ? { pass: false, detail: `found "${m[0]}"` } : { pass: true };
  },

  file_contains(ws, c) {
    const text = read(ws, c.file);
    if (text === null) return missing(c.file);
    return text.includes(c.text) ? { pass: true } : { pass: false, detail: `${short(c.text)} not in ${c.file}` };
  },

  runtime_load(ws, c) {
    if (read(ws, c.file) === null) return missing(c.file);
    const r = loadModule(ws, c.file, c.expr);
    if (!r.ok) return { pass: false, detail: r.error };
    if (!('equals' in c)) return { pass: true };
    const actual = JSON.parse(JSON.stringify(r.value ?? null));
    return isDeepStrictEqual(actual, c.equals) ? { pass: true } : { pass: false, detail: `got ${short(actual)}, want ${short(c.equals)}` };
  },

  runtime_exports(ws, c) {
    const m = loadedExports(ws, c);
    if (m.error) return { pass: false, detail: m.error };
    const lost = c.symbols.filter((s) => !m.keys.includes(s));
    if (lost.length > 0) return { pass: false, detail: `missing at run time: ${lost.join(', ')}` };
    const wrong = Object.entries(c.types ?? {}).filter(([s, t]) => t && m.types[s] !== t);
    return wrong.length === 0 ? { pass: true } : { pass: false, detail: wrong.map(([s, t]) => `${s} is ${m.types[s]}, expected ${t}`).join('; ') };
  },
};

export { CHECK_TYPES, parseChecks, readChecksFile };

function label(c) {
  if (c.name) return c.name;
  if (c.id) return c.id;
  const what = c.symbol ?? c.symbols?.join(',') ?? c.pattern ?? c.text ?? c.expr ?? (c.count !== undefined ? `count=${c.count}` : '');
  return `${c.type} ${c.file ?? ''}${what ? ` ${String(what).slice(0, 60)}` : ''}`;
}

/** Run every check against a workspace: { passed, total, results: [{ label, id?, type, file, pass, detail? }] }. */
export function scoreWorkspace(ws, checks) {
  const results = checks.map((c) => {
    let outcome;
    try {
      outcome = CHECKS[c.type](ws, c);
    } catch (err) {
      outcome = { pass: false, detail: `check failed to run: ${err.message}` };
    }
    return {
      label: label(c),
      ...(c.id ? { id: c.id } : {}),
      type: c.type,
      file: c.file,
      pass: outcome.pass,
      ...(outcome.detail ? { detail: outcome.detail } : {}),
    };
  });
  return { passed: results.filter((r) => r.pass).length, total: results.length, results };
}
