// Reading the core's unified diffs for display: line kinds for the unified view, and rows of
// old/new pairs for the side-by-side view. Pure functions (no DOM), tested under Node.

/** Each line of a unified diff with its kind: 'meta' (---/+++), 'hunk' (@@), 'add', 'del', 'context'. */
export function unifiedLines(diff) {
  if (!diff) return [];
  const lines = diff.endsWith('\n') ? diff.slice(0, -1).split('\n') : diff.split('\n');
  let inHunk = false;
  return lines.map((text) => {
    let kind = 'context';
    // ---/+++ are headers only before the first hunk; inside one they are a removed "--" or added "++" line.
    if (!inHunk && (text.startsWith('+++') || text.startsWith('---'))) kind = 'meta';
    else if (text.startsWith('@@')) {
      kind = 'hunk';
      inHunk = true;
    }
    else if (text.startsWith('+')) kind = 'add';
    else if (text.startsWith('-')) kind = 'del';
    else if (text.startsWith('\\')) kind = 'meta';
    return { kind, text };
  });
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/**
 * Side-by-side rows: { kind: 'hunk', text } or { kind: 'line', left, right } where a side is
 * { n, text, change: 'del' | 'add' | 'same' } or null (nothing on that side). Removed lines are
 * paired with the added lines that follow them, in order.
 */
export function sideBySideRows(diff) {
  const rows = [];
  let oldN = 0;
  let newN = 0;
  let dels = [];
  let adds = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++) {
      rows.push({ kind: 'line', left: dels[i] ?? null, right: adds[i] ?? null });
    }
    dels = [];
    adds = [];
  };
  for (const { kind, text } of unifiedLines(diff)) {
    if (kind === 'meta') continue;
    if (kind === 'hunk') {
      flush();
      const m = text.match(HUNK);
      if (m) {
        oldN = Number(m[1]);
        newN = Number(m[2]);
      }
      rows.push({ kind: 'hunk', text });
    } else if (kind === 'del') {
      dels.push({ n: oldN++, text: text.slice(1), change: 'del' });
    } else if (kind === 'add') {
      adds.push({ n: newN++, text: text.slice(1), change: 'add' });
    } else {
      flush();
      const body = text.slice(1);
      rows.push({ kind: 'line', left: { n: oldN++, text: body, change: 'same' }, right: { n: newN++, text: body, change: 'same' } });
    }
  }
  flush();
  return rows;
}

/** The new file's line numbers (1-based) of the lines a unified diff adds: what an accept highlights. */
export function addedLines(diff) {
  return sideBySideRows(diff)
    .filter((row) => row.kind === 'line' && row.right?.change === 'add')
    .map((row) => row.right.n);
}
