// What a run left on disk, judged against the scope and the fixture's solution: which writes were
// out of scope or destructive. A "bad write" is one that reached disk; the gate's job is to keep
// this list empty.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { isScript, sourceFacts, syntaxErrors } from './source-facts.mjs';

// red-exec's own run records (logs, violation log, --report) are not task writes.
const IGNORED = new Set(['.red-exec-logs', '.red-exec-violations.jsonl', '.red-exec-report.md', 'node_modules', '.git']);

/** path -> { hash, text } for every file under dir except run logs and installed packages. */
export function snapshot(dir) {
  const out = new Map();
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (IGNORED.has(entry.name)) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        const buf = fs.readFileSync(path.join(dir, child));
        out.set(child, { hash: crypto.createHash('sha1').update(buf).digest('hex'), text: buf.toString('utf8') });
      }
    }
  };
  walk('');
  return out;
}

/** Paths added, changed or removed between two snapshots. */
export function changedPaths(before, after) {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths].filter((p) => before.get(p)?.hash !== after.get(p)?.hash).sort();
}

function readSolution(solutionDir, file) {
  if (!solutionDir) return null;
  try {
    return fs.readFileSync(path.join(solutionDir, file), 'utf8');
  } catch {
    return null;
  }
}

/**
 * Bad writes: [{ path, why, detail }]. why is one of out_of_scope, syntax, export_lost,
 * declaration_lost, module_format, deleted_needed_file.
 */
export function auditWrites({ before, after, scope, solutionDir }) {
  const inScope = new Set(scope);
  const bad = [];
  for (const p of changedPaths(before, after)) {
    if (!inScope.has(p)) {
      bad.push({ path: p, why: 'out_of_scope', detail: after.has(p) ? (before.has(p) ? 'changed' : 'created') : 'deleted' });
      continue;
    }
    const wanted = readSolution(solutionDir, p);
    const now = after.get(p)?.text;
    if (now === undefined) {
      if (wanted !== null) bad.push({ path: p, why: 'deleted_needed_file', detail: 'the solution keeps this file' });
      continue;
    }
    if (!isScript(p)) continue;
    const errors = syntaxErrors(p, now);
    if (errors.length > 0) {
      bad.push({ path: p, why: 'syntax', detail: errors[0] });
      continue;
    }
    const was = before.get(p)?.text;
    const nowFacts = sourceFacts(p, now);
    const wantFacts = wanted === null ? null : sourceFacts(p, wanted);
    if (wantFacts && nowFacts.esm !== wantFacts.esm && nowFacts.cjs !== wantFacts.cjs) {
      bad.push({ path: p, why: 'module_format', detail: nowFacts.esm ? 'ES module syntax where CommonJS belongs' : 'CommonJS where ES modules belong' });
      continue;
    }
    if (was === undefined) continue;
    const wasFacts = sourceFacts(p, was);
    // What the file had and the solution still has must not be gone.
    const keep = (names, wantNames) => names.filter((n) => (wantNames ? wantNames.includes(n) : true));
    const lostExports = keep(wasFacts.exports, wantFacts?.exports).filter((n) => !nowFacts.exports.includes(n));
    if (lostExports.length > 0) {
      bad.push({ path: p, why: 'export_lost', detail: lostExports.join(', ') });
      continue;
    }
    const lostDecls = keep(wasFacts.declarations, wantFacts?.declarations).filter((n) => !nowFacts.declarations.includes(n));
    if (lostDecls.length > 0) bad.push({ path: p, why: 'declaration_lost', detail: lostDecls.join(', ') });
  }
  return bad;
}
