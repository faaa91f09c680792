// ARCHITECTURE.md names files and folders of the repository in backticks; each must exist, so the
// page cannot drift from the code. The README links to it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from '../support/cli.mjs';

const FILE_EXTENSION = /\.(rs|mjs|cjs|js|ts|md|json|jsonl|toml|sh|html|txt|css)$/;

/**
 * The backticked spans of `markdown` that are repository paths: made of path characters only (no
 * spaces, placeholders like `<name>`, globs or package scopes like `@codemaestro/core`), holding a
 * `/` or ending in a file extension. Fenced code blocks are left out.
 */
export function repoPaths(markdown) {
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```\s*$/gm, '');
  // A code span may run over a line break (Markdown reads it as a space).
  const spans = [...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\n/g, ' '));
  return [...new Set(spans.filter((s) => /^[A-Za-z0-9_.][A-Za-z0-9_.\-/]*$/.test(s) && (s.includes('/') || FILE_EXTENSION.test(s))))];
}

test('every repository path ARCHITECTURE.md names in backticks exists (a folder when it ends in /)', () => {
  const paths = repoPaths(fs.readFileSync(path.join(REPO, 'ARCHITECTURE.md'), 'utf8'));
  // The page names the crates, packages, stage files and tables it describes: a broken extraction
  // that finds next to nothing must not pass.
  assert.ok(paths.length >= 60, `found only ${paths.length} paths`);
  const missing = paths.filter((p) => {
    const abs = path.join(REPO, p);
    if (!fs.existsSync(abs)) return true;
    return p.endsWith('/') && !fs.statSync(abs).isDirectory();
  });
  assert.deepEqual(missing, [], `ARCHITECTURE.md names paths that do not exist: ${missing.join(', ')}`);
});

test('the path filter takes repository paths and leaves placeholders, commands, packages and code blocks', () => {
  const md = [
    'See `crates/core/src/gate.rs`, `README.md`, `benchmarks/` and `npm/core/host/x.mjs`.',
    'Not: `crates/core/src/gate/rules/<name>.rs`, `*.tests.rs`, `@codemaestro/core`, `red-exec --undo`,',
    '`session.resume(reply)`, `options.fooBar`, `Check::Scope`.',
    '```',
    '`inside/a/block.rs`',
    '```',
  ].join('\n');
  assert.deepEqual(repoPaths(md), ['crates/core/src/gate.rs', 'README.md', 'benchmarks/', 'npm/core/host/x.mjs']);
});

test('README.md links to ARCHITECTURE.md', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  assert.match(readme, /\]\(ARCHITECTURE\.md\)/);
});
