// `--compare`: a results file side by side with baselines (other results files): checks, tokens,
// calls and wall time per fixture, with ratios against each baseline.

import fs from 'node:fs';
import path from 'node:path';

const fmt = (n) => (n === null || n === undefined ? '-' : Number(n).toLocaleString('en-US'));
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}x` : '-');
const secs = (ms) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);

export function loadResults(file) {
  const value = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (!Array.isArray(value.items)) throw new Error(`${file} is not a benchmark results file`);
  return value;
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** The comparison as text. baselines: [{ label, results }]. */
export function compareText(results, baselines) {
  const out = [`${results.suite} (${results.model}, chaos ${results.chaos}) vs ${baselines.length} baseline(s)`];
  const rows = [['fixture', 'checks', 'tokens', 'calls', 'wall']];
  for (const b of baselines) rows[0].push(`${b.label}: checks`, 'tokens', 'calls', 'wall', 'tokens ratio', 'wall ratio');
  for (const item of results.items) {
    const row = [item.name, item.cannotRun ? 'cannot run' : `${item.passed}/${item.total}`, fmt(item.tokens), fmt(item.calls), secs(item.wallMs)];
    for (const b of baselines) {
      const base = b.results.items.find((i) => i.name === item.name);
      if (!base) row.push('-', '-', '-', '-', '-', '-');
      else row.push(`${base.passed}/${base.total}`, fmt(base.tokens), fmt(base.calls), secs(base.wallMs), ratio(item.tokens, base.tokens), ratio(item.wallMs, base.wallMs));
    }
    rows.push(row);
  }
  const t = results.totals;
  const total = ['TOTAL', `${t.passed}/${t.total}`, fmt(t.tokens), fmt(t.calls), secs(t.wallMs)];
  for (const b of baselines) {
    const bt = b.results.totals;
    total.push(`${bt.passed}/${bt.total}`, fmt(bt.tokens), fmt(bt.calls), secs(bt.wallMs), ratio(t.tokens, bt.tokens), ratio(t.wallMs, bt.wallMs));
  }
  rows.push(total);
  out.push(table(rows));
  return `${out.join('\n')}\n`;
}

/** Baselines in dir whose suite matches: every *.json there. */
export function loadBaselines(dir, suite) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ label: path.basename(f, '.json'), results: loadResults(path.join(dir, f)) }))
    .filter((b) => b.results.suite === suite);
}
