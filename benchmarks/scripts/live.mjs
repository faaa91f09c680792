#!/usr/bin/env node
// `npm run bench:live`: regenerate the "Live model" section of benchmarks/RESULTS.md from the
// JSON-lines results of `red-exec --benchmark <suite> --live <model>`. Runs nothing: the live runs
// take hours and are started by hand (see benchmarks/README.md).
//   --results FILE  the records (default benchmarks/results/live.jsonl; repeatable)
//   --out FILE      the Markdown file to update (default benchmarks/RESULTS.md)

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_ROOT } from '../lib/runner.mjs';
import { LIVE_RESULTS, readRecords } from '../lib/live.mjs';
import { liveSection, replaceSection } from '../lib/live-report.mjs';

const { values } = parseArgs({ options: { results: { type: 'string', multiple: true }, out: { type: 'string' } } });
const files = (values.results ?? [LIVE_RESULTS]).map((f) => path.resolve(f));
const missing = files.filter((f) => !fs.existsSync(f));
if (missing.length > 0) {
  process.stderr.write(`bench:live: no results file ${missing.join(', ')}: run red-exec --benchmark <suite> --live <model> first\n`);
  process.exit(4);
}
const records = files.flatMap((f) => readRecords(f));
const out = path.resolve(values.out ?? path.join(BENCH_ROOT, 'RESULTS.md'));
const doc = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '# Benchmark results\n';
const source = files.map((f) => (path.relative(path.dirname(BENCH_ROOT), f).startsWith('..') ? f : path.relative(path.dirname(BENCH_ROOT), f))).join(', ');
fs.writeFileSync(out, replaceSection(doc, liveSection(records, { source })));
process.stderr.write(`bench:live: ${records.length} record(s) from ${source} -> ${out}\n`);
