// Build-time (Node) loader of the playground's example workspaces, taken from the repository:
// every examples/<name>/ (workspace, TASK.md, FILES.txt, and its recorded transcript.jsonl) and a
// few of the CLI tests' fixtures (no recording: live model only).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readReplay } from '@codemaestro/core';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = ['express-app', 'module-split'];
const META_FILES = new Set(['TASK.md', 'FILES.txt']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every UTF-8 text file under dir, by relative path; binary or non-UTF-8 files are left out. */
function readTree(dir, skip = () => false) {
  const files = {};
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip(r)) continue;
      if (entry.isDirectory()) walk(r);
      else if (entry.isFile()) {
        const bytes = fs.readFileSync(path.join(dir, r));
        if (bytes.includes(0)) continue;
        try {
          files[r] = utf8.decode(bytes);
        } catch {
          // not UTF-8: the playground's workspace holds text only
        }
      }
    }
  };
  walk('');
  return files;
}

function readLines(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
}

function readText(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : '';
}

/** The examples, recorded ones first: [{ id, source, task, files, workspace, transcript }]. */
export function loadExamples(repo = REPO) {
  const out = [];
  const examplesDir = path.join(repo, 'examples');
  for (const name of fs.readdirSync(examplesDir).sort()) {
    const dir = path.join(examplesDir, name);
    if (!fs.existsSync(path.join(dir, 'workspace'))) continue;
    const transcriptFile = path.join(dir, 'transcript.jsonl');
    out.push({
      id: name,
      source: `examples/${name}`,
      task: readText(path.join(dir, 'TASK.md')),
      files: readLines(path.join(dir, 'FILES.txt')),
      workspace: readTree(path.join(dir, 'workspace')),
      transcript: fs.existsSync(transcriptFile) ? readReplay(fs.readFileSync(transcriptFile, 'utf8')) : null,
    });
  }
  for (const name of FIXTURES) {
    const dir = path.join(repo, 'tests', 'fixtures', name);
    if (!fs.existsSync(dir)) continue;
    out.push({
      id: `fixture-${name}`,
      source: `tests/fixtures/${name}`,
      task: readText(path.join(dir, 'TASK.md')),
      files: readLines(path.join(dir, 'FILES.txt')),
      workspace: readTree(dir, (rel) => META_FILES.has(rel)),
      transcript: null,
    });
  }
  return out;
}
