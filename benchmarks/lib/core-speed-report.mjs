// The "Speed of the machine's own part" section of RESULTS.md, from results/core-speed.json
// (`npm run bench:core`) and scripts/core-speed-before.json (the figures before issue 20).
// Used by scripts/results.mjs, and by `core-speed.mjs --update-results`, which rewrites only it.

import fs from 'node:fs';
import path from 'node:path';

const fmt = (n) => (n === null || n === undefined ? '-' : Number(n).toLocaleString('en-US'));
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
const table = (header, rows) => [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export const HEADING = "## Speed of the machine's own part";

/** The section's lines, heading first, ending with an empty line. */
export function coreSpeedSection(core, benchRoot) {
  const out = [HEADING, ''];
  // core-speed.json: { runs: [...], wasm, coldStart, outsideModel }; scripts/core-speed-before.json: one
  // run measured before issue 20's changes (same bench, same machine), for the before/after table.
  const runs = core.runs;
  const beforeFile = path.join(benchRoot, 'scripts', 'core-speed-before.json');
  const before = fs.existsSync(beforeFile) ? JSON.parse(fs.readFileSync(beforeFile, 'utf8')) : null;
  const across = (get) => {
    const xs = runs.map(get).filter(Boolean);
    return xs.length === 0 ? null : { medians: xs.map((x) => x.median), min: Math.min(...xs.map((x) => x.min)) };
  };
  const mid = (a) => [...a.medians].sort((x, y) => x - y)[Math.floor(a.medians.length / 2)];
  const cell = (a) => (a ? `${a.medians.map((m) => fmt(Math.round(m))).join(' / ')} (min ${fmt(Math.round(a.min))})` : '-');
  const STAGES = ['parse', 'facts', 'gate', 'diff', 'boundary', 'work'];
  out.push(
    `\`npm run bench:core\` on ${core.machine.cpu} (${core.machine.cores} cores, shared with other work: times are upper bounds), Node ${core.machine.node}; ${runs.length} runs (each its own process), each the median of ${core.rounds} interleaved rounds (every contender once per round, the order rotated); a cell lists the runs' medians in ms, then the least round of all. ` +
      `The same work on every side for one whole-file edit (a function appended): **parse** the old and the new text; **facts** of the old text (exports, module syntax, top-level items; what a run computes when it reads the file); **gate**, the new text's syntax verdict and facts compared with the old ones (the core: its semantic pass and every gate rule); **diff**, a unified diff with 3 lines of context; **boundary**, both texts into the wasm (core only); **work** = facts + gate + diff (+ boundary). ` +
      `Versions: ${Object.entries(core.versions).map(([n, v]) => `${n} ${v}`).join(', ')}.`,
    '',
  );
  for (const [k, s0] of runs[0].stages.entries()) {
    out.push(`${s0.name} (${(s0.bytes / 2 ** 20).toFixed(2)} MB, ${fmt(s0.lines)} lines), ms:`, '');
    out.push(table(['contender', ...STAGES], Object.keys(s0.results).map((n) => [n, ...STAGES.map((st) => cell(across((r) => r.stages[k].results[n][st])))])), '');
  }
  out.push('Whole runs: the core\'s `runTask` (an in-memory host that answers at once: plan, prompts, events, extraction, post-processing, gate, diff, report) against the others\' **work** on the same files; "x" is how many times faster the core is (medians of the runs\' medians).', '');
  const rows = [];
  for (const [k, r0] of runs[0].runs.entries()) {
    if (r0.refused) {
      rows.push([r0.name, `refused: ${r0.refused.replace(/\|/g, '\\|')}`, '-', '-', '-']);
      continue;
    }
    const c = across((r) => r.runs[k].results?.runTask.total);
    const others = ['acorn+jsdiff', 'meriyah+jsdiff', 'oxc-parser+jsdiff'].map((n) => {
      const o = across((r) => r.runs[k].results?.[n].total);
      return `${cell(o)}, ${(mid(o) / mid(c)).toFixed(2)}x`;
    });
    rows.push([`${r0.name} (${fmt(r0.bytes)} bytes)`, cell(c), ...others]);
  }
  out.push(table(['input', 'core runTask', 'acorn+jsdiff', 'meriyah+jsdiff', 'oxc-parser+jsdiff'], rows), '');
  const runIndex = (name) => runs[0].runs.findIndex((r) => r.name === name && !r.refused);
  const [k50, k200] = [runIndex('50 files'), runIndex('200 files')];
  if (k50 >= 0 && k200 >= 0) {
    const ratio = runs.map((r) => (r.runs[k200].results.runTask.total.median / (4 * r.runs[k50].results.runTask.total.median)).toFixed(2));
    out.push(`- 200 files / (4 x 50 files), \`runTask\` medians, run by run: ${ratio.join(' / ')} (1.00 is linear)`);
  }
  out.push(`- wasm: ${fmt(core.wasm.rawBytes)} bytes raw, ${fmt(core.wasm.gzipBytes)} bytes gzipped`);
  for (const [k, st] of Object.entries(core.coldStart)) out.push(`- \`${k}\`: ${fmt(Math.round(st.median))} ms median of 11 (min ${fmt(Math.round(st.min))} ms)`);
  for (const [suite, s] of Object.entries(core.outsideModel)) {
    out.push(`- ${suite}, clean run: ${(s.outsideShare * 100).toFixed(1)}% of ${secs(s.wallMs)} harness wall time is outside the model (model HTTP time ${secs(s.modelMs)})`);
  }
  out.push('');
  out.push(...goals(core, mid, across), '');
  if (before) {
    out.push(`### Before and after issue 20 (the core, stage by stage)`, '', `Before: one run of the same bench (median of ${before.rounds} rounds) on the build before issue 20's changes (${before.note}). After: the runs above. ms, median (min).`, '');
    const bRows = [];
    for (const [k, s0] of runs[0].stages.entries()) {
      const b = before.stages.find((x) => x.name === s0.name)?.results.core;
      for (const st of ['parse', 'facts', 'gate', 'diff', 'boundary']) {
        const a = across((r) => r.stages[k].results.core[st]);
        bRows.push([s0.name, st, b ? `${fmt(Math.round(b[st].median))} (${fmt(Math.round(b[st].min))})` : '-', `${fmt(Math.round(mid(a)))} (${fmt(Math.round(a.min))})`]);
      }
    }
    for (const [k, r0] of runs[0].runs.entries()) {
      const b = before.runs.find((x) => x.name === r0.name);
      const a = r0.refused ? null : across((r) => r.runs[k].results?.runTask.total);
      bRows.push([r0.name, 'runTask', b?.results ? `${fmt(Math.round(b.results.runTask.total.median))} (${fmt(Math.round(b.results.runTask.total.min))})` : (b?.why ?? 'refused'), a ? `${fmt(Math.round(mid(a)))} (${fmt(Math.round(a.min))})` : 'refused']);
    }
    bRows.push(['wasm', 'raw / gzipped bytes', `${fmt(before.wasm.rawBytes)} / ${fmt(before.wasm.gzipBytes)}`, `${fmt(core.wasm.rawBytes)} / ${fmt(core.wasm.gzipBytes)}`]);
    out.push(table(['input', 'stage', 'before', 'after'], bRows), '');
  }
  return out;
}

/** RESULTS.md text with its speed section replaced by `section` (lines). */
export function replaceSection(markdown, section) {
  const start = markdown.indexOf(`${HEADING}\n`);
  const end = markdown.indexOf('\n## ', start + HEADING.length);
  if (start < 0 || end < 0) throw new Error(`RESULTS.md has no "${HEADING}" section followed by another`);
  return `${markdown.slice(0, start)}${section.join('\n')}\n${markdown.slice(end + 1)}`;
}

/** Issue 20's goals, each with the figure it is judged by (medians of the runs' medians). */
function goals(core, mid, across) {
  const runs = core.runs;
  const stage = (input, who, st) => {
    const k = runs[0].stages.findIndex((s) => s.name === input);
    return k < 0 ? null : mid(across((r) => r.stages[k].results[who][st]));
  };
  const line = (met, text) => `- ${met === null ? 'not measured' : met ? 'met' : 'not met'}: ${text}`;
  const ratio = (input, who) => {
    const c = stage(input, 'core', 'work');
    const o = stage(input, who, 'work');
    return c && o ? o / c : null;
  };
  const out = ['Issue 20\'s goals on this machine (the stage table\'s **work**; `runTask` of typescript.js and lodash is refused, see above):', ''];
  const ts = [ratio('typescript.js', 'acorn+jsdiff'), ratio('typescript.js', 'meriyah+jsdiff')];
  out.push(line(ts[0] === null ? null : ts[0] >= 4 && ts[1] >= 3, `typescript.js >= 4x acorn+jsdiff and >= 3x meriyah+jsdiff: ${ts.map((x) => `${x?.toFixed(2)}x`).join(', ')} (work, not runTask)`));
  const gate = stage('typescript.js', 'core', 'gate');
  const diff = stage('typescript.js', 'core', 'diff');
  out.push(line(gate <= 120, `gate stage <= 120 ms in wasm: ${Math.round(gate)} ms`), line(diff <= 40, `diff <= 40 ms in wasm: ${Math.round(diff)} ms`));
  const lo = ratio('lodash.js', 'acorn+jsdiff');
  out.push(line(lo === null ? null : lo >= 3, `lodash >= 3x (acorn+jsdiff): ${lo?.toFixed(2)}x`));
  const k50 = runs[0].runs.findIndex((r) => r.name === '50 files' && !r.refused);
  const k200 = runs[0].runs.findIndex((r) => r.name === '200 files' && !r.refused);
  if (k50 >= 0 && k200 >= 0) {
    const lin = mid(across((r) => r.runs[k200].results.runTask.total)) / (4 * mid(across((r) => r.runs[k50].results.runTask.total)));
    out.push(line(lin <= 1.2, `200-file runTask within 1.2x of 4 x the 50-file one: ${lin.toFixed(2)}x`));
  }
  const { rawBytes, gzipBytes } = core.wasm;
  out.push(line(rawBytes <= 1_500_000 && gzipBytes <= 600_000, `wasm <= 1.5 MB raw and <= 600 KB gzipped: ${(rawBytes / 1e6).toFixed(2)} MB, ${Math.round(gzipBytes / 1e3)} KB`));
  const cold = core.coldStart['red-exec --version'].median - core.coldStart['node -e 0'].median;
  out.push(line(cold <= 30, `\`red-exec --version\` within 30 ms of \`node -e 0\`: ${Math.round(cold)} ms more`));
  return out;
}
